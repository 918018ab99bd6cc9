"""The wall display's views: each is built once and updated in place per snapshot.

A view composes its widgets once; ``show(snapshot)`` hands them new values
(reactive attributes, ``Static.update``), and nothing is mounted or removed
while the kiosk runs, so weeks of refreshes leave no widgets, watchers or
timers behind. Rows come from :mod:`pmo_tui.screens.kiosk_rows`, cached on
the snapshot.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from pmo_tui.screens import kiosk_rows
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.text import one_line
from pmo_tui.widgets.board import Board
from pmo_tui.widgets.burn import BurnChart, BurnSeries
from pmo_tui.widgets.wall import BigFigures, RagHeadline


class KioskView(Vertical):
    """One view of the cycle; ``show`` updates it from a snapshot."""

    DEFAULT_CLASSES = "kiosk-view"
    #: the name in --cycle / [kiosk] cycle
    view = ""

    def __init__(self) -> None:
        super().__init__(id=f"kiosk-{self.view}")
        self.snapshot: Snapshot | None = None

    @property
    def title(self) -> str:
        return kiosk_rows.VIEWS[self.view]

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def subtitle(self, text: str) -> None:
        self.query_one(".kiosk-subtitle", Static).update(Content(one_line(text)), layout=False)

    def show_failure(self, reason: str) -> None:
        """No data could be read at all (the alarm says why)."""


class PortfolioView(KioskView):
    view = "portfolio"

    def compose(self) -> ComposeResult:
        yield RagHeadline(id="kiosk-headline")
        yield BigFigures(id="kiosk-figures")
        yield Static(classes="kiosk-subtitle")
        yield Board(
            kiosk_rows.PROGRAMME_BOARD,
            detail_lines=1,
            more="and {n} more programmes",
            id="kiosk-programmes",
        )

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        head, figures = kiosk_rows.headline(snapshot)
        self.query_one(RagHeadline).show(head)
        self.query_one(BigFigures).show(figures)
        rows = kiosk_rows.programme_board(snapshot)
        self.subtitle(f"Programmes, worst first ({len(rows)})")
        self.query_one(Board).set_rows(rows, empty_text="No programmes in the data.")

    def show_failure(self, reason: str) -> None:
        if self.snapshot is None:
            self.query_one(Board).set_rows([], empty_text="No data: the source could not be read.")


class RedView(KioskView):
    view = "red"

    def compose(self) -> ComposeResult:
        yield Static(classes="kiosk-subtitle")
        yield Board(kiosk_rows.RED_BOARD, big=True, more="and {n} more red projects")

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        rows, total, watermelons = kiosk_rows.red_board(snapshot)
        if total:
            melons = (
                f", {watermelons} watermelon{'s' if watermelons != 1 else ''} "
                "(report green or amber, figures say red) first"
                if watermelons
                else ""
            )
            self.subtitle(f"{total} red project{'s' if total != 1 else ''}{melons}")
        else:
            self.subtitle("No red projects")
        self.query_one(Board).set_rows(
            rows, total=total, empty_text="○ No project is red: every forecast is within tolerance."
        )


class MilestonesView(KioskView):
    view = "milestones"

    def compose(self) -> ComposeResult:
        yield Static(classes="kiosk-subtitle")
        yield Board(kiosk_rows.MILESTONE_BOARD, more="and {n} more milestones")

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        rows, total = kiosk_rows.milestone_board(snapshot)
        days = snapshot.config.display.upcoming_days
        self.subtitle(
            f"{total} milestone{'s' if total != 1 else ''} due in the next {days} days "
            f"(after {snapshot.as_of.isoformat()}), soonest first"
        )
        self.query_one(Board).set_rows(
            rows, total=total, empty_text=f"No milestones due in the next {days} days."
        )


class RisksView(KioskView):
    view = "risks"

    def compose(self) -> ComposeResult:
        yield Static(classes="kiosk-subtitle")
        yield Board(kiosk_rows.RISK_BOARD, big=True, more="and {n} more open")

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        rows, total = kiosk_rows.risk_board(snapshot)
        self.subtitle(
            f"{total} open risk{'s' if total != 1 else ''} and issues; most severe first, "
            "then the longest overdue"
        )
        self.query_one(Board).set_rows(rows, total=total, empty_text="No open risks or issues.")


class BurnView(KioskView):
    view = "burn"

    def compose(self) -> ComposeResult:
        yield Static(id="kiosk-burn-facts")
        yield BurnChart(id="kiosk-burn-chart")
        yield Static(
            Content("· PV planned   + EV earned   * AC actual   ═ BAC budget   ┆ today"),
            id="kiosk-burn-legend",
        )

    def on_mount(self) -> None:
        self.query_one(BurnChart).can_focus = False

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        facts = kiosk_rows.burn_facts(snapshot)
        styles = {"red": "bold $rag-red", "amber": "bold $rag-amber", "green": "bold $rag-green"}
        parts: list[tuple[str, str] | str] = []
        for label, value, tone in facts:
            parts += [(f"{label}\u00a0", "$muted"), (value, styles.get(tone, "bold")), "   "]
        self.query_one("#kiosk-burn-facts", Static).update(Content.assemble(*parts))
        frame = snapshot.curve("portfolio")
        self.query_one(BurnChart).set_series(
            BurnSeries.from_frame(frame, f"{snapshot.as_of:%Y-%m}"), snapshot.fmt
        )


VIEW_CLASSES: dict[str, type[KioskView]] = {
    cls.view: cls for cls in (PortfolioView, RedView, MilestonesView, RisksView, BurnView)
}
