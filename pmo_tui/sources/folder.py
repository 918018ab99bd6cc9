"""The folder source: a data folder of CSV, workbook and MS Project files.

Which file feeds which table (first match wins, per table):

1. ``[files] TABLE = "name"`` in the config;
2. a file named after the table or one of its aliases (``projects.csv``,
   ``Projecten.xlsx``: CSV before workbook);
3. a sheet named after the table in a workbook that is not itself named after
   a table (``portfolio.xlsx`` with sheets ``projects``, ``milestones`` ...), or
   the sheet ``[sheets] TABLE = "..."`` names;
4. for ``issues``, a Jira CSV export with any name;
5. MS Project XML files (``*.xml``) add their milestones to ``milestones``, and
   give the ``projects`` rows when the folder has no projects file.

Two candidates for one table are reported and the first is used. Lock and temp
files are ignored. Nothing read here is trusted: see :mod:`pmo_tui.sources.files`.

A table that cannot be read keeps its last good rows, marked stale with the
reason; a table that was never read successfully is absent and its problem is
reported. ``load``/``refresh`` never raise for bad data.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pmo_tui.config import CONFIG_NAME, SourceOptions, find_config, load_config
from pmo_tui.model import TABLES, Portfolio, TableState, assemble
from pmo_tui.problems import Problem, Severity
from pmo_tui.sources import splice
from pmo_tui.sources.aliases import norm, table_for_name
from pmo_tui.sources.base import Change, Provisional, WatchState
from pmo_tui.sources.files import Refused, is_ignored, read_bytes
from pmo_tui.sources.jira import is_jira
from pmo_tui.sources.mspdi import is_mspdi
from pmo_tui.sources.parse import DateOrder
from pmo_tui.sources.reading import (
    CSV_SUFFIXES,
    WORKBOOK_SUFFIXES,
    XML_SUFFIXES,
    Part,
    Reader,
    UnreadableFile,
    combine,
    kind_for,
)
from pmo_tui.sources.sniff import kind_of
from pmo_tui.sources.stability import Hold, unsettled, wait_for_holds
from pmo_tui.sources.table_cache import TableCache
from pmo_tui.sources.validate import Converted

if TYPE_CHECKING:  # the watcher (and watchfiles) is imported when watching starts
    from pmo_tui.sources.watch import WatchSettings

log = logging.getLogger(__name__)

DATA_SUFFIXES = CSV_SUFFIXES + WORKBOOK_SUFFIXES + XML_SUFFIXES
_PEEK = 64 * 1024


@dataclass
class Layout:
    """Which parts feed which table, as found in the folder right now."""

    parts: dict[str, list[Part]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: file path -> tables it feeds (for tables_for)
    feeds: dict[Path, set[str]] = field(default_factory=dict)

    def signature(self, table: str) -> tuple[tuple[str, str | None, str], ...]:
        return tuple((str(p.path), p.sheet, p.kind) for p in self.parts.get(table, []))


def _absolute(path: Path) -> Path:
    """An absolute, normalised path (symlinks not resolved: the watcher reports names)."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - resolve() would follow symlinks


def _undecodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _size(parts: Sequence[Part]) -> int:
    """Bytes on disk of a table's files (0 when they cannot be looked at)."""
    keys = [_stat_key(part.path) for part in parts]
    return sum(key[1] for key in keys if key is not None)


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


