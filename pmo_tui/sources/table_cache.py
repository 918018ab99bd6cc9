"""Converted tables kept on disk, so that reopening an unchanged folder skips the parse.

An officer opens pmo-tui for a five-minute triage round several times a day, on
a folder whose large exports (costs, plan) change perhaps once a day. Reading
and validating them again is most of the start-up: ~95 ms for the large demo,
where reading back what that produced takes ~10 ms. This cache keeps, per file
(per sheet, per table and per date-order hint), the rows *after* conversion and
the row rules: the frame, the source row numbers, the problems and what was
decided (delimiter, encoding, date order). It is used by a first load only; a
refresh reads what changed and takes the checksums the incremental re-read
needs (:mod:`pmo_tui.sources.splice`).

When an entry is used: when the file's identity and stat are exactly what they
were (device, inode, size, mtime and ctime, all in nanoseconds), the options
(``pmo-tui.toml``) and the code that converts are the same, and the date-order
hint is the same. ctime is the guard: a user can set mtime back (``cp -p``,
``touch -d``) but not ctime, which the kernel sets on every write. A file
changed less than :data:`MARGIN` seconds before it was read is not stored: a
second write within the same timestamp tick (coarse on Linux, 1-2 s on some
network shares) could leave the stat unchanged ("racy git").

Where: ``$PMO_TUI_CACHE_DIR`` (empty: no cache), else
``$XDG_CACHE_HOME/pmo-tui/tables`` or ``~/.cache/pmo-tui/tables``. The folder
must belong to the user and be writable by nobody else, since an entry is data
shown as if it came from the file; otherwise the cache is off. One entry per
file and hint: a changed file replaces its entry. Entries not rewritten for
:data:`KEEP_DAYS` days are removed.

The format is Arrow IPC (no pickle: reading an entry runs no code). Entries are
written by a background thread after the load, to a temporary name and renamed
into place, so a reader never sees half an entry. Anything wrong with an entry
(unreadable, another key, other dtypes) makes it a miss; the file is read as
usual.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import logging
import os
import stat
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import ipc

from pmo_tui.config import SourceOptions
from pmo_tui.problems import Problem, Severity
from pmo_tui.sources.files import Refused, regular_file
from pmo_tui.sources.validate import Converted, Decisions, Formats

log = logging.getLogger(__name__)

ENV = "PMO_TUI_CACHE_DIR"
#: bump when what an entry holds changes shape
FORMAT = 1
#: a file changed less than this many seconds before it was read is not stored
MARGIN = 5.0
KEEP_DAYS = 30
#: a file with more problems than this is not stored: writing them all would hold
#: the interpreter for seconds, and such a file is read again until it is fixed
MAX_PROBLEMS = 10_000
_META = b"pmo-tui"
_ROWS = "__pmo_tui_row"
_SUFFIX = ".arrow"


def default_dir() -> Path | None:
    """Where the cache lives, or None when ``$PMO_TUI_CACHE_DIR`` is set empty (or there
    is no home folder)."""
    env = os.environ.get(ENV)
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        home = Path(base) if base else Path("~/.cache").expanduser()
    except RuntimeError:  # no home folder (a service account): no cache
        return None
    return home / "pmo-tui" / "tables"


@functools.cache
def code_key() -> str:
    """What the conversion code is: versions, and the name, size and mtime of its files.

    Any edit of the core or the readers (a new release, a checkout) gives a new key.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=16)
    versions = (FORMAT, sys.version, np.__version__, pd.__version__, pa.__version__)
    digest.update("|".join(map(str, versions)).encode())
    for path in sorted([*root.glob("*.py"), *(root / "sources").rglob("*.py")]):
        info = path.stat()
        digest.update(f"|{path.name}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()


def private_dir(path: Path) -> bool:
    """Create ``path`` (mode 0700) if needed; True when only this user can write to it."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        and os.access(path, os.W_OK | os.X_OK)
    )


@dataclass(frozen=True)
class Stat:
    """A file's real path and stat, taken before it was read."""

    real: Path
    info: os.stat_result


@dataclass
class Lookup:
    """A part's key, taken before it is read: what a later load must match."""

    path: Path
    key: dict[str, Any]
    #: False when the file changed too recently to be stored (see :data:`MARGIN`)
    storable: bool


@dataclass
class _Staged:
    lookup: Lookup
    result: Converted


@dataclass
class TableCache:
    """Converted tables on disk; see the module docstring."""

    directory: Path
    margin: float = MARGIN
    #: loads served from the cache, and entries written (for tests and benchmarks)
    hits: int = 0
    writes: int = 0
    _staged: list[_Staged] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _writer: threading.Thread | None = None

    @classmethod
    def open(cls, directory: Path | None = None, *, margin: float = MARGIN) -> TableCache | None:
        """The cache in ``directory`` (default: :func:`default_dir`), or None if it is off
        or the folder is not private."""
        where = directory if directory is not None else default_dir()
        if where is None or not private_dir(where):
            return None
        return cls(where, margin)

    # -- lookup -----------------------------------------------------------------------
    @staticmethod
    def stat(folder_real: Path, path: Path, options: SourceOptions) -> Stat | None:
        """The file as it is now, taken before it is read; None when it is not one to
        cache (outside the folder, not a regular file, over the size cap: the read
        reports it)."""
        try:
            return Stat(*regular_file(folder_real, path, options.size_cap))
        except Refused:
            return None

    def lookup(
        self, found: Stat, *, table: str, name: str, hint: str | None, options: SourceOptions
    ) -> Lookup:
        """The entry of a part (``name``: its label, with the sheet) read with ``hint``."""
        info = found.info
        key = {
            "format": FORMAT,
            "code": code_key(),
            "options": hashlib.blake2b(repr(options).encode(), digest_size=16).hexdigest(),
            "file": str(found.real),
            "table": table,
            "name": name,
            "hint": hint,
            "stat": [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns],
        }
        ident = json.dumps([str(found.real), table, name, hint])
        digest = hashlib.blake2b(ident.encode(), digest_size=16).hexdigest()
        changed = max(info.st_mtime_ns, info.st_ctime_ns)
        storable = time.time_ns() - changed > self.margin * 1e9
        return Lookup(self.directory / (digest + _SUFFIX), key, storable)

    def get(self, lookup: Lookup) -> Converted | None:
        """The cached conversion for ``lookup``, or None."""
        try:
            with pa.OSFile(str(lookup.path)) as handle:
                reader = ipc.open_file(handle)
                meta = json.loads((reader.schema.metadata or {})[_META])
                if meta["key"] != lookup.key:
                    return None
                table = reader.read_all()
            result = _from_arrow(table, meta)
        except FileNotFoundError:
            return None
        except Exception:  # a damaged entry is a miss, and is replaced after the read
            log.warning("ignoring a damaged cache entry %s", lookup.path, exc_info=True)
            return None
        self.hits += 1
        return result

    # -- store ------------------------------------------------------------------------
    def stage(self, lookup: Lookup, result: Converted) -> None:
        """Remember a fresh conversion; :meth:`save_later` writes it."""
        if lookup.storable and len(result.problems) <= MAX_PROBLEMS:
            with self._lock:
                self._staged.append(_Staged(lookup, result))

    def save_later(self) -> None:
        """Write the staged entries in a background thread (the load does not wait)."""
        with self._lock:
            if not self._staged:
                return
            staged, self._staged = self._staged, []
            previous = self._writer
            if previous is None:  # a command about to exit (check) still writes its entries
                atexit.register(self.flush, 10.0)
            self._writer = threading.Thread(
                target=self._save, args=(staged, previous), name="pmo-tui-cache", daemon=True
            )
            self._writer.start()

    def flush(self, timeout: float | None = None) -> None:
        """Wait for the background writer (tests, benchmarks, a CLI about to exit)."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout)

    def _save(self, staged: list[_Staged], previous: threading.Thread | None) -> None:
        if previous is not None:
            previous.join()
        if not private_dir(self.directory):  # removed meanwhile (a tmp cleaner): made again
            return
        for item in staged:
            try:
                self._write(item)
            except Exception:  # a full disk or a vanished folder costs the cache, nothing else
                log.warning("could not write the cache entry %s", item.lookup.path, exc_info=True)
        self._prune()

    def _write(self, item: _Staged) -> None:
        table = _to_arrow(item.result, item.lookup.key)
        path = item.lookup.path
        temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with pa.OSFile(str(temp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            temp.chmod(0o600)  # the rows of the officer's files: theirs alone, as the folder
            temp.replace(path)
        finally:
            if temp.exists():
                temp.unlink()
        self.writes += 1

    def _prune(self) -> None:
        """Remove entries not rewritten for :data:`KEEP_DAYS` and temporary files left by
        a process that stopped while writing."""
        now = time.time()
        try:
            paths = list(self.directory.iterdir())
        except OSError:
            return
        for path in paths:
            name = path.name
            try:
                age = now - path.stat().st_mtime
                if (name.endswith(_SUFFIX) and age > KEEP_DAYS * 86400) or (
                    name.endswith(".tmp") and age > 3600
                ):
                    path.unlink()
            except OSError:
                continue


def _to_arrow(result: Converted, key: dict[str, Any]) -> pa.Table:
    frame = result.frame
    # one thread: pyarrow's pool would take cores from the UI starting up, and it is
    # shut down before the exit handler that lets a command finish its entries
    table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
    table = table.append_column(_ROWS, pa.array(np.asarray(result.rows, dtype=np.int64)))
    formats, decisions = result.formats, result.decisions
    meta = {
        "key": key,
        "dtypes": [str(t) for t in frame.dtypes],
        "problems": [p.to_dict() for p in result.problems],
        "rejected": result.rejected,
        "formats": [
            formats.delimiter,
            formats.encoding,
            formats.decimal,
            formats.date_order,
            formats.date_order_from,
        ],
        "date_votes": dict(result.date_votes),
        "decisions": {
            "date_votes": dict(decisions.date_votes),
            "decimals": dict(decisions.decimals),
            "bad_numbers": sorted(decisions.bad_numbers),
            "blank_rows": decisions.blank_rows,
            "duplicates": decisions.duplicates,
        },
    }
    encoded = json.dumps(meta, ensure_ascii=True).encode()
    return table.replace_schema_metadata({**(table.schema.metadata or {}), _META: encoded})


def _problem(data: dict[str, Any]) -> Problem:
    return Problem(
        file=data["file"],
        rule=data["rule"],
        message=data["message"],
        row=data["row"],
        column=data["column"],
        value=data["value"],
        table=data["table"],
        severity=Severity(data["severity"]),
    )


def _from_arrow(table: pa.Table, meta: dict[str, Any]) -> Converted:
    rows = table.column(_ROWS).to_numpy()
    frame = table.drop_columns([_ROWS]).to_pandas()
    if [str(t) for t in frame.dtypes] != meta["dtypes"]:
        raise ValueError(f"the entry's dtypes came back as {list(frame.dtypes)}")
    decided = meta["decisions"]
    return Converted(
        frame=frame,
        rows=np.asarray(rows, dtype=np.int64),
        problems=[_problem(p) for p in meta["problems"]],
        rejected=int(meta["rejected"]),
        formats=Formats(*meta["formats"]),
        date_votes=Counter(meta["date_votes"]),
        decisions=Decisions(
            date_votes=Counter(decided["date_votes"]),
            decimals=dict(decided["decimals"]),
            bad_numbers=frozenset(decided["bad_numbers"]),
            blank_rows=int(decided["blank_rows"]),
            duplicates=bool(decided["duplicates"]),
        ),
    )
