"""The process's memory management (``pmo_tui.malloc``).

* Freed heap pages go back to the system (glibc only; elsewhere a no-op). Run in
  a fresh interpreter so the heap is the test's alone: memory freed in the middle
  of the heap stays resident under glibc until ``malloc_trim``; after
  :func:`release_free_memory` the process is smaller again, as a wall display
  that reloads for weeks must be.
* The collector runs less often while pmo-tui starts, and settles once the first
  data is painted (or the first load failed): the start's objects frozen, full
  collections left to the app (``tests/test_collector.py``).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_startup import BrokenSource
from test_ui_support import make_app, wait_for_data, write_fixture
from triage_ui_support import wait_until

from pmo_tui.malloc import (
    START_THRESHOLDS,
    STEADY_THRESHOLDS,
    TRIM_AVAILABLE,
    collector_settled,
    relax_collector,
    settle_collector,
    unsettle_collector,
)

FRAGMENTED_HEAP = """
import ctypes, json, re
from pmo_tui.malloc import release_free_memory

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)


def rss():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmRSS:\\s+(\\d+) kB", status.read()).group(1)) * 1024


blocks = []
for _ in range(800):  # 800 x 100 KiB from the heap (below the mmap threshold), touched
    block = libc.malloc(100 * 1024)
    ctypes.memset(block, 1, 100 * 1024)
    blocks.append(block)
for block in blocks[:-1]:  # the last one pins the top, so free() alone cannot trim
    libc.free(block)
before = rss()
released = release_free_memory()
print(json.dumps({"released": released, "before": before, "after": rss()}))
"""


@pytest.mark.skipif(not TRIM_AVAILABLE, reason="no glibc malloc_trim on this system")
def test_freed_heap_memory_goes_back_to_the_system() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FRAGMENTED_HEAP], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["released"]
    # about 78 MiB were freed in the middle of the heap; most of it must leave the RSS
    assert seen["before"] - seen["after"] > 50 * 2**20, seen


@pytest.fixture
def default_thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    unsettle_collector(before)


def test_the_collector_is_relaxed_once_and_settled_once(
    default_thresholds: tuple[int, int, int],
) -> None:
    assert not settle_collector()  # never relaxed (a test, a host app): nothing to settle
    assert gc.get_threshold() == default_thresholds
    assert gc.get_freeze_count() == 0
    relax_collector()
    relax_collector()  # a second call must not save the relaxed values as "the defaults"
    assert gc.get_threshold() == START_THRESHOLDS
    assert settle_collector()
    assert gc.get_threshold() == STEADY_THRESHOLDS
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert settle_collector()  # idempotent: nothing frozen twice
    assert gc.get_freeze_count() == frozen


async def test_the_app_settles_the_collector_once_the_first_data_is_painted(
    tmp_path: Path, default_thresholds: tuple[int, int, int]
) -> None:
    relax_collector()  # as `pmo-tui` does before anything else
    app = make_app(write_fixture(tmp_path / "portfolio"))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, collector_settled, 10, "the settle")
        assert gc.get_threshold() == STEADY_THRESHOLDS


async def test_a_failed_first_load_settles_the_collector(
    tmp_path: Path, default_thresholds: tuple[int, int, int]
) -> None:
    relax_collector()
    folder = write_fixture(tmp_path / "portfolio")
    app = make_app(folder)
    app.source = BrokenSource(folder)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.load_error is not None, 10.0, "the load error")
        assert gc.get_threshold() == STEADY_THRESHOLDS
