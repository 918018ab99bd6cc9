"""One file (or sheet, or MS Project plan) into the rows of one canonical table.

:func:`read_table` is the public entry point (the database import uses it):
a file in, a :class:`~pmo_tui.model.TableState` out, or
:class:`UnreadableFile` when nothing can be read from it. The folder source
uses :class:`Reader`, which also caches workbooks and plans within one pass
and keeps the raw grid so an ambiguous file can be re-read with the folder's
date order without touching the disk again.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from pmo_tui.config import SourceOptions
from pmo_tui.model import KEYS, TableState
from pmo_tui.problems import Problem, Severity, clip
from pmo_tui.sources import jira, mspdi
from pmo_tui.sources.columns import resolve
from pmo_tui.sources.files import Refused, read_bytes
from pmo_tui.sources.parse import DateOrder
from pmo_tui.sources.sniff import kind_of
from pmo_tui.sources.splice import Fingerprint, fingerprint, regular
from pmo_tui.sources.table_cache import Stat, TableCache
from pmo_tui.sources.tabular import RawTable, Workbook, read_csv
from pmo_tui.sources.validate import Converted, Source, convert

PartKind = Literal["csv", "workbook", "mspdi"]
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods")
XML_SUFFIXES = (".xml",)


class UnreadableFile(Exception):
    """Nothing could be read from a file; ``problems`` say why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(f"{first.file}: {first.message}" if first else "unreadable")

    @property
    def reason(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Part:
    """One place rows of a table come from."""

    table: str
    path: Path
    name: str  # as shown to the officer (relative to the folder)
    kind: PartKind
    sheet: str | None = None  # for workbooks: None = the first sheet

    @property
    def label(self) -> str:
        return f"{self.name}, sheet {self.sheet!r}" if self.sheet else self.name


def kind_for(path: Path) -> PartKind:
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return "workbook"
    if suffix in XML_SUFFIXES:
        return "mspdi"
    return "csv"


@dataclass
class _Loaded:
    """A part read from disk, ready to convert (kept for a second conversion)."""

    source: Source
    header_row: int
    problems: list[Problem] = field(default_factory=list)
    importer: dict[str, tuple[str, ...]] | None = None


class Reader:
    """Reads parts for one load or refresh, with per-pass caches.

    Memory: a CSV file's bytes live only while it is parsed, and a part's raw text
    grid only until it is converted, unless its dates were ambiguous (then the folder's
    date order may ask for a second conversion; :meth:`release` drops it after that).
    Workbooks and MS Project plans stay open for the pass: several parts read them.
    """

    def __init__(
        self,
        folder_real: Path,
        options: SourceOptions,
        *,
        fingerprints: bool = False,
        cache: TableCache | None = None,
    ) -> None:
        self.folder_real = folder_real
        self.options = options
        #: converted tables on disk, for a first load (see table_cache)
        self.cache = cache
        self._stats: dict[Part, Stat | None] = {}
        #: take the checksums of regular CSV files, for re-reading their changed lines
        self.fingerprints = fingerprints
        self.prints: dict[Part, Fingerprint] = {}
        self._kept: dict[Path, bytes] = {}
        self._workbooks: dict[Path, Workbook] = {}
        self._plans: dict[tuple[Path, str], mspdi.Plan] = {}
        self._loaded: dict[Part, _Loaded] = {}
        # calamine workbooks are not shared between threads; one file is read once
        self._lock = threading.RLock()

    # -- raw access -----------------------------------------------------------------
    def data(self, path: Path) -> bytes:
        kept = self._kept.pop(path, None)
        if kept is not None:
            return kept
        return read_bytes(self.folder_real, path, self.options.size_cap)

    def keep(self, path: Path, data: bytes) -> None:
        """Bytes of ``path`` already read in this pass: the next :meth:`data` takes them."""
        self._kept[path] = data

    def workbook(self, path: Path, name: str, data: bytes | None = None) -> Workbook:
        if path not in self._workbooks:
            if data is None:
                data = self.data(path)
            kind = kind_of(data)
            if kind == "cfb":
                raise Refused(
                    "encrypted-file",
                    "is a password-protected (encrypted) workbook or an old .xls file; "
                    "save it as .xlsx without a password, or as CSV",
                )
            if kind == "empty":
                raise Refused("empty-file", "is empty")
            if kind != "zip":
                raise Refused("unreadable-file", "is not a workbook (no .xlsx/.ods content)")
            self._workbooks[path] = Workbook(data, name, self.options.size_cap)
        return self._workbooks[path]

    def close(self) -> None:
        for book in self._workbooks.values():
            book.close()
        self._workbooks.clear()
        self._plans.clear()
        self._loaded.clear()
        self._kept.clear()

    def release(self, part: Part) -> None:
        """Forget the raw grid of ``part`` (it will not be converted again)."""
        self._loaded.pop(part, None)

    # -- parts ----------------------------------------------------------------------
    def _load(self, part: Part) -> _Loaded:
        if part in self._loaded:
            return self._loaded[part]
        if part.kind != "csv":
            with self._lock:
                return self._load_locked(part)
        return self._load_locked(part)

    def _load_locked(self, part: Part) -> _Loaded:
        if part in self._loaded:
            return self._loaded[part]
        if part.kind == "mspdi":
            loaded = self._load_mspdi(part)
        else:
            raw = self._raw(part)
            print_ = self.prints.pop(part, None)
            if print_ is not None and (checked := regular(raw, print_)) is not None:
                self.prints[part] = checked
            loaded = self._from_raw(part, raw)
        self._loaded[part] = loaded
        return loaded

    def _from_raw(self, part: Part, raw: RawTable) -> _Loaded:
        importer = None
        source = Source(
            part.table,
            part.label,
            raw.headers,
            raw.columns,
            raw.rows,
            raw.delimiter,
            raw.encoding,
        )
        if part.table == "issues" and jira.is_jira(raw.headers):
            importer = dict(jira.COLUMNS)
            source.value_aliases = {
                "severity": jira.SEVERITY,
                "status": jira.STATUS,
                "type": jira.TYPE,
            }
            source.enum_defaults = {"type": "issue"}
        return _Loaded(source, raw.header_row, list(raw.problems), importer)

    def convert_lines(self, part: Part, raw: RawTable, date_hint: DateOrder | None) -> Converted:
        """Some lines of the part's file (``raw``), converted as a read of the whole
        file would convert them (for :mod:`pmo_tui.sources.splice`)."""
        self._loaded[part] = self._from_raw(part, raw)
        try:
            return self.convert(part, date_hint)
        finally:
            self.release(part)

    def _raw(self, part: Part) -> RawTable:
        if part.kind == "workbook":
            book = self.workbook(part.path, part.name)
            if not book.sheet_names:
                raise Refused("empty-file", "holds no sheets")
            sheet = part.sheet if part.sheet is not None else book.sheet_names[0]
            if sheet not in book.sheet_names:
                raise Refused(
                    "missing-sheet",
                    f"has no sheet {sheet!r} (sheets: "
                    f"{', '.join(repr(s) for s in book.sheet_names)})",
                )
            return book.sheet(sheet)
        # handed over in a list, which the CSV reader empties: the bytes are freed as
        # soon as they are parsed (see tabular.read_csv)
        box = [self.data(part.path)]
        kind = kind_of(box[0])
        if kind == "zip":
            # a workbook saved under a .csv name: read it as what it is
            book = self.workbook(part.path, part.name, box[0])
            raw = book.sheet(book.sheet_names[0])
            raw.problems.insert(
                0,
                Problem(
                    file=part.name,
                    table=part.table,
                    rule="wrong-extension",
                    severity=Severity.WARNING,
                    message="is a workbook saved with a CSV name; its first sheet was read",
                ),
            )
            return raw
        if kind == "cfb":
            raise Refused(
                "encrypted-file",
                "is a password-protected workbook or an old .xls file, not CSV; save it as CSV "
                "or .xlsx without a password",
            )
        if kind == "binary":
            raise Refused("binary-file", "is binary data, not a CSV export")
        if kind == "empty":
            raise Refused("empty-file", "is empty")
        if self.fingerprints and self.options.encoding is None:
            print_ = fingerprint(box[0])
            if print_ is not None:
                self.prints[part] = print_
        return read_csv(
            box, part.name, encoding=self.options.encoding, delimiter=self.options.delimiter
        )

    def _load_mspdi(self, part: Part) -> _Loaded:
        project_id = (
            self.options.constants.get("milestones", {}).get("project_id") or Path(part.name).stem
        )
        key = (part.path, project_id)
        if key not in self._plans:
            data = self.data(part.path)
            if kind_of(data) != "xml":
                raise Refused("not-mspdi", "is not an MS Project XML (MSPDI) file")
            self._plans[key] = mspdi.read_plan(data, project_id.strip())
        plan = self._plans[key]
        if part.table == "projects":
            rows = [plan.project] if plan.project else []
            headers = mspdi.PROJECT_HEADERS
            numbers = [plan.project_row] * len(rows)
        else:
            rows, headers, numbers = plan.milestones, mspdi.MILESTONE_HEADERS, plan.milestone_rows
        source = Source(
            part.table,
            part.label,
            headers,
            mspdi.columns(rows, len(headers)),
            mspdi.row_numbers(numbers),
        )
        return _Loaded(source, 1)

    def convert(self, part: Part, date_hint: DateOrder | None = None) -> Converted:
        """Rows of one part, or :class:`UnreadableFile`."""
        cache, lookup = self.cache, None
        if cache is not None:
            # taken before the first read: a second conversion (the folder's date
            # order) is stored under the stat of the bytes it converts
            if part not in self._stats:
                self._stats[part] = cache.stat(self.folder_real, part.path, self.options)
            found = self._stats[part]
            if found is not None:
                lookup = cache.lookup(
                    found, table=part.table, name=part.label, hint=date_hint, options=self.options
                )
                if part not in self._loaded and (hit := cache.get(lookup)) is not None:
                    return hit
        result = self._convert(part, date_hint)
        if cache is not None and lookup is not None:
            cache.stage(lookup, result)
        return result

    def _convert(self, part: Part, date_hint: DateOrder | None) -> Converted:
        try:
            loaded = self._load(part)
        except Refused as exc:
            raise UnreadableFile(
                [Problem(file=part.label, table=part.table, rule=exc.rule, message=exc.message)]
            ) from None
        options = self.options
        if part.kind == "mspdi":
            options = replace(options, columns={}, constants={}, values={})
        resolution = resolve(
            part.table,
            loaded.source.headers,
            options,
            part.label,
            importer=loaded.importer,
            header_row=loaded.header_row,
        )
        result = convert(loaded.source, resolution, options, date_hint=date_hint)
        if result.formats.date_order_from != "default":
            self.release(part)  # only a file with ambiguous dates is converted twice
        if part.kind == "mspdi":  # a plan without milestones is normal
            result.problems = [p for p in result.problems if p.rule != "no-rows"]
        result.problems[:0] = loaded.problems
        if resolution.missing:
            raise UnreadableFile(result.problems)
        return result


def combine(table: str, parts: Sequence[tuple[Part, Converted]]) -> Converted:
    """Rows of several parts of one table; an id used in two parts keeps the first."""
    if len(parts) == 1:
        return parts[0][1]
    frames = [c.frame for _, c in parts if len(c.frame)]
    frame = pd.concat(frames, ignore_index=True) if frames else parts[0][1].frame
    rows = np.concatenate([c.rows for _, c in parts]) if parts else np.zeros(0, dtype=np.int64)
    files = np.concatenate([[p.label] * len(c.rows) for p, c in parts]).astype(object)
    problems = [p for _, c in parts for p in c.problems]
    rejected = sum(c.rejected for _, c in parts)
    keys = KEYS.get(table, ())
    if keys and keys[0] in frame.columns and len(frame):
        ids = frame[keys[0]]
        dup = ids.duplicated(keep="first").to_numpy() & ids.notna().to_numpy()
        if dup.any():
            first: dict[object, int] = {}
            for i, value in enumerate(ids):
                first.setdefault(value, i)
            for i in (int(k) for k in np.flatnonzero(dup)):
                j = first[ids[i]]
                problems.append(
                    Problem(
                        file=str(files[i]),
                        table=table,
                        rule="duplicate-id",
                        row=int(rows[i]),
                        column=keys[0],
                        value=clip(ids[i]),
                        message=(
                            f"{keys[0]} {clip(ids[i], 40)!r} is already used in {files[j]} "
                            f"row {int(rows[j])}; this row is skipped, the first is kept"
                        ),
                    )
                )
            keep = ~dup
            frame, rows = frame[keep].reset_index(drop=True), rows[keep]
            rejected += int(dup.sum())
    votes: Counter[str] = Counter()
    for _, c in parts:
        votes.update(c.date_votes)
    return Converted(frame, rows, problems, rejected, parts[0][1].formats, votes)


def read_table(
    table: str,
    path: Path,
    options: SourceOptions | None = None,
    *,
    folder: Path | None = None,
    sheet: str | None = None,
    at: datetime | None = None,
    date_hint: DateOrder | None = None,
) -> TableState:
    """One file as the rows of ``table``.

    ``folder`` (default: the file's own folder) bounds what may be read: the
    file's real path must be inside it. Raises :class:`UnreadableFile` when
    no row can be read (not a table, encrypted, a required column missing ...).
    """
    options = options or SourceOptions()
    base = Path(os.path.realpath(folder or path.parent))
    try:
        name = str(Path(os.path.realpath(path)).relative_to(base))
    except ValueError:
        name = path.name
    part = Part(table, path, name, kind_for(path), sheet)
    reader = Reader(base, options)
    try:
        result = reader.convert(part, date_hint)
    finally:
        reader.close()
    return TableState.loaded(
        table,
        result.frame,
        origin=name,
        at=at or datetime.now(),
        problems=result.problems,
        rows=result.rows,
    )
