"""The triage store: save latency and propagation latency, on SQLite and PostgreSQL.

Save: ``Store.save`` from the API call to the confirmed commit, on a store that
already holds 10,000 triaged issues. Floor: the same durable write done bare
with the driver (SQLite: ``BEGIN IMMEDIATE; UPDATE; COMMIT`` on a WAL file with
``synchronous=FULL``; PostgreSQL: ``UPDATE; COMMIT`` over psycopg), so the
ratio is the overhead of versions, audit rows, validation and SQLAlchemy.
Target: ≤ 50 ms median on SQLite (an absolute target from the issue; the ratio is
printed for context).

Propagation: another OS process saves every 200 ms and prints its commit time;
this process's ``Store.watch`` thread notes when each change arrives. Floor: the
bare mechanism in the same run (SQLite: a raw ``PRAGMA data_version`` poll at the
same interval; PostgreSQL: a raw LISTEN/NOTIFY round trip). Target: ≤ 1 s p95.

Also: ``triage_frame()`` for 10,000 triaged issues (floor: ``pandas.read_sql`` of
the table) and ``record_forecasts`` for the large demo's 20,000 milestones.

    python benchmarks/store.py [--saves N] [--changes N] [--pg URL | --no-pg]

PostgreSQL uses ``--pg`` or ``PMO_TUI_TEST_PG_URL`` (a scratch database is made
and dropped).
"""

from __future__ import annotations

import argparse
import os
import queue
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from _common import AS_OF, Timer, large_demo, median, p95, report

from pmo_tui.sources.base import Change
from pmo_tui.store import Edit, Store, open_store

ROOT = Path(__file__).resolve().parents[1]
ISSUES = 10_000
SAVER = """
import sys, time
from pmo_tui.store import open_store
store = open_store(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for n in range(int(sys.argv[2])):
    issue = f"PROP-{n % 7}"
    result = store.save(issue, store.get(issue).version, {"owner": f"o{n}"})
    print(f"{time.time():.6f}", flush=True)
    time.sleep(0.2)
"""


def seed(store: Store) -> None:
    """10,000 triaged issues, as after a few months of use."""
    if store.triage_frame().shape[0] >= ISSUES:
        return
    for start in range(0, ISSUES, 1000):
        edits = [
            Edit(f"ISS-{n:05d}", 0, {"owner": f"officer{n % 17}", "priority": n % 4 + 1})
            for n in range(start, start + 1000)
        ]
        store.save_many(edits)


def save_latency(store: Store, count: int) -> list[float]:
    times = []
    for n in range(count):
        issue = f"ISS-{n % 50:05d}"
        base = store.get(issue).version  # what the modal was opened with
        with Timer() as timer:
            result = store.save(issue, base, {"owner": f"bench-{n}", "status": "in progress"})
        assert result.__class__.__name__ == "Saved", result
        times.append(timer.seconds)
    return times


def sqlite_floor(path: Path, count: int) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT OR IGNORE INTO floor VALUES (1, '')")
    times = []
    for n in range(count):
        with Timer() as timer:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE floor SET v = ? WHERE id = 1", (f"x{n}",))
            conn.execute("COMMIT")
        times.append(timer.seconds)
    conn.close()
    return times


