"""The burn chart of a scope, full screen (``c``): the S-curve PV/EV/AC against BAC."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from pmo_tui.text import one_line
from pmo_tui.widgets.burn import BurnChart, BurnSeries
from pmo_tui.widgets.keybar import KeyBar


class ChartScreen(Screen[None]):
    """One S-curve filling the terminal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,c", "close", "Close", id="chart.close"),
    ]

    def __init__(self, level: str, key: str | None, title: str) -> None:
        super().__init__()
        self.level = level
        self.key = key
        self.scope_title = title

    def compose(self) -> ComposeResult:
        yield Static(id="chart-title")
        yield BurnChart(id="chart-full")
        yield Static(
            Content(
                "· PV planned  + EV earned (today's CPI applied back)  * AC actual  ═ BAC  ┆ today"
            ),
            id="chart-legend",
        )
        yield KeyBar()

    def on_mount(self) -> None:
        from pmo_tui.app import PmoApp

        app = self.app
        assert isinstance(app, PmoApp)
        snapshot = app.snapshot
        self.query_one("#chart-title", Static).update(
            Content.assemble(("Burn chart ", "bold"), one_line(self.scope_title, 80))
        )
        if snapshot is None:
            return
        frame = snapshot.curve(self.level, self.key)
        self.query_one(BurnChart).set_series(
            BurnSeries.from_frame(frame, f"{snapshot.as_of:%Y-%m}"), snapshot.fmt
        )

    def action_close(self) -> None:
        self.app.pop_screen()
