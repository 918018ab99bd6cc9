"""``--format xlsx``: the highlight report as a workbook (XlsxWriter).

One sheet per section (its facts and notes) and one per table, all rows (no
cut-off as in markdown/HTML). Figures are real numbers with number formats:
money in the configured currency, CPI/SPI ``0.00``, percentages as percent,
dates as Excel dates, days signed. Every table has a frozen header row, an
autofilter and column widths; an n/a figure says ``n/a`` and carries its
reason as a cell comment (a value the tree leaves empty without a reason, such
as AC after today, stays blank so that charts show a gap). The S-curve has a
native line chart, the MTA a native scatter chart.

Data is never a formula: the workbook is written with ``strings_to_formulas``
(and urls, numbers) off and every string with ``write_string``; a string that
a spreadsheet would read as a formula once edited or exported to CSV
(``=``, ``+``, ``-``, ``@``, tab, CR) also gets Excel's quote prefix, which
keeps it literal text. Control characters are removed; text longer than
Excel's 32,767-character cell limit is cut with a marker.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pmo_tui.report.blocks import Bullets, Chart, Fact, Facts, Report, Section, Table, Text
from pmo_tui.report.fmt import NA, rag_text
from pmo_tui.report.highlight import highlight
from pmo_tui.text import clean

Record = dict[str, Any]

EXCEL_CELL_LIMIT = 32_767
#: comments with n/a reasons per workbook (each costs a VML shape)
COMMENT_LIMIT = 2_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
RAG_FILL = {"red": "#B3261E", "amber": "#B25E00", "green": "#1E7B34", "grey": "#6B7280"}


def money_format(currency: str) -> str:
    """``"€"#,##0.00`` with negatives in red; a quote in the symbol is dropped."""
    symbol = currency.replace('"', "").replace("\\", "")
    quoted = f'"{symbol}"' if symbol else ""
    return f"{quoted}#,##0.00;[Red]-{quoted}#,##0.00"


class _Styles:
    """The workbook's cell formats, by column kind."""

    def __init__(self, book: Workbook, currency: str) -> None:
        base = {"font_name": "Calibri", "font_size": 11, "valign": "top"}
        self.book = book
        self.title = book.add_format({**base, "bold": True, "font_size": 15})
        self.subtitle = book.add_format({**base, "bold": True, "font_size": 12})
        self.note = book.add_format({**base, "italic": True, "font_color": "#5B6570"})
        self.warning = book.add_format(
            {**base, "bold": True, "font_color": "#B25E00", "text_wrap": False}
        )
        self.header = book.add_format(
            {
                **base,
                "bold": True,
                "bg_color": "#DDE3EA",
                "bottom": 2,
                "text_wrap": True,
                "valign": "bottom",
            }
        )
        self.label = book.add_format({**base, "bold": True})
        self.na = book.add_format(
            {**base, "italic": True, "font_color": "#6B7280", "align": "right"}
        )
        self.kinds: dict[str, Format] = {
            "text": book.add_format(base),
            "longtext": book.add_format({**base, "text_wrap": True}),
            "money": book.add_format({**base, "num_format": money_format(currency)}),
            "ratio": book.add_format({**base, "num_format": "0.00"}),
            "percent": book.add_format({**base, "num_format": "0.0%"}),
            "share": book.add_format({**base, "num_format": "0%"}),
            "date": book.add_format({**base, "num_format": "yyyy-mm-dd", "align": "left"}),
            "datetime": book.add_format(
                {**base, "num_format": "yyyy-mm-dd hh:mm", "align": "left"}
            ),
            "days": book.add_format({**base, "num_format": "+0;-0;0"}),
            "count": book.add_format({**base, "num_format": "#,##0"}),
            "bool": book.add_format(base),
        }
        self.quoted = {
            "text": book.add_format({**base, "quote_prefix": True}),
            "longtext": book.add_format({**base, "text_wrap": True, "quote_prefix": True}),
        }
        self.rag = {
            key: book.add_format(
                {**base, "bold": True, "font_color": "#FFFFFF", "bg_color": colour}
            )
            for key, colour in RAG_FILL.items()
        }


