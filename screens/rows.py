"""Metrics frames -> grid rows (pure Python, no textual; testable and timed headless).

Every text that comes from the data goes through :func:`pmo_tui.text.one_line`
here, so the widgets only ever see clean plain text. Figures are formatted by
one :class:`~pmo_tui.widgets.fmt.Formatter`; sort values keep the raw numbers
and dates so sorting is numeric, and missing values sort last.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, Generic, TypeVar, cast

import numpy as np
import pandas as pd

from pmo_tui.metrics.na import days
from pmo_tui.screens.frame_memo import FrameMemo
from pmo_tui.text import one_line
from pmo_tui.widgets.fmt import (
    WATERMELON,
    Formatter,
    is_missing,
    milestone_label,
    milestone_tone,
    rag_label,
    rag_tone,
    reported_rag_label,
    severity_label,
    severity_tone,
)
from pmo_tui.widgets.grid import GridColumn, GridRow

K = TypeVar("K")
V = TypeVar("V")

RAG_SORT = {"red": 0, "amber": 1, "grey": 2, "green": 3}


def objects(series: pd.Series) -> np.ndarray:
    """``series`` as an object array with None wherever a value is missing."""
    values = np.asarray(series.to_numpy(dtype=object), dtype=object)
    missing = np.asarray(series.isna().to_numpy(), dtype=bool)
    if missing.any():
        values = values.copy()
        values[missing] = None
    return values


def _records(frame: pd.DataFrame, columns: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain Python values (NaN/NA -> None)."""
    cols = [c for c in columns if c in frame.columns]
    arrays = [objects(frame[column]) for column in cols]
    for values in zip(*arrays, strict=True):
        yield {
            c: (None if (isinstance(v, float) and math.isnan(v)) or v is pd.NaT else v)
            for c, v in zip(cols, values, strict=True)
        }


def _num(value: Any) -> float | None:
    if value is None or is_missing(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _day(value: Any) -> date | None:
    if value is None or is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    return None


def _text(value: Any, limit: int | None = None) -> str:
    return "" if value is None else one_line(value, limit)


def rag_cell(rag: Any, watermelon: bool = False) -> str:
    label = rag_label(rag)
    return f"{label} {WATERMELON}" if watermelon else label


def ratio_tone(value: float | None) -> str:
    if value is None:
        return "grey"
    if value < 0.9:
        return "red"
    if value < 0.95:
        return "amber"
    return ""


# -- programmes ----------------------------------------------------------------

PROGRAMME_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("rag", "RAG", 7, priority=0, min_width=7),
    GridColumn("name", "Programme", 28, flex=True, min_width=14),
    GridColumn("projects", "Proj", 5, align="right", priority=3, title="Projects"),
    GridColumn(
        "counts", "R/A/G/?", 11, align="right", priority=4, title="RAG counts", sortable=True
    ),
    GridColumn("bac", "BAC", 9, align="right", priority=2),
    GridColumn("ac", "AC", 9, align="right", priority=3),
    GridColumn("eac", "EAC", 9, align="right", priority=2),
    GridColumn("spent", "Spent", 6, align="right", priority=3, title="% budget spent"),
    GridColumn("burn", "Burn/mo", 9, align="right", priority=4, title="Burn rate per month"),
    GridColumn("cpi", "CPI", 5, align="right", priority=1),
    GridColumn("spi", "SPI", 5, align="right", priority=1),
    GridColumn("reason", "Why", 40, flex=True, priority=5, min_width=20, title="RAG reason"),
    GridColumn("id", "ID", 10, priority=6, title="Programme id"),
)


def programme_key(value: Any) -> str:
    """Grid key for a programme; projects without a programme share one key."""
    return "" if value is None else str(value)


