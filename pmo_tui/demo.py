"""The demo and benchmark portfolio generator (``pmo-tui demo``, PRODUCT.md §9).

``write_demo(directory, size=..., seed=..., as_of=...)`` writes one CSV per
canonical table (canonical English headers, ``,``, ISO dates, UTF-8) and a
``pmo-tui.toml`` that freezes "today" at ``as_of`` and sets two tolerance
overrides (programme ``PRG-03`` and project ``P-0001``). The same seed and
as_of give byte-identical files.

The portfolio is built around ``as_of`` so it tells a story a PMO recognises:
most projects on track, some overspending, some slipping, a few with missing
data, some not started, some closed, one on hold, and "watermelon" projects
that report green or amber while their figures say red. Every project gets a
*scenario* (``Scenario``) whose cost and time figures are drawn as a fraction
of that project's own tolerance, so the RAG the metrics compute (§6.4) is the
one the scenario intends, also under the tolerance overrides.

Sizes: ``small`` (bundled in ``data/demo``) has 4 programmes and 24 projects
with a fixed scenario layout; ``large`` is the benchmark portfolio: 40
programmes, 2,000 projects, 20,000 milestones, 10,000 issues, and costs and a
plan of 2,000 × 60 months × 4 categories = 480,000 lines each. In ``large``
every project has a full 60-month ledger (months without spend carry 0.00)
and the plan is split per cost category (the canonical plan table has no
category column, so those lines sum per project and month). Everything is
vectorised numpy; ``large`` writes in a few seconds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from pmo_tui import demo_names as names
from pmo_tui.config import CONFIG_NAME
from pmo_tui.demo_csv import STYLES, Style, write_table
from pmo_tui.errors import PmoError
from pmo_tui.model import TABLES

__all__ = [
    "DEMO_FILES",
    "GENERATOR_VERSION",
    "SIZES",
    "STYLES",
    "Scenario",
    "Size",
    "Style",
    "demo_frames",
    "demo_stamp",
    "write_demo",
    "write_table",
]

#: bump when the output changes, so cached benchmark portfolios are regenerated
GENERATOR_VERSION: Final = 2
MARKER: Final = "# pmo-tui demo portfolio:"
DEMO_FILES: Final = (*(f"{t}.csv" for t in TABLES), CONFIG_NAME)

#: the tolerance overrides the demo's pmo-tui.toml sets (cost fraction, days)
PROGRAMME_TOLERANCE: Final = ("PRG-03", 0.15, 60)
PROJECT_TOLERANCE: Final = ("P-0001", 0.05, 14)
DEFAULT_TOLERANCE: Final = (0.10, 30)

_MARKER_RE = re.compile(
    r"^# pmo-tui demo portfolio: size=(?P<size>\w+) seed=(?P<seed>\d+) "
    r"as_of=(?P<as_of>\d{4}-\d{2}-\d{2}) generator=(?P<generator>\d+)\s*$"
)

#: project-level columns written to projects.csv (the derived programme/portfolio are not)
_PROJECT_COLUMNS: Final = (
    "project_id",
    "name",
    "programme_id",
    "manager",
    "start_date",
    "end_date",
    "budget",
    "percent_complete",
    "status",
    "phase",
    "forecast_cost",
    "forecast_end_date",
    "reported_rag",
)


@dataclass(frozen=True)
class Size:
    programmes: int
    projects: int
    #: months of cost history up to and including the as_of month
    months: int
    #: milestones per project (min, max)
    milestones: tuple[int, int]
    #: issues per project (min, max) for projects in general
    issues: tuple[int, int]
    #: a full ledger (every project x month x category, zeros included) and a per-category plan
    ledger: bool
    #: project duration in days (min, max)
    duration: tuple[int, int]


SIZES: Final[Mapping[str, Size]] = {
    "small": Size(4, 24, 36, (5, 8), (3, 6), ledger=False, duration=(240, 1000)),
    "large": Size(40, 2000, 60, (10, 10), (5, 5), ledger=True, duration=(180, 1700)),
}


class Scenario(IntEnum):
    """What a project's figures say; drives every number generated for it."""

    ON_TRACK = 0
    AMBER_COST = 1  # forecast within cost tolerance but more than half of it used
    AMBER_TIME = 2  # key milestone slip within time tolerance, more than half used
    CRITICAL_ISSUE = 3  # figures green, one open critical issue (amber)
    OVERSPEND = 4  # CPI well below 1, forecast beyond cost tolerance (red)
    SLIPPING = 5  # key milestones beyond time tolerance, one late (red)
    WATERMELON_COST = 6  # reports green, forecast beyond cost tolerance
    WATERMELON_TIME = 7  # reports amber, slips beyond time tolerance
    NO_COSTS = 8  # started weeks ago, no cost lines yet
    MISSING_PERCENT = 9  # no percent_complete reported
    MISSING_DATES = 10  # no start, end or forecast end date (and no plan in small)
    NOT_STARTED = 11
    CLOSED = 12
    ON_HOLD = 13


S = Scenario
_N_SCENARIOS = len(Scenario)


def _table(
    values: Mapping[Scenario, tuple[float, float]], default: tuple[float, float]
) -> np.ndarray:
    out = np.array([values.get(s, default) for s in Scenario], dtype=float)
    return out


