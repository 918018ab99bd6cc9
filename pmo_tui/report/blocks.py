"""The building blocks of a rendered report: sections of facts, tables, text and charts.

:mod:`pmo_tui.report.highlight` arranges the report tree into these; the
markdown, HTML and xlsx renderers each know how to draw every block, so the
three show the same sections, rows and figures. Values in blocks are the
report tree's own values (numbers, ISO dates, text); ``kind`` says how to show
them (see :data:`pmo_tui.report.fmt.KINDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"
    #: xlsx column width in characters (None: from the content)
    width: int | None = None


@dataclass(frozen=True)
class Table:
    """Rows of one kind. ``rows[i]["na"]`` may map a column key to its n/a reason."""

    title: str
    columns: tuple[Column, ...]
    rows: list[Row]
    #: xlsx sheet name (at most 31 characters, unique in the workbook)
    sheet: str
    empty: str = "none"
    #: markdown and HTML show at most this many rows (xlsx and json have all)
    limit: int | None = None
    note: str | None = None
    #: only in the xlsx workbook (long-form data behind a chart)
    xlsx_only: bool = False
    #: only in markdown and HTML (a shorter view of a table the workbook has in full)
    text_only: bool = False


@dataclass(frozen=True)
class Fact:
    label: str
    value: Any
    kind: str = "text"
    #: why the value is n/a
    na: str | None = None
    #: a short remark shown after the value ("estimate", "reported")
    hint: str | None = None


@dataclass(frozen=True)
class Facts:
    items: tuple[Fact, ...]
    title: str | None = None


@dataclass(frozen=True)
class Text:
    """A paragraph; ``tone`` is ``plain``, ``note`` or ``warning``."""

    text: str
    tone: str = "plain"


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    title: str | None = None
    tone: str = "plain"


@dataclass(frozen=True)
class Chart:
    """``kind`` ``s_curve`` (data: the ``s_curve`` rows) or ``mta`` (data: the ``mta`` block)."""

    kind: str
    title: str
    data: Any
    #: what the chart shows, in words (alt text, and the caption under it)
    caption: str = ""


Block = Table | Facts | Text | Bullets | Chart


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...]
    #: xlsx sheet for the section's facts, text and bullets
    sheet: str


@dataclass(frozen=True)
class Report:
    title: str
    #: the overall RAG of the scope (for the badge at the top)
    rag: str | None
    sections: tuple[Section, ...]
    currency: str = "€"
    thousands: str = ","
    decimal: str = "."
    meta: dict[str, Any] = field(default_factory=dict)
