"""Live updates through the screen: a write (or a commit) to the changed value painted.

    python benchmarks/live.py [--repeat N] [--size 160x50] [--idle SECONDS]
                              [--sources folder,sqlite,postgres] [--pg URL]
                              [--settle SECONDS] [--without-closes] [--trace]

``pmo-tui`` runs on a pseudo-terminal (as in ``startup.py``) on a copy of the
large demo. The script navigates to where the value shows, changes it on disk
(or in the database), and times from the end of the write (``close()`` of the
file; the ``COMMIT`` returning) to the moment the new value arrives on the
terminal:

* **issues**: the triage queue filtered to one open issue; its title changes.
* **milestones**: the first project's milestone tab; the first milestone's name.
* **costs**: that project's costs tab; one cost line of its first month.

Floors, measured in the same run for every write:

* folder: watchfiles' own report of the same write (``watchfiles.watch``,
  ``step=10``, on the same folder) **plus** a bare ``pandas.read_csv`` of that
  file;
* SQLite: a bare ``PRAGMA data_version`` poll every 50 ms on its own connection
  noticing the same commit, plus a bare ADBC Arrow read of that table;
* PostgreSQL: a bare ``LISTEN`` on the same channel receiving the same commit's
  notification, plus a bare ADBC Arrow read of that table.

Also: a key pressed while a costs reload runs (``j`` on the milestone tab,
detected by the next milestone's name in the detail line) against the same key
with nothing running, and idle CPU of the app over ``--idle`` seconds (no
changes; the process's user+system time / wall time, % of one core).

``--settle`` runs the folder part with another ``WatchSettings.settle`` (the
stability wait before a changed file is read; default 0.04 s) to show the
trade-off; ``--without-closes`` runs it with the watcher not going by a
writer's close (``WatchSettings.trust_closes``), for an A/B in one run.
``--trace`` runs the app through ``trace_app.py`` and prints, per
table, when each stage of the refresh ended (median ms after the write): the
watcher's notice, the read, the metrics, the screen's rows built in the worker,
``on_data_ready`` on the UI thread, the first write to the terminal after it.
The tracing itself costs a little. Medians, p95 and ratios are printed; nothing
is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import queue
import re
import shutil
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd
from _common import OUT, compile_app, large_demo, median, report
from startup import ESCAPES, Terminal, app_env

PYTHON = sys.executable
#: runs the app for --trace and --settle (benchmark-only patches; see its docstring)
TRACE_APP = Path(__file__).resolve().parent / "trace_app.py"


# -- what to change, and where it shows ------------------------------------------------


@dataclass
class Targets:
    """Ids and texts picked from the portfolio as the app will show it."""

    issue_id: str  # the issue at the top of the triage queue (read from the screen)
    project_issue_id: str  # an issue of the project below (its issues tab)
    project_id: str
    milestone_id: str
    milestone_name: str
    next_milestone_name: str
    cost_key: tuple[str, str, str]  # project_id, period (YYYY-MM), category
    cost_amount: float
    programme_count: int


def pick_targets(folder: Path) -> Targets:
    from pmo_tui.metrics import MetricsEngine
    from pmo_tui.screens import views
    from pmo_tui.screens.snapshot import Snapshot
    from pmo_tui.sources.folder import FolderSource
    from pmo_tui.widgets.fmt import Formatter

    source = FolderSource(folder)
    portfolio = source.load()
    as_of = source.config.as_of or datetime.now().date()
    metrics = MetricsEngine(source.config).update(portfolio, as_of)
    snapshot = Snapshot(portfolio, metrics, source.config, as_of, Formatter(), datetime.now())
    issues = metrics.issues
    open_issues = issues.loc[issues["open"].fillna(True)]
    issue = open_issues.iloc[len(open_issues) // 2]
    programme = views.programme_grid_rows(snapshot)[0].key
    project = views.programme_project_rows(snapshot, programme)[0].key
    milestones = snapshot.rows_for_project("metrics.milestones", project)
    costs = portfolio["costs"]
    lines = costs.loc[costs["project_id"] == project].sort_values("period")
    first = lines.iloc[0]
    return Targets(
        issue_id=str(issue["issue_id"]),
        project_issue_id=str(issues.loc[issues["project_id"] == project, "issue_id"].iloc[0]),
        project_id=project,
        milestone_id=str(milestones.iloc[0]["milestone_id"]),
        milestone_name=str(milestones.iloc[0]["name"]),
        next_milestone_name=str(milestones.iloc[1]["name"]),
        cost_key=(project, f"{first['period']:%Y-%m}", str(first["category"])),
        cost_amount=float(first["amount"]),
        programme_count=len(views.programme_grid_rows(snapshot)),
    )


def money(amount: float) -> str:
    from pmo_tui.widgets.fmt import Formatter

    return Formatter().money(amount)


# -- the terminal ------------------------------------------------------------------------


class Screen(Terminal):
    """The app on a pty; waits for a text to arrive and says when it did."""

    def wait_text(self, wanted: str | Callable[[str], bool], timeout: float = 30.0) -> float:
        """``time.perf_counter()`` of the read that brought ``wanted`` on screen."""
        match = wanted if callable(wanted) else (lambda text: wanted in text)
        deadline = time.perf_counter() + timeout
        while True:
            text = ESCAPES.sub(b"", bytes(self.raw[self.cursor :])).decode("utf-8", "replace")
            if match(text):
                at = getattr(self, "_last_read", time.perf_counter())
                self.cursor = len(self.raw)
                return at
            if time.perf_counter() > deadline:
                code = self.process.poll()
                state = "running" if code is None else f"exited with {code}"
                tail = ESCAPES.sub(b"", bytes(self.raw[-4000:])).decode("utf-8", "replace")
                raise TimeoutError(
                    f"{wanted!r} not on screen within {timeout} s (app {state}); "
                    f"last output: {tail[-1500:]!r}"
                )
            if self._read(0.05):
                self._last_read = time.perf_counter()

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(argv: list[str], cols: int, rows: int, env: dict[str, str]) -> Screen:
    screen = Screen(argv, cols, rows, env)
    screen.wait_text(re.compile(r"Programmes \d+").search, timeout=120)
    screen.settle(1.0)
    return screen


# -- floors: what the same write costs the bare tools ------------------------------------


def _seen_after(
    times: queue.Queue[float], start: float, timeout: float, *, early: bool = False
) -> float:
    """Seconds from ``start`` to the first report at or after it (NaN: none came).

    ``early``: a report that came before ``start`` counts as 0 s. A database's
    listener may learn of a commit before the writer's ``COMMIT`` call returns;
    ``arm()`` emptied the queue before the write, so that report is this write's.
    """
    deadline = time.perf_counter() + timeout
    while (left := deadline - time.perf_counter()) > 0:
        try:
            at = times.get(timeout=left)
        except queue.Empty:
            break
        if at >= start or early:
            return max(0.0, at - start)
    return math.nan


class FileFloor:
    """watchfiles on the same folder (step=10), reporting writes of one file name."""

    def __init__(self, folder: Path) -> None:
        import watchfiles

        self.times: queue.Queue[float] = queue.Queue()
        self.stop = threading.Event()
        self.name = ""

        def run() -> None:
            for _ in watchfiles.watch(
                folder,
                step=10,
                debounce=1600,
                recursive=False,
                stop_event=self.stop,
                watch_filter=lambda _c, path: Path(path).name == self.name,
                rust_timeout=100,
                yield_on_timeout=False,
            ):
                self.times.put(time.perf_counter())

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        time.sleep(0.3)

    def arm(self, name: str) -> None:
        self.name = name
        while not self.times.empty():
            self.times.get_nowait()

    def seen_after(self, start: float, timeout: float = 5.0) -> float:
        return _seen_after(self.times, start, timeout)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)


class SqliteFloor:
    """A bare ``PRAGMA data_version`` poll every 50 ms on its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.times: queue.Queue[float] = queue.Queue()
        self.stop = threading.Event()

        def run() -> None:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            last = conn.execute("PRAGMA data_version").fetchone()[0]
            while not self.stop.wait(0.05):
                now = conn.execute("PRAGMA data_version").fetchone()[0]
                if now != last:
                    last = now
                    self.times.put(time.perf_counter())
            conn.close()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def arm(self, name: str) -> None:
        while not self.times.empty():
            self.times.get_nowait()

    def seen_after(self, start: float, timeout: float = 5.0) -> float:
        return _seen_after(self.times, start, timeout)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)