#: forecast overrun as a fraction of the cost tolerance (EAC = BAC x (1 + use x tol))
_COST_USE = _table(
    {
        S.AMBER_COST: (0.6, 0.85),
        S.OVERSPEND: (1.6, 3.5),
        S.SLIPPING: (0.0, 0.35),
        S.WATERMELON_COST: (1.8, 2.8),
        S.NO_COSTS: (0.0, 0.0),
        S.NOT_STARTED: (0.0, 0.0),
        S.CLOSED: (-0.4, 0.3),
        S.ON_HOLD: (0.1, 0.4),
    },
    (-0.3, 0.3),
)
#: final (key) milestone slip as a fraction of the time tolerance
_TIME_USE = _table(
    {
        S.AMBER_TIME: (0.6, 0.85),
        S.SLIPPING: (1.6, 4.0),
        S.WATERMELON_TIME: (1.8, 2.8),
        S.NO_COSTS: (0.0, 0.0),
        S.NOT_STARTED: (0.0, 0.0),
    },
    (-0.2, 0.3),
)
_SPI = _table(
    {
        S.AMBER_COST: (0.93, 1.0),
        S.AMBER_TIME: (0.86, 0.94),
        S.OVERSPEND: (0.9, 1.0),
        S.SLIPPING: (0.72, 0.86),
        S.WATERMELON_TIME: (0.78, 0.88),
        S.ON_HOLD: (0.85, 0.95),
    },
    (0.96, 1.04),
)
_REPORTED: Final[Mapping[Scenario, str]] = {
    S.ON_TRACK: "green",
    S.AMBER_COST: "amber",
    S.AMBER_TIME: "amber",
    S.CRITICAL_ISSUE: "amber",
    S.OVERSPEND: "red",
    S.SLIPPING: "red",
    S.WATERMELON_COST: "green",
    S.WATERMELON_TIME: "amber",
    S.NO_COSTS: "green",
    S.MISSING_PERCENT: "",
    S.MISSING_DATES: "",
    S.NOT_STARTED: "green",
    S.CLOSED: "green",
    S.ON_HOLD: "amber",
}
#: share of each scenario in the large portfolio
_WEIGHTS: Final[Mapping[Scenario, float]] = {
    S.ON_TRACK: 0.51,
    S.AMBER_COST: 0.06,
    S.AMBER_TIME: 0.06,
    S.CRITICAL_ISSUE: 0.04,
    S.OVERSPEND: 0.07,
    S.SLIPPING: 0.07,
    S.WATERMELON_COST: 0.02,
    S.WATERMELON_TIME: 0.02,
    S.NO_COSTS: 0.02,
    S.MISSING_PERCENT: 0.015,
    S.MISSING_DATES: 0.015,
    S.NOT_STARTED: 0.03,
    S.CLOSED: 0.06,
    S.ON_HOLD: 0.01,
}
#: the small demo, programme by programme (the first project of PRG-01 is the flagship)
_SMALL_LAYOUT: Final = (
    (S.AMBER_COST, S.ON_TRACK, S.WATERMELON_COST, S.SLIPPING, S.CRITICAL_ISSUE, S.NO_COSTS),
    (S.SLIPPING, S.OVERSPEND, S.WATERMELON_TIME, S.MISSING_DATES, S.MISSING_PERCENT, S.NOT_STARTED),
    (S.ON_TRACK, S.ON_TRACK, S.ON_TRACK, S.AMBER_TIME, S.ON_HOLD, S.CLOSED),
    (S.ON_TRACK, S.ON_TRACK, S.ON_TRACK, S.ON_TRACK, S.ON_TRACK, S.CLOSED),
)
#: names pinned to the first project of a programme: (programme index, name)
_PINNED_NAMES: Final = ((0, "Vervanging zaaksysteem"), (1, "[WIP] Koppeling BRP"))
#: scenarios that may have an open critical issue (which makes a project amber, §6.4); the
#: others keep the colour their figures give, so each amber has one clear reason
_MAY_HAVE_OPEN_CRITICAL: Final = frozenset(
    {
        S.CRITICAL_ISSUE,
        S.OVERSPEND,
        S.SLIPPING,
        S.WATERMELON_COST,
        S.WATERMELON_TIME,
        S.ON_HOLD,
    }
)
#: scenarios whose first issue is an open, unassigned critical (4) or high (3) one
_FORCED_ISSUE: Final[Mapping[Scenario, int]] = {
    S.CRITICAL_ISSUE: 4,
    S.OVERSPEND: 4,
    S.SLIPPING: 3,
    S.WATERMELON_TIME: 3,
}
#: scenarios in which the most recent past milestone is not done (late)
_LATE_MILESTONE: Final = frozenset({S.SLIPPING, S.WATERMELON_TIME})
#: scenarios in which future milestones may lack a forecast
_MISSING_FORECAST: Final = frozenset({S.MISSING_PERCENT, S.MISSING_DATES, S.OVERSPEND})


# -- public API ----------------------------------------------------------------


