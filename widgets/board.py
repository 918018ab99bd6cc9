"""A read-only list for the wall display: few columns, spaced rows, big first cell.

Unlike :class:`~pmo_tui.widgets.grid.Grid` it has no cursor, no focus, no
scrolling and no keys: it shows as many rows as fit and says how many more
there are. Rows are spaced with a blank line when there is room; with
``big=True`` and enough room, each row's first cell (a RAG or severity word)
is drawn three rows tall and the row's detail (the reason) wraps under the
other cells. Everything is plain text rendered through ``Content``; a cell is
never parsed as markup. Updating the rows re-renders this one widget in
place, so a wall display that refreshes for weeks creates no widgets.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from pmo_tui.text import one_line

from .bigtext import HEIGHT as BIG_HEIGHT
from .bigtext import big_lines, big_width
from .grid import fit

Align = Literal["left", "right"]

#: tone token -> Content style
TONE_STYLES: dict[str, str] = {
    "red": "bold $rag-red",
    "amber": "bold $rag-amber",
    "green": "bold $rag-green",
    "grey": "bold $rag-grey",
    "dim": "$muted",
    "strong": "bold",
    "": "",
}


@dataclass(frozen=True)
class BoardColumn:
    key: str
    label: str
    width: int
    align: Align = "left"
    #: takes the spare width
    flex: bool = False
    #: 0 = always shown; higher numbers are dropped first when narrow
    priority: int = 0
    min_width: int = 4


@dataclass(frozen=True)
class BoardRow:
    key: str
    cells: tuple[str, ...]
    tones: tuple[str, ...] = ()
    #: a second line (e.g. the RAG reason), wrapped under the row
    detail: str = ""
    #: the first cell when drawn big (e.g. "RED" for "● RED"); "" = the first cell itself
    big: str = ""


def layout(columns: Sequence[BoardColumn], width: int, gap: int = 2) -> list[tuple[int, int]]:
    """(column index, width) of the columns that fit in ``width``.

    Few whole columns read better from a distance than many cut ones: the
    least important columns (highest ``priority``) are dropped until the rest
    fit at their preferred widths; only then are flex columns (names) narrowed,
    down to their ``min_width``. Spare width goes to the flex columns.
    """
    shown = list(range(len(columns)))

    def need(idx: list[int]) -> int:
        return sum(columns[i].width for i in idx) + gap * max(0, len(idx) - 1)

    while need(shown) > width and any(columns[i].priority > 0 for i in shown):
        worst = max(shown, key=lambda i: (columns[i].priority, i))
        shown.remove(worst)
    widths = {i: columns[i].width for i in shown}
    total = need(shown)
    flex = [i for i in shown if columns[i].flex]
    if total < width and flex:
        spare = width - total
        for n, i in enumerate(flex):
            widths[i] += spare // len(flex) + (1 if n < spare % len(flex) else 0)
    elif total > width:
        excess = total - width
        for i in sorted(shown, key=lambda i: (not columns[i].flex, i)):
            give = min(excess, widths[i] - columns[i].min_width)
            if give > 0:
                widths[i] -= give
                excess -= give
            if excess <= 0:
                break
    return [(i, widths[i]) for i in shown]


def wrap(text: str, width: int, lines: int) -> list[str]:
    """``text`` wrapped to ``width``, at most ``lines`` lines (the last cut with …)."""
    if width <= 1 or lines <= 0 or not text:
        return []
    wrapped = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = fit(wrapped[-1] + " …", width, "left").rstrip()
        if not wrapped[-1].endswith("…"):
            wrapped[-1] = fit(wrapped[-1], width - 1, "left").rstrip() + "…"
    return wrapped


#: big first cells need at least this many rows (a tall terminal, not 80x24)
BIG_MIN_HEIGHT = 24
#: no screen shows more rows than this; longer lists are cut before they are laid out
MAX_SHOWN = 80


class Board(Widget):
    """Rows of a few columns, spaced for reading at a distance; no cursor."""

    DEFAULT_CSS = """
    Board { height: 1fr; }
    """

    rows: reactive[tuple[BoardRow, ...]] = reactive((), layout=False)
    empty_text: reactive[str] = reactive("", layout=False)

    def __init__(
        self,
        columns: Sequence[BoardColumn],
        *,
        big: bool = False,
        detail_lines: int = 2,
        more: str = "and {n} more",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self.big = big
        self.detail_lines = detail_lines
        self.more = more
        #: how many rows there are in all (more than ``rows`` when the caller cut the list)
        self.total = 0

    def set_rows(
        self, rows: Sequence[BoardRow], *, total: int | None = None, empty_text: str | None = None
    ) -> None:
        """Show ``rows`` (the first ``MAX_SHOWN`` are laid out); ``total`` counts all of them."""
        if empty_text is not None:
            self.empty_text = empty_text
        rows = tuple(rows[:MAX_SHOWN])
        self.total = len(rows) if total is None else max(total, len(rows))
        if rows != self.rows:
            self.rows = rows
        else:
            self.refresh()

    # -- rendering ----------------------------------------------------------------
    def _cells_line(
        self, row: BoardRow, plan: list[tuple[int, int]], skip_first: bool = False
    ) -> list[tuple[str, str] | str]:
        parts: list[tuple[str, str] | str] = []
        for n, (i, width) in enumerate(plan):
            if skip_first and n == 0:
                continue
            if parts:
                parts.append("  ")
            column = self.columns[i]
            text = one_line(row.cells[i]) if i < len(row.cells) else ""
            tone = row.tones[i] if i < len(row.tones) else ""
            parts.append((fit(text, width, column.align), TONE_STYLES.get(tone, tone)))
        return parts

    def _header(self, plan: list[tuple[int, int]], indent: int) -> Content:
        parts: list[tuple[str, str] | str] = [" " * indent] if indent else []
        first = True
        for n, (i, width) in enumerate(plan):
            if indent and n == 0:
                continue
            if not first:
                parts.append("  ")
            first = False
            column = self.columns[i]
            parts.append((fit(column.label, width, column.align), "bold $muted"))
        return Content.assemble(*parts)

    def _row_lines(
        self, row: BoardRow, plan: list[tuple[int, int]], width: int, big: bool, indent: int
    ) -> list[Content]:
        if big:
            word = row.big or (row.cells[0] if row.cells else "")
            glyphs = big_lines(word) or [word, "", ""]
            tone = row.tones[0] if row.tones else ""
            style = TONE_STYLES.get(tone, tone)
            rest = max(1, width - indent)
            detail = wrap(one_line(row.detail), rest, BIG_HEIGHT - 1)
            lines = []
            for r in range(BIG_HEIGHT):
                left = (fit(glyphs[r], indent - 2, "left") + "  ", style)
                if r == 0:
                    lines.append(Content.assemble(left, *self._cells_line(row, plan, True)))
                else:
                    text = detail[r - 1] if r - 1 < len(detail) else ""
                    lines.append(Content.assemble(left, (fit(text, rest, "left"), "")))
            return lines
        lines = [Content.assemble(*self._cells_line(row, plan))]
        if row.detail and self.detail_lines:
            for text in wrap(one_line(row.detail), max(1, width - 4), self.detail_lines):
                lines.append(Content.assemble("    ", (text, "$foreground")))
        return lines

    def _plan(self, width: int, big: bool, indent: int) -> list[tuple[int, int]]:
        if big:
            rest = layout(self.columns[1:], max(1, width - indent))
            return [(0, indent), *((i + 1, w) for i, w in rest)]
        return layout(self.columns, width)

    def _fit(self, width: int, height: int) -> tuple[bool, int, bool, list[list[Content]]]:
        """(big?, indent of the big column, spaced?, line blocks of the rows that fit).

        Rows are laid out only until the height is used up, so a long list
        (thousands of open issues) costs what is shown, not what exists. Rows
        are spaced by a blank line when all of them fit that way (always in
        big mode); otherwise they are packed to show as many as possible.
        """
        rows = self.rows
        firsts = [r.big or (r.cells[0] if r.cells else "") for r in rows]
        indent = max((big_width(w) for w in firsts), default=0) + 2
        big = (
            self.big
            and height >= BIG_MIN_HEIGHT
            and all(big_lines(w) for w in firsts)
            and width >= indent + 60
        )
        plan = self._plan(width, big, indent)
        body = height - 1  # the header
        total = max(self.total, len(rows))
        blocks: list[list[Content]] = []
        lines = 0
        for row in rows:
            if lines >= body:
                break
            block = self._row_lines(row, plan, width, big, indent)
            blocks.append(block)
            lines += len(block)

        def take(gap: int) -> list[list[Content]]:
            taken: list[list[Content]] = []
            used = 0
            for n, block in enumerate(blocks):
                step = (gap if n else 0) + len(block)
                reserve = 1 if n < total - 1 else 0
                if used + step + reserve > body:
                    break
                taken.append(block)
                used += step
            return taken

        spaced = take(1)
        if big or len(spaced) == total:
            return big, indent, True, spaced
        return big, indent, False, take(0)

    def shown_keys(self) -> list[str]:
        """The keys of the rows on screen now (the rest are counted as "more")."""
        if not self.rows:
            return []
        _, _, _, blocks = self._fit(self.size.width or 80, self.size.height or 10)
        return [row.key for row in self.rows[: len(blocks)]]

    def render(self) -> Content:
        width, height = self.size.width or 80, self.size.height or 10
        if not self.rows:
            return Content.styled(one_line(self.empty_text), "bold")
        big, indent, spaced, blocks = self._fit(width, height)
        plan = self._plan(width, big, indent)
        out: list[Content] = [self._header(plan, indent if big else 0)]
        for n, block in enumerate(blocks):
            if spaced and n:
                out.append(Content(""))
            out.extend(block)
        hidden = max(len(self.rows), self.total) - len(blocks)
        if hidden > 0:
            out.append(Content.styled(f"  … {self.more.format(n=hidden)}", "bold $muted"))
        return Content("\n").join(out)
