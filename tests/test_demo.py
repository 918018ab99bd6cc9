"""The demo portfolio generator, the bundled demo and the Dutch-Excel writer.

The files are read back with plain pandas and strict formats (not with the
loader), and the RAG of every project is worked out here from PRODUCT.md §6.4,
so these tests say what the demo *contains*, independently of the metrics engine.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmo_tui.config import CONFIG_NAME, Tolerances, load_config
from pmo_tui.data import demo_folder
from pmo_tui.demo import (
    DEMO_FILES,
    GENERATOR_VERSION,
    demo_frames,
    demo_stamp,
    write_demo,
    write_table,
)
from pmo_tui.errors import PmoError
from pmo_tui.model import SCHEMAS, TABLES

AS_OF = date(2026, 11, 30)
TODAY = pd.Timestamp(AS_OF)
DERIVED = {"projects": {"programme", "portfolio"}}
ID_FORMATS = {
    "programmes": ("programme_id", r"PRG-\d{2}"),
    "projects": ("project_id", r"P-\d{4}"),
    "milestones": ("milestone_id", r"M-\d{5}"),
    "issues": ("issue_id", r"I-\d{5}"),
}
DATES = {
    "projects": ("start_date", "end_date", "forecast_end_date"),
    "milestones": ("baseline_date", "forecast_date", "actual_date"),
    "issues": ("raised_date", "due_date"),
}
NUMBERS = {
    "projects": ("budget", "percent_complete", "forecast_cost"),
    "costs": ("amount",),
    "plan": ("amount",),
}


# -- reading the files back, strictly -------------------------------------------------


def read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table with ISO dates, ``YYYY-MM`` periods and plain numbers; anything else fails."""
    frames = {}
    for table in TABLES:
        raw = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        frame = raw.replace("", None)
        for column in DATES.get(table, ()):
            frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
        for column in NUMBERS.get(table, ()):
            frame[column] = pd.to_numeric(frame[column]).astype(float)
        if "period" in frame:
            frame["period"] = pd.to_datetime(frame["period"], format="%Y-%m")
        if table == "milestones":
            assert set(frame["key"]) <= {"true", "false"}
            frame["key"] = frame["key"] == "true"
        frames[table] = frame
    return frames


def tolerances(folder: Path) -> Tolerances:
    config, problems = load_config(folder / CONFIG_NAME)
    assert problems == []
    return config.tolerances


def assess(
    frames: dict[str, pd.DataFrame], tol: Tolerances, today: pd.Timestamp = TODAY
) -> pd.DataFrame:
    """Per project: EVM figures and the RAG of PRODUCT.md §6.4, worked out independently.

    Red: EAC (reported forecast_cost, else BAC / CPI) above BAC x (1 + cost
    tolerance), or an open key milestone (or the forecast end) slipping beyond
    the time tolerance. Amber: more than half of a tolerance used, or an open
    critical issue. Grey: no percent complete or no dates. Green otherwise.
    """
    projects = frames["projects"].set_index("project_id")
    ac = frames["costs"].groupby("project_id")["amount"].sum().reindex(projects.index, fill_value=0)
    plan = frames["plan"]
    pv = (
        plan[plan["period"] <= today]
        .groupby("project_id")["amount"]
        .sum()
        .reindex(projects.index, fill_value=0)
    )
    ev = projects["budget"] * projects["percent_complete"] / 100
    cpi = (ev / ac).where(ac > 0)
    spi = (ev / pv).where(pv > 0)
    eac = projects["forecast_cost"].fillna(projects["budget"] / cpi.where(cpi > 0))

    ms = frames["milestones"]
    open_key = ms[ms["actual_date"].isna() & ms["key"] & ms["forecast_date"].notna()]
    ms_slip = (
        (open_key["forecast_date"] - open_key["baseline_date"])
        .dt.days.groupby(open_key["project_id"])
        .max()
    )
    end_slip = (projects["forecast_end_date"] - projects["end_date"]).dt.days
    slip = pd.concat([ms_slip.reindex(projects.index), end_slip], axis=1).max(axis=1)

    issues = frames["issues"]
    critical = issues[(issues["status"] != "closed") & (issues["severity"] == "critical")]
    has_critical = projects.index.isin(critical["project_id"])

    limits = [
        tol.for_project(pid, prg)
        for pid, prg in zip(projects.index, projects["programme_id"], strict=True)
    ]
    cost_tol = pd.Series([t.cost for t in limits], index=projects.index)
    time_tol = pd.Series([float(t.time_days) for t in limits], index=projects.index)
    cost_use = (eac / projects["budget"] - 1) / cost_tol
    time_use = slip / time_tol

    red = (cost_use > 1) | (time_use > 1)
    amber = (cost_use > 0.5) | (time_use > 0.5) | has_critical
    grey = (
        projects["percent_complete"].isna()
        | projects["start_date"].isna()
        | projects["end_date"].isna()
    )
    rag = np.select([red, grey, amber], ["red", "grey", "amber"], "green")
    return pd.DataFrame(
        {
            "programme_id": projects["programme_id"],
            "status": projects["status"],
            "reported": projects["reported_rag"],
            "budget": projects["budget"],
            "ac": ac,
            "pv": pv,
            "ev": ev,
            "cpi": cpi,
            "spi": spi,
            "eac": eac,
            "slip": slip,
            "rag": rag,
        }
    )


