"""Load time of the large demo portfolio against a bare ``pandas.read_csv`` of its files.

    python benchmarks/load.py [--repeat N]

Prints medians and ratios to the floor (target: a full ``FolderSource.load()``
within 1.5x of the floor), measured interleaved in the same run so that a busy
machine slows both alike. The load is measured twice:

* **cold**: no table cache, every file read and validated (a changed folder, or
  the first start after an upgrade);
* **cached**: the files unchanged since the last load, so the converted tables
  come from the table cache (:mod:`pmo_tui.sources.table_cache`; reopening the
  app on a folder whose exports have not changed).

The cold load is also split in two, to show where the time goes:

* **read + validate**: the folder source's own work (safe open, sniffing,
  pyarrow CSV parse, conversion of every column, row rules), all tables;
* **model**: ``TableState.loaded`` (canonical dtypes, content fingerprint) and
  ``model.assemble`` (programme derivation, reference checks) on those rows.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import large_demo, read_csv_once, report

from pmo_tui.model import TABLES, TableState, assemble
from pmo_tui.sources.folder import FolderSource
from pmo_tui.sources.reading import Reader, combine
from pmo_tui.sources.table_cache import TableCache


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    folder = large_demo()
    source = FolderSource(folder)
    layout = source._discover()
    real = Path(os.path.realpath(folder))

    converted: dict[str, object] = {}

    def read_validate() -> None:
        reader = Reader(real, source.options)
        try:
            results = source._convert_all(TABLES, layout, reader)
        finally:
            reader.close()
        converted.clear()
        converted.update(results)

    def model() -> None:
        states = {}
        for table, (parts, _) in converted.items():  # type: ignore[misc]
            result = combine(table, parts)
            states[table] = TableState.loaded(
                table,
                result.frame,
                origin=table,
                at=_NOW,
                problems=result.problems,
                rows=result.rows,
            )
        assemble(states, source=str(folder))

    def full() -> None:
        cold = FolderSource(folder)
        cold.cache = None
        cold.load()

    cache_dir = Path(tempfile.mkdtemp(prefix="pmo-tui-load-cache-"))
    hits: list[int] = []

    def cached() -> None:
        warm = FolderSource(folder)
        warm.cache = TableCache.open(cache_dir)
        warm.load()
        assert warm.cache is not None
        warm.cache.flush()
        hits.append(warm.cache.hits)

    def floor() -> None:
        read_csv_once(folder)

    for fn in (floor, full, cached, read_validate, model):  # warm caches and imports
        fn()
    samples: dict[str, list[float]] = {
        "floor": [],
        "full": [],
        "cached": [],
        "read": [],
        "model": [],
    }
    for _ in range(args.repeat):
        samples["floor"].append(_timed(floor))
        samples["full"].append(_timed(full))
        samples["cached"].append(_timed(cached))
        samples["read"].append(_timed(read_validate))
        samples["model"].append(_timed(model))

    shutil.rmtree(cache_dir, ignore_errors=True)
    tables = sum(1 for t in TABLES if layout.parts.get(t))
    if hits[1:] != [tables] * (len(hits) - 1):
        raise SystemExit(f"the cached loads did not read every table from the cache: {hits}")
    loaded = FolderSource(folder).load()
    rows = sum(len(f) for f in loaded.frames.values())
    print(
        f"large demo: {folder} ({rows:,} rows, {len(loaded.problems)} problems), "
        f"{args.repeat} interleaved runs, {os.cpu_count()} CPUs"
    )
    report("FolderSource.load(), cold", samples["full"], samples["floor"], target=1.5)
    report("FolderSource.load(), cached", samples["cached"], samples["floor"], target=1.5)
    report("  read + validate (folder source)", samples["read"], samples["floor"])
    report("  model (TableState.loaded+assemble)", samples["model"], samples["floor"])


_NOW = __import__("datetime").datetime.now()

if __name__ == "__main__":
    main()