class PostgresFloor:
    """A bare LISTEN on the source channel, on its own connection."""

    def __init__(self, url: str) -> None:
        import psycopg

        from pmo_tui.sources.db_read import pg_conninfo
        from pmo_tui.sources.db_schema import CHANNEL, parse_url

        self.times: queue.Queue[float] = queue.Queue()
        self.stop = threading.Event()
        self.conn = psycopg.connect(pg_conninfo(parse_url(url)), autocommit=True)
        self.conn.execute(f"LISTEN {CHANNEL}")

        def run() -> None:
            while not self.stop.is_set():
                for _ in self.conn.notifies(timeout=0.2, stop_after=1):
                    self.times.put(time.perf_counter())

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def arm(self, name: str) -> None:
        while not self.times.empty():
            self.times.get_nowait()

    def seen_after(self, start: float, timeout: float = 5.0) -> float:
        return _seen_after(self.times, start, timeout, early=True)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.conn.close()


# -- the three kinds of source -------------------------------------------------------------


class FolderWriter:
    """Writes the changed CSV files (whole-file writes, as an export does)."""

    label = "folder"

    def __init__(self, folder: Path, targets: Targets) -> None:
        self.folder = folder
        self.targets = targets
        self.original = {
            n: (folder / f"{n}.csv").read_bytes() for n in ("issues", "milestones", "costs")
        }
        self.floor = FileFloor(folder)

    def argv(self) -> list[str]:
        return [str(self.folder)]

    def _variant(self, table: str, old: bytes, new: bytes) -> bytes:
        data = self.original[table]
        assert data.count(old) >= 1, (table, old)
        return data.replace(old, new, 1)

    def prepare(self, table: str, n: int) -> tuple[bytes, str]:
        """(file content, the text that will show on screen) for write number ``n``."""
        t = self.targets
        if table in ("issues", "triage"):
            token = f"LIVE{n:04d}"
            issue = t.issue_id if table == "triage" else t.project_issue_id
            old = f"\n{issue},".encode()
            line_start = self.original["issues"].index(old) + 1
            line_end = self.original["issues"].index(b"\n", line_start)
            line = self.original["issues"][line_start:line_end]
            cells = line.decode().split(",")
            cells[2] = token
            return self._variant("issues", line, ",".join(cells).encode()), token
        if table == "milestones":
            token = f"MS{n:04d}"
            old = f"{t.milestone_id},{t.project_id},{t.milestone_name},".encode()
            return self._variant(
                "milestones", old, f"{t.milestone_id},{t.project_id},{token},".encode()
            ), token
        amount = 7_300_000 + 1111 * n
        project, period, category = t.cost_key
        old = f"{project},{period},{t.cost_amount:.2f},{category}".encode()
        new = f"{project},{period},{amount:.2f},{category}".encode()
        return self._variant("costs", old, new), money(amount)

    def write(self, table: str, content: object) -> float:
        assert isinstance(content, bytes)
        self.floor.arm(f"{table}.csv")
        with (self.folder / f"{table}.csv").open("wb") as handle:
            handle.write(content)
        return time.perf_counter()

    def floor_read(self, table: str) -> float:
        started = time.perf_counter()
        pd.read_csv(self.folder / f"{table}.csv")
        return time.perf_counter() - started

    def restore(self) -> None:
        for name, data in self.original.items():
            (self.folder / f"{name}.csv").write_bytes(data)

    def close(self) -> None:
        self.floor.close()