@pytest.fixture(scope="module")
def bundled() -> Path:
    return demo_folder()


@pytest.fixture(scope="module")
def frames(bundled: Path) -> dict[str, pd.DataFrame]:
    return read_folder(bundled)


@pytest.fixture(scope="module")
def figures(frames: dict[str, pd.DataFrame], bundled: Path) -> pd.DataFrame:
    return assess(frames, tolerances(bundled))


# -- determinism and the bundled copy -----------------------------------------------


def test_same_seed_and_date_give_byte_identical_files(tmp_path: Path) -> None:
    one = write_demo(tmp_path / "one", seed=7, as_of=AS_OF)
    two = write_demo(tmp_path / "two", seed=7, as_of=AS_OF)
    for name in DEMO_FILES:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_another_seed_gives_another_portfolio(tmp_path: Path) -> None:
    one = write_demo(tmp_path / "one", seed=1, as_of=AS_OF)
    two = write_demo(tmp_path / "two", seed=2, as_of=AS_OF)
    assert (one / "projects.csv").read_bytes() != (two / "projects.csv").read_bytes()
    assert (one / "costs.csv").read_bytes() != (two / "costs.csv").read_bytes()


def test_bundled_demo_is_exactly_what_the_generator_writes(bundled: Path, tmp_path: Path) -> None:
    """data/demo must never be hand-edited: regenerate it with the command in its pmo-tui.toml."""
    fresh = write_demo(tmp_path / "demo", size="small", seed=42, as_of=AS_OF)
    visible = sorted(p.name for p in bundled.iterdir() if not p.name.startswith((".", "_")))
    assert visible == sorted(DEMO_FILES)
    for name in DEMO_FILES:
        assert (bundled / name).read_bytes() == (fresh / name).read_bytes(), (
            f"data/demo/{name} differs from the generator's output; run "
            "`pmo-tui demo data/demo --size small --seed 42 --as-of 2026-11-30`"
        )


def test_demo_config_freezes_today_and_sets_tolerance_levels(bundled: Path, frames: dict) -> None:
    config, problems = load_config(bundled / CONFIG_NAME)
    assert problems == []
    assert config.as_of == AS_OF
    assert config.display.currency == "€"
    tol = config.tolerances
    assert (tol.portfolio.cost, tol.portfolio.time_days) == (0.10, 30)
    [(programme, prg_level)] = tol.programme.items()
    [(project, prj_level)] = tol.project.items()
    assert programme in set(frames["programmes"]["programme_id"])
    assert project in set(frames["projects"]["project_id"])
    # the nearest level wins: a project in the programme gets the programme's tolerance
    member = (
        frames["projects"]
        .loc[frames["projects"]["programme_id"] == programme, "project_id"]
        .iloc[0]
    )
    assert tol.for_project(member, programme).time_days == prg_level["time_days"] != 30
    assert tol.for_project(project, None).cost == prj_level["cost"] != 0.10
    assert demo_stamp(bundled) == {
        "size": "small",
        "seed": "42",
        "as_of": "2026-11-30",
        "generator": str(GENERATOR_VERSION),
    }


def test_without_as_of_the_demo_is_built_around_today(tmp_path: Path) -> None:
    folder = write_demo(tmp_path / "today")
    config, _ = load_config(folder / CONFIG_NAME)
    assert config.as_of in (date.today(), date.today() - timedelta(days=1))  # midnight
    costs = read_folder(folder)["costs"]
    assert costs["period"].max() == pd.Timestamp(config.as_of).to_period("M").to_timestamp()


