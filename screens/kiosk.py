"""The wall display (``--kiosk``): views that cycle by themselves, clock, data as of, alarm.

Layout, top to bottom: the header (view title, which view of how many, the
clock and "data as of"), the alarm bar (only when the data cannot be trusted:
source error, watcher failed or reconnecting, stale tables, data older than
``[display] stale_after``), the current view, and the footer (read-only,
source, last checked, health, problems, next view). The views cycle every
``--interval`` seconds (``[kiosk] interval``, default 20) in the order of
``--cycle`` (``[kiosk] cycle``). No key is needed; ``→``/``←`` flip views for
whoever stands at the keyboard, and nothing else does anything.

The screen is built once. A new snapshot updates the visible view in place
(the others catch up when they come round); a tick on every minute moves the
clock and the data's age; the app itself re-checks the alarm the moment the
data becomes too old (``LiveMixin.schedule_age_check``).
Every update is guarded: an error in one view is logged and noted in the
footer, and the wall keeps its last picture.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import ContentSwitcher

from pmo_tui.screens import kiosk_rows
from pmo_tui.screens.base import DataScreen
from pmo_tui.screens.kiosk_rows import VIEWS, UnknownView, parse_cycle
from pmo_tui.screens.kiosk_views import VIEW_CLASSES, KioskView
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.widgets.alarm import WallAlarm
from pmo_tui.widgets.pane import Crumbs
from pmo_tui.widgets.status import StatusBar, StatusInfo, age_text
from pmo_tui.widgets.wall import FooterState, HeaderState, WallFooter, WallHeader

#: the clock moves once a minute, on the minute
TICK = 60.0


class KioskScreen(DataScreen, inherit_bindings=False):
    """The wall display: one screen, several views, no way out."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,space", "kiosk_next", "Next view", show=False, id="kiosk.next"),
        Binding("left", "kiosk_previous", "Previous view", show=False, id="kiosk.previous"),
    ]
    ALLOW_SELECT = False
    AUTO_FOCUS = None

    def __init__(self) -> None:
        super().__init__(id="kiosk")
        self.cycle: tuple[str, ...] = tuple(VIEWS)
        self.interval = 20.0
        self.index = 0
        self._cycle_timer: Timer | None = None
        self._tick_timer: Timer | None = None
        self.notice = ""
        self.status: StatusInfo | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only flipping views: not even Textual's ctrl+c "copy selection" on the wall."""
        return action in ("kiosk_next", "kiosk_previous")

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = self.pmo
        try:
            self.cycle = parse_cycle(app.options.cycle or app.config.kiosk.cycle)
        except UnknownView:
            self.cycle = tuple(VIEWS)  # run() refuses bad names before the app starts
        interval = app.options.interval or app.config.kiosk.interval
        self.interval = interval if interval and interval > 0 else 20.0
        yield WallHeader(id="kiosk-header")
        yield WallAlarm(id="kiosk-alarm")
        with ContentSwitcher(initial=f"kiosk-{self.cycle[0]}", id="kiosk-views"):
            for name in dict.fromkeys(self.cycle):
                yield VIEW_CLASSES[name]()
        yield WallFooter(id="kiosk-footer")
        # what DataScreen's own handlers update; the wall shows its own header and footer
        yield Crumbs(classes="kiosk-hidden")
        yield StatusBar(classes="kiosk-hidden")

    def on_mount(self) -> None:
        # DataScreen.on_mount and on_screen_resume run too (Textual calls every class's
        # handler); they find the hidden crumbs and status bar composed for them.
        recovered = self.pmo.kiosk_recovered
        if recovered is not None:
            self.notice = recovered.text()
        self._cycle_timer = self.set_interval(self.interval, self.next_view, name="kiosk cycle")
        # the clock shows minutes: tick on the minute, then every minute
        now = time.time()
        self.set_timer(TICK - now % TICK + 0.05, self._start_ticking, name="kiosk clock")
        self.set_status(self.pmo.status_info)
        if self.pmo.snapshot is not None:
            self.show(self.pmo.snapshot)
        self._frame()

    # -- cycling ------------------------------------------------------------------------
    @property
    def current(self) -> str:
        return self.cycle[self.index % len(self.cycle)]

    def current_view(self) -> KioskView:
        return self.query_one(f"#kiosk-{self.current}", KioskView)

    def show_view(self, index: int) -> None:
        self.index = index % len(self.cycle)
        name = self.current
        self.query_one(ContentSwitcher).current = f"kiosk-{name}"
        snapshot = self.snapshot
        view = self.current_view()
        if snapshot is not None and view.snapshot is not snapshot:
            self._guard(lambda: view.show(snapshot))
        self._frame()

    def next_view(self) -> None:
        self.show_view(self.index + 1)

    def action_kiosk_next(self) -> None:
        self.next_view()
        if self._cycle_timer is not None:
            self._cycle_timer.reset()

    def action_kiosk_previous(self) -> None:
        self.show_view(self.index - 1)
        if self._cycle_timer is not None:
            self._cycle_timer.reset()

    # -- data -----------------------------------------------------------------------------
    def warm(self, snapshot: Snapshot) -> None:
        """In the load worker: build every view's rows, so applying a snapshot is cheap."""
        kiosk_rows.warm(snapshot, self.cycle)

    def show(self, snapshot: Snapshot) -> None:
        """A new snapshot: update the visible view now; the others when they come round."""
        self.snapshot = snapshot
        view = self.current_view()
        self._guard(lambda: view.show(snapshot))
        self._frame()

    def set_status(self, info: StatusInfo) -> None:
        self.status = info
        if self.is_mounted:
            self._guard(lambda: self.query_one(WallAlarm).show(info))
            self._frame()

    def show_failure(self, reason: str) -> None:
        for view in self.query(KioskView):
            self._guard(lambda view=view: view.show_failure(reason))  # type: ignore[misc]

    def _start_ticking(self) -> None:
        self.tick()
        self._tick_timer = self.set_interval(TICK, self.tick, name="kiosk tick")

    def tick(self) -> None:
        """Move the clock and the data's age (the app re-checks the alarm when it is due)."""
        self.set_status(self.pmo.status_info)

    # -- frame ---------------------------------------------------------------------------
    def _frame(self) -> None:
        def update() -> None:
            now = self.pmo.clock()
            info = self.status
            as_of = info.data_as_of if info is not None else None
            age = getattr(info, "age", None)
            seconds = age.total_seconds() if age is not None else None
            if seconds is None and as_of is not None:
                seconds = (now - as_of).total_seconds()
            self.query_one(WallHeader).set_state(
                HeaderState(
                    title=VIEWS[self.current],
                    position=self.index + 1,
                    count=len(self.cycle),
                    now=now,
                    data_as_of=as_of,
                    age=age_text(timedelta(seconds=seconds))
                    if seconds is not None and seconds >= 60
                    else "",
                    too_old=bool(getattr(info, "too_old", False)),
                )
            )
            following = self.cycle[(self.index + 1) % len(self.cycle)]
            self.query_one(WallFooter).set_state(
                FooterState(
                    info=info,
                    next_title=VIEWS[following] if len(self.cycle) > 1 else "",
                    interval=self.interval if len(self.cycle) > 1 else 0.0,
                    notice=self.notice,
                )
            )

        if self.is_mounted:
            self._guard(update, frame=False)

    def _guard(self, work: Callable[[], Any], *, frame: bool = True) -> None:
        """Run one update; an error is logged and noted, and the wall carries on."""
        try:
            work()
        except Exception as error:
            self.notice = self.pmo.wall_error(error)
            if frame:
                self._frame()
