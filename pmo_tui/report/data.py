"""One computation for every report format: a plain tree of the figures of a scope.

:func:`build_report_data` turns :class:`~pmo_tui.metrics.Metrics` for one scope into
nested dicts and lists of plain Python values (str, int, float, bool, None):
money rounded to the cent, dates as ISO text, n/a as ``None`` plus a reason in
the record's ``na`` mapping. The json format serialises it as is; markdown,
html and xlsx render the same tree, so every format shows the same figures.
The schema is documented field by field in ``docs/report-schema.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from pmo_tui import __version__
from pmo_tui.config import Config
from pmo_tui.metrics import Metrics
from pmo_tui.model import TABLES, Portfolio
from pmo_tui.problems import Problem, Severity
from pmo_tui.report.activity import activity_records, item_index
from pmo_tui.report.facts import StoreFacts
from pmo_tui.report.scope import Scope
from pmo_tui.report.tolerance import tolerance_records
from pmo_tui.report.trend import mta_block
from pmo_tui.report.triage import issue_triage_columns

SCHEMA = "pmo-tui/report"
SCHEMA_VERSION = 2
#: problems listed in ``source.problem_list`` (the counts cover all of them)
PROBLEM_LIST_LIMIT = 50

#: columns in currency: rounded to the cent
MONEY = frozenset(
    {
        "bac",
        "pv",
        "ev",
        "ac",
        "cv",
        "sv",
        "eac",
        "eac_atypical",
        "eac_rollup",
        "etc",
        "vac",
        "forecast_cost",
        "forecast",
        "cost_forecast",
        "burn_rate",
        "budget",
        "ev_estimate",
        "pv_month",
        "ac_month",
        "total",
    }
)

Record = dict[str, Any]


def build_report_data(
    metrics: Metrics,
    portfolio: Portfolio,
    scope: Scope,
    *,
    config: Config,
    source: str,
    period_days: int = 30,
    store: StoreFacts | None = None,
    generated_at: datetime | None = None,
) -> Record:
    """Every figure of ``scope`` as a plain tree (see ``docs/report-schema.md``).

    ``portfolio`` is the snapshot as the source gave it; ``metrics`` should be
    computed from ``with_triage(portfolio, store.triage)`` so that officers'
    decisions count in RAG and issue counts (``run_report`` and
    ``write_report`` do this). ``store`` carries what the triage store holds
    for the scope; without it the decisions and MTA sections say so.
    """
    facts = store if store is not None else StoreFacts.unavailable("no triage store was given")
    generated = (generated_at or datetime.now()).astimezone()
    as_of = metrics.as_of
    projects = metrics.scope_projects(scope.level, scope.key)
    ids = projects["project_id"]
    period_start = as_of - timedelta(days=period_days - 1)
    next_end = as_of + timedelta(days=period_days)

    data: Record = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generator": f"pmo-tui {__version__}",
        "generated_at": generated.isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "currency": metrics.currency,
        "number_format": {
            "thousands": config.display.locale_thousands,
            "decimal": config.display.locale_decimal,
        },
        "scope": _scope(metrics, scope),
        "period": {
            "days": period_days,
            "start": period_start.isoformat(),
            "end": as_of.isoformat(),
            "next_start": (as_of + timedelta(days=1)).isoformat(),
            "next_end": next_end.isoformat(),
        },
        "source": _source(portfolio, source, config, generated),
        "tolerances": _tolerances(config, scope, metrics),
        "store": {
            "description": facts.description,
            "available": facts.available,
            "note": facts.note,
        },
    }
    if scope.level == "project":
        data["summary"] = records(projects)[0]
    elif scope.level == "programme":
        data["summary"] = records(
            metrics.programmes.loc[metrics.programmes["programme_id"] == scope.key]
        )[0]
    else:
        data["summary"] = records(metrics.portfolio)[0]
    if scope.level == "portfolio":
        data["programmes"] = records(metrics.programmes)
    data["projects"] = records(projects)
    red = metrics.red_items()
    red = red.loc[red["project_id"].isin(ids)]
    data["red_items"] = records(
        red[
            [
                "project_id",
                "name",
                "programme_id",
                "rag_reason",
                "watermelon",
                "reported_rag",
                "cost_tolerance_used",
                "time_tolerance_used",
            ]
        ]
    )

    ms = metrics.milestones.loc[metrics.milestones["project_id"].isin(ids)]
    actual = ms["actual_date"]
    due = ms["forecast_date"].fillna(ms["baseline_date"])
    ms = ms.assign(
        done_this_period=actual.notna()
        & (actual >= pd.Timestamp(period_start))
        & (actual <= pd.Timestamp(as_of)),
        due_next_period=actual.isna()
        & (due > pd.Timestamp(as_of))
        & (due <= pd.Timestamp(next_end)),
    )
    data["milestones"] = records(ms)
    iss = metrics.issues.loc[metrics.issues["project_id"].isin(ids)]
    data["issues"] = records(issue_triage_columns(iss, portfolio["issues"], facts.triage))
    data["tolerance_status"] = tolerance_records(projects, ms)
    data["activity"] = activity_records(
        facts.activity,
        item_index(projects, ms, iss),
        keep_unknown=scope.level == "portfolio",
    )
    data["mta"] = mta_block(
        facts.history,
        ms,
        level=scope.level,
        as_of=as_of,
        store_available=facts.available,
        store_note=facts.note,
    )
    data["s_curve"] = records(
        metrics.s_curve(scope.level, scope.key) if len(projects) else _empty_curve()
    )
    if scope.level == "project" and scope.key is not None:
        data["costs_by_month"] = _costs_by_month(metrics.costs_by_month(scope.key))
    return data


def _costs_by_month(frame: pd.DataFrame) -> list[Record]:
    """One record per month: ``period``, ``total`` and ``categories`` (name -> amount)."""
    categories = [c for c in frame.columns if c not in ("period", "total")]
    periods = _column(frame["period"], "period")
    totals = _column(frame["total"], "total")
    values = {c: _column(frame[c], "total") for c in categories}
    return [
        {
            "period": periods[i],
            "total": totals[i],
            "categories": {str(c): values[c][i] for c in categories},
        }
        for i in range(len(frame))
    ]


def _empty_curve() -> pd.DataFrame:
    return pd.DataFrame({"period": pd.Series([], dtype="datetime64[s]")})


def _scope(metrics: Metrics, scope: Scope) -> Record:
    name: str | None = None
    if scope.level == "project" and scope.key is not None:
        row = metrics.project(scope.key)
        name = None if row is None else _plain(row["name"])
    elif scope.level == "programme" and scope.key is not None:
        row = metrics.programme(scope.key)
        name = None if row is None else _plain(row["name"])
    return {"level": scope.level, "id": scope.key, "name": name}


def _source(portfolio: Portfolio, description: str, config: Config, generated: datetime) -> Record:
    problems = portfolio.problems
    tables: Record = {}
    for name in TABLES:
        state = portfolio.states[name]
        tables[name] = {
            "present": bool(state.present),
            "rows": len(portfolio[name]),
            "origin": state.origin,
            "loaded_at": _when(state.loaded_at),
            "stale": state.stale,
        }
    return {
        "description": description,
        "version": portfolio.version,
        "data_as_of": _when(portfolio.data_as_of),
        "last_checked": _when(portfolio.last_checked),
        "problems": len(problems),
        "errors": sum(1 for p in problems if p.severity is Severity.ERROR),
        "warnings": sum(1 for p in problems if p.severity is Severity.WARNING),
        "stale_tables": [{"table": t, "reason": r} for t, r in sorted(portfolio.stale.items())],
        "tables": tables,
        "problem_list": [_problem(p) for p in problems[:PROBLEM_LIST_LIMIT]],
        "stale_after_hours": round(config.display.stale_after.total_seconds() / 3600, 2),
        "data_age_hours": _age_hours(portfolio.data_as_of, generated),
    }


def _problem(problem: Problem) -> Record:
    return {
        "file": problem.file,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "rule": problem.rule,
        "message": problem.message,
        "severity": str(problem.severity),
    }


def _age_hours(loaded: datetime | None, now: datetime) -> float | None:
    """Hours between the data's load time and the report (None when unknown)."""
    if loaded is None:
        return None
    start = loaded if loaded.tzinfo is not None else loaded.astimezone()
    return round(max(0.0, (now - start).total_seconds() / 3600), 2)


