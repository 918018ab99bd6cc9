"""Figures as text for the markdown and HTML reports (xlsx writes numbers, not text).

Every value comes from the report tree, so the text formats show exactly the
json figures: money to the cent with the configured currency symbol and
thousands/decimal separators, CPI/SPI with two decimals, percentages with one,
days signed. ``None`` is ``n/a`` (the reason travels separately).
Data text is cleaned of control characters and escape sequences here
(:func:`pmo_tui.text.clean`); each format escapes its own markup on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pmo_tui.text import clean

NA = "n/a"
# the same symbols as on screen (widgets/fmt.py RAG_LABELS): filled = worse
RAG_SYMBOLS = {"red": "●", "amber": "◐", "green": "○", "grey": "?"}
RAG_WORDS = {"red": "RED", "amber": "AMBER", "green": "GREEN", "grey": "GREY"}
#: the kinds a table column or fact can have
KINDS = frozenset(
    {
        "text",
        "longtext",
        "money",
        "ratio",
        "percent",
        "share",
        "date",
        "datetime",
        "days",
        "count",
        "rag",
        "bool",
    }
)


@dataclass(frozen=True)
class Formatter:
    """Text for each kind of figure, in the report's currency and separators."""

    currency: str = "€"
    thousands: str = ","
    decimal: str = "."

    def number(self, value: float, places: int) -> str:
        text = f"{abs(value):,.{places}f}"
        if self.thousands != "," or self.decimal != ".":
            text = text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)
        return ("-" if round(value, places) < 0 else "") + text

    def __call__(self, value: Any, kind: str) -> str:
        """``value`` (a report-tree value) as text for a cell of ``kind``."""
        if value is None:
            return NA
        if kind == "money":
            number = self.number(float(value), 2)
            sign = "-" if number.startswith("-") else ""
            return f"{sign}{self.currency}{number.lstrip('-')}"
        if kind == "ratio":
            return self.number(float(value), 2)
        if kind == "percent":
            return self.number(float(value), 1) + "%"
        if kind == "share":
            return self.number(float(value) * 100, 0) + "%"
        if kind == "days":
            days = int(value)
            return f"{days:+d}" if days else "0"
        if kind == "count":
            return self.number(float(value), 0)
        if kind == "rag":
            return rag_text(str(value))
        if kind == "bool":
            return "yes" if value else "no"
        if kind == "datetime":
            return datetime_text(str(value))
        if kind == "longtext":
            return clean(value, multiline=True)
        return clean(value)


def rag_text(rag: str) -> str:
    """``● RED``: RAG as a symbol and a word, never by colour alone."""
    key = rag.lower()
    return f"{RAG_SYMBOLS.get(key, '?')} {RAG_WORDS.get(key, clean(rag).upper())}"


def datetime_text(stamp: str) -> str:
    """``2026-11-26T09:14:03+01:00`` -> ``2026-11-26 09:14 +01:00`` (the tree's local time)."""
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return clean(stamp)
    text = when.strftime("%Y-%m-%d %H:%M")
    if when.tzinfo is not None:
        offset = when.strftime("%z")
        text += f" {offset[:3]}:{offset[3:]}" if offset else ""
    return text


def reported_rag_text(value: Any) -> str:
    """A reported RAG as written (``amber/green``), or an empty string."""
    return "" if value is None else clean(value)
