"""KPI tiles: BAC, AC, EAC, CPI, SPI and RAG counts, one glance at the top of a scope.

One widget draws every tile (a widget per tile made the first paint and every
drill-down slower). With 5 rows or more each tile is a box with a label, the
value and a note (the full figure, VAC, or why a value is n/a); with fewer
rows the tiles collapse to two lines, label over value. A red tile has a heavy
border, an amber or green one a coloured border, so the state reads without
colour too (the value itself is a word or a number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from pmo_tui.text import one_line

from .fmt import RAG_LABELS


@dataclass(frozen=True)
class Kpi:
    """One tile: a short label, the value as shown, an optional tone and tooltip."""

    key: str
    label: str
    value: str
    tone: str = ""
    tooltip: str = ""
    #: a third line when there is room (e.g. "VAC -€1.2M" or why it is n/a)
    note: str = ""
    #: the value when the tile is narrow (e.g. RAG counts without the words)
    short: str = ""
    #: relative width
    weight: int = 1


def rag_counts_text(counts: dict[str, int], *, words: bool = True) -> str:
    """``● 3 RED  ◐ 2 AMB  ○ 9 GRN  ? 1 GRY`` (or ``●3 ◐2 ○9 ?1``)."""
    parts = []
    for rag in ("red", "amber", "green", "grey"):
        symbol, word = RAG_LABELS[rag].split()
        count = counts.get(rag, 0)
        parts.append(f"{symbol} {count} {word}" if words else f"{symbol}{count}")
    return ("  " if words else " ").join(parts)


def _cut(text: str, width: int) -> str:
    text = one_line(text)
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…" + " " * (width - 1 - used)


HEAVY = ("┏", "┓", "┗", "┛", "━", "┃")
ROUND = ("╭", "╮", "╰", "╯", "─", "│")


class KpiStrip(Widget):
    """A row of KPI tiles, updated in place with ``show``."""

    DEFAULT_CSS = """
    KpiStrip { height: 5; }
    """

    kpis: reactive[tuple[Kpi, ...]] = reactive((), layout=False)

    def __init__(self, keys: Sequence[str] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys = tuple(keys)

    def show(self, kpis: Sequence[Kpi]) -> None:
        order = {key: n for n, key in enumerate(self._keys)}
        self.kpis = tuple(sorted(kpis, key=lambda k: order.get(k.key, len(order))))
        tips = [f"{k.label}: {k.tooltip}" for k in self.kpis if k.tooltip]
        self.tooltip = Content("\n".join(one_line(t) for t in tips)) if tips else None

    def _widths(self, total: int) -> list[int]:
        weights = [max(1, k.weight) for k in self.kpis]
        unit = total / max(1, sum(weights))
        widths = [int(unit * w) for w in weights]
        widths[-1] += total - sum(widths)
        return widths

    def render(self) -> Content:
        kpis = self.kpis
        if not kpis:
            return Content("")
        width, height = self.size.width or 80, self.size.height or 5
        widths = self._widths(width)
        boxed = height >= 5 and min(widths) >= 8
        return self._boxed(kpis, widths) if boxed else self._compact(kpis, widths)

    @staticmethod
    def _value_style(kpi: Kpi) -> str:
        return f"bold $rag-{kpi.tone}" if kpi.tone in RAG_LABELS else "bold"

    def _compact(self, kpis: tuple[Kpi, ...], widths: list[int]) -> Content:
        labels: list[tuple[str, str] | str] = []
        values: list[tuple[str, str] | str] = []
        for kpi, width in zip(kpis, widths, strict=True):
            inner = max(1, width - 1)
            value = kpi.value if cell_len(kpi.value) <= inner or not kpi.short else kpi.short
            labels += [" ", (_cut(kpi.label, inner), "$muted")]
            values += [" ", (_cut(value, inner), self._value_style(kpi))]
        return Content("\n").join([Content.assemble(*labels), Content.assemble(*values)])

    def _boxed(self, kpis: tuple[Kpi, ...], widths: list[int]) -> Content:
        rows: list[list[tuple[str, str] | str]] = [[] for _ in range(5)]
        for kpi, width in zip(kpis, widths, strict=True):
            inner = width - 4
            heavy = kpi.tone == "red"
            border = (
                f"$rag-{kpi.tone}" if kpi.tone in ("red", "amber", "green") else "$panel-lighten-2"
            )
            tl, tr, bl, br, h, v = (
                ("┏", "┓", "┗", "┛", "━", "┃") if heavy else ("╭", "╮", "╰", "╯", "─", "│")
            )
            value = kpi.value if cell_len(kpi.value) <= inner or not kpi.short else kpi.short
            rows[0].append((tl + h * (width - 2) + tr, border))
            for n, (text, style) in enumerate(
                ((kpi.label, "$muted"), (value, self._value_style(kpi)), (kpi.note, "$muted")),
                start=1,
            ):
                rows[n] += [(v + " ", border), (_cut(text, inner), style), (" " + v, border)]
            rows[4].append((bl + h * (width - 2) + br, border))
        return Content("\n").join(Content.assemble(*row) for row in rows)
