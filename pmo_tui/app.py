"""The Textual app: the only core module that imports textual.

Layering (Harlequin/Frogmouth style): the app owns the source, loads and
computes in thread workers, and hands one immutable
:class:`~pmo_tui.screens.snapshot.Snapshot` down to every screen through
:meth:`PmoApp.apply_snapshot` — the single place where new data reaches the
UI (live updates call it too). Screens post :class:`OpenItem` messages up.

Every binding has an id; ``config.keymap`` remaps them with ``set_keymap``.
All data is shown as plain text (``Content``), never markup. An unhandled
error is logged (secrets redacted) to a file and shown as one readable
message, never as a traceback with locals.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from pmo_tui.config import Config
from pmo_tui.errors import describe
from pmo_tui.malloc import IdleCollector, release_free_memory, settle_collector
from pmo_tui.metrics import MetricsEngine
from pmo_tui.model import Portfolio
from pmo_tui.options import Options
from pmo_tui.preload import Preload
from pmo_tui.preload import start as start_preload
from pmo_tui.problems import Severity
from pmo_tui.screens import views
from pmo_tui.screens.base import DataScreen, OpenItem
from pmo_tui.screens.keyqueue import OneKeyAtATime
from pmo_tui.screens.kiosk_app import (
    KioskApp,
    KioskRestarts,
    KioskUsageError,
    check_kiosk,
    kiosk_log,
)
from pmo_tui.screens.live import LiveMixin, check_before_ui
from pmo_tui.screens.palette import JumpProvider, PmoCommands
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.triage_service import TriageService
from pmo_tui.screens.triage_state import OPENING
from pmo_tui.sources.base import Change, Provisional, Source, refresh_early
from pmo_tui.text import one_line
from pmo_tui.widgets.fmt import Formatter
from pmo_tui.widgets.status import StatusInfo
from pmo_tui.widgets.themes import DEFAULT_THEME, THEMES, VARIABLE_DEFAULTS
from pmo_tui.widgets.workers import thread_work

Clock = Callable[[], datetime]

#: the first data's drill-down views wait for the store's decisions at most this long
PREPARE_FIRST_LATEST = 3.0
#: seconds between checks whether the app is idle and a full collection is due
IDLE_CHECK = 2.0
#: worker groups that run for the app's lifetime (watchers), so never make it busy
STANDING_GROUPS = frozenset({"live-watch", "store-watch"})


def _css_paths() -> list[Path]:
    from pmo_tui import screens, widgets

    paths: list[Path] = []
    for package in (widgets, screens):
        folder = Path(next(iter(package.__path__)))
        paths.extend(sorted(folder.glob("*.tcss")))
    return paths


def log_path() -> Path:
    """Where unhandled errors are written (``$XDG_STATE_HOME/pmo-tui/pmo-tui.log``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "pmo-tui" / "pmo-tui.log"


class DataReady(Message):
    """A worker finished loading or refreshing; carries the new snapshot."""

    def __init__(self, snapshot: Snapshot, *, first: bool, change: Change | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.first = first
        #: what the refresh read (None for the first load), for the change toast
        self.change = change


class LoadFailed(Message):
    """A worker could not load the source at all (bad data never gets here)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class PmoApp(LiveMixin, TriageService, OneKeyAtATime, KioskApp):
    """k9s for project portfolios (kiosk mode, errors and signals: ``KioskApp``; keys of
    a burst taken one at a time: ``OneKeyAtATime``)."""

    TITLE = "pmo-tui"
    CSS_PATH: ClassVar[list[str | PurePath]] = list(_css_paths())
    COMMANDS: ClassVar = {*App.COMMANDS, JumpProvider, PmoCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("colon,ctrl+p", "command_palette", "Palette", show=False, id="palette"),
        Binding("t", "triage", "Triage", id="triage"),
        Binding("p", "problems", "Problems", show=False, id="problems"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit.now"),
    ]

    def __init__(
        self,
        options: Options,
        source: Source,
        *,
        clock: Clock = datetime.now,
        error_log: Path | None = None,
        preload: Future[Portfolio] | None = None,
    ) -> None:
        super().__init__()
        #: a load started before the app (see run()), picked up by the first load
        self._preload = preload
        self.options = options
        self.source = source
        self.config: Config = source.config
        self.clock = clock
        self.error_log = error_log or log_path()
        self.as_of: date = options.as_of or self.config.as_of or clock().date()
        display = self.config.display
        self.fmt = Formatter(
            currency=display.currency,
            thousands=display.locale_thousands,
            decimal=display.locale_decimal,
        )
        self.snapshot: Snapshot | None = None
        self.engine = MetricsEngine(self.config)
        self.loading = True
        self.load_error: str | None = None
        self.last_checked: datetime | None = None
        #: built screens that drilling reuses (see _reusable)
        self._kept: dict[str, Screen[Any]] = {}
        #: whether the drill-down views of some snapshot were prepared (see on_data_ready)
        self._prepared = False
        self._prepare_timer: Timer | None = None
        #: full collections when idle (see pmo_tui.malloc), once the start is over
        self.idle_collector: IdleCollector | None = None
        #: binding id -> keys, as the config asked (for the help screen)
        self.pmo_keymap: dict[str, str] = dict(self.config.keymap)
        for theme in THEMES:
            self.register_theme(theme)
        self.init_live()
        self.triage_init()
        self._start_theme = self._theme_before_css()

    # -- start ---------------------------------------------------------------------
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def _wanted_theme(self) -> str:
        return (
            self.options.theme
            or self.kiosk_theme(self.config.display.theme)
            or self.config.display.theme
            or DEFAULT_THEME
        )

    def _theme_before_css(self) -> str | None:
        """Start in the wanted theme before any stylesheet is parsed, when it needs no more
        than its CSS variables: a theme as dark and as ANSI as Textual's default (the
        truecolor filter made for that one holds). Setting ``App.theme`` once the app runs
        parses every stylesheet twice more, ≈20 ms of the main thread while the first load
        runs; other themes are still set in ``on_mount``. The theme's name, or None."""
        name = self._wanted_theme()
        start, theme = self.current_theme, self.get_theme(name)
        if theme is None or theme.dark != start.dark or theme.ansi != start.ansi:
            return None
        self.set_reactive(App.theme, name)
        self.stylesheet.set_variables(self.get_css_variables())
        self.add_class(f"-theme-{name}", update=False)
        return name

    def on_mount(self) -> None:
        wanted = self._wanted_theme()
        if self.get_theme(wanted) is None:
            self.notify_plain(
                f"Unknown theme {wanted!r}; using {DEFAULT_THEME}. "
                f"Themes: {', '.join(sorted(self.available_themes))}",
                severity="warning",
            )
            wanted = DEFAULT_THEME
        if wanted != self._start_theme:
            self.theme = wanted
        if self.pmo_keymap:
            self.set_keymap(self.pmo_keymap)
        if self.kiosk:
            self.start_kiosk()
        else:
            from pmo_tui.screens.portfolio import PortfolioScreen

            self.push_screen(PortfolioScreen())
        self.start_loading()

    # -- data ------------------------------------------------------------------------
    @thread_work(group="load", exclusive=True, description="load")
    def load(self, first: bool = False, change: Change | None = None) -> None:
        """Read the source and compute the metrics, off the UI thread."""
        previous = self.snapshot.portfolio if self.snapshot is not None else None
        preload, self._preload = self._preload, None
        try:
            if preload is not None and previous is None:
                read = Provisional.settled(preload.result())
            elif previous is None:
                read = Provisional.settled(self.source.load())
            else:
                read = refresh_early(self.source, previous, change or Change())
            snapshot = self._snapshot_of(read.portfolio, first=previous is None)
            # a folder's files read while they settle: the metrics above overlapped the wait
            confirmed = read.confirm()
            if confirmed is not read.portfolio:  # a file moved on: its last good rows stay
                snapshot = self._snapshot_of(confirmed, first=previous is None)
        except Exception as exc:
            self._log_exception(exc)
            self.post_message(LoadFailed(describe(exc)))
            return
        if get_current_worker().is_cancelled:
            return  # a newer load started meanwhile; its snapshot wins
        self.post_message(DataReady(snapshot, first=first, change=change))
        if previous is not None:
            # a refresh's parse buffers and intermediate frames (after the first load, the
            # store's refresh and the prepare trim: pages released now would be faulted in
            # again by the first paint)
            release_free_memory()

    def _snapshot_of(self, portfolio: Portfolio, *, first: bool) -> Snapshot:
        """The metrics (the store's decisions applied) and what the visible screen needs."""
        snapshot = Snapshot(
            portfolio=portfolio,
            metrics=self.metrics_with_triage(portfolio),
            config=self.config,
            as_of=self.as_of,
            fmt=self.fmt,
            received_at=self.clock(),
        )
        # what was built from tables this refresh did not change holds (see Snapshot.inherit)
        snapshot.inherit(self.snapshot)
        # what the visible screen shows (everything on the first load), off the UI thread
        self.warm_screens(snapshot, first=first)
        return snapshot

    def on_data_ready(self, message: DataReady) -> None:
        if not self.is_running:
            return  # closing: the screens' widgets are being removed
        before = self.snapshot
        if not self.apply_snapshot(message.snapshot):
            return
        self.after_snapshot(before, message.snapshot, message.change)
        if before is None:
            self.call_after_refresh(self._settle_collector)  # the start is over
        if before is None and self.triage_view.state == OPENING:
            # The store opens after this paint, and a snapshot with its decisions replaces
            # this one a moment later: build the drill-down views (and the triage queue)
            # for that one, not for both (≈0.3 s of CPU beside the store opening, and
            # ≈10 MiB at the peak on the large demo), unless it takes too long.
            self._prepare_timer = self.set_timer(
                PREPARE_FIRST_LATEST, self._prepare_late, name="pmo-prepare-first"
            )
            return
        if self._prepare_timer is not None:
            self._prepare_timer.stop()
            self._prepare_timer = None
        self.schedule_prepare(message.snapshot, first=not self._prepared)
        self._prepared = True

    def _prepare_late(self) -> None:
        """The store's decisions did not come in time: prepare the data on screen."""
        self._prepare_timer = None
        if self.snapshot is not None and not self._prepared:
            self._prepared = True
            self.prepare(self.snapshot)

    def _settle_collector(self) -> None:
        """The start is over: the collector's full collections now run when the app is idle."""
        if settle_collector() and self.idle_collector is None:
            self.idle_collector = IdleCollector()
            self.set_interval(IDLE_CHECK, self._collect_when_idle, name="pmo-gc")

    def _collect_when_idle(self) -> None:
        """A full collection, if one is due and no worker is computing anything."""
        collector = self.idle_collector
        if collector is None or not collector.due():
            return
        if any(not w.is_finished and w.group not in STANDING_GROUPS for w in self.workers):
            return  # a load, refresh or build runs: not now (the next check comes soon)
        collector.collect()

    # description: never let Textual repr() a Snapshot (it prints DataFrames) on the UI thread
    @thread_work(group="prepare", exclusive=True, description="prepare")
    def prepare(self, snapshot: Snapshot) -> None:
        """After the paint: build what drill-downs and the triage queue need."""
        if self.snapshot is not snapshot:
            return  # a newer snapshot arrived meanwhile; its own prepare follows
        try:
            views.prepare(snapshot)
        except Exception as exc:
            self._log_exception(exc)
        release_free_memory()

    def on_load_failed(self, message: LoadFailed) -> None:
        self._settle_collector()
        self.loading = False
        self.load_error = message.reason
        self.notify_plain(
            f"Could not read the source: {message.reason}. "
            f"The last good data stays on screen. Details: {self.error_log}",
            title="Source error",
            severity="error",
            timeout=15,
        )
        for screen in self._data_screens():
            screen.show_failure(message.reason)
        self.broadcast_status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self._log_exception(event.worker.error)
        self.live_worker_state(event)

    def apply_snapshot(self, snapshot: Snapshot) -> bool:
        """The one place new data reaches the screens (load, refresh, live updates).

        The visible screen updates in place at once (keyed rows, so cursor, scroll,
        filter and sort survive; changed cells are marked for a few seconds); the
        screens under it catch up when they are shown again (``on_screen_resume``),
        with the changes since they were last seen marked. A snapshot older than
        the one on screen is ignored (returns False).
        """
        current = self.snapshot
        if current is not None and snapshot.portfolio.version < current.portfolio.version:
            return False
        self.snapshot = snapshot
        self.loading = False
        self.load_error = None
        self.last_checked = snapshot.portfolio.last_checked or snapshot.received_at
        self.show_on_visible_screen(snapshot)
        self.broadcast_status()
        return True

    @property
    def status_info(self) -> StatusInfo:
        snap = self.snapshot
        problems = snap.portfolio.problems if snap is not None else ()
        errors = sum(1 for p in problems if p.severity is Severity.ERROR)
        watch = self.watch_state
        return StatusInfo(
            source=self.source.description,
            today=self.as_of,
            data_as_of=snap.portfolio.data_as_of if snap is not None else None,
            last_checked=self.last_checked,
            stale=dict(snap.portfolio.stale) if snap is not None else {},
            problems=len(problems),
            errors=errors,
            problems_key=self.key_for("problems"),
            health=watch.health.value if watch is not None else "",
            health_reason=watch.reason if watch is not None else "",
            load_error=self.load_error or "",
            age=self.data_age(),
            stale_after=self.config.display.stale_after,
            loading=self.loading,
            read_only=self.triage_read_only,
        )

    def broadcast_status(self) -> None:
        if not self.is_running:
            return  # closing: the screens' widgets are being removed
        # Only the data screen on view (under a dialog, perhaps): the ones below catch up
        # when they are shown again (DataScreen.on_screen_resume). Textual composes the
        # screen under the top one as a background, so repainting a status bar there
        # repainted the whole visible screen after every live refresh.
        for screen in reversed(self.screen_stack):
            if isinstance(screen, DataScreen):
                screen.set_status(self.status_info)
                break

    # -- keys ------------------------------------------------------------------------
    def key_for(self, binding_id: str) -> str:
        """The key currently bound to an app binding id, for display."""
        return self.key_for_screen(binding_id, type(self))

    def key_for_screen(self, binding_id: str, *owners: type[DOMNode]) -> str:
        """The key currently bound to ``binding_id`` (declared on ``owners``), for display."""
        keys = self.pmo_keymap.get(binding_id)
        if keys is None:
            for owner in owners:
                for cls in owner.__mro__:
                    for binding in getattr(cls, "BINDINGS", ()):
                        if isinstance(binding, Binding) and binding.id == binding_id:
                            keys = binding.key
                            break
                    if keys is not None:
                        break
        if not keys:
            return "?"
        first = keys.split(",")[0].strip()
        return self.get_key_display(Binding(first, ""))

    # -- navigation -------------------------------------------------------------
    def go_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def on_open_item(self, message: OpenItem) -> None:
        kind, key = message.kind, message.key
        if kind == "programme":
            self.open_programme(key)
        elif kind == "project":
            self.open_project(key)
        elif kind == "milestone":
            project_id, _, milestone_id = key.partition("\x1f")
            self.open_project(project_id, tab="milestones", select=milestone_id)
        elif kind == "project-issues":
            project_id, _, issue_id = key.partition("\x1f")
            self.open_project(project_id, tab="issues", select=issue_id)
        elif kind == "issue":
            self.open_issue(key)

    def _data_screens(self) -> list[DataScreen]:
        return [s for s in self.screen_stack if isinstance(s, DataScreen)]

    def _pop_to_root(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def open_programme(self, programme_id: str, *, from_root: bool = False) -> None:
        from pmo_tui.screens.portfolio import PortfolioScreen
        from pmo_tui.screens.programme import ProgrammeScreen

        if from_root:
            self._pop_to_root()
            root = self.screen
            if isinstance(root, PortfolioScreen):
                root.select_programme(programme_id)
        kept = self._reusable("programme")
        if isinstance(kept, ProgrammeScreen):
            kept.retarget(programme_id)
            screen = kept
        else:
            screen = ProgrammeScreen(programme_id)
            self._keep("programme", screen)
        self.push_screen(screen)

    def open_project(
        self,
        project_id: str,
        *,
        from_root: bool = False,
        tab: str = "overview",
        select: str | None = None,
    ) -> None:
        from pmo_tui.screens.project import ProjectScreen

        if from_root:
            programme_id = self._programme_of(project_id)
            if programme_id is not None:
                self.open_programme(programme_id, from_root=True)
                screen = self.screen
                if hasattr(screen, "select_project"):
                    self.call_after_refresh(screen.select_project, project_id)
            else:
                self._pop_to_root()
        kept = self._reusable("project")
        if isinstance(kept, ProjectScreen):
            kept.retarget(project_id, tab=tab, select=select)
            project = kept
        else:
            project = ProjectScreen(project_id, tab=tab, select=select)
            self._keep("project", project)
        self.push_screen(project)

    def _reusable(self, name: str) -> Screen[Any] | None:
        """The kept screen called ``name`` unless it is already in the stack.

        Drilling in reuses one built programme screen and one project screen and
        updates them in place: building a screen (compose, CSS) costs more than
        the 100 ms a drill-down may take.
        """
        screen = self._kept.get(name)
        if screen is None or screen in self.screen_stack:
            return None
        return screen

    def _keep(self, name: str, screen: Screen[Any]) -> None:
        """Keep ``screen`` alive after it is popped, unless one is kept already."""
        if name in self._kept and self._kept[name] in self.screen_stack:
            return  # a second one (e.g. project -> triage -> project): not kept
        if name in self._kept:
            self.uninstall_screen(self._kept[name])
        self.install_screen(screen, name=f"pmo-{name}")
        self._kept[name] = screen

    def open_issue(self, issue_id: str) -> None:
        from pmo_tui.screens.issue import IssueDetail

        if self.snapshot is not None:
            self.push_screen(IssueDetail(issue_id, self.snapshot))

    def _programme_of(self, project_id: str) -> str | None:
        if self.snapshot is None:
            return None
        projects = self.snapshot.portfolio["projects"]
        match = projects.loc[projects["project_id"] == project_id, "programme_id"]
        if match.empty or match.isna().all():
            return None
        return str(match.iloc[0])

    # -- actions ----------------------------------------------------------------------
    def action_help(self) -> None:
        from pmo_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_triage(self) -> None:
        from pmo_tui.screens.triage import TriageScreen

        for screen in self.screen_stack:
            if isinstance(screen, TriageScreen):
                while self.screen is not screen:
                    self.pop_screen()
                return
        self.push_screen(TriageScreen())

    def action_problems(self) -> None:
        from pmo_tui.screens.problems import ProblemsScreen

        if not isinstance(self.screen, ProblemsScreen):
            self.push_screen(ProblemsScreen())

    def action_refresh(self) -> None:
        if self.snapshot is None and self.loading:
            return
        self.loading = True
        self.broadcast_status()
        self.request_refresh(Change(causes=("refresh key",)))

    def action_chart(self) -> None:
        from pmo_tui.screens.chart import ChartScreen

        screen = self.screen
        scope = getattr(screen, "chart_scope", None)
        if scope is not None and self.snapshot is not None:
            self.push_screen(ChartScreen(*scope))

    def switch_theme(self, name: str) -> None:
        self.theme = name
        self.notify_plain(f"Theme: {name}", timeout=2)

    # -- messages to the officer -----------------------------------------------------
    def notify_plain(
        self,
        message: str,
        *,
        title: str = "",
        severity: str = "information",
        timeout: float | None = None,
    ) -> None:
        """A toast whose text is never parsed as markup."""
        self.notify(
            one_line(message),
            title=one_line(title),
            severity=severity,  # type: ignore[arg-type]
            timeout=timeout,
            markup=False,
        )

    # -- errors ------------------------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        """Log the traceback to a file; show one readable line, never locals.

        In kiosk mode the app does not stop: ``run()`` starts a fresh one (see
        ``KioskApp.kiosk_crash``). The error log is ``_log_exception`` (KioskApp).
        """
        if self.options.debug:
            super()._handle_exception(error)
            return
        if self.kiosk:
            self.kiosk_crash(error)
            return
        self._log_exception(error)
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        from rich.text import Text

        self.panic(
            Text(
                f"pmo-tui stopped: {describe(error)}\n"
                f"The details were written to {self.error_log}\n"
                "Run with --debug to see the traceback."
            )
        )


def run(options: Options, early: Preload | None = None) -> int:
    """Open the source, run the app, return the exit code (called by ``cli``).

    Around the app: a watchdog that ends it when the terminal goes away (stdin
    at end of file, a hung-up tty), the error log for pmo_tui's warnings, and
    in kiosk mode a scrubbed environment and a fresh app after an unhandled
    error (see ``screens/kiosk_app.py`` and docs/kiosk.md). ``early`` is the
    source and first load ``cli`` started before importing this module.
    """
    from pmo_tui.screens.kiosk_app import kiosk_environment, log_to, stop_logging
    from pmo_tui.sources import open_source
    from pmo_tui.terminal import TerminalWatchdog

    if not options.kiosk and (options.cycle or options.interval is not None):
        raise KioskUsageError("--cycle and --interval only apply with --kiosk")
    source = early.source if early is not None else open_source(options)
    try:
        # a source that cannot be opened is one line and exit 2, before any UI
        check_before_ui(source, options)
        if options.kiosk:
            check_kiosk(options, source.config)
            kiosk_environment()
    except BaseException:
        if early is not None:
            early.shutdown()
        source.close()
        raise
    error_log = kiosk_log(options, source.config)
    handler = log_to(error_log or log_path())
    # Read the data while Textual starts and draws the screen (cli started it earlier).
    loader = early if early is not None else start_preload(source)
    preload: Future[Portfolio] | None = loader.future
    restarts = KioskRestarts()
    app: PmoApp | None = None
    try:
        while True:
            app = PmoApp(options, source, preload=preload, error_log=error_log)
            app.kiosk_recovered = restarts.last
            with TerminalWatchdog(app.terminal_gone_threadsafe):
                app.run()
            app.stop_watching()
            if app.restart_reason is None or not restarts.allow(app):
                break
            preload = None  # the next app reads the source afresh
    finally:
        if app is not None:
            app.stop_watching()
        loader.shutdown()
        source.close()
        stop_logging(handler)
    return int(app.return_code or 0) if app is not None else 1
