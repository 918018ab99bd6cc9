"""A :class:`~pmo_tui.widgets.grid.Grid` whose rows can be marked for a bulk change.

The first column is the mark column (``✓``). Marks are kept by row key, so
they survive refreshes, filtering and sorting; a marked row that leaves the
data (closed elsewhere, removed from the export) is unmarked. Toggling a mark
redraws one line: it does not rebuild the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual.message import Message

from .grid import Grid, GridColumn, GridRow

MARK = "✓"
MARK_COLUMN = GridColumn("mark", MARK, 1, priority=0, min_width=1, title="Marked for a bulk change")


class MarkGrid(Grid):
    """A grid with a mark column (it must be the first column)."""

    class MarksChanged(Message):
        """The set of marked rows changed (for the count in the header)."""

        def __init__(self, grid: MarkGrid) -> None:
            super().__init__()
            self.grid = grid

        @property
        def control(self) -> MarkGrid:
            return self.grid

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        #: marked row keys, in the order they were marked
        self.marked: dict[str, None] = {}

    def _with_mark(self, row: GridRow, marked: bool) -> GridRow:
        cell = MARK if marked else ""
        if row.cells and row.cells[0] == cell:
            return row
        sort = (not marked, *row.sort[1:]) if row.sort else ()
        tones = ("accent", *row.tones[1:]) if row.tones else ()
        return replace(row, cells=(cell, *row.cells[1:]), sort=sort, tones=tones)

    def set_rows(self, rows: Iterable[GridRow]) -> None:
        new_rows = list(rows)
        if self.marked:
            keys = {row.key for row in new_rows}
            gone = [key for key in self.marked if key not in keys]
            for key in gone:
                del self.marked[key]
            new_rows = [
                self._with_mark(row, True) if row.key in self.marked else row for row in new_rows
            ]
            if gone:
                self.post_message(self.MarksChanged(self))
        super().set_rows(new_rows)

    def toggle_mark(self, key: str | None = None) -> bool:
        """Mark or unmark ``key`` (the cursor row by default); True if now marked."""
        key = key if key is not None else self.cursor_key
        if key is None:
            return False
        marked = key not in self.marked
        if marked:
            self.marked[key] = None
        else:
            del self.marked[key]
        self._replace(key, marked)
        self.post_message(self.MarksChanged(self))
        return marked

    def mark_keys(self, keys: Iterable[str], marked: bool = True) -> None:
        for key in keys:
            if marked and key not in self.marked:
                self.marked[key] = None
                self._replace(key, True)
            elif not marked and key in self.marked:
                del self.marked[key]
                self._replace(key, False)
        self.post_message(self.MarksChanged(self))

    def clear_marks(self) -> None:
        self.mark_keys(list(self.marked), marked=False)

    def _replace(self, key: str, marked: bool) -> None:
        index = self._by_key.get(key)
        if index is None:
            return
        self._rows[index] = self._with_mark(self._rows[index], marked)
        self._refresh_keys({key})
