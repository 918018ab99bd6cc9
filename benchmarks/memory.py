"""Peak memory on the large demo: the loader, the metrics, and the whole app in a pty.

    python benchmarks/memory.py [--repeat N] [--no-app]

Every figure is a peak RSS (``VmHWM``) measured in a fresh process, so nothing
one measurement leaves behind weighs on the next. The floors, measured in the
same run (PRODUCT.md §9: "peak memory, against the in-memory size of the loaded
DataFrames"):

* **load**: ``FolderSource.load()`` of the large demo. Floor: the RSS of the same
  process just before the load (Python, pandas, pyarrow and pmo_tui imported)
  plus ``frames_nbytes`` of the frames it loaded: a loader that needed no
  working memory at all would peak there. Also shown: the peak of a bare
  ``pandas.read_csv`` of the same files in a fresh process, for scale.
* **metrics**: ``compute()`` on that snapshot. Floor: the RSS before it (the
  loaded portfolio held) plus the deep size of the frames and cubes it returns.
  Some result columns share memory with the snapshot's frames (ids, names,
  dates) yet count in that size, so this ratio may fall below 1.
* **app**: ``pmo-tui`` on the large demo in a real pseudo-terminal, from start
  to the painted portfolio, then the triage queue of 10,000 issues opened
  (``t``), then ``VmHWM``. Floor: the same app and steps on the small bundled
  demo (the UI's own memory, with almost no data) plus ``frames_nbytes`` of the
  large demo. The issue's target is absolute: ≤ 300 MiB.

The peak of a stage inside one process is isolated by resetting ``VmHWM``
(``/proc/self/clear_refs`` = 5) just before it. Medians over ``--repeat`` runs,
interleaved.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import AS_OF, compile_app, frames_nbytes, large_demo, median, read_csv_once, report

MiB = 2**20


# -- measured inside a child process ------------------------------------------------


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"{field}:\s+(\d+) kB", text)
    return int(match.group(1)) * 1024 if match else 0


def _reset_peak() -> None:
    """Make ``VmHWM`` equal the current RSS (Linux ≥ 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def _deep(value: Any) -> int:
    """Deep size of the frames and arrays a metrics result holds."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True, index=True).sum())
    if isinstance(value, pd.Index | pd.Series):
        return int(value.memory_usage(deep=True))
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if hasattr(value, "__dataclass_fields__"):
        return sum(_deep(getattr(value, f)) for f in value.__dataclass_fields__)
    return 0


def child_data(folder: Path) -> dict[str, int]:
    """In a fresh process: the loader's and the metrics' peaks, and their floors."""
    import gc

    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    from pmo_tui.metrics import compute
    from pmo_tui.sources.folder import FolderSource

    gc.collect()
    before_load = _status("VmRSS")
    _reset_peak()
    source = FolderSource(folder)
    portfolio = source.load()
    load_peak = _status("VmHWM")
    frames = frames_nbytes(portfolio.frames.values())
    gc.collect()
    before_metrics = _status("VmRSS")
    _reset_peak()
    metrics = compute(portfolio, as_of=AS_OF, config=source.config)
    metrics_peak = _status("VmHWM")
    own = _deep(metrics) - _deep(metrics.cost_lines)  # the cost lines are the snapshot's
    return {
        "before_load": before_load,
        "load_peak": load_peak,
        "frames": frames,
        "before_metrics": before_metrics,
        "metrics_peak": metrics_peak,
        "metrics_size": own,
    }


def child_read_csv(folder: Path) -> dict[str, int]:
    """In a fresh process: a bare ``pandas.read_csv`` of every file, for scale."""
    import pandas  # noqa: F401

    before = _status("VmRSS")
    _reset_peak()
    frames = read_csv_once(folder)
    return {"before": before, "peak": _status("VmHWM"), "frames": frames_nbytes(frames)}


def run_child(kind: str, folder: Path) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# -- the app in a pty ---------------------------------------------------------------


def app_peak(folder: Path, cols: int, rows: int) -> int:
    """VmHWM of ``pmo-tui FOLDER`` after the portfolio paint and the triage queue."""
    from startup import Terminal, app_argv, app_env

    term = Terminal(app_argv(folder), cols, rows, app_env())
    try:
        term.wait_for(lambda text: bool(re.search(r"Programmes \d+", text)))
        term.settle(0.5)
        term.press(b"t")
        term.wait_for(lambda text: bool(re.search(r"Open issues \d", text)), timeout=60)
        term.settle(1.0)
        return term.peak_rss()
    finally:
        term.close()


# -- main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-app", action="store_true", help="skip the app in a pty")
    parser.add_argument("--size", default="160x50", help="terminal COLSxROWS for the app")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, where = args.child
        fn = child_data if kind == "data" else child_read_csv
        print(json.dumps(fn(Path(where))))
        return

    folder = large_demo()
    small = Path(__file__).resolve().parent.parent / "data" / "demo"
    cols, rows = (int(v) for v in args.size.split("x"))
    data: list[dict[str, int]] = []
    bare: list[dict[str, int]] = []
    apps: list[int] = []
    apps_small: list[int] = []
    compile_app()  # as an install does
    run_child("data", folder)  # warm the file cache
    for _ in range(args.repeat):
        bare.append(run_child("read_csv", folder))
        data.append(run_child("data", folder))
        if not args.no_app:
            apps_small.append(app_peak(small, cols, rows))
            apps.append(app_peak(folder, cols, rows))

    def col(rows_: list[dict[str, int]], key: str) -> list[float]:
        return [float(r[key]) for r in rows_]

    frames = median(col(data, "frames"))
    print(
        f"large demo: {folder}; loaded frames {frames / MiB:.1f} MiB (deep), "
        f"{args.repeat} interleaved runs in fresh processes",
        flush=True,
    )
    print(
        f"  imports before the load {median(col(data, 'before_load')) / MiB:.0f} MiB; "
        f"bare pandas.read_csv peaks {median([r['peak'] - r['before'] for r in bare]) / MiB:.0f}"
        f" MiB over its imports for {median(col(bare, 'frames')) / MiB:.0f} MiB of frames",
        flush=True,
    )
    report(
        "load: peak RSS",
        col(data, "load_peak"),
        [r["before_load"] + r["frames"] for r in data],
        unit="B",
    )
    report(
        "  load: peak over imports vs frames",
        [r["load_peak"] - r["before_load"] for r in data],
        col(data, "frames"),
        unit="B",
    )
    report(
        "metrics: peak RSS",
        col(data, "metrics_peak"),
        [r["before_metrics"] + r["metrics_size"] for r in data],
        unit="B",
    )
    report(
        "  metrics: peak over before vs result",
        [r["metrics_peak"] - r["before_metrics"] for r in data],
        col(data, "metrics_size"),
        unit="B",
    )
    if apps:
        report(
            "app: peak RSS (portfolio + triage)",
            apps,
            [s + frames for s in apps_small],
            unit="B",
        )
        report("app: peak RSS vs the 300 MiB target", apps, 300 * MiB, unit="B", target=1.0)
        print(
            f"  (app floor: the app on the small demo, {median(apps_small) / MiB:.0f} MiB, "
            f"plus the large demo's frames)"
        )


if __name__ == "__main__":
    main()
