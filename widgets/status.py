"""The status bar: source, "data as of", "last checked", stale tables, problems.

It is always on screen. Parts are dropped right-to-left by importance when the
terminal is narrow; the problem count and its key are never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from rich.cells import cell_len
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from pmo_tui.text import one_line

from .fmt import Formatter


@dataclass(frozen=True)
class StatusInfo:
    """Everything the status bar shows (handed down by the app)."""

    source: str = ""
    today: date | None = None
    data_as_of: datetime | None = None
    last_checked: datetime | None = None
    #: table -> reason it is stale
    stale: dict[str, str] = field(default_factory=dict)
    problems: int = 0
    errors: int = 0
    problems_key: str = "p"
    #: live / polling / reconnecting / failed, once live updates run
    health: str = ""
    loading: bool = False
    read_only: bool = False


class StatusBar(Widget):
    """One line at the bottom of every screen."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status--label",
        "status--value",
        "status--warn",
        "status--bad",
        "status--ok",
    }

    info: reactive[StatusInfo] = reactive(StatusInfo, layout=False)

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
        if info.health:
            parts.append((1, Content.styled(one_line(info.health, 60), warn)))
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
        return Content(" ") + Content(" │ ").join(p for _, p in ordered)
