"""The terminal going away, signals, and the kiosk's locked environment, in a real pty.

``pmo-tui`` runs as a child process on a pseudo-terminal, as in a terminal
emulator, an SSH session or tmux. When the terminal goes away the app must
exit, not spin: Textual's input thread reads end-of-file in a loop at 100%
CPU when no SIGHUP arrives (the app is not in the terminal's session, or
SIGHUP is ignored as under ``nohup``, or stdin is ``/dev/null``). These tests
would hang until their timeout without the fix.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_ui_support import write_fixture

from pmo_tui.terminal import EXIT_TERMINAL_GONE, TerminalWatchdog

ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\|\x1b[@-Z\\-_]"
)


class Pty:
    """A child process on a pseudo-terminal of a fixed size."""

    def __init__(
        self,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        controlling: bool = True,
        ignore_hup: bool = False,
        stdin_devnull: bool = False,
        size: tuple[int, int] = (100, 30),
        cwd: Path | None = None,
    ) -> None:
        master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def setup() -> None:  # in the child
            if controlling:
                fcntl.ioctl(0 if not stdin_devnull else 1, termios.TIOCSCTTY, 0)
            if ignore_hup:
                signal.signal(signal.SIGHUP, signal.SIG_IGN)

        full_env = dict(os.environ)
        full_env.update({"TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)})
        full_env.pop("NO_COLOR", None)
        full_env.update(env or {})
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL if stdin_devnull else slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=setup,
        )
        os.close(slave)
        self.fd: int | None = master
        self.raw = bytearray()

    def read(self, timeout: float) -> bool:
        if self.fd is None:
            return False
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            return False
        self.raw.extend(chunk)
        return bool(chunk)

    def text(self) -> str:
        return ESCAPES.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    def wait_for(self, check: Callable[[str], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not check(self.text()):
            if self.process.poll() is not None:
                raise AssertionError(f"the app exited ({self.process.returncode}): {self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the screen showed: {self.text()[-3000:]!r}")
            self.read(0.1)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.read(0.05)

    def write(self, data: bytes) -> None:
        assert self.fd is not None
        os.write(self.fd, data)

    def close_terminal(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code, reading what the app writes meanwhile (as a terminal does)."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            if self.fd is None:
                time.sleep(0.05)
            else:
                self.read(0.05)
        return self.process.poll()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.close_terminal()


def pmo_tui(*args: str) -> list[str]:
    return [sys.executable, "-m", "pmo_tui", *args]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "portfolio")


@pytest.fixture
def state(tmp_path: Path) -> dict[str, str]:
    """A private error log location for the child (XDG_STATE_HOME)."""
    return {"XDG_STATE_HOME": str(tmp_path / "state")}


def drawn(text: str) -> bool:
    """The first frame with data is on screen (kiosk or portfolio screen)."""
    return "data problems" in text or "Programmes" in text


# -- the terminal goes away ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kiosk", "controlling", "ignore_hup"),
    [
        (True, True, False),  # a terminal window closed: SIGHUP
        (True, False, False),  # not the terminal's session: no SIGHUP, reads hit EOF
        (True, True, True),  # SIGHUP ignored (nohup): our handler still ends the app
        (False, False, False),  # the ordinary TUI too
    ],
    ids=["kiosk-sighup", "kiosk-no-sighup", "kiosk-nohup", "tui-no-sighup"],
)
def test_closing_the_terminal_ends_the_app(
    folder: Path, state: dict[str, str], kiosk: bool, controlling: bool, ignore_hup: bool
) -> None:
    args = [str(folder), "--kiosk"] if kiosk else [str(folder)]
    term = Pty(pmo_tui(*args), env=state, controlling=controlling, ignore_hup=ignore_hup)
    try:
        term.wait_for(drawn)
        term.close_terminal()
        code = term.wait_exit(15)
        if code is None:
            before = term.cpu_seconds()
            time.sleep(1)
            spin = term.cpu_seconds() - before
            raise AssertionError(f"still running 15 s after the terminal closed ({spin:.0%} CPU)")
        assert code == EXIT_TERMINAL_GONE
    finally:
        term.kill()
    log = Path(state["XDG_STATE_HOME"]) / "pmo-tui" / "pmo-tui.log"
    assert "exiting:" in log.read_text(encoding="utf-8")  # the log says why it stopped


def test_stdin_at_end_of_file_ends_the_app(folder: Path, state: dict[str, str]) -> None:
    term = Pty(pmo_tui(str(folder), "--kiosk"), env=state, stdin_devnull=True)
    try:
        code = term.wait_exit(20)
        assert code == EXIT_TERMINAL_GONE, "still running with stdin at end of file"
    finally:
        term.kill()
    log = Path(state["XDG_STATE_HOME"]) / "pmo-tui" / "pmo-tui.log"
    text = log.read_text(encoding="utf-8")
    assert "end of file on standard input" in text
    assert "did not exit" not in text  # a clean exit, not the watchdog's last resort


def test_sigterm_stops_cleanly_and_restores_the_terminal(
    folder: Path, state: dict[str, str]
) -> None:
    term = Pty(pmo_tui(str(folder), "--kiosk"), env=state)
    try:
        term.wait_for(drawn)
        term.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        while term.process.poll() is None and time.monotonic() < deadline:
            term.read(0.05)
        term.drain(0.3)
        assert term.process.returncode == 0
        assert b"\x1b[?1049l" in term.raw  # left the alternate screen: the terminal is usable
    finally:
        term.kill()


# -- the kiosk's locked environment ------------------------------------------------------


def test_kiosk_ignores_textual_switches_and_exit_keys(
    folder: Path, tmp_path: Path, state: dict[str, str]
) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    env = {
        **state,
        "TEXTUAL": "devtools,debug",
        "TEXTUAL_PRESS": "ctrl+q",
        "TEXTUAL_SCREENSHOT": "1",
        "TEXTUAL_SCREENSHOT_LOCATION": str(shots),
        "TEXTUAL_LOG": str(tmp_path / "textual.log"),
        "TEXTUAL_ALLOW_SIGNALS": "1",
        "TEXTUAL_DEVTOOLS_PORT": "1",
    }
    term = Pty(pmo_tui(str(folder), "--kiosk", "--interval", "2"), env=env, cwd=tmp_path)
    try:
        term.wait_for(drawn)
        term.drain(2.5)  # TEXTUAL_PRESS and TEXTUAL_SCREENSHOT would have acted by now
        assert term.process.poll() is None
        # ctrl+q, ctrl+c, ctrl+z, ctrl+\, q, escape, ctrl+p, ctrl+s, then the keys again
        for key in (b"\x11", b"\x03", b"\x1a", b"\x1c", b"q", b"\x1b", b"\x10", b"\x13") * 2:
            term.write(key)
            term.drain(0.15)
        term.drain(1.0)
        assert term.process.poll() is None, term.text()[-2000:]
        assert "Palette" not in term.text() and "Search for commands" not in term.text()
        assert not list(shots.iterdir()) and not list(tmp_path.glob("*.svg"))
        assert not (tmp_path / "textual.log").exists()
        term.wait_for(lambda text: "RED PROJECTS" in text.upper() or "Red projects" in text)
        term.close_terminal()
        assert term.wait_exit(15) == EXIT_TERMINAL_GONE
    finally:
        term.kill()


KIOSK_FRAME_PERIOD = textwrap.dedent(
    """
    from textual import screen
    from pmo_tui.screens.kiosk_app import kiosk_environment

    kiosk_environment()
    print(screen.UPDATE_PERIOD)
    """
)


def test_kiosk_paints_at_textuals_default_frame_rate_whatever_the_environment_asked() -> None:
    """TEXTUAL_FPS is read when Textual is imported, before the kiosk can drop it: the
    kiosk resets the frame period its screens will use too (a wall asked for 1 frame a
    second would show every change up to a second late)."""
    done = subprocess.run(
        [sys.executable, "-c", KIOSK_FRAME_PERIOD],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TEXTUAL_FPS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.strip().splitlines()[-1]) == pytest.approx(1 / 60)


RESTART_SCRIPT = textwrap.dedent(
    """
    import sys
    from pmo_tui.screens import kiosk

    calls = []
    original = kiosk.KioskScreen.next_view

    def next_view(self):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("view failed for postgresql://pmo:hunter2@db/x")
        original(self)

    kiosk.KioskScreen.next_view = next_view
    from pmo_tui.cli import main

    sys.exit(main([{folder!r}, "--kiosk", "--interval", "2"]))
    """
)


def test_an_unhandled_error_restarts_the_kiosk_with_a_calm_note(
    folder: Path, state: dict[str, str]
) -> None:
    script = RESTART_SCRIPT.format(folder=str(folder))
    term = Pty([sys.executable, "-c", script], env=state, size=(160, 40))
    try:
        term.wait_for(lambda text: "recovered from an internal error" in text, timeout=60)
        assert term.process.poll() is None  # still running
        term.drain(3)  # and cycling (the second app's next_view works)
        assert term.process.poll() is None
        text = term.text()
        assert "Traceback" not in text and "hunter2" not in text
        term.close_terminal()
        assert term.wait_exit(15) == EXIT_TERMINAL_GONE
    finally:
        term.kill()
    log = (Path(state["XDG_STATE_HOME"]) / "pmo-tui" / "pmo-tui.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "next_view" in log
    assert "restarting the display after: RuntimeError" in log
    assert "hunter2" not in log and "postgresql://pmo:***@db/x" in log


# -- the watchdog on its own ----------------------------------------------------------------


def test_watchdog_sees_end_of_file_on_a_pipe_and_only_then() -> None:
    read, write = os.pipe()
    saved = os.dup(0)
    try:
        os.dup2(read, 0)
        gone: list[str] = []
        dog = TerminalWatchdog(gone.append, fds=(0,), confirm=3)
        assert dog.ttys == {0: False}
        assert [dog.check() for _ in range(5)] == [None] * 5  # an idle pipe is fine
        os.write(write, b"x")
        assert [dog.check() for _ in range(5)] == [None] * 5  # so is one with data waiting
        os.read(0, 1)
        os.close(write)
        write = -1
        assert [dog.check() for _ in range(3)][-1] is not None  # end of file, confirmed
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(read)
        if write >= 0:
            os.close(write)


def test_watchdog_sees_a_hung_up_tty_and_calls_back_once() -> None:
    master, slave = os.openpty()
    gone: list[str] = []
    stuck: list[str] = []
    dog = TerminalWatchdog(
        gone.append, fds=(slave,), interval=0.02, grace=0.2, on_stuck=stuck.append
    )
    assert dog.ttys == {slave: True}
    assert dog.check() is None
    dog.start()
    try:
        os.close(master)  # the terminal window closes
        deadline = time.monotonic() + 5
        while not stuck and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(gone) == 1 and "hung up" in gone[0]
        assert stuck == gone  # the app did not stop within the grace time: ended for it
    finally:
        dog.stop()
        os.close(slave)
