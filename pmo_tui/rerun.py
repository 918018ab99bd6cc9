"""One worker at a time serves a burst of requests, and no request is ever lost.

A requester (the UI thread) calls :meth:`RerunGate.request`; when it returns
True no worker is running and the caller starts one. The worker loops on
:meth:`RerunGate.take` until it returns None. Deciding that nothing is left and
marking the worker ended happen under one lock: if they were two steps, a
request landing between them would see a worker still running, start none,
and stay pending for good (the triage queue's refresh had that window, found
while looking for why a CI run waited forever for the triage store).
"""

from __future__ import annotations

import threading


class RerunGate:
    """Coalesce requests for a rerun into at most one running worker (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = False
        self._full = False
        self._running = False

    @property
    def running(self) -> bool:
        with self._lock:
            return self._running

    def request(self, *, full: bool = False) -> bool:
        """Ask for a run (``full``: a complete one). True: the caller must start a worker."""
        with self._lock:
            self._pending = True
            self._full |= full
            if self._running:
                return False  # the running worker takes it on its next turn
            self._running = True
            return True

    def take(self) -> bool | None:
        """In the worker: whether the next run is full, or None: end now (marked ended)."""
        with self._lock:
            if not self._pending:
                self._running = False
                return None
            full, self._pending, self._full = self._full, False, False
            return full

    def abandon(self) -> None:
        """The worker ends without taking what is pending (closing, crashed)."""
        with self._lock:
            self._running = False


__all__ = ["RerunGate"]
