"""The shape shared by the portfolio and programme screens.

KPI tiles on top; the main table (programmes or projects) with the burn chart
beside it; the red items (watermelons first) and the milestones due soon
below. A detail line under the main table says *why* the row under the cursor
has its colour, and why any figure in it is n/a. On a small terminal the
chart is hidden (``c`` opens it full screen) and the panes stack.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.content import Content
from textual.widgets import Static

from pmo_tui.screens import views
from pmo_tui.screens.base import DataScreen, OpenItem
from pmo_tui.screens.rows import RED_COLUMNS, UPCOMING_COLUMNS
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.views import Record
from pmo_tui.text import one_line
from pmo_tui.widgets.burn import BurnChart, BurnSeries
from pmo_tui.widgets.fmt import NA, Formatter, rag_label, rag_tone
from pmo_tui.widgets.grid import Grid, GridColumn, GridRow
from pmo_tui.widgets.kpi import Kpi, KpiStrip, rag_counts_text
from pmo_tui.widgets.pane import Crumbs, Pane

KPI_KEYS = ("bac", "ac", "eac", "cpi", "spi", "rag")


Row = pd.Series | Record


def _na(row: Row | None, column: str) -> str:
    if row is None:
        return ""
    value = row.get(f"{column}_na")
    return "" if value is None or pd.isna(value) else one_line(value)


def _value(row: Row | None, column: str) -> object:
    if row is None:
        return None
    value = row.get(column)
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _count(row: Row | None, column: str) -> int:
    value = _value(row, column)
    try:
        return int(value) if value is not None else 0  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def scope_kpis(row: Row | None, fmt: Formatter) -> list[Kpi]:
    """The tiles for one roll-up row (portfolio or programme)."""
    bac, ac, eac = _value(row, "bac"), _value(row, "ac"), _value(row, "eac")
    cpi, spi = _value(row, "cpi"), _value(row, "spi")
    vac = _value(row, "vac")
    spent = _value(row, "pct_budget_spent")

    def ratio_kpi(key: str, value: object) -> Kpi:
        number = None if value is None else float(value)  # type: ignore[arg-type]
        tone = (
            ""
            if number is None
            else ("red" if number < 0.9 else "amber" if number < 0.95 else "green")
        )
        reason = _na(row, key)
        return Kpi(
            key,
            key.upper(),
            fmt.ratio(value),
            tone=tone,
            note=f"n/a: {reason}" if number is None and reason else "",
            tooltip=reason or f"{key.upper()} {fmt.ratio(value)}",
        )

    rag = _value(row, "rag")
    counts = {c: _count(row, f"n_{c}") for c in ("red", "amber", "green", "grey")}
    watermelons = _count(row, "n_watermelon")
    rag_note = one_line(_value(row, "rag_reason") or "", 120)
    if watermelons:
        rag_note = f"{watermelons} watermelon{'s' if watermelons != 1 else ''} · {rag_note}"
    return [
        Kpi("bac", "BAC", fmt.money_compact(bac), tooltip=fmt.money(bac), note=fmt.money(bac)),
        Kpi(
            "ac",
            "AC",
            fmt.money_compact(ac),
            tooltip=fmt.money(ac),
            note=f"{fmt.percent(spent)} of BAC" if spent is not None else _na(row, "ac"),
        ),
        Kpi(
            "eac",
            "EAC",
            fmt.money_compact(eac),
            tooltip=fmt.money(eac),
            tone="red" if vac is not None and bac and float(vac) < -0.1 * float(bac) else "",  # type: ignore[arg-type]
            note=f"VAC {fmt.money_compact(vac)}" if vac is not None else _na(row, "eac"),
        ),
        ratio_kpi("cpi", cpi),
        ratio_kpi("spi", spi),
        Kpi(
            "rag",
            f"RAG {rag_label(rag)}",
            rag_counts_text(counts),
            short=rag_counts_text(counts, words=False),
            weight=2,
            tone=rag_tone(rag),
            note=rag_note,
            tooltip=one_line(_value(row, "rag_reason") or ""),
        ),
    ]


class DetailLine(Static):
    """Why the row under the cursor has its colour, and which figures are n/a."""


class ScopeScreen(DataScreen):
    """Portfolio or programme: tiles, main table, chart, red items, upcoming milestones."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "app.chart", "Chart", id="chart"),
    ]

    main_title = "Programmes"
    main_columns: tuple[GridColumn, ...] = ()
    main_kind = "programme"
    #: the red-items table names the programme only where there are several
    red_columns: tuple[GridColumn, ...] = RED_COLUMNS

    def compose_body(self) -> ComposeResult:
        yield KpiStrip(KPI_KEYS, id="kpis")
        with Container(id="scope-body"):
            yield Pane(
                self.main_title,
                Grid(self.main_columns, id="main-grid", empty_text="Loading…"),
                hint="enter: open",
                id="main-pane",
            )
            yield Pane(
                "Burn: cumulative PV · EV · AC vs BAC",
                BurnChart(id="burn"),
                hint="c: full screen",
                id="chart-pane",
            )
            yield Pane(
                "Red items — watermelons (W) first",
                Grid(self.red_columns, id="red-grid", empty_text="No red projects."),
                id="red-pane",
            )
            yield Pane(
                "Milestones due soon",
                Grid(
                    UPCOMING_COLUMNS,
                    id="upcoming-grid",
                    empty_text="No milestones due in this window.",
                ),
                id="upcoming-pane",
            )
        yield DetailLine(id="detail")

    def on_mount(self) -> None:
        self.query_one("#main-grid", Grid).focus()

    # -- data ---------------------------------------------------------------------
    @property
    def chart_scope(self) -> tuple[str, str | None, str]:
        raise NotImplementedError

    def scope_row(self, snapshot: Snapshot) -> Record | None:
        raise NotImplementedError

    def scope_programme(self) -> str | None:
        """The programme key this screen shows, or None for the whole portfolio."""
        raise NotImplementedError

    def main_rows(self, snapshot: Snapshot) -> list[GridRow]:
        raise NotImplementedError

    def scope_path(self, snapshot: Snapshot) -> tuple[str, ...]:
        return self.crumbs

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        fmt = snapshot.fmt
        row = self.scope_row(snapshot)
        rag = _value(row, "rag")
        right = Content.styled(f"{rag_label(rag)}", f"bold $rag-{rag_tone(rag)}")
        self.query_one(Crumbs).set_path(self.scope_path(snapshot), right)
        self.query_one(KpiStrip).show(scope_kpis(row, fmt))

        main = self.query_one("#main-grid", Grid)
        main.empty_text = "Nothing in this scope."
        main.set_rows(self.main_rows(snapshot))

        programme = self.scope_programme()
        self.query_one("#red-grid", Grid).set_rows(views.red_grid_rows(snapshot, programme))
        self.query_one("#upcoming-grid", Grid).set_rows(
            views.upcoming_grid_rows(snapshot, programme)
        )
        days = snapshot.config.display.upcoming_days
        self.query_one("#upcoming-pane", Pane).title = f"Milestones due in the next {days} days"
        # the counts in the titles now, in the same frame as the rows (the grids' ViewChanged
        # messages would only bring them a frame later)
        for pane in self.query(Pane):
            pane.update_title()

        self.query_one("#burn", BurnChart).set_series(self.burn_series(snapshot), fmt)
        self.update_detail()

    def burn_series(self, snapshot: Snapshot) -> BurnSeries:
        level, key, _ = self.chart_scope
        frame = snapshot.curve(level, key)
        return BurnSeries.from_frame(frame, f"{snapshot.as_of:%Y-%m}")

    # -- detail line --------------------------------------------------------------
    def detail_for(self, key: str) -> Content:
        return Content("")

    def update_detail(self) -> None:
        grid = (
            self.focused if isinstance(self.focused, Grid) else self.query_one("#main-grid", Grid)
        )
        key = grid.cursor_key
        detail = self.query_one("#detail", DetailLine)
        if key is None or self.snapshot is None:
            detail.update(Content(""), layout=False)
            return
        if grid.id == "upcoming-grid":
            detail.update(self.milestone_detail(key), layout=False)
        elif grid.id == "red-grid":
            detail.update(project_detail(self.snapshot, key), layout=False)
        else:
            detail.update(self.detail_for(key), layout=False)

    def milestone_detail(self, key: str) -> Content:
        assert self.snapshot is not None
        found = views.milestone_reason(self.snapshot, key)
        if found is None:
            return Content("")
        name, project, reason = found
        return Content.assemble(
            (one_line(name, 60), "bold"), f" ({one_line(project, 40)}): ", one_line(reason)
        )

    def on_grid_highlighted(self, event: Grid.Highlighted) -> None:
        self.update_detail()

    def on_descendant_focus(self) -> None:
        if self.is_mounted:
            self.update_detail()

    # -- drilling ----------------------------------------------------------------
    def on_grid_selected(self, event: Grid.Selected) -> None:
        event.stop()
        grid_id = event.grid.id
        if grid_id == "main-grid":
            self.post_message(OpenItem(self.main_kind, event.key))
        elif grid_id == "red-grid":
            self.post_message(OpenItem("project", event.key))
        elif grid_id == "upcoming-grid":
            self.post_message(OpenItem("milestone", event.key))


def project_detail(snapshot: Snapshot, project_id: str) -> Content:
    """``● RED Project: reason · n/a: CPI (why)`` for one project."""
    row = views.project_record(snapshot, project_id)
    if row is None:
        return Content("")
    rag = _value(row, "rag")
    parts: list[Content | tuple[str, str] | str] = [
        (rag_label(rag), f"bold $rag-{rag_tone(rag)}"),
        " ",
        (one_line(row.get("name"), 50), "bold"),
        ": ",
        one_line(_value(row, "rag_reason") or "no reason given"),
    ]
    if bool(_value(row, "watermelon")):
        parts += [
            ("  W reports ", "bold $rag-red"),
            (one_line(_value(row, "reported_rag") or ""), "bold $rag-red"),
        ]
    missing = [
        f"{name.upper()} ({_na(row, name)})"
        for name in ("cpi", "spi", "eac")
        if _value(row, name) is None and _na(row, name)
    ]
    if missing:
        parts += [(f"  {NA}: ", "$muted"), ("; ".join(missing), "$muted")]
    return Content.assemble(*parts)
