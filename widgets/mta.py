"""Milestone trend analysis (MTA) on the project screen: the chart and the table of slips.

The store keeps each milestone's forecast per report date (``forecast_history``,
recorded at most once a day when the source changes, or backfilled from dated
exports). The chart puts the report date on the x-axis and the forecast date
on the y-axis, one line per milestone: a flat line is a milestone that holds
its date, a rising one slips, and a line that meets the diagonal (forecast =
report date) is done. The table beside it lists, per milestone, the first
recorded forecast, the latest, the total slip between them and how often the
forecast changed.

Which milestones and points are the report's own choice
(:func:`pmo_tui.report.trend.mta_block`, project scope), so the screen and the
HTML report draw the same lines. The store is read in a thread worker, never on
the UI thread. Milestones are told apart by a number as well as by colour.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import pandas as pd
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from pmo_tui.report.trend import mta_block
from pmo_tui.text import one_line

from .fmt import Formatter, milestone_label, milestone_tone
from .grid import Grid, GridColumn, GridRow
from .textplot import TextPlot
from .workers import thread_work

#: line markers, in order (a number per milestone; the legend and the table use them too)
MARKERS = "123456789ABCDEF"
#: colour classes cycled over the lines
COLOURS = 6
DIAGONAL = "·"

HOW_IT_FILLS = (
    "pmo-tui records each milestone's forecast in the triage store whenever the source "
    "changes, at most once per day per milestone, so this chart fills as the days pass. "
    "To see the trend from day one, load past exports: pmo-tui SOURCE --history "
    "FOLDER_OF_DATED_EXPORTS (folders named like 2026-09-30), or pmo-tui db import "
    "--history FOLDER URL for a database."
)


# -- what is drawn (pure) -------------------------------------------------------------------


def _day(value: Any) -> date | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(value).date()


@dataclass(frozen=True)
class MtaLine:
    """One milestone's trend: (report date, forecast or actual date) points and its summary."""

    milestone_id: str
    name: str
    key: bool
    marker: str
    status: str
    baseline: date | None
    points: tuple[tuple[date, date | None], ...]
    first: date | None
    latest: date | None
    #: latest minus first recorded forecast, in days (the slip over the period)
    slip_change: int | None
    #: how often the recorded forecast (or actual) changed
    changes: int
    #: latest minus baseline, in days
    slip_now: int | None


@dataclass(frozen=True)
class MtaData:
    """Everything the MTA view shows for one project."""

    lines: tuple[MtaLine, ...] = ()
    report_dates: tuple[date, ...] = ()
    #: why nothing is drawn (no history yet, no store), or None
    note: str | None = None
    #: which milestones were chosen, when not all of them
    selection: str | None = None
    #: milestones of the project with a recorded history
    candidates: int = 0

    @property
    def drawn(self) -> bool:
        return bool(self.lines)


def mta_data(
    history: pd.DataFrame | None,
    milestones: pd.DataFrame,
    as_of: date,
    *,
    store_note: str | None = None,
) -> MtaData:
    """The project's MTA from ``forecast_history`` rows and its ``metrics.milestones`` rows.

    ``history`` None means the store could not be read (``store_note`` says why).
    """
    block = mta_block(
        history,
        milestones,
        level="project",
        as_of=as_of,
        store_available=history is not None,
        store_note=store_note,
    )
    lines = []
    for n, line in enumerate(block["milestones"]):
        points = []
        values = []
        for p in line["points"]:
            shown = _day(p["actual_date"]) or _day(p["forecast_date"])
            report = _day(p["report_date"])
            if report is not None:
                points.append((report, shown))
            values.append((p["forecast_date"], p["actual_date"]))
        changes = sum(1 for a, b in itertools.pairwise(values) if a != b)
        shown_days = [d for _, d in points if d is not None]
        first = shown_days[0] if shown_days else None
        latest = shown_days[-1] if shown_days else None
        baseline = _day(line["baseline_date"])
        lines.append(
            MtaLine(
                milestone_id=line["milestone_id"],
                name=one_line(line["name"] or line["milestone_id"]),
                key=bool(line["key"]),
                marker=MARKERS[n % len(MARKERS)],
                status=line["status"] or "missing data",
                baseline=baseline,
                points=tuple(points),
                first=first,
                latest=latest,
                slip_change=(latest - first).days if first and latest else None,
                changes=changes,
                slip_now=(latest - baseline).days if latest and baseline else None,
            )
        )
    dates = tuple(d for d in (_day(v) for v in block["report_dates"]) if d is not None)
    return MtaData(
        lines=tuple(lines),
        report_dates=dates,
        note=block["note"],
        selection=block["selection"],
        candidates=int(block["candidates"] or 0),
    )


