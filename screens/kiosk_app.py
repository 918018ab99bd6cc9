"""The app's outer layer: kiosk mode, unhandled errors, and the terminal going away.

:class:`KioskApp` is the base class of :class:`~pmo_tui.app.PmoApp`. It holds
what keeps the app safe to leave on a wall for weeks (docs/kiosk.md):

* **Kiosk mode** (``--kiosk``): the wall screen replaces the portfolio screen,
  and every action outside a short allow-list is refused in ``check_action``:
  quit, suspend, the command palette, screenshots, help, triage, notes,
  export, drilling in, and anything markup in data might try to run. The
  store is opened read-only by the options (``--kiosk`` implies
  ``--read-only``). :func:`kiosk_environment` removes Textual's debugging and
  automation switches (``TEXTUAL=devtools``, ``TEXTUAL_PRESS``,
  ``TEXTUAL_SCREENSHOT``, ``TEXTUAL_ALLOW_SIGNALS``, ...) before the app is
  built.
* **Errors**: every unhandled error is written, secrets redacted, to the error
  log. Outside the kiosk the app then stops with one readable line (no
  traceback, no locals). In the kiosk it does not stop: the app ends this
  run with :attr:`restart_reason` set and ``run()`` starts a fresh one at
  once, which shows a calm note ("recovered from an internal error at …").
  Errors in the wall's own updates are caught where they happen and only
  noted (:meth:`wall_error`).
* **Export** (``x``): the report dialog of ``screens/export.py`` for the scope on
  screen; allowed with ``--read-only`` (it writes a report, not the data), refused
  in the kiosk.
* **The terminal**: SIGHUP (terminal closed), SIGTERM (service stopped) and
  the :class:`~pmo_tui.terminal.TerminalWatchdog` (stdin at end of file, a
  hung-up tty: the cases where Textual's input thread would spin at 100% CPU)
  all end the app cleanly with an exit code that says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from pmo_tui.config import Config
from pmo_tui.errors import PmoError, describe, redact
from pmo_tui.options import Options
from pmo_tui.terminal import EXIT_TERMINAL_GONE

#: app actions the wall display still allows (moving focus, flipping views)
KIOSK_ACTIONS: frozenset[str] = frozenset(
    {"focus_next", "focus_previous", "kiosk_next", "kiosk_previous", "bell"}
)
#: Textual environment variables that change only how things look
SAFE_TEXTUAL_ENV: frozenset[str] = frozenset(
    {"TEXTUAL_COLOR_SYSTEM", "TEXTUAL_ANIMATIONS", "TEXTUAL_DISABLE_KITTY_KEY"}
)
#: textual.constants read from the environment at import time, and their defaults
TEXTUAL_DEFAULTS: dict[str, object] = {
    "DEBUG": False,
    "DRIVER": None,
    "FILTERS": "",
    "LOG_FILE": None,
    "DEVTOOLS_HOST": "127.0.0.1",
    "DEVTOOLS_PORT": 8081,
    "SCREENSHOT_DELAY": -1,
    "SCREENSHOT_LOCATION": None,
    "SCREENSHOT_FILENAME": None,
    "PRESS": "",
    "SHOW_RETURN": False,
    "MAX_FPS": 60,
    "SLOW_THRESHOLD": 500,
}
#: exit code when SIGTERM asked the app to stop (a supervisor's stop is a success)
EXIT_STOPPED = 0
#: kiosk restarts allowed within RESTART_WINDOW seconds before giving up (exit 1)
MAX_RESTARTS = 5
RESTART_WINDOW = 600.0
#: the shortest time a kiosk view stays on screen
MIN_INTERVAL = 2.0

log = logging.getLogger("pmo_tui.kiosk")


class KioskUsageError(PmoError):
    """A kiosk option that cannot work (unknown view, bad interval): exit 2."""

    exit_code = 2


def kiosk_environment() -> list[str]:
    """Ignore Textual's debugging and automation switches; returns the names removed.

    ``TEXTUAL=devtools`` would connect to a devtools server, ``TEXTUAL_PRESS``
    types keys at start, ``TEXTUAL_SCREENSHOT`` saves a screenshot and quits,
    ``TEXTUAL_ALLOW_SIGNALS`` lets ctrl+c and ctrl+z send signals,
    ``TEXTUAL_DRIVER`` imports any module, ``TEXTUAL_LOG`` writes a log
    elsewhere. Textual reads most of them when it is imported, so the values
    it already took are reset too.
    """
    removed = sorted(k for k in os.environ if k.startswith("TEXTUAL") and k not in SAFE_TEXTUAL_ENV)
    for name in removed:
        del os.environ[name]
    from textual import constants, screen

    for name, value in TEXTUAL_DEFAULTS.items():
        setattr(constants, name, value)
    # the screens' frame period was derived from TEXTUAL_FPS at import (the frame timer
    # of each screen is made when it first paints, so this reaches every screen)
    setattr(screen, "UPDATE_PERIOD", 1 / constants.MAX_FPS)  # noqa: B010 (a Final)
    return removed


def check_kiosk(options: Options, config: Config) -> tuple[tuple[str, ...], float]:
    """The kiosk's views and seconds per view; KioskUsageError (exit 2) if they cannot work."""
    from pmo_tui.screens.kiosk_rows import UnknownView, parse_cycle

    if options.cycle:
        names, where = options.cycle, "--cycle"
    else:
        names, where = config.kiosk.cycle, f"[kiosk] cycle in {config.path or 'the config'}"
    try:
        cycle = parse_cycle(names, where)
    except UnknownView as exc:
        raise KioskUsageError(str(exc)) from None
    interval = options.interval if options.interval is not None else config.kiosk.interval
    where = "--interval" if options.interval is not None else "[kiosk] interval"
    if not math.isfinite(interval) or interval < MIN_INTERVAL:
        raise KioskUsageError(
            f"{where} {interval:g}: a view must stay at least {MIN_INTERVAL:g} seconds"
        )
    return cycle, interval


