"""Notice when the terminal has gone, so the app exits instead of spinning.

Textual's input thread reads stdin in a loop. When the terminal goes away
without a SIGHUP reaching the app (the app is not in the terminal's session,
SIGHUP is ignored as under ``nohup``, or stdin is a pipe or ``/dev/null``),
every read returns end-of-file at once and the thread spins at 100% CPU
forever. A wall display left like that burns a core for weeks and shows
nothing. :class:`TerminalWatchdog` polls the terminal from its own thread and
calls back once it is gone:

* a descriptor that was a terminal at start and no longer answers as one
  (``isatty`` fails: the tty was hung up, e.g. its pty master was closed);
* stdin that is not a terminal and stays readable with nothing to read
  (end of file), on several checks in a row (a keystroke being read at the
  same moment must not count).

No textual here: the app wires the callback to a clean exit (see
``pmo_tui.screens.kiosk_mode``), and the watchdog ends the process itself if
that clean exit does not finish in time.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import select
import struct
import termios
import threading
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

#: exit code when the terminal went away (128 + SIGHUP, as a shell reports a hang-up)
EXIT_TERMINAL_GONE = 129


def bytes_waiting(fd: int) -> int | None:
    """How many bytes ``fd`` has ready to read, or None when it cannot say."""
    try:
        raw = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    except OSError:
        return None
    value: int = struct.unpack("i", raw)[0]
    return value


def is_tty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except (OSError, ValueError):
        return False


def at_end_of_file(fd: int) -> bool:
    """True when ``fd`` is readable but has nothing to read: end of file (not a tty).

    A pipe whose writer closed, ``/dev/null`` and a file read to its end all
    look like this; so does a live pipe for the instant between data arriving
    and the input thread reading it, which is why callers confirm it.
    """
    try:
        readable, _, _ = select.select([fd], [], [], 0)
    except (OSError, ValueError):
        return True  # closed descriptor
    if not readable:
        return False
    waiting = bytes_waiting(fd)
    return waiting is None or waiting == 0


#: a terminal's "focus in" report: harmless input to wake a blocked reader
FOCUS_IN = b"\x1b[I"
#: write ends of the pipes that replaced a dead stdin (kept open, so no end of file)
_QUIET: list[int] = []


def quiet_stdin(fd: int = 0) -> None:
    """Point ``fd`` at a pipe nobody writes to, so a reader blocks instead of spinning.

    Textual's input thread selects and reads on descriptor 0 in a loop; at end
    of file every read returns at once and the loop spins, starving the app so
    that even a clean exit takes seconds. After this it waits quietly until
    the app stops it.
    """
    try:
        read, write = os.pipe()
    except OSError:
        return
    try:
        os.dup2(read, fd)
    except OSError:
        os.close(write)
    else:
        _QUIET.append(write)
        # A reader that was between select() and read() when the pipe took the old
        # descriptor's place would now block for good (and Textual joins it on exit):
        # hand it a terminal focus-in report, which means nothing to the app.
        with contextlib.suppress(OSError):
            os.write(write, FOCUS_IN)
    finally:
        os.close(read)


def quiet_output(fds: Sequence[int]) -> None:
    """Send writes on ``fds`` (hung-up terminals) to ``/dev/null`` instead.

    A write to a hung-up tty fails, which ends Textual's output thread; the
    app then blocks on its full output queue while shutting down. Writes that
    succeed (into nothing) let it finish cleanly.
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
    finally:
        os.close(null)


class TerminalWatchdog:
    """Calls ``on_gone(reason)`` once when the terminal on ``fds`` goes away.

    ``check()`` does one round (tests call it directly); ``start()`` runs it
    every ``interval`` seconds in a daemon thread. When the terminal is gone it
    first quiets stdin (:func:`quiet_stdin`), then calls ``on_gone``; the thread
    waits ``grace`` seconds for the app to stop (``stop()``), then calls
    ``on_stuck`` (by default it ends the process with ``os._exit``), because an
    app that cannot write to its terminal may never finish shutting down.
    """

    def __init__(
        self,
        on_gone: Callable[[str], None],
        *,
        fds: Sequence[int] = (0, 1),
        interval: float = 0.5,
        confirm: int = 3,
        grace: float = 5.0,
        on_stuck: Callable[[str], None] | None = None,
    ) -> None:
        self.on_gone = on_gone
        self.on_stuck = on_stuck or _hard_exit
        self.fds = tuple(fds)
        self.interval = interval
        self.confirm = max(1, confirm)
        self.grace = grace
        #: which descriptors were terminals when watching began
        self.ttys = {fd: is_tty(fd) for fd in self.fds}
        #: stdout and stderr: those that were terminals go to /dev/null once hung up
        self.outputs = {fd: is_tty(fd) for fd in (1, 2)}
        self._eof_seen = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reason: str | None = None

    # -- one round ---------------------------------------------------------------
    def check(self) -> str | None:
        """Why the terminal is gone, or None while it works."""
        for fd, was_tty in self.ttys.items():
            if was_tty and not is_tty(fd):
                name = {0: "standard input", 1: "standard output"}.get(fd, f"descriptor {fd}")
                return f"the terminal on {name} hung up (closed or disconnected)"
        if 0 in self.ttys and not self.ttys[0]:
            if at_end_of_file(0):
                self._eof_seen += 1
                if self._eof_seen >= self.confirm:
                    return "end of file on standard input (it is not a terminal)"
            else:
                self._eof_seen = 0
        return None

    # -- thread --------------------------------------------------------------------
    def start(self) -> TerminalWatchdog:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="pmo-terminal-watchdog", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def __enter__(self) -> TerminalWatchdog:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            reason = self.check()
            if reason is None:
                continue
            self.reason = reason
            log.warning("terminal gone: %s", reason)
            if 0 in self.ttys:
                quiet_stdin(0)
            quiet_output([fd for fd, tty in self.outputs.items() if tty and not is_tty(fd)])
            with contextlib.suppress(Exception):
                self.on_gone(reason)
            if not self._stop.wait(self.grace):
                self.on_stuck(reason)
            return


def _hard_exit(reason: str) -> None:
    """The app did not stop after its terminal went away: end the process."""
    log.error("the app did not exit after the terminal went away (%s); ending it", reason)
    logging.shutdown()
    os._exit(EXIT_TERMINAL_GONE)
