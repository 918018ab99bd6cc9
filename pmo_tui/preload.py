"""Start reading the source before the UI is imported (no textual here).

Importing Textual and the screens takes about 0.4 s; reading a large data
folder takes longer. ``pmo-tui`` opens the source and submits its first load to
a thread *before* it imports the app, so the two overlap
(``benchmarks/startup.py`` measures the cold start). If the source cannot be
opened here, nothing is started: the app opens it again and reports the error
in its usual way (one line, exit 2).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from pmo_tui.model import Portfolio
from pmo_tui.options import Options
from pmo_tui.sources.base import Source


@dataclass
class Preload:
    """An opened source and its first load, running in ``executor``."""

    source: Source
    future: Future[Portfolio]
    executor: ThreadPoolExecutor

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def start(source: Source) -> Preload:
    """Submit the first load of an opened source to its own thread."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmo-preload")
    return Preload(source, executor.submit(source.load), executor)


def start_early(options: Options) -> Preload | None:
    """Open the source and start its first load; None if it cannot be opened."""
    from pmo_tui.sources import open_source

    try:
        source = open_source(options)
    except Exception:
        return None  # the app opens it again and says why it cannot
    return start(source)
