"""Re-reading a changed CSV export by its changed lines only.

An export written again with a few lines changed (one project's costs, one
issue's status) is the usual change on a wall display, and for the large costs
file parsing and converting all 480,000 lines again was most of a refresh. So a
full read of a regular CSV file (UTF-8, one record per line, read by the fast
reader) leaves a :class:`Basis`: CRC-32 checksums of its 64 KiB blocks counted
from the start and from the end, and the facts its conversion rested on
(:class:`~pmo_tui.sources.validate.Decisions`). The next read of that file
compares the checksums from both ends to find the lines in between that
changed, parses and converts only those, plus the first lines that the number
formats are decided from, and puts them between the unchanged rows of the table
it has.

The result is what a full read would give, rows, row numbers and problems
alike, or it is not used: :func:`reread` returns None and the file is read in
full. That happens for a changed header, delimiter or byte order mark, for a
table with money columns of :data:`HEAD_ROWS` rows or fewer, for a changed line
the fast reader cannot read exactly, and whenever a full read could have
decided differently: another date order or decimal separator, a number that
does not parse (a full read would look at every value again), a blank row among
the first lines, a duplicate id, a percent column (fractions are judged over the
whole column). ``tests/test_loader_splice.py`` compares thousands of generated
edits with full reads.

The first change of a file after pmo-tui starts is read in full: a first load
takes no checksums, so that a cold start does not pay for them (~8 ms for the
large demo's costs file). The checksums of the blocks after a change are taken
in a helper thread while the refresh goes on.
"""

from __future__ import annotations

import codecs
import functools
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd

from pmo_tui.config import SourceOptions
from pmo_tui.model import KEYS, SCHEMAS, Splice, TableState, conform
from pmo_tui.problems import Problem
from pmo_tui.sources.sniff import sniff_delimiter, utf8_prefix
from pmo_tui.sources.tabular import RawTable, read_regular
from pmo_tui.sources.validate import EVIDENCE_SAMPLE, Converted, Decisions, Formats, all_distinct

#: checksummed block size: a change costs a re-read of at least this much
BLOCK = 1 << 16
#: the rows a number column's decimal separator is decided from (Cells.distinct)
HEAD_ROWS = EVIDENCE_SAMPLE * 8
#: an id or text column made of more Arrow chunks than this is made contiguous
MAX_CHUNKS = 8


@dataclass(frozen=True)
class Blocks:
    """CRC-32 and line breaks of each whole block of a file, from one end."""

    crcs: tuple[int, ...]
    breaks: tuple[int, ...]


@dataclass(frozen=True)
class Fingerprint:
    """Checksums of a CSV file's blocks, from the start and from the end."""

    size: int
    start: int  # where the text starts: 3 after a UTF-8 byte order mark, else 0
    header: bytes  # the header line, with its line break
    forward: Blocks  # blocks from ``start`` on
    backward: Blocks  # blocks from the end back
    lines: int  # line breaks after the header
    quoted: bool  # a double quote after the header (a record may span lines)
    records: int = -1  # records after the header (from the read; -1: not known yet)


@dataclass(frozen=True)
class Basis:
    """What a full read of one CSV file left for re-reading its changed lines.

    The fingerprint of a re-read file is finished in a helper thread while the
    refresh goes on (half its checksums are not needed before the next change);
    :meth:`fingerprint` waits for it.
    """

    pending: Fingerprint | Future[Fingerprint]
    frame: pd.DataFrame  # the table's frame it belongs to (compared by identity)
    formats: Formats
    decisions: Decisions
    file_problems: int  # the first this many of the table's problems have no row

    def fingerprint(self) -> Fingerprint:
        pending = self.pending
        return pending.result() if isinstance(pending, Future) else pending


def _lines(data: bytes, start: int, end: int) -> int:
    """Records in ``data[start:end]`` of a file without quotes (``start`` starts a line)."""
    if end <= start:
        return 0
    return data.count(b"\n", start, end) + (0 if data[end - 1] == 10 else 1)


