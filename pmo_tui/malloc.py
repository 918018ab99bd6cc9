"""The process's memory management for the long-running app: malloc and the collector.

* glibc gives threads their own malloc arenas (up to 8 per core), and memory
  freed in one arena is not reused by another. pmo-tui parses in worker threads
  and renders in the main one, so the freed parse buffers of one thread sat idle
  beside the other's. Two arenas (:func:`limit_arenas`) cut the app's peak RSS on
  the large demo from about 340 to 316–321 MiB at no measurable speed cost.
* :func:`release_free_memory` hands freed heap pages back after heavy steps.
* While pmo-tui starts, the cyclic garbage collector looks at young objects
  every 10,000 allocations instead of every 700 (:func:`relax_collector`): the
  start allocates long-lived objects by the million (modules, the loaded
  tables, the first rows), and the default ran about 320 collections (≈0.1 s)
  before the first paint. Cold start on the large demo −40 to −60 ms
  (``benchmarks/startup.py``).
* Once the first data is painted (:func:`settle_collector`), what the start
  made is frozen (``gc.freeze``: modules, classes, the UI; a full collection
  then looks at ~110,000 objects instead of ~195,000 on the large demo, ~40
  instead of ~90 ms), and full collections are left to the app, which runs
  them when it is idle (:class:`IdleCollector`). CPython's own rule started one
  about once per refresh on the large demo, in the middle of it: each refresh
  replaces tens of thousands of long-lived rows, more than the quarter of the
  old generation that sets it off. Those collections took 100–280 ms of the
  GIL and were the latency tails of ``benchmarks/live.py`` (a key pressed
  during a reload waited up to 345 ms at p95). CPython still runs one itself after
  100 collections of the middle generation (its default is 10), should the
  app never be idle.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import time
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
#: after the start: young objects as often as CPython does, a full collection of
#: its own only after 100 middle-generation collections (the app's idle ones come first)
STEADY_THRESHOLDS = (700, 10, 100)
#: the thresholds relax_collector() replaced, until settle_collector()
_SAVED: list[tuple[int, int, int]] = []
_SETTLED: list[bool] = []


def relax_collector() -> None:
    """Collect less often until :func:`settle_collector` (call it first thing at start)."""
    if not _SAVED:
        _SAVED.append(gc.get_threshold())
        gc.set_threshold(*START_THRESHOLDS)


def settle_collector() -> bool:
    """The start is over: freeze what it made, leave full collections to the app.

    Only in a process that :func:`relax_collector` prepared (``pmo-tui`` itself,
    not a test or a host that embeds the app); idempotent. True if the app
    should now run full collections itself (:class:`IdleCollector`).
    """
    if _SAVED:
        _SAVED.pop()
        gc.freeze()
        gc.set_threshold(*STEADY_THRESHOLDS)
        _SETTLED.append(True)
    return collector_settled()


def collector_settled() -> bool:
    """Whether :func:`settle_collector` handed the full collections to the app."""
    return bool(_SETTLED)


def unsettle_collector(thresholds: tuple[int, int, int]) -> None:
    """Undo :func:`relax_collector`/:func:`settle_collector` (for tests): unfreeze, reset."""
    _SAVED.clear()
    _SETTLED.clear()
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class IdleCollector:
    """When a full collection is worth running, for an app that runs them when idle.

    Due when the middle generation was collected ``after_work`` times since the
    last full collection (a refresh or two on the large demo), or at least once
    and ``every`` seconds have passed (a quiet wall display: one collection of
    ~40 ms a minute at most, well inside the idle CPU budget).
    """

    def __init__(
        self,
        *,
        every: float = 60.0,
        after_work: int = 10,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], object] = gc.collect,
        count: Callable[[], tuple[int, int, int]] = gc.get_count,
    ) -> None:
        self.every = every
        self.after_work = after_work
        self._clock = clock
        self._collect = collect
        self._count = count
        self._last = clock()

    def due(self) -> bool:
        pending = self._count()[2]  # middle-generation collections since the last full one
        if pending <= 0:
            return False
        return pending >= self.after_work or self._clock() - self._last >= self.every

    def collect(self) -> None:
        self._collect()
        self._last = self._clock()
