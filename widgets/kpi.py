"""KPI tiles: BAC, AC, EAC, CPI, SPI and RAG counts, one glance at the top of a scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
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


class Tile(Widget):
    """One KPI: label, value (compact when narrow) and a note when there is room."""

    kpi: reactive[Kpi | None] = reactive(None)

    def show(self, kpi: Kpi) -> None:
        self.kpi = kpi
        self.set_class(kpi.tone == "red", "-red")
        self.set_class(kpi.tone == "amber", "-amber")
        self.set_class(kpi.tone == "green", "-green")
        self.tooltip = Content(one_line(kpi.tooltip)) if kpi.tooltip else None

    def render(self) -> Content:
        kpi = self.kpi
        if kpi is None:
            return Content("")
        width = self.content_region.width or 20
        value = kpi.value if cell_len(kpi.value) <= width or not kpi.short else kpi.short
        value_style = f"bold $rag-{kpi.tone}" if kpi.tone in RAG_LABELS else "bold"
        parts: list[Content | tuple[str, str] | str] = [
            (one_line(kpi.label, width), "$muted"),
            "\n",
            (one_line(value), value_style),
        ]
        if kpi.note and self.content_region.height >= 3:
            parts += ["\n", (one_line(kpi.note, width), "$muted")]
        return Content.assemble(*parts)


def rag_counts_text(counts: dict[str, int], *, words: bool = True) -> str:
    """``● 3 RED  ◐ 2 AMB  ○ 9 GRN  ? 1 GRY`` (or ``● 3 ◐ 2 ○ 9 ? 1``)."""
    parts = []
    for rag in ("red", "amber", "green", "grey"):
        symbol, word = RAG_LABELS[rag].split()
        parts.append(
            f"{symbol} {counts.get(rag, 0)} {word}" if words else f"{symbol}{counts.get(rag, 0)}"
        )
    return ("  " if words else " ").join(parts)


class KpiStrip(Horizontal):
    """A row of tiles, updated in place."""

    def __init__(self, keys: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys = tuple(keys)

    def compose(self) -> ComposeResult:
        for key in self._keys:
            yield Tile(id=f"kpi-{key}", classes="-rag" if key == "rag" else "")

    def show(self, kpis: Sequence[Kpi]) -> None:
        for kpi in kpis:
            for tile in self.query(f"#kpi-{kpi.key}").results(Tile):
                tile.show(kpi)
