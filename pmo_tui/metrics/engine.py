"""The metrics engine: one pure computation, cached per table version.

``compute(portfolio, as_of=..., config=...)`` gives a :class:`Metrics`.
``MetricsEngine(config).update(portfolio, as_of)`` gives exactly the same
result, but keeps the intermediate results of the previous call and redoes only
what depends on the tables that changed (``Portfolio.table_versions``):

=====================  ===========================================
stage                  depends on
=====================  ===========================================
cost cube              costs
plan cube              plan
milestones (enriched)  milestones, projects, as_of
issues (enriched)      issues, projects, as_of
project figures        all of the above, projects, programmes (cheap: one row per project)
roll-ups               project figures
=====================  ===========================================

A change to the issues table therefore never re-aggregates 480,000 cost lines.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from pmo_tui.config import Config
from pmo_tui.metrics import burn as burn_mod
from pmo_tui.metrics import dates
from pmo_tui.metrics import issues as issues_mod
from pmo_tui.metrics import milestones as ms_mod
from pmo_tui.metrics import rag as rag_mod
from pmo_tui.metrics.cube import MonthlyCube
from pmo_tui.metrics.evm import earned_value
from pmo_tui.metrics.na import NONE, Reasons, is_none, objects, pick
from pmo_tui.metrics.rollup import rollup
from pmo_tui.metrics.tolerance import resolve
from pmo_tui.model import Portfolio

# -- the result ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Metrics:
    """Every computed figure for one portfolio snapshot and one "today".

    Frames are never mutated after construction; derive new ones. Column
    meanings, units and n/a reasons are documented in ``docs/metrics.md``.
    """

    as_of: date
    portfolio_version: int
    table_versions: Mapping[str, int]
    currency: str
    upcoming_days: int
    #: one row per project, in the projects table's order
    projects: pd.DataFrame
    #: one row per programme (plus one for projects without a programme, if any)
    programmes: pd.DataFrame
    #: one row: the whole portfolio
    portfolio: pd.DataFrame
    #: one row per milestone, in the source order
    milestones: pd.DataFrame
    #: one row per issue, in the source order
    issues: pd.DataFrame
    cost_cube: MonthlyCube = field(repr=False, default_factory=MonthlyCube.absent)
    plan_cube: MonthlyCube = field(repr=False, default_factory=MonthlyCube.absent)
    #: the raw cost lines (for costs by category); the snapshot's own frame
    cost_lines: pd.DataFrame | None = field(repr=False, default=None)

    # -- lookups -------------------------------------------------------------
    def project(self, project_id: str) -> pd.Series | None:
        """The row of one project, or None."""
        hit = self.projects.index[self.projects["project_id"] == project_id]
        return None if len(hit) == 0 else self.projects.loc[hit[0]]

    def programme(self, programme_id: str) -> pd.Series | None:
        hit = self.programmes.index[self.programmes["programme_id"] == programme_id]
        return None if len(hit) == 0 else self.programmes.loc[hit[0]]

    def projects_in(self, programme_id: str | None) -> pd.DataFrame:
        """The projects of one programme (None: the projects without a programme)."""
        col = self.projects["programme_id"]
        mask = col.isna() if programme_id is None else col.eq(programme_id).fillna(False)
        return self.projects.loc[mask]

    def red_items(self) -> pd.DataFrame:
        """Red projects, watermelons first, then by how far past tolerance they are."""
        red = self.projects.loc[self.projects["rag"] == rag_mod.RED]
        worst = np.fmax(
            red["cost_tolerance_used"].to_numpy(dtype=np.float64, na_value=np.nan),
            red["time_tolerance_used"].to_numpy(dtype=np.float64, na_value=np.nan),
        )
        key = pd.DataFrame(
            {
                "a": red["attention"].to_numpy(),
                "w": -np.nan_to_num(worst, nan=0.0),
                "id": red["project_id"].to_numpy(dtype=object),
            }
        )
        order = key.sort_values(["a", "w", "id"], kind="mergesort").index
        return red.iloc[order]

    def upcoming_milestones(self, project_ids: pd.Series | None = None) -> pd.DataFrame:
        """Milestones due in the next ``upcoming_days`` days, soonest first."""
        ms = self.milestones.loc[self.milestones["upcoming"]]
        if project_ids is not None:
            ms = ms.loc[ms["project_id"].isin(project_ids)]
        return ms.sort_values(["due_date", "milestone_id"], kind="mergesort")

    def scope_projects(self, level: str = "portfolio", key: str | None = None) -> pd.DataFrame:
        """The project rows of a scope: ``portfolio``, ``programme`` + id, ``project`` + id."""
        if level == "portfolio":
            return self.projects
        if level == "programme":
            return self.projects_in(key)
        if level == "project":
            return self.projects.loc[self.projects["project_id"] == key]
        raise ValueError(f"unknown scope level {level!r}; use portfolio, programme or project")

    # -- series --------------------------------------------------------------
    def s_curve(self, level: str = "portfolio", key: str | None = None) -> pd.DataFrame:
        """Monthly cumulative PV, AC, EV (measured point) and EV estimate, with BAC.

        See :func:`pmo_tui.metrics.burn.s_curve` for the rules.
        """
        rows = self.scope_projects(level, key)
        return burn_mod.s_curve(
            costs=self.cost_cube,
            plan=self.plan_cube,
            project_ids=rows["project_id"],
            bac=rows["bac"].to_numpy(dtype=np.float64, na_value=np.nan),
            ev=rows["ev"].to_numpy(dtype=np.float64, na_value=np.nan),
            ac=rows["ac"].to_numpy(dtype=np.float64, na_value=np.nan),
            start=dates.days(rows["start_date"]),
            end=dates.days(rows["end_date"]),
            pv_basis=objects(rows["pv_basis"]),
            as_of=self.as_of,
        )

    def costs_by_month(self, project_id: str) -> pd.DataFrame:
        """One project's actual costs: a row per month, a column per category, and ``total``.

        Months run from the first to the last cost line with no gaps; lines
        without a category go to ``(uncategorised)``. Every month is shown,
        including months after the as-of date if the source has them.
        """
        lines = self.cost_lines
        if lines is None or lines.empty:
            return pd.DataFrame(
                {
                    "period": pd.Series([], dtype="datetime64[s]"),
                    "total": pd.Series([], dtype="float64"),
                }
            )
        mine = lines.loc[lines["project_id"] == project_id]
        if mine.empty:
            return pd.DataFrame(
                {
                    "period": pd.Series([], dtype="datetime64[s]"),
                    "total": pd.Series([], dtype="float64"),
                }
            )
        cents = np.rint(mine["amount"].to_numpy(dtype=np.float64, na_value=0.0) * 100)
        frame = pd.DataFrame(
            {
                "period": mine["period"].to_numpy(),
                "category": mine["category"].fillna("(uncategorised)").to_numpy(dtype=object),
                "cents": cents,
            }
        )
        wide = frame.pivot_table(
            index="period", columns="category", values="cents", aggfunc="sum", fill_value=0.0
        )
        first, last = (
            dates.months(pd.Series(wide.index)).min(),
            dates.months(pd.Series(wide.index)).max(),
        )
        full = dates.month_starts(int(first), int(last - first + 1))
        wide = wide.reindex(pd.DatetimeIndex(full), fill_value=0.0)
        wide = wide[sorted(wide.columns, key=lambda c: (c == "(uncategorised)", str(c).casefold()))]
        wide = wide / 100.0
        wide["total"] = wide.sum(axis=1)
        wide.columns.name = None
        out = wide.reset_index(names="period")
        out["period"] = out["period"].astype("datetime64[s]")
        return out


# -- the engine ------------------------------------------------------------------


@dataclass
class _Cache:
    key: Any = None
    value: Any = None


class MetricsEngine:
    """Recompute metrics incrementally: only stages whose inputs changed.

    Thread-safe: one engine may be fed from a worker thread while another
    thread reads the returned (immutable) :class:`Metrics`.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._cost = _Cache()
        self._plan = _Cache()
        self._ms = _Cache()
        self._iss = _Cache()
        self._last: Metrics | None = None
        self._last_key: Any = None
        #: stage names recomputed by the last update (for tests and benchmarks)
        self.recomputed: frozenset[str] = frozenset()

    def update(self, portfolio: Portfolio, as_of: date) -> Metrics:
        with self._lock:
            return self._update(portfolio, as_of)

    def _update(self, portfolio: Portfolio, as_of: date) -> Metrics:
        v = portfolio.table_versions
        done: set[str] = set()
        key_all = (
            tuple(sorted(v.items())),
            as_of,
            tuple(portfolio.states[n].present for n in ("costs", "plan")),
        )
        if self._last is not None and key_all == self._last_key:
            self.recomputed = frozenset()
            if self._last.portfolio_version == portfolio.version:
                return self._last
            return replace(self._last, portfolio_version=portfolio.version)

        cost_present = portfolio.states["costs"].present
        plan_present = portfolio.states["plan"].present
        cost = self._stage(
            self._cost,
            (v.get("costs"), cost_present),
            done,
            "costs",
            lambda: MonthlyCube.build(portfolio["costs"], present=cost_present),
        )
        plan = self._stage(
            self._plan,
            (v.get("plan"), plan_present),
            done,
            "plan",
            lambda: MonthlyCube.build(portfolio["plan"], present=plan_present),
        )

        projects = portfolio["projects"]
        tol = resolve(self.config.tolerances, projects["project_id"], projects["programme_id"])
        ms_key = (v.get("milestones"), v.get("projects"), as_of)
        enriched_ms = self._stage(
            self._ms,
            ms_key,
            done,
            "milestones",
            lambda: ms_mod.milestone_status(
                portfolio["milestones"],
                projects,
                tol.time_days,
                as_of,
                self.config.display.upcoming_days,
            ),
        )
        iss_key = (v.get("issues"), v.get("projects"), as_of)
        enriched_iss = self._stage(
            self._iss,
            iss_key,
            done,
            "issues",
            lambda: issues_mod.enrich(portfolio["issues"], projects, as_of),
        )
        done.add("projects")
        metrics = _assemble(
            portfolio,
            as_of,
            config=self.config,
            cost=cost,
            plan=plan,
            tol=tol,
            enriched_ms=enriched_ms,
            enriched_iss=enriched_iss,
        )
        self._last, self._last_key = metrics, key_all
        self.recomputed = frozenset(done)
        return metrics

    @staticmethod
    def _stage(cache: _Cache, key: Any, done: set[str], name: str, make: Any) -> Any:
        if cache.key != key or cache.value is None:
            cache.value = make()
            cache.key = key
            done.add(name)
        return cache.value


