"""The burn chart: cumulative PV, EV and AC per month against the BAC line (S-curve).

Drawn with plotext through textual-plotext's ``PlotextPlot``. Series differ by
marker as well as colour (``·`` PV, ``+`` EV, ``*`` AC, ``═`` BAC) so the chart
reads with ``NO_COLOR`` and on 16 colours. Axis labels are our own formats
(ISO months, compact money), never data text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from rich.style import Style

from .fmt import Formatter
from .textplot import TextPlot

SERIES: tuple[tuple[str, str, str, str], ...] = (
    # column, legend, marker, colour; drawn in this order, so EV is on top where they meet
    ("pv", "PV planned", "·", "blue"),
    ("ac", "AC actual", "*", "red"),
    ("ev", "EV earned", "+", "green"),
)


@dataclass(frozen=True)
class BurnSeries:
    """What the chart draws: month labels and cumulative money per series."""

    months: tuple[str, ...]
    pv: tuple[float, ...]
    ev: tuple[float, ...]
    ac: tuple[float, ...]
    bac: float
    #: index of the as-of month in ``months`` (the "today" line), or -1
    today: int = -1

    @property
    def empty(self) -> bool:
        return not self.months

    @classmethod
    def from_frame(cls, frame: pd.DataFrame | None, as_of_month: str) -> BurnSeries:
        """From an S-curve frame with ``period``, ``pv``, ``ev``, ``ac`` and ``bac``."""
        if frame is None or frame.empty:
            return cls((), (), (), (), math.nan)
        periods = pd.to_datetime(frame["period"])
        months = tuple(f"{p.year:04d}-{p.month:02d}" for p in periods)

        def series(name: str) -> tuple[float, ...]:
            if name not in frame:
                return ()
            return tuple(frame[name].to_numpy(dtype=np.float64, na_value=np.nan).tolist())

        bac_values = series("bac")
        finite_bac = [v for v in bac_values if math.isfinite(v)]
        today = months.index(as_of_month) if as_of_month in months else -1
        ev = series("ev_estimate") if "ev_estimate" in frame else series("ev")
        return cls(
            months,
            series("pv"),
            ev,
            series("ac"),
            finite_bac[-1] if finite_bac else math.nan,
            today,
        )


def _ticks(count: int, wanted: int) -> list[int]:
    if count <= 0:
        return []
    step = max(1, math.ceil(count / max(1, wanted)))
    return list(range(0, count, step))


#: marker character -> component class that colours it
MARKER_CLASSES: dict[str, str] = {
    "·": "burn--pv",
    "+": "burn--ev",
    "*": "burn--ac",
    "═": "burn--bac",
    "┆": "burn--today",
}


class BurnChart(TextPlot):
    """An S-curve for one scope; ``set_series`` replaces the data and redraws.

    plotext draws the chart as text; the widget colours the series by their
    marker characters and caches the lines, so a repaint costs a lookup
    (``Text.from_ansi`` of plotext's colour output took tens of milliseconds
    per frame, which a drill-down cannot afford).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {*MARKER_CLASSES.values(), "burn--axis"}

    DEFAULT_CSS = """
    BurnChart > .burn--pv { color: $primary; }
    BurnChart > .burn--ev { color: $rag-green; text-style: bold; }
    BurnChart > .burn--ac { color: $rag-red; }
    BurnChart > .burn--bac { color: $foreground; text-style: bold; }
    BurnChart > .burn--today { color: $rag-amber; }
    BurnChart > .burn--axis { color: $muted; }
    """

    def __init__(self, fmt: Formatter | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fmt = fmt or Formatter()
        self.series = BurnSeries((), (), (), (), math.nan)

    def set_series(self, series: BurnSeries, fmt: Formatter | None = None) -> None:
        if fmt is not None:
            self.fmt = fmt
        if series == self.series and self.has_drawn:
            return
        self.series = series
        self.redraw()

    def data_identity(self) -> object:
        return self.series

    def marker_styles(self, base: Style) -> dict[str, Style]:
        return {
            char: base + self.get_component_rich_style(name, partial=True)
            for char, name in MARKER_CLASSES.items()
        }

    def axis_style(self, base: Style) -> Style:
        return base + self.get_component_rich_style("burn--axis", partial=True)

    def draw(self) -> None:
        plt = self.plt
        series = self.series
        width, height = self.size.width, self.size.height
        if series.empty or width < 20 or height < 6:
            plt.title("no cost or plan data to draw" if series.empty else "")
            return
        count = len(series.months)
        x = list(range(count))
        top = 0.0
        for column, label, marker, colour in SERIES:
            values = getattr(series, column)
            points = [(i, v) for i, v in zip(x, values, strict=False) if math.isfinite(v)]
            if not points:
                continue
            if column in ("ac", "ev") and series.today >= 0:
                points = [(i, v) for i, v in points if i <= series.today]
            xs, ys = zip(*points, strict=True)
            top = max(top, *ys)
            plt.plot(list(xs), list(ys), label=label, marker=marker, color=colour)
        if math.isfinite(series.bac):
            top = max(top, series.bac)
            plt.plot(x, [series.bac] * count, label="BAC budget", marker="═", color="white")
        if series.today >= 0 and top > 0:
            # a column of "┆" (plotext's vline draws "│", the same as the axes)
            steps = max(2, height)
            levels = [top * 1.1 * k / (steps - 1) for k in range(steps)]
            plt.scatter([float(series.today)] * steps, levels, marker="┆", color="yellow")

        ticks = _ticks(count, max(2, width // 12))
        if series.today >= 0 and width >= 60:
            # "today" replaces month labels that would overlap it
            columns_per_month = max(1.0, (width - 10) / max(1, count))
            ticks = [t for t in ticks if abs(t - series.today) * columns_per_month >= 10]
        labels = [series.months[i] for i in ticks]
        if series.today >= 0 and width >= 60:
            ticks.append(series.today)
            labels.append("today")
        plt.xticks([float(t) for t in ticks], labels)
        if top > 0:
            levels = [top * k / 4 for k in range(5)]
            plt.yticks(levels, [self.fmt.money_compact(v) for v in levels])
            plt.ylim(0, top * 1.12)
        plt.xlim(0, max(1, count - 1))
