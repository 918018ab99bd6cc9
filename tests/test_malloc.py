"""The app hands freed heap pages back to the system (glibc only; elsewhere it is a no-op).

Run in a fresh interpreter so the heap is this test's alone: memory freed in
the middle of the heap stays resident under glibc until ``malloc_trim``; after
:func:`pmo_tui.malloc.release_free_memory` the process is smaller again, as a
wall display that reloads for weeks must be.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pmo_tui.malloc import TRIM_AVAILABLE

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