def programme_rows(frame: pd.DataFrame, fmt: Formatter) -> list[GridRow]:
    rows = []
    for r in _records(frame, frame.columns):
        rag = r.get("rag")
        n_wm = int(r.get("n_watermelon") or 0)
        counts = "/".join(str(int(r.get(f"n_{c}") or 0)) for c in ("red", "amber", "green", "grey"))
        cpi, spi = _num(r.get("cpi")), _num(r.get("spi"))
        reason = _text(r.get("rag_reason"))
        if n_wm:
            reason = f"{n_wm} watermelon{'s' if n_wm != 1 else ''}; {reason}"
        rows.append(
            GridRow(
                key=programme_key(r.get("programme_id")),
                cells=(
                    rag_cell(rag, n_wm > 0),
                    _text(r.get("name") or r.get("programme_id")),
                    fmt.number(r.get("projects")),
                    counts,
                    fmt.money_compact(r.get("bac")),
                    fmt.money_compact(r.get("ac")),
                    fmt.money_compact(r.get("eac")),
                    fmt.percent(r.get("pct_budget_spent")),
                    fmt.money_compact(r.get("burn_rate")),
                    fmt.ratio(cpi),
                    fmt.ratio(spi),
                    reason,
                    _text(r.get("programme_id")),
                ),
                tones=(
                    rag_tone(rag),
                    "strong",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    ratio_tone(cpi),
                    ratio_tone(spi),
                    "",
                    "dim",
                ),
                sort=(
                    RAG_SORT.get(str(rag), 9),
                    _text(r.get("name")).casefold(),
                    _num(r.get("projects")),
                    (-(r.get("n_red") or 0), -(r.get("n_amber") or 0)),
                    _num(r.get("bac")),
                    _num(r.get("ac")),
                    _num(r.get("eac")),
                    _num(r.get("pct_budget_spent")),
                    _num(r.get("burn_rate")),
                    cpi,
                    spi,
                    reason.casefold(),
                    _text(r.get("programme_id")),
                ),
                search_extra=_text(r.get("manager")),
            )
        )
    return rows


# -- projects ------------------------------------------------------------------

PROJECT_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("rag", "RAG", 7, priority=0, min_width=7),
    GridColumn("name", "Project", 28, flex=True, min_width=14),
    GridColumn("id", "ID", 8, priority=3, title="Project id"),
    GridColumn("reported", "Reported", 9, priority=2, title="Reported RAG"),
    GridColumn("bac", "BAC", 9, align="right", priority=2),
    GridColumn("ac", "AC", 9, align="right", priority=4),
    GridColumn("eac", "EAC", 9, align="right", priority=2),
    GridColumn("spent", "Spent", 6, align="right", priority=3, title="% budget spent"),
    GridColumn("elapsed", "Time", 6, align="right", priority=3, title="% time elapsed"),
    GridColumn("cpi", "CPI", 5, align="right", priority=1),
    GridColumn("spi", "SPI", 5, align="right", priority=1),
    GridColumn("next", "Next milestone", 10, priority=5, title="Next milestone date"),
    GridColumn("reason", "Why", 40, flex=True, priority=4, min_width=20, title="RAG reason"),
    GridColumn("manager", "Manager", 14, priority=6),
)


