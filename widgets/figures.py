"""A block of labelled figures that flows into as many columns as fit.

Used for a project's earned-value figures. A figure that is ``n/a`` is listed
again under the block with its reason, so "why is CPI n/a?" is answered on
screen, not in a tooltip only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from pmo_tui.text import one_line

from .fmt import NA, RAG_LABELS


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    tone: str = ""
    #: why the value is n/a (shown under the block)
    reason: str = ""


class FigureBlock(Widget):
    """Figures as ``LABEL value`` cells in columns; n/a reasons listed below."""

    DEFAULT_CSS = """
    FigureBlock { height: auto; }
    """

    figures: reactive[tuple[Figure, ...]] = reactive((), layout=True)
    heading: reactive[str] = reactive("", layout=True)

    def set_figures(self, figures: Sequence[Figure], heading: str = "") -> None:
        self.heading = heading
        self.figures = tuple(figures)

    def _lines(self, width: int) -> list[Content]:
        figures = self.figures
        lines: list[Content] = []
        if self.heading:
            lines.append(Content.styled(one_line(self.heading), "bold"))
        if not figures:
            return lines
        label_w = max(cell_len(f.label) for f in figures) + 1
        value_w = max(cell_len(f.value) for f in figures)
        cell_w = label_w + value_w + 3
        per_line = max(1, width // cell_w)
        for start in range(0, len(figures), per_line):
            parts: list[Content | tuple[str, str] | str] = []
            for figure in figures[start : start + per_line]:
                style = f"bold $rag-{figure.tone}" if figure.tone in RAG_LABELS else "bold"
                if figure.value == NA:
                    style = "$muted"
                parts += [
                    (one_line(figure.label).ljust(label_w), "$muted"),
                    (one_line(figure.value).rjust(value_w), style),
                    "   ",
                ]
            lines.append(Content.assemble(*parts))
        for figure in figures:
            if figure.value == NA and figure.reason:
                lines.append(
                    Content.assemble(
                        ("  n/a ", "$muted"),
                        (one_line(figure.label), "bold"),
                        (f": {one_line(figure.reason)}", "$muted"),
                    )
                )
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._lines(width)))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.content_region.width or 80))
