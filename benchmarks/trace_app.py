"""Run ``pmo-tui`` as ``live.py`` measures it: traced (``--trace``), or settling otherwise.

    [PMO_BENCH_TRACE=FILE] [PMO_BENCH_SETTLE=SECONDS] [PMO_BENCH_CLOSES=0] \
        python benchmarks/trace_app.py SOURCE [pmo-tui options]

With ``PMO_BENCH_TRACE``, a timestamp at every stage of a live refresh.

Benchmark only: it wraps the app's own functions before the app starts and
appends one line per event to FILE, ``<perf_counter> <thread> <event>``;
``time.perf_counter`` is the system's monotonic clock, so ``live.py`` writes
its own marks (the end of a write, the moment the value was painted) to the
same file and the two line up. The events:

* ``notice``: the folder watcher yields a change (database watchers: not traced);
* ``read`` / ``metrics`` / ``warm`` (start and end): the load worker re-reads the
  changed tables, computes the metrics, builds what the visible screen shows;
* ``overlay`` (start and end): ``TriageOverlay.metrics``, inside ``metrics`` on the
  load worker, and on its own when the triage worker redoes the figures after a
  store change (on the triage screen, a refresh is followed by one);
* ``confirm``: the held files' quiet time is over (folder sources);
* ``apply`` (start and end): ``on_data_ready`` on the UI thread;
* ``write``: every write of the app to the terminal, with its size (and, with
  ``PMO_BENCH_TRACE_TEXT=N``, its first N characters).

With ``PMO_BENCH_SETTLE`` (``live.py --settle``), the folder watcher waits that long
for a changed file to settle; with ``PMO_BENCH_CLOSES=0`` (``live.py
--without-closes``) it does not go by the writer's close (benchmark only: the
knobs are not CLI options).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: open for the app's lifetime, line-buffered: every event is on disk at once
LOG = (
    Path(os.environ["PMO_BENCH_TRACE"]).open("a", buffering=1)  # noqa: SIM115
    if "PMO_BENCH_TRACE" in os.environ
    else None
)


#: with ``PMO_BENCH_TRACE_TEXT=N``, each ``write`` event also shows the first N
#: characters it wrote (which lines a refresh repainted, and why)
TEXT_CHARS = int(os.environ.get("PMO_BENCH_TRACE_TEXT", "0") or 0)


def mark(event: str) -> None:
    assert LOG is not None
    thread = threading.current_thread().name.replace(" ", "_")[:16]
    LOG.write(f"{time.perf_counter():.6f} {thread} {event}\n")


def timed(owner: Any, name: str, label: str) -> None:
    """Mark the start and the end of every call of ``owner.name``."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark(f"> {label}")
        try:
            return original(*args, **kwargs)
        finally:
            mark(f"< {label}")

    setattr(owner, name, wrapper)


def install() -> None:
    import textual.drivers.linux_driver as linux_driver

    import pmo_tui.app as app_module
    import pmo_tui.screens.triage_overlay as triage_overlay
    import pmo_tui.sources.watch as watch
    from pmo_tui.sources.base import Provisional
    from pmo_tui.sources.folder import FolderSource

    tuned: dict[str, Any] = {}
    if "PMO_BENCH_SETTLE" in os.environ:
        tuned["settle"] = float(os.environ["PMO_BENCH_SETTLE"])
    if os.environ.get("PMO_BENCH_CLOSES") == "0":
        tuned["trust_closes"] = False
    if tuned:
        FolderSource.watch_settings = dataclasses.replace(watch.DEFAULT_SETTINGS, **tuned)
    if LOG is None:
        return
    watch_folder = watch.watch_folder

    @functools.wraps(watch_folder)
    def traced_watch(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for item in watch_folder(*args, **kwargs):
            tables = ",".join(sorted(getattr(item, "tables", ()) or ()))
            mark(f"notice {type(item).__name__} {tables}")
            yield item

    watch.watch_folder = traced_watch  # FolderSource.watch imports it when it starts
    refresh_early = FolderSource.refresh_early

    def traced_refresh(self: FolderSource, *args: Any, **kwargs: Any) -> Provisional:
        mark("> read")
        read = refresh_early(self, *args, **kwargs)
        mark("< read")
        confirm = read.confirm

        def traced_confirm() -> Any:
            mark("> confirm")
            try:
                return confirm()
            finally:
                mark("< confirm")

        return dataclasses.replace(read, confirm=traced_confirm)

    FolderSource.refresh_early = traced_refresh  # type: ignore[method-assign]
    timed(app_module.PmoApp, "metrics_with_triage", "metrics")
    timed(app_module.PmoApp, "warm_screens", "warm")
    timed(app_module.PmoApp, "on_data_ready", "apply")
    # the triage worker's own pass over the overlay (a store change), on its thread
    timed(triage_overlay.TriageOverlay, "metrics", "overlay")
    write = linux_driver.LinuxDriver.write

    def traced_write(self: Any, data: str) -> None:
        shown = f" {data[:TEXT_CHARS]!r}" if TEXT_CHARS else ""
        mark(f"write {len(data)}{shown}")
        write(self, data)

    linux_driver.LinuxDriver.write = traced_write  # type: ignore[method-assign]


if __name__ == "__main__":
    from pmo_tui.cli import frame_rate, main

    frame_rate()  # as pmo-tui does, before install() imports textual
    install()

    sys.exit(main(sys.argv[1:]))
