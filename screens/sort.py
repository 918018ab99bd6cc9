"""Pick the column a grid sorts by (``s``); picking the current column flips the order."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pmo_tui.widgets.grid import Grid

SortChoice = tuple[str | None, bool]


class SortPicker(ModalScreen[SortChoice | None]):
    """A short list of the grid's sortable columns."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_none", "Cancel", id="sort.cancel"),
        Binding("j", "cursor_down", "Down", show=False, id="sort.down"),
        Binding("k", "cursor_up", "Up", show=False, id="sort.up"),
    ]

    def __init__(self, grid: Grid) -> None:
        super().__init__()
        self.grid = grid

    def compose(self) -> ComposeResult:
        grid = self.grid
        options: list[Option] = []
        highlight = 0
        for column in grid.columns:
            if not column.sortable:
                continue
            mark = "  "
            if column.key == grid.sort_key:
                mark = "▼ " if grid.sort_reverse else "▲ "
                highlight = len(options)
            options.append(Option(Content(f"{mark}{column.name}"), id=column.key))
        options.append(Option(Content("  source order (no sort)"), id="__none__"))
        with Vertical(id="sort-box"):
            yield Static(
                Content("Sort by (enter picks; the current column flips order)"),
                classes="modal-title",
            )
            option_list = OptionList(*options, id="sort-options")
            option_list.highlighted = highlight
            yield option_list

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id
        if key == "__none__" or key is None:
            self.dismiss((None, False))
            return
        if key == self.grid.sort_key:
            self.dismiss((key, not self.grid.sort_reverse))
        else:
            column = self.grid.columns[self.grid.column_index(key)]
            # numbers and dates read best largest/latest first; text A→Z
            self.dismiss((key, column.align == "right"))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()