def write_demo(
    directory: Path,
    *,
    size: str = "small",
    seed: int = 42,
    as_of: date | None = None,
) -> Path:
    """Write a demo portfolio folder and return it.

    Creates ``directory`` if needed. Refuses (``PmoError``) to write into a
    folder that holds anything but a previous demo, so an officer's data folder
    is never overwritten. Files are replaced atomically; a ``.pmo-tui`` store
    inside a previous demo is kept.
    """
    spec = _size(size)
    if seed < 0:
        raise PmoError(f"the demo seed must be 0 or more, not {seed}")
    today = as_of or date.today()
    directory = Path(directory)
    _prepare(directory)
    frames = demo_frames(size, seed=seed, as_of=today)
    try:
        _write_text(directory / CONFIG_NAME, _config_text(spec, size, seed, today))
        for table in TABLES:
            write_table(frames[table], directory / f"{table}.csv", "clean", table=table)
    except OSError as exc:
        raise PmoError(f"cannot write the demo into {directory}: {exc.strerror or exc}") from exc
    return directory


def demo_frames(size: str = "small", *, seed: int = 42, as_of: date) -> dict[str, pd.DataFrame]:
    """The demo tables as DataFrames (what ``write_demo`` writes), keyed by table name.

    Dates are ``datetime64[s]``, money and percent ``float64``; severity is the
    word (``low`` .. ``critical``) as an export would have it, ``key`` is boolean.
    Write them in another style with ``write_table(frame, path, "dutch-excel")``.
    """
    spec = _size(size)
    seeds = np.random.SeedSequence(seed).spawn(5)
    rng = [np.random.default_rng(s) for s in seeds]
    portfolio = _build_projects(spec, size, rng[0], np.datetime64(as_of, "D"))
    return {
        "programmes": portfolio.programmes,
        "projects": portfolio.frame(),
        "milestones": _milestones(portfolio, spec, rng[1]),
        "costs": _costs(portfolio, spec, rng[2]),
        "plan": _plan(portfolio, spec),
        "issues": _issues(portfolio, spec, rng[4]),
    }


def demo_stamp(directory: Path) -> dict[str, str] | None:
    """What a demo folder was generated with (size, seed, as_of, generator), or None."""
    try:
        with (Path(directory) / CONFIG_NAME).open(encoding="utf-8") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError):
        return None
    match = _MARKER_RE.match(first)
    return match.groupdict() if match else None


# -- the folder ----------------------------------------------------------------


def _size(size: str) -> Size:
    try:
        return SIZES[size]
    except KeyError:
        raise PmoError(f"unknown demo size {size!r}; sizes are {', '.join(SIZES)}") from None


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise PmoError(f"cannot write the demo into {directory}: it is a file, not a folder")
    if not directory.exists():
        try:
            directory.mkdir(parents=True)
        except OSError as exc:
            raise PmoError(f"cannot create {directory}: {exc.strerror or exc}") from exc
        return
    visible = sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))
    if not visible:
        return
    foreign = [n for n in visible if n not in DEMO_FILES]
    if foreign or demo_stamp(directory) is None:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        why = f"it holds {shown}" if foreign else f"its {CONFIG_NAME} is not a demo's"
        raise PmoError(
            f"refusing to write the demo into {directory}: the folder is not empty and "
            f"not a previous pmo-tui demo ({why}); choose a new or empty folder"
        )


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)


def _config_text(spec: Size, size: str, seed: int, as_of: date) -> str:
    prg, prg_cost, prg_days = PROGRAMME_TOLERANCE
    prj, prj_cost, prj_days = PROJECT_TOLERANCE
    cost, days = DEFAULT_TOLERANCE
    return (
        f"{MARKER} size={size} seed={seed} as_of={as_of.isoformat()} "
        f"generator={GENERATOR_VERSION}\n"
        "# Written by `pmo-tui demo`. Fictional data; regenerate instead of editing by hand:\n"
        f"#   pmo-tui demo DIR --size {size} --seed {seed} --as-of {as_of.isoformat()}\n"
        f"# {spec.programmes} programmes, {spec.projects} projects.\n"
        "\n"
        '# "Today" for every figure, so the demo does not age (--as-of on the command line wins).\n'
        f"as_of = {as_of.isoformat()}\n"
        "\n"
        "[display]\n"
        'currency = "€"\n'
        "\n"
        "# PRINCE2 tolerances: cost as a fraction of the budget, time in days.\n"
        "[tolerances]\n"
        f"cost = {cost}\n"
        f"time_days = {days}\n"
        "\n"
        "# Building projects carry more uncertainty: wider tolerances for the whole programme.\n"
        f"[tolerances.programme.{prg}]\n"
        f"cost = {prg_cost}\n"
        f"time_days = {prg_days}\n"
        "\n"
        "# The flagship project is watched closely by the steering committee.\n"
        f"[tolerances.project.{prj}]\n"
        f"cost = {prj_cost}\n"
        f"time_days = {prj_days}\n"
    )


# -- projects ------------------------------------------------------------------