def _tolerances(config: Config, scope: Scope, metrics: Metrics) -> Record:
    tol = config.tolerances
    if scope.level == "project" and scope.key is not None:
        row = metrics.project(scope.key)
        if row is not None:
            return {
                "cost": float(row["tol_cost"]),
                "cost_level": str(row["tol_cost_level"]),
                "time_days": int(row["tol_time_days"]),
                "time_level": str(row["tol_time_level"]),
            }
    if scope.level == "programme" and scope.key is not None:
        t = tol.for_programme(scope.key)
        set_here = tol.programme.get(scope.key, {})
        return {
            "cost": t.cost,
            "cost_level": "programme" if "cost" in set_here else "portfolio",
            "time_days": t.time_days,
            "time_level": "programme" if "time_days" in set_here else "portfolio",
        }
    return {
        "cost": tol.portfolio.cost,
        "cost_level": "portfolio",
        "time_days": tol.portfolio.time_days,
        "time_level": "portfolio",
    }


# -- frames to plain records ------------------------------------------------------


def records(frame: pd.DataFrame) -> list[Record]:
    """Rows as dicts of plain values; ``<col>_na`` columns fold into one ``na`` mapping.

    A value column whose reason column exists is always present (``None`` when
    n/a); ``na`` lists only the figures that are n/a, with their reasons.
    """
    value_cols = [c for c in frame.columns if not (c.endswith("_na") and c[:-3] in frame.columns)]
    reason_cols = [c for c in value_cols if f"{c}_na" in frame.columns]
    columns = {c: _column(frame[c], c) for c in value_cols}
    reasons = {c: _column(frame[f"{c}_na"], f"{c}_na") for c in reason_cols}
    out: list[Record] = []
    for i in range(len(frame)):
        rec: Record = {c: values[i] for c, values in columns.items()}
        if reason_cols:
            rec["na"] = {c: reasons[c][i] for c in reason_cols if reasons[c][i] is not None}
        out.append(rec)
    return out


