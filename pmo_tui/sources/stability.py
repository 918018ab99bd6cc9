"""Decide when a changed file is safe to read: stable on disk and, where we can tell, complete.

watchfiles reports a batch as soon as ``step`` ms pass without events, so a slow
copy (an export tool writing in chunks, a copy over a network share) can look
finished after its first chunk. :class:`Settler` therefore re-stats every file
that changed (size, mtime_ns, inode) and releases it only when

* the stat has not changed for ``settle`` seconds, observed by two checks; every
  change observed while waiting doubles the quiet time required (up to
  ``max_quiet``), because a file that is seen growing is being copied slowly;
* the file looks complete (:func:`looks_complete`: a CSV ends with a line break,
  an XLSX ends with its zip directory); if not, it must stay quiet for
  ``incomplete_quiet`` before it is read anyway (a file may legitimately lack the
  final line break, and the loader reports a truncated file as a problem);
* a file that vanished has stayed missing for ``delete_grace`` seconds, so the
  delete-then-rename of an Excel save counts as one replace, not a delete;
* and in any case once it has been pending for ``max_wait`` seconds (bounded: a
  file that never stops changing is read anyway rather than starving the screen).

**Reading while it settles** (``early``). A file that already looks complete is
released at once, before its quiet time has passed, with a :class:`Hold`: the
loader reads it meanwhile, then trusts what it read only if the file still has
the same stat once the quiet time is over (``Hold.until``); otherwise it keeps
the table's last good rows, and the watcher, which saw the file change again,
reports it once more. The guarantee is the one above (the same stat at both ends
of the quiet time, read in between), and the wait for it overlaps the read: the
screen gets a changed file sooner by the time it takes to read it.

**A writer that closed the file** (``writers``, Linux inotify: :mod:`.writers`).
The quiet time guesses that a writer is done; a local writer says so by closing
the file. A file whose last writer event is a close after writing (or a rename
into the folder) is released at once, settled, without a quiet time: it is
stat'ed, and released with that stat only if no writer event arrived between
the close and the stat. A file a writer still has open after writing to it is
not read until it is closed, or at the latest after ``max_wait``: a writer
pausing mid-file, at a line break or not, is then not read half-written.
Only writer events newer than the file's last release count, so a file that
changes without any (a rescan, a write through another path) falls back to the
rules above, as it does where there is no ``writers`` (a polled share, another
OS).

The clock is a parameter, so the rules are tested without sleeping.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported with the watcher (watch.py), not at start-up
    from pmo_tui.sources.writers import Writers, Written

#: how far from the end a zip's end-of-central-directory record can be (22 + max comment)
_EOCD_WINDOW = 22 + 65535
_EOCD = b"PK\x05\x06"
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_ZIP_SUFFIXES = (".xlsx", ".xlsm", ".zip")
_XML_SUFFIXES = (".xml",)


@dataclass(frozen=True, slots=True)
class Stat:
    """What we compare to tell whether a file changed."""

    size: int
    mtime_ns: int
    ino: int
    dev: int

    @classmethod
    def of(cls, path: Path | str) -> Stat | None:
        """The file's stat (following symlinks), or None when it does not exist.

        Other errors (permission denied, I/O errors) propagate: the caller decides
        whether the folder itself is still usable.
        """
        try:
            st = Path(path).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def looks_complete(path: Path | str, size: int) -> bool:
    """A cheap check that a file is not cut off mid-write (reads at most ~64 KiB at the end)."""
    name = os.fspath(path).lower()
    if not name.endswith(_TEXT_SUFFIXES + _ZIP_SUFFIXES + _XML_SUFFIXES):
        return True
    if size == 0:
        return False  # created, not yet written: a copy is about to fill it
    try:
        with Path(path).open("rb") as handle:
            if name.endswith(_ZIP_SUFFIXES):
                start = max(0, size - _EOCD_WINDOW)
                handle.seek(start)
                return _EOCD in handle.read(size - start)
            handle.seek(max(0, size - 256))
            tail = handle.read(256)
    except OSError:
        return True  # let the loader report what is wrong with it
    if name.endswith(_XML_SUFFIXES):
        return tail.rstrip().endswith(b">")
    return tail.endswith((b"\n", b"\r"))


@dataclass(frozen=True, slots=True)
class Hold:
    """A released file, and when what is read of it may be trusted.

    ``until`` (a ``time.monotonic()`` value) is set when the file was released
    before its quiet time was over (:class:`Settler` with ``early``): a read of it
    counts only if the file still has ``stat`` at ``until``. ``None`` means it had
    settled already (or waited ``max_wait``): read it as it is.
    """

    name: str  # the file's name in the watched folder
    stat: Stat | None  # None: the file is gone
    until: float | None = None


@dataclass(slots=True)
class _Pending:
    name: str
    path: Path
    stat: Stat | None
    first: float  # when it was first reported
    since: float  # when it was last seen to change
    checked: float  # when it was last stat'ed
    changes: int = 0  # changes observed while pending
    early: bool = True  # may be released before its quiet time is over


class Settler:
    """Files that changed, each waiting until it is safe to read."""

    def __init__(
        self,
        *,
        settle: float = 0.05,
        max_quiet: float = 1.0,
        incomplete_quiet: float = 0.5,
        delete_grace: float = 0.4,
        max_wait: float = 10.0,
        early: bool = False,
        mtime_quiet: float | None = None,
        writers: Writers | None = None,
        stat: Callable[[Path], Stat | None] = Stat.of,
        complete: Callable[[Path, int], bool] = looks_complete,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.settle = settle
        self.max_quiet = max_quiet
        self.incomplete_quiet = incomplete_quiet
        self.delete_grace = delete_grace
        self.max_wait = max_wait
        self.early = early
        #: a file released early whose own mtime is this much older than now has been
        #: quiet that long already (local filesystems only: see :meth:`_quiet_until`)
        self.mtime_quiet = mtime_quiet
        #: the folder's writers, where inotify tells when a file is closed (see the module docs)
        self.writers = writers
        #: per file, the last writer event (its seq) that a release has acted on
        self._consumed: dict[str, int] = {}
        self._stat = stat
        self._complete = complete
        self._wall = wall
        self._pending: dict[str, _Pending] = {}
        #: files released before their quiet time was over (early, or on their writer's
        #: close): changes seen, and the end of that quiet time. A file that changes
        #: again before then was released too soon: it goes on counting.
        self._early: dict[str, tuple[int, float]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, name: object) -> bool:
        return name in self._pending

    def touch(self, name: str, path: Path, now: float) -> None:
        """``name`` changed (an event or a rescan saw it): (re)start waiting for it."""
        stat = self._stat(path)
        entry = self._pending.get(name)
        if entry is None:
            entry = _Pending(name, path, stat, first=now, since=now, checked=now)
            early = self._early.pop(name, None)
            if early is not None and now <= early[1]:
                # released too soon: it goes on counting, and settles the usual way now
                entry.changes, entry.early = early[0] + 1, False
            self._pending[name] = entry
            return
        entry.changes += 1
        entry.stat, entry.since, entry.checked = stat, now, now

    def required_quiet(self, entry: _Pending) -> float:
        if entry.stat is None:
            return self.delete_grace
        if self._being_written(entry.name):
            return self.max_wait  # until its writer closes it (max_wait bounds it)
        return min(self.max_quiet, self.settle * 2 ** min(entry.changes, 8))

    def _new_writer_event(self, name: str) -> Written | None:
        """The file's last writer event, if no release has acted on it yet."""
        if self.writers is None:
            return None
        last = self.writers.last(name)
        if last is None or last.seq <= self._consumed.get(name, 0):
            return None
        return last

    def _being_written(self, name: str) -> bool:
        last = self._new_writer_event(name)
        return last is not None and not last.closed

    def _closed_by_writer(self, entry: _Pending) -> Hold | None:
        """A settled release for a file whose writer closed it, or None."""
        if self.writers is None or entry.stat is None or not entry.early:
            # no writer events here; a vanished file waits for its grace; a file that
            # changed again right after such a release is in a burst of saves: it
            # settles the usual way, so the burst costs one or two reads
            return None
        last = self._new_writer_event(entry.name)
        if last is None or not last.closed:
            return None
        stat = self._stat(entry.path)
        if stat is None or stat.size == 0:
            return None  # gone, or emptied to be written again: the usual rules
        self.writers.drain()
        if self.writers.last(entry.name) != last:
            return None  # written again since the close: not done after all
        return Hold(entry.name, stat)

    def _release(self, name: str) -> None:
        """Forget ``name``'s pending entry; its writer events so far are acted on."""
        del self._pending[name]
        if self.writers is not None and (last := self.writers.last(name)) is not None:
            self._consumed[name] = last.seq
        else:
            self._consumed.pop(name, None)

    def poll(self, now: float) -> list[Hold]:
        """Re-stat what is due; return the files that are ready (or may be read early)."""
        ready: list[Hold] = []
        if self.writers is not None:
            self.writers.drain()
        for name, entry in list(self._pending.items()):
            closed = self._closed_by_writer(entry)
            if closed is not None:
                self._release(name)
                self._early[name] = (entry.changes, now + self.required_quiet(entry))
                ready.append(closed)
                continue
            if now - entry.checked >= self.settle * 0.8:
                stat = self._stat(entry.path)
                entry.checked = now
                if stat != entry.stat:
                    entry.stat, entry.since = stat, now
                    entry.changes += 1
            if self._is_ready(entry, now):
                self._release(name)
                ready.append(Hold(name, entry.stat))
            elif self._may_read_early(entry):
                self._release(name)
                until = self._quiet_until(entry, now)
                self._early[name] = (entry.changes, until)
                ready.append(Hold(name, entry.stat, until))
        for name, (_, until) in list(self._early.items()):
            if now > until:
                del self._early[name]
        return ready

    def _quiet_until(self, entry: _Pending, now: float) -> float:
        """When a file released early has been quiet long enough (monotonic seconds).

        Counted from when it was first seen (``since``), or, with ``mtime_quiet``,
        from its own last modification when that is earlier: the watcher reports a
        write only after ``step`` ms without events, so counting from then made every
        read wait ~15 ms longer than the file had in fact been quiet. A file seen to
        change while pending, or whose mtime is in the future (another clock), is
        counted from when it was seen, as before. The same stat is still required at
        the end (``wait_for_holds``); only the start of the count moves.
        """
        until = entry.since + self.required_quiet(entry)
        if self.mtime_quiet is None or entry.changes or entry.stat is None:
            return until
        age = self._wall() - entry.stat.mtime_ns / 1e9
        if age < 0:
            return until
        return min(until, now - age + self.mtime_quiet)

    def _may_read_early(self, entry: _Pending) -> bool:
        """Complete-looking and not gone: it may be read while its quiet time runs."""
        if not (self.early and entry.early) or entry.stat is None or entry.stat.size == 0:
            return False
        if self._being_written(entry.name):
            return False
        return self._complete(entry.path, entry.stat.size)

    def _is_ready(self, entry: _Pending, now: float) -> bool:
        if now - entry.first >= self.max_wait:
            return True
        quiet = now - entry.since
        if quiet < self.required_quiet(entry):
            return False
        if entry.stat is None:
            return True
        if quiet >= self.incomplete_quiet:
            return True
        return self._complete(entry.path, entry.stat.size)

    def next_check(self, now: float) -> float | None:
        """Seconds until :meth:`poll` has something to do, or None when nothing is pending."""
        if not self._pending:
            return None
        due = min(entry.checked + self.settle for entry in self._pending.values())
        return max(0.0, due - now)

    def names(self) -> Iterable[str]:
        return tuple(self._pending)


def unsettled(folder: Path, holds: Iterable[Hold]) -> list[Hold]:
    """The held files (released early) whose stat is no longer the one released.

    Such a file changed again after it was released: what would be read now may
    be half-written, and the watcher, which saw it change, reports it once more.
    """
    return [h for h in holds if h.until is not None and Stat.of(folder / h.name) != h.stat]


def wait_for_holds(
    folder: Path,
    holds: Iterable[Hold],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Hold]:
    """Wait until every held file's quiet time is over; return those that changed meanwhile."""
    held = [h for h in holds if h.until is not None]
    if not held:
        return []
    left = max(h.until for h in held if h.until is not None) - clock()
    if left > 0:
        sleep(left)
    return unsettled(folder, held)
