"""Fewer glibc malloc arenas, and freed pages handed back, for the long-running app.

glibc gives threads their own malloc arenas (up to 8 per core), and memory
freed in one arena is not reused by another. pmo-tui parses in worker threads
and renders in the main one, so the freed parse buffers of one thread sat idle
beside the other's. Two arenas cut the app's peak RSS on the large demo from
about 340 to 316–321 MiB (``benchmarks/startup.py``) at no measurable speed cost.
"""

from __future__ import annotations

import ctypes
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
