"""A full-width alarm banner: why the data on screen cannot be trusted.

Every data screen already shows the alarm as the first line of its status bar
(:class:`~pmo_tui.widgets.status.StatusBar`). This widget is the same alarm on
its own, for layouts that want it elsewhere and larger (the kiosk's wall
display): hand it the app's :class:`~pmo_tui.widgets.status.StatusInfo` and it
shows :attr:`StatusInfo.alarm`, or hides itself when there is none. Plain text
only: the reason may quote a file name or a database error.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from .status import StatusInfo


class AlarmBanner(Widget):
    """Hidden while all is well; a bold full-width bar with the reason otherwise."""

    DEFAULT_CSS = """
    AlarmBanner {
        height: auto;
        width: 1fr;
        padding: 0 1;
        display: none;
        background: $banner-background;
        color: $banner-foreground;
        text-style: bold;
    }
    AlarmBanner.-alarm {
        display: block;
    }
    AlarmBanner.-warning {
        background: $warning;
        color: #000000;
    }
    """

    info: reactive[StatusInfo] = reactive(StatusInfo, layout=True)

    def watch_info(self, info: StatusInfo) -> None:
        self.set_class(info.alarm is not None, "-alarm")
        self.set_class(info.alarm_level == "warning", "-warning")

    def render(self) -> Content:
        return Content(self.info.alarm or "")
