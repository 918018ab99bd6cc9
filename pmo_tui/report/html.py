"""``--format html``: the highlight report as one self-contained HTML file.

Inline CSS and inline SVG charts; no scripts, no external fonts, images,
style sheets or links (only ``#section`` anchors), and a Content-Security-
Policy that forbids loading anything, so even a hostile name that somehow got
through could not run or fetch. Every data text is cleaned of control
characters and HTML-escaped. RAG is a symbol and a word on a coloured badge,
never colour alone. Prints on A4 with repeated table headers and charts kept
whole.
"""

from __future__ import annotations

import html
from typing import Any

from pmo_tui import __version__
from pmo_tui.report.blocks import Bullets, Chart, Column, Fact, Facts, Section, Table, Text
from pmo_tui.report.fmt import NA, Formatter, datetime_text, rag_text
from pmo_tui.report.highlight import highlight
from pmo_tui.report.svg import mta_svg, s_curve_svg
from pmo_tui.text import clean

Record = dict[str, Any]

_NUMERIC = frozenset({"money", "ratio", "percent", "share", "days", "count"})
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

CSS = """
:root { --ink:#1b1f24; --muted:#5b6570; --line:#d5dae0; --head:#eef1f4; --accent:#0b4f8a;
  --red:#b3261e; --amber:#b25e00; --green:#1e7b34; --grey:#6b7280; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #ffffff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
.page { max-width: 1240px; margin: 0 auto; padding: 24px 28px 40px; }
header.top { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px;
  border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 12px; }
header.top h1 { margin: 0; font-size: 26px; line-height: 1.2; }
header.top .scope { margin: 4px 0 0; font-size: 17px; color: var(--muted); }
.badge { font-weight: 700; font-size: 20px; padding: 8px 16px; border-radius: 6px; color: #fff;
  white-space: nowrap; letter-spacing: .04em; }
nav.toc { font-size: 13px; margin: 0 0 8px; color: var(--muted); }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; }
section { margin-top: 26px; }
h2 { font-size: 19px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line);
  color: var(--accent); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 6px 0 10px; }
p.note, p.table-note { color: var(--muted); font-size: 13px; }
p.warning, ul.warning { background: #fff4e5; border-left: 4px solid var(--amber);
  padding: 8px 12px; }
p.warning strong { color: var(--amber); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
  vertical-align: top; }
thead th { background: var(--head); font-weight: 600; border-bottom: 2px solid #b8c0c8;
  white-space: nowrap; }
td:first-child { white-space: nowrap; }
thead th.num, thead th.long { white-space: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.long { white-space: pre-wrap; min-width: 14em; }
table.facts { width: auto; min-width: 50%; }
table.facts th { font-weight: 600; width: 19em; background: none; }
table.facts td.hint { color: var(--muted); }
.wide { overflow-x: auto; }
.na { color: var(--grey); font-style: italic; }
.rag { display: inline-block; font-weight: 700; padding: 0 6px; border-radius: 4px;
  color: #fff; white-space: nowrap; }
.rag-red { background: var(--red); } .rag-amber { background: var(--amber); }
.rag-green { background: var(--green); } .rag-grey { background: var(--grey); }
.flag { color: var(--red); font-weight: 700; white-space: nowrap; }
.more { color: var(--muted); font-style: italic; }
figure { margin: 12px 0 6px; }
figure svg { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 4px; max-width: 900px; }
footer { margin-top: 34px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line);
  padding-top: 8px; }
.badge, .rag { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { size: A4; margin: 12mm 10mm; }
@media print {
  body { font-size: 10pt; }
  .page { max-width: none; padding: 0; }
  nav.toc { display: none; }
  table { font-size: 8pt; }
  th, td { padding: 2px 4px; }
  td.long { min-width: 0; }
  .wide { overflow: visible; }
  thead { display: table-header-group; }
  tr, figure, table.facts { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  section { break-inside: auto; }
  figure svg { border: none; }
}
"""


def esc(value: Any) -> str:
    """Data as HTML text: control characters removed, ``<>&"'`` escaped."""
    return html.escape(clean(value), quote=True)


def render(data: Record) -> str:
    """The report tree as one HTML document."""
    report = highlight(data)
    fmt = Formatter(report.currency, report.thousands, report.decimal)
    title = esc(report.title)
    badge = ""
    if report.rag:
        badge = (
            f'<div class="badge rag-{esc(report.rag)}" title="overall status">'
            f"{esc(rag_text(report.rag))}</div>"
        )
    scope = report.title.split(": ", 1)[-1]
    toc = " ".join(
        f'<a href="#{s.key}">{esc(s.title)}</a>' for s in report.sections if s.key != "header"
    )
    body = "\n".join(_section(s, fmt, data) for s in report.sections)
    generated = datetime_text(str(report.meta.get("generated_at") or ""))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="pmo-tui {esc(__version__)}">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        '<div class="page">\n'
        '<header class="top"><div><h1>Highlight report</h1>'
        f'<p class="scope">{esc(scope)}</p></div>{badge}</header>\n'
        f'<nav class="toc">{toc}</nav>\n<main>\n{body}\n</main>\n'
        f"<footer>Generated by pmo-tui {esc(__version__)} on {esc(generated)}. Figures as of "
        f"{esc(report.meta.get('as_of'))}; the json report of the same run holds every "
        "figure.</footer>\n</div>\n</body>\n</html>\n"
    )