def project_rows(frame: pd.DataFrame, fmt: Formatter) -> list[GridRow]:
    rows = []
    wanted = (
        "project_id",
        "name",
        "rag",
        "watermelon",
        "reported_rag",
        "bac",
        "ac",
        "eac",
        "pct_budget_spent",
        "pct_time_elapsed",
        "cpi",
        "spi",
        "next_milestone_date",
        "rag_reason",
        "manager",
        "status",
        "attention",
        "programme_name",
    )
    for r in _records(frame, wanted):
        rag = r.get("rag")
        watermelon = bool(r.get("watermelon"))
        cpi, spi = _num(r.get("cpi")), _num(r.get("spi"))
        closed = r.get("status") == "closed"
        next_day = _day(r.get("next_milestone_date"))
        reason = _text(r.get("rag_reason"))
        if watermelon:
            reason = f"watermelon: reports {_text(r.get('reported_rag'))}; {reason}"
        rows.append(
            GridRow(
                key=str(r.get("project_id")),
                cells=(
                    rag_cell(rag, watermelon),
                    _text(r.get("name")) + (" (closed)" if closed else ""),
                    _text(r.get("project_id")),
                    reported_rag_label(r.get("reported_rag")),
                    fmt.money_compact(r.get("bac")),
                    fmt.money_compact(r.get("ac")),
                    fmt.money_compact(r.get("eac")),
                    fmt.percent(r.get("pct_budget_spent")),
                    fmt.percent(r.get("pct_time_elapsed")),
                    fmt.ratio(cpi),
                    fmt.ratio(spi),
                    fmt.date(next_day),
                    reason,
                    _text(r.get("manager")),
                ),
                tones=(
                    rag_tone(rag),
                    "strong",
                    "dim",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    ratio_tone(cpi),
                    ratio_tone(spi),
                    "",
                    "",
                    "dim",
                ),
                sort=(
                    (int(r.get("attention") or 9), RAG_SORT.get(str(rag), 9)),
                    _text(r.get("name")).casefold(),
                    _text(r.get("project_id")),
                    _text(r.get("reported_rag")),
                    _num(r.get("bac")),
                    _num(r.get("ac")),
                    _num(r.get("eac")),
                    _num(r.get("pct_budget_spent")),
                    _num(r.get("pct_time_elapsed")),
                    cpi,
                    spi,
                    next_day,
                    reason.casefold(),
                    _text(r.get("manager")).casefold(),
                ),
                row_tone="dim" if closed else "",
                search_extra=_text(r.get("programme_name")),
            )
        )
    return rows


# -- red items ------------------------------------------------------------------

RED_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("rag", "RAG", 7, min_width=7),
    GridColumn("name", "Project", 24, flex=True, min_width=12),
    GridColumn("programme", "Programme", 16, priority=3),
    GridColumn("reason", "Why", 48, flex=True, priority=1, min_width=20),
)


RED_COLUMNS_IN_PROGRAMME: tuple[GridColumn, ...] = tuple(
    c for c in RED_COLUMNS if c.key != "programme"
)


def red_rows(frame: pd.DataFrame, *, with_programme: bool = True) -> list[GridRow]:
    """Red projects in the given order (watermelons first); cells match the columns."""
    rows = []
    wanted = (
        "project_id",
        "name",
        "programme_name",
        "rag",
        "watermelon",
        "rag_reason",
        "reported_rag",
    )
    for rank, r in enumerate(_records(frame, wanted)):
        watermelon = bool(r.get("watermelon"))
        reason = _text(r.get("rag_reason"))
        if watermelon:
            reason = f"watermelon: reports {_text(r.get('reported_rag'))}; {reason}"
        name = _text(r.get("name"))
        programme = _text(r.get("programme_name"))
        cells = [rag_cell(r.get("rag"), watermelon), name, programme, reason]
        tones = ["red", "strong", "dim", ""]
        sort: list[Any] = [rank, name.casefold(), programme.casefold(), reason.casefold()]
        if not with_programme:
            del cells[2], tones[2], sort[2]
        rows.append(
            GridRow(
                key=str(r.get("project_id")),
                cells=tuple(cells),
                tones=tuple(tones),
                sort=tuple(sort),
                search_extra=f"{_text(r.get('project_id'))} {programme}",
            )
        )
    return rows


# -- milestones ------------------------------------------------------------------

UPCOMING_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("due", "Due", 10, min_width=10),
    GridColumn("in", "In", 4, align="right", priority=3, title="Days until due"),
    GridColumn("status", "Status", 10, priority=1, min_width=10),
    GridColumn("name", "Milestone", 24, flex=True, min_width=12),
    GridColumn("project", "Project", 18, flex=True, priority=2, min_width=10),
    GridColumn("slip", "Slip", 6, align="right", priority=1, title="Slip in days"),
)


