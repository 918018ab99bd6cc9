"""The status bar: source, "data as of", "last checked", watch health, stale tables,
problems, and the alarm banner when the data cannot be trusted.

It is always on screen. Parts are dropped right-to-left by importance when the
terminal is narrow; the problem count and its key are never dropped. When
:attr:`StatusInfo.alarm` is set, a full-width banner line with the reason sits
above the status line (the bar grows to two lines), so a failed or stale
source is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import ClassVar

from rich.cells import cell_len
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from pmo_tui.text import one_line

from .fmt import Formatter
from .grid import fit

#: watch health values (``pmo_tui.sources.base.Health``) as the status bar shows them
HEALTH_LABELS: dict[str, str] = {
    "live": "● live",
    "polling": "◌ polling",
    "reconnecting": "⟳ reconnecting",
    "failed": "✖ watch failed",
}


def age_text(age: timedelta) -> str:
    """``45 s``, ``12 min``, ``5 h 20 min``, ``26 h``, ``3 d 4 h``: how old the data is."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@dataclass(frozen=True)
class StatusInfo:
    """Everything the status bar, the banner and the kiosk alarm show (from the app).

    One object so that every view of the source's state agrees: the status bar
    reads the parts, the banner and the kiosk's full-width alarm read
    :attr:`alarm` (``None`` when all is well) and :attr:`alarm_level`.
    """

    source: str = ""
    today: date | None = None
    #: when the oldest table was last read successfully (``Portfolio.data_as_of``)
    data_as_of: datetime | None = None
    #: when the source was last looked at (every refresh, also one that found nothing new)
    last_checked: datetime | None = None
    #: table -> why it is stale (a reload failed; the last good rows are shown)
    stale: dict[str, str] = field(default_factory=dict)
    problems: int = 0
    errors: int = 0
    problems_key: str = "p"
    #: the watcher's health: live, polling, reconnecting, failed ("" = not watched yet)
    health: str = ""
    #: why (e.g. "inotify limit reached; polling every 2 s", "connection lost: ...")
    health_reason: str = ""
    #: the source could not be read at all (the first load, or a refresh that raised)
    load_error: str = ""
    #: how old the data is now (now - data_as_of)
    age: timedelta | None = None
    #: data older than this raises the alarm (``config.display.stale_after``)
    stale_after: timedelta | None = None
    loading: bool = False
    read_only: bool = False

    @property
    def too_old(self) -> bool:
        return self.age is not None and self.stale_after is not None and self.age > self.stale_after

    @property
    def alarm_level(self) -> str:
        """``"error"`` (data cannot be read), ``"warning"`` (it may be out of date) or ``""``."""
        if self.load_error or self.stale or self.health == "failed":
            return "error"
        if self.health == "reconnecting" or self.too_old:
            return "warning"
        return ""

    @property
    def alarm(self) -> str | None:
        """One line saying why the data on screen cannot be trusted, or None.

        Most serious first: the source cannot be read, the watcher failed or is
        reconnecting, tables are stale (with the reason), the data is older
        than ``stale_after``.
        """
        parts: list[str] = []
        as_of = f"data as of {Formatter.when(self.data_as_of)[:16]}" if self.data_as_of else ""
        if self.load_error:
            shown = f"showing {as_of}" if self.data_as_of else "no data loaded"
            parts.append(f"SOURCE ERROR: {one_line(self.load_error, 200)} ({shown})")
        if self.health == "failed":
            reason = one_line(self.health_reason, 200) or "the watcher stopped"
            parts.append(f"NOT WATCHING: {reason}; changes are not shown, retrying")
        elif self.health == "reconnecting":
            reason = one_line(self.health_reason, 200) or "the source went away"
            parts.append(f"RECONNECTING: {reason}; {as_of or 'data'} may be out of date")
        if self.stale:
            names = sorted(self.stale)
            first = one_line(self.stale[names[0]], 200)
            more = f" (+{len(names) - 1} more)" if len(names) > 1 else ""
            parts.append(f"STALE {', '.join(names)}, last good rows shown: {first}{more}")
        if self.too_old and self.age is not None and self.stale_after is not None:
            parts.append(
                f"DATA IS OLD: last read {age_text(self.age)} ago "
                f"(alarm after {age_text(self.stale_after)})"
            )
        if not parts:
            return None
        return "⚠ " + " · ".join(parts)


def banner_content(info: StatusInfo) -> Content | None:
    """The banner line for ``info`` (None when there is no alarm); plain text only."""
    alarm = info.alarm
    if alarm is None:
        return None
    return Content(alarm)