MTA_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("marker", "#", 2, min_width=2, sortable=False, title="Line on the chart"),
    GridColumn("name", "Milestone", 22, flex=True, min_width=12),
    GridColumn("key", "Key", 3, priority=5, title="Key milestone"),
    GridColumn("baseline", "Baseline", 10, priority=3, min_width=10),
    GridColumn(
        "first", "First fcst", 10, priority=1, min_width=10, title="First recorded forecast"
    ),
    GridColumn("latest", "Latest", 10, min_width=10, title="Latest forecast (or actual)"),
    GridColumn("moved", "Moved", 6, align="right", min_width=6, title="Latest minus first"),
    GridColumn("changes", "Chg", 4, align="right", priority=2, title="Number of changes"),
    GridColumn("slip", "Slip", 6, align="right", priority=2, title="Slip against baseline"),
    GridColumn("status", "Status", 10, priority=4, min_width=10),
)


def mta_rows(data: MtaData, fmt: Formatter) -> list[GridRow]:
    rows = []
    for line in data.lines:
        moved = line.slip_change
        rows.append(
            GridRow(
                key=line.milestone_id,
                cells=(
                    line.marker,
                    line.name,
                    "key" if line.key else "",
                    fmt.date(line.baseline),
                    fmt.date(line.first),
                    fmt.date(line.latest),
                    fmt.days(moved),
                    str(line.changes),
                    fmt.days(line.slip_now),
                    milestone_label(line.status),
                ),
                tones=(
                    "strong",
                    "strong",
                    "dim",
                    "",
                    "",
                    "",
                    "red" if moved and moved > 0 else "green" if moved and moved < 0 else "",
                    "",
                    "red" if line.slip_now and line.slip_now > 0 else "",
                    milestone_tone(line.status),
                ),
                sort=(
                    line.marker,
                    line.name.casefold(),
                    line.key,
                    line.baseline,
                    line.first,
                    line.latest,
                    moved,
                    line.changes,
                    line.slip_now,
                    line.status,
                ),
                search_extra=line.milestone_id,
            )
        )
    return rows


# -- the chart ------------------------------------------------------------------------------