def upcoming_rows(frame: pd.DataFrame, fmt: Formatter) -> list[GridRow]:
    rows = []
    for r in _records(
        frame,
        (
            "milestone_id",
            "project_id",
            "project_name",
            "name",
            "due_date",
            "days_until_due",
            "status",
            "slip_days",
        ),
    ):
        due = _day(r.get("due_date"))
        slip = _num(r.get("slip_days"))
        status = r.get("status")
        rows.append(
            GridRow(
                key=f"{r.get('project_id')}\x1f{r.get('milestone_id')}",
                cells=(
                    fmt.date(due),
                    fmt.number(r.get("days_until_due")) + "d"
                    if r.get("days_until_due") is not None
                    else "n/a",
                    milestone_label(status),
                    _text(r.get("name")),
                    _text(r.get("project_name")),
                    fmt.days(slip),
                ),
                tones=(
                    "",
                    "",
                    milestone_tone(status),
                    "",
                    "dim",
                    "red" if slip and slip > 0 else "",
                ),
                sort=(
                    due,
                    _num(r.get("days_until_due")),
                    _text(status),
                    _text(r.get("name")).casefold(),
                    _text(r.get("project_name")).casefold(),
                    slip,
                ),
                search_extra=f"{_text(r.get('milestone_id'))} {_text(r.get('project_id'))}",
            )
        )
    return rows


#: which timeline character wins when several fall into one narrower cell
_TIMELINE_RANK = {"◆": 4, "◇": 3, "┆": 2, "─": 1, "·": 0}


def squeeze_timeline(text: str, width: int) -> str:
    """The same timeline in ``width`` cells, keeping the markers."""
    if width <= 0 or len(text) <= width:
        return text
    cells = [""] * width
    for i, char in enumerate(text):
        j = i * width // len(text)
        if not cells[j] or _TIMELINE_RANK.get(char, 0) > _TIMELINE_RANK.get(cells[j], 0):
            cells[j] = char
    return "".join(cells)


MILESTONE_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("name", "Milestone", 22, flex=True, min_width=12),
    GridColumn("key", "Key", 3, priority=4, title="Key milestone"),
    GridColumn("baseline", "Baseline", 10, priority=1, min_width=10),
    GridColumn("forecast", "Forecast", 10, priority=1, min_width=10),
    GridColumn("actual", "Actual", 10, priority=3, min_width=10),
    GridColumn("slip", "Slip", 6, align="right", min_width=5, title="Slip in days"),
    GridColumn("status", "Status", 10, min_width=10),
    GridColumn(
        "timeline",
        "Timeline",
        20,
        priority=2,
        flex=True,
        sortable=False,
        min_width=10,
        squeeze=squeeze_timeline,
    ),
    GridColumn("reason", "Why", 36, flex=True, priority=5, min_width=16, title="Status reason"),
    GridColumn("id", "ID", 8, priority=6, title="Milestone id"),
)


def timeline(
    baseline: date | None,
    outcome: date | None,
    start: date,
    span_days: int,
    today: date | None = None,
    *,
    width: int = 20,
) -> str:
    """A one-line text timeline over the project's milestone dates.

    ``◇`` baseline, ``◆`` forecast (or actual), ``─`` the slip between them,
    ``┆`` today.
    """
    cells = ["·"] * width
    if span_days <= 0:
        return "".join(cells)

    def pos(day: date) -> int:
        return max(0, min(width - 1, round((day - start).days / span_days * (width - 1))))

    if today is not None:
        cells[pos(today)] = "┆"
    if baseline is not None and outcome is not None:
        a, b = sorted((pos(baseline), pos(outcome)))
        for i in range(a, b + 1):
            cells[i] = "─"
    if baseline is not None:
        cells[pos(baseline)] = "◇"
    if outcome is not None:
        cells[pos(outcome)] = "◆"
    return "".join(cells)


