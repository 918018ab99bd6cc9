"""The wall display's alarm: a full-width bar, impossible to miss, that says why.

It shows the app's one verdict on the data (:attr:`StatusInfo.alarm`, worked
out from the load error, the watcher's health, stale tables and the data's
age; see ``widgets/status.py``), so the wall, the banner of the other screens
and the status bar always agree. On a tall terminal the level is written
three rows high (``ALARM`` in white on red, ``WARNING`` in black on amber) with
the reason beside it; on a short one it takes one or two bold lines. The
reason is plain text (it may quote a file name or a database error).
Colour is never the only signal: the words say it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from pmo_tui.text import one_line

from .bigtext import HEIGHT as BIG_HEIGHT
from .bigtext import big_lines, big_width
from .board import wrap
from .grid import fit
from .status import StatusInfo

#: the alarm never takes more rows than this
MAX_LINES = 4


@dataclass(frozen=True)
class Alarm:
    """What the bar shows: ``level`` is ``"error"`` or ``"warning"``."""

    level: str
    text: str

    @property
    def word(self) -> str:
        return "ALARM" if self.level == "error" else "WARNING"


def alarm_of(info: StatusInfo) -> Alarm | None:
    """The alarm in ``info``, or None when the data can be trusted."""
    text = getattr(info, "alarm", None)
    level = getattr(info, "alarm_level", "")
    if text is None and not hasattr(info, "alarm"):
        # an app whose StatusInfo predates the alarm fields: stale tables and errors
        parts = []
        if info.health:
            parts.append(one_line(info.health))
        if info.stale:
            names = ", ".join(sorted(info.stale))
            parts.append(f"STALE {names}: {one_line(next(iter(info.stale.values())))}")
        text = "⚠ " + " · ".join(parts) if parts else None
        level = "error" if parts else ""
    if not text:
        return None
    text = one_line(text)
    if text.startswith("⚠"):
        text = text[1:].strip()
    return Alarm(level="warning" if level == "warning" else "error", text=text)


class WallAlarm(Widget):
    """Hidden while the data can be trusted; a full-width bar with the reason otherwise."""

    DEFAULT_CSS = """
    WallAlarm {
        height: auto;
        width: 1fr;
        display: none;
        background: $banner-background;
        color: $banner-foreground;
        text-style: bold;
    }
    WallAlarm.-shown { display: block; }
    WallAlarm.-warning {
        background: $rag-amber;
        color: #000000;
    }
    """

    alarm: reactive[Alarm | None] = reactive(None, layout=True)

    def show(self, info: StatusInfo) -> None:
        alarm = alarm_of(info)
        if alarm != self.alarm:
            self.alarm = alarm

    def watch_alarm(self, alarm: Alarm | None) -> None:
        self.set_class(alarm is not None, "-shown")
        self.set_class(alarm is not None and alarm.level == "warning", "-warning")

    def _big(self, width: int) -> bool:
        alarm = self.alarm
        if alarm is None:
            return False
        return self.app.size.height >= 36 and width >= big_width(alarm.word) + 50

    def _lines(self, width: int) -> list[str]:
        alarm = self.alarm
        if alarm is None:
            return []
        if self._big(width):
            glyphs = big_lines(alarm.word) or [alarm.word, "", ""]
            indent = big_width(alarm.word) + 4
            text = wrap(alarm.text, width - indent - 1, BIG_HEIGHT)
            return [
                " " + fit(glyphs[r], indent - 2, "left") + " " + (text[r] if r < len(text) else "")
                for r in range(BIG_HEIGHT)
            ]
        head = f" ⚠ {alarm.word}: "
        lines = wrap(alarm.text, max(10, width - len(head) - 1), MAX_LINES)
        pad = " " * len(head)
        return [(head if n == 0 else pad) + line for n, line in enumerate(lines)] or [head]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._lines(width)))

    def render(self) -> Content:
        width = self.size.width or 80
        return Content("\n").join(Content(fit(line, width, "left")) for line in self._lines(width))
