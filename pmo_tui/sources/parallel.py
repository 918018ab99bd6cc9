"""How many threads the loader may use: one per core, at most :data:`MAX_WORKERS`.

pyarrow's threaded CSV parse uses every core the budget allows (~20 ms less
than one thread for the large demo on 2 cores). A live refresh gets them all
too: until 2026-11-27 it left one core to the UI thread, but with the parse the
only threaded step, a key pressed during a costs reload painted in the same time
either way (33.9 against 33.8 ms median, p95 38.9 against 40.7 ms,
``benchmarks/live.py``), while the costs read took ~10 ms longer on one core.
(Converting a table's columns side by side in threads measured no faster on 2
cores, so they are converted one after another.) :func:`limited` lowers the
budget for a block, for tests and callers that must not spread out.
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
