"""Whether the writer of a changed file has closed it (Linux inotify, ``IN_CLOSE_WRITE``).

watchfiles says that a file was written, not that its writer is done: its
backend receives inotify's close events and drops them. A close is the best
evidence a local writer gives that a file is complete, better than any quiet
time, so :class:`Writers` keeps a second, non-blocking inotify descriptor on the
folder and remembers, per file name, the last thing a writer did to it:

* wrote to it or truncated it (``IN_MODIFY``): a writer has it open, and what
  is on disk may be half of what is coming (a file only created, a link or a
  symlink made, says nothing yet);
* closed it after writing (``IN_CLOSE_WRITE``) or renamed it into the folder
  (``IN_MOVED_TO``, the end of an atomic save): done.

A name deleted or renamed away is forgotten, and so is everything when the
kernel's queue overflowed (events were lost).

Nothing blocks: the events queue in the kernel and are read (:meth:`Writers.drain`)
when the watcher looks at its pending files. Each name's last event carries a
sequence number, so the caller can tell an event it has already acted on from
a new one. Where inotify is not available (another OS, the instance limit, a
polled network share) there is no :class:`Writers` and the quiet time alone
decides (:mod:`.stability`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Written:
    """The last thing a writer did to a file."""

    seq: int  # increases with every event the descriptor reads
    closed: bool  # True: closed after writing, or renamed in; False: being written


class Writers:
    """The writers' last event per file name in one folder (see the module docs)."""

    def __init__(self, folder: Path | str) -> None:
        # imported here: Linux only, and only once the watcher starts
        from inotify_simple import INotify, flags

        self._writing = flags.MODIFY
        self._done = flags.CLOSE_WRITE | flags.MOVED_TO
        self._gone = flags.DELETE | flags.MOVED_FROM
        self._overflow = flags.Q_OVERFLOW
        self._folder_gone = flags.DELETE_SELF | flags.MOVE_SELF | flags.IGNORED
        self._isdir = flags.ISDIR
        mask = self._writing | self._done | self._gone | flags.DELETE_SELF | flags.MOVE_SELF
        self._notify: Any = INotify(nonblocking=True)
        try:
            self._notify.add_watch(os.fspath(folder), mask | flags.ONLYDIR)
        except BaseException:
            self._notify.close()
            raise
        self._seq = 0
        self._last: dict[str, Written] = {}
        #: the watch is gone (folder deleted or moved, queue overflowed): nothing is known
        self.lost = False

    def drain(self) -> None:
        """Read the events queued since the last drain (never blocks)."""
        if self.lost:
            return
        for event in self._notify.read(timeout=0):
            mask = event.mask
            if mask & self._overflow:
                self._last.clear()  # events were dropped: what we knew may be wrong now
                continue
            if mask & self._folder_gone:
                self._last.clear()  # the folder went: the watcher is rebuilt
                self.lost = True
                return
            if mask & self._isdir or not event.name:
                continue
            self._seq += 1
            if mask & self._gone:
                self._last.pop(event.name, None)
            elif mask & self._done:
                self._last[event.name] = Written(self._seq, closed=True)
            elif mask & self._writing:
                self._last[event.name] = Written(self._seq, closed=False)

    def last(self, name: str) -> Written | None:
        """The last writer event for ``name`` read so far (None: none since the watch began)."""
        return self._last.get(name)

    def close(self) -> None:
        self._notify.close()


def open_writers(folder: Path | str) -> Writers | None:
    """A :class:`Writers` for ``folder``, or None where inotify cannot give one."""
    try:
        return Writers(folder)
    except (ImportError, OSError, AttributeError):
        return None
