"""How numbers, dates and statuses are written on screen (pure Python, no textual).

One place decides the look of every figure so the tables, tiles and detail
panes agree: money right-aligned with thousands separators and the currency
(compact ``€1.2M`` where space is short), ratios with two decimals, dates ISO,
and ``n/a`` for anything missing or undefined.

RAG and the other statuses are written as a symbol *and* a word, so they read
the same with ``NO_COLOR``, on 16 colours and in a screenshot pasted into mail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from pmo_tui.text import one_line

NA = "n/a"

#: RAG as symbol + word; the tone is the style token the widgets colour it with
RAG_LABELS: dict[str, str] = {
    "red": "● RED",
    "amber": "◐ AMB",
    "green": "○ GRN",
    "grey": "? GRY",
}
#: worst first
RAG_ORDER: dict[str, int] = {"red": 0, "amber": 1, "green": 2, "grey": 3}
WATERMELON = "W"

#: milestone status as symbol + word
MILESTONE_LABELS: dict[str, str] = {
    "done": "✓ done",
    "on track": "· on track",
    "at risk": "~ at risk",
    "late": "✗ late",
    "missing data": "? no data",
}
MILESTONE_TONES: dict[str, str] = {
    "done": "dim",
    "on track": "green",
    "at risk": "amber",
    "late": "red",
    "missing data": "grey",
}
SEVERITY_LABELS: dict[int, str] = {4: "▲ critical", 3: "△ high", 2: "· medium", 1: "  low"}
SEVERITY_TONES: dict[int, str] = {4: "red", 3: "amber", 2: "", 1: "dim"}

#: every symbol the screens use, for the help legend: (symbol, tone, meaning)
LEGEND: tuple[tuple[str, str, str], ...] = (
    ("● RED", "red", "red: forecast beyond tolerance (cost or a key milestone)"),
    (
        "◐ AMB",
        "amber",
        "amber: within tolerance but over half of it used, or an open critical issue",
    ),
    ("○ GRN", "green", "green: within tolerance"),
    ("? GRY", "grey", "grey: not enough data to judge"),
    (
        WATERMELON,
        "red",
        "watermelon: the project reports green or amber but its figures say red",
    ),
    ("✓ done", "dim", "milestone done (actual date set)"),
    ("· on track", "green", "milestone forecast on or before its baseline"),
    ("~ at risk", "amber", "milestone slip within the time tolerance"),
    ("✗ late", "red", "milestone slip beyond tolerance, or forecast passed and not done"),
    ("? no data", "grey", "milestone without a usable forecast"),
    ("▲ critical", "red", "issue severity critical (△ high, · medium, blank low)"),
    ("▲ ▼", "", "sort indicator in a column header (ascending, descending)"),
    ("n/a", "dim", "not defined (e.g. CPI with no cost yet); the detail line says why"),
    ("▮ stale", "amber", "a table could not be re-read; its last good rows are shown"),
)


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value) or math.isinf(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def rag_label(rag: Any) -> str:
    key = one_line(rag).lower() if not is_missing(rag) else "grey"
    return RAG_LABELS.get(key, RAG_LABELS["grey"])


def rag_tone(rag: Any) -> str:
    key = one_line(rag).lower() if not is_missing(rag) else "grey"
    return key if key in RAG_LABELS else "grey"


def reported_rag_label(value: Any) -> str:
    """A project's own RAG as it reported it (``amber/red`` -> ``◐ AMB/RED``)."""
    if is_missing(value) or not one_line(value):
        return "–"
    text = one_line(value)
    parts = [p.strip() for p in text.lower().split("/")]
    if not all(p in RAG_LABELS for p in parts):
        return f"? {text}"  # not a RAG word: show what was reported, as text
    words = [RAG_LABELS[p].split()[1] for p in parts]
    symbol = RAG_LABELS[parts[0]].split()[0]
    return f"{symbol} {'/'.join(words)}"


@dataclass(frozen=True)
class Formatter:
    """Number and date formats for one display configuration."""

    currency: str = "€"
    thousands: str = ","
    decimal: str = "."

    def _group(self, number: float, decimals: int) -> str:
        text = f"{abs(number):,.{decimals}f}"
        if self.thousands != "," or self.decimal != ".":
            text = text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)
        return text

    def money(self, value: Any, *, cents: bool = False) -> str:
        """``€1,234,567`` (or with cents), ``-€12``; ``n/a`` when missing."""
        if is_missing(value):
            return NA
        number = float(value)
        digits = 2 if cents else 0
        if not cents:
            number = round(number)
        sign = "-" if number < 0 and round(abs(number), digits) != 0 else ""
        return f"{sign}{self.currency}{self._group(number, digits)}"

    def money_compact(self, value: Any) -> str:
        """``€1.2M``, ``€345k``, ``€12.3bn`` for tiles and narrow columns."""
        if is_missing(value):
            return NA
        number = float(value)
        sign = "-" if number < 0 else ""
        size = abs(number)
        for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
            if size >= limit * 0.9995:
                scaled = size / limit
                text = f"{scaled:.1f}" if scaled < 100 else f"{scaled:.0f}"
                return f"{sign}{self.currency}{text.replace('.', self.decimal)}{suffix}"
        return f"{sign}{self.currency}{size:.0f}"

    def ratio(self, value: Any) -> str:
        """CPI/SPI style: ``0.93``."""
        if is_missing(value):
            return NA
        return f"{float(value):.2f}".replace(".", self.decimal)

    def percent(self, value: Any, *, fraction: bool = False, decimals: int = 0) -> str:
        """``45%``; ``fraction`` when the value is 0..1 rather than 0..100."""
        if is_missing(value):
            return NA
        number = float(value) * (100 if fraction else 1)
        return f"{number:.{decimals}f}%".replace(".", self.decimal)

    def number(self, value: Any) -> str:
        if is_missing(value):
            return NA
        number = float(value)
        sign = "-" if number < 0 else ""
        return sign + self._group(number, 0)

    @staticmethod
    def date(value: Any) -> str:
        """ISO ``2026-11-30``; ``–`` when there is no date."""
        if is_missing(value):
            return "–"
        if isinstance(value, pd.Timestamp | datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return one_line(value)

    @staticmethod
    def month(value: Any) -> str:
        if is_missing(value):
            return "–"
        if isinstance(value, pd.Timestamp | datetime | date):
            return f"{value.year:04d}-{value.month:02d}"
        return one_line(value)

    @staticmethod
    def days(value: Any) -> str:
        """A signed day count: ``+12d``, ``-3d``, ``0d``."""
        if is_missing(value):
            return NA
        number = round(float(value))
        return f"{number:+d}d" if number else "0d"

    @staticmethod
    def when(value: datetime | None) -> str:
        """A timestamp for the status bar: ``2026-11-30 14:05:09``."""
        if value is None:
            return "–"
        return value.strftime("%Y-%m-%d %H:%M:%S")


def severity_label(value: Any) -> str:
    if is_missing(value):
        return "? unknown"
    return SEVERITY_LABELS.get(int(value), f"? {value}")


def severity_tone(value: Any) -> str:
    if is_missing(value):
        return "grey"
    return SEVERITY_TONES.get(int(value), "")


def milestone_label(status: Any) -> str:
    key = "missing data" if is_missing(status) else one_line(status).lower()
    return MILESTONE_LABELS.get(key, f"? {key}")


def milestone_tone(status: Any) -> str:
    key = "missing data" if is_missing(status) else one_line(status).lower()
    return MILESTONE_TONES.get(key, "grey")
