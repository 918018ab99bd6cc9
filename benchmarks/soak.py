"""The wall display's soak: 10,000 refreshes with changing data, then idle CPU.

    python benchmarks/soak.py [--cycles 10000] [--size 200x60] [--idle 60] [--trace]

1. **Memory over many refreshes** (in this process, headless, at the wall's size):
   the kiosk app runs on a demo portfolio, with the collector prepared as
   ``pmo-tui`` prepares it (``relax_collector``: the start's objects frozen at
   the first paint, full collections run by the app when idle); two versions of the data (A, and B
   with costs, milestone forecasts and issue statuses changed) are loaded and
   computed once, then ``PmoApp.apply_snapshot`` gets a new snapshot of A or B
   in turn, ``--cycles`` times, each followed by a repaint; the view moves on
   every 10th refresh, so every view is rebuilt thousands of times. RSS, the
   number of live widgets and timers, and (with ``--trace``) the Python
   allocations that grew are taken after a warm-up (10% of the cycles) and at
   the end. Target: RSS growth after warm-up ≤ 10%; widget and timer counts
   unchanged (a per-refresh leak shows as a count that grows).
2. **Idle CPU** (a real process on a pty, at the wall's size): ``pmo-tui FOLDER
   --kiosk`` with no changes and the views cycling every 20 s, measured over
   ``--idle`` seconds after a 10 s warm-up. Floor, in the same run: a bare
   Textual ``App()`` idling on the same kind of pty. Target: ≤ 1% of one core.

Medians and ratios are printed; nothing is asserted (tests/test_kiosk_soak.py
checks the leak counts in CI with a few hundred cycles).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import gc
import os
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tracemalloc
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import OUT

from pmo_tui.demo import write_demo

AS_OF = date(2026, 11, 30)


# -- data --------------------------------------------------------------------------------


def demo_pair(size: str) -> tuple[Path, Path]:
    """The demo portfolio (A) and a changed copy (B), generated once under benchmarks/out."""
    base = OUT / f"soak-{size}"
    a, b = base / "a", base / "b"
    if not (a / "projects.csv").is_file() or not (b / "projects.csv").is_file():
        shutil.rmtree(base, ignore_errors=True)
        write_demo(a, size=size, seed=42, as_of=AS_OF)
        shutil.copytree(a, b)
        costs = pd.read_csv(b / "costs.csv", dtype=str, keep_default_na=False)
        amount = pd.to_numeric(costs["amount"]) * 1.07
        costs["amount"] = amount.map(lambda v: f"{v:.2f}")
        costs.to_csv(b / "costs.csv", index=False)
        ms = pd.read_csv(b / "milestones.csv", dtype=str, keep_default_na=False)
        shift = ms.index % 3 == 0
        forecast = pd.to_datetime(ms["forecast_date"], errors="coerce")
        moved = (forecast + pd.Timedelta(days=21)).dt.strftime("%Y-%m-%d")
        ms.loc[shift & forecast.notna(), "forecast_date"] = moved[shift & forecast.notna()]
        ms.to_csv(b / "milestones.csv", index=False)
        issues = pd.read_csv(b / "issues.csv", dtype=str, keep_default_na=False)
        flip = (issues.index % 5 == 0) & (issues["status"] == "open")
        issues.loc[flip, "status"] = "closed"
        issues.to_csv(b / "issues.csv", index=False)
    return a, b


# -- 1. memory over many refreshes -------------------------------------------------------


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def live_counts() -> dict[str, int]:
    from textual.timer import Timer
    from textual.widget import Widget

    # the app froze what its start made (pmo_tui.malloc.settle_collector), and
    # gc.get_objects() skips frozen objects: count those too, then freeze again
    frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    gc.collect()
    counts = {"widgets": 0, "timers": 0}
    for obj in gc.get_objects():
        if isinstance(obj, Widget):
            counts["widgets"] += 1
        elif isinstance(obj, Timer):
            counts["timers"] += 1
    if frozen:
        gc.freeze()
    return counts


async def soak(folder_a: Path, folder_b: Path, cycles: int, size: tuple[int, int], trace: bool):
    from pmo_tui.app import PmoApp
    from pmo_tui.malloc import relax_collector
    from pmo_tui.metrics import compute
    from pmo_tui.options import Options
    from pmo_tui.screens.kiosk import KioskScreen
    from pmo_tui.screens.snapshot import Snapshot
    from pmo_tui.sources.folder import FolderSource

    relax_collector()  # as `pmo-tui` does: the app then runs its own full collections
    source_a, source_b = FolderSource(folder_a), FolderSource(folder_b)
    data_a, data_b = source_a.load(), source_b.load()
    config = source_a.config
    metrics_a = compute(data_a, as_of=AS_OF, config=config)
    metrics_b = compute(data_b, as_of=AS_OF, config=config)
    log = Path(tempfile.mkdtemp()) / "errors.log"
    options = Options(source=str(folder_a), kiosk=True, read_only=True, interval=3600)
    app = PmoApp(options, source_a, error_log=log)
    warm = max(1, cycles // 10)
    samples: dict[str, object] = {}
    times: list[float] = []
    async with app.run_test(size=size) as pilot:
        while app.snapshot is None:
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        wall = app.screen
        assert isinstance(wall, KioskScreen)
        for n in range(cycles):
            if n == warm:
                samples["warm_rss"] = rss_bytes()
                samples["warm_counts"] = live_counts()
                if trace:
                    tracemalloc.start(10)
                    samples["warm_trace"] = tracemalloc.take_snapshot()
            started = time.perf_counter()
            base, metrics = (data_b, metrics_b) if n % 2 == 0 else (data_a, metrics_a)
            current = app.snapshot
            assert current is not None
            snapshot = Snapshot(
                portfolio=replace(base, version=current.portfolio.version + 1),
                metrics=metrics,
                config=app.config,
                as_of=app.as_of,
                fmt=app.fmt,
                received_at=app.clock(),
            )
            app.apply_snapshot(snapshot)
            if n % 10 == 0:
                wall.next_view()
            await pilot.pause()
            times.append(time.perf_counter() - started)
        samples["end_rss"] = rss_bytes()
        samples["end_counts"] = live_counts()
        if trace:
            samples["end_trace"] = tracemalloc.take_snapshot()
            tracemalloc.stop()
        samples["errors"] = log.read_text() if log.exists() else ""
        samples["running"] = app.is_running
    samples["times"] = times
    return samples


# -- 2. idle CPU in a pty ------------------------------------------------------------------

ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def idle_cpu(argv: list[str], size: tuple[int, int], warmup: float, seconds: float) -> float:
    """CPU seconds per wall second of ``argv`` on a pty, after ``warmup`` seconds."""
    master, slave = os.openpty()
    cols, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    env.pop("TEXTUAL", None)
    process = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # noqa: PLW1509
    )
    os.close(slave)

    def drain(until: float) -> None:
        while time.monotonic() < until:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    os.read(master, 1 << 16)
                except OSError:
                    return

    def cpu() -> float:
        stat = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")

    try:
        drain(time.monotonic() + warmup)
        before, started = cpu(), time.monotonic()
        drain(started + seconds)
        return (cpu() - before) / (time.monotonic() - started)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(master)


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--size", default="200x60")
    parser.add_argument("--demo", choices=("small", "large"), default="small")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle CPU (0: skip)")
    parser.add_argument("--trace", action="store_true", help="list the allocations that grew")
    args = parser.parse_args()
    cols, rows = (int(v) for v in args.size.lower().split("x"))
    folder_a, folder_b = demo_pair(args.demo)

    print(f"soak: {args.cycles:,} refreshes of the {args.demo} demo at {cols}x{rows}", flush=True)
    started = time.perf_counter()
    samples = asyncio.run(soak(folder_a, folder_b, args.cycles, (cols, rows), args.trace))
    wall_seconds = time.perf_counter() - started
    times = samples["times"]
    assert isinstance(times, list)
    warm_rss, end_rss = samples["warm_rss"], samples["end_rss"]
    assert isinstance(warm_rss, int) and isinstance(end_rss, int)
    growth = (end_rss - warm_rss) / warm_rss
    verdict = "ok" if growth <= 0.10 else "OVER TARGET"
    print(
        f"refresh + repaint                 median {statistics.median(times) * 1e3:7.1f} ms"
        f"   p95 {sorted(times)[int(len(times) * 0.95) - 1] * 1e3:7.1f} ms"
        f"   ({wall_seconds:.0f} s in all)"
    )
    print(
        f"RSS after warm-up {warm_rss / 2**20:7.1f} MiB   at the end {end_rss / 2**20:7.1f} MiB"
        f"   growth {growth:+.1%}   target ≤ +10% {verdict}"
    )
    print(
        f"live objects after warm-up {samples['warm_counts']}   at the end {samples['end_counts']}"
    )
    errors = samples["errors"]
    print(f"app still running: {samples['running']}; errors logged: {'yes' if errors else 'none'}")
    if errors:
        print(str(errors)[-2000:])
    if args.trace:
        end, warm = samples["end_trace"], samples["warm_trace"]
        stats = end.compare_to(warm, "lineno")  # type: ignore[attr-defined]
        print("allocations that grew most after warm-up:")
        for stat in stats[:10]:
            print(f"  {stat}")

    if args.idle > 0:
        print(
            f"idle CPU over {args.idle:.0f} s (after a 10 s warm-up), {cols}x{rows} pty:",
            flush=True,
        )
        floor = idle_cpu(
            [sys.executable, "-c", "from textual.app import App; App().run()"],
            (cols, rows),
            10,
            args.idle,
        )
        kiosk = idle_cpu(
            [sys.executable, "-m", "pmo_tui", str(folder_a), "--kiosk"], (cols, rows), 10, args.idle
        )
        verdict = "ok" if kiosk <= 0.01 else "OVER TARGET"
        ratio = kiosk / floor if floor > 0 else float("inf")
        print(
            f"kiosk idle CPU {kiosk:6.2%} of a core   floor (bare Textual app) {floor:6.2%}"
            f"   ratio {ratio:5.1f}×   target ≤ 1% {verdict}"
        )


if __name__ == "__main__":
    main()