# -- the files follow the data-folder contract --------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_headers_are_the_canonical_columns_in_order(bundled: Path, table: str) -> None:
    header = (bundled / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    expected = [c.name for c in SCHEMAS[table] if c.name not in DERIVED.get(table, set())]
    assert header == expected
    assert {c.name for c in SCHEMAS[table] if c.required} <= set(header)


def test_files_are_plain_utf8_comma_separated_with_lf(bundled: Path) -> None:
    for table in TABLES:
        data = (bundled / f"{table}.csv").read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), table
        assert b"\r" not in data, table
        data.decode("utf-8")
    managers = (bundled / "projects.csv").read_text(encoding="utf-8")
    assert re.search(r"(Öztürk|Aïsha|van 't Hof|Soekardi)", managers)  # names as people write them


def test_ids_are_unique_and_well_formed(frames: dict[str, pd.DataFrame]) -> None:
    for table, (column, pattern) in ID_FORMATS.items():
        ids = frames[table][column]
        assert ids.notna().all() and ids.is_unique, table
        assert ids.str.fullmatch(pattern).all(), table


def test_every_reference_resolves(frames: dict[str, pd.DataFrame]) -> None:
    projects = set(frames["projects"]["project_id"])
    assert set(frames["projects"]["programme_id"]) == set(frames["programmes"]["programme_id"])
    for table in ("milestones", "costs", "plan", "issues"):
        assert set(frames[table]["project_id"]) <= projects, table


def test_values_are_within_the_contract(frames: dict[str, pd.DataFrame]) -> None:
    projects = frames["projects"]
    assert projects["percent_complete"].dropna().between(0, 100).all()
    assert projects["budget"].between(80_000, 12_000_000).all()
    assert set(projects["status"]) == {"active", "on hold", "closed"}
    dated = projects.dropna(subset=["start_date", "end_date"])
    assert (dated["end_date"] > dated["start_date"]).all()
    assert set(frames["costs"]["category"]) == {"personeel", "inhuur", "licenties", "hardware"}
    assert (frames["costs"]["amount"] > 0).all()
    assert set(frames["issues"]["type"]) == {"risk", "issue", "assumption", "dependency"}
    assert set(frames["issues"]["severity"]) == {"low", "medium", "high", "critical"}
    assert set(frames["issues"]["status"]) == {"open", "in progress", "closed"}


def test_sizes_of_the_small_demo(frames: dict[str, pd.DataFrame]) -> None:
    assert len(frames["programmes"]) == 4
    assert len(frames["projects"]) == 24
    assert 135 <= len(frames["milestones"]) <= 175
    assert 100 <= len(frames["issues"]) <= 140
    per_project = frames["costs"].groupby("project_id")["period"].nunique()
    assert per_project.max() <= 36 and per_project.median() >= 8


# -- money: plan, costs and the S-curve ------------------------------------------


def test_plan_spreads_each_budget_exactly_over_its_dates(frames: dict[str, pd.DataFrame]) -> None:
    projects = frames["projects"].set_index("project_id")
    plan = frames["plan"]
    totals = plan.groupby("project_id")["amount"].sum()
    budgets = projects.loc[totals.index, "budget"]
    assert np.allclose(totals, budgets, rtol=0, atol=0.005)
    span = plan.groupby("project_id")["period"].agg(["min", "max"]).join(projects)
    assert (span["min"] == span["start_date"].dt.to_period("M").dt.to_timestamp()).all()
    assert (span["max"] == span["end_date"].dt.to_period("M").dt.to_timestamp()).all()


def test_plan_is_s_shaped(frames: dict[str, pd.DataFrame]) -> None:
    """Slow start, peak in the middle, tail-off: the middle third of the months holds the most."""
    for project, rows in frames["plan"].groupby("project_id"):
        amounts = rows.sort_values("period")["amount"].to_numpy()
        if len(amounts) < 9:
            continue
        first, middle, last = np.array_split(amounts, 3)
        assert middle.sum() > first.sum() and middle.sum() > last.sum(), project
        assert amounts[0] < amounts.max() / 3, project


def test_costs_run_from_the_start_month_to_the_as_of_month(frames: dict[str, pd.DataFrame]) -> None:
    projects = frames["projects"].set_index("project_id")
    span = frames["costs"].groupby("project_id")["period"].agg(["min", "max"])
    this_month = TODAY.to_period("M").to_timestamp()
    assert span["max"].max() == this_month
    assert (span["max"] <= this_month).all()
    dated = span.join(projects).dropna(subset=["start_date"])
    assert (dated["min"] >= dated["start_date"].dt.to_period("M").dt.to_timestamp()).all()