def _block(view: memoryview, data: bytes, begin: int) -> tuple[int, int]:
    # zlib releases the GIL for the checksum; the count is a short memchr-like loop
    return zlib.crc32(view[begin : begin + BLOCK]), data.count(b"\n", begin, begin + BLOCK)


def _begins(size: int, start: int, *, backward: bool, skip: int = 0) -> range:
    """Where each whole block starts, from ``start`` on or from the end back to it,
    after the first ``skip`` blocks."""
    if backward:
        return range(size - (skip + 1) * BLOCK, start - 1, -BLOCK)
    return range(start + skip * BLOCK, size - BLOCK + 1, BLOCK)


def _blocks(
    data: bytes, start: int, *, backward: bool, first: int = 0, old: Blocks | None = None
) -> Blocks:
    """The blocks from one end; the first ``first`` are taken from ``old`` (same bytes)."""
    view = memoryview(data)
    crcs, breaks = (list(old.crcs[:first]), list(old.breaks[:first])) if old else ([], [])
    for begin in _begins(len(data), start, backward=backward, skip=first):
        crc, count = _block(view, data, begin)
        crcs.append(crc)
        breaks.append(count)
    return Blocks(tuple(crcs), tuple(breaks))


def _breaks_ok(data: bytes, crlf: bool) -> bool:
    """Every carriage return ends a CRLF line break, in a file with CRLF line breaks.

    The fast reader also ends a record at a lone CR; the line counting here does not.
    """
    if data.find(b"\r") < 0:
        return True
    return crlf and data.count(b"\r") == data.count(b"\r\n")


def fingerprint(data: bytes) -> Fingerprint | None:
    """The checksums of a CSV file's bytes (None when it cannot be re-read by lines)."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    header_end = data.find(b"\n", start) + 1
    if header_end == 0:
        return None
    header = data[start:header_end]
    if header.count(b'"') % 2 or not _breaks_ok(data, header.endswith(b"\r\n")):
        return None
    quoted = data.find(b'"', header_end) >= 0
    return Fingerprint(
        size=len(data),
        start=start,
        header=header,
        forward=_blocks(data, start, backward=False),
        backward=_blocks(data, start, backward=True),
        lines=data.count(b"\n", header_end),
        quoted=quoted,
        records=-1 if quoted else _lines(data, header_end, len(data)),
    )


def regular(raw: RawTable, print_: Fingerprint) -> Fingerprint | None:
    """The fingerprint with the record count of a full read that can be re-read by lines.

    That is a read by the fast reader (row numbers are the lines the records start
    on) of UTF-8 text without a reading problem.
    """
    rows = raw.rows
    n = len(rows)
    if not raw.fast or raw.header_row != 1 or raw.problems:
        return None
    if raw.encoding not in ("utf-8", "utf-8-sig"):
        return None
    if print_.quoted:
        if n and (int(rows[0]) != 2 or int(rows[-1]) > print_.lines + 2):
            return None
    elif n != print_.records or (n and int(rows[-1]) != n + 1):
        return None
    return replace(print_, records=n)


def _shared(old: Blocks, data: bytes, start: int, *, backward: bool) -> int:
    """How many blocks from one end ``data`` shares with the file ``old`` describes."""
    view = memoryview(data)
    shared = 0
    begins = _begins(len(data), start, backward=backward)
    for begin, crc in zip(begins, old.crcs, strict=False):
        if zlib.crc32(view[begin : begin + BLOCK]) != crc:
            break
        shared += 1
    return shared


def _breaks_before(old: Blocks, data: bytes, start: int, pos: int) -> int:
    """Line breaks in ``data[start:pos]``, where whole blocks are counted in ``old``."""
    whole = min((pos - start) // BLOCK, len(old.breaks))
    return sum(old.breaks[:whole]) + data.count(b"\n", start + whole * BLOCK, pos)


def _breaks_after(old: Blocks, data: bytes, start: int, pos: int) -> int:
    """Line breaks in ``data[pos:]``, where whole blocks are counted in ``old``."""
    whole = min((len(data) - max(pos, start)) // BLOCK, len(old.breaks))
    return sum(old.breaks[:whole]) + data.count(b"\n", pos, len(data) - whole * BLOCK)


def _after_lines(data: bytes, start: int, count: int) -> int:
    """Where the line ``count`` lines after the line starting at ``start`` starts."""
    if count <= 0 or start >= len(data):
        return min(start, len(data))
    size = 1 << 16
    while True:
        chunk = np.frombuffer(
            data, dtype=np.uint8, count=min(size, len(data) - start), offset=start
        )
        breaks = np.flatnonzero(chunk == 10)
        if len(breaks) >= count:
            return start + int(breaks[count - 1]) + 1
        if start + size >= len(data):
            return len(data)
        size *= 4


def _record_starts(data: bytes, header_end: int) -> np.ndarray | None:
    """Where each record after the header starts (quotes respected; LF breaks).

    None when the file's double quotes are not balanced.
    """
    arr = np.frombuffer(data, dtype=np.uint8)[header_end:]
    breaks = np.flatnonzero(arr == 10)
    quotes = np.flatnonzero(arr == 34)
    if len(quotes) % 2:
        return None
    outside = np.searchsorted(quotes, breaks) % 2 == 0 if len(quotes) else slice(None)
    starts = np.concatenate(([0], breaks[outside] + 1)) + header_end
    return starts[starts < len(data)]


@functools.cache
def _finisher() -> ThreadPoolExecutor:
    """One helper thread that finishes fingerprints (created when first needed)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmo-fingerprint")