def compute(portfolio: Portfolio, *, as_of: date, config: Config) -> Metrics:
    """Every metric for ``portfolio`` with "today" = ``as_of``. Pure; never raises for data."""
    return MetricsEngine(config).update(portfolio, as_of)


# -- assembly --------------------------------------------------------------------

PROJECT_IDENTITY = (
    "project_id",
    "name",
    "programme_id",
    "programme_name",
    "portfolio",
    "manager",
    "status",
    "phase",
    "start_date",
    "end_date",
    "percent_complete",
)


def _assemble(
    portfolio: Portfolio,
    as_of: date,
    *,
    config: Config,
    cost: MonthlyCube,
    plan: MonthlyCube,
    tol: Any,
    enriched_ms: pd.DataFrame,
    enriched_iss: pd.DataFrame,
) -> Metrics:
    projects = portfolio["projects"]
    programmes = portfolio["programmes"]
    n = len(projects)
    currency = config.display.currency
    today = float(dates.day_number(as_of))

    evm = earned_value(projects, cost, plan, as_of)
    ev_ = evm.values
    brn = burn_mod.budget_burn(
        projects,
        cost,
        bac=ev_["bac"],
        ac=ev_["ac"],
        start=ev_["_start"],
        end=ev_["_end"],
        as_of=as_of,
    )
    ms = ms_mod.summarise(enriched_ms, projects["project_id"])
    iss = issues_mod.summarise(enriched_iss, projects["project_id"])

    closed = projects["status"].eq("closed").fillna(False).to_numpy(dtype=bool)
    pc = projects["percent_complete"].to_numpy(dtype=np.float64, na_value=np.nan)
    reported_cost = projects["forecast_cost"].to_numpy(dtype=np.float64, na_value=np.nan)
    reported_end = dates.days(projects["forecast_end_date"])
    cost_rag = rag_mod.cost_rag(
        bac=ev_["bac"],
        ac=ev_["ac"],
        ev=ev_["ev"],
        eac=ev_["eac"],
        eac_atypical=ev_["eac_atypical"],
        reported=reported_cost,
        tol=tol.cost,
        costs_present=cost.present,
        currency=currency,
    )
    time_rag = rag_mod.time_rag(
        closed=closed,
        pc=pc,
        end=ev_["_end"],
        reported_end=reported_end,
        tol=tol.time_days,
        today=today,
        ms=ms,
    )
    gaps = rag_mod.data_gaps(
        pc=pc, start=ev_["_start"], end=ev_["_end"], costs_present=cost.present
    )
    overall = rag_mod.overall(
        cost=cost_rag, time=time_rag, issues=iss, reported=projects["reported_rag"], gaps=gaps
    )

    # programme names
    prog_index = pd.Index(programmes["programme_id"], dtype="str")
    prow = prog_index.get_indexer(pd.Index(projects["programme_id"], dtype="str"))
    prog_names = objects(programmes["name"])
    prog_portfolio = objects(programmes["portfolio"])

    cols: dict[str, Any] = {}
    for c in ("project_id", "name", "programme_id"):
        cols[c] = projects[c].reset_index(drop=True)
    cols["programme_name"] = pd.Series(pick(prog_names, prow), dtype="str")
    cols["portfolio"] = pd.Series(pick(prog_portfolio, prow), dtype="str")
    for c in ("manager", "status", "phase", "start_date", "end_date", "percent_complete"):
        cols[c] = projects[c].reset_index(drop=True)
    cols["tol_cost"] = tol.cost
    cols["tol_cost_level"] = pd.Series(tol.cost_level, dtype="str")
    cols["tol_time_days"] = pd.Series(tol.time_days).astype("Int64")
    cols["tol_time_level"] = pd.Series(tol.time_level, dtype="str")

    def money(name: str, values: np.ndarray, reasons: Reasons | None) -> None:
        cols[name] = values
        if reasons is not None:
            cols[f"{name}_na"] = reasons.series(values)

    for name in ("bac", "pv"):
        money(name, ev_[name], evm.reasons[name])
    cols["pv_basis"] = pd.Series(evm.pv_basis, dtype="str")
    for name in (
        "ev",
        "ac",
        "cv",
        "sv",
        "cpi",
        "spi",
        "eac",
        "eac_atypical",
        "eac_rollup",
        "etc",
        "vac",
        "tcpi",
    ):
        money(name, ev_[name], evm.reasons[name])

    cols["forecast_cost"] = reported_cost
    cols["forecast_cost_na"] = _const_reason(reported_cost, "not reported")
    forecast = np.where(np.isfinite(reported_cost), reported_cost, ev_["eac_rollup"])
    cols["forecast"] = forecast
    cols["forecast_na"] = _const_reason(forecast, "no reported forecast_cost and EAC n/a")
    cols["cost_forecast"] = cost_rag["cost_forecast"]
    cols["cost_forecast_basis"] = pd.Series(cost_rag["cost_forecast_basis"], dtype="str")
    cols["cost_forecast_na"] = _text_reason(cost_rag["cost_forecast"], cost_rag["cost_rag_reason"])
    cols["cost_overrun"] = cost_rag["cost_overrun"]
    cols["cost_overrun_na"] = _text_reason(cost_rag["cost_overrun"], cost_rag["cost_rag_reason"])
    cols["cost_tolerance_used"] = cost_rag["cost_tolerance_used"]
    cols["cost_tolerance_used_na"] = _text_reason(
        cost_rag["cost_tolerance_used"],
        np.where(tol.cost <= 0, "cost tolerance is zero", cost_rag["cost_rag_reason"]),
    )

    cols["pct_budget_spent"] = ev_["pct_budget_spent"]
    cols["pct_budget_spent_na"] = evm.reasons["pct_budget_spent"].series(ev_["pct_budget_spent"])
    cols["pct_time_elapsed"] = ev_["pct_time_elapsed"]
    cols["pct_time_elapsed_na"] = evm.reasons["pct_time_elapsed"].series(ev_["pct_time_elapsed"])
    cols["burn_rate"] = brn.values["burn_rate"]
    cols["burn_rate_na"] = brn.reasons["burn_rate"].series(brn.values["burn_rate"])
    cols["burn_months"] = pd.Series(brn.values["burn_months"]).astype("Int64")
    cols["run_out_date"] = dates.to_dates(brn.values["run_out_date"])
    cols["run_out_date_na"] = brn.reasons["run_out_date"].series(brn.values["run_out_date"])
    cols["run_out_margin_days"] = _int(brn.values["run_out_margin_days"])
    cols["run_out_margin_days_na"] = brn.reasons["run_out_margin_days"].series(
        brn.values["run_out_margin_days"]
    )

    cols["forecast_end_date"] = projects["forecast_end_date"].reset_index(drop=True)
    cols["forecast_end_date_na"] = _const_reason(reported_end, "not reported")
    cols["computed_end_date"] = dates.to_dates(ev_["computed_end_date"])
    cols["computed_end_date_na"] = evm.reasons["computed_end_date"].series(ev_["computed_end_date"])
    cols["end_slip_days"] = _int(time_rag["end_slip_days"])
    slip_r = Reasons(n)
    slip_r.add(~np.isfinite(ev_["_end"]), "no planned end date")
    slip_r.add(closed | (pc >= 100), "complete and no forecast_end_date reported")
    slip_r.add(
        np.ones(n, dtype=bool), "no forecast_end_date reported (and the planned end is ahead)"
    )
    cols["end_slip_days_na"] = slip_r.series(time_rag["end_slip_days"])
    cols["max_key_slip_days"] = _int(time_rag["max_key_slip_days"])
    cols["max_key_slip_days_na"] = _const_reason(
        time_rag["max_key_slip_days"], "no open key milestone with a forecast"
    )
    cols["max_key_slip_milestone"] = pd.Series(ms.worst_name, dtype="str")
    cols["time_tolerance_used"] = time_rag["time_tolerance_used"]
    cols["time_tolerance_used_na"] = _text_reason(
        time_rag["time_tolerance_used"],
        np.where(tol.time_days <= 0, "time tolerance is zero", time_rag["time_rag_reason"]),
    )

    cols["cost_rag"] = pd.Series(cost_rag["cost_rag"], dtype="str")
    cols["cost_rag_reason"] = pd.Series(cost_rag["cost_rag_reason"], dtype="str")
    cols["time_rag"] = pd.Series(time_rag["time_rag"], dtype="str")
    cols["time_rag_reason"] = pd.Series(time_rag["time_rag_reason"], dtype="str")
    cols["rag"] = pd.Series(overall["rag"], dtype="str")
    cols["rag_reason"] = pd.Series(overall["rag_reason"], dtype="str")
    cols["rag_reasons"] = pd.Series(overall["rag_reasons"], dtype=object)
    cols["reported_rag"] = projects["reported_rag"].reset_index(drop=True)
    cols["reported_rag_level"] = pd.Series(overall["reported_rag_level"], dtype="str")
    cols["watermelon"] = pd.Series(overall["watermelon"], dtype="bool")
    cols["attention"] = overall["attention"]

    for name, values in iss.counts.items():
        cols[name] = pd.Series(values).astype("Int64")
    for name, values in ms.counts.items():
        cols[name] = pd.Series(values).astype("Int64")
    cols["next_milestone_id"] = pd.Series(ms.next_id, dtype="str")
    cols["next_milestone"] = pd.Series(ms.next_name, dtype="str")
    cols["next_milestone_date"] = dates.to_dates(ms.next_date)
    cols["next_milestone_status"] = pd.Series(ms.next_status, dtype="str")

    frame = pd.DataFrame(cols)
    frame = _freeze_types(frame)

    prog_frame, port_frame = _rollups(frame, programmes, as_of)
    return Metrics(
        as_of=as_of,
        portfolio_version=portfolio.version,
        table_versions=MappingProxyType(dict(portfolio.table_versions)),
        currency=currency,
        upcoming_days=config.display.upcoming_days,
        projects=frame,
        programmes=prog_frame,
        portfolio=port_frame,
        milestones=enriched_ms,
        issues=enriched_iss.drop(columns=["_severity"]),
        cost_cube=cost,
        plan_cube=plan,
        cost_lines=portfolio["costs"],
    )


