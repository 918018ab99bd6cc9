"""Fewer glibc malloc arenas for the long-running app.

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