@dataclass(frozen=True)
class Window:
    """The lines to read again: the changed ones, and the head the formats come from."""

    payload: bytes  # the header line, the head and the changed records
    first_line: int  # the line the first changed record starts on (the header is 1)
    new_count: int  # changed records in the new file
    head: int  # records of the head read before the changed ones (0: none)
    head_lines: int  # lines of that head
    old_end_line: int  # the line the first record after the changed ones started on
    shift: int  # how many lines later the records after the changed ones start now
    finish: Callable[[], Fingerprint]  # the new file's fingerprint (takes a few ms)


def window(old: Fingerprint, data: bytes, head_rows: int = HEAD_ROWS) -> Window | None:
    """The changed records of ``data`` against the file ``old`` describes, or None.

    ``head_rows``: the first records to read with the changed ones (the sample the
    number columns' decimal separator is decided from; 0 for a table without one).
    """
    start = old.start
    if (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0) != start:
        return None
    header_end = start + len(old.header)
    if old.records < 0 or data[start:header_end] != old.header:
        return None
    ahead = _shared(old.forward, data, start, backward=False)
    behind = _shared(old.backward, data, start, backward=True)
    prefix = start + BLOCK * ahead
    shortest = min(len(data), old.size)
    suffix = min(BLOCK * behind, max(shortest - prefix, 0))
    tail = len(data) - suffix
    # the changed records: from the record start at or before the first changed block
    # to the record start after the last; both lie where the files share their bytes
    quoted = old.quoted or data.find(b'"', header_end) >= 0
    if quoted:
        starts = _record_starts(data, header_end)
        if starts is None:
            return None
        total = len(starts)
        before = max(int(np.searchsorted(starts, prefix, "right")) - 1, 0)
        first_pos = int(starts[before]) if total else header_end
        upto = int(np.searchsorted(starts, tail + 1, "left"))
        end = int(starts[upto]) if upto < total else len(data)
        if total > head_rows and first_pos <= int(starts[head_rows]):
            upto = max(upto, head_rows)
            end = int(starts[upto]) if upto < total else len(data)
            before, first_pos = 0, header_end
        head_end = int(starts[head_rows]) if total > head_rows else len(data)
        new_count, after = upto - before, total - upto
        lines_after = _breaks_after(old.backward, data, start, end)
    else:
        first_pos = max(header_end, data.rfind(b"\n", 0, prefix) + 1)
        end = data.find(b"\n", tail) + 1 or len(data)
        head_end = _after_lines(data, header_end, head_rows)
        if first_pos <= head_end:
            first_pos, end = header_end, max(end, head_end)
        before = _breaks_before(old.forward, data, start, first_pos) - 1  # not the header's
        lines_after = _breaks_after(old.backward, data, start, end)
        after = lines_after + (1 if end < len(data) and data[-1] != 10 else 0)
        new_count = _lines(data, first_pos, end)
        total = before + new_count + after
    # (the old file's changed records: a negative count means the files do not match)
    if total <= head_rows or old.records <= head_rows or old.records - before - after < 0:
        return None
    changed = data[first_pos:end]
    crlf = old.header.endswith(b"\r\n")
    if not _breaks_ok(changed, crlf):
        return None
    # without quotes a record is a line: the records before the change are its lines
    lines_before = _breaks_before(old.forward, data, start, first_pos) - 1 if quoted else before
    lines = lines_before + changed.count(b"\n") + lines_after
    if before:
        head_lines = data.count(b"\n", header_end, head_end)
        head, parts = head_rows, [old.header, data[header_end:head_end], changed]
    else:
        head, head_lines, parts = 0, 0, [old.header, changed]
    payload = b"".join(parts)
    if not payload.endswith(b"\n"):
        payload += b"\r\n" if crlf else b"\n"

    def finish() -> Fingerprint:
        return Fingerprint(
            size=len(data),
            start=start,
            header=old.header,
            forward=_blocks(data, start, backward=False, first=ahead, old=old.forward),
            backward=_blocks(data, start, backward=True, first=behind, old=old.backward),
            lines=lines,
            quoted=quoted,
            records=total,
        )

    return Window(
        payload=payload,
        first_line=2 + lines_before,
        new_count=new_count,
        head=head,
        head_lines=head_lines,
        # nothing follows changed records that run to the end of the file
        old_end_line=2 + old.lines - lines_after if end < len(data) else old.lines + 3,
        shift=lines - old.lines,
        finish=finish,
    )