class DatabaseWriter:
    """Commits one-row UPDATEs (SQLite or PostgreSQL)."""

    def __init__(self, url: str, targets: Targets, label: str) -> None:
        self.url = url
        self.targets = targets
        self.label = label
        if label == "sqlite":
            path = Path(url.split("sqlite:///", 1)[1])
            self.floor_copy = path.with_name(path.stem + "-floor.sqlite")
            shutil.copyfile(path, self.floor_copy)
            self.conn: Any = sqlite3.connect(path, isolation_level=None)
            self.floor: Any = SqliteFloor(path)
            self.placeholder = "?"
        else:
            import psycopg

            from pmo_tui.sources.db_read import pg_conninfo
            from pmo_tui.sources.db_schema import parse_url

            self.conn = psycopg.connect(pg_conninfo(parse_url(url)), autocommit=True)
            self.floor = PostgresFloor(url)
            self.placeholder = "%s"

    def argv(self) -> list[str]:
        return [self.url]

    def prepare(self, table: str, n: int) -> tuple[tuple[str, tuple[object, ...]], str]:
        t, q = self.targets, self.placeholder
        if table in ("issues", "triage"):
            token = f"LIVE{n:04d}"
            issue = t.issue_id if table == "triage" else t.project_issue_id
            return (
                f"UPDATE issues SET title = {q} WHERE issue_id = {q}",
                (token, issue),
            ), token
        if table == "milestones":
            token = f"MS{n:04d}"
            sql = f"UPDATE milestones SET name = {q} WHERE milestone_id = {q}"
            return (sql, (token, t.milestone_id)), token
        amount = 7_300_000 + 1111 * n
        project, period, category = t.cost_key
        sql = (
            f"UPDATE costs SET amount = {q} WHERE project_id = {q} "
            f"AND period = {q} AND category = {q}"
        )
        return (sql, (amount, project, f"{period}-01", category)), money(amount)

    def write(self, table: str, content: object) -> float:
        sql, params = content  # type: ignore[misc]
        self.floor.arm(table)
        if self.label == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE")
            cursor = self.conn.execute(sql, params)
            assert cursor.rowcount == 1, (sql, params, cursor.rowcount)
            self.conn.execute("COMMIT")
        else:
            cursor = self.conn.execute(sql, params)
            assert cursor.rowcount == 1, (sql, params, cursor.rowcount)
        return time.perf_counter()

    def floor_read(self, table: str) -> float:
        started = time.perf_counter()
        if self.label == "sqlite":
            import adbc_driver_sqlite.dbapi as adbc

            # A copy of the file, never the file itself: the ADBC driver carries its own
            # SQLite library, and closing its connection would drop the POSIX locks of
            # this process's sqlite3 connections on the same file (sqlite.org/howtocorrupt
            # "multiple copies of SQLite in the same application").
            with adbc.connect(str(self.floor_copy)) as conn, conn.cursor() as cur:
                cur.execute(f"SELECT * FROM {table}")
                cur.fetch_arrow_table()
        else:
            import adbc_driver_postgresql.dbapi as adbc

            from pmo_tui.sources.db_read import pg_conninfo
            from pmo_tui.sources.db_schema import parse_url

            uri = pg_conninfo(parse_url(self.url))
            with adbc.connect(uri) as conn, conn.cursor() as cur:
                cur.execute(f"SELECT * FROM {table}")
                cur.fetch_arrow_table()
        return time.perf_counter() - started

    def restore(self) -> None:
        pass

    def close(self) -> None:
        self.floor.close()
        self.conn.close()
        if self.label == "sqlite":
            self.floor_copy.unlink(missing_ok=True)


