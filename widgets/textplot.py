"""A plotext chart drawn as plain text and coloured by its marker characters.

plotext renders a chart as text. :class:`TextPlot` builds that text once per
size, data and theme, and colours each line by its characters (a series'
marker gets that series' component class, everything else the axis class), so
a repaint is a cache lookup: ``Text.from_ansi`` of plotext's own colour output
took tens of milliseconds per frame. Series differ by marker as well as
colour, so the charts read with ``NO_COLOR`` and on 16 colours.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual_plotext import PlotextPlot

_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


class TextPlot(PlotextPlot):
    """Subclasses draw in :meth:`draw` and say which marker gets which style."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: (width, height, data identity, theme) and the chart's text lines
        self._lines: tuple[tuple[int, int, int, str], list[str]] | None = None
        self._strips: dict[int, Strip] = {}

    # -- for subclasses -------------------------------------------------------------
    def draw(self) -> None:
        """Put the data on ``self.plt`` (cleared already) for the current size."""
        raise NotImplementedError

    def data_identity(self) -> object:
        """The object whose identity says the data changed."""
        raise NotImplementedError

    def marker_styles(self, base: Style) -> dict[str, Style]:
        """Marker character -> its style (``base`` plus a component class)."""
        raise NotImplementedError

    def axis_style(self, base: Style) -> Style:
        raise NotImplementedError

    def marker_start(self, lines: list[str]) -> int:
        """The first column where markers are coloured (axis labels may hold marker
        characters, e.g. digits, left of the frame)."""
        return 0

    def redraw(self) -> None:
        """The data changed: build the text again at the next paint."""
        self._lines = None
        self._strips.clear()
        self.refresh()

    @property
    def has_drawn(self) -> bool:
        return self._lines is not None

    # -- drawing --------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _text_lines(self) -> list[str]:
        width, height = self.size.width, self.size.height
        key = (width, height, id(self.data_identity()), self.app.theme)
        if self._lines is None or self._lines[0] != key:
            plt = self.plt
            plt.clear_figure()
            plt.clear_data()
            self.draw()
            plt.plotsize(width, height)
            plt._set_size(width, height)
            plt.theme("clear")
            self._lines = (key, _ESCAPES.sub("", plt.build()).split("\n"))
            self._strips.clear()
        return self._lines[1]

    def render_line(self, y: int) -> Strip:
        lines = self._text_lines()
        strip = self._strips.get(y)
        if strip is not None:
            return strip
        base = self.rich_style
        styles = self.marker_styles(base)
        axis = self.axis_style(base)
        start = self.marker_start(lines)
        text = lines[y] if y < len(lines) else ""
        segments: list[Segment] = []
        run: list[str] = []
        run_style = axis
        for n, char in enumerate(text):
            style = styles.get(char, axis) if n >= start else axis
            if style is not run_style and run:
                segments.append(Segment("".join(run), run_style))
                run = []
            run_style = style
            run.append(char)
        if run:
            segments.append(Segment("".join(run), run_style))
        strip = Strip(segments).adjust_cell_length(self.size.width, base)
        self._strips[y] = strip
        return strip