def window_table(
    win: Window, data: bytes, file: str, delimiter: str, configured: str | None
) -> RawTable | None:
    """The window's lines as a raw table, each row numbered as in the whole file.

    None unless a full read would split the file on ``delimiter`` too (the
    configured one, else the one sniffed from the file's first megabyte).
    """
    if configured is None:
        start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        head = utf8_prefix(data[start : start + (1 << 20)])
        if head is None or sniff_delimiter(head) != delimiter:
            return None
    elif configured != delimiter:
        return None
    raw = read_regular(win.payload, file, delimiter)
    if raw is None or raw.header_row != 1 or len(raw.rows) != win.head + win.new_count:
        return None
    rows = np.asarray(raw.rows, dtype=np.int64).copy()
    rows[win.head :] += win.first_line - (2 + win.head_lines)
    raw.rows = rows
    raw.encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    raw.delimiter = delimiter
    return raw


_ORDERS = (("dayfirst", "monthfirst"), ("monthfirst", "dayfirst"))


def agrees(basis: Basis, new: Converted, options: SourceOptions, table: str) -> bool:
    """Whether a full read of the changed file would decide as both reads did."""
    old, now = basis.decisions, new.decisions
    if new.formats != basis.formats or now.decimals != old.decimals:
        return False
    if now.blank_rows or old.duplicates or now.duplicates:
        return False
    if any(c.kind == "percent" for c in SCHEMAS[table]):
        return False
    if options.decimal not in (".", ",") and (old.bad_numbers or now.bad_numbers):
        return False
    if options.date_order in ("dayfirst", "monthfirst", "iso"):
        return True
    kinds = ("dayfirst", "monthfirst", "ambiguous")
    if not any(old.date_votes[k] for k in kinds) and not any(now.date_votes[k] for k in kinds):
        return True
    # the changed lines prove the order, and no line of either file contradicts it
    return any(
        now.date_votes[proved] and not now.date_votes[other] and not old.date_votes[other]
        for proved, other in _ORDERS
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True)
    for name in frame.columns:
        array = frame[name].array
        data = getattr(array, "_pa_array", None)
        if data is not None and data.num_chunks > MAX_CHUNKS:
            joined = pd.array(data.combine_chunks(), dtype=array.dtype)
            frame[name] = pd.Series(joined, index=frame.index, name=name, copy=False)
    return frame