# -- one run --------------------------------------------------------------------------------


@dataclass
class Results:
    #: the file ``trace_app.py`` and ``measure_table`` mark the stages in (``--trace``)
    trace: Path | None = None
    latency: dict[str, list[float]] = field(default_factory=dict)
    floor: dict[str, list[float]] = field(default_factory=dict)
    floor_parts: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    key_busy: list[float] = field(default_factory=list)
    key_idle: list[float] = field(default_factory=list)
    idle_cpu: float | None = None


#: what each measurement writes: "issues" shows on the project's issues tab,
#: "triage" in the triage queue (10,000 issues, filtered to one)
TABLE_OF = {"issues": "issues", "triage": "issues", "milestones": "milestones", "costs": "costs"}
START = {"issues": 0, "triage": 500, "milestones": 0, "costs": 1000}


def measure_table(screen: Screen, writer: Any, kind: str, repeat: int, results: Results) -> None:
    table = TABLE_OF[kind]
    lat, floors, watches, reads = [], [], [], []
    for n in range(1, repeat + 1):
        content, token = writer.prepare(kind, n + START[kind])
        screen.settle(1.0)  # the previous refresh, its background work and toast are done
        done = writer.write(table, content)
        painted = screen.wait_text(token, timeout=30)
        lat.append(painted - done)
        if results.trace is not None:
            with results.trace.open("a") as trace:
                trace.write(f"{done:.6f} bench written {kind}\n")
                trace.write(f"{painted:.6f} bench painted {kind}\n")
        watch = writer.floor.seen_after(done)
        read = writer.floor_read(table)
        reads.append(read)
        if math.isnan(watch):
            print(f"  ({kind} write {n}: the floor watcher reported nothing; left out)")
            continue
        watches.append(watch)
        floors.append(watch + read)
    results.latency[kind] = lat
    results.floor[kind] = floors
    results.floor_parts[kind] = (watches, reads)


