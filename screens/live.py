"""Live updates on screen: the app side of PRODUCT.md §4 (``PmoApp`` inherits this).

* **Watching.** :meth:`LiveMixin.start_watching` runs ``source.watch(stop)`` in a
  thread worker for the app's lifetime (from the end of the first load, so the
  database watchers start from the versions that load read). It posts
  :class:`SourceChanged` and :class:`WatchHealth` messages; the stop event is set
  when the app unmounts (and again by ``run()``), and the watchers return within
  ~250 ms of it, so no thread is left behind. A watcher that raises is restarted
  with a backoff, shown as "failed" meanwhile, and followed by a full re-check.
* **Refreshing, coalesced.** Every refresh goes through
  :meth:`LiveMixin.request_refresh` (the watcher, the refresh key, and whoever
  else needs one, e.g. store changes). One refresh runs at a time in the app's
  load worker; changes that arrive meanwhile are folded into one pending change
  (:func:`pmo_tui.sources.coalesce.merge`) that runs as soon as the running one
  ends. A hundred saves cost one or two refreshes, and no change is ever lost:
  a refresh whose result was dropped (cancelled) is queued again.
* **Showing what changed.** Grids mark changed cells themselves (keyed rows,
  ``Grid.changed_at``, faded by one app-wide clock). After the paint a worker
  compares the previous and the new metrics (:mod:`pmo_tui.screens.changes`)
  and a toast names the change; bursts are merged into at most one toast every
  :data:`TOAST_GAP` seconds.
* **Health.** The watcher's state, stale tables, a source that cannot be read,
  and data older than ``[display] stale_after`` all reach
  :class:`~pmo_tui.widgets.status.StatusInfo` (status bar, banner, kiosk alarm).
  A timer re-checks the age exactly when the data will become too old; nothing
  ticks while all is well.
* **Milestone trends.** After each load or refresh that changed milestones, the
  forecasts are recorded in the store (``store.record_forecasts``) from a
  worker; ``--history FOLDER`` backfills the store from dated snapshots once
  the first data is on screen.
* **A new day.** Unless "today" was pinned (``--as-of`` or ``as_of`` in the
  config), the figures are recomputed at midnight: a wall display that runs
  for weeks never shows yesterday's slips.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from pmo_tui.errors import describe
from pmo_tui.malloc import release_free_memory
from pmo_tui.screens.changes import ChangeSummary, summarize
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.sources.coalesce import merge
from pmo_tui.widgets.workers import thread_work

if TYPE_CHECKING:
    from textual.app import App

    from pmo_tui.config import Config
    from pmo_tui.options import Options
    from pmo_tui.screens.base import DataScreen
    from pmo_tui.screens.snapshot import Snapshot
    from pmo_tui.sources.base import Source

    _Base = App[int]
else:
    _Base = object

#: at most one change toast every this many seconds (a burst is summarised in one)
TOAST_GAP = 2.0
#: how long a change toast stays
TOAST_SECONDS = 6.0
#: a watcher that raised is restarted after this long, doubling up to WATCH_BACKOFF_MAX
WATCH_BACKOFF = 0.5
WATCH_BACKOFF_MAX = 30.0
# Every worker here names its description: without one, Textual builds it from the
# repr() of the arguments on the UI thread, and a Snapshot's repr prints DataFrames
# (hundreds of milliseconds for the large portfolio).

#: after a live refresh, drill-down views are prepared this long after the paint
PREPARE_DELAY = 0.4
#: health values that mean the data on screen may be out of date
TROUBLE = (Health.RECONNECTING, Health.FAILED)


class SourceChanged(Message):
    """The watcher says the source may have changed."""

    def __init__(self, change: Change) -> None:
        super().__init__()
        self.change = change


class WatchHealth(Message):
    """The watcher's own health changed (live, polling, reconnecting, failed)."""

    def __init__(self, state: WatchState) -> None:
        super().__init__()
        self.state = state


class ChangesSummarised(Message):
    """What the last refresh changed, for the toast."""

    def __init__(self, summary: ChangeSummary) -> None:
        super().__init__()
        self.summary = summary


class LiveNotice(Message):
    """A toast asked for from a worker thread (posting never blocks, even at exit)."""

    def __init__(self, text: str, *, title: str, severity: str, timeout: float) -> None:
        super().__init__()
        self.text = text
        self.title = title
        self.severity = severity
        self.timeout = timeout