def _column(series: pd.Series, name: str) -> list[Any]:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        arr = series.to_numpy(dtype="datetime64[s]")
        texts: list[Any] = np.datetime_as_string(arr.astype("datetime64[D]")).tolist()
        missing = np.isnat(arr)
        if missing.any():
            for i in np.flatnonzero(missing).tolist():
                texts[i] = None
        return texts
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        kind = bool if pd.api.types.is_bool_dtype(dtype) else int
        missing = series.isna().to_numpy()
        if not missing.any():
            return [kind(v) for v in series.to_numpy().tolist()]
        return [
            None if m else kind(v) for v, m in zip(series.tolist(), missing.tolist(), strict=True)
        ]
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if name in MONEY:
            values = np.round(values, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
        return [v if math.isfinite(v) else None for v in values.tolist()]
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        # pandas' str dtype: text, missing as NaN
        strings: list[Any] = series.tolist()
        for i in np.flatnonzero(series.isna().to_numpy()).tolist():
            strings[i] = None
        return strings
    # object columns hold mostly text: keep str as is, convert the rest
    return [v if type(v) is str else _plain(v) for v in series.tolist()]


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date().isoformat()
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def ids_of(items: Iterable[Record], key: str = "project_id") -> list[Any]:
    """Convenience for renderers and tests: the ids of a list of records."""
    return [r.get(key) for r in items]