def _s_curve(t: np.ndarray) -> np.ndarray:
    """Cumulative share of the work at fraction ``t`` of the duration (Beta(2,2) CDF)."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _months(values: np.ndarray | np.datetime64) -> np.ndarray:
    return np.asarray(values).astype("datetime64[M]")


def _month_index(values: np.ndarray | np.datetime64) -> np.ndarray:
    """Months since 1970-01 as integers."""
    return _months(values).astype(np.int64)


def _blank(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """``values`` as an object array with None where ``missing``."""
    out = values.astype(object)
    out[missing] = None
    return out


@dataclass
class _Portfolio:
    """Per-project arrays (index = project number) plus the programmes frame."""

    as_of: np.datetime64
    programmes: pd.DataFrame
    scenario: np.ndarray
    programme: np.ndarray
    theme_kind: np.ndarray
    project_id: np.ndarray
    name: np.ndarray
    manager: np.ndarray
    start: np.ndarray  # datetime64[D], also for projects whose dates are not reported
    end: np.ndarray
    budget: np.ndarray
    percent: np.ndarray  # float, NaN = not reported
    spend: np.ndarray  # actual cost to date (AC)
    forecast_cost: np.ndarray
    final_slip: np.ndarray  # days the finish (and last milestone) slips
    last_cost_month: np.ndarray  # datetime64[M]; spend happens in start..this month
    shares: np.ndarray  # (n, 4) cost category shares
    tol_days: np.ndarray
    reported: np.ndarray
    status: np.ndarray
    phase: np.ndarray

    @property
    def n(self) -> int:
        return len(self.scenario)

    def frame(self) -> pd.DataFrame:
        dates_known = self.scenario != S.MISSING_DATES
        forecast_end = (self.end + self.final_slip.astype("timedelta64[D]")).astype("datetime64[D]")
        forecast_end = np.where(
            dates_known & (self.scenario != S.ON_HOLD), forecast_end, np.datetime64("NaT")
        )
        return pd.DataFrame(
            {
                "project_id": self.project_id,
                "name": self.name,
                "programme_id": self.programmes["programme_id"].to_numpy()[self.programme],
                "manager": self.manager,
                "start_date": _dt(np.where(dates_known, self.start, np.datetime64("NaT"))),
                "end_date": _dt(np.where(dates_known, self.end, np.datetime64("NaT"))),
                "budget": self.budget,
                "percent_complete": self.percent,
                "status": self.status,
                "phase": self.phase,
                "forecast_cost": self.forecast_cost,
                "forecast_end_date": _dt(forecast_end),
                "reported_rag": _blank(self.reported, self.reported == ""),
            },
            columns=list(_PROJECT_COLUMNS),
        )


def _dt(values: np.ndarray) -> pd.Series:
    return pd.Series(values.astype("datetime64[D]")).astype("datetime64[s]")


def _uniform(rng: np.random.Generator, bounds: np.ndarray) -> np.ndarray:
    """One draw per row of an (n, 2) array of [low, high] bounds."""
    return bounds[:, 0] + rng.random(len(bounds)) * (bounds[:, 1] - bounds[:, 0])


def _build_projects(
    spec: Size, size: str, rng: np.random.Generator, as_of: np.datetime64
) -> _Portfolio:
    programmes, theme = _programmes(spec, size, rng)
    if size == "small":
        scenario = np.array([s for row in _SMALL_LAYOUT for s in row], dtype=np.int64)
        programme = np.repeat(np.arange(spec.programmes), [len(r) for r in _SMALL_LAYOUT])
        # shuffle within each programme, keeping the flagship first
        order = np.lexsort((rng.random(len(scenario)), programme))
        order = np.concatenate([[0], order[order != 0]])
        scenario = scenario[order]
    else:
        weights = np.array([_WEIGHTS[s] for s in Scenario])
        scenario = rng.choice(_N_SCENARIOS, size=spec.projects, p=weights / weights.sum())
        scenario[0] = S.AMBER_COST  # the flagship
        share = rng.uniform(0.6, 1.4, spec.programmes)
        counts = np.floor(share / share.sum() * spec.projects).astype(np.int64)
        counts[: spec.projects - counts.sum()] += 1
        programme = np.repeat(np.arange(spec.programmes), counts)
    n = len(scenario)
    kind = np.array(names.THEME_KIND)[theme[programme]]
    project_id = np.array([f"P-{i:04d}" for i in range(1, n + 1)], dtype=object)

    # tolerances, as the demo's pmo-tui.toml sets them
    tol_cost = np.full(n, DEFAULT_TOLERANCE[0])
    tol_days = np.full(n, float(DEFAULT_TOLERANCE[1]))
    prg_id = programmes["programme_id"].to_numpy()[programme]
    tol_cost[prg_id == PROGRAMME_TOLERANCE[0]] = PROGRAMME_TOLERANCE[1]
    tol_days[prg_id == PROGRAMME_TOLERANCE[0]] = PROGRAMME_TOLERANCE[2]
    tol_cost[project_id == PROJECT_TOLERANCE[0]] = PROJECT_TOLERANCE[1]
    tol_days[project_id == PROJECT_TOLERANCE[0]] = PROJECT_TOLERANCE[2]

    # timeline: days from start to as_of, within the cost-history window
    as_of_month = _months(as_of)
    window_start = (as_of_month - (spec.months - 1)).astype("datetime64[D]")
    room = int((as_of - window_start).astype(np.int64)) - 1
    duration = rng.uniform(*spec.duration, n)
    elapsed = rng.uniform(0.15, 0.9, n)
    elapsed = np.where(scenario == S.ON_HOLD, rng.uniform(0.4, 0.7, n), elapsed)
    troubled = np.isin(scenario, list(_LATE_MILESTONE))
    elapsed = np.where(troubled, rng.uniform(0.45, 0.85, n), elapsed)
    since_start = elapsed * duration
    too_early = since_start > room
    duration = np.where(too_early, room / elapsed, duration)
    since_start = np.minimum(since_start, room)
    fresh = scenario == S.NO_COSTS
    since_start = np.where(fresh, rng.integers(5, 25, n), since_start)
    future = scenario == S.NOT_STARTED
    since_start = np.where(future, -rng.integers(20, 150, n), since_start)
    closed = scenario == S.CLOSED
    ended_ago = rng.integers(20, 300, n)
    # closed projects ran for years: they carry the portfolio's cost history back in time
    closed_duration = (room - ended_ago) * rng.uniform(0.7, 1.0, n)
    since_start = np.where(closed, ended_ago + closed_duration, since_start)
    duration = np.where(closed, closed_duration, duration)
    start = np.busday_offset(as_of - np.rint(since_start).astype("timedelta64[D]"), 0, "forward")
    end = np.busday_offset(start + np.rint(duration).astype("timedelta64[D]"), 0, "backward")
    if spec.ledger:  # the plan is a 60-month window from the start month
        last_day = (_months(start) + spec.months).astype("datetime64[D]") - np.timedelta64(1, "D")
        end = np.minimum(end, np.busday_offset(last_day, 0, "backward"))
    duration_days = (end - start).astype(np.int64)

    # money
    budget = np.exp(rng.normal(np.log(650_000), 1.0, n)).clip(80_000, 12_000_000)
    budget = np.round(budget / 5_000) * 5_000
    cost_use = _uniform(rng, _COST_USE[scenario])
    overrun = 1.0 + cost_use * tol_cost
    spi = _uniform(rng, _SPI[scenario])
    cpi = 1.0 / overrun * rng.uniform(0.995, 1.005, n)

    # progress: PV share at the end of the as_of month (or when work stopped)
    start_m, end_m = _month_index(start), _month_index(end)
    plan_months = end_m - start_m + 1
    stop_m = np.full(n, _month_index(as_of))
    on_hold = scenario == S.ON_HOLD
    stop_m = np.where(on_hold, stop_m - 3, stop_m)
    done_months = np.clip(stop_m - start_m + 1, 0, plan_months)
    planned_share = _s_curve(done_months / plan_months)
    percent = np.clip(np.rint(100 * planned_share * spi), 1, 99)
    percent = np.where(fresh, rng.integers(2, 6, n), percent)
    percent = np.where(future, 0, percent)
    percent = np.where(closed, 100, percent)
    spend = np.where(fresh | future, 0.0, budget * percent / 100 / cpi)
    spend = np.round(spend, 2)

    forecast_cost = np.round(budget * overrun * rng.uniform(0.998, 1.002, n), -2)
    forecast_cost = np.where(closed, spend, forecast_cost)
    forecast_cost = np.where(fresh | future, budget, forecast_cost)
    unreported = (scenario == S.ON_TRACK) & (rng.random(n) < 0.08)
    forecast_cost = np.where(unreported, np.nan, forecast_cost)
    percent = np.where(scenario == S.MISSING_PERCENT, np.nan, percent).astype(float)

    time_use = _uniform(rng, _TIME_USE[scenario])
    final_slip = np.rint(time_use * tol_days).astype(np.int64)

    last_cost = np.minimum(end_m, stop_m).astype("datetime64[M]")

    shares = _category_shares(rng, kind, small=not spec.ledger)

    status = np.where(closed, "closed", np.where(on_hold, "on hold", "active")).astype(object)
    progress = np.clip(since_start / np.maximum(duration_days, 1), 0, 1)
    phase_idx = np.searchsorted([0.05, 0.15, 0.35, 0.8, 1.0], progress, side="right")
    phase = np.array(names.PHASES, dtype=object)[phase_idx]
    phase = np.where(future, names.PHASES[0], phase)
    phase = np.where(closed, names.PHASE_CLOSED, phase)

    reported = np.array([_REPORTED[Scenario(s)] for s in scenario], dtype=object)
    cautious = (scenario == S.ON_TRACK) & (rng.random(n) < 0.12)
    reported = np.where(cautious, "amber/green", reported)

    managers = np.array(names.MANAGERS, dtype=object)
    return _Portfolio(
        as_of=as_of,
        programmes=programmes,
        scenario=scenario,
        programme=programme,
        theme_kind=kind,
        project_id=project_id,
        name=_project_names(size, programme, theme, rng),
        manager=managers[rng.integers(0, len(managers), n)],
        start=start,
        end=end,
        budget=budget,
        percent=percent,
        spend=spend,
        forecast_cost=forecast_cost,
        final_slip=final_slip,
        last_cost_month=last_cost,
        shares=shares,
        tol_days=tol_days,
        reported=reported,
        status=status,
        phase=phase,
    )


def _programmes(spec: Size, size: str, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    count = spec.programmes
    index = np.arange(count)
    theme = index % len(names.THEMES)
    if size == "small":
        title = [names.THEMES[t] for t in theme]
        portfolio = [names.PORTFOLIO_SMALL] * count
    else:
        region = index // len(names.THEMES)
        title = [
            f"{names.THEMES[t]} {names.REGIONS[r]}" for t, r in zip(theme, region, strict=True)
        ]
        portfolio = [names.PORTFOLIOS_LARGE[names.THEME_PORTFOLIO[t]] for t in theme]
    managers = np.array(names.MANAGERS, dtype=object)
    frame = pd.DataFrame(
        {
            "programme_id": [f"PRG-{i + 1:02d}" for i in index],
            "name": title,
            "portfolio": portfolio,
            "manager": managers[rng.permutation(len(managers))[:count]]
            if count <= len(managers)
            else managers[rng.integers(0, len(managers), count)],
        }
    )
    return frame, theme


def _project_names(
    size: str, programme: np.ndarray, theme: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    out = np.empty(len(programme), dtype=object)
    for prg in range(int(programme.max()) + 1):
        members = np.flatnonzero(programme == prg)
        pool = list(names.PROJECTS[int(theme[prg])])
        order = [pool[i] for i in rng.permutation(len(pool))]
        for pinned_prg, pinned in _PINNED_NAMES:
            if pinned_prg == prg:
                order.remove(pinned)
                order.insert(0, pinned)
        if size == "small":
            out[members] = order[: len(members)]
            continue
        region = names.REGIONS[prg // len(names.THEMES)]
        for k, member in enumerate(members):
            base = order[k % len(order)]
            round_ = k // len(order) + 1
            suffix = f" ({region})" if round_ == 1 else f" ({region}, fase {round_})"
            out[member] = base + suffix
    return out


def _category_shares(rng: np.random.Generator, kind: np.ndarray, *, small: bool) -> np.ndarray:
    mean = np.array(names.CATEGORY_SHARES)[kind]
    draws = rng.gamma(mean * 12.0)
    shares = draws / draws.sum(axis=1, keepdims=True)
    if small:  # some projects simply have no spend in a category
        shares = np.where(shares < 0.05, 0.0, shares)
        shares = shares / shares.sum(axis=1, keepdims=True)
    return shares


# -- tables --------------------------------------------------------------------


def _within(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of ``counts`` rows: (group of each row, position within its group)."""
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return group, np.arange(counts.sum()) - np.repeat(starts, counts)


