"""Running the conversions of one large table side by side.

The work in a conversion (Arrow casts, trims and dictionary encodes, numpy
gathers) happens in C with the GIL released, so a table's columns converted
in threads use every core. Small tables are not worth the hand-over.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: tables with fewer rows are converted in the calling thread
PARALLEL_ROWS = 50_000
#: at most this many threads, however many cores (each holds a column's working memory)
MAX_WORKERS = 4


def workers() -> int:
    """Threads to use: one per core, at most :data:`MAX_WORKERS`."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def each(fn: Callable[[T], R], items: Sequence[T], *, parallel: bool = True) -> list[R]:
    """``[fn(item) for item in items]``, in threads when ``parallel`` and it can pay off.

    Results come back in the order of ``items``; the first exception is raised
    as if the loop had run in order.
    """
    if not parallel or len(items) < 2 or workers() < 2:
        return [fn(item) for item in items]
    futures = [_executor().submit(fn, item) for item in items]
    return [future.result() for future in futures]


@functools.cache
def _executor() -> ThreadPoolExecutor:
    """One pool for the process, made when first needed."""
    return ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="pmo-convert")