class _Writer:
    def __init__(self, book: Workbook, styles: _Styles) -> None:
        self.book = book
        self.styles = styles
        self.names: set[str] = set()
        self.comments = 0
        self.sheets: dict[str, Worksheet] = {}

    # -- sheets ---------------------------------------------------------------------

    def sheet(self, wanted: str) -> Worksheet:
        name = _SHEET_BAD.sub(" ", wanted).strip("'")[:31] or "Sheet"
        base, n = name, 2
        while name.lower() in self.names:
            suffix = f" {n}"
            name = base[: 31 - len(suffix)] + suffix
            n += 1
        self.names.add(name.lower())
        ws = self.book.add_worksheet(name)
        self.sheets[name] = ws
        return ws

    # -- cells ----------------------------------------------------------------------

    def text(self, ws: Worksheet, r: int, c: int, value: Any, kind: str = "text") -> None:
        multiline = kind == "longtext"
        text = clean(value, multiline=multiline)
        if len(text) > EXCEL_CELL_LIMIT:
            marker = f"… (cut: {len(text):,} characters; the json report has all)"
            text = text[: EXCEL_CELL_LIMIT - len(marker)] + marker
        style_kind = "longtext" if multiline else "text"
        if text.startswith(_FORMULA_START):
            ws.write_string(r, c, text, self.styles.quoted[style_kind])
        else:
            ws.write_string(r, c, text, self.styles.kinds[style_kind])

    def value(
        self, ws: Worksheet, cell: tuple[int, int], value: Any, kind: str, reason: str | None = None
    ) -> None:
        """One cell: numbers as numbers, dates as dates, n/a as text with its reason."""
        r, c = cell
        s = self.styles
        if value is None:
            # "n/a" where the tree gives a reason; else blank, so that charts leave a gap
            # (a line chart plots text as zero) and filters treat it as empty
            if not reason:
                return
            ws.write_string(r, c, NA, s.na)
            if reason and self.comments < COMMENT_LIMIT:
                ws.write_comment(r, c, clean(reason)[:2000], {"x_scale": 2, "y_scale": 1.2})
                self.comments += 1
            return
        if kind in ("money", "ratio", "days", "count"):
            ws.write_number(r, c, float(value), s.kinds[kind])
        elif kind == "percent":
            ws.write_number(r, c, float(value) / 100.0, s.kinds[kind])
        elif kind == "share":
            ws.write_number(r, c, float(value), s.kinds[kind])
        elif kind == "date":
            day = date.fromisoformat(str(value)[:10])
            ws.write_datetime(r, c, datetime.combine(day, datetime.min.time()), s.kinds["date"])
        elif kind == "datetime":
            when = datetime.fromisoformat(str(value))
            ws.write_datetime(r, c, when.replace(tzinfo=None), s.kinds["datetime"])
        elif kind == "rag":
            key = str(value).lower()
            ws.write_string(r, c, rag_text(key), s.rag.get(key, s.kinds["text"]))
        elif kind == "bool":
            ws.write_string(r, c, "yes" if value else "no", s.kinds["bool"])
        else:
            self.text(ws, r, c, value, kind)

    # -- blocks ---------------------------------------------------------------------

    def section(self, section: Section, report: Report, first: bool) -> None:
        loose = [b for b in section.blocks if not isinstance(b, Table)]
        tables = [b for b in section.blocks if isinstance(b, Table) and not b.text_only]
        if loose or first:
            ws = self.sheet(section.sheet)
            ws.set_column(0, 0, 38)
            ws.set_column(1, 1, 22)
            ws.set_column(2, 2, 90)
            r = 0
            if first:
                ws.write_string(r, 0, clean(report.title), self.styles.title)
                r += 1
                if report.rag:
                    self.value(ws, (r, 0), "Overall status", "text")
                    self.value(ws, (r, 1), report.rag, "rag")
                    r += 1
                r += 1
            ws.write_string(r, 0, clean(section.title), self.styles.subtitle)
            r += 2
            for item in loose:
                r = self.loose(ws, r, item)
            ws.freeze_panes(1, 0)
        for table in tables:
            self.table(table)

    def loose(self, ws: Worksheet, r: int, block: object) -> int:
        s = self.styles
        if isinstance(block, Facts):
            if block.title:
                ws.write_string(r, 0, clean(block.title), s.subtitle)
                r += 1
            for fact in block.items:
                r = self.fact(ws, r, fact)
            return r + 1
        if isinstance(block, Text):
            style = s.warning if block.tone == "warning" else s.note
            prefix = "Warning: " if block.tone == "warning" else ""
            ws.write_string(r, 0, prefix + clean(block.text), style)
            return r + 2
        if isinstance(block, Bullets):
            if block.title:
                ws.write_string(r, 0, clean(block.title), s.subtitle)
                r += 1
            for item in block.items:
                self.text(ws, r, 0, f"• {clean(item)}")
                r += 1
            return r + 1
        if isinstance(block, Chart):
            where = "S-curve" if block.kind == "s_curve" else "MTA points"
            ws.write_string(r, 0, f"{clean(block.title)}: chart on the sheet '{where}'.", s.note)
            return r + 2
        raise TypeError(f"unknown report block {type(block).__name__}")

    def fact(self, ws: Worksheet, r: int, fact: Fact) -> int:
        ws.write_string(r, 0, clean(fact.label), self.styles.label)
        self.value(ws, (r, 1), fact.value, fact.kind, fact.na if fact.value is None else None)
        remark = fact.na if fact.value is None else fact.hint
        if remark:
            self.text(ws, r, 2, remark)
        return r + 1

    def table(self, table: Table) -> Worksheet:
        ws = self.sheet(table.sheet)
        s = self.styles
        ws.write_string(0, 0, clean(table.title), s.subtitle)
        top = 1
        if table.note:
            ws.write_string(1, 0, clean(table.note), s.note)
            top = 2
        head = top + 1
        cols = table.columns
        for c, col in enumerate(cols):
            ws.write_string(head, c, clean(col.title), s.header)
        widths = [max(8, len(col.title) + 2) for col in cols]
        for i, row in enumerate(table.rows):
            reasons = row.get("na") or {}
            for c, col in enumerate(cols):
                value = row.get(col.key)
                self.value(ws, (head + 1 + i, c), value, col.kind, reasons.get(col.key))
                if value is not None and col.kind in ("text", "longtext"):
                    widths[c] = max(widths[c], min(60, len(clean(value)) + 2))
        for c, col in enumerate(cols):
            width = col.width if col.width is not None else widths[c]
            if col.kind in ("text",):
                width = max(width, min(widths[c], 50))
            ws.set_column(c, c, width, None)
        ws.set_row(head, 30)
        ws.freeze_panes(head + 1, 1 if len(cols) > 4 else 0)
        last = head + max(1, len(table.rows))
        ws.autofilter(head, 0, last, len(cols) - 1)
        if not table.rows:
            ws.write_string(head + 1, 0, clean(table.empty), s.note)
        return ws