def test_portfolio_s_curve_is_meaningful(
    frames: dict[str, pd.DataFrame], figures: pd.DataFrame
) -> None:
    """Cumulative AC, PV and EV to date are of the same order, and AC trails the PV curve."""
    monthly_ac = frames["costs"].groupby("period")["amount"].sum().sort_index()
    assert len(monthly_ac) >= 24
    assert (monthly_ac > 0).all()
    complete = figures[(figures["ac"] > 0) & (figures["pv"] > 0) & figures["ev"].notna()]
    total_ac, total_pv, total_ev = complete["ac"].sum(), complete["pv"].sum(), complete["ev"].sum()
    assert 0.6 < total_ev / total_pv < 1.1
    assert 0.7 < total_ev / total_ac < 1.1
    assert total_pv < figures["budget"].sum() * 0.8  # the portfolio is mid-flight


def test_on_track_projects_have_healthy_earned_value(figures: pd.DataFrame) -> None:
    healthy = figures[
        (figures["rag"] == "green") & (figures["status"] == "active") & (figures["ac"] > 0)
    ]
    assert len(healthy) >= 8
    assert healthy["cpi"].between(0.95, 1.07).all()
    assert healthy["spi"].between(0.85, 1.15).all()


# -- the mix a PMO recognises ---------------------------------------------------------


def test_red_amber_and_green_projects_with_green_the_largest_group(figures: pd.DataFrame) -> None:
    counts = figures["rag"].value_counts()
    assert counts["red"] >= 4
    assert counts["amber"] >= 3
    assert counts["grey"] >= 1
    assert counts["green"] > counts.drop("green").max()


def test_programmes_roll_up_to_different_colours(figures: pd.DataFrame) -> None:
    order = {"green": 0, "grey": 1, "amber": 2, "red": 3}
    worst = figures.groupby("programme_id")["rag"].agg(lambda r: max(r, key=order.__getitem__))
    assert {"red", "amber", "green"} <= set(worst)


def test_overspending_projects(figures: pd.DataFrame) -> None:
    overspending = figures[(figures["cpi"] < 0.9) & (figures["eac"] > figures["budget"] * 1.1)]
    assert len(overspending) >= 2
    assert (overspending["rag"] == "red").all()


def test_slipping_projects(frames: dict[str, pd.DataFrame], figures: pd.DataFrame) -> None:
    projects = frames["projects"].set_index("project_id")
    late_finish = projects["forecast_end_date"] - projects["end_date"] > pd.Timedelta(days=30)
    ms = frames["milestones"]
    slipped = ms[
        ms["key"]
        & ms["actual_date"].isna()
        & (ms["forecast_date"] - ms["baseline_date"] > pd.Timedelta(days=30))
    ]
    slipping = late_finish & projects.index.isin(slipped["project_id"])
    assert slipping.sum() >= 3
    assert (figures.loc[slipping[slipping].index, "spi"] < 1).all()  # behind plan


def test_watermelon_projects_report_better_than_their_figures(figures: pd.DataFrame) -> None:
    watermelons = figures[(figures["rag"] == "red") & figures["reported"].isin(["green", "amber"])]
    assert set(watermelons["reported"]) == {"green", "amber"}
    honest_red = figures[(figures["rag"] == "red") & (figures["reported"] == "red")]
    assert len(honest_red) >= 2


def test_projects_with_missing_data(frames: dict[str, pd.DataFrame], figures: pd.DataFrame) -> None:
    projects = frames["projects"].set_index("project_id")
    started = projects["start_date"] <= TODAY
    no_costs = started & (figures["ac"] == 0) & (projects["status"] == "active")
    assert no_costs.sum() >= 1
    assert projects["percent_complete"].isna().sum() >= 1
    no_dates = projects["start_date"].isna() & projects["end_date"].isna()
    assert no_dates.sum() >= 1
    # a project without dates has no plan either, so its PV cannot be computed
    assert not frames["plan"]["project_id"].isin(no_dates[no_dates].index).any()
    assert projects["reported_rag"].isna().sum() >= 1