def pg_floor(url: str, count: int) -> list[float]:
    import psycopg

    u = sa.make_url(url)
    with psycopg.connect(
        host=u.query.get("host") or u.host,
        port=u.port,
        dbname=u.database,
        user=u.username,
        password=u.password,
    ) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS floor (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO floor VALUES (1, '') ON CONFLICT DO NOTHING")
        conn.commit()
        times = []
        for n in range(count):
            with Timer() as timer:
                conn.execute("UPDATE floor SET v = %s WHERE id = 1", (f"x{n}",))
                conn.commit()
            times.append(timer.seconds)
    return times


def propagation(store: Store, url: str, changes: int) -> list[float]:
    """Commit in another process → ``watch`` yield here, per change."""
    arrivals: queue.Queue[tuple[float, Change]] = queue.Queue()
    stop = threading.Event()

    def run() -> None:
        for event in store.watch(stop):
            if isinstance(event, Change):
                arrivals.put((time.time(), event))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    saver = subprocess.Popen(
        [sys.executable, "-c", SAVER, url, str(changes)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert saver.stdin is not None and saver.stdout is not None
    assert saver.stdout.readline().strip() == "ready"
    time.sleep(0.3)  # the watcher is up
    saver.stdin.write("go\n")
    saver.stdin.flush()
    latencies = []
    for line in saver.stdout:
        committed = float(line)
        while True:
            at, change = arrivals.get(timeout=10)
            if at >= committed and any(c.startswith("issue:PROP-") for c in change.causes):
                break
        latencies.append(at - committed)
    saver.wait(timeout=30)
    stop.set()
    thread.join(timeout=5)
    return latencies


def sqlite_propagation_floor(path: Path, changes: int, interval: float = 0.05) -> list[float]:
    """A raw data_version poll at the watcher's interval, seeing a raw commit."""
    watcher = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer = sqlite3.connect(path, isolation_level=None)
    seen: queue.Queue[float] = queue.Queue()
    stop = threading.Event()

    def poll() -> None:
        version = watcher.execute("PRAGMA data_version").fetchone()[0]
        while not stop.wait(interval):
            current = watcher.execute("PRAGMA data_version").fetchone()[0]
            if current != version:
                version = current
                seen.put(time.time())

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    latencies = []
    for n in range(changes):
        time.sleep(0.137)  # not in step with the poll
        writer.execute("UPDATE floor SET v = ? WHERE id = 1", (f"p{n}",))
        committed = time.time()
        latencies.append(seen.get(timeout=5) - committed)
    stop.set()
    thread.join()
    watcher.close()
    writer.close()
    return latencies


def pg_propagation_floor(url: str, changes: int) -> list[float]:
    import psycopg

    u = sa.make_url(url)
    params = {
        "host": u.query.get("host") or u.host,
        "port": u.port,
        "dbname": u.database,
        "user": u.username,
        "password": u.password,
        "autocommit": True,
    }
    latencies = []
    with psycopg.connect(**params) as listener, psycopg.connect(**params) as sender:
        listener.execute("LISTEN bench_floor")
        for n in range(changes):
            sender.execute("SELECT pg_notify('bench_floor', %s)", (str(n),))
            committed = time.time()
            next(listener.notifies(timeout=5, stop_after=1))
            latencies.append(time.time() - committed)
            time.sleep(0.05)
    return latencies


def frame_latency(store: Store) -> tuple[list[float], list[float]]:
    times = []
    for _ in range(7):
        with Timer() as timer:
            frame = store.triage_frame()
        times.append(timer.seconds)
    assert len(frame) >= ISSUES
    floors = []
    for _ in range(7):
        with Timer() as timer, store.engine.connect() as conn:
            pd.read_sql(sa.text("SELECT * FROM store_triage"), conn)
        floors.append(timer.seconds)
    return times, floors


def forecasts(store: Store) -> None:
    milestones = pd.read_csv(
        large_demo() / "milestones.csv",
        parse_dates=["baseline_date", "forecast_date", "actual_date"],
    )
    with Timer() as first:
        written = store.record_forecasts(milestones, AS_OF)
    with Timer() as again:
        store.record_forecasts(milestones, AS_OF)
    with Timer() as floor, store.engine.connect() as conn:
        pd.read_sql(sa.text("SELECT * FROM store_forecast"), conn)
    report(f"  record {len(milestones):,} forecasts (first)", first.seconds, floor.seconds)
    report("  record the same again (no-op)", again.seconds, floor.seconds)
    assert written == len(milestones)


@contextmanager
def scratch_pg(admin: str) -> Iterator[str]:
    name = f"pmo_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        engine.dispose()


def run(
    label: str,
    url: str,
    floor: Callable[[int], list[float]],
    prop_floor: Callable[[int], list[float]],
    saves: int,
    changes: int,
) -> None:
    print(f"== {label}", flush=True)
    with open_store(url) as store:
        seed(store)
        saved = save_latency(store, saves)
        report("  save (API call → commit)", saved, floor(saves), target=None)
        ok = "ok" if median(saved) <= 0.050 else "OVER TARGET"
        print(
            f"  save median {median(saved) * 1e3:.1f} ms, p95 {p95(saved) * 1e3:.1f} ms "
            f"(target ≤ 50 ms median on SQLite: {ok if label == 'SQLite' else 'n/a'})"
        )
        prop = propagation(store, url, changes)
        report("  propagation (commit → watch)", prop, prop_floor(changes))
        ok = "ok" if p95(prop) <= 1.0 else "OVER TARGET"
        print(
            f"  propagation median {median(prop) * 1e3:.1f} ms, "
            f"p95 {p95(prop) * 1e3:.1f} ms (target ≤ 1 s p95: {ok})"
        )
        times, floors = frame_latency(store)
        report(f"  triage_frame ({ISSUES:,} issues)", times, floors)
        forecasts(store)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--pg", default=os.environ.get("PMO_TUI_TEST_PG_URL"))
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmo-store-bench-") as tmp:
        path = Path(tmp) / "store.sqlite"
        floor_path = Path(tmp) / "floor.sqlite"
        run(
            "SQLite",
            f"sqlite:///{path}",
            lambda n: sqlite_floor(floor_path, n),
            lambda n: sqlite_propagation_floor(floor_path, n),
            args.saves,
            args.changes,
        )
    if args.pg and not args.no_pg:
        with scratch_pg(args.pg) as url:
            run(
                "PostgreSQL",
                url,
                lambda n: pg_floor(url, n),
                lambda n: pg_propagation_floor(url, n),
                args.saves,
                args.changes,
            )
    else:
        print("== PostgreSQL skipped (no --pg URL and no PMO_TUI_TEST_PG_URL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
