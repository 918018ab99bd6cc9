"""The process's memory management for the long-running app: malloc and the collector.

* glibc gives threads their own malloc arenas (up to 8 per core), and memory
  freed in one arena is not reused by another. pmo-tui parses in worker threads
  and renders in the main one, so the freed parse buffers of one thread sat idle
  beside the other's. Two arenas (:func:`limit_arenas`) cut the app's peak RSS on
  the large demo from about 340 to 316–321 MiB at no measurable speed cost.
* :func:`release_free_memory` hands freed heap pages back after heavy steps.
* While pmo-tui starts, the cyclic garbage collector looks at young objects
  every 10,000 allocations instead of every 700 (:func:`relax_collector`, undone
  by :func:`restore_collector` once the first data is painted): the start
  allocates long-lived objects by the million (modules, the loaded tables, the
  first rows), and the default ran about 320 collections (≈0.1 s) before the
  first paint. Cold start on the large demo −40 to −60 ms (``benchmarks/startup.py``).
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from collections.abc import Callable

M_ARENA_MAX = -8  # from glibc's malloc.h


def limit_arenas(count: int = 2) -> bool:
    """Ask glibc for at most ``count`` arenas; True if it agreed.

    Does nothing elsewhere (musl, macOS) or when ``MALLOC_ARENA_MAX`` is set,
    which glibc has read already and which the operator chose. Call it before
    any thread starts.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, count))


def _load_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc (musl has no malloc_trim)
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    return trim


_TRIM = _load_trim()
#: whether :func:`release_free_memory` can do anything here (glibc)
TRIM_AVAILABLE = _TRIM is not None


def release_free_memory() -> bool:
    """Hand the heap's free pages back to the system (glibc ``malloc_trim(0)``).

    A load, a refresh or building the drill-down views frees a lot of
    short-lived memory (parse buffers, intermediate frames, formatted rows).
    glibc keeps those pages resident for reuse, yet much of it is never reused:
    trimming after such a step lowered the app's peak RSS on the large demo by
    about 7 MiB (``benchmarks/memory.py``). It costs about a millisecond; call
    it from a worker thread, after the step. True if memory was released.
    """
    return bool(_TRIM(0)) if _TRIM is not None else False


#: the collector's thresholds while pmo-tui starts (young objects every 10,000 allocations)
START_THRESHOLDS = (10_000, 10, 10)
#: the thresholds relax_collector() replaced, until restore_collector()
_SAVED: list[tuple[int, int, int]] = []


def relax_collector() -> None:
    """Collect less often until :func:`restore_collector` (call it first thing at start)."""
    if not _SAVED:
        _SAVED.append(gc.get_threshold())
        gc.set_threshold(*START_THRESHOLDS)


def restore_collector() -> None:
    """Put back the thresholds :func:`relax_collector` replaced (idempotent)."""
    if _SAVED:
        gc.set_threshold(*_SAVED.pop())
