"""The app's side of triage: the store, its watcher and the overlay (a mixin of PmoApp).

* Once the first data is painted (or the first load failed, or after
  :data:`STORE_OPEN_LATEST` seconds at the latest) a thread worker opens the
  store (``open_store``, creating and migrating it as needed). Before that the
  store package is not even imported: SQLAlchemy, Alembic and the migration
  check would compete with the first load and paint for the interpreter
  (``benchmarks/startup.py``); the first paint shows the source's figures, and
  the decisions follow in a second one a moment later. A store that cannot be
  opened (SQLite on NFS, a broken file, PostgreSQL down) never stops the app:
  triage is switched off, every write key says why, and the queue shows a banner.
* The decisions are put over the source issues before the metrics run
  (:class:`~pmo_tui.screens.triage_overlay.TriageOverlay`, called from
  ``PmoApp.load``), so every screen shows the current decision and the RAG and
  roll-ups count it, the same as the reports.
* A store-watch worker (``Store.watch``: SQLite ``data_version``, PostgreSQL
  LISTEN/NOTIFY) wakes one coalescing refresh worker: it re-reads only the
  triage state (never the source), recomputes the metrics from the snapshot's
  source portfolio and posts a new snapshot through the usual ``DataReady``
  path, so every screen updates in place (cursor, filter, sort kept), and a
  plain-text toast says who changed what.
* Saves run in the edit and note dialogs' own thread workers; afterwards
  :meth:`TriageService.after_write` refreshes at once (the store does not report
  one's own changes back through the watcher).

Textual dispatches ``on_mount``, ``on_unmount`` and ``on_data_ready`` to every
class in the app's MRO, so the handlers here run after PmoApp's own.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message
from textual.timer import Timer

from pmo_tui.errors import describe
from pmo_tui.malloc import release_free_memory
from pmo_tui.rerun import RerunGate
from pmo_tui.screens import views
from pmo_tui.screens.base import DataScreen
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.triage_news import News, summarise
from pmo_tui.screens.triage_overlay import TriageOverlay
from pmo_tui.screens.triage_reader import TriageReader
from pmo_tui.screens.triage_state import OFF, OPEN, OPENING, TriageView, bind, view_for
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.widgets.workers import thread_work

if TYPE_CHECKING:
    from datetime import date

    from textual.app import App

    from pmo_tui.app import DataReady, LoadFailed
    from pmo_tui.metrics import MetricsEngine
    from pmo_tui.options import Options
    from pmo_tui.store import BulkSaved, Note, Saved, Store

    _AppBase = App[int]
else:
    _AppBase = object

#: what a snapshot caches that depends on the triage view, not only on its figures
VIEW_SLOTS = frozenset({"triage", "triage-view"})

#: the store opens after the first paint, or this many seconds after the start at the latest
#: (a source whose first load takes longer does not keep triage waiting for it)
STORE_OPEN_LATEST = 2.0

#: how often an SQLite store is asked whether another officer committed (PRAGMA
#: data_version). Decisions must show in every other copy within a second (PRODUCT.md
#: §5), and on the large demo the refresh and repaint after a change take ~0.2-0.5 s;
#: a wall display idles for weeks, and on this machine each timed wake-up costs ~0.1 ms
#: of CPU: polling every 0.1 s is ~0.25 % of a core where every 0.05 s was ~0.5 %.
STORE_POLL = 0.1

#: seconds between tries to open a store whose data folder was gone (doubling up to the last)
STORE_RETRY = (2.0, 4.0, 8.0, 15.0, 30.0)


class StoreOpened(Message):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store


class StoreFailed(Message):
    def __init__(self, reason: str, *, retry: bool = False) -> None:
        super().__init__()
        self.reason = reason
        #: the data folder was gone: open the store again a little later
        self.retry = retry


class StoreHealth(Message):
    def __init__(self, state: WatchState) -> None:
        super().__init__()
        self.state = state


class TriageReady(Message):
    """A new triage view is on screen; ``news`` says what other officers did."""

    def __init__(self, view: TriageView, news: list[str]) -> None:
        super().__init__()
        self.view = view
        self.news = news


def store_where(store: Store, source: str | None) -> str:
    """Where the store lives, short: ``.pmo-tui/store.sqlite`` inside the data folder,
    ``~/...`` in the home folder, else the file or the URL (never a password)."""
    path = store.location.path
    if path is None:
        return store.description
    if source:
        folder = Path(source)
        for base in (folder, folder.resolve()):
            try:
                return str(path.relative_to(base))
            except ValueError:
                continue
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class TriageService(_AppBase):
    """Mixin for :class:`~pmo_tui.app.PmoApp`: the store, the overlay and their workers."""

    if TYPE_CHECKING:  # provided by PmoApp
        options: Options
        engine: MetricsEngine
        as_of: date
        snapshot: Snapshot | None

        def notify_plain(
            self,
            message: str,
            *,
            title: str = "",
            severity: str = "information",
            timeout: float | None = None,
        ) -> None: ...

        def _log_exception(self, error: BaseException) -> None: ...

        def broadcast_status(self) -> None: ...

    #: shown instead of the store's officer (deterministic screenshots); None: the real one
    display_officer: str | None = None

    def triage_init(self) -> None:
        """Set up (from ``PmoApp.__init__``, after the metrics engine exists)."""
        read_only = self.options.read_only
        self.store: Store | None = None
        self.triage_view = TriageView(
            state=OPENING, writable=not read_only, reason="opening the triage store…"
        )
        self.store_health = ""
        self._triage_overlay = TriageOverlay(self.engine)
        self._triage_lock = threading.Lock()
        self._triage_gate = RerunGate()
        self._triage_generation = 0
        self._observed: int | None = None
        self._store_stop = threading.Event()
        self._news = News()
        self._reader = TriageReader()
        self._store_started = False
        self._store_timer: Timer | None = None
        self._store_retries = 0

    # -- what others ask -------------------------------------------------------------
    def metrics_with_triage(self, portfolio: Any) -> Any:
        """The metrics of ``portfolio`` with the current decisions (any thread)."""
        return self._triage_overlay.metrics(portfolio, self.triage_view, self.as_of)

    @property
    def officer_name(self) -> str:
        if self.display_officer is not None:
            return self.display_officer
        return self.triage_view.officer

    @property
    def triage_read_only(self) -> bool:
        """True when nothing can ever be saved in this session."""
        return (
            self.options.read_only
            or self.triage_view.state == OFF
            or (self.store is not None and self.store.read_only)
        )

    def write_refusal(self) -> str | None:
        """Why a write cannot happen now (None: it can)."""
        if self.options.read_only:
            kiosk = " (kiosk)" if self.options.kiosk else ""
            return f"read-only{kiosk}: nothing can be changed in this session"
        view = self.triage_view
        if view.state == OFF:
            return f"triage is off: {view.reason}"
        if self.store is None or view.state == OPENING:
            return "the triage store is still opening; try again in a moment"
        if self.store.read_only:
            return f"read-only: {view.reason or 'the store was opened read-only'}"
        return None

    def refuse_write(self) -> None:
        self.notify_plain(self.write_refusal() or "read-only", severity="warning", timeout=4)

    # -- start and stop -----------------------------------------------------------------
    def on_mount(self) -> None:
        self._store_timer = self.set_timer(
            STORE_OPEN_LATEST, self.start_store, name="pmo-store-open"
        )

    def start_store(self) -> None:
        """Open the store in a worker, once (UI thread; see the module's docstring)."""
        timer, self._store_timer = self._store_timer, None
        if timer is not None:
            timer.stop()  # opened before the latest moment: nothing left pending
        if self._store_started or self._store_stop.is_set():
            return
        self._store_started = True
        self.open_triage_store()

    def on_load_failed(self, message: LoadFailed) -> None:
        self.start_store()  # no data to paint: triage need not wait for it

    def on_unmount(self) -> None:
        self._store_stop.set()
        store = self.store
        if store is not None:
            store.close()

    @work(thread=True, group="store-open", exit_on_error=False, description="open store")
    def open_triage_store(self) -> None:
        from pmo_tui.store import FolderGone, StoreUnavailable, open_store

        try:
            store = open_store(
                self.options.store, source=self.options.source, read_only=self.options.read_only
            )
        except (FolderGone, StoreUnavailable) as exc:  # moved away, locked, down: it may pass
            self.post_message(StoreFailed(describe(exc), retry=True))
            return
        except Exception as exc:  # StoreError (refused, network share, newer schema) or worse
            self._log_exception(exc)
            self.post_message(StoreFailed(describe(exc)))
            return
        try:
            self._reader.prime(store)
        except Exception as exc:
            self._log_exception(exc)
        if self._store_stop.is_set():
            store.close()
            return
        self.post_message(StoreOpened(store))

    def on_store_opened(self, message: StoreOpened) -> None:
        # replacing an empty stand-in (its watcher has ended): dropped, not closed, since
        # a triage read may still be using it and close() would wait on the UI thread
        self.store = message.store
        notice = message.store.notice
        if notice and not self.options.kiosk:  # a wall display has nobody to read it
            self.notify_plain(notice, title="Triage store", timeout=8)
        if self._store_retries:
            self._store_retries = 0
            self.notify_plain("Triage is on again: the store is open.", title="Triage store")
        self._watch_store(message.store)
        self.request_triage_refresh(full=True)  # a stand-in's empty frame must not linger

    def on_store_failed(self, message: StoreFailed) -> None:
        reason = message.reason
        if message.retry and not self._store_stop.is_set():
            delay = STORE_RETRY[min(self._store_retries, len(STORE_RETRY) - 1)]
            self._store_retries += 1
            self.set_timer(delay, self._retry_store, name="pmo-store-retry")
            reason = f"{reason}; trying again every {STORE_RETRY[-1]:g} s at most"
            if self._store_retries > 1:
                return  # said once; the view already says why
        self.triage_view = TriageView(generation=self._next_generation(), state=OFF, reason=reason)
        self.notify_plain(
            f"Triage is off (the data is still shown, read-only): {reason}",
            title="Triage store",
            severity="error",
            timeout=20,
        )
        self.request_triage_refresh()

    def _reopen_store(self) -> None:
        if not self._store_stop.is_set():
            self.open_triage_store()

    def _retry_store(self) -> None:
        if not self._store_stop.is_set() and self.store is None:
            self.open_triage_store()

    def _next_generation(self) -> int:
        with self._triage_lock:
            self._triage_generation += 1
            return self._triage_generation

    # -- propagation ----------------------------------------------------------------------
    @thread_work(group="store-watch", description="watch store")
    def _watch_store(self, store: Store) -> None:
        from pmo_tui.store import Created

        try:
            for event in store.watch(self._store_stop, interval=STORE_POLL):
                if self._store_stop.is_set():
                    return
                if isinstance(event, Created):  # the store a stand-in stood for exists now
                    self.call_from_thread(self._reopen_store)
                    return
                if isinstance(event, Change):
                    # no tables named: a gap (reconnect); read everything again
                    full = not event.tables
                    self.call_from_thread(self.request_triage_refresh, full=full)
                else:
                    self.post_message(StoreHealth(event))
        except Exception as exc:
            if not self._store_stop.is_set():
                self._log_exception(exc)
                self.post_message(StoreHealth(WatchState(Health.FAILED, describe(exc))))

    def on_store_health(self, message: StoreHealth) -> None:
        state = message.state
        if state.health in (Health.LIVE, Health.POLLING):
            text = "" if state.health == Health.LIVE else "triage: polling"
        else:
            text = f"triage updates {state.health.value}: {state.reason}".strip(": ")
        if text != self.store_health:
            self.store_health = text
            self._triage_screens_changed()

    def request_triage_refresh(self, *, full: bool = False) -> None:
        """Re-read the triage state and put it on screen (coalesces bursts; UI thread)."""
        if self._triage_gate.request(full=full):
            self._triage_worker()

    @work(thread=True, group="triage", exit_on_error=False, description="read triage")
    def _triage_worker(self) -> None:
        gate = self._triage_gate
        try:
            while not self._store_stop.is_set():
                full = gate.take()
                if full is None:
                    return  # nothing pending, and the gate already counts this worker ended
                try:
                    self._refresh_triage(full)
                except Exception as exc:
                    if self._store_stop.is_set():
                        break  # closing: the store was closed under this read
                    self._log_exception(exc)
                    self.post_message(
                        StoreHealth(WatchState(Health.FAILED, f"cannot read: {describe(exc)}"))
                    )
        except BaseException:
            gate.abandon()  # crashed: the next request starts a new worker
            raise
        gate.abandon()  # closing

    def _refresh_triage(self, full: bool) -> None:
        """One refresh: read the store, recompute from the source snapshot, post it."""
        from pmo_tui.app import DataReady

        store = self.store
        snapshot = self.snapshot
        generation = self._next_generation()
        lines: list[str] = []
        if store is not None:
            ids = None
            observe = False
            if snapshot is not None:
                issues = snapshot.portfolio["issues"]
                ids = issues["issue_id"].astype("str").tolist()
                version = snapshot.portfolio.table_versions.get("issues")
                observe = version != self._observed
                self._observed = version
            view, events = self._reader.read(
                store,
                generation=generation,
                where=store_where(store, self.options.source),
                issue_ids=ids,
                observe=observe,
                full=full,
            )
            lines = self._news.lines(events)
        else:
            view = replace(self.triage_view, generation=generation)
        self.triage_view = view
        if snapshot is not None:
            fresh = self._with_view(snapshot, view)
            self.post_message(DataReady(fresh, first=False))
        self.post_message(TriageReady(view, lines))
        release_free_memory()  # the overlay's frames, the queue's build

    def _with_view(self, snapshot: Snapshot, view: TriageView) -> Snapshot:
        """``snapshot``'s source data with ``view``'s decisions (worker thread)."""
        metrics = self._triage_overlay.metrics(snapshot.portfolio, view, self.as_of)
        fresh = Snapshot(
            portfolio=snapshot.portfolio,
            metrics=metrics,
            config=snapshot.config,
            as_of=snapshot.as_of,
            fmt=snapshot.fmt,
            received_at=snapshot.received_at,
        )
        bind(fresh, view)
        if metrics is snapshot.metrics:
            # no decision moved a figure (e.g. none at all, the usual start): every view
            # built from the figures holds; only the triage queue shows the decisions
            fresh.adopt(snapshot, skip=VIEW_SLOTS)
        else:
            # what does not depend on the issues (S-curves, milestone and cost rows) holds
            fresh.inherit(snapshot)
        views.warm(fresh)
        from pmo_tui.screens.triage import TriageData, build_triage, update_triage

        previous = snapshot._cache.get("triage")
        if isinstance(previous, TriageData) and snapshot.as_of == fresh.as_of:
            data = update_triage(previous, fresh)  # only the rows whose decision moved
        else:
            data = build_triage(fresh)
        fresh._cache["triage"] = data
        return fresh

    def on_data_ready(self, message: DataReady) -> None:
        """After PmoApp applied a snapshot: was it computed with the latest decisions?"""
        if not self._store_started:
            self.call_after_refresh(self.start_store)  # once the first data is painted
        if self.snapshot is None or self.triage_view.state == OPENING:
            return
        current = view_for(self.snapshot)
        issues_version = self.snapshot.portfolio.table_versions.get("issues")
        if current.generation < self.triage_view.generation or (
            self.store is not None and issues_version != self._observed
        ):
            self.request_triage_refresh()

    def on_triage_ready(self, message: TriageReady) -> None:
        if message.news:
            self.notify_plain(summarise(message.news), title="Triage", timeout=6)
        self._triage_screens_changed()

    def _triage_screens_changed(self) -> None:
        """Tell every screen that shows triage state (history, notes, banners)."""
        if not self.is_running:
            return  # closing: the screens' widgets are being removed
        for screen in self.screen_stack:
            hook = getattr(screen, "triage_changed", None)
            if callable(hook) and screen.is_mounted:
                hook()
        # the keys on view (a dialog's, and the data screen under it); a screen below
        # refreshes its own when it is shown again, and refreshing its key bar now made
        # Textual repaint the whole visible screen (it composes that one as a background)
        for screen in reversed(self.screen_stack):
            screen.refresh_bindings()
            if isinstance(screen, DataScreen):
                break
        self.broadcast_status()

    # -- after a save -----------------------------------------------------------------
    def mark_own(self, result: object) -> None:
        """Never announce this app's own change set back (any thread, right after saving)."""
        changeset = getattr(result, "changeset", "")
        if changeset:
            self._news.own.add(changeset)

    def after_write(self, result: Saved | BulkSaved | Note, summary: str) -> None:
        """A dialog saved: never announce it back, refresh now, confirm in a toast."""
        self.mark_own(result)
        self.request_triage_refresh()
        if summary:
            self.notify_plain(summary, title="Saved", timeout=4)

    def ensure_round(self, store: Store) -> None:
        """A save starts a round when none is open (worker thread): see docs/triage.md."""
        if self.triage_view.open_round is None and store.current_round() is None:
            store.start_round()

    @work(thread=True, group="round", exit_on_error=False, description="triage round")
    def toggle_round(self) -> None:
        """Start a round, or finish the open one (worker thread)."""
        store = self.store
        if store is None:
            return
        try:
            if store.current_round() is None:
                started = store.start_round()
                text = (
                    f"Round started at {_local(started.started_at)}. Finish it with the round "
                    "key when you are done: issues that appear after that start count as new "
                    "next time."
                )
            else:
                finished = store.finish_round()
                text = (
                    "Round finished."
                    if finished is None
                    else f"Round finished ({_local(finished.started_at)}–"
                    f"{_local(finished.finished_at)}). Next time, 'new' means first seen "
                    f"since {_local(finished.started_at)}."
                )
        except Exception as exc:
            self._log_exception(exc)
            self.call_from_thread(
                self.notify_plain, f"Could not change the round: {describe(exc)}", severity="error"
            )
            return
        self.call_from_thread(self.notify_plain, text, title="Triage round", timeout=6)
        self.call_from_thread(self.request_triage_refresh)


def _local(moment: datetime | None) -> str:
    """A store time (aware UTC) in the officer's local time: ``2026-06-30 10:42``."""
    if moment is None:
        return "–"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


local_time = _local
__all__ = ["OPEN", "StoreOpened", "TriageReady", "TriageService", "local_time", "store_where"]
