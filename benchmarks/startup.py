"""The TUI on the large demo, in a real pseudo-terminal: start-up, drill-down, triage keys.

    python benchmarks/startup.py [--repeat N] [--size 160x50]

``pmo-tui`` runs as a child process on a pty (``os.openpty``), exactly as in a
terminal. The script reads what the app writes, strips the escape sequences,
and times until the last byte of the repaint that shows the expected text
(the app then pauses for at least 15 ms):

* **cold start**: process start to the first frame showing the portfolio with
  its data (``Programmes 40``). Floor, in the same run and interleaved:
  ``python -c "import textual, pandas, sqlalchemy"`` plus a bare
  ``pandas.read_csv`` of every CSV file. Target ≤ 1.3× the floor. Measured
  twice: without the table cache (every file read and validated) and with it
  (the files unchanged since the last start, as for an officer reopening the
  app; :mod:`pmo_tui.sources.table_cache`).
* **drill-down**: ``enter`` on a programme to the frame showing its projects.
  Target ≤ 100 ms median.
* **triage keys**: in the triage queue of 10,000 issues, ``j`` (cursor down) to
  the repainted frame, and a filter keystroke to the repainted frame.
  Target ≤ 50 ms median.
* **peak RSS** of the app process (``VmHWM``). Target ≤ 300 MiB.

Medians and ratios are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    Timer,
    compile_app,
    floor_imports,
    large_demo,
    median,
    read_csv_once,
    report,
)

#: CSI, OSC, DCS and two-byte escapes
ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\|\x1b[@-Z\\-_]"
)


class Terminal:
    """A child process on a pseudo-terminal of a fixed size."""

    def __init__(self, argv: list[str], cols: int, rows: int, env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            # the pty becomes the controlling terminal, as in a terminal emulator, so the
            # app gets SIGHUP if this script dies
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # noqa: PLW1509
        )
        os.close(slave)
        self.fd = master
        self.raw = bytearray()
        self.cursor = 0  # where the last wait stopped reading

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            return False
        self.raw.extend(chunk)
        return bool(chunk)

    def wait_for(
        self, predicate: Callable[[str], bool], timeout: float = 60.0, quiet: float = 0.015
    ) -> float:
        """Read until the text written since the last wait satisfies ``predicate``.

        Then keep reading until the app pauses for ``quiet`` seconds (the rest of
        that repaint), and return ``time.perf_counter()`` at its last byte.
        """
        deadline = time.perf_counter() + timeout
        last = time.perf_counter()
        while True:
            text = ESCAPES.sub(b"", bytes(self.raw[self.cursor :])).decode("utf-8", "replace")
            if predicate(text):
                break
            if time.perf_counter() > deadline:
                tail = text[-2000:]
                raise TimeoutError(f"no repaint matched within {timeout} s; last output: {tail!r}")
            if self._read(0.05):
                last = time.perf_counter()
        while self._read(quiet):
            last = time.perf_counter()
        self.cursor = len(self.raw)
        return last

    def settle(self, quiet: float = 0.3) -> None:
        """Read until the app has written nothing for ``quiet`` seconds."""
        while self._read(quiet):
            pass
        self.cursor = len(self.raw)

    def press(self, keys: bytes) -> float:
        self.cursor = len(self.raw)
        os.write(self.fd, keys)
        return time.perf_counter()

    def peak_rss(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(match.group(1)) * 1024 if match else 0

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.write(self.fd, b"\x11")  # ctrl+q
                self.process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()
        os.close(self.fd)


def app_argv(folder: Path) -> list[str]:
    return [sys.executable, "-m", "pmo_tui", str(folder)]


def app_env(table_cache: Path | None = None) -> dict[str, str]:
    """The app's environment; without ``table_cache`` the table cache is off, so that
    every start reads and validates the files (the heavier path)."""
    env = dict(os.environ)
    env["TERM"] = "xterm-256color"
    env.pop("NO_COLOR", None)
    env.pop("TEXTUAL", None)
    env["PMO_TUI_CACHE_DIR"] = str(table_cache) if table_cache else ""
    return env


def portfolio_painted(text: str) -> bool:
    return "Programmes 40" in text


def cold_start(
    folder: Path, cols: int, rows: int, table_cache: Path | None = None
) -> tuple[float, Terminal]:
    term = Terminal(app_argv(folder), cols, rows, app_env(table_cache))
    try:
        done = term.wait_for(portfolio_painted)
    except BaseException:
        term.close()
        raise
    return done - term.started, term


def drill_downs(term: Terminal, count: int) -> list[float]:
    """``enter`` on programme n to its painted screen, then back, for n = 1..count."""
    times = []
    projects = re.compile(r"Projects \d+")
    for n in range(count):
        term.settle()
        start = term.press(b"\r")
        done = term.wait_for(lambda text: bool(projects.search(text)))
        times.append(done - start)
        term.settle()
        term.press(b"\x1b")
        term.wait_for(portfolio_painted)
        term.settle()
        if n + 1 < count:
            term.press(b"j")
            term.settle()
    return times


def triage_keys(term: Terminal, count: int) -> tuple[list[float], list[float]]:
    term.settle()
    term.press(b"t")
    loaded = re.compile(r"Open issues [1-9][\d,]*")
    term.wait_for(lambda text: bool(loaded.search(text)), timeout=60)
    term.settle(0.5)
    moves = []
    for _ in range(count):
        start = term.press(b"j")
        done = term.wait_for(lambda text: bool(text.strip()))
        moves.append(done - start)
        term.settle(0.05)
    filters = []
    term.press(b"/")
    term.settle()
    for char in b"risk open":
        start = term.press(bytes([char]))
        done = term.wait_for(lambda text: bool(text.strip()))
        filters.append(done - start)
        term.settle(0.1)
    term.press(b"\x1b")
    term.settle()
    return moves, filters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="cold starts (interleaved)")
    parser.add_argument("--size", default="160x50", help="terminal COLSxROWS")
    parser.add_argument("--keys", type=int, default=30, help="triage key presses")
    parser.add_argument("--drills", type=int, default=15, help="drill-downs")
    args = parser.parse_args()
    cols, rows = (int(v) for v in args.size.split("x"))
    folder = large_demo()
    print(
        f"large demo: {folder}, terminal {cols}x{rows}, {args.repeat} interleaved runs", flush=True
    )

    # the app's bytecode compiled (as an install does), the file cache warm, the
    # table cache filled (the app writes it after its first load)
    compile_app()
    table_cache = Path(tempfile.mkdtemp(prefix="pmo-tui-startup-cache-"))
    for cache in (None, table_cache):
        _, term = cold_start(folder, cols, rows, cache)
        term.settle(0.5)
        term.close()

    starts, cached, floors, imports, reads = [], [], [], [], []
    rss, rss_cached = [], []
    for _ in range(args.repeat):
        imp = floor_imports(repeat=1)
        with Timer() as read:
            read_csv_once(folder)
        imports.append(imp)
        reads.append(read.seconds)
        floors.append(imp + read.seconds)
        seconds, term = cold_start(folder, cols, rows)
        starts.append(seconds)
        term.settle(0.5)
        rss.append(term.peak_rss())
        term.close()
        seconds, term = cold_start(folder, cols, rows, table_cache)
        cached.append(seconds)
        term.settle(0.5)
        rss_cached.append(term.peak_rss())
        term.close()
    shutil.rmtree(table_cache, ignore_errors=True)

    print(
        f"  floor parts: imports {median(imports) * 1e3:.0f} ms, "
        f"read_csv {median(reads) * 1e3:.0f} ms",
        flush=True,
    )
    report("cold start to painted portfolio", starts, floors, target=1.3)
    report("  the same, files unchanged (cached)", cached, floors, target=1.3)

    _, term = cold_start(folder, cols, rows)
    try:
        drills = drill_downs(term, args.drills)
        moves, filters = triage_keys(term, args.keys)
        peak = term.peak_rss()
    finally:
        term.close()
    report("drill-down enter -> painted programme", drills, 0.100, target=1.0)
    report("triage j -> painted (10,000 issues)", moves, 0.050, target=1.0)
    report("triage filter key -> painted", filters, 0.050, target=1.0)
    report("peak RSS (whole session)", max(peak, *rss), 300 * 2**20, unit="B", target=1.0)
    report("peak RSS (start, cached)", max(rss_cached), 300 * 2**20, unit="B", target=1.0)
    print("  (drill-down, keys and RSS: the 'floor' column is the target itself)")


if __name__ == "__main__":
    main()