def _round_to_totals(amount: np.ndarray, group: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round to cents so that each group sums exactly to its total (in cents)."""
    cents = np.rint(amount * 100)
    want = np.rint(totals * 100)
    have = np.bincount(group, weights=cents, minlength=len(totals))
    residual = want - have
    has_rows = np.bincount(group, minlength=len(totals)) > 0
    if len(cents):
        # the residual goes to each group's largest line, where it is least visible
        order = np.lexsort((-cents, group))
        where = np.searchsorted(group[order], np.arange(len(totals))).clip(0, len(cents) - 1)
        first = order[where]
        np.add.at(cents, first[has_rows], residual[has_rows])
    return cents / 100


def _plan(p: _Portfolio, spec: Size) -> pd.DataFrame:
    """Planned value per project and month: the budget on an S-curve from start to end."""
    start_m, end_m = _month_index(p.start), _month_index(p.end)
    plan_months = end_m - start_m + 1
    include = np.ones(p.n, dtype=bool) if spec.ledger else p.scenario != S.MISSING_DATES
    ids = np.flatnonzero(include)
    counts = np.full(len(ids), spec.months) if spec.ledger else plan_months[ids]
    local, pos = _within(counts)
    project = ids[local]
    span = plan_months[project]
    weight = _s_curve((pos + 1) / span) - _s_curve(pos / span)
    period = (start_m[project] + pos).astype("datetime64[M]")
    if spec.ledger:
        categories = p.shares.shape[1]
        project = np.repeat(project, categories)
        period = np.repeat(period, categories)
        weight = (
            np.repeat(weight, categories)
            * p.shares[project, np.tile(np.arange(categories), len(pos))]
        )
        local = np.repeat(local, categories)
    amount = _round_to_totals(weight * p.budget[project], local, p.budget[ids])
    return pd.DataFrame(
        {
            "project_id": p.project_id[project],
            "period": _dt(period.astype("datetime64[D]")),
            "amount": amount,
        }
    )


def _costs(p: _Portfolio, spec: Size, rng: np.random.Generator) -> pd.DataFrame:
    """Actual cost per project, month and category, up to and including the as_of month."""
    categories = len(names.COST_CATEGORIES)
    start_m, end_m = _month_index(p.start), _month_index(p.end)
    plan_months = end_m - start_m + 1
    last_m = _month_index(p.last_cost_month)
    spends = p.spend > 0
    if spec.ledger:
        ids = np.arange(p.n)
        first_m = np.full(p.n, _month_index(p.as_of) - spec.months + 1)
        counts = np.full(p.n, spec.months)
    else:
        ids = np.flatnonzero(spends & (last_m >= start_m))
        first_m = start_m
        counts = (last_m - start_m + 1)[ids]
    local, pos = _within(counts)
    project = ids[local]
    month = first_m[project] + pos
    rel = month - start_m[project]
    span = plan_months[project]
    active = (rel >= 0) & (month <= last_m[project]) & spends[project]
    month_weight = (_s_curve((rel + 1) / span) - _s_curve(rel / span)) * rng.uniform(
        0.75, 1.25, len(pos)
    )
    month_weight = np.where(active, np.maximum(month_weight, 1e-6), 0.0)

    project = np.repeat(project, categories)
    local = np.repeat(local, categories)
    month = np.repeat(month, categories)
    category = np.tile(np.arange(categories), len(pos))
    weight = np.repeat(month_weight, categories) * p.shares[project, category]
    weight = weight * rng.uniform(0.6, 1.4, len(weight))
    # licences are paid up front once a year
    licence = category == names.COST_CATEGORIES.index("licenties")
    yearly = ((month - start_m[project]) % 12 == 0) & (weight > 0)
    weight = np.where(licence, np.where(yearly, weight * 8.0, weight * 0.25), weight)
    total = np.bincount(local, weights=weight, minlength=len(ids))
    scale = np.divide(p.spend[ids], total, out=np.zeros(len(ids)), where=total > 0)
    amount = _round_to_totals(weight * scale[local], local, np.where(total > 0, p.spend[ids], 0.0))
    frame = pd.DataFrame(
        {
            "project_id": p.project_id[project],
            "period": _dt(month.astype("datetime64[M]").astype("datetime64[D]")),
            "amount": amount,
            "category": np.array(names.COST_CATEGORIES, dtype=object)[category],
        }
    )
    if not spec.ledger:
        frame = frame.loc[amount > 0].reset_index(drop=True)
    return frame


def _milestones(p: _Portfolio, spec: Size, rng: np.random.Generator) -> pd.DataFrame:
    low, high = spec.milestones
    counts = rng.integers(low, high + 1, p.n)
    pool = len(names.MILESTONES[0])
    # choose count-1 of the first pool-1 names, in order, plus the finish
    keys = rng.random((p.n, pool - 1))
    rank = np.argsort(np.argsort(keys, axis=1), axis=1)
    chosen = np.concatenate([rank < (counts - 1)[:, None], np.ones((p.n, 1), dtype=bool)], axis=1)
    project, which = np.nonzero(chosen)
    position = np.cumsum(chosen, axis=1)[project, which]
    share = position / counts[project]
    name = np.array(names.MILESTONES, dtype=object)[p.theme_kind[project], which]

    start, end = p.start[project], p.end[project]
    duration = (end - start).astype(np.int64)
    jitter = np.rint(rng.uniform(-0.03, 0.03, len(project)) * duration).astype(np.int64)
    last = position == counts[project]
    offset = np.where(last, duration, np.clip(np.rint(share * duration) + jitter, 1, duration - 1))
    baseline = np.busday_offset(start + offset.astype("timedelta64[D]"), 0, "backward")
    baseline = np.where(last, end, baseline)

    final = p.final_slip[project]
    noise = rng.integers(-2, 3, len(project))
    # troubled projects slip early (a late tender, a late design) and never catch up
    early = np.isin(p.scenario[project], list(_LATE_MILESTONE))
    shape = np.where(early, 0.65 + 0.35 * share, share**0.8)
    slip = np.where(last, final, np.rint(final * shape) + noise * (np.abs(final) > 3))
    forecast = np.busday_offset(baseline + slip.astype("timedelta64[D]"), 0, "forward")
    forecast = np.where(last, baseline + final.astype("timedelta64[D]"), forecast)
    as_of = p.as_of
    scenario = p.scenario[project]
    done = forecast <= as_of
    actual = np.where(done, forecast, np.datetime64("NaT"))

    # late: the most recent past milestone of a slipping project is not done
    late_candidate = done & np.isin(scenario, list(_LATE_MILESTONE))
    cand = np.flatnonzero(late_candidate)
    if len(cand):
        latest = pd.Series(forecast[cand]).groupby(project[cand]).idxmax().to_numpy()
        actual[cand[latest]] = np.datetime64("NaT")
    # on hold: nothing ahead has a forecast; some projects with gaps lack one
    future_ms = ~done
    missing = future_ms & (
        (scenario == S.ON_HOLD)
        | (np.isin(scenario, list(_MISSING_FORECAST)) & ~last & (rng.random(len(project)) < 0.5))
    )
    forecast = np.where(missing, np.datetime64("NaT"), forecast)
    key = last | (rng.random(len(project)) < 0.5)
    _bring_some_due(
        p, project, baseline=baseline, forecast=forecast, actual=actual, last=last, rng=rng
    )
    return pd.DataFrame(
        {
            "milestone_id": [f"M-{i:05d}" for i in range(1, len(project) + 1)],
            "project_id": p.project_id[project],
            "name": name,
            "baseline_date": _dt(baseline),
            "forecast_date": _dt(forecast),
            "actual_date": _dt(actual),
            "key": pd.array(key, dtype="boolean"),
        }
    )


#: the demo always has this many open milestones due within the next 30 days
_UPCOMING: Final = 4


def _bring_some_due(
    p: _Portfolio,
    project: np.ndarray,
    *,
    baseline: np.ndarray,
    forecast: np.ndarray,
    actual: np.ndarray,
    last: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Make sure a few milestones fall due in the next 30 days (in place).

    Where chance left fewer than ``_UPCOMING``, the next milestone of some
    healthy active projects is planned (baseline and forecast) 5 to 28 days
    ahead. It stays after the project's past milestones and before its later ones.
    """
    ahead = (forecast > p.as_of) & (forecast <= p.as_of + np.timedelta64(30, "D"))
    missing = _UPCOMING - int(ahead.sum())
    if missing <= 0:
        return
    healthy = np.isin(p.scenario[project], [S.ON_TRACK, S.AMBER_COST, S.CRITICAL_ISSUE])
    future = np.isnat(actual) & (baseline > p.as_of) & ~last & healthy & ~np.isnat(forecast)
    candidates = np.flatnonzero(future)
    # each project's next milestone only, soonest first
    order = candidates[np.lexsort((baseline[candidates], project[candidates]))]
    _, first = np.unique(project[order], return_index=True)
    nexts = order[first]
    nexts = nexts[np.argsort(baseline[nexts], kind="stable")][:missing]
    days = rng.integers(5, 29, len(nexts)).astype("timedelta64[D]")
    when = np.busday_offset(p.as_of + days, 0, "forward")
    slip = forecast[nexts] - baseline[nexts]
    baseline[nexts] = when
    forecast[nexts] = when + np.minimum(slip, np.timedelta64(2, "D"))


def _issues(p: _Portfolio, spec: Size, rng: np.random.Generator) -> pd.DataFrame:
    low, high = spec.issues
    counts = rng.integers(low, high + 1, p.n)
    if low != high:  # troubled projects have more issues; closed and future ones fewer
        troubled = np.isin(
            p.scenario, [S.OVERSPEND, S.SLIPPING, S.WATERMELON_COST, S.WATERMELON_TIME]
        )
        counts = np.where(troubled, counts + rng.integers(2, 4, p.n), counts)
        quiet = np.isin(p.scenario, [S.CLOSED, S.NOT_STARTED, S.NO_COSTS])
        counts = np.where(quiet, np.minimum(counts, rng.integers(2, 4, p.n)), counts)
    project, position = _within(counts)
    m = len(project)
    scenario = p.scenario[project]
    kind = rng.choice(4, size=m, p=[0.4, 0.35, 0.1, 0.15])
    severity = rng.choice(4, size=m, p=[0.25, 0.38, 0.27, 0.10]) + 1
    as_of = p.as_of
    start, end = p.start[project], p.end[project]
    earliest = np.maximum(start - np.timedelta64(45, "D"), as_of - np.timedelta64(730, "D"))
    latest = np.where(scenario == S.CLOSED, end, as_of)
    earliest = np.where(scenario == S.NOT_STARTED, as_of - np.timedelta64(120, "D"), earliest)
    earliest = np.minimum(earliest, latest)
    span = (latest - earliest).astype(np.int64)
    raised = earliest + np.rint(rng.random(m) * span).astype("timedelta64[D]")

    # the older an issue, the likelier it is closed
    age = (as_of - raised).astype(np.int64)
    closed_chance = 0.15 + 0.75 * np.clip(age / 365, 0, 1)
    status = np.where(rng.random(m) < closed_chance, 2, np.where(rng.random(m) < 0.62, 0, 1))
    status = np.where(scenario == S.CLOSED, 2, status)
    status = np.where(scenario == S.NOT_STARTED, 0, status)
    spoils = (status != 2) & (severity == 4) & ~np.isin(scenario, list(_MAY_HAVE_OPEN_CRITICAL))
    severity = np.where(spoils, 3, severity)
    unassigned = rng.random(m) < np.array([0.22, 0.08, 0.0])[status]

    forced = np.array([_FORCED_ISSUE.get(Scenario(s), 0) for s in scenario]) * (position == 0)
    force = forced > 0
    severity = np.where(force, forced, severity)
    status = np.where(force, 0, status)
    kind = np.where(force, 1, kind)
    unassigned = unassigned | force
    raised = np.where(force, as_of - rng.integers(1, 10, m).astype("timedelta64[D]"), raised)
    due = raised + rng.integers(14, 120, m).astype("timedelta64[D]")
    due = np.where(rng.random(m) < 0.08, np.datetime64("NaT"), due)

    managers = np.array(names.MANAGERS, dtype=object)
    owner = _blank(managers[rng.integers(0, len(managers), m)], unassigned)
    titles = np.array(names.ISSUE_TITLES, dtype=object)
    title = titles[p.theme_kind[project], kind, rng.integers(0, titles.shape[2], m)]
    descriptions = np.array(names.ISSUE_DESCRIPTIONS, dtype=object)
    description = descriptions[rng.integers(0, len(descriptions), m)]
    description = _blank(description, description == "")

    # number issues in the order they were raised, as an issue log does
    order = np.lexsort((position, project, raised.astype(np.int64)))
    return pd.DataFrame(
        {
            "issue_id": [f"I-{i:05d}" for i in range(1, m + 1)],
            "project_id": p.project_id[project][order],
            "title": title[order],
            "type": np.array(names.ISSUE_TYPES, dtype=object)[kind][order],
            "severity": np.array(names.SEVERITIES, dtype=object)[severity - 1][order],
            "status": np.array(names.ISSUE_STATUSES, dtype=object)[status][order],
            "owner": owner[order],
            "raised_date": _dt(raised[order]),
            "due_date": _dt(due[order]),
            "description": description[order],
        }
    )
