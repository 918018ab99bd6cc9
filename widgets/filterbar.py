"""The live filter line opened with ``/``: typing filters the active grid as you type."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from .grid import Grid


class FilterBar(Input):
    """An input bound to one grid; enter keeps the filter, escape clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Clear filter", id="filter.cancel"),
        Binding("down", "to_grid", "To table", show=False, id="filter.to_grid"),
    ]

    DEFAULT_CSS = """
    FilterBar { height: 1; border: none; padding: 0 1; display: none; }
    FilterBar.-open { display: block; }
    """

    def __init__(self) -> None:
        super().__init__(
            placeholder="filter: words match anywhere in the row · enter keeps · esc clears"
        )
        self.target: Grid | None = None

    def open_for(self, grid: Grid) -> None:
        self.target = grid
        self.value = grid.filter_text
        self.add_class("-open")
        self.focus()
        self.cursor_position = len(self.value)

    def close(self) -> None:
        self.remove_class("-open")
        if self.target is not None and self.target.is_attached:
            self.target.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.target is not None:
            self.target.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close()

    def action_cancel(self) -> None:
        if self.target is not None:
            self.target.set_filter("")
        self.value = ""
        self.close()

    def action_to_grid(self) -> None:
        self.close()
