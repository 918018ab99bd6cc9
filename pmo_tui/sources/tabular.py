"""Reading one CSV file or workbook sheet into raw text columns with row numbers.

Nothing is interpreted here beyond the grid: headers as written, cells as
stripped text (or typed workbook values), and for every data row the row
number the officer sees (header = row 1). For a CSV record that spans lines
(a quoted multi-line cell) the number is the line on which the record starts.

CSV is read by pyarrow's threaded reader, blocks side by side, into text
columns that stay in those blocks. Any irregularity (rows with too many or too
few cells, blank lines, quoted line breaks that make line numbers differ from
record numbers, a line too long for one block) sends the file down the exact
path instead: Python's csv module, which tracks line numbers, so every problem
names the right line.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pmo_tui.problems import Problem, Severity
from pmo_tui.sources import parallel
from pmo_tui.sources.files import Refused
from pmo_tui.sources.parse import Cells, longest_cell
from pmo_tui.sources.sniff import UndecodableError, decode, sniff_delimiter, utf8_prefix

#: Excel's own limit for one cell; longer cells are not from a real export
MAX_CELL = 32_767
#: a workbook whose parts unpack to more than this many times the size cap is refused
UNZIP_FACTOR = 4


@dataclass
class RawTable:
    """A grid of text as read from one file or sheet."""

    file: str
    headers: list[str]
    columns: list[Cells]
    rows: np.ndarray  # row number per data row, as the officer sees it
    header_row: int = 1
    delimiter: str | None = None
    encoding: str | None = None
    problems: list[Problem] = field(default_factory=list)
    #: read by the fast reader: ``rows`` are the lines the records start on, checked
    fast: bool = False

    def __len__(self) -> int:
        return len(self.rows)


class _SlowPath(Exception):
    """The fast reader cannot give exact row numbers for this file."""


def _problem(
    file: str,
    rule: str,
    message: str,
    *,
    row: int | None = None,
    severity: Severity = Severity.ERROR,
    value: str | None = None,
) -> Problem:
    return Problem(file=file, rule=rule, message=message, row=row, severity=severity, value=value)


# -- CSV ------------------------------------------------------------------------


def read_csv(
    data: bytes | list[bytes],
    file: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """A CSV export as a :class:`RawTable`; :class:`Refused` when it is not text.

    UTF-8 files (the common case) go straight to the fast reader, which
    validates the encoding itself; anything else is decoded here first.

    ``data`` may be handed over in a one-item list: the fast reader then empties
    the list and frees the bytes as soon as they are parsed, before the columns
    are built (for a large file the bytes are a third of the parsed text).
    """
    box = data if isinstance(data, list) else [data]
    tried = False
    if encoding is None:
        fast = _read_utf8(box, file, delimiter)
        if isinstance(fast, RawTable):
            return fast
        tried = fast
    data = box[0]
    try:
        decoded = decode(data, encoding)
    except UndecodableError as exc:
        raise Refused("bad-encoding", str(exc)) from None
    text = decoded.text
    problems: list[Problem] = []
    if decoded.nul_count:
        problems.append(
            _problem(
                file,
                "nul-bytes",
                f"{decoded.nul_count} NUL byte(s) removed (the first on line {decoded.nul_line}); "
                "the file may be damaged",
                severity=Severity.WARNING,
                row=decoded.nul_line,
            )
        )
    if not text.strip():
        raise Refused("empty-file", "is empty")
    delim = delimiter or sniff_delimiter(text[: 1 << 20])
    utf8 = decoded.encoding in ("utf-8", "utf-8-sig") and not decoded.nul_count
    try:
        if utf8 and tried:
            raise _SlowPath  # the fast reader already failed on these very bytes
        payload = (
            (data[3:] if decoded.encoding == "utf-8-sig" else data)
            if utf8
            else text.encode("utf-8")
        )
        table = _columns(*_parse_fast(payload, delim), file)
    except _SlowPath:
        table = _read_exact(text, file, delim)
    table.delimiter, table.encoding = delim, decoded.encoding
    table.problems[:0] = problems
    return table


def _read_utf8(box: list[bytes], file: str, delimiter: str | None) -> RawTable | bool:
    """The fast reader on undecoded UTF-8 bytes: the table, else whether it was tried.

    On success the bytes are taken out of ``box`` and freed before the columns are
    built.
    """
    data = box[0]
    if b"\x00" in data or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    bom = data.startswith(codecs.BOM_UTF8)
    payload = data[3:] if bom else data
    head = utf8_prefix(payload)
    if head is None:
        return False
    if not head.strip() and not payload.strip():
        raise Refused("empty-file", "is empty")
    delim = delimiter or sniff_delimiter(head)
    try:
        parsed = _parse_fast(payload, delim)
    except _SlowPath:
        return True
    box.clear()
    del data, payload
    table = _columns(*parsed, file)
    table.delimiter, table.encoding = delim, "utf-8-sig" if bom else "utf-8"
    return table


def read_regular(payload: bytes, file: str, delimiter: str) -> RawTable | None:
    """UTF-8 CSV text (a header line and records) by the fast reader alone.

    None when the fast reader cannot give exact row numbers for it: an irregular
    row, a blank line, a quoted line break, a NUL byte. For the incremental re-read,
    which then reads the whole file the usual way.
    """
    if b"\x00" in payload:
        return None
    try:
        parsed = _parse_fast(payload, delimiter)
    except _SlowPath:
        return None
    return _columns(*parsed, file)


def _record_starts(payload: bytes) -> np.ndarray:
    """The line on which each non-empty CSV record starts (quotes respected)."""
    arr = np.frombuffer(payload, dtype=np.uint8)
    # each kind of break found on its own: OR-ing two full-size masks cost more than the
    # rest together (1.2 of 2.1 ms for the large demo's issues.csv); most files have no CR
    breaks = np.flatnonzero(arr == 10)
    if payload.find(b"\r") >= 0:
        breaks = np.sort(np.concatenate((breaks, np.flatnonzero(arr == 13))))
    if len(breaks):
        # "\r\n" is one line break: drop the "\n" that follows a "\r"
        crlf = (arr[breaks] == 10) & np.concatenate(
            ([False], (breaks[1:] == breaks[:-1] + 1) & (arr[breaks[:-1]] == 13))
        )
        breaks = breaks[~crlf]
    line_of_break = np.arange(1, len(breaks) + 1)  # break k ends line k
    quotes = np.flatnonzero(arr == 34)
    outside = (
        (np.searchsorted(quotes, breaks) % 2 == 0)
        if len(quotes)
        else np.ones(len(breaks), dtype=bool)
    )
    ends = breaks[outside]
    end_lines = line_of_break[outside]
    starts_pos = np.concatenate(([0], ends + 1))
    starts_line = np.concatenate(([1], end_lines + 1))
    # record i spans [starts_pos[i], next end); empty when it starts at a break or EOF
    next_end = np.concatenate((ends, [len(arr)]))
    length = next_end - starts_pos
    # a CRLF record end: the record after "\r" starts at "\n"; skip that byte
    at_lf = starts_pos < len(arr)
    if at_lf.any():
        idx = np.flatnonzero(at_lf)
        lf = arr[starts_pos[idx]] == 10
        starts_pos[idx[lf]] += 1
        length[idx[lf]] -= 1
    return starts_line[length > 0]


def _parse_fast(payload: bytes, delim: str) -> tuple[pa.Table, np.ndarray]:
    """pyarrow's threaded CSV parse, every cell as text, with each record's line.

    Any irregular row raises :class:`_SlowPath` (no invalid-row handler: a Python
    callback halves the speed), and so does a quoted line break; both go down the
    exact path. A quoted line break that happens to split into well-formed rows is
    caught by comparing the record count, quotes respected, with the row count.
    Pure ASCII (most exports) skips pyarrow's UTF-8 validation.
    """
    # pure ASCII is valid UTF-8: pyarrow need not check it again
    convert = _text_columns(_header_width(payload, delim), check_utf8=not payload.isascii())
    try:
        table = pacsv.read_csv(
            pa.py_buffer(payload),  # zero-copy, and read without the GIL
            read_options=pacsv.ReadOptions(
                autogenerate_column_names=True,
                use_threads=parallel.workers() > 1,
                block_size=BLOCK_BYTES,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=False,
                # a blank line becomes a one-cell row, i.e. an invalid row: the exact path
                ignore_empty_lines=False,
            ),
            convert_options=convert,
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        raise _SlowPath from None
    if table.num_rows == 0 or table.num_columns < 2:
        raise _SlowPath
    if b'"' in payload:
        starts = _record_starts(payload)
        if len(starts) != table.num_rows:
            raise _SlowPath
    else:
        starts = np.arange(1, table.num_rows + 1, dtype=np.int64)
    if len(payload) > MAX_CELL and any(longest_cell(c) > MAX_CELL for c in table.columns):
        raise _SlowPath
    return table, starts


#: pyarrow's threaded reader parses blocks of this size side by side. With
#: jemalloc (see ``pmo_tui.model``) it peaks no higher than the streaming
#: reader (~30 MiB over the 19 MiB it returns for the 14 MB costs file) and is
#: 2.5 times faster on 2 cores; 4 MiB blocks measured faster than 1 MiB.
BLOCK_BYTES = 4 << 20


def _header_width(payload: bytes, delim: str) -> int:
    """How many cells the first line has (quotes respected)."""
    end = payload.find(b"\n")
    line = payload[: end if end >= 0 else len(payload)].rstrip(b"\r")
    if b'"' not in line:
        return line.count(delim.encode()) + 1
    cells = next(csv.reader([line.decode("utf-8", "replace")], delimiter=delim), [])
    return max(len(cells), 1)


def _text_columns(width: int, *, check_utf8: bool) -> pacsv.ConvertOptions:
    """Every one of ``width`` columns read as text as written: no type guessing, no nulls.

    64-bit offsets, as pandas keeps its ``str`` columns: the text columns then go
    into the frame without a cast (2 ms less per 480,000-row column).
    """
    return pacsv.ConvertOptions(
        check_utf8=check_utf8,
        column_types={f"f{i}": pa.large_string() for i in range(width)},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
        true_values=[],
        false_values=[],
        auto_dict_encode=False,
        timestamp_parsers=[],
    )


def _columns(table: pa.Table, starts: np.ndarray, file: str) -> RawTable:
    """The parsed table as text columns; row 0 is the header.

    The columns stay in the chunks the reader parsed (no contiguous copy of every
    cell): the conversions work chunk by chunk, and only the text columns that
    end up in the frame are made contiguous (see :func:`~pmo_tui.sources.parse.texts`).
    """
    columns = [
        # null: pyarrow saw no text at all in the column's first block
        c if c.type != pa.null() else pa.chunked_array([pa.array([""] * len(c), pa.string())])
        for c in table.columns
    ]
    del table
    headers = [str(c[0].as_py()).strip() for c in columns]
    body = [Cells(c.slice(1)) for c in columns]
    return RawTable(
        file=file,
        headers=headers,
        columns=body,
        rows=np.asarray(starts[1:], dtype=np.int64),
        header_row=int(starts[0]),
        fast=True,
    )


def _read_exact(text: str, file: str, delim: str) -> RawTable:
    csv.field_size_limit(max(len(text) + 1, 1 << 17))
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delim,
        quotechar='"',
        doublequote=True,
        strict=False,
    )
    problems: list[Problem] = []
    header: list[str] | None = None
    header_row = 1
    cells: list[list[str]] = []
    rows: list[int] = []
    previous_line = 0
    try:
        for record in reader:
            start, previous_line = previous_line + 1, reader.line_num
            if not any(c.strip() for c in record):
                continue
            if header is None:
                header, header_row = [c.strip() for c in record], start
                continue
            if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
                problems.append(
                    _problem(
                        file,
                        "field-count",
                        f"row has {len(record)} cells but the header has {len(header)} "
                        "(a delimiter or quote out of place?); row skipped",
                        row=start,
                    )
                )
                continue
            longest = max((len(c) for c in record), default=0)
            if longest > MAX_CELL:
                problems.append(
                    _problem(
                        file,
                        "cell-too-long",
                        f"a cell holds {longest:,} characters, more than a spreadsheet cell can "
                        f"({MAX_CELL:,}); row skipped",
                        row=start,
                    )
                )
                continue
            kept = [c.strip() for c in record[: len(header)]]
            if len(kept) < len(header):
                kept.extend([""] * (len(header) - len(kept)))
            cells.append(kept)
            rows.append(start)
    except csv.Error as exc:
        problems.append(
            _problem(
                file,
                "unreadable-file",
                f"the CSV structure breaks after line {previous_line}: {exc}; "
                "the rows before it were read",
                row=previous_line + 1,
            )
        )
    if header is None:
        raise Refused("empty-file", "holds no header row")
    if len(header) > 0 and max((len(h) for h in header), default=0) > MAX_CELL:
        raise Refused(
            "cell-too-long", "the header row holds a cell longer than a spreadsheet allows"
        )
    columns = [
        Cells(pa.array([r[i] for r in cells], type=pa.large_string())) for i in range(len(header))
    ]
    return RawTable(
        file=file,
        headers=header,
        columns=columns,
        rows=np.asarray(rows, dtype=np.int64),
        header_row=header_row,
        problems=problems,
    )


# -- workbooks (xlsx, xlsm, ods) --------------------------------------------------


def check_zip(data: bytes, size_cap: int) -> None:
    """Refuse damaged workbooks and zip bombs before the parser sees them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise Refused(
            "unreadable-file",
            "is a damaged or truncated workbook (the ZIP container cannot be read); "
            "was it still being copied?",
        ) from None
    unpacked = sum(i.file_size for i in infos)
    if unpacked > UNZIP_FACTOR * size_cap:
        raise Refused(
            "too-large",
            f"unpacks to {unpacked / (1024 * 1024):.0f} MB, far over the size cap "
            "(a ZIP bomb?); skipped",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                with archive.open(info) as part:
                    head = part.read(4096)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise Refused(
                        "unsafe-xml",
                        f"holds a DTD or entity declarations in {info.filename} (an XML bomb?); "
                        "refused without expanding it",
                    )
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise Refused(
            "unreadable-file",
            f"is a damaged or truncated workbook ({exc}); was it still being copied?",
        ) from None


class Workbook:
    """A workbook opened with calamine (never openpyxl: calamine expands no XML entities)."""

    def __init__(self, data: bytes, file: str, size_cap: int) -> None:
        check_zip(data, size_cap)
        import python_calamine as calamine

        self.file = file
        self._calamine = calamine
        try:
            self._book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.sheet_names: list[str] = list(self._book.sheet_names)
        except BaseException as exc:  # calamine may raise a PanicException (a BaseException)
            if isinstance(exc, KeyboardInterrupt | SystemExit | MemoryError):
                raise
            raise _refusal(exc) from None

    def sheet(self, name: str) -> RawTable:
        try:
            grid = self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit | MemoryError):
                raise
            raise _refusal(exc) from None
        return grid_table(grid, f"{self.file}, sheet {name!r}")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing is best effort
            self._book.close()