class LiveMixin(_Base):
    """Watching, coalesced refreshes, change toasts, health and MTA recording."""

    if TYPE_CHECKING:
        source: Source
        options: Options
        config: Config
        snapshot: Snapshot | None
        loading: bool
        load_error: str | None
        as_of: date
        clock: Any

        def load(self, first: bool = False, change: Change | None = None) -> Worker[None]: ...
        def broadcast_status(self) -> None: ...
        def _log_exception(self, error: BaseException) -> None: ...
        def notify_plain(
            self,
            message: str,
            *,
            title: str = "",
            severity: str = "information",
            timeout: float | None = None,
        ) -> None: ...

    def init_live(self) -> None:
        """Set up the live state (called from the app's ``__init__``)."""
        #: the watcher's last reported health (None until it reports)
        self.watch_state: WatchState | None = None
        self._watch_stop = threading.Event()
        self._watching = False
        #: the load/refresh worker running now, and the change it reads
        self._refresh_worker: Worker[None] | None = None
        self._refresh_change: Change | None = None
        #: changes that arrived while a refresh ran, folded into one
        self.pending_change: Change | None = None
        #: refreshes started (the first load included); tests and benchmarks read it
        self.refresh_count = 0
        self._toast_pending: ChangeSummary | None = None
        self._toast_last = -TOAST_GAP
        self._toast_timer: Timer | None = None
        self._age_timer: Timer | None = None
        self._age_due: datetime | None = None
        self._day_timer: Timer | None = None
        self._mta_lock = threading.Lock()
        self._mta_version = 0
        self._mta_warned = False
        #: how many times forecasts were recorded (tests read it)
        self.forecasts_recorded = 0
        #: "today" follows the clock unless --as-of or the config pinned it
        self._today_pinned = self.options.as_of is not None or self.config.as_of is not None

    # -- refreshing ----------------------------------------------------------------
    def start_loading(self) -> None:
        """The first load (on mount)."""
        self._run_refresh(None, first=True)

    def request_refresh(self, change: Change) -> None:
        """Refresh for ``change`` now, or right after the refresh that is running.

        The one entry for every refresh: changes that arrive while a refresh runs
        are merged into one pending change, never queued one by one.
        """
        if self._refresh_worker is not None:
            self.pending_change = merge(self.pending_change, change)
            return
        self._run_refresh(change, first=self.snapshot is None)

    @property
    def refreshing(self) -> bool:
        return self._refresh_worker is not None

    def _run_refresh(self, change: Change | None, *, first: bool) -> None:
        self.refresh_count += 1
        self._refresh_change = change
        self._refresh_worker = self.load(first=first, change=change)

    def live_worker_state(self, event: Worker.StateChanged) -> None:
        """Called by the app for every worker state change: a refresh ended?"""
        worker = event.worker
        if worker is not self._refresh_worker:
            return
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if getattr(self, "_exit", False) or self._watch_stop.is_set():
            self._refresh_worker = None
            return  # the app is closing
        if event.state is not WorkerState.SUCCESS:
            # its snapshot was dropped: read that change again (all of it if unknown)
            requeue = self._refresh_change or Change()
            pending = self.pending_change
            self.pending_change = requeue if pending is None else merge(requeue, pending)
        self._refresh_worker = None
        self._refresh_change = None
        if not self._watching:
            self.start_watching()
        if self.pending_change is not None:
            change, self.pending_change = self.pending_change, None
            self._run_refresh(change, first=self.snapshot is None)

    # -- watching --------------------------------------------------------------------
    def start_watching(self) -> None:
        if self._watching or self._watch_stop.is_set():
            return
        self._watching = True
        self._watch_source()

    def stop_watching(self) -> None:
        """Ask the watcher to return (idempotent; safe from any thread)."""
        self._watch_stop.set()

    @work(thread=True, group="live-watch", exit_on_error=False, description="watch")
    def _watch_source(self) -> None:
        stop = self._watch_stop
        backoff = WATCH_BACKOFF
        restarted = False
        while not stop.is_set():
            try:
                for item in self.source.watch(stop):
                    if stop.is_set():
                        return
                    if isinstance(item, WatchState):
                        self.post_message(WatchHealth(item))
                    else:
                        self.post_message(SourceChanged(item))
                    if restarted:
                        restarted = False
                        backoff = WATCH_BACKOFF
                        self.post_message(SourceChanged(Change(causes=("watcher restarted",))))
                return  # the source has nothing (more) to watch, or we were stopped
            except Exception as exc:
                self._log_exception(exc)
                reason = f"the watcher stopped ({describe(exc)}); restarting"
                self.post_message(WatchHealth(WatchState(Health.FAILED, reason)))
                if stop.wait(backoff):
                    return
                backoff = min(backoff * 2, WATCH_BACKOFF_MAX)
                restarted = True

    def on_source_changed(self, message: SourceChanged) -> None:
        self.request_refresh(message.change)

    def on_watch_health(self, message: WatchHealth) -> None:
        before = self.watch_state
        self.watch_state = message.state
        if message.state.health in (Health.LIVE, Health.POLLING) and self.snapshot is not None:
            # a healthy watcher checked the source (a rescan, a poll): that is a check
            # even when nothing changed (the app's clock, which tests may pin)
            self.last_checked = self.clock()
        was_trouble = before is not None and before.health in TROUBLE
        trouble = message.state.health in TROUBLE
        if trouble and not was_trouble:
            self.notify_plain(
                f"Source {message.state.health.value}: {message.state.reason or 'no reason given'}."
                " The data on screen may be out of date.",
                title="Live updates",
                severity="error" if message.state.health is Health.FAILED else "warning",
                timeout=10,
            )
        elif was_trouble and not trouble:
            self.notify_plain(
                f"Source {message.state.health.value} again; re-reading it.",
                title="Live updates",
                timeout=4,
            )
        fallback = message.state.health is Health.POLLING and self.options.poll is None
        if fallback and (before is None or before.health is not Health.POLLING):
            # inotify could not be used (limits, filesystem): say why, once
            self.notify_plain(
                f"Watching by polling: {message.state.reason or 'inotify is not available'}",
                title="Live updates",
                severity="warning",
                timeout=10,
            )
        self.broadcast_status()

    def on_unmount(self) -> None:
        self.stop_watching()

    # -- after new data is on screen -------------------------------------------------
    def after_snapshot(
        self, before: Snapshot | None, after: Snapshot, change: Change | None
    ) -> None:
        """The app applied ``after`` (replacing ``before``): toast, MTA, timers.

        ``change`` is what a source refresh read; None for the first load and for
        snapshots that did not come from the source (e.g. a triage refresh), which
        get no change toast (they announce themselves).
        """
        self.schedule_age_check()
        self._schedule_new_day()
        self.record_forecasts(after)
        if before is None:
            if self.options.history is not None:
                self.call_after_refresh(self._backfill_history, self.options.history)
            return
        if change is not None and not change.store:
            self.call_after_refresh(self._summarise, before, after, change)

    @thread_work(group="live-summary", description="summarise")
    def _summarise(self, before: Snapshot, after: Snapshot, change: Change | None) -> None:
        try:
            summary = summarize(before, after, change)
        except Exception as exc:  # a toast is not worth a crash; the screen is right
            self._log_exception(exc)
            return
        self.post_message(ChangesSummarised(summary))

    def on_changes_summarised(self, message: ChangesSummarised) -> None:
        self.offer_toast(message.summary)

    def offer_toast(self, summary: ChangeSummary) -> None:
        """Show ``summary`` now, or merged with others once TOAST_GAP has passed."""
        if not summary.worth_a_toast:
            return
        pending = self._toast_pending
        self._toast_pending = summary if pending is None else pending.merge(summary)
        wait = self._toast_last + TOAST_GAP - time.monotonic()
        if wait <= 0:
            self._flush_toast()
        elif self._toast_timer is None:
            self._toast_timer = self.set_timer(wait, self._flush_toast, name="pmo-toast")

    def _flush_toast(self) -> None:
        self._toast_timer = None
        summary, self._toast_pending = self._toast_pending, None
        if summary is None:
            return
        self._toast_last = time.monotonic()
        self.notify_plain(
            summary.text(),
            title="Source problem" if summary.stale else "Live update",
            severity=summary.severity,
            timeout=TOAST_SECONDS * (2 if summary.stale else 1),
        )

    # -- keeping the UI thread free -------------------------------------------------------
    def visible_data_screen(self) -> DataScreen | None:
        """The data screen the officer sees (the top one, perhaps under a dialog)."""
        from pmo_tui.screens.base import DataScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, DataScreen):
                return screen if screen.is_mounted else None
        return None

    def show_on_visible_screen(self, snapshot: Snapshot) -> None:
        """Hand ``snapshot`` to the visible data screen (the others catch up on resume).

        A screen pushed a moment ago may not have composed its widgets yet; it
        shows the newest snapshot itself when it mounts, so it is skipped here.
        """
        from textual.css.query import NoMatches

        screen = self.visible_data_screen()
        if screen is None:
            return
        showed_before = screen.snapshot is not None
        try:
            screen.show(snapshot)
        except NoMatches:
            if showed_before:
                raise  # a screen that showed data before has its widgets: a real error

    def warm_screens(self, snapshot: Snapshot, *, first: bool = False) -> None:
        """In the load worker: build what the visible screen will show, so that applying
        the snapshot on the UI thread only swaps rows. The first load warms the
        portfolio screen's views; a screen may offer its own ``warm(snapshot)``."""
        from pmo_tui.screens import views

        screen = self.visible_data_screen()
        if first or screen is None:
            views.warm(snapshot)
        if screen is not None:
            warm_for(screen, snapshot)

    def schedule_prepare(self, snapshot: Snapshot, *, first: bool) -> None:
        """Build what drill-downs need once the new data is painted: right after the
        first paint (the app's ``prepare``); after a live refresh a moment later, in
        one worker that also warms the screens under the visible one, so that this
        heavy work does not compete with the paint and the keys (a newer snapshot
        skips it)."""
        prepare = getattr(self, "prepare", None)
        if prepare is None:
            return
        if first:
            self.call_after_refresh(prepare, snapshot)
            return

        def later() -> None:
            if self.snapshot is snapshot:
                self._warm_hidden(snapshot)

        self.set_timer(PREPARE_DELAY, later, name="pmo-prepare")

    @thread_work(group="live-warm", exclusive=True, description="warm")
    def _warm_hidden(self, snapshot: Snapshot) -> None:
        """The screens under the visible one (going back is instant), then what
        drill-downs need (``views.prepare``); stops as soon as newer data arrives."""
        from pmo_tui.screens import views

        try:
            views.warm(snapshot)
            for screen in list(self.screen_stack):
                if self.snapshot is not snapshot:
                    return
                warm_for(screen, snapshot)
            if self.snapshot is snapshot:
                views.prepare(snapshot)
        except Exception as exc:
            self._log_exception(exc)
        release_free_memory()

    # -- health --------------------------------------------------------------------------
    def data_age(self) -> timedelta | None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.portfolio.data_as_of is None:
            return None
        return max(timedelta(0), self.clock() - snapshot.portfolio.data_as_of)

    def schedule_age_check(self) -> None:
        """One timer for the moment the data becomes older than ``stale_after``."""
        snapshot = self.snapshot
        as_of = snapshot.portfolio.data_as_of if snapshot is not None else None
        if as_of is None:
            return
        due = as_of + self.config.display.stale_after
        if due == self._age_due and self._age_timer is not None:
            return
        if self._age_timer is not None:
            self._age_timer.stop()
            self._age_timer = None
        self._age_due = due
        delay = (due - self.clock()).total_seconds()
        if delay > 0:
            self._age_timer = self.set_timer(delay + 0.5, self._age_reached, name="pmo-age")

    def _age_reached(self) -> None:
        self._age_timer = None
        self.broadcast_status()

    # -- a new day -------------------------------------------------------------------------
    def _schedule_new_day(self) -> None:
        if self._today_pinned or self._day_timer is not None:
            return
        now = self.clock()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
        delay = (midnight - now).total_seconds() + 1.0
        self._day_timer = self.set_timer(delay, self._new_day, name="pmo-new-day")

    def _new_day(self) -> None:
        self._day_timer = None
        today = self.clock().date()
        if today != self.as_of:
            self.as_of = today
            self.request_refresh(Change(causes=("new day",)))
        self._schedule_new_day()

    # -- milestone trend analysis -----------------------------------------------------
    def record_forecasts(self, snapshot: Snapshot) -> None:
        """Record the milestone forecasts of ``snapshot`` in the store, off the UI thread,
        unless this version of the milestones was recorded already.

        Needs the app's triage store (``self.store``) and write access; without
        them it does nothing (a kiosk or ``--read-only`` copy never writes). A
        store that opens after the first load is caught up by the next snapshot.
        """
        store = getattr(self, "store", None)
        if store is None or self.options.read_only or getattr(store, "read_only", False):
            return
        if self._mta_pending(snapshot):
            self._record_forecasts(store, snapshot)

    def _mta_pending(self, snapshot: Snapshot) -> bool:
        return snapshot.portfolio.table_versions.get("milestones", 0) > self._mta_version

    @thread_work(group="live-mta", description="record forecasts")
    def _record_forecasts(self, store: Any, snapshot: Snapshot) -> None:
        from pmo_tui.store import ReadOnlyStore

        with self._mta_lock:
            if not self._mta_pending(snapshot):
                return  # recorded meanwhile (this version or a newer one)
            try:
                store.record_forecasts(snapshot.portfolio["milestones"], snapshot.as_of)
            except ReadOnlyStore:
                return
            except Exception as exc:
                self._log_exception(exc)
                if not self._mta_warned:
                    self._mta_warned = True
                    self.post_message(
                        LiveNotice(
                            f"Could not record milestone forecasts for the trend chart: "
                            f"{describe(exc)}",
                            title="Milestone trends",
                            severity="warning",
                            timeout=10,
                        )
                    )
                return
            self._mta_version = snapshot.portfolio.table_versions.get("milestones", 0)
            self.forecasts_recorded += 1

    @thread_work(group="live-history", description="history")
    def _backfill_history(self, folder: Path) -> None:
        try:
            message, severity = backfill_history(self, folder)
        except Exception as exc:
            self._log_exception(exc)
            message, severity = f"--history {folder}: {describe(exc)}", "error"
        self.post_message(
            LiveNotice(message, title="Milestone history", severity=severity, timeout=10)
        )

    def on_live_notice(self, message: LiveNotice) -> None:
        self.notify_plain(
            message.text, title=message.title, severity=message.severity, timeout=message.timeout
        )