def test_lifecycle_not_started_closed_and_one_on_hold(
    frames: dict[str, pd.DataFrame], figures: pd.DataFrame
) -> None:
    projects = frames["projects"].set_index("project_id")
    not_started = projects[projects["start_date"] > TODAY]
    assert len(not_started) >= 1
    assert (not_started["percent_complete"] == 0).all()
    assert not frames["costs"]["project_id"].isin(not_started.index).any()
    closed = projects[projects["status"] == "closed"]
    assert len(closed) >= 2
    assert (closed["percent_complete"] == 100).all() and (closed["end_date"] < TODAY).all()
    assert np.allclose(closed["forecast_cost"], figures.loc[closed.index, "ac"], atol=0.005)
    closed_ms = frames["milestones"][frames["milestones"]["project_id"].isin(closed.index)]
    assert closed_ms["actual_date"].notna().all()
    on_hold = projects[projects["status"] == "on hold"]
    assert len(on_hold) == 1
    last_cost = (
        frames["costs"].loc[frames["costs"]["project_id"].isin(on_hold.index), "period"].max()
    )
    assert last_cost < TODAY.to_period("M").to_timestamp()  # spending stopped


def test_tolerance_overrides_change_colours(frames: dict[str, pd.DataFrame], bundled: Path) -> None:
    configured = assess(frames, tolerances(bundled))["rag"]
    default = assess(frames, Tolerances())["rag"]
    changed = pd.DataFrame({"configured": configured, "default": default})[configured != default]
    pairs = set(zip(changed["default"], changed["configured"], strict=True))
    assert ("green", "amber") in pairs  # the flagship's tight tolerance
    assert ("red", "amber") in pairs  # the building programme's wide tolerance


def test_milestones_in_every_state(frames: dict[str, pd.DataFrame]) -> None:
    ms = frames["milestones"]
    done = ms["actual_date"].notna()
    late = ~done & (ms["forecast_date"] < TODAY)
    missing = ms["forecast_date"].isna()
    upcoming = ~done & ms["forecast_date"].between(
        TODAY + pd.Timedelta(days=1), TODAY + pd.Timedelta(days=30)
    )
    slipped_done = done & (ms["actual_date"] - ms["baseline_date"] > pd.Timedelta(days=30))
    open_on_track = (
        ~done & ~missing & (ms["forecast_date"] - ms["baseline_date"] <= pd.Timedelta(days=5))
    )
    assert done.sum() >= 30
    assert late.sum() >= 2
    assert missing.sum() >= 3
    assert upcoming.sum() >= 3
    assert slipped_done.sum() >= 1
    assert open_on_track.sum() >= 30
    assert (ms.loc[done, "actual_date"] <= TODAY).all()
    assert ms["key"].any() and not ms["key"].all()


def test_issues_in_every_state(frames: dict[str, pd.DataFrame]) -> None:
    issues = frames["issues"]
    open_ = issues[issues["status"] != "closed"]
    unassigned = open_[open_["owner"].isna()]
    assert (unassigned["severity"] == "critical").sum() >= 2
    assert (unassigned["severity"] == "high").sum() >= 2
    assert (open_["due_date"] < TODAY).sum() >= 5  # overdue
    assert issues["due_date"].isna().sum() >= 1
    assert issues["owner"].notna().sum() > len(issues) / 2
    age = (TODAY - issues["raised_date"]).dt.days
    assert (age <= 14).sum() >= 3 and (age > 180).sum() >= 10
    assert (issues["raised_date"] <= TODAY).all()
    assert issues["description"].str.contains("\n", na=False).any()  # a multi-line cell
    for kind in ("risk", "issue", "assumption", "dependency"):
        statuses = set(issues.loc[issues["type"] == kind, "status"])
        assert "closed" in statuses and statuses & {"open", "in progress"}, kind


def test_open_critical_issues_only_where_figures_are_not_green(frames: dict, bundled: Path) -> None:
    """An open critical issue makes a project amber (§6.4); the green ones really are green."""
    issues = frames["issues"]
    critical = issues[(issues["status"] != "closed") & (issues["severity"] == "critical")]
    no_issues = {**frames, "issues": issues.iloc[0:0]}
    figures_alone = assess(no_issues, tolerances(bundled))["rag"]
    status = frames["projects"].set_index("project_id")["status"]
    spoilt = figures_alone.loc[critical["project_id"].unique()]
    active = spoilt[status.loc[spoilt.index] == "active"]
    assert (active == "green").sum() == 1  # exactly one active project is amber only for its issue