def reread(
    basis: Basis,
    old: TableState,
    data: bytes,
    *,
    file: str,
    options: SourceOptions,
    at: datetime,
    convert: Callable[[RawTable], Converted],
) -> tuple[TableState, Basis] | None:
    """The table after re-reading the changed lines of ``data``, or None: read it all.

    ``old`` is the table the basis was left by (its frame is the basis's frame);
    ``convert`` converts a raw table of the file as a full read would.
    """
    table = old.name
    delimiter = basis.formats.delimiter
    if old.frame is not basis.frame or old.rows is None or old.stale or delimiter is None:
        return None
    if options.encoding is not None:
        return None
    numbers = any(c.kind in ("money", "percent") for c in SCHEMAS[table])
    win = window(basis.fingerprint(), data, HEAD_ROWS if numbers else 0)
    if win is None:
        return None
    raw = window_table(win, data, file, delimiter, options.delimiter)
    if raw is None:
        return None
    new = convert(raw)
    file_problems = [p for p in new.problems if p.row is None]
    if not agrees(basis, new, options, table):
        return None
    if tuple(file_problems) != old.problems[: basis.file_problems]:
        return None
    if any(p.row is None for p in new.problems[len(file_problems) :]):
        return None
    lo, hi, shift = win.first_line, win.old_end_line, win.shift
    old_rows = old.rows
    keep_to, keep_from = np.searchsorted(old_rows, [lo, hi])
    mid_from = int(np.searchsorted(new.rows, lo))
    changed = conform(table, new.frame).iloc[mid_from:]
    frame = _concat([old.frame.iloc[:keep_to], changed, old.frame.iloc[keep_from:]])
    if list(frame.dtypes) != list(old.frame.dtypes):
        return None
    keys = KEYS.get(table, ())
    if keys and not all_distinct(frame[keys[0]]):
        return None
    rows = np.concatenate(
        [
            old_rows[:keep_to].astype(np.int64),
            new.rows[mid_from:],
            old_rows[keep_from:].astype(np.int64) + shift,
        ]
    )
    row_problems = old.problems[basis.file_problems :]
    problems: list[Problem] = [
        *file_problems,
        *(p for p in row_problems if p.row is not None and p.row < lo),
        *(p for p in new.problems if p.row is not None and p.row >= lo),
        *(
            replace(p, row=p.row + shift) if shift else p
            for p in row_problems
            if p.row is not None and p.row >= hi
        ),
    ]
    spliced = Splice(old.frame, int(keep_to), len(changed), int(keep_from))
    state = TableState.loaded(
        table, frame, origin=old.origin, at=at, problems=problems, rows=rows, spliced=spliced
    )

    # what the whole file may hold now: no more than either read saw (for agrees())
    decisions = replace(
        old_decisions := basis.decisions,
        date_votes=old_decisions.date_votes + new.decisions.date_votes,
        bad_numbers=old_decisions.bad_numbers | new.decisions.bad_numbers,
    )
    later = _finisher().submit(win.finish)
    return state, Basis(later, state.frame, basis.formats, decisions, len(file_problems))