def _section(section: Section, fmt: Formatter, data: Record) -> str:
    parts = [f'<section id="{section.key}">', f"<h2>{esc(section.title)}</h2>"]
    for block in section.blocks:
        parts.append(_block(block, fmt, data))
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _block(block: object, fmt: Formatter, data: Record) -> str:
    if isinstance(block, Facts):
        return _facts(block, fmt)
    if isinstance(block, Table):
        return "" if block.xlsx_only else _table(block, fmt)
    if isinstance(block, Text):
        if block.tone == "warning":
            return f'<p class="warning"><strong>Warning:</strong> {esc(block.text)}</p>'
        return f'<p class="{esc(block.tone)}">{esc(block.text)}</p>'
    if isinstance(block, Bullets):
        head = f"<h3>{esc(block.title)}</h3>" if block.title else ""
        items = "".join(f"<li>{esc(i)}</li>" for i in block.items)
        return f'{head}<ul class="{esc(block.tone)}">{items}</ul>'
    if isinstance(block, Chart):
        if block.kind == "s_curve":
            svg = s_curve_svg(block.data, fmt, str(data.get("as_of") or ""))
        else:
            svg = mta_svg(block.data)
        return (
            f"<figure><h3>{esc(block.title)}</h3>{svg}"
            f"<figcaption>{esc(block.caption)}</figcaption></figure>"
        )
    raise TypeError(f"unknown report block {type(block).__name__}")


def _facts(block: Facts, fmt: Formatter) -> str:
    rows = []
    # in a block of figures they align right; in a block of mostly text, everything left
    figures = sum(f.kind in _NUMERIC for f in block.items) * 2 >= len(block.items)
    for fact in block.items:
        numeric = figures and fact.kind in _NUMERIC
        rows.append(
            f'<tr><th scope="row">{esc(fact.label)}</th>{_fact_value(fact, fmt, numeric)}'
            f'<td class="hint">{_fact_hint(fact)}</td></tr>'
        )
    head = f"<h3>{esc(block.title)}</h3>" if block.title else ""
    return f'{head}<table class="facts"><tbody>{"".join(rows)}</tbody></table>'


def _fact_value(fact: Fact, fmt: Formatter, numeric: bool) -> str:
    cls = ' class="num"' if numeric else ""
    if fact.value is None:
        return f'<td{cls}><span class="na">{NA}</span></td>'
    if fact.kind == "rag":
        return f"<td>{_rag(fact.value)}</td>"
    return f"<td{cls}>{esc(fmt(fact.value, fact.kind))}</td>"


def _fact_hint(fact: Fact) -> str:
    if fact.value is None and fact.na:
        return esc(fact.na)
    return esc(fact.hint) if fact.hint else ""


def _rag(value: Any) -> str:
    key = clean(value).lower()
    return f'<span class="rag rag-{esc(key)}">{esc(rag_text(key))}</span>'


def _table(table: Table, fmt: Formatter) -> str:
    parts = [f"<h3>{esc(table.title)}</h3>"]
    if table.note:
        parts.append(f'<p class="table-note">{esc(table.note)}</p>')
    if not table.rows:
        parts.append(f'<p class="note">{esc(table.empty)}.</p>')
        return "".join(parts)
    head = "".join(f'<th scope="col"{_cls(c)}>{esc(c.title)}</th>' for c in table.columns)
    shown = table.rows if table.limit is None else table.rows[: table.limit]
    body = "".join(
        "<tr>" + "".join(_cell(row, c, fmt) for c in table.columns) + "</tr>" for row in shown
    )
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    parts.append(f'<div class="wide">{table_html}</div>')
    if len(shown) < len(table.rows):
        more = len(table.rows) - len(shown)
        parts.append(
            f'<p class="more">… and {more} more (all {len(table.rows)} are in the xlsx and json '
            "reports).</p>"
        )
    return "".join(parts)


def _cls(col: Column) -> str:
    if col.kind in _NUMERIC:
        return ' class="num"'
    if col.kind in ("date", "datetime"):
        return ' class="date"'
    if col.kind == "longtext":
        return ' class="long"'
    return ""


def _cell(row: Record, col: Column, fmt: Formatter) -> str:
    value = row.get(col.key)
    cls = _cls(col)
    if value is None:
        # n/a where the tree gives a reason; a value that is empty by nature is blank
        reason = (row.get("na") or {}).get(col.key)
        if reason:
            return f'<td{cls}><span class="na" title="{esc(reason)}">{NA}</span></td>'
        return f"<td{cls}></td>"
    if col.kind == "rag":
        return f"<td>{_rag(value)}</td>"
    text = fmt(value, col.kind)
    if col.key in ("flag", "overdue_flag") and text:
        return f'<td><span class="flag">{esc(text)}</span></td>'
    if col.kind == "longtext":
        return f"<td{cls}>{html.escape(text, quote=True)}</td>"
    return f"<td{cls}>{esc(text)}</td>"