def kiosk_log(options: Options, config: Config) -> Path | None:
    """``[kiosk] log_file`` (relative to the config file's folder) in kiosk mode, else None."""
    if not options.kiosk or not config.kiosk.log_file:
        return None
    path = Path(config.kiosk.log_file).expanduser()
    if not path.is_absolute() and config.path:
        path = Path(config.path).expanduser().parent / path
    return path


@dataclass
class KioskRestarts:
    """How often the kiosk restarted after an error; it gives up when that is too often."""

    limit: int = MAX_RESTARTS
    window: float = RESTART_WINDOW
    clock: Callable[[], float] = time.monotonic
    #: the last restart (the note the next app shows), None before any
    last: Recovery | None = None
    count: int = 0
    _recent: list[float] = field(default_factory=list)

    def allow(self, app: KioskApp) -> bool:
        """Record ``app``'s failure; True to start a fresh app, False to give up (exit 1)."""
        reason = app.restart_reason or "unknown error"
        now = self.clock()
        self._recent = [t for t in self._recent if now - t < self.window] + [now]
        if len(self._recent) > self.limit:
            app.log_event(
                f"giving up: {len(self._recent)} errors within {self.window:g} s "
                f"(last: {reason}); exiting so the supervisor can restart pmo-tui"
            )
            return False
        self.count += 1
        self.last = Recovery(at=datetime.now(), reason=reason, count=self.count, log=app.error_log)
        return True


@dataclass(frozen=True)
class Recovery:
    """The kiosk restarted after an unhandled error (shown as a calm note)."""

    at: datetime
    reason: str
    count: int
    log: Path

    def text(self) -> str:
        times = "once" if self.count == 1 else f"{self.count} times"
        return (
            f"The display recovered from an internal error at {self.at:%Y-%m-%d %H:%M} "
            f"({times} since it started; details in {self.log}). The figures shown are current."
        )


class RedactingFormatter(logging.Formatter):
    """Log records with passwords taken out (``pmo_tui.errors.redact``)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_to(path: Path) -> logging.Handler | None:
    """Send pmo_tui's warnings to ``path`` while the app runs (never to the screen)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(RedactingFormatter("--- %(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("pmo_tui")
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)
    return handler


def stop_logging(handler: logging.Handler | None) -> None:
    if handler is not None:
        logging.getLogger("pmo_tui").removeHandler(handler)
        handler.close()