#: when the key is pressed after the costs write (s): database sources, then the folder
#: (whose reload starts later: watchfiles' report and the settle wait come first)
BUSY_DELAYS = {False: (0.01, 0.03, 0.06, 0.1, 0.15), True: (0.04, 0.08, 0.12, 0.16, 0.2)}


def measure_keys(
    screen: Screen, writer: Any, names: tuple[str, str], repeat: int, results: Results
) -> None:
    """``j``/``k`` on the milestone tab, with and without a costs reload running.

    ``names``: the second milestone's name, then the first's (as it reads now)."""
    for n in range(repeat):
        for busy in (False, True):
            screen.settle(0.8)
            wanted = f"{names[n % 2]}: "  # the detail line under the milestone grid
            if busy:
                content, _ = writer.prepare("costs", 2000 + n * 2 + int(busy))
                done = writer.write("costs", content)
                # spread over the whole reload: the read, the metrics, the new snapshot
                delays = BUSY_DELAYS[writer.label == "folder"]
                delay = delays[n % len(delays)]
                while time.perf_counter() < done + delay:  # the reload is running now
                    time.sleep(0.002)
            pressed = screen.press(b"j" if n % 2 == 0 else b"k")
            at = screen.wait_text(wanted, timeout=10)
            (results.key_busy if busy else results.key_idle).append(at - pressed)
            if not busy:
                screen.press(b"k" if n % 2 == 0 else b"j")
                screen.settle(0.3)
        screen.settle(0.5)


def run_source(
    writer: Any,
    targets: Targets,
    args: argparse.Namespace,
    env: dict[str, str],
    watch_env: dict[str, str] | None = None,
) -> Results:
    cols, rows = (int(v) for v in args.size.split("x"))
    source_args = [*writer.argv(), "--as-of", "2026-11-30"]  # the large demo's date
    argv = [PYTHON, "-m", "pmo_tui", *source_args]
    results = Results()
    if watch_env:
        env = {**env, **watch_env}
        argv = [PYTHON, str(TRACE_APP), *source_args]
    if args.trace:
        results.trace = OUT / f"trace-{writer.label}.log"
        results.trace.write_text("")
        env = {**env, "PMO_BENCH_TRACE": str(results.trace)}
        argv = [PYTHON, str(TRACE_APP), *source_args]
    screen = start(argv, cols, rows, env)
    try:
        # issues: the issue at the top of the triage queue (10,000 issues; the queue is
        # sorted by severity, so a new title does not move it); its id is read from the
        # detail line under the queue
        mark = len(screen.raw)
        screen.press(b"t")
        screen.wait_text(re.compile(r"Open issues [\d,]+").search, timeout=60)
        screen.settle(1.0)
        text = ESCAPES.sub(b"", bytes(screen.raw[mark:])).decode("utf-8", "replace")
        found = re.findall(r"(?m)^ (I-\d+) ", text.replace("\r\n", "\n"))
        if not found:
            raise RuntimeError("no issue under the cursor in the triage queue")
        targets.issue_id = found[-1]
        measure_table(screen, writer, "triage", args.repeat, results)
        # issues, milestones and costs: the first project of the first programme
        screen.press(b"\x1b")  # back to the portfolio
        screen.settle(0.5)
        screen.press(b"\r")
        screen.wait_text(re.compile(r"Projects \d+").search)
        screen.settle(0.5)
        screen.press(b"\r")
        screen.settle(1.0)
        screen.press(b"4")
        screen.settle(0.5)
        measure_table(screen, writer, "issues", args.repeat, results)
        screen.press(b"2")
        screen.settle(0.5)
        measure_table(screen, writer, "milestones", args.repeat, results)
        if args.keys:
            first = f"MS{args.repeat:04d}"  # the first milestone's name after the writes
            names = (targets.next_milestone_name, first)
            measure_keys(screen, writer, names, args.keys, results)
        screen.press(b"3")
        screen.settle(0.5)
        measure_table(screen, writer, "costs", args.repeat, results)
        if args.idle > 0:
            screen.press(b"1")
            screen.settle(5.0)
            cpu0, wall0 = screen.cpu_seconds(), time.perf_counter()
            time.sleep(args.idle)
            cpu1, wall1 = screen.cpu_seconds(), time.perf_counter()
            results.idle_cpu = 100.0 * (cpu1 - cpu0) / (wall1 - wall0)
    finally:
        screen.close()
        writer.restore()
    return results