ROLLUP_FLOATS = (
    "bac",
    "pv",
    "ev",
    "ac",
    "eac",
    "forecast_cost",
    "forecast",
    "cv",
    "sv",
    "cpi",
    "spi",
    "etc",
    "vac",
    "tcpi",
    "pct_budget_spent",
    "burn_rate",
)
ROLLUP_COUNTS = (
    "projects",
    "forecast_cost_projects",
    "n_red",
    "n_amber",
    "n_green",
    "n_grey",
    "n_watermelon",
    "open_issues",
    "open_critical",
    "open_high",
    "open_medium",
    "open_low",
    "open_unrated",
    "overdue_issues",
    "milestones",
    "milestones_late",
    "milestones_at_risk",
    "milestones_missing_data",
    "milestones_done",
)


def _rollup_frame(values: dict[str, np.ndarray], head: dict[str, Any]) -> pd.DataFrame:
    cols: dict[str, Any] = dict(head)
    cols["projects"] = values["projects"]
    for name in ROLLUP_FLOATS:
        cols[name] = values[name]
        if f"{name}_na" in values:
            cols[f"{name}_na"] = pd.Series(values[f"{name}_na"], dtype="str")
    cols["run_out_date"] = dates.to_dates(values["run_out_date"])
    cols["run_out_date_na"] = pd.Series(values["run_out_date_na"], dtype="str")
    cols["rag"] = pd.Series(values["rag"], dtype="str")
    cols["rag_reason"] = pd.Series(values["rag_reason"], dtype="str")
    for name in ROLLUP_COUNTS:
        cols[name] = pd.Series(values[name]).round().astype("Int64")
    cols["incomplete"] = pd.Series(values["incomplete"], dtype="str")
    return pd.DataFrame(cols)