def test_names_are_dutch_and_realistic(frames: dict[str, pd.DataFrame]) -> None:
    names = set(frames["projects"]["name"])
    assert "[WIP] Koppeling BRP" in names
    assert "Vervanging zaaksysteem" in names
    assert "Digitale Dienstverlening" in set(frames["programmes"]["name"])
    assert "Huisvesting & Facilitair" in set(frames["programmes"]["name"])
    assert len(names) == len(frames["projects"])
    everything = pd.concat([frames[t].astype(str).stack() for t in TABLES])
    assert not everything.str.contains(r"\x1b|\[/|\[@", regex=True).any()  # no evil strings


# -- the large benchmark portfolio --------------------------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    folder = tmp_path_factory.mktemp("large") / "demo"
    started = time.perf_counter()
    write_demo(folder, size="large", seed=42, as_of=AS_OF)
    return folder, time.perf_counter() - started


def test_large_demo_has_the_benchmark_shape(large: tuple[Path, float]) -> None:
    folder, seconds = large
    frames = read_folder(folder)
    assert {t: len(f) for t, f in frames.items()} == {
        "programmes": 40,
        "projects": 2_000,
        "milestones": 20_000,
        "costs": 480_000,
        "plan": 480_000,
        "issues": 10_000,
    }
    costs = (
        frames["costs"]
        .groupby("project_id")
        .agg(months=("period", "nunique"), lines=("amount", "size"))
    )
    assert (costs["months"] == 60).all() and (costs["lines"] == 240).all()
    plan = frames["plan"].groupby("project_id")["amount"].agg(["size", "sum"])
    assert (plan["size"] == 240).all()
    budgets = frames["projects"].set_index("project_id").loc[plan.index, "budget"]
    assert np.allclose(plan["sum"], budgets, rtol=0, atol=0.005)
    for table, (column, pattern) in ID_FORMATS.items():
        assert (
            frames[table][column].is_unique and frames[table][column].str.fullmatch(pattern).all()
        )
    projects = set(frames["projects"]["project_id"])
    for table in ("milestones", "costs", "plan", "issues"):
        assert set(frames[table]["project_id"]) <= projects
    assert frames["projects"]["name"].is_unique
    assert seconds < 30, f"writing the large demo took {seconds:.1f} s"


def test_large_demo_has_the_same_mix(large: tuple[Path, float]) -> None:
    folder, _ = large
    frames = read_folder(folder)
    figures = assess(frames, tolerances(folder))
    share = figures["rag"].value_counts(normalize=True)
    assert share["green"] > 0.4
    assert 0.1 < share["red"] < 0.35
    assert 0.08 < share["amber"] < 0.35
    watermelons = figures[(figures["rag"] == "red") & figures["reported"].isin(["green", "amber"])]
    assert len(watermelons) >= 40
    assert (figures["status"] == "closed").sum() >= 60
    issues = frames["issues"]
    open_critical = issues[(issues["status"] != "closed") & (issues["severity"] == "critical")]
    assert open_critical["owner"].isna().sum() >= 50


# -- writing a table the way Dutch-locale Excel does ----------------------------------


def test_dutch_excel_style_bytes(tmp_path: Path) -> None:
    frames = demo_frames("small", seed=42, as_of=AS_OF)
    path = write_table(frames["projects"], tmp_path / "projects.csv", "dutch-excel")
    data = path.read_bytes()
    text = data.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0] == ";".join(frames["projects"].columns)
    assert b"\n" not in data.replace(b"\r\n", b"")
    first = dict(zip(lines[0].split(";"), lines[1].split(";"), strict=True))
    budget = frames["projects"].loc[0, "budget"]
    whole = f"{budget:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    assert first["budget"] == whole  # e.g. 2.200.000,00
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4}", first["start_date"])
    assert first["start_date"] == frames["projects"].loc[0, "start_date"].strftime("%d-%m-%Y")
    accented = next(n for n in frames["projects"]["manager"] if not n.isascii())
    assert accented.encode("cp1252") in data
    costs = write_table(frames["issues"], tmp_path / "issues.csv", "dutch-excel").read_bytes()
    assert "€ 25.000".encode("cp1252") in costs  # the euro sign is byte 0x80 in cp1252


