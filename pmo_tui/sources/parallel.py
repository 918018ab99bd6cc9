"""How many threads the loader may use: all cores for the first load, one less
for a live refresh.

pyarrow's threaded CSV parse uses every core the budget allows (~20 ms less
than one thread for the large demo on 2 cores). A live refresh runs while the
officer works the screen: it gets one core less (:func:`background`), so that
a key pressed during a reload still finds a core for the UI thread. The first
load, which everyone waits for, gets them all. (Converting a table's columns
side by side in threads measured no faster on 2 cores, so they are converted
one after another.)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar

#: at most this many threads, however many cores
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
