"""Running the conversions of one large table side by side, within a core budget.

The work in a conversion (Arrow casts, trims and dictionary encodes, numpy
gathers) happens in C with the GIL released, so a table's columns converted
in threads use every core, and so does pyarrow's threaded CSV parse. Small
tables are not worth the hand-over.

A live refresh runs while the officer works the screen: it gets one core less
(:func:`background`), so that a key pressed during a reload still finds a core
for the UI thread. The first load, which everyone waits for, gets them all.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: tables with fewer rows are converted in the calling thread
PARALLEL_ROWS = 50_000
#: at most this many threads, however many cores (each holds a column's working memory)
MAX_WORKERS = 4

_limit: ContextVar[int | None] = ContextVar("pmo_tui_workers", default=None)


def cores() -> int:
    """Threads the loader may use at most: one per core, at most :data:`MAX_WORKERS`."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def workers() -> int:
    """Threads the loader may use now, in this thread (see :func:`limited`)."""
    limit = _limit.get()
    return cores() if limit is None else max(1, min(cores(), limit))


@contextlib.contextmanager
def limited(count: int) -> Iterator[None]:
    """Within the block, the loader in this thread uses at most ``count`` threads."""
    token = _limit.set(count)
    try:
        yield
    finally:
        _limit.reset(token)


def background() -> contextlib.AbstractContextManager[None]:
    """The budget of a refresh that runs while the UI is in use: one core left free."""
    return limited(cores() - 1)


def each(fn: Callable[[T], R], items: Sequence[T], *, parallel: bool = True) -> list[R]:
    """``[fn(item) for item in items]``, in threads when ``parallel`` and it can pay off.

    Results come back in the order of ``items``; the first exception is raised
    as if the loop had run in order. At most :func:`workers` run at once.
    """
    lanes = min(workers(), len(items))
    if not parallel or lanes < 2:
        return [fn(item) for item in items]

    def lane(start: int) -> list[tuple[bool, object]]:
        """Every ``lanes``-th item from ``start``; stops at its first failure."""
        out: list[tuple[bool, object]] = []
        for item in items[start::lanes]:
            try:
                out.append((True, fn(item)))
            except Exception as exc:
                out.append((False, exc))
                break
        return out

    done = [future.result() for future in [_executor().submit(lane, k) for k in range(lanes)]]
    results: list[R] = []
    for i in range(len(items)):
        ok, value = done[i % lanes][i // lanes]  # a lane stops after a failure that comes earlier
        if not ok:
            assert isinstance(value, Exception)
            raise value
        results.append(value)  # type: ignore[arg-type]
    return results


@functools.cache
def _executor() -> ThreadPoolExecutor:
    """One pool for the process, made when first needed."""
    return ThreadPoolExecutor(max_workers=cores(), thread_name_prefix="pmo-convert")