def warm_for(screen: object, snapshot: Snapshot) -> None:
    """Build what ``screen`` shows for ``snapshot`` (any thread; cached on the snapshot).

    Each screen says what it needs (``warm``), so nothing here imports the screens
    that are not built yet: the first load's worker would import them, and the store
    with them, before the first paint.
    """
    warm = getattr(screen, "warm", None)
    if callable(warm):
        warm(snapshot)


def backfill_history(app: LiveMixin, folder: Path) -> tuple[str, str]:
    """Record the milestone forecasts of every dated snapshot in ``folder`` (blocking).

    The same path as ``pmo-tui db import --history``: each snapshot folder is
    read by the folder loader and ``store.backfill`` records it under its date.
    Uses the app's store when it has one, else opens the store for the source.
    """
    from pmo_tui.sources.db_import import dated_snapshots
    from pmo_tui.sources.folder import FolderSource
    from pmo_tui.store import open_store

    options = app.options
    if options.read_only:
        return (
            f"--history {folder} was not recorded: this copy is read-only "
            "(--read-only or --kiosk); run it once from a writable copy",
            "warning",
        )
    snapshots, skipped = dated_snapshots(folder)
    if not snapshots:
        return (
            f"--history {folder}: no dated snapshot folders (names like 2026-09-30 "
            "or export-20260930)",
            "error",
        )

    def frames() -> Any:
        for day, path in snapshots:
            yield day, FolderSource(path, config_path=options.config).load()["milestones"]

    store: Any = getattr(app, "store", None)
    own = store is None
    if own:
        store = open_store(options.store, source=options.source)
    try:
        recorded = store.backfill(frames())
    finally:
        if own:
            store.close()
    note = f"; skipped {len(skipped)} folders without a date" if skipped else ""
    return (
        f"Recorded {recorded:,} milestone forecasts from {len(snapshots)} snapshots "
        f"({snapshots[0][0]} to {snapshots[-1][0]}){note}",
        "information",
    )


def check_before_ui(source: object, options: Options) -> None:
    """Fail with one line (exit 2) before the UI starts when the source cannot be opened.

    A folder is checked by ``open_source`` already; a database is checked here
    (the file exists, the server answers, the schema is current), which costs
    one connection. ``--history`` must name a folder.
    """
    from pmo_tui.errors import SourceUnavailable

    check = getattr(source, "check", None) or getattr(source, "_check_schema", None)
    if callable(check):
        check()
    history = options.history
    if history is not None and not Path(history).expanduser().is_dir():
        raise SourceUnavailable(f"--history {history}: no such folder")
