"""``--format md``: the highlight report as GitHub-flavoured Markdown.

Every text from the data is cleaned of control characters and escape
sequences, then backslash-escaped so that it is shown as written: no
emphasis, links, images, code, raw HTML or autolinks can come out of a project
name, and ``|`` cannot break a table. Line breaks inside a cell (notes)
become ``<br>``, which is the only HTML in the file and never comes from data.
Charts cannot be drawn in Markdown; their figures follow as tables (the HTML
report draws them).
"""

from __future__ import annotations

import re
from typing import Any

from pmo_tui.report.blocks import Bullets, Chart, Column, Fact, Facts, Table, Text
from pmo_tui.report.fmt import NA, Formatter, rag_text
from pmo_tui.report.highlight import highlight
from pmo_tui.text import clean

Record = dict[str, Any]

#: characters with an inline meaning in CommonMark/GFM (escaped with a backslash)
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#$@])")
#: the GFM autolink extension links bare URLs (scheme:) and www. names
_SCHEME = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)")
_WWW = re.compile(r"(?i)(\bwww)\.")
#: what would start a block at the beginning of a line: a list item, quote, heading, ...
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")
_NUMERIC = frozenset({"money", "ratio", "percent", "share", "days", "count"})


def escape(text: str, *, line_start: bool = False) -> str:
    """Plain text for inline Markdown: every character that could mean markup escaped.

    With ``line_start`` the text begins a line, so a leading ``-``, ``+``, ``=``,
    ``>`` or ``1.`` (a list, quote or heading underline) is escaped as well.
    """
    text = _SPECIAL.sub(r"\\\1", text)
    text = _WWW.sub(r"\1\\.", _SCHEME.sub(r"\\\1", text))
    if line_start:
        match = _LINE_START.match(text)
        if match:
            lead, mark = match.group(1), match.group(2)
            if mark.isdigit():
                rest = text[match.end() :]
                return f"{lead}{mark}\\{rest}"
            return f"{lead}\\{text[len(lead) :]}"
    return text


def inline(value: Any, *, multiline: bool = False, line_start: bool = False) -> str:
    """Data as inline Markdown text (one line; ``<br>`` between lines when multiline).

    ``line_start``: the text begins a line (leading blanks, which would make an
    indented code block, are dropped; see :func:`escape`).
    """
    if value is None:
        return ""
    text = clean(value, multiline=multiline)
    if multiline:
        return "<br>".join(escape(line) for line in text.split("\n"))
    if line_start:
        return escape(text.lstrip(), line_start=True)
    return escape(text)


def render(data: Record) -> str:
    """The report tree as a Markdown document (ends with a newline)."""
    report = highlight(data)
    fmt = Formatter(report.currency, report.thousands, report.decimal)
    out: list[str] = [f"# {inline(report.title)}", ""]
    if report.rag:
        out += [f"**Overall status: {escape(rag_text(report.rag))}**", ""]
    for section in report.sections:
        out += [f"## {inline(section.title)}", ""]
        for block in section.blocks:
            out += _block(block, fmt)
    return "\n".join(out).rstrip("\n") + "\n"


def _block(block: object, fmt: Formatter) -> list[str]:
    if isinstance(block, Facts):
        return _facts(block, fmt)
    if isinstance(block, Table):
        return [] if block.xlsx_only else _table(block, fmt)
    if isinstance(block, Text):
        prefix = {"warning": "**Warning:** ", "note": "_Note:_ "}.get(block.tone, "")
        return [prefix + inline(block.text, line_start=not prefix), ""]
    if isinstance(block, Bullets):
        head = [f"**{inline(block.title)}**", ""] if block.title else []
        return [*head, *(f"- {inline(item, line_start=True)}" for item in block.items), ""]
    if isinstance(block, Chart):
        what = "monthly figures" if block.kind == "s_curve" else "slips per report date"
        return [
            f"_Chart: {inline(block.title)}. Drawn in the HTML report; the {what} follow._",
            "",
        ]
    raise TypeError(f"unknown report block {type(block).__name__}")


def _facts(block: Facts, fmt: Formatter) -> list[str]:
    lines = [f"**{inline(block.title)}**", ""] if block.title else []
    lines += ["| Item | Value | Note |", "|---|---|---|"]
    for fact in block.items:
        lines.append(f"| {inline(fact.label)} | {_fact_value(fact, fmt)} | {_fact_note(fact)} |")
    return [*lines, ""]


def _fact_value(fact: Fact, fmt: Formatter) -> str:
    if fact.value is None:
        return NA
    text = escape(fmt(fact.value, fact.kind))
    return f"**{text}**" if fact.kind == "rag" else text


def _fact_note(fact: Fact) -> str:
    if fact.value is None and fact.na:
        return inline(fact.na)
    return inline(fact.hint) if fact.hint else ""


def _table(table: Table, fmt: Formatter) -> list[str]:
    lines = [f"**{inline(table.title)}**", ""]
    if table.note:
        lines += [f"_{inline(table.note)}_", ""]
    if not table.rows:
        return [*lines, f"_{inline(table.empty)}._", ""]
    cols = table.columns
    lines.append("| " + " | ".join(inline(c.title) for c in cols) + " |")
    lines.append("|" + "|".join("---:" if c.kind in _NUMERIC else "---" for c in cols) + "|")
    shown = table.rows if table.limit is None else table.rows[: table.limit]
    for row in shown:
        lines.append("| " + " | ".join(_cell(row, c, fmt) for c in cols) + " |")
    if len(shown) < len(table.rows):
        more = len(table.rows) - len(shown)
        lines += [
            "",
            f"_… and {more} more (all {len(table.rows)} are in the xlsx and json reports)._",
        ]
    return [*lines, ""]


def _cell(row: Record, col: Column, fmt: Formatter) -> str:
    value = row.get(col.key)
    if value is None:
        # n/a where the tree gives a reason; a value that is empty by nature is blank
        return NA if (row.get("na") or {}).get(col.key) else ""
    if col.kind == "longtext":
        return inline(fmt(value, "longtext"), multiline=True)
    return escape(fmt(value, col.kind))
