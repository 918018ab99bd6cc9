"""Inline SVG charts for the HTML report: the burn S-curve and the MTA chart.

Plain, well-formed SVG 1.1 text (it parses as XML), drawn from the report
tree only: no scripts, no external references, no fonts to load. Every data
text is cleaned of control characters and XML-escaped. Lines differ by colour
*and* dash pattern, so the charts read in greyscale print too; each chart has
a ``<title>`` and ``<desc>`` for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from pmo_tui.report.fmt import Formatter
from pmo_tui.text import one_line

Record = dict[str, Any]

FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\""
#: Okabe-Ito, colour-blind safe (yellow left out: unreadable on white)
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#117733",
)
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def esc(value: Any, limit: int | None = None) -> str:
    """Data as XML text or attribute value (control characters removed, quotes escaped)."""
    return _xml_escape(one_line(value, limit), {'"': "&quot;", "'": "&#39;"})


@dataclass(frozen=True)
class Frame:
    """The plot area inside the SVG and the data ranges it maps."""

    left: float
    top: float
    width: float
    height: float
    x0: float
    x1: float
    y0: float
    y1: float

    def x(self, value: float) -> float:
        span = (self.x1 - self.x0) or 1.0
        return self.left + (value - self.x0) / span * self.width

    def y(self, value: float) -> float:
        span = (self.y1 - self.y0) or 1.0
        return self.top + self.height - (value - self.y0) / span * self.height

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[low, high]`` (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def compact_money(value: float, currency: str) -> str:
    """``€2.5M``, ``€750k``, ``€0`` for axis labels."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if v >= limit:
            text = f"{v / limit:.2f}".rstrip("0").rstrip(".")
            return f"{sign}{currency}{text}{suffix}"
    return f"{sign}{currency}{v:.0f}"


def _polylines(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive known points (a gap breaks the line)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if r]


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _line(points: list[tuple[float, float]], colour: str, dash: str, width: float) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    if len(points) == 1:
        x, y = points[0]
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.5" fill="{colour}"/>'
    return (
        f'<polyline points="{_path(points)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}"{dash_attr} stroke-linejoin="round" stroke-linecap="round"/>'
    )


def _svg_open(width: int, height: int, title: str, desc: str, ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'class="chart" {FONT} font-size="12">'
        f'<title id="{ident}-t">{esc(title)}</title><desc id="{ident}-d">{esc(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
    )


def _empty(width: int, height: int, title: str, message: str, ident: str) -> str:
    return (
        _svg_open(width, height, title, message, ident)
        + f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#555555">'
        f"{esc(message)}</text></svg>"
    )


def _legend(items: Sequence[tuple[str, str, str, str]], x: float, y: float, width: float) -> str:
    """``(label, colour, dash, marker)`` items flowing left to right, wrapping at ``width``."""
    out = []
    cx, cy = x, y
    for label, colour, dash, marker in items:
        w = 44 + 7.4 * len(label)
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 18
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if marker == "line":
            out.append(
                f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(cx + 24)}" y2="{_n(cy)}" '
                f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            )
        else:
            out.append(
                f'<circle cx="{_n(cx + 12)}" cy="{_n(cy)}" r="4" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1"/>'
            )
        out.append(f'<text x="{_n(cx + 30)}" y="{_n(cy + 4)}" fill="#222222">{esc(label)}</text>')
        cx += w
    return "".join(out)


# -- the S-curve -----------------------------------------------------------------------