def milestone_rows(frame: pd.DataFrame, fmt: Formatter, as_of: date) -> list[GridRow]:
    records = list(
        _records(
            frame,
            (
                "milestone_id",
                "name",
                "key",
                "baseline_date",
                "forecast_date",
                "actual_date",
                "slip_days",
                "status",
                "status_reason",
                "slip_days_na",
            ),
        )
    )
    days = [
        d
        for r in records
        for d in (
            _day(r.get("baseline_date")),
            _day(r.get("forecast_date")),
            _day(r.get("actual_date")),
        )
        if d is not None
    ]
    days.append(as_of)
    start, end = min(days), max(days)
    span = (end - start).days
    rows = []
    for r in records:
        baseline, forecast, actual = (
            _day(r.get("baseline_date")),
            _day(r.get("forecast_date")),
            _day(r.get("actual_date")),
        )
        slip = _num(r.get("slip_days"))
        status = r.get("status")
        reason = _text(r.get("status_reason"))
        if slip is None and r.get("slip_days_na"):
            reason = f"{reason}; slip n/a: {_text(r.get('slip_days_na'))}"
        rows.append(
            GridRow(
                key=str(r.get("milestone_id")),
                cells=(
                    _text(r.get("name")),
                    "key" if r.get("key") else "",
                    fmt.date(baseline),
                    fmt.date(forecast),
                    fmt.date(actual),
                    fmt.days(slip),
                    milestone_label(status),
                    timeline(baseline, actual or forecast, start, span, as_of),
                    reason,
                    _text(r.get("milestone_id")),
                ),
                tones=(
                    "strong",
                    "dim",
                    "",
                    "",
                    "",
                    "red" if slip and slip > 0 else "",
                    milestone_tone(status),
                    "accent",
                    "",
                    "dim",
                ),
                sort=(
                    _text(r.get("name")).casefold(),
                    bool(r.get("key")),
                    baseline,
                    forecast,
                    actual,
                    slip,
                    _text(status),
                    None,
                    reason.casefold(),
                    _text(r.get("milestone_id")),
                ),
            )
        )
    return rows


# -- issues ----------------------------------------------------------------------

ISSUE_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("severity", "Severity", 10, min_width=10),
    GridColumn("title", "Title", 30, flex=True, min_width=14),
    GridColumn("owner", "Owner", 14, priority=1, min_width=8),
    GridColumn("age", "Age", 5, align="right", priority=2, title="Age in days"),
    GridColumn("due", "Due", 10, priority=1, min_width=10),
    GridColumn("overdue", "Late", 5, align="right", priority=3, title="Days overdue"),
    GridColumn("status", "Status", 11, priority=3),
    GridColumn("type", "Type", 10, priority=4),
    GridColumn("project", "Project", 18, flex=True, priority=2, min_width=10),
    GridColumn("id", "ID", 8, priority=5, title="Issue id"),
)


ISSUE_COLUMNS_IN_PROJECT: tuple[GridColumn, ...] = tuple(
    c for c in ISSUE_COLUMNS if c.key != "project"
)


class RowMemo(Generic[K, V]):
    """What one caller built last time, by its inputs.

    Rows are pure functions of their inputs, so a row whose inputs did not
    change since the last build is reused instead of formatted again: after a
    live change to issues.csv the triage queue formats the few issues that
    changed, not all 10,000. Only the last build is kept (no growth); a build
    with another formatter (by value) or layout starts afresh.
    """

    def __init__(self) -> None:
        self._layout: tuple[object, ...] = ()
        self._rows: dict[K, V] = {}

    def previous(self, layout: tuple[object, ...]) -> dict[K, V]:
        return self._rows if layout == self._layout else {}

    def keep(self, layout: tuple[object, ...], rows: dict[K, V]) -> None:
        self._layout, self._rows = layout, rows  # one assignment each: safe across threads


_ISSUE_INPUTS = (
    "issue_id",
    "title",
    "severity",
    "owner",
    "age_days",
    "due_date",
    "days_overdue",
    "status",
    "type",
    "project_name",
    "project_id",
    "open",
)


