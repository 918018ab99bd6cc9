"""Watch a data folder and report which tables changed (PRODUCT.md §4, docs/live.md).

:func:`watch_folder` blocks in the calling thread (a Textual thread worker) and
yields:

* a :class:`~pmo_tui.sources.base.Change` naming the tables whose files changed,
  once each changed file is stable and looks complete (:mod:`.stability`), with
  bursts coalesced: a hundred quick saves give a handful of changes, the last
  of which sees the final content;
* a :class:`~pmo_tui.sources.base.WatchState` whenever the watcher's own health
  changes: ``LIVE`` (inotify), ``POLLING`` (``--poll`` or inotify unavailable),
  ``RECONNECTING``/``FAILED`` with the reason (folder gone, permission denied,
  inotify error). After any failure it restarts with a capped backoff, then
  yields the new health and a full ``Change()`` because events may have been lost.

It watches the folder, not single files (a file replaced by rename stops
producing events), non-recursively (so ``.pmo-tui/`` and its store never wake
it), ignores lock and temp files (:mod:`.tempfiles`), and re-stats after every
batch rather than trusting event types, so Excel's delete-then-rename save is a
single modification. A periodic rescan by stat catches anything inotify missed;
``poll`` replaces inotify by that scan for network shares.

It uses watchfiles' documented Rust backend (``RustNotify``, the object
``watchfiles.watch()`` wraps) directly, because ``watch()`` fixes its timeout for
the life of the generator: here the timeout is short (``settle``) only while a
file is settling and long (the rescan interval) when idle, which keeps latency
low and idle CPU near zero. Next to it, a non-blocking inotify descriptor of our
own (:mod:`.writers`) tells when a writer closed a file, which watchfiles does
not report: such a file is read at once, and one still open waits for its close.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pmo_tui.sources.backoff import Backoff
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.sources.stability import Hold, Settler, Stat
from pmo_tui.sources.tempfiles import is_ignored
from pmo_tui.sources.writers import Writers, open_writers


class WatchedFolder(Protocol):
    """What the watcher needs from a folder source (``FolderSource`` provides it)."""

    @property
    def folder(self) -> Path: ...

    def tables_for(self, paths: Iterable[Path]) -> frozenset[str]:
        """The tables fed by these files (absolute paths; they may no longer exist)."""
        ...


@dataclass(frozen=True)
class WatchSettings:
    """Tuning knobs; the defaults are what docs/live.md measures."""

    #: watchfiles yields a batch after this many ms without new events
    step_ms: int = 10
    #: ... or at the latest after this many ms of continuous events
    debounce_ms: int = 300
    #: a changed file must be unchanged for this long (two stats) before it is read;
    #: watchfiles has already seen it quiet for step_ms, so the quiet time is >= 50 ms
    settle: float = 0.04
    #: quiet time required for a file that does not look complete yet
    incomplete_quiet: float = 0.5
    #: a vanished file is reported only after it stayed missing this long
    delete_grace: float = 0.4
    #: longest wait for a file that keeps changing
    max_wait: float = 10.0
    #: release a complete-looking file at once and let the loader read it while its
    #: quiet time runs (the read is trusted only if the file held still; docs/live.md)
    read_while_settling: bool = True
    #: with inotify, release a file as soon as its writer closed it, and hold a file
    #: a writer still has open until it is closed (stability.py, writers.py)
    trust_closes: bool = True
    #: full rescan by stat, even with inotify (safety net)
    rescan: float = 30.0
    #: polling interval when inotify cannot be used (limits, unsupported filesystem)
    fallback_poll: float = 2.0
    #: how often a polling fallback tries inotify again
    upgrade_every: float = 60.0
    backoff_initial: float = 0.25
    backoff_cap: float = 10.0
    #: consecutive failed restarts after which RECONNECTING becomes FAILED
    failed_after: int = 3
    #: a session that lived this long resets the backoff
    healthy_after: float = 30.0


DEFAULT_SETTINGS = WatchSettings()


class _Lost(Exception):
    """The watcher cannot go on as it is; restart it."""

    def __init__(self, health: Health, reason: str) -> None:
        super().__init__(reason)
        self.health = health
        self.reason = reason


def _display(path: Path | str) -> str:
    """A path as text that can always be printed (undecodable bytes shown as U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")


def _lost_for(exc: BaseException, folder: Path) -> _Lost:
    where = _display(folder)
    if isinstance(exc, _Lost):
        return exc
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return _Lost(Health.RECONNECTING, f"{where} is gone; waiting for it to come back")
    if isinstance(exc, PermissionError):
        return _Lost(Health.FAILED, f"permission denied reading {where}")
    text = str(exc).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    if "decode path" in detail:
        return _Lost(
            Health.RECONNECTING,
            f"a file name in {where} is not valid UTF-8; restarting the watcher",
        )
    return _Lost(Health.RECONNECTING, f"watching {where} failed: {detail}")


def scan(folder: Path) -> dict[str, Stat]:
    """The folder's candidate files (not ignored, not directories) and their stats."""
    found: dict[str, Stat] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if is_ignored(name):
                continue
            try:
                if entry.is_dir():
                    continue
                st = entry.stat()
            except FileNotFoundError:  # vanished meanwhile, or a dangling symlink
                continue
            found[name] = Stat(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
    return found


def _identity(folder: Path) -> tuple[int, int]:
    st = folder.stat()
    if not folder.is_dir():
        raise NotADirectoryError(folder)
    return st.st_dev, st.st_ino


def _open_notify(folder: str) -> object:
    from watchfiles._rust_notify import RustNotify

    return RustNotify([folder], False, False, 0, False, False)


class _Session:
    """One armed watcher over the folder; raises :class:`_Lost` when it must be rebuilt."""

    def __init__(
        self,
        source: WatchedFolder,
        stop: threading.Event,
        settings: WatchSettings,
        poll: float | None,
    ) -> None:
        self.source = source
        self.stop = stop
        self.settings = settings
        self.folder = Path(source.folder).absolute()
        self.folder_str = str(self.folder)
        self.poll = poll
        self.fallback: str | None = None
        self.notify: object | None = None
        #: who closed which file (inotify), so a file its writer closed is read at once
        self.writers: Writers | None = None
        try:
            self.ident = _identity(self.folder)
            if poll is None:
                self._arm()
            # armed first, then scanned: nothing can slip between the two
            self.known = scan(self.folder)
        except Exception as exc:
            self.close()
            raise _lost_for(exc, self.folder) from exc
        self.started = time.monotonic()

    def _arm(self) -> None:
        try:
            self.notify = _open_notify(self.folder_str)
            self.fallback = None
            if self.settings.trust_closes:  # None: the quiet time alone decides
                self.writers = open_writers(self.folder_str)
        except (FileNotFoundError, PermissionError):
            raise
        except (OSError, RuntimeError) as exc:
            # inotify limits (EMFILE/ENOSPC), or a filesystem without inotify: poll instead
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            self.notify = None
            self.fallback = (
                f"inotify unavailable ({detail}); polling every "
                f"{self.settings.fallback_poll:g} s (raise fs.inotify.max_user_instances / "
                "max_user_watches to get instant updates)"
            )

    @property
    def interval(self) -> float:
        if self.poll is not None:
            return self.poll
        if self.notify is None:
            return self.settings.fallback_poll
        return self.settings.rescan

    def state(self) -> WatchState:
        if self.poll is not None:
            return WatchState(
                Health.POLLING, f"polling {_display(self.folder)} every {self.poll:g} s"
            )
        if self.notify is None:
            return WatchState(Health.POLLING, self.fallback or "polling")
        return WatchState(Health.LIVE, f"watching {_display(self.folder)}")

    def close(self) -> None:
        notify, self.notify = self.notify, None
        if notify is not None:
            notify.close()  # type: ignore[attr-defined]
        writers, self.writers = self.writers, None
        if writers is not None:
            writers.close()

    # -- the loop --------------------------------------------------------------
    def run(self, since: float | None) -> Iterator[Change | WatchState]:
        s = self.settings
        settler = Settler(
            settle=s.settle,
            incomplete_quiet=s.incomplete_quiet,
            delete_grace=s.delete_grace,
            max_wait=s.max_wait,
            early=s.read_while_settling,
            # with inotify, an mtime is the local clock's: the quiet time may count from
            # it (watchfiles' own quiet step included, so a file is still >= 50 ms quiet);
            # a share's mtime comes from another machine's clock
            mtime_quiet=s.settle + s.step_ms / 1000 if self.notify is not None else None,
            writers=self.writers,
        )
        now = time.monotonic()
        if since is not None:  # files written between the caller's load and now
            since_ns = int(since * 1e9)
            for name, stat in self.known.items():
                if stat.mtime_ns >= since_ns:
                    settler.touch(name, self.folder / name, now)
        next_scan = now + self.interval
        next_upgrade = now + s.upgrade_every
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                wait = settler.next_check(now)
                timeout = max(0.0, next_scan - now)
                if wait is not None:
                    timeout = min(timeout, wait)
                if not self._wait(timeout, settler):
                    return
                now = time.monotonic()
                self._check_folder()
                if now >= next_scan:
                    found = self._rescan(settler, now)
                    next_scan = now + self.interval
                    if self.poll is None and self.notify is None and now >= next_upgrade:
                        next_upgrade = now + s.upgrade_every
                        self._arm()
                        settler.writers = self.writers
                        if self.notify is not None:
                            next_scan = now + self.interval
                            yield self.state()
                            found = True
                    if not found and not len(settler):
                        # a heartbeat: the folder was checked and nothing changed, so
                        # "last checked" moves on a quiet wall display too
                        yield self.state()
                ready = settler.poll(now)
                if ready:
                    change = self._change(ready)
                    if change is not None:
                        yield change
        except _Lost:
            raise
        except Exception as exc:
            raise _lost_for(exc, self.folder) from exc

    def _wait(self, timeout: float, settler: Settler) -> bool:
        """Sleep until events, the timeout or stop; False when stopped."""
        if self.notify is None:
            return not self.stop.wait(timeout)
        timeout_ms = max(1, math.ceil(timeout * 1000))
        raw = self.notify.watch(  # type: ignore[attr-defined]
            self.settings.debounce_ms, self.settings.step_ms, timeout_ms, self.stop
        )
        if raw == "stop":
            return False
        if raw == "signal":
            raise KeyboardInterrupt
        if isinstance(raw, set):
            self._take(raw, settler, time.monotonic())
        return True

    def _take(self, raw: set[tuple[int, str]], settler: Settler, now: float) -> None:
        for _kind, path in raw:
            if path == self.folder_str:
                # the folder itself changed (deleted, moved, chmod): is it still ours and readable?
                self._check_folder()
                self._rescan(settler, now)
                continue
            parent, name = os.path.split(path)
            if parent != self.folder_str or is_ignored(name):
                continue
            settler.touch(name, self.folder / name, now)

    def _check_folder(self) -> None:
        try:
            ident = _identity(self.folder)
        except Exception as exc:
            raise _lost_for(exc, self.folder) from exc
        if ident != self.ident:
            raise _Lost(
                Health.RECONNECTING,
                f"{_display(self.folder)} was replaced; watching the new folder",
            )

    def _rescan(self, settler: Settler, now: float) -> bool:
        """Stat every file; start settling the changed ones. Whether any changed."""
        current = scan(self.folder)
        found = False
        for name in current.keys() | self.known.keys():
            if name not in settler and current.get(name) != self.known.get(name):
                settler.touch(name, self.folder / name, now)
                found = True
        return found

    def _change(self, ready: list[Hold]) -> Change | None:
        names: list[str] = []
        holds: list[Hold] = []
        for hold in ready:
            before = self.known.pop(hold.name, None)
            if hold.stat is not None:
                self.known[hold.name] = hold.stat
            elif before is None:
                continue  # appeared and vanished again while settling: nothing to reload
            names.append(hold.name)
            holds.append(hold)
        if not names:
            return None
        causes = tuple(sorted(_display(n) for n in names))
        try:
            given = Path(self.source.folder)  # the loader knows its files by this path
            tables = frozenset(self.source.tables_for([given / n for n in names]))
        except Exception:  # a loader bug must not kill the watcher: re-check everything
            return Change(causes=causes, holds=tuple(holds))
        if not tables:
            return None  # files that feed no table (notes.docx, ...)
        return Change(tables=tables, causes=causes, holds=tuple(holds))


def watch_folder(
    source: WatchedFolder,
    stop: threading.Event,
    *,
    poll: float | None = None,
    since: float | None = None,
    settings: WatchSettings = DEFAULT_SETTINGS,
) -> Iterator[Change | WatchState]:
    """Yield changes to ``source.folder`` until ``stop`` is set (see the module docs).

    ``poll`` (seconds) scans by stat instead of inotify, for network shares where
    inotify sees no remote writes. ``since`` (a ``time.time()`` value, typically
    when the caller started its load) reports files modified after it at once, so
    a save that landed between the load and the start of watching is not missed.
    The first item is always a :class:`WatchState` saying how the folder is watched.
    """
    backoff = Backoff(initial=settings.backoff_initial, cap=settings.backoff_cap)
    failures = 0
    last: tuple[Health, str] | None = None
    resync = False
    while not stop.is_set():
        try:
            session = _Session(source, stop, settings, poll)
        except _Lost as lost:
            failures += 1
            state = _failure_state(lost, failures, settings)
            if (state.health, state.reason) != last:
                last = (state.health, state.reason)
                yield state
            resync = True
            if stop.wait(backoff.next()):
                return
            continue
        try:
            state = session.state()
            if (state.health, state.reason) != last:
                last = (state.health, state.reason)
                yield state
            if resync:
                # events may have been lost while the watcher was down: re-check everything
                yield Change(causes=(f"{_display(session.folder)} (watcher restarted)",))
                resync = False
            for item in session.run(since):
                if isinstance(item, WatchState):
                    last = (item.health, item.reason)
                yield item
            return  # stopped
        except _Lost as lost:
            if time.monotonic() - session.started >= settings.healthy_after:
                backoff.reset()
                failures = 0
            failures += 1
            state = _failure_state(lost, failures, settings)
            if (state.health, state.reason) != last:
                last = (state.health, state.reason)
                yield state
            resync = True
            if stop.wait(backoff.next()):
                return
        finally:
            session.close()
            since = None


def _failure_state(lost: _Lost, failures: int, settings: WatchSettings) -> WatchState:
    health = Health.FAILED if failures >= settings.failed_after else lost.health
    return WatchState(health, lost.reason)