def _month_label(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{MONTHS[d.month - 1]} {d.year}"


def s_curve_svg(rows: Sequence[Record], fmt: Formatter, as_of: str, ident: str = "burn") -> str:
    """Cumulative PV, EV (estimate, and the measured point) and AC per month, with BAC."""
    width, height = 900, 400
    title = "Budget burn (S-curve)"
    if not rows:
        return _empty(width, height, title, "no monthly figures to draw", ident)
    keys = ("pv", "ev_estimate", "ac", "bac", "ev")
    values = [float(r[k]) for r in rows for k in keys if r.get(k) is not None]
    if not values:
        return _empty(width, height, title, "no planned value or actual cost known", ident)
    top_value = max(values) * 1.05 or 1.0
    low_value = min(0.0, *values)
    ticks = nice_ticks(low_value, top_value)
    frame = Frame(
        88,
        46,
        width - 88 - 24,
        height - 46 - 58,
        0,
        max(1, len(rows) - 1),
        ticks[0],
        max(ticks[-1], top_value),
    )
    desc = (
        f"Monthly cumulative planned value, earned value and actual cost from "
        f"{rows[0]['period'][:7]} to {rows[-1]['period'][:7]} against the budget."
    )
    parts = [_svg_open(width, height, title, desc, ident)]
    parts.append(_grid_y(frame, ticks, lambda v: compact_money(v, fmt.currency)))
    step = max(1, math.ceil(len(rows) / 12))
    for i, r in enumerate(rows):
        x = frame.x(i)
        if i % step == 0 or (i == len(rows) - 1 and len(rows) <= 12):
            parts.append(
                f'<line x1="{_n(x)}" y1="{_n(frame.bottom)}" x2="{_n(x)}" '
                f'y2="{_n(frame.bottom + 5)}" stroke="#555555"/>'
                f'<text x="{_n(x)}" y="{_n(frame.bottom + 19)}" text-anchor="middle" '
                f'fill="#333333">{esc(_month_label(r["period"]))}</text>'
            )
    parts.append(
        f'<text x="{_n(frame.left + frame.width / 2)}" y="{height - 10}" text-anchor="middle" '
        f'fill="#333333">Month (values at month end)</text>'
        f'<text x="16" y="{_n(frame.top + frame.height / 2)}" text-anchor="middle" fill="#333333" '
        f'transform="rotate(-90 16 {_n(frame.top + frame.height / 2)})">'
        f"Cumulative amount ({esc(fmt.currency)})</text>"
    )
    # today
    as_of_month = as_of[:7]
    for i, r in enumerate(rows):
        if r["period"][:7] == as_of_month:
            x = frame.x(i)
            parts.append(
                f'<line x1="{_n(x)}" y1="{_n(frame.top)}" x2="{_n(x)}" y2="{_n(frame.bottom)}" '
                f'stroke="#777777" stroke-dasharray="3 3"/>'
                f'<text x="{_n(x + 4)}" y="{_n(frame.bottom - 6)}" fill="#555555">'
                f"as of {esc(as_of)}</text>"
            )
    series = (
        ("bac", "BAC (budget)", "#555555", "8 4", 2.0),
        ("pv", "PV (planned)", "#0072B2", "", 2.5),
        ("ev_estimate", "EV (estimate)", "#009E73", "6 3", 2.5),
        ("ac", "AC (actual)", "#D55E00", "", 2.5),
    )
    for key, label, colour, dash, lw in series:
        pts = [
            (frame.x(i), frame.y(float(r[key]))) if r.get(key) is not None else None
            for i, r in enumerate(rows)
        ]
        for run in _polylines(pts):
            parts.append(f"<g><title>{esc(label)}</title>{_line(run, colour, dash, lw)}</g>")
    measured = [(i, float(r["ev"])) for i, r in enumerate(rows) if r.get("ev") is not None]
    for i, ev in measured:
        parts.append(
            f"<g><title>EV measured {esc(fmt(ev, 'money'))}</title>"
            f'<circle cx="{_n(frame.x(i))}" cy="{_n(frame.y(ev))}" r="5" fill="#009E73" '
            f'stroke="#ffffff" stroke-width="1.5"/></g>'
        )
    legend = [(label, colour, dash, "line") for _, label, colour, dash, _ in series]
    if measured:
        legend.append(("EV (measured, today)", "#009E73", "", "dot"))
    parts.append(_legend(legend, frame.left, 18, frame.width))
    parts.append(_axes(frame))
    parts.append("</svg>")
    return "".join(parts)


def _grid_y(frame: Frame, ticks: list[float], label: Any) -> str:
    out = []
    for t in ticks:
        if t < frame.y0 - 1e-9 or t > frame.y1 + 1e-9:
            continue
        y = frame.y(t)
        out.append(
            f'<line x1="{_n(frame.left)}" y1="{_n(y)}" x2="{_n(frame.right)}" y2="{_n(y)}" '
            f'stroke="#e3e3e3"/>'
            f'<text x="{_n(frame.left - 8)}" y="{_n(y + 4)}" text-anchor="end" fill="#333333">'
            f"{esc(label(t))}</text>"
        )
    return "".join(out)


def _axes(frame: Frame) -> str:
    return (
        f'<line x1="{_n(frame.left)}" y1="{_n(frame.bottom)}" x2="{_n(frame.right)}" '
        f'y2="{_n(frame.bottom)}" stroke="#333333"/>'
        f'<line x1="{_n(frame.left)}" y1="{_n(frame.top)}" x2="{_n(frame.left)}" '
        f'y2="{_n(frame.bottom)}" stroke="#333333"/>'
    )


# -- the MTA chart ---------------------------------------------------------------------


def _day(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


def date_ticks(low: int, high: int, count: int = 6) -> list[int]:
    """Ordinal days of round dates (month or year starts, or weeks) across ``[low, high]``."""
    span = max(1, high - low)
    if span <= 70:
        step = max(1, math.ceil(span / count / 7)) * 7
        first = date.fromordinal(low)
        first -= timedelta(days=first.weekday())  # Mondays
        out, d = [], first
        while d.toordinal() <= high:
            if d.toordinal() >= low:
                out.append(d.toordinal())
            d += timedelta(days=step)
        return out
    wanted = max(1, math.ceil(span / 30.44 / count))
    months = next(m for m in (1, 2, 3, 6, 12, 24, 60, 120) if m >= wanted)
    d = date.fromordinal(low).replace(day=1)
    out = []
    while d.toordinal() <= high:
        if d.toordinal() >= low and (d.year * 12 + d.month - 1) % months == 0:
            out.append(d.toordinal())
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _date_label(day: int, span: int) -> str:
    d = date.fromordinal(day)
    if span <= 70:
        return d.isoformat()
    return f"{MONTHS[d.month - 1]} {d.year}"


def mta_svg(mta: Record, ident: str = "mta") -> str:
    """Forecast date (y) per report date (x), one line per milestone, with the diagonal."""
    width = 900
    lines = mta.get("milestones") or []
    title = "Milestone trend analysis"
    pts = [
        (_day(p["report_date"]), _day(p["actual_date"] or p["forecast_date"]))
        for line in lines
        for p in line["points"]
        if p.get("report_date") and (p.get("actual_date") or p.get("forecast_date"))
    ]
    if not pts:
        return _empty(width, 300, title, "no forecast history to draw", ident)
    xs = [x for x, _ in pts]
    ys = [y for _, y in pts]
    ys += [_day(line["baseline_date"]) for line in lines if line.get("baseline_date")]
    x0, x1 = min(xs), max(xs)
    if x1 - x0 < 14:
        x0, x1 = x0 - 7, x1 + 7
    y0, y1 = min(ys), max(ys)
    pad = max(7, round((y1 - y0) * 0.06))
    y0, y1 = y0 - pad, y1 + pad
    legend_rows = math.ceil((len(lines) + 1) / 2)
    plot_h = 380
    height = 50 + plot_h + 64 + legend_rows * 18 + 10
    frame = Frame(100, 30, width - 100 - 90, plot_h, x0, x1, y0, y1)
    desc = (
        f"Forecast dates of {len(lines)} milestone(s) as reported on each report date from "
        f"{date.fromordinal(min(xs)).isoformat()} to {date.fromordinal(max(xs)).isoformat()}."
    )
    parts = [_svg_open(width, height, title, desc, ident)]
    yspan, xspan = y1 - y0, x1 - x0
    for t in date_ticks(y0, y1):
        y = frame.y(t)
        parts.append(
            f'<line x1="{_n(frame.left)}" y1="{_n(y)}" x2="{_n(frame.right)}" y2="{_n(y)}" '
            f'stroke="#e3e3e3"/><text x="{_n(frame.left - 8)}" y="{_n(y + 4)}" '
            f'text-anchor="end" fill="#333333">{esc(_date_label(t, yspan))}</text>'
        )
    for t in date_ticks(x0, x1):
        x = frame.x(t)
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(frame.top)}" x2="{_n(x)}" y2="{_n(frame.bottom)}" '
            f'stroke="#efefef"/><line x1="{_n(x)}" y1="{_n(frame.bottom)}" x2="{_n(x)}" '
            f'y2="{_n(frame.bottom + 5)}" stroke="#555555"/><text x="{_n(x)}" '
            f'y="{_n(frame.bottom + 19)}" text-anchor="middle" fill="#333333">'
            f"{esc(_date_label(t, xspan))}</text>"
        )
    # the diagonal: report date = forecast date
    lo, hi = max(x0, y0), min(x1, y1)
    if lo < hi:
        parts.append(
            f'<g><title>report date = forecast date</title><line x1="{_n(frame.x(lo))}" '
            f'y1="{_n(frame.y(lo))}" x2="{_n(frame.x(hi))}" y2="{_n(frame.y(hi))}" '
            f'stroke="#999999" stroke-width="1.5" stroke-dasharray="4 4"/></g>'
        )
    legend = []
    ends: list[tuple[float, float, str, str]] = []
    for n, line in enumerate(lines):
        colour = PALETTE[n % len(PALETTE)]
        dash = DASHES[(n // len(PALETTE) + n) % len(DASHES)]
        points: list[tuple[float, float] | None] = []
        markers = []
        for p in line["points"]:
            when = p.get("actual_date") or p.get("forecast_date")
            if not when:
                points.append(None)
                continue
            xy = (frame.x(_day(p["report_date"])), frame.y(_day(when)))
            points.append(xy)
            fill = colour if p.get("recorded") else "#ffffff"
            markers.append(
                f'<circle cx="{_n(xy[0])}" cy="{_n(xy[1])}" r="3.2" fill="{fill}" '
                f'stroke="{colour}" stroke-width="1.5"/>'
            )
        label = f"{line['milestone_id']} {line.get('name') or ''}".strip()
        body = "".join(_line(run, colour, dash, 2.2) for run in _polylines(points))
        parts.append(f"<g><title>{esc(label)}</title>{body}{''.join(markers)}</g>")
        last = next((p for p in reversed(points) if p is not None), None)
        if last is not None:
            ends.append((last[0], last[1], colour, str(line["milestone_id"])))
        legend.append((one_line(label, 52), colour, dash))
    legend.append(("report date = forecast date (diagonal)", "#999999", "4 4"))
    parts.append(_end_labels(ends))
    parts.append(
        f'<text x="{_n(frame.left + frame.width / 2)}" y="{_n(frame.bottom + 40)}" '
        f'text-anchor="middle" fill="#333333">Report date</text>'
        f'<text x="18" y="{_n(frame.top + frame.height / 2)}" text-anchor="middle" '
        f'fill="#333333" transform="rotate(-90 18 {_n(frame.top + frame.height / 2)})">'
        f"Forecast date (actual when done)</text>"
    )
    parts.append(_axes(frame))
    top = frame.bottom + 62
    col_w = (width - 40) / 2
    for n, (label, colour, dash) in enumerate(legend):
        lx = 20 + (n % 2) * col_w
        ly = top + (n // 2) * 18
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{_n(lx)}" y1="{_n(ly)}" x2="{_n(lx + 26)}" y2="{_n(ly)}" '
            f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            f'<text x="{_n(lx + 32)}" y="{_n(ly + 4)}" fill="#222222">{esc(label)}</text>'
        )
    parts.append(
        f'<text x="{width - 20}" y="{height - 8}" text-anchor="end" fill="#555555" '
        f'font-size="11">filled dot: recorded in the store; open dot: today\'s export</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _end_labels(ends: list[tuple[float, float, str, str]], gap: float = 12.0) -> str:
    """Milestone ids at the line ends, pushed apart vertically so they do not overlap."""
    placed: list[tuple[float, float, str, str]] = []
    for x, wanted, colour, text in sorted(ends, key=lambda e: e[1]):
        y = max(wanted, placed[-1][1] + gap) if placed else wanted
        placed.append((x, y, colour, text))
    return "".join(
        f'<text x="{_n(x + 6)}" y="{_n(y + 4)}" fill="{colour}" font-size="11">'
        f"{esc(text, 14)}</text>"
        for x, y, colour, text in placed
    )