def issue_rows(
    frame: pd.DataFrame,
    fmt: Formatter,
    *,
    with_project: bool = True,
    memo: FrameMemo[GridRow] | None = None,
) -> list[GridRow]:
    """Issue rows (cells match ``ISSUE_COLUMNS``, or ``ISSUE_COLUMNS_IN_PROJECT``).

    An issue without an owner shows as ``— unassigned``. With ``memo``, rows
    whose inputs are unchanged since the memo's last build are reused.
    """
    columns = [c for c in _ISSUE_INPUTS if c in frame]
    has_open = "open" in frame
    layout = (fmt, with_project, has_open, tuple(columns))  # Formatter is frozen: by value
    inputs = frame[columns].reset_index(drop=True)
    rows: list[GridRow | None] = (
        memo.reuse(inputs, "issue_id", layout) if memo is not None else [None] * len(frame)
    )
    todo = [i for i, row in enumerate(rows) if row is None]
    if todo:
        part = inputs.iloc[todo] if len(todo) < len(rows) else inputs
        empty = np.full(len(part), None, dtype=object)
        values = zip(
            *(
                (days if c == "due_date" else objects)(part[c]) if c in part else empty
                for c in _ISSUE_INPUTS
            ),
            strict=True,
        )
        for i, row_values in zip(todo, values, strict=True):
            rows[i] = _issue_row(row_values, fmt, with_project=with_project, has_open=has_open)
    built = cast("list[GridRow]", rows)
    if memo is not None:
        memo.keep(layout, inputs, built)
    return built


def _issue_row(
    values: tuple[Any, ...], fmt: Formatter, *, with_project: bool, has_open: bool
) -> GridRow:
    issue_id, title_, severity, owner_, age_, due_, late_, status_, kind_, project_, pid, open_ = (
        values
    )
    owner = _text(owner_)
    due = _day(due_)
    age = _num(age_)
    late = _num(late_)
    status = _text(status_) or "open"
    is_open = bool(open_) if has_open else status != "closed"
    title = _text(title_)
    project = _text(project_)
    ident = _text(issue_id)
    kind = _text(kind_)
    cells = [
        severity_label(severity),
        title,
        owner or "— unassigned",
        "n/a" if age is None else f"{age:.0f}d",
        fmt.date(due),
        "" if late is None else f"{late:.0f}d",
        status,
        kind,
        project,
        ident,
    ]
    tones = [
        severity_tone(severity),
        "",
        "" if owner else "amber",
        "",
        "",
        "red",
        "",
        "dim",
        "dim",
        "dim",
    ]
    sort: list[Any] = [
        -(int(severity) if severity is not None else 0),
        title.casefold(),
        owner.casefold() if owner else None,
        age,
        due,
        late,
        status,
        kind,
        project.casefold(),
        ident,
    ]
    if not with_project:
        del cells[8], tones[8], sort[8]
    return GridRow(
        key=str(issue_id),
        cells=tuple(cells),
        tones=tuple(tones),
        sort=tuple(sort),
        row_tone="" if is_open else "dim",
        search_extra=f"{_text(pid)} {project}",
    )


# -- costs ------------------------------------------------------------------------


def cost_columns(frame: pd.DataFrame) -> tuple[GridColumn, ...]:
    categories = [c for c in frame.columns if c not in ("period", "total")]
    columns = [GridColumn("period", "Month", 7, min_width=7)]
    for n, category in enumerate(categories):
        label = one_line(category, 14)
        columns.append(
            GridColumn(
                f"cat{n}", label, max(10, len(label)), align="right", priority=2 + n, title=label
            )
        )
    columns.append(GridColumn("total", "Total", 12, align="right", min_width=10))
    columns.append(
        GridColumn("cumulative", "Cumulative", 13, align="right", priority=1, min_width=10)
    )
    return tuple(columns)


def cost_rows(frame: pd.DataFrame, fmt: Formatter, as_of: date) -> list[GridRow]:
    categories = [c for c in frame.columns if c not in ("period", "total")]
    rows = []
    running = 0.0
    periods: list[pd.Timestamp] = list(pd.to_datetime(frame["period"])) if len(frame) else []
    values = {
        c: frame[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in [*categories, "total"]
    }
    for i, period in enumerate(periods):
        total = float(values["total"][i])
        running += 0.0 if math.isnan(total) else total
        month = fmt.month(period)
        future = (period.year, period.month) > (as_of.year, as_of.month)
        cells = [
            month,
            *(fmt.money(values[c][i]) for c in categories),
            fmt.money(total),
            fmt.money(running),
        ]
        rows.append(
            GridRow(
                key=month,
                cells=tuple(cells),
                tones=("", *("" for _ in categories), "strong", ""),
                sort=(month, *(float(values[c][i]) for c in categories), total, running),
                row_tone="dim" if future else "",
            )
        )
    return rows