def render(data: Record) -> bytes:
    """The report tree as an .xlsx workbook (bytes)."""
    report = highlight(data)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    book.set_properties(
        {
            "title": clean(report.title),
            "subject": "PRINCE2 highlight report",
            "creator": "pmo-tui",
            "comments": f"Figures as of {data.get('as_of')}",
        }
    )
    writer = _Writer(book, _Styles(book, report.currency))
    for n, section in enumerate(report.sections):
        writer.section(section, report, first=n == 0)
    _s_curve_chart(writer, report)
    _mta_chart(writer, report)
    book.close()
    return buffer.getvalue()


def _find(report: Report, sheet: str) -> Table | None:
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Table) and block.sheet == sheet:
                return block
    return None


def _table_layout(table: Table) -> tuple[int, int]:
    """(header row, first data row) of a table sheet, as :meth:`_Writer.table` lays it out."""
    head = (2 if table.note else 1) + 1
    return head, head + 1


def _serial(iso: str) -> int:
    """An ISO date as an Excel date serial (days since 1899-12-30)."""
    return (date.fromisoformat(iso[:10]) - date(1899, 12, 30)).days


def _s_curve_chart(writer: _Writer, report: Report) -> None:
    table = _find(report, "S-curve")
    if table is None or not table.rows:
        return
    ws = writer.sheets.get("S-curve")
    if ws is None:
        return
    head, first = _table_layout(table)
    last = first + len(table.rows) - 1
    keys = [c.key for c in table.columns]
    chart = writer.book.add_chart({"type": "line"})
    styles = {
        "pv": {"color": "#0072B2", "width": 2.25},
        "ev_estimate": {"color": "#009E73", "width": 2.25, "dash_type": "dash"},
        "ac": {"color": "#D55E00", "width": 2.25},
        "bac": {"color": "#555555", "width": 1.5, "dash_type": "long_dash"},
    }
    for key, line in styles.items():
        if key not in keys:
            continue
        c = keys.index(key)
        chart.add_series(
            {
                "name": ["S-curve", head, c],
                "categories": ["S-curve", first, 0, last, 0],
                "values": ["S-curve", first, c, last, c],
                "line": line,
                "marker": {"type": "none"},
            }
        )
    if "ev" in keys:
        c = keys.index("ev")
        chart.add_series(
            {
                "name": ["S-curve", head, c],
                "categories": ["S-curve", first, 0, last, 0],
                "values": ["S-curve", first, c, last, c],
                "line": {"none": True},
                "marker": {"type": "circle", "size": 8, "fill": {"color": "#009E73"}},
            }
        )
    chart.set_title({"name": "Budget burn (S-curve)"})
    chart.set_x_axis(
        {"name": "Month", "date_axis": True, "num_format": "mmm yyyy", "major_unit_type": "months"}
    )
    chart.set_y_axis({"name": f"Cumulative ({report.currency})", "num_format": "#,##0"})
    chart.set_legend({"position": "top"})
    chart.show_na_as_empty_cell()
    chart.set_size({"width": 860, "height": 420})
    ws.insert_chart(head, len(keys) + 1, chart)