def _refusal(exc: BaseException) -> Refused:
    name = type(exc).__name__
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else name
    if name == "PasswordError" or "password" in detail.lower() or "encrypt" in detail.lower():
        return Refused("encrypted-file", "is password-protected; save it without a password")
    if name == "XmlError" or "xml" in detail.lower():
        return Refused("unreadable-file", f"holds XML that cannot be read safely ({detail})")
    return Refused("unreadable-file", f"cannot be read as a workbook ({detail})")


def grid_table(grid: Sequence[Sequence[Any]], file: str) -> RawTable:
    """A sheet (rows of typed cells, row 1 first) as a :class:`RawTable`."""
    header_index = next((i for i, row in enumerate(grid) if any(_present(v) for v in row)), None)
    if header_index is None:
        raise Refused("empty-file", "is empty")
    header_cells = list(grid[header_index])
    while header_cells and not _present(header_cells[-1]):
        header_cells.pop()
    from pmo_tui.sources.parse import native_text

    headers = [
        native_text(h).strip() if not isinstance(h, str) else h.strip() for h in header_cells
    ]
    width = len(headers)
    problems: list[Problem] = []
    text_cols: list[list[str]] = [[] for _ in range(width)]
    native_cols: list[list[Any]] = [[] for _ in range(width)]
    rows: list[int] = []
    for index in range(header_index + 1, len(grid)):
        row = grid[index]
        if not any(_present(v) for v in row):
            continue
        if any(_present(v) for v in row[width:]):
            problems.append(
                _problem(
                    file,
                    "field-count",
                    f"row has values beyond the last header column ({width}); "
                    "those cells are ignored",
                    row=index + 1,
                    severity=Severity.WARNING,
                )
            )
        for c in range(width):
            value = row[c] if c < len(row) else ""
            if isinstance(value, str):
                stripped = value.strip()
                if len(stripped) > MAX_CELL:
                    stripped = stripped[:MAX_CELL]
                text_cols[c].append(stripped)
                native_cols[c].append(None)
            elif value is None:
                text_cols[c].append("")
                native_cols[c].append(None)
            else:
                text_cols[c].append("")
                native_cols[c].append(value)
        rows.append(index + 1)
    columns = []
    for c in range(width):
        native = np.empty(len(rows), dtype=object)
        native[:] = native_cols[c]
        has_native = any(v is not None for v in native_cols[c])
        columns.append(
            Cells(pa.array(text_cols[c], type=pa.large_string()), native if has_native else None)
        )
    return RawTable(
        file=file,
        headers=headers,
        columns=columns,
        rows=np.asarray(rows, dtype=np.int64),
        header_row=header_index + 1,
        problems=problems,
    )


def _present(value: Any) -> bool:
    if value is None:
        return False
    return not (isinstance(value, str) and not value.strip())