class StatusBar(Widget):
    """One line at the bottom of every screen."""

    DEFAULT_CSS = """
    StatusBar {
        height: auto;
    }
    StatusBar > .status--alarm {
        background: $banner-background;
        color: $banner-foreground;
        text-style: bold;
    }
    StatusBar > .status--alarm-warning {
        background: $warning;
        color: #000000;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status--label",
        "status--value",
        "status--warn",
        "status--bad",
        "status--ok",
        "status--alarm",
        "status--alarm-warning",
    }

    info: reactive[StatusInfo] = reactive(StatusInfo, layout=False)

    def watch_info(self, old: StatusInfo, new: StatusInfo) -> None:
        if (old.alarm is None) != (new.alarm is None):
            self.refresh(layout=True)  # the banner line comes or goes

    def _parts(self, compact: bool) -> list[tuple[int, Content]]:
        """(priority, piece); lower priority numbers survive narrower terminals."""
        info = self.info
        label = self.get_visual_style("status--label", partial=True)
        value = self.get_visual_style("status--value", partial=True)
        warn = self.get_visual_style("status--warn", partial=True)
        bad = self.get_visual_style("status--bad", partial=True)
        ok = self.get_visual_style("status--ok", partial=True)
        parts: list[tuple[int, Content]] = []
        if info.loading:
            parts.append((0, Content.styled("⟳ loading…", warn)))
        if info.problems:
            word = "problem" if info.problems == 1 else "problems"
            parts.append(
                (
                    0,
                    Content.assemble(
                        (f"⚑ {info.problems:,} {word} ", bad if info.errors else warn),
                        (f"[{info.problems_key}]", label),
                    ),
                )
            )
        else:
            parts.append((0, Content.styled("✓ no problems", ok)))
        if info.load_error:
            parts.append((1, Content.styled(f"✖ source error: {one_line(info.load_error)}", bad)))
        if info.health:
            trouble = info.health in ("reconnecting", "failed")
            text = HEALTH_LABELS.get(info.health, one_line(info.health, 30))
            tone = bad if info.health == "failed" else warn if trouble else ok
            parts.append((1 if trouble else 2, Content.styled(text, tone)))
        if info.stale:
            names = ", ".join(sorted(info.stale))
            parts.append((1, Content.styled(f"▮ stale: {names}", warn)))
        if info.data_as_of is not None:
            stamp = Formatter.when(info.data_as_of)
            parts.append(
                (
                    2,
                    Content.assemble(
                        ("data " if compact else "data as of ", label),
                        (stamp[5:16] if compact else stamp[:16], value),
                    ),
                )
            )
        if info.last_checked is not None:
            parts.append(
                (
                    2,
                    Content.assemble(
                        ("checked " if not compact else "chk ", label),
                        (Formatter.when(info.last_checked)[11:], value),
                    ),
                )
            )
        if info.read_only:
            parts.append((5, Content.styled("read-only", label)))
        source = one_line(info.source) or "no source"
        if compact and len(source) > 24:
            source = "…" + source[-23:]
        parts.append((3, Content.styled(source, value)))
        if info.today is not None:
            day = info.today.isoformat()
            parts.append(
                (4, Content.assemble(("today ", label), (day[5:] if compact else day, value)))
            )
        return parts

    def _fit(
        self, parts: list[tuple[int, Content]], width: int
    ) -> list[tuple[int, Content]] | None:
        """Drop the least important parts until the rest fit; None if the source went too."""
        chosen = list(parts)
        while len(chosen) > 1:
            total = sum(cell_len(p.plain) for _, p in chosen) + 3 * (len(chosen) - 1) + 1
            if total <= width:
                return chosen
            worst = max(range(len(chosen)), key=lambda i: (chosen[i][0], i))
            chosen.pop(worst)
        return chosen

    def render(self) -> Content:
        width = self.size.width or 80
        chosen = self._fit(self._parts(compact=False), width) or []
        if len(chosen) < len(self._parts(compact=False)):
            compact = self._fit(self._parts(compact=True), width) or []
            if len(compact) > len(chosen):
                chosen = compact
        # the source first, then the rest in order of importance
        ordered = sorted(chosen, key=lambda p: -1 if p[0] == 3 else p[0])
        line = Content(" ") + Content(" │ ").join(p for _, p in ordered)
        banner = banner_content(self.info)
        if banner is None:
            return line
        name = "status--alarm" if self.info.alarm_level == "error" else "status--alarm-warning"
        style = self.get_visual_style(name, partial=True)
        padded = " " + fit(banner.plain, max(1, width - 1), "left")
        return Content.assemble(Content.styled(padded, style), "\n", line)