#: the stages of a refresh that ``trace_app.py`` marks, in order, and how they are shown
STAGES = (
    ("notice", "notice"),
    ("< read", "read"),
    ("< metrics", "metrics"),
    ("< warm", "warm"),
    ("< confirm", "settled"),
    ("> apply", "on_data_ready"),
    ("< apply", "applied"),
    ("write", "1st write"),
    ("painted", "painted"),
)


def print_trace(label: str, path: Path) -> None:
    """Per table, the median ms after the write at which each stage ended."""
    events = []
    for line in path.read_text().splitlines():
        at, _, what = line.split(" ", 2)
        events.append((float(at), what))
    events.sort()
    for kind in ("issues", "triage", "milestones", "costs"):
        seen: dict[str, list[float]] = {}
        for n, (start, what) in enumerate(events):
            if what != f"written {kind}":
                continue
            applied = False
            found: dict[str, float] = {}
            for at, event in events[n + 1 :]:
                if event.startswith("written "):
                    break
                for prefix, name in STAGES:
                    if name in found or not event.startswith(prefix):
                        continue
                    if name == "1st write" and not applied:
                        continue  # a write before the new data is not its paint
                    found[name] = (at - start) * 1e3
                applied = applied or event.startswith("< apply")
                if event.startswith("painted "):
                    break
            for name, value in found.items():
                seen.setdefault(name, []).append(value)
        if not seen:
            continue
        parts = [f"{name} {median(seen[name]):.1f}" for _, name in STAGES if name in seen]
        print(f"  {label} {kind} trace (ms after the write, median): {' · '.join(parts)}")


def print_results(label: str, results: Results, idle: float) -> None:
    targets = {"issues": 3.0, "triage": 3.0, "costs": 2.5}
    names = {"triage": "issues (triage queue)", "issues": "issues (project tab)"}
    for table in ("issues", "triage", "milestones", "costs"):
        if table not in results.latency:
            continue
        watches, reads = results.floor_parts[table]
        print(
            f"  {label} {names.get(table, table)}: floor parts median: "
            f"notice {median(watches) * 1e3:.1f} ms, bare read {median(reads) * 1e3:.1f} ms",
            flush=True,
        )
        report(
            f"{label}: {table} write -> painted",
            results.latency[table],
            results.floor[table],
            target=targets.get(table),
        )
        if table in ("issues", "triage"):
            report(f"{label}: {table} vs 150 ms", results.latency[table], 0.150, target=1.0)
    if results.key_busy:
        report(f"{label}: key during costs reload", results.key_busy, results.key_idle)
        report(f"{label}: key during reload vs 50 ms", results.key_busy, 0.050, target=1.0)
    if results.idle_cpu is not None:
        verdict = "ok" if results.idle_cpu <= 1.0 else "OVER TARGET"
        print(
            f"{label + ': idle CPU over ' + str(int(idle)) + ' s':<40} {results.idle_cpu:8.2f} %"
            f"   of one core   target ≤1% {verdict}",
            flush=True,
        )
    if results.trace is not None:
        print_trace(label, results.trace)


