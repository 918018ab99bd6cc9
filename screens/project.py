"""The project screen: overview (EVM, burn, forecasts), milestones, costs, issues, notes.

Tabs switch with ``1``–``5`` (or the arrows on the tab bar). The header line
states the RAG with every reason, the reported RAG beside it, and flags a
watermelon. Tables are the virtual ``Grid``: a project with 60 months × 4
categories of costs, or hundreds of issues, paints instantly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static, TabbedContent, TabPane

from pmo_tui.screens import views
from pmo_tui.screens.base import DataScreen, OpenItem
from pmo_tui.screens.project_notes import ProjectNotes, ProjectTriage
from pmo_tui.screens.rows import (
    ISSUE_COLUMNS_IN_PROJECT,
    MILESTONE_COLUMNS,
    cost_columns,
    cost_rows,
    issue_rows,
    milestone_rows,
)
from pmo_tui.screens.scope import Row, _na, _value
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.triage_actions import WRITE_BINDINGS
from pmo_tui.text import one_line
from pmo_tui.widgets.burn import BurnChart, BurnSeries
from pmo_tui.widgets.figures import Figure, FigureBlock
from pmo_tui.widgets.fmt import (
    NA,
    Formatter,
    rag_label,
    rag_tone,
    reported_rag_label,
)
from pmo_tui.widgets.grid import Grid, GridColumn, GridRow
from pmo_tui.widgets.mta import MtaPane
from pmo_tui.widgets.pane import Crumbs, Pane
from pmo_tui.widgets.static import show_content

TABS = ("overview", "milestones", "costs", "issues", "notes", "mta")


def bar(percent: float | None, width: int = 20) -> str:
    """``██████░░░░`` for 0–100 (clipped); empty for n/a."""
    if percent is None:
        return "·" * width
    filled = max(0, min(width, round(percent / 100 * width)))
    return "█" * filled + "░" * (width - filled)


def _num(row: Row | None, column: str) -> float | None:
    value = _value(row, column)
    try:
        return None if value is None else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def evm_figures(row: Row, fmt: Formatter) -> list[Figure]:
    """Every earned-value figure of one project, full figures (no compact forms)."""

    def money(label: str, column: str, tone: str = "") -> Figure:
        value = _value(row, column)
        return Figure(label, fmt.money(value), tone=tone, reason=_na(row, column))

    def ratio(label: str, column: str) -> Figure:
        value = _num(row, column)
        tone = (
            ""
            if value is None
            else ("red" if value < 0.9 else "amber" if value < 0.95 else "green")
        )
        return Figure(label, fmt.ratio(value), tone=tone, reason=_na(row, column))

    cv, sv, vac = _num(row, "cv"), _num(row, "sv"), _num(row, "vac")
    return [
        money("BAC", "bac"),
        money("PV", "pv"),
        money("EV", "ev"),
        money("AC", "ac"),
        money("CV", "cv", "red" if cv is not None and cv < 0 else ""),
        money("SV", "sv", "red" if sv is not None and sv < 0 else ""),
        ratio("CPI", "cpi"),
        ratio("SPI", "spi"),
        money("EAC", "eac"),
        money("EAC atyp.", "eac_atypical"),
        money("ETC", "etc"),
        money("VAC", "vac", "red" if vac is not None and vac < 0 else ""),
        ratio("TCPI", "tcpi"),
        money("Reported EAC", "forecast_cost"),
    ]


def progress_lines(row: Row, fmt: Formatter) -> Content:
    """% spent against % elapsed, burn rate, run-out, and the end-date forecasts."""
    spent, elapsed = _num(row, "pct_budget_spent"), _num(row, "pct_time_elapsed")
    complete = _num(row, "percent_complete")
    lines: list[Content] = []

    def line(label: str, value: float | None, column: str) -> Content:
        reason = _na(row, column)
        text = fmt.percent(value, decimals=1)
        return Content.assemble(
            (label.ljust(14), "$muted"),
            (bar(value), "$accent"),
            " ",
            (text.rjust(7), "bold"),
            (f"  {reason}" if value is None and reason else "", "$muted"),
        )

    lines.append(line("Budget spent", spent, "pct_budget_spent"))
    lines.append(line("Time elapsed", elapsed, "pct_time_elapsed"))
    lines.append(line("Complete", complete, "percent_complete"))
    if spent is not None and elapsed is not None:
        gap = spent - elapsed
        verdict = (
            "spending ahead of time"
            if gap > 5
            else "spending behind time"
            if gap < -5
            else "spending in line with time"
        )
        lines.append(Content.styled(f"{'':14}{verdict} ({gap:+.1f} points)", "$muted"))
    burn = _value(row, "burn_rate")
    run_out = _value(row, "run_out_date")
    margin = _value(row, "run_out_margin_days")
    run_text = fmt.date(run_out) if run_out is not None else f"{NA} ({_na(row, 'run_out_date')})"
    margin_text = f", {fmt.days(margin)} against the planned end" if margin is not None else ""
    lines.append(
        Content.assemble(
            ("Burn rate".ljust(14), "$muted"),
            (
                f"{fmt.money(burn)}/month"
                if burn is not None
                else f"{NA} ({_na(row, 'burn_rate')})",
                "bold",
            ),
            ("  run-out ", "$muted"),
            (run_text, "bold"),
            (margin_text, "$muted"),
        )
    )
    end = fmt.date(_value(row, "end_date"))
    reported = fmt.date(_value(row, "forecast_end_date"))
    computed = fmt.date(_value(row, "computed_end_date"))
    slip = _value(row, "end_slip_days")
    lines.append(
        Content.assemble(
            ("End date".ljust(14), "$muted"),
            ("planned ", "$muted"),
            (end, "bold"),
            ("  reported ", "$muted"),
            (reported, "bold"),
            ("  computed ", "$muted"),
            (computed, "bold"),
            ("  slip ", "$muted"),
            (fmt.days(slip) if slip is not None else NA, "bold"),
        )
    )
    lines.append(
        Content.assemble(
            ("Cost forecast".ljust(14), "$muted"),
            ("reported ", "$muted"),
            (fmt.money(_value(row, "forecast_cost")), "bold"),
            ("  computed EAC ", "$muted"),
            (fmt.money(_value(row, "eac")), "bold"),
            ("  RAG judged on ", "$muted"),
            (one_line(_value(row, "cost_forecast_basis") or NA), "bold"),
        )
    )
    for label, column in (("Cost RAG", "cost_rag"), ("Time RAG", "time_rag")):
        rag = _value(row, column)
        lines.append(
            Content.assemble(
                (label.ljust(14), "$muted"),
                (rag_label(rag), f"bold $rag-{rag_tone(rag)}"),
                "  ",
                one_line(_value(row, f"{column}_reason") or ""),
            )
        )
    return Content("\n").join(lines)


class ProjectScreen(ProjectTriage, DataScreen):
    """One project in tabs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "tab('overview')", "Overview", show=False, id="tab.overview"),
        Binding("2", "tab('milestones')", "Milestones", show=False, id="tab.milestones"),
        Binding("3", "tab('costs')", "Costs", show=False, id="tab.costs"),
        Binding("4", "tab('issues')", "Issues", show=False, id="tab.issues"),
        Binding("5", "tab('notes')", "Notes", show=False, id="tab.notes"),
        Binding("6", "tab('mta')", "Trend", show=False, id="tab.mta"),
        Binding("c", "app.chart", "Chart", id="chart"),
        *WRITE_BINDINGS,
    ]

    def __init__(
        self, project_id: str, *, tab: str = "overview", select: str | None = None
    ) -> None:
        super().__init__()
        self.project_id = project_id
        self.initial_tab = tab if tab in TABS else "overview"
        self.initial_select = select
        #: the snapshot the overview tab shows (None: not filled since the last data)
        self._overview_shown: Snapshot | None = None

    def retarget(
        self, project_id: str, *, tab: str = "overview", select: str | None = None
    ) -> None:
        """Show another project in this (already built) screen: drilling reuses it."""
        changed = project_id != self.project_id
        self.project_id = project_id
        self.initial_tab = tab if tab in TABS else "overview"
        self.initial_select = select
        if not self.is_mounted:
            return
        if changed:
            for grid in self.query(Grid):
                grid.set_filter("")
                grid.set_rows([])
            if self.pmo.snapshot is not None:
                self.show(self.pmo.snapshot)
            for grid in self.query(Grid):
                grid.move_to(0)
        self.query_one(TabbedContent).active = self.initial_tab
        self.call_after_refresh(self._focus_tab, self.initial_tab)

    def warm(self, snapshot: Snapshot) -> None:
        views.project_record(snapshot, self.project_id)
        snapshot.curve("project", self.project_id)
        project_tables(snapshot, self.project_id)

    @property
    def chart_scope(self) -> tuple[str, str | None, str]:
        return ("project", self.project_id, self.project_name())

    def project_name(self) -> str:
        if self.snapshot is None:
            return self.project_id
        row = views.project_record(self.snapshot, self.project_id)
        return self.project_id if row is None else one_line(row.get("name"))

    def compose_body(self) -> ComposeResult:
        yield Static(id="project-header")
        with TabbedContent(initial=self.initial_tab, id="project-tabs"):
            with TabPane("1 Overview", id="overview"), VerticalScroll(id="overview-scroll"):
                with Horizontal(id="overview-top"):
                    with Vertical(id="evm-box"):
                        yield FigureBlock(id="evm")
                    yield Pane(
                        "Burn: cumulative PV · EV · AC vs BAC",
                        BurnChart(id="burn"),
                        hint="c: full screen",
                        id="chart-pane",
                    )
                yield Static(id="progress")
            with TabPane("2 Milestones", id="milestones"):
                yield Pane(
                    "Milestones  (◇ baseline ◆ forecast/actual ─ slip ┆ today)",
                    Grid(
                        MILESTONE_COLUMNS,
                        id="milestone-grid",
                        empty_text="This project has no milestones.",
                        selectable=False,
                    ),
                    id="milestone-pane",
                )
                yield Static(id="milestone-detail", classes="detail-line")
            with TabPane("3 Costs", id="costs"):
                yield Pane(
                    "Actual costs by month and category",
                    Grid(
                        (),
                        id="cost-grid",
                        empty_text="No cost lines for this project.",
                        selectable=False,
                    ),
                    hint="dim: months after today",
                    id="cost-pane",
                )
            with TabPane("4 Issues", id="issues"):
                yield Pane(
                    "Issues and risks",
                    Grid(
                        ISSUE_COLUMNS_IN_PROJECT,
                        id="issue-grid",
                        empty_text="No issues recorded for this project.",
                    ),
                    hint="enter: details",
                    id="issue-pane",
                )
            with TabPane("5 Notes", id="notes"):
                yield ProjectNotes(id="project-notes")
            with TabPane("6 Trend", id="mta"):
                yield MtaPane(id="mta-pane")

    def on_mount(self) -> None:
        self.query_one("#issue-grid", Grid).sort_by("severity")
        self.call_after_refresh(self._focus_tab, self.initial_tab)

    def _focus_tab(self, tab: str) -> None:
        grid_ids = {
            "milestones": "#milestone-grid",
            "costs": "#cost-grid",
            "issues": "#issue-grid",
            "mta": "#mta-grid",
        }
        if tab in grid_ids:
            grid = self.query_one(grid_ids[tab], Grid)
            if self.initial_select and tab == self.initial_tab:
                grid.move_to_key(self.initial_select)
            grid.focus()
        elif tab == "overview":
            self.query_one("#overview-scroll").focus()
        elif tab == "notes":
            self.query_one("#project-notes").focus()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or ""
        snapshot = self.snapshot
        if pane == "overview" and snapshot is not None and self._overview_shown is not snapshot:
            self._show_overview(snapshot)
        if pane != "overview":
            self.call_after_refresh(self._focus_tab, pane)

    def primary_grid(self) -> Grid | None:
        active = self.query_one(TabbedContent).active
        ids = {
            "milestones": "#milestone-grid",
            "costs": "#cost-grid",
            "issues": "#issue-grid",
            "mta": "#mta-grid",
        }
        return self.query_one(ids[active], Grid) if active in ids else None

    # -- data ---------------------------------------------------------------------
    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        fmt = snapshot.fmt
        row = views.project_record(snapshot, self.project_id)
        header = self.query_one("#project-header", Static)
        if row is None:
            self.query_one(Crumbs).set_path(("Portfolio", "?", self.project_id))
            header.update(
                Content(
                    f"Project {one_line(self.project_id)} is not in the current data "
                    "(it may have been removed from the export). Press escape to go back."
                )
            )
            return
        programme = _value(row, "programme_name") or _value(row, "programme_id") or "(no programme)"
        rag = _value(row, "rag")
        self.query_one(Crumbs).set_path(
            ("Portfolio", one_line(programme), one_line(row.get("name"))),
            Content.styled(rag_label(rag), f"bold $rag-{rag_tone(rag)}"),
        )
        parts: list[Content | tuple[str, str] | str] = [
            (rag_label(rag), f"bold $rag-{rag_tone(rag)}"),
            " ",
            one_line(_value(row, "rag_reason") or "no reason given"),
        ]
        reported = _value(row, "reported_rag")
        if reported:
            parts += [("   reported ", "$muted"), (reported_rag_label(reported), "bold")]
        if bool(_value(row, "watermelon")):
            parts += [("  W watermelon", "bold $rag-red")]
        facts = [f"id {one_line(self.project_id)}"]
        for label, column in (("manager", "manager"), ("phase", "phase"), ("status", "status")):
            value = _value(row, column)
            if value:
                facts.append(f"{label} {one_line(value)}")
        facts.append(f"{fmt.date(_value(row, 'start_date'))} → {fmt.date(_value(row, 'end_date'))}")
        parts += ["\n", ("  ·  ".join(facts), "$muted")]
        show_content(header, Content.assemble(*parts))
        self._overview_shown = None
        if self.query_one(TabbedContent).active == "overview":
            self._show_overview(snapshot)

        tables = project_tables(snapshot, self.project_id)  # warmed in the load worker
        self.query_one("#milestone-grid", Grid).set_rows(tables.milestones)
        cost_grid = self.query_one("#cost-grid", Grid)
        cost_grid.set_columns(tables.cost_columns)
        cost_grid.set_rows(tables.costs)
        self.query_one("#cost-pane", Pane).set_hint(
            f"months · total {fmt.money(tables.cost_total)} · dim: months after today"
        )
        self.query_one("#issue-grid", Grid).set_rows(tables.issues)
        self.query_one(MtaPane).set_target(self.project_id, snapshot)
        self.reload_notes()

    def _show_overview(self, snapshot: Snapshot) -> None:
        """The overview tab: EVM figures, progress lines and the burn chart.

        Filled only while the tab shows (and when it is opened): the figures and
        the progress lines ask for a layout pass of the whole screen when they
        change, which held a live refresh of costs.csv on the costs tab back by a
        full repaint it did not need."""
        row = views.project_record(snapshot, self.project_id)
        if row is None:
            return
        fmt = snapshot.fmt
        self.query_one("#evm", FigureBlock).set_figures(
            evm_figures(row, fmt), heading=f"Earned value as of {snapshot.as_of.isoformat()}"
        )
        show_content(self.query_one("#progress", Static), progress_lines(row, fmt))
        frame = snapshot.curve("project", self.project_id)
        self.query_one("#burn", BurnChart).set_series(
            BurnSeries.from_frame(frame, f"{snapshot.as_of:%Y-%m}"), fmt
        )
        self._overview_shown = snapshot

    def on_grid_highlighted(self, event: Grid.Highlighted) -> None:
        if event.grid.id != "milestone-grid" or self.snapshot is None:
            return
        detail = self.query_one("#milestone-detail", Static)
        row = event.grid.cursor_row
        if row is None:
            detail.update(Content(""), layout=False)
            return
        column = event.grid.column_index("reason")
        detail.update(
            Content.assemble((row.cells[0], "bold"), ": ", row.cells[column]), layout=False
        )

    def on_grid_selected(self, event: Grid.Selected) -> None:
        event.stop()
        if event.grid.id == "issue-grid":
            self.post_message(OpenItem("issue", event.key))


