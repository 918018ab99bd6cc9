"""Shared helpers for the benchmark scripts in this folder.

Every benchmark measures its subject *and* a floor in the same run, and prints
medians and the ratio between them (never a single absolute time): the machine
is shared and its speed varies, the ratio much less. Run a script as
``python benchmarks/NAME.py`` from the repository root; it imports this module
as ``_common``.

    from _common import large_demo, measure, floor_read_csv, report

    folder = large_demo()
    load = measure(lambda: load_folder(folder), repeat=5)
    report("load large demo", load, floor_read_csv(folder), target=1.5)
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from pmo_tui.demo import GENERATOR_VERSION, demo_stamp, write_demo

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"  # git-ignored
#: the benchmark portfolio is built around a fixed date so runs are comparable
AS_OF = date(2026, 11, 30)
SEED = 42


# -- the benchmark portfolio ------------------------------------------------------


def large_demo(
    path: Path = OUT / "large", *, seed: int = SEED, as_of: date = AS_OF, size: str = "large"
) -> Path:
    """The large demo portfolio at ``path``, generated once and then reused.

    It is regenerated when the folder was made with another seed, as_of, size
    or generator version. Safe when several benchmarks start at once: one
    generates (into a temporary folder that is then moved into place) while
    the others wait on a lock.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    want = {
        "size": size,
        "seed": str(seed),
        "as_of": as_of.isoformat(),
        "generator": str(GENERATOR_VERSION),
    }
    lock = path.with_name(f".{path.name}.lock")
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if demo_stamp(path) == want and _complete(path):
            return path
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        started = time.perf_counter()
        write_demo(tmp, size=size, seed=seed, as_of=as_of)
        shutil.rmtree(path, ignore_errors=True)
        tmp.rename(path)
        print(
            f"generated the {size} demo (seed {seed}, as of {as_of}) in {path} "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return path


def _complete(path: Path) -> bool:
    from pmo_tui.demo import DEMO_FILES

    return all((path / name).is_file() for name in DEMO_FILES)


def csv_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("*.csv") if p.is_file())


# -- statistics -------------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def p95(values: Iterable[float]) -> float:
    """95th percentile, nearest-rank (an observed value, never interpolated)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("p95 of no values")
    rank = math.ceil(0.95 * len(ordered))
    return ordered[max(rank, 1) - 1]


# -- timing -----------------------------------------------------------------------


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __init__(self) -> None:
        self.seconds = math.nan
        self._start = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def measure(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> list[float]:
    """Run ``fn`` ``warmup`` times untimed, then ``repeat`` times; the seconds of each timed run.

    The garbage collector runs before each timed call and stays enabled during it
    (it is part of the real cost).
    """
    for _ in range(warmup):
        fn()
    times: list[float] = []
    for _ in range(repeat):
        gc.collect()
        with Timer() as timer:
            fn()
        times.append(timer.seconds)
    return times


# -- floors -----------------------------------------------------------------------


def read_csv_once(folder: Path) -> dict[str, pd.DataFrame]:
    """A bare ``pandas.read_csv`` (default arguments) of every CSV file in ``folder``."""
    return {p.stem: pd.read_csv(p) for p in csv_files(folder)}


def floor_read_csv(folder: Path, *, repeat: int = 5) -> float:
    """Median seconds of a bare ``pandas.read_csv`` of every CSV file in ``folder``."""
    if not csv_files(folder):
        raise ValueError(f"{folder} holds no CSV files")
    return median(measure(lambda: read_csv_once(folder), repeat=repeat))


FLOOR_IMPORTS_CODE = "import textual, pandas, sqlalchemy"


def floor_imports(*, repeat: int = 5) -> float:
    """Median seconds of ``python -c "import textual, pandas, sqlalchemy"`` in a fresh process.

    This includes interpreter start-up, like a cold start of ``pmo-tui`` does.
    """
    command = [sys.executable, "-c", FLOOR_IMPORTS_CODE]
    subprocess.run(command, check=True)  # warm the file cache
    times = []
    for _ in range(repeat):
        with Timer() as timer:
            subprocess.run(command, check=True)
        times.append(timer.seconds)
    return median(times)


def compile_app() -> None:
    """Compile the app's bytecode, as ``pip install`` does for an installed wheel.

    The floor's imports (textual, pandas, sqlalchemy) load compiled bytecode from
    site-packages. An editable checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (set on
    some machines, CI images among them) would otherwise compile ~160 modules of
    pmo_tui from source at every start, which no installed copy does.
    """
    import compileall

    import pmo_tui
    import pmo_tui.screens
    import pmo_tui.widgets

    for package in (pmo_tui, pmo_tui.screens, pmo_tui.widgets):
        for folder in package.__path__:
            compileall.compile_dir(folder, quiet=1)


def frames_nbytes(frames: Mapping[str, pd.DataFrame] | Iterable[pd.DataFrame]) -> int:
    """In-memory size of DataFrames (deep, strings included): the floor for peak memory."""
    values = frames.values() if isinstance(frames, Mapping) else frames
    return int(sum(int(f.memory_usage(deep=True, index=True).sum()) for f in values))


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextlib.contextmanager
def cpu_time() -> Iterator[list[float]]:
    """``with cpu_time() as used: ...`` then ``used[0]`` is the process CPU seconds spent inside."""
    result: list[float] = []
    start = time.process_time()
    try:
        yield result
    finally:
        result.append(time.process_time() - start)


# -- output -----------------------------------------------------------------------


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:8.1f} µs"
        if value < 1:
            return f"{value * 1e3:8.1f} ms"
        return f"{value:8.2f} s "
    if unit == "B":
        for size, name in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
            if value >= size:
                return f"{value / size:8.1f} {name}"
        return f"{value:8.0f} B  "
    return f"{value:8.3g} {unit}"


def report(
    name: str,
    value: float | Sequence[float],
    floor: float | Sequence[float],
    *,
    unit: str = "s",
    target: float | None = None,
) -> float:
    """Print one aligned line: name, value, floor, ratio (and the target); return the ratio.

    ``value`` and ``floor`` may be lists of samples; their medians are used and
    the p95 of the value is shown too.
    """
    samples = [value] if isinstance(value, int | float) else list(value)
    floors = [floor] if isinstance(floor, int | float) else list(floor)
    mid, low = median(samples), median(floors)
    ratio = mid / low if low > 0 else math.inf
    line = f"{name:<40} {_fmt(mid, unit)}   floor {_fmt(low, unit)}   ratio {ratio:6.2f}×"
    if len(samples) > 1:
        line += f"   p95 {_fmt(p95(samples), unit).strip()}"
    if target is not None:
        verdict = "ok" if ratio <= target else "OVER TARGET"
        line += f"   target ≤{target:g}× {verdict}"
    print(line, flush=True)
    return ratio