class KioskApp(App[int]):
    """Kiosk mode, error handling and terminal handling (the base of PmoApp)."""

    # set by PmoApp
    options: Options
    error_log: Path
    clock: Callable[[], datetime]

    #: set by run() when this app replaces one that failed (the note the wall shows)
    kiosk_recovered: Recovery | None = None
    #: set when an unhandled error ended this run in kiosk mode: run() starts another
    restart_reason: str | None = None
    #: errors the wall caught in its own updates since this app started
    wall_errors: int = 0

    _signals: ClassVar[tuple[signal.Signals, ...]] = (signal.SIGHUP, signal.SIGTERM)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "export", "Export", show=False, id="export"),
    ]

    @property
    def kiosk(self) -> bool:
        return bool(self.options.kiosk)

    # -- kiosk --------------------------------------------------------------------
    def start_kiosk(self) -> None:
        """Show the wall display instead of the portfolio screen."""
        from pmo_tui.screens.kiosk import KioskScreen

        self.use_command_palette = False
        self.features = frozenset()
        self.push_screen(KioskScreen())

    def kiosk_theme(self, configured: str | None) -> str | None:
        """The kiosk's default theme is high contrast unless one was chosen."""
        from pmo_tui.config import Display

        if not self.kiosk or self.options.theme:
            return None
        if configured and configured != Display.theme:
            return None
        return "pmo-contrast"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.kiosk and action not in KIOSK_ACTIONS:
            return False
        return super().check_action(action, parameters)

    def action_suspend_process(self) -> None:
        if not self.kiosk:
            super().action_suspend_process()

    def action_command_palette(self) -> None:
        if not self.kiosk:
            super().action_command_palette()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        if not self.kiosk:
            super().action_screenshot(filename, path)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        if self.kiosk:
            return None
        return super().deliver_screenshot(filename, path, time_format)

    async def action_quit(self) -> None:
        if not self.kiosk:
            await super().action_quit()

    def action_help_quit(self) -> None:
        if not self.kiosk:
            super().action_help_quit()

    # -- export (x) -------------------------------------------------------------------
    def action_export(self) -> None:
        """``x``: a progress report of the scope on screen (refused in the kiosk)."""
        from pmo_tui.screens.export import open_export

        if not self.kiosk:
            open_export(self)  # type: ignore[arg-type]

    # -- the terminal ---------------------------------------------------------------
    def on_mount(self) -> None:
        # runs after PmoApp.on_mount (Textual calls each class's handler, subclass first)
        self._pmo_loop = asyncio.get_running_loop()
        if self.is_headless:
            return
        for sig in self._signals:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._pmo_loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        if sig == signal.SIGHUP:
            self.terminal_gone("SIGHUP: the terminal was closed")
        else:
            self.log_event(f"stopping: {sig.name} received")
            self.exit(return_code=EXIT_STOPPED)

    def terminal_gone(self, reason: str) -> None:
        """The terminal went away: stop now (there is nothing left to draw on)."""
        self.log_event(f"exiting: {reason}")
        self.exit(return_code=EXIT_TERMINAL_GONE)

    def terminal_gone_threadsafe(self, reason: str) -> None:
        """:meth:`terminal_gone` from another thread (the watchdog)."""
        loop: asyncio.AbstractEventLoop | None = getattr(self, "_pmo_loop", None)
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self.terminal_gone, reason)

    # -- errors ------------------------------------------------------------------------
    def _log_exception(self, error: BaseException) -> None:
        """Append the traceback (secrets redacted) to the error log."""
        text = "".join(traceback.format_exception(error))
        self._append_log(text)

    def log_event(self, text: str) -> None:
        """One line in the error log (why the app stopped or restarted)."""
        self._append_log(text.rstrip("\n") + "\n")

    def _append_log(self, text: str) -> None:
        try:
            self.error_log.parent.mkdir(parents=True, exist_ok=True)
            with self.error_log.open("a", encoding="utf-8") as handle:
                handle.write(f"--- {datetime.now().isoformat(timespec='seconds')}\n")
                handle.write(redact(text))
        except OSError:
            logging.getLogger(__name__).exception("cannot write the error log")

    def wall_error(self, error: Exception) -> str:
        """An error in one of the wall's own updates: log it, count it, carry on."""
        self.wall_errors += 1
        self._log_exception(error)
        return (
            f"A view could not be updated at {datetime.now():%H:%M} ({describe(error)}); "
            f"it keeps its last picture. Details in {self.error_log}."
        )

    def kiosk_crash(self, error: Exception) -> None:
        """An unhandled error in kiosk mode: log it and end this run so run() starts afresh."""
        self._log_exception(error)
        if self.restart_reason is None:
            self.restart_reason = describe(error)
            self.log_event(f"restarting the display after: {self.restart_reason}")
        self.exit(return_code=1)