# -- set-up -----------------------------------------------------------------------------------


def folder_copy() -> Path:
    source = large_demo()
    compile_app()  # as an install does (see _common.compile_app)
    target = OUT / "live-folder"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".pmo-tui"))
    return target


@contextlib.contextmanager
def sqlite_copy(folder: Path) -> Iterator[str]:
    from pmo_tui.sources.database import import_source

    path = OUT / "live.sqlite"
    for leftover in OUT.glob("live.sqlite*"):
        leftover.unlink()
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    import_source(folder, url, out=io.StringIO())
    print(
        f"  imported the large demo into {path} in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    try:
        yield url
    finally:
        for leftover in OUT.glob("live.sqlite*"):
            leftover.unlink()


@contextlib.contextmanager
def postgres_copy(folder: Path, admin: str) -> Iterator[str]:
    import sqlalchemy as sa

    from pmo_tui.sources.database import import_source, init_schema

    name = f"pmo_bench_live_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        init_schema(url)
        import_source(folder, url, out=io.StringIO())
        print(
            f"  imported the large demo into PostgreSQL {name} "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        yield url
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="writes per table")
    parser.add_argument("--keys", type=int, default=10, help="key presses with/without reload")
    parser.add_argument("--size", default="160x50", help="terminal COLSxROWS")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle CPU (0: skip)")
    parser.add_argument("--sources", default="folder,sqlite,postgres")
    parser.add_argument("--pg", default=os.environ.get("PMO_TUI_TEST_PG_URL"), help="admin URL")
    parser.add_argument(
        "--trace", action="store_true", help="print when each stage of a refresh ended"
    )
    parser.add_argument(
        "--settle",
        type=float,
        action="append",
        default=[],
        help="also run the folder with this settle time (repeatable)",
    )
    parser.add_argument(
        "--without-closes",
        action="store_true",
        help="also run the folder with the watcher not going by writers' closes",
    )
    args = parser.parse_args()
    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    unknown = sorted(set(sources) - {"folder", "sqlite", "postgres"})
    if unknown:
        parser.error(f"unknown sources {', '.join(unknown)}: use folder, sqlite, postgres")
    folder = folder_copy()
    targets = pick_targets(folder)
    env = app_env()
    env["XDG_STATE_HOME"] = str(OUT / "live-state")
    print(
        f"large demo copy: {folder}; terminal {args.size}; {args.repeat} writes per table; "
        f"issue {targets.issue_id}, project {targets.project_id}, "
        f"milestone {targets.milestone_id}, cost line {'/'.join(targets.cost_key)}",
        flush=True,
    )
    if "folder" in sources:
        writer = FolderWriter(folder, targets)
        try:
            print_results("folder", run_source(writer, targets, args, env), args.idle)
            variants = [
                (f"folder settle={settle * 1e3:.0f}ms", {"PMO_BENCH_SETTLE": str(settle)})
                for settle in args.settle
            ]
            if args.without_closes:
                variants.append(("folder without closes", {"PMO_BENCH_CLOSES": "0"}))
            quick = argparse.Namespace(**{**vars(args), "idle": 0, "keys": 0})
            for label, watch_env in variants:
                print_results(label, run_source(writer, targets, quick, env, watch_env), 0)
        finally:
            writer.close()
    if "sqlite" in sources:
        with sqlite_copy(folder) as url:
            writer_db = DatabaseWriter(url, targets, "sqlite")
            try:
                print_results("sqlite", run_source(writer_db, targets, args, env, None), args.idle)
            finally:
                writer_db.close()
    if "postgres" in sources:
        if not args.pg:
            print("postgres: skipped (no --pg URL and PMO_TUI_TEST_PG_URL is unset)")
        else:
            with postgres_copy(folder, args.pg) as url:
                writer_pg = DatabaseWriter(url, targets, "postgresql")
                try:
                    print_results(
                        "postgres", run_source(writer_pg, targets, args, env, None), args.idle
                    )
                finally:
                    writer_pg.close()


if __name__ == "__main__":
    main()