class MtaChart(TextPlot):
    """Forecast date against report date, one numbered line per milestone, and the diagonal."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"mta--c{n}" for n in range(COLOURS)),
        "mta--diagonal",
        "mta--axis",
    }

    DEFAULT_CSS = """
    MtaChart { height: 1fr; min-height: 8; }
    MtaChart > .mta--c0 { color: $rag-red; text-style: bold; }
    MtaChart > .mta--c1 { color: $primary; text-style: bold; }
    MtaChart > .mta--c2 { color: $rag-green; text-style: bold; }
    MtaChart > .mta--c3 { color: $rag-amber; text-style: bold; }
    MtaChart > .mta--c4 { color: $accent; text-style: bold; }
    MtaChart > .mta--c5 { color: $foreground; text-style: bold; }
    MtaChart > .mta--diagonal { color: $muted; }
    MtaChart > .mta--axis { color: $muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data = MtaData()

    def set_data(self, data: MtaData) -> None:
        if data == self.data and self.has_drawn:
            return
        self.data = data
        self.redraw()

    def data_identity(self) -> object:
        return self.data

    def marker_styles(self, base: Style) -> dict[str, Style]:
        styles = {
            m: base + self.get_component_rich_style(f"mta--c{n % COLOURS}", partial=True)
            for n, m in enumerate(MARKERS)
        }
        styles[DIAGONAL] = base + self.get_component_rich_style("mta--diagonal", partial=True)
        return styles

    def axis_style(self, base: Style) -> Style:
        return base + self.get_component_rich_style("mta--axis", partial=True)

    def marker_start(self, lines: list[str]) -> int:
        # digits in the axis labels are not markers: colour markers inside the frame only
        inside = next((line.find("┌") for line in lines if "┌" in line), -1)
        return inside + 1 if inside >= 0 else sys.maxsize

    def draw(self) -> None:
        plt = self.plt
        data = self.data
        width, height = self.size.width, self.size.height
        if not data.drawn or width < 30 or height < 8 or not data.report_dates:
            plt.title("")
            return
        origin = data.report_dates[0]

        def x(day: date) -> float:
            return float((day - origin).days)

        shown = [d for line in data.lines for _, d in line.points if d is not None]
        first, last = data.report_dates[0], data.report_dates[-1]
        low = min([*shown, first])
        high = max([*shown, last])
        # the diagonal: forecast = report date
        span = max(1, (last - first).days)
        steps = max(2, min(width, span + 1))
        xs = [span * k / (steps - 1) for k in range(steps)]
        plt.plot(xs, xs, marker=DIAGONAL, color="white")
        for line in data.lines:
            points = [(x(r), x(d)) for r, d in line.points if d is not None]
            if not points:
                continue
            px, py = zip(*points, strict=True)
            if len(points) == 1:
                plt.scatter(list(px), list(py), marker=line.marker)
            else:
                plt.plot(list(px), list(py), marker=line.marker)
        lo, hi = x(low), x(high)
        pad = max(1.0, (hi - lo) * 0.05)
        plt.ylim(lo - pad, hi + pad)
        plt.xlim(0, max(1.0, float(span)))
        # short x labels (MM-DD within one year: the heading gives the dates in full), few
        # enough that none collide: plotext places colliding labels differently from
        # one process to the next
        short = first.year == last.year
        plt.xticks(*_date_ticks(first, last, max(2, (width - 12) // 12), origin, short=short))
        plt.yticks(*_date_ticks(low, high, max(2, height // 3), origin))


def _date_ticks(
    low: date, high: date, wanted: int, origin: date, *, short: bool = False
) -> tuple[list[float], list[str]]:
    span = max(1, (high - low).days)
    count = max(2, min(wanted, span + 1))
    ticks: list[float] = []
    labels: list[str] = []
    for k in range(count):
        day = low + pd.Timedelta(days=round(span * k / (count - 1)))
        day = day.date() if hasattr(day, "date") else day
        value = float((day - origin).days)
        if ticks and math.isclose(value, ticks[-1]):
            continue
        ticks.append(value)
        labels.append(day.strftime("%m-%d") if short else day.isoformat())
    return ticks, labels


# -- the pane -------------------------------------------------------------------------------


class MtaPane(Vertical):
    """The MTA tab: a note line, the chart and legend, the table of slips.

    ``set_target(project_id, snapshot)`` says what to show; the store is read in
    a thread worker while the pane is visible, and again when a newer snapshot
    (a source change, or a store change such as a backfill) arrives.
    """

    # the rules below name the screen's size classes, so they are not scoped to the pane
    SCOPED_CSS = False
    DEFAULT_CSS = """
    MtaPane { height: 1fr; }
    MtaPane > #mta-note { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    MtaPane > #mta-body { height: 1fr; }
    MtaPane #mta-chart-box { width: 3fr; height: 1fr; }
    MtaPane #mta-legend { height: auto; max-height: 3; padding: 0 1; }
    MtaPane #mta-grid { width: 2fr; height: 1fr; }
    DataScreen.-narrow MtaPane > #mta-body { layout: vertical; }
    DataScreen.-narrow MtaPane #mta-chart-box { width: 1fr; height: 3fr; }
    DataScreen.-narrow MtaPane #mta-grid { width: 1fr; height: 2fr; min-height: 4; }
    DataScreen.-narrow.-short MtaPane #mta-legend { display: none; }
    """

    class Loaded(Message):
        def __init__(self, key: tuple[str, int], data: MtaData) -> None:
            super().__init__()
            self.key = key
            self.data = data

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.project_id: str | None = None
        self.snapshot: Any = None
        self.data: MtaData | None = None
        self._shown_key: tuple[str, int] | None = None
        self._visible = False

    def compose(self) -> ComposeResult:
        yield Static(Content("Reading the forecast history…"), id="mta-note")
        with Horizontal(id="mta-body"):
            with Vertical(id="mta-chart-box"):
                yield MtaChart(id="mta-chart")
                yield Static(id="mta-legend")
            yield Grid(
                MTA_COLUMNS,
                id="mta-grid",
                empty_text="No milestone of this project has a recorded forecast history.",
                selectable=False,
            )

    def on_mount(self) -> None:
        # the table is rebuilt from the store on every read: marking its rows as
        # "changed" would flash the whole table each time the tab is opened
        self.query_one(Grid).highlight_seconds = 0

    # -- what to show ---------------------------------------------------------------------
    def set_target(self, project_id: str, snapshot: Any) -> None:
        self.project_id = project_id
        self.snapshot = snapshot
        if self._visible:
            self.reload()

    def on_show(self) -> None:
        self._visible = True
        self.reload()

    def on_hide(self) -> None:
        self._visible = False

    def _key(self) -> tuple[str, int] | None:
        if self.project_id is None or self.snapshot is None:
            return None
        return (self.project_id, id(self.snapshot))

    def reload(self) -> None:
        key = self._key()
        if key is None or key == self._shown_key:
            return
        self._shown_key = key
        project_id, snapshot = self.project_id, self.snapshot
        assert project_id is not None
        self._read(key, project_id, snapshot)

    @thread_work(group="mta", exclusive=True, description="mta")
    def _read(self, key: tuple[str, int], project_id: str, snapshot: Any) -> None:
        """In a thread: read the store and work out what to draw."""
        store = getattr(self.app, "store", None)
        note = None
        history = None
        if store is None:
            view = getattr(self.app, "triage_view", None)
            reason = getattr(view, "reason", "") or "the triage store is not open"
            note = f"the triage store is not available ({reason})"
        else:
            try:
                history = store.forecast_history(project_id=project_id)
            except Exception as exc:  # a store error is a note on screen, not a crash
                from pmo_tui.errors import describe

                log = getattr(self.app, "_log_exception", None)
                if callable(log):
                    log(exc)
                note = f"the forecast history could not be read: {describe(exc)}"
        milestones = snapshot.rows_for_project("metrics.milestones", project_id)
        data = mta_data(history, milestones, snapshot.as_of, store_note=note)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(key, data))

    def on_mta_pane_loaded(self, message: Loaded) -> None:
        message.stop()
        if message.key != self._key():
            return  # an older read; a newer one follows
        self.show_data(message.data)

    # -- showing ----------------------------------------------------------------------------
    def show_data(self, data: MtaData) -> None:
        self.data = data
        fmt = getattr(self.snapshot, "fmt", None) or Formatter()
        note = self.query_one("#mta-note", Static)
        body = self.query_one("#mta-body")
        if not data.drawn:
            why = data.note or "no forecast history recorded for this project yet"
            if "no forecast history recorded" in why or "none of the milestones" in why:
                why = f"No forecast history for this project yet. {HOW_IT_FILLS}"
            note.update(Content(one_line(why[0].upper() + why[1:])))
            body.display = False
            self.query_one(Grid).set_rows([])
            return
        body.display = True
        dates = data.report_dates
        span = f"{dates[0].isoformat()} to {dates[-1].isoformat()}" if dates else ""
        heading = (
            f"Milestone trend: forecast date (y) per report date (x), {len(dates)} report dates "
            f"{span}; · is forecast = report date (done)."
        )
        if data.selection and data.candidates > len(data.lines):
            heading += f" Showing {data.selection}."
        note.update(Content(heading))
        self.query_one(MtaChart).set_data(data)
        self.query_one("#mta-legend", Static).update(legend(data.lines))
        self.query_one(Grid).set_rows(mta_rows(data, fmt))


#: the chart's line colours (mta--c0 ... mta--c5), for the legend
LEGEND_STYLES = (
    "bold $rag-red",
    "bold $primary",
    "bold $rag-green",
    "bold $rag-amber",
    "bold $accent",
    "bold $foreground",
)


def legend(lines: Sequence[MtaLine]) -> Content:
    parts: list[tuple[str, str] | str] = []
    for n, line in enumerate(lines):
        style = LEGEND_STYLES[n % len(LEGEND_STYLES)]
        parts += [(line.marker, style), f" {one_line(line.name, 30)}", "   "]
    return Content.assemble(*parts)