def _rollups(
    projects: pd.DataFrame, programmes: pd.DataFrame, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    prog_ids = pd.Index(programmes["programme_id"], dtype="str")
    codes = prog_ids.get_indexer(pd.Index(projects["programme_id"], dtype="str")).astype(np.int64)
    n_prog = len(prog_ids)
    orphan = codes < 0
    n_groups = n_prog + (1 if orphan.any() else 0)
    codes = np.where(orphan, n_prog, codes)
    values = rollup(projects, codes, n_groups, as_of)
    ids = objects(programmes["programme_id"]).tolist()
    names = objects(programmes["name"]).tolist()
    ports = objects(programmes["portfolio"]).tolist()
    mans = objects(programmes["manager"]).tolist()
    if n_groups > n_prog:
        ids.append(None)
        names.append("(no programme)")
        ports.append(None)
        mans.append(None)
    head = {
        "programme_id": pd.Series(ids, dtype="str"),
        "name": pd.Series(names, dtype="str"),
        "portfolio": pd.Series(ports, dtype="str"),
        "manager": pd.Series(mans, dtype="str"),
    }
    prog_frame = _rollup_frame(values, head)
    port_values = rollup(projects, np.zeros(len(projects), dtype=np.int64), 1, as_of)
    port_frame = _rollup_frame(port_values, {})
    return prog_frame, port_frame


def _int(values: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=np.float64)).round().astype("Int64")


def _const_reason(values: np.ndarray, text: str) -> pd.Series:
    missing = pd.isna(np.asarray(values, dtype=np.float64))
    return pd.Series(np.where(missing, text, NONE), dtype="str")


def _text_reason(values: np.ndarray, texts: np.ndarray) -> pd.Series:
    missing = pd.isna(np.asarray(values, dtype=np.float64))
    t = np.asarray(texts, dtype=object)
    out = np.where(missing, np.where(is_none(t), "not available", t), NONE)
    return pd.Series(out, dtype="str")


def _freeze_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Float arrays stay float64; object arrays of plain numbers never leak out."""
    for col in frame.columns:
        if frame[col].dtype == object and col not in ("rag_reasons",):
            frame[col] = frame[col].astype("str")
    return frame