class FolderSource:
    """A data folder as a live :class:`~pmo_tui.sources.base.Source`."""

    def __init__(
        self,
        path: Path,
        config_path: Path | None = None,
        demo: bool = False,
        *,
        poll: float | None = None,
    ) -> None:
        self.folder = Path(path)
        self.demo = demo
        #: seconds between stat scans instead of inotify (network shares), or None
        self.poll = poll
        #: time.time() when the last full load started: the watcher reports files
        #: modified after it, so a save between load and watch is not missed
        self._load_started: float | None = None
        self.description = "demo portfolio" if demo else str(self.folder)
        self._explicit_config = config_path
        self._config_path = find_config(self.folder, config_path)
        self._config_key = _stat_key(self._config_path) if self._config_path else None
        self.config, self._config_problems = load_config(self._config_path)
        if config_path is not None and not Path(config_path).is_file():
            self._config_problems = [
                Problem(
                    file=str(config_path),
                    rule="config",
                    message="the config file given with --config does not exist; using defaults",
                )
            ]
        #: converted tables on disk, which a first load reads instead of unchanged files
        self.cache = TableCache.open()
        self._layout = Layout()
        self._date_votes: dict[str, Counter[str]] = {}
        self._workbook_sheets: dict[Path, tuple[tuple[int, int] | None, list[str] | None]] = {}
        #: per CSV part, what its last full read left for re-reading changed lines
        self._bases: dict[Part, splice.Basis] = {}
        #: tables refreshed by re-reading only their changed lines (see splice)
        self.partial_reads = 0
        self._lock = threading.Lock()

    # -- Source protocol ------------------------------------------------------------
    @property
    def options(self) -> SourceOptions:
        return self.config.source

    def load(self) -> Portfolio:
        with self._lock:
            self._load_started = time.time()
            at = datetime.now()
            layout = self._discover()
            states = self._read_tables(TABLES, layout, None, at)
            return assemble(
                states, source=self.description, source_problems=self._source_problems(layout)
            )

    def refresh(self, previous: Portfolio, change: Change) -> Portfolio:
        return self.refresh_early(previous, change).confirm()

    def refresh_early(self, previous: Portfolio, change: Change) -> Provisional:
        """Re-read the changed tables; confirm() once the held files have settled.

        A file released before its quiet time was over (``Change.holds``,
        :class:`~pmo_tui.sources.stability.Hold`) is read at once, but the read
        counts only if the file still has the stat it was released with when the
        quiet time ends; otherwise its tables keep their last good rows (not
        stale: the watcher saw it change again and reports it once more). One that
        has changed again already is not read at all.
        """
        with self._lock:
            at = datetime.now()
            tables = set(change.tables) if change.tables else set(TABLES)
            if self._reload_config_if_changed():
                tables = set(TABLES)
            old_layout = self._layout
            layout = self._discover()
            tables |= {t for t in TABLES if layout.signature(t) != old_layout.signature(t)}
            later = self._held_tables(unsettled(self.folder, change.holds))
            updates = self._read_tables(sorted(tables - later), layout, previous, at)
            for name in TABLES:
                if name not in updates:
                    updates[name] = previous.states[name].checked(at)
            portfolio = previous.with_tables(updates, source_problems=self._source_problems(layout))

        def confirm() -> Portfolio:
            moved = wait_for_holds(self.folder, change.holds)
            if not moved:
                return portfolio
            with self._lock:
                keep = self._held_tables(moved)
            return portfolio.with_tables({t: previous.states[t].checked(at) for t in keep})

        return Provisional(portfolio, confirm)

    def _held_tables(self, holds: Iterable[Hold]) -> set[str]:
        """The tables fed by these held files (all of them for the config)."""
        names = [h.name for h in holds]
        return set(self.tables_for([self.folder / n for n in names])) if names else set()

    def tables_for(self, paths: Iterable[Path]) -> frozenset[str]:
        """The tables that the changed ``paths`` feed (all of them for the config)."""
        out: set[str] = set()
        known = self._layout.feeds
        folder = _absolute(self.folder)
        config = _absolute(self._config_path) if self._config_path else None
        for raw in paths:
            path = _absolute(Path(raw))
            if path in (folder, config):
                return frozenset(TABLES)
            if path.name == CONFIG_NAME and path.parent == folder:
                return frozenset(TABLES)
            if is_ignored(path.name):
                continue
            if path in known:
                out |= known[path]
                continue
            suffix = path.suffix.lower()
            if suffix not in DATA_SUFFIXES:
                continue
            configured = {t for t, f in self.options.files.items() if _absolute(folder / f) == path}
            table = table_for_name(path.stem)
            if configured:
                out |= configured
            elif suffix in XML_SUFFIXES:
                out |= {"milestones", "projects"}
            elif table is not None:
                out.add(table)
            elif suffix in WORKBOOK_SUFFIXES:
                return frozenset(TABLES)
            else:
                out.add("issues")  # perhaps a Jira export
        return frozenset(out)

    #: the watcher's tuning (None: its defaults, the ones docs/live.md measures)
    watch_settings: WatchSettings | None = None

    def watch(self, stop: threading.Event) -> Iterator[Change | WatchState]:
        from pmo_tui.sources.watch import DEFAULT_SETTINGS, watch_folder

        settings = self.watch_settings or DEFAULT_SETTINGS
        yield from watch_folder(
            self, stop, poll=self.poll, since=self._load_started, settings=settings
        )

    def close(self) -> None:
        self._workbook_sheets.clear()

    # -- config -----------------------------------------------------------------------
    def _reload_config_if_changed(self) -> bool:
        path = find_config(self.folder, self._explicit_config)
        key = _stat_key(path) if path else None
        if path == self._config_path and key == self._config_key:
            return False
        self._config_path, self._config_key = path, key
        self.config, self._config_problems = load_config(path)
        self._bases.clear()
        return True

    def _source_problems(self, layout: Layout) -> tuple[Problem, ...]:
        return (*self._config_problems, *layout.problems)

    # -- discovery --------------------------------------------------------------------
    def _discover(self) -> Layout:
        layout = Layout()
        options = self.options
        folder_real = Path(os.path.realpath(self.folder))
        try:
            entries = sorted(os.scandir(self.folder), key=lambda e: e.name)
        except OSError as exc:
            layout.problems.append(
                Problem(
                    file=str(self.folder),
                    rule="unreadable-folder",
                    message=f"cannot list the folder: {exc.strerror or exc}",
                )
            )
            self._layout = layout
            return layout
        {e.name: e for e in entries}
        candidates: dict[str, list[tuple[int, Part]]] = {t: [] for t in TABLES}
        mspdi_files: list[Part] = []

        configured_files: set[str] = set()
        for table, name in options.files.items():
            path = self.folder / name
            configured_files.add(os.path.normpath(name))
            if not os.path.lexists(path):
                layout.problems.append(
                    Problem(
                        file=name,
                        table=table,
                        rule="missing-file",
                        message=f"[files] names {name!r} for {table}, but there is no such file",
                    )
                )
                continue
            kind = kind_for(path)
            sheet = options.sheets.get(table)
            candidates[table].append((0, Part(table, path, name, kind, sheet)))

        for entry in entries:
            name = entry.name
            if _undecodable(name) and Path(name).suffix.lower() in DATA_SUFFIXES:
                layout.problems.append(
                    Problem(
                        file=name.encode("utf-8", "backslashreplace").decode("utf-8"),
                        rule="unknown-file",
                        severity=Severity.WARNING,
                        message="has a name that is not valid UTF-8 and is ignored; rename it",
                    )
                )
                continue
            if (
                is_ignored(name)
                or name == CONFIG_NAME
                or os.path.normpath(name) in configured_files
            ):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            path = self.folder / name
            suffix = Path(name).suffix.lower()
            stem = Path(name).stem
            named = table_for_name(stem)
            if suffix == ".xls" and named:
                layout.problems.append(
                    Problem(
                        file=name,
                        table=named,
                        rule="unreadable-file",
                        message="is an old Excel 97-2003 .xls file; save it as .xlsx or CSV",
                    )
                )
                continue
            if suffix not in DATA_SUFFIXES:
                continue
            if suffix in XML_SUFFIXES:
                if self._is_mspdi(path, folder_real):
                    mspdi_files.append(Part("milestones", path, name, "mspdi"))
                else:
                    layout.problems.append(
                        Problem(
                            file=name,
                            rule="unknown-file",
                            severity=Severity.WARNING,
                            message="is XML but not an MS Project (MSPDI) file; ignored",
                        )
                    )
                continue
            if named is not None and named not in options.files:
                rank = 1 if suffix in CSV_SUFFIXES else 2
                sheet = options.sheets.get(named) if suffix in WORKBOOK_SUFFIXES else None
                if suffix in WORKBOOK_SUFFIXES and sheet is None:
                    sheet = self._sheet_named(path, name, folder_real, named)
                candidates[named].append((rank, Part(named, path, name, kind_for(path), sheet)))
                continue
            if named is not None:
                continue  # the config names another file for this table
            if suffix in WORKBOOK_SUFFIXES:
                self._workbook_parts(path, name, folder_real, candidates, layout)
            elif suffix in CSV_SUFFIXES:
                if self._is_jira(path, folder_real):
                    candidates["issues"].append((4, Part("issues", path, name, "csv")))
                else:
                    layout.problems.append(
                        Problem(
                            file=name,
                            rule="unknown-file",
                            severity=Severity.WARNING,
                            message=(
                                "is not named after a table (programmes, projects, milestones, "
                                "costs, plan, issues) and is ignored; rename it or map it in "
                                "[files]"
                            ),
                        )
                    )

        for table in TABLES:
            ranked = sorted(candidates[table], key=lambda item: item[0])
            if not ranked:
                continue
            chosen = ranked[0][1]
            layout.parts[table] = [chosen]
            for _, other in ranked[1:]:
                layout.problems.append(
                    Problem(
                        file=other.label,
                        table=table,
                        rule="duplicate-table",
                        severity=Severity.WARNING,
                        message=(
                            f"also looks like {table}, which is read from {chosen.label}; ignored"
                        ),
                    )
                )
        if mspdi_files:
            layout.parts.setdefault("milestones", []).extend(mspdi_files)
            if "projects" not in layout.parts:
                layout.parts["projects"] = [replace(p, table="projects") for p in mspdi_files]
        if "projects" not in layout.parts:
            layout.problems.append(
                Problem(
                    file=str(self.folder),
                    table="projects",
                    rule="missing-table",
                    message=(
                        "there is no projects table; put projects.csv or projects.xlsx in the "
                        "folder, or name the file in [files] in pmo-tui.toml"
                    ),
                )
            )
        for table, parts in layout.parts.items():
            for part in parts:
                layout.feeds.setdefault(_absolute(part.path), set()).add(table)
        self._layout = layout
        return layout

    def _sheets(self, path: Path, name: str, folder_real: Path) -> list[str]:
        """Sheet names of a workbook (cached by size and mtime); Refused if unreadable."""
        key = _stat_key(path)
        cached = self._workbook_sheets.get(path)
        if cached is not None and cached[0] == key and cached[1] is not None:
            return cached[1]
        reader = Reader(folder_real, self.options)
        try:
            sheets = list(reader.workbook(path, name).sheet_names)
        finally:
            reader.close()
        self._workbook_sheets[path] = (key, sheets)
        return sheets

    def _sheet_named(self, path: Path, name: str, folder_real: Path, table: str) -> str | None:
        """In ``projects.xlsx``, a sheet called ``projects`` wins over the first sheet."""
        try:
            sheets = self._sheets(path, name, folder_real)
        except Refused:
            return None  # reported when the part is read
        for sheet in sheets:
            if table_for_name(sheet) == table:
                return sheet
        return None

    def _workbook_parts(
        self,
        path: Path,
        name: str,
        folder_real: Path,
        candidates: dict[str, list[tuple[int, Part]]],
        layout: Layout,
    ) -> None:
        try:
            sheets = self._sheets(path, name, folder_real)
        except Refused as exc:
            layout.problems.append(Problem(file=name, rule=exc.rule, message=exc.message))
            return
        wanted = {norm(s): t for t, s in self.options.sheets.items()}
        found = False
        for sheet in sheets:
            table = wanted.get(norm(sheet)) or table_for_name(sheet)
            if table is None:
                continue
            if table in self.options.files:
                continue
            candidates[table].append((3, Part(table, path, name, "workbook", sheet)))
            found = True
        if not found:
            layout.problems.append(
                Problem(
                    file=name,
                    rule="unknown-file",
                    severity=Severity.WARNING,
                    message=(
                        f"no sheet is named after a table (sheets: "
                        f"{', '.join(repr(s) for s in sheets[:10])}); ignored"
                    ),
                )
            )

    def _is_mspdi(self, path: Path, folder_real: Path) -> bool:
        """An MS Project XML file, or one that cannot be read (then reading reports why)."""
        try:
            head = read_bytes(folder_real, path, self.options.size_cap, peek=4096)
        except Refused:
            return True
        return is_mspdi(head) or b"<!DOCTYPE" in head or b"<!ENTITY" in head

    def _is_jira(self, path: Path, folder_real: Path) -> bool:
        try:
            data = read_bytes(folder_real, path, self.options.size_cap, peek=_PEEK)
        except Refused:
            return False
        from pmo_tui.sources.tabular import read_csv

        text = data.split(b"\n", 1)[0] + b"\n"
        try:
            raw = read_csv(
                text, path.name, encoding=self.options.encoding, delimiter=self.options.delimiter
            )
        except (Refused, ValueError):
            return False
        return is_jira(raw.headers)

    # -- reading ----------------------------------------------------------------------
    def _hint(self, table: str) -> DateOrder | None:
        votes: Counter[str] = Counter()
        for name, counted in self._date_votes.items():
            if name != table:
                votes.update(counted)
        if not votes:
            return None
        return "dayfirst" if votes["dayfirst"] >= votes["monthfirst"] else "monthfirst"

    def _read_tables(
        self, tables: Sequence[str], layout: Layout, previous: Portfolio | None, at: datetime
    ) -> dict[str, TableState]:
        folder_real = Path(os.path.realpath(self.folder))
        # a refresh takes checksums of what it reads in full, so that the next change
        # re-reads only the changed lines; a first load does not (it stays lean)
        reader = Reader(
            folder_real,
            self.options,
            fingerprints=previous is not None,
            cache=self.cache if previous is None else None,
        )
        states: dict[str, TableState] = {}
        try:
            if previous is not None:
                for table in tables:
                    spliced = self._reread(table, layout, reader, previous.states[table], at)
                    if spliced is not None:
                        states[table] = spliced
            tables = [t for t in tables if t not in states]
            results = self._convert_all(tables, layout, reader)
            # files whose dates were ambiguous follow the rest of the folder
            for table, (parts, _) in results.items():
                if any(c.formats.date_order_from == "default" for _, c in parts):
                    hint = self._hint(table)
                    if hint is not None:
                        results[table] = self._convert(table, layout, reader, hint)
        finally:
            reader.close()
            if reader.cache is not None:
                reader.cache.save_later()
        for table in tables:
            parts, failures = results.get(table, ([], []))
            old = previous.states[table] if previous is not None else None
            states[table] = self._state(
                table, layout=layout, parts=parts, failures=failures, old=old, at=at
            )
            self._keep_basis(table, layout, parts, states[table], reader)
        return states

    def _reread(
        self, table: str, layout: Layout, reader: Reader, old: TableState, at: datetime
    ) -> TableState | None:
        """The table from the changed lines of its file alone, or None (read it all)."""
        parts = layout.parts.get(table, [])
        if len(parts) != 1 or parts[0].kind != "csv":
            return None
        part = parts[0]
        basis = self._bases.pop(part, None)
        if basis is None:
            return None
        try:
            data = reader.data(part.path)
        except Refused:
            return None  # the full read reports it
        if kind_of(data) != "csv":
            reader.keep(part.path, data)
            return None
        hint = self._hint(table)
        try:
            done = splice.reread(
                basis,
                old,
                data,
                file=part.name,
                options=self.options,
                at=at,
                convert=lambda raw: reader.convert_lines(part, raw, hint),
            )
        except Exception:  # a bug here must not cost a refresh: the full read follows
            log.exception("re-reading the changed lines of %s failed", part.name)
            done = None
        if done is None:
            reader.keep(part.path, data)  # the full read takes these very bytes
            return None
        state, self._bases[part] = done
        self.partial_reads += 1
        return state

    def _keep_basis(
        self,
        table: str,
        layout: Layout,
        parts: list[tuple[Part, Converted]],
        state: TableState,
        reader: Reader,
    ) -> None:
        """After a full read: what the next change of a one-file table can re-read from."""
        for part in layout.parts.get(table, []):
            self._bases.pop(part, None)
        if len(parts) != 1 or state.stale or not state.present:
            return
        part, converted = parts[0]
        print_ = reader.prints.get(part)
        if print_ is None:
            return
        problems = state.problems
        leading = next((i for i, p in enumerate(problems) if p.row is not None), len(problems))
        if any(p.row is None for p in problems[leading:]):
            return
        self._bases[part] = splice.Basis(
            print_, state.frame, converted.formats, converted.decisions, leading
        )

    def _convert_all(
        self, tables: Sequence[str], layout: Layout, reader: Reader
    ) -> dict[str, tuple[list[tuple[Part, Converted]], list[UnreadableFile]]]:
        """Convert the tables one after another, the largest files first.

        Not in parallel: each table's working memory (its bytes, the parsed text,
        the converted columns) is several times its loaded size, and tables read
        side by side held it all at once (the large demo peaked at ~440 MiB that
        way, ~195 MiB now; ``benchmarks/memory.py``). Converting the small tables
        in a helper thread meanwhile measured no faster on 2 cores: the Python
        parts fight over the GIL, and over the cores with the UI starting up.
        Largest first, so the big transient peak comes before the other tables'
        rows have piled up. Every table gets the date-order hint the folder gave
        before this pass, so the order does not change what an ambiguous file is
        read as.
        """
        wanted = [t for t in tables if layout.parts.get(t)]
        hints = {t: self._hint(t) for t in wanted}
        done = {
            t: self._convert(t, layout, reader, hints[t])
            for t in sorted(wanted, key=lambda t: -_size(layout.parts[t]))
        }
        return {t: done[t] for t in wanted}

    def _convert(
        self, table: str, layout: Layout, reader: Reader, hint: DateOrder | None
    ) -> tuple[list[tuple[Part, Converted]], list[UnreadableFile]]:
        converted: list[tuple[Part, Converted]] = []
        failures: list[UnreadableFile] = []
        for part in layout.parts.get(table, []):
            try:
                converted.append((part, reader.convert(part, hint)))
            except UnreadableFile as exc:
                failures.append(exc)
            except Exception as exc:  # a reader bug must not take the wall display down
                failures.append(
                    UnreadableFile(
                        [
                            Problem(
                                file=part.label,
                                table=table,
                                rule="unreadable-file",
                                message=f"could not be read ({type(exc).__name__}: {exc})",
                            )
                        ]
                    )
                )
        votes: Counter[str] = Counter()
        for _, c in converted:
            votes.update(c.date_votes)
        if votes:
            self._date_votes[table] = votes
        return converted, failures

    def _state(
        self,
        table: str,
        *,
        layout: Layout,
        parts: list[tuple[Part, Converted]],
        failures: list[UnreadableFile],
        old: TableState | None,
        at: datetime,
    ) -> TableState:
        problems = [p for f in failures for p in f.problems]
        has_old = old is not None and old.present and old.loaded_at is not None
        if not layout.parts.get(table):
            if has_old:
                assert old is not None
                reason = f"{old.origin or table} is gone; showing its last good rows"
                gone = Problem(
                    file=old.origin or table, table=table, rule="file-gone", message=reason
                )
                return old.failed(reason, at, (gone,))
            return TableState.absent(table, at)
        if failures and has_old:
            assert old is not None
            reason = failures[0].reason
            return old.failed(reason, at, problems + [p for _, c in parts for p in c.problems])
        if not parts:
            return replace(TableState.absent(table, at), problems=tuple(problems))
        result = combine(table, parts)
        origin = ", ".join(dict.fromkeys(p.name for p, _ in parts))
        return TableState.loaded(
            table,
            result.frame,
            origin=origin,
            at=at,
            problems=[*problems, *result.problems],
            rows=result.rows,
        )

    # -- for check ------------------------------------------------------------------
    @property
    def config_path(self) -> Path | None:
        return self._config_path

    def layout(self) -> Layout:
        return self._layout