@pytest.mark.parametrize("table", TABLES)
def test_clean_and_dutch_excel_files_hold_the_same_values(tmp_path: Path, table: str) -> None:
    frame = demo_frames("small", seed=3, as_of=AS_OF)[table]
    clean = pd.read_csv(
        write_table(frame, tmp_path / f"{table}.csv", "clean"), dtype=str, keep_default_na=False
    )
    dutch_path = write_table(frame, tmp_path / f"nl-{table}.csv", "dutch-excel", table=table)
    dutch = pd.read_csv(dutch_path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    assert list(clean.columns) == list(dutch.columns) == list(frame.columns)
    for column in frame.columns:
        kind = next(c.kind for c in SCHEMAS[table] if c.name == column)
        a, b = clean[column], dutch[column]
        if kind in ("money", "percent"):
            a = pd.to_numeric(a)
            b = pd.to_numeric(
                b.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            )
        elif kind == "date":
            a = pd.to_datetime(a, format="%Y-%m-%d")
            b = pd.to_datetime(b, format="%d-%m-%Y")
        elif kind == "month":
            a = pd.to_datetime(a, format="%Y-%m")
            b = pd.to_datetime(b, format="%d-%m-%Y")
        pd.testing.assert_series_equal(a, b, check_names=False, obj=f"{table}.{column}")


def test_writer_keeps_awkward_values_exact(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "project_id": ["P-1", "P-2", "P-3", "P-4"],
            "name": ['Fase 1; "herzien"', "regel 1\nregel 2", "", None],
            "budget": [1234567.89, -1250.5, 0.125, np.nan],
            "percent_complete": [12.5, 100.0, 0.0, np.nan],
            "start_date": pd.to_datetime(["2026-01-31", "2026-12-01", None, "1999-02-28"]),
        }
    )
    clean = pd.read_csv(write_table(frame, tmp_path / "projects.csv"))
    dutch = pd.read_csv(
        write_table(frame, tmp_path / "nl.csv", "dutch-excel", table="projects"),
        sep=";",
        decimal=",",
        thousands=".",
        encoding="cp1252",
    )
    text = (tmp_path / "nl.csv").read_text(encoding="cp1252")
    assert "1.234.567,89" in text and "-1.250,50" in text and "0,125" in text and "12,5" in text
    for read in (clean, dutch):
        assert read["name"].iloc[0] == 'Fase 1; "herzien"'
        assert read["name"].iloc[1] == "regel 1\nregel 2"
        assert read["budget"].iloc[:3].tolist() == [1234567.89, -1250.5, 0.125]
        assert read["percent_complete"].iloc[:3].tolist() == [12.5, 100.0, 0.0]
        assert read["budget"].isna().iloc[3]
    assert pd.to_datetime(dutch["start_date"], format="%d-%m-%Y").iloc[0] == pd.Timestamp(
        "2026-01-31"
    )


def test_writer_refuses_what_cp1252_cannot_hold(tmp_path: Path) -> None:
    frame = pd.DataFrame({"project_id": ["P-1", "P-2"], "name": ["Café", "Şehir 🏗"]})
    with pytest.raises(ValueError, match=r"column 'name', row 3: 'Ş'"):
        write_table(frame, tmp_path / "projects.csv", "dutch-excel")
    assert not (tmp_path / "projects.csv").exists()
    write_table(frame, tmp_path / "projects.csv", "clean")  # UTF-8 holds it
    assert "Şehir 🏗" in (tmp_path / "projects.csv").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="unknown style"):
        write_table(frame, tmp_path / "x.csv", "excel")  # type: ignore[arg-type]


# -- refusing to clobber, and the command line ---------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmo_tui", "demo", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_writes_the_bundled_demo_and_rewrites_its_own_folder(
    tmp_path: Path, bundled: Path
) -> None:
    target = tmp_path / "new" / "demo"
    result = run_cli(str(target), "--size", "small", "--seed", "42", "--as-of", "2026-11-30")
    assert result.returncode == 0, result.stderr
    assert "wrote the small demo" in result.stderr
    for name in DEMO_FILES:
        assert (target / name).read_bytes() == (bundled / name).read_bytes(), name
    store = target / ".pmo-tui" / "store.sqlite"
    store.parent.mkdir()
    store.write_bytes(b"notes")
    again = run_cli(str(target), "--seed", "5", "--as-of", "2026-11-30")
    assert again.returncode == 0, again.stderr
    assert demo_stamp(target)["seed"] == "5"
    assert store.read_bytes() == b"notes"  # the officers' notes survive a regeneration