def _mta_chart(writer: _Writer, report: Report) -> None:
    table = _find(report, "MTA points")
    ws = writer.sheets.get("MTA points")
    if table is None or ws is None or not table.rows:
        return
    head, first = _table_layout(table)
    keys = [c.key for c in table.columns]
    rd = keys.index("report_date")
    # a helper column: the date plotted (actual when done, else forecast)
    plot_col = len(keys)
    ws.write_string(head, plot_col, "Plotted date", writer.styles.header)
    ws.set_column(plot_col, plot_col, 12)
    for i, row in enumerate(table.rows):
        when = row.get("actual_date") or row.get("forecast_date")
        writer.value(ws, (first + i, plot_col), when, "date")
    chart = writer.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    n = 0
    start = 0
    rows = table.rows
    while start < len(rows):
        end = start
        while end + 1 < len(rows) and rows[end + 1]["milestone_id"] == rows[start]["milestone_id"]:
            end += 1
        label = clean(f"{rows[start]['milestone_id']} {rows[start].get('name') or ''}")[:60]
        colour = _PALETTE[n % len(_PALETTE)]
        chart.add_series(
            {
                "name": label,
                "categories": ["MTA points", first + start, rd, first + end, rd],
                "values": ["MTA points", first + start, plot_col, first + end, plot_col],
                "line": {"color": colour, "width": 2},
                "marker": {
                    "type": "circle",
                    "size": 5,
                    "fill": {"color": colour},
                    "border": {"color": colour},
                },
            }
        )
        n += 1
        start = end + 1
    # the diagonal "report date = forecast date" over the shared range
    dates = [r["report_date"] for r in rows] + [
        r.get("actual_date") or r.get("forecast_date") for r in rows
    ]
    known = sorted(d for d in dates if d)
    diag = plot_col + 2
    ws.write_string(head, diag, "Diagonal", writer.styles.header)
    writer.value(ws, (first, diag), known[0], "date")
    writer.value(ws, (first + 1, diag), known[-1], "date")
    chart.add_series(
        {
            "name": "report date = forecast date",
            "categories": ["MTA points", first, diag, first + 1, diag],
            "values": ["MTA points", first, diag, first + 1, diag],
            "line": {"color": "#999999", "width": 1.25, "dash_type": "dash"},
            "marker": {"type": "none"},
        }
    )
    chart.set_title({"name": "Milestone trend analysis"})
    xs = sorted(r["report_date"] for r in rows if r.get("report_date"))
    chart.set_x_axis(
        {
            "name": "Report date",
            "num_format": "yyyy-mm-dd",
            "min": _serial(xs[0]) - 3,
            "max": _serial(xs[-1]) + 3,
        }
    )
    chart.set_y_axis(
        {
            "name": "Forecast date",
            "num_format": "yyyy-mm-dd",
            "min": _serial(known[0]) - 14,
            "max": _serial(known[-1]) + 14,
        }
    )
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": 520})
    target = writer.sheets.get("MTA")
    if target is not None:
        target.insert_chart(8, 0, chart)
    else:
        ws.insert_chart(head, diag + 2, chart)


_PALETTE = (
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