@dataclass(frozen=True)
class ProjectTables:
    """The rows of a project's milestone, cost and issue tabs for one snapshot."""

    milestones: list[GridRow]
    cost_columns: tuple[GridColumn, ...]
    costs: list[GridRow]
    cost_total: float
    issues: list[GridRow]


def project_tables(snapshot: Snapshot, project_id: str) -> ProjectTables:
    """Built once per snapshot and project, in the load worker when the screen is visible
    (``warm``), so that a live refresh only swaps rows on the UI thread. Each tab's rows
    are kept by the next snapshot while the tables they come from stay the same (a new
    issues export rebuilds the issue rows only: see ``Snapshot.inherit``)."""
    fmt, as_of = snapshot.fmt, snapshot.as_of

    def milestones() -> list[GridRow]:
        frame = snapshot.rows_for_project("metrics.milestones", project_id)
        return milestone_rows(frame, fmt, as_of)

    def costs() -> tuple[tuple[GridColumn, ...], list[GridRow], float]:
        frame = snapshot.metrics.costs_by_month(project_id)
        total = float(frame["total"].sum()) if len(frame) else 0.0
        return cost_columns(frame), cost_rows(frame, fmt, as_of), total

    def issues() -> list[GridRow]:
        frame = snapshot.rows_for_project("metrics.issues", project_id)
        return issue_rows(frame, fmt, with_project=False)

    def build() -> ProjectTables:
        cost_cols, cost_grid, cost_total = snapshot.cached(
            ("project-costs", project_id), costs, tables=("costs",)
        )
        return ProjectTables(
            milestones=snapshot.cached(
                ("project-milestones", project_id), milestones, tables=("milestones", "projects")
            ),
            cost_columns=cost_cols,
            costs=cost_grid,
            cost_total=cost_total,
            issues=snapshot.cached(
                ("project-issues", project_id), issues, tables=("issues", "projects")
            ),
        )

    tables: ProjectTables = snapshot.cached(("project-tables", project_id), build)
    return tables