@pytest.mark.parametrize(
    "existing",
    [
        {"Begroting 2027.xlsx": b"PK\x03\x04"},
        {"projects.csv": b"project_id,name,budget\nX-1,Echt project,100\n"},
        {"projects.csv": b"id\n", CONFIG_NAME: b"as_of = 2026-01-01\n"},
    ],
    ids=["foreign-file", "an-officers-export", "config-without-demo-marker"],
)
def test_cli_refuses_to_clobber_an_officers_folder(
    tmp_path: Path, existing: dict[str, bytes]
) -> None:
    for name, data in existing.items():
        (tmp_path / name).write_bytes(data)
    result = run_cli(str(tmp_path), "--as-of", "2026-11-30")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: refusing to write the demo into {tmp_path}")
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(existing)
    for name, data in existing.items():
        assert (tmp_path / name).read_bytes() == data


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    result = run_cli(str(a_file))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"error: cannot write the demo into {a_file}: it is a file, not a folder"
    )
    assert a_file.read_text() == "mine"
    usage = run_cli(str(tmp_path / "x"), "--size", "huge")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
    assert not (tmp_path / "x").exists()


def test_write_demo_rejects_a_bad_size_or_seed(tmp_path: Path) -> None:
    with pytest.raises(PmoError, match="unknown demo size 'medium'"):
        write_demo(tmp_path / "a", size="medium", as_of=AS_OF)
    with pytest.raises(PmoError, match="seed must be 0 or more"):
        write_demo(tmp_path / "b", seed=-1, as_of=AS_OF)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


# -- as the app sees it: the metrics engine and the folder loader ---------------------


def portfolio_from(frames: dict[str, pd.DataFrame]):  # -> Portfolio
    from pmo_tui.model import TableState, assemble

    severity = {"low": 1, "medium": 2, "high": 3, "critical": 4}
    typed = dict(frames)
    typed["issues"] = frames["issues"].assign(
        severity=frames["issues"]["severity"].map(severity).astype("Int64")
    )
    at = pd.Timestamp("2026-11-30 08:00").to_pydatetime()
    states = {t: TableState.loaded(t, f, origin=f"{t}.csv", at=at) for t, f in typed.items()}
    return assemble(states, source="demo")


def test_metrics_engine_shows_the_intended_first_impression(
    frames: dict[str, pd.DataFrame], figures: pd.DataFrame, bundled: Path
) -> None:
    """Two independent readings of §6.4 (the engine and ``assess``) agree on every red and amber."""
    from pmo_tui.metrics import compute

    config, _ = load_config(bundled / CONFIG_NAME)
    metrics = compute(portfolio_from(frames), as_of=AS_OF, config=config)
    engine = metrics.projects.set_index("project_id")
    for colour in ("red", "amber"):
        assert set(engine.index[engine["rag"] == colour]) == set(
            figures.index[figures["rag"] == colour]
        ), colour
    assert {"red", "amber", "green"} <= set(metrics.programmes["rag"])
    watermelons = engine[engine["watermelon"]]
    assert set(watermelons["reported_rag"]) == {"green", "amber"}
    assert len(metrics.upcoming_milestones()) >= 3


def test_loader_reads_the_bundled_demo_without_problems(bundled: Path, frames: dict) -> None:
    folder_source = pytest.importorskip("pmo_tui.sources.folder")
    source = folder_source.FolderSource(bundled, demo=True)
    try:
        portfolio = source.load()
    finally:
        source.close()
    assert portfolio.problems == ()
    assert {t: len(portfolio[t]) for t in TABLES} == {t: len(f) for t, f in frames.items()}


def test_loader_reads_the_dutch_excel_twin_to_the_same_tables(
    bundled: Path, tmp_path: Path
) -> None:
    folder_source = pytest.importorskip("pmo_tui.sources.folder")
    twin = tmp_path / "nl"
    twin.mkdir()
    for table, frame in demo_frames("small", seed=42, as_of=AS_OF).items():
        write_table(frame, twin / f"{table}.csv", "dutch-excel")
    (twin / CONFIG_NAME).write_bytes((bundled / CONFIG_NAME).read_bytes())
    loaded = {}
    for folder in (bundled, twin):
        source = folder_source.FolderSource(folder)
        try:
            loaded[folder] = source.load()
        finally:
            source.close()
    # first-of-month periods cannot prove day-first by themselves: a warning is fair, an error not
    assert loaded[twin].errors == ()
    for table in TABLES:
        pd.testing.assert_frame_equal(loaded[bundled][table], loaded[twin][table], obj=table)
