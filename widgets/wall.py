"""The wall display's frame and big figures: header with clock, footer, KPI tiles, RAG.

* :class:`WallHeader` — the view's title, which view of how many, the clock
  and "data as of", always on screen. On a tall terminal the title and the
  clock are three rows high; on a short one everything fits one line, and
  the clock and "data as of" are the last things to go.
* :class:`WallFooter` — read-only marker, source, last checked, watch health,
  problems, the next view, and a calm note after an internal error.
* :class:`BigFigures` — KPI tiles whose values are three rows high when there
  is room (label above, note below), else label and value on two lines.
* :class:`RagHeadline` — the portfolio's RAG as a big word with its reason and
  the RAG counts.

Every widget here renders one ``Content`` from plain values and is updated in
place (reactive attributes), so the wall creates no widgets while it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from pmo_tui.text import one_line

from .bigtext import HEIGHT as BIG_HEIGHT
from .bigtext import big_lines, big_width
from .board import TONE_STYLES, wrap
from .fmt import RAG_LABELS, Formatter
from .grid import fit
from .status import StatusInfo

RAG_WORDS = {"red": "RED", "amber": "AMBER", "green": "GREEN", "grey": "GREY"}


def _style(tone: str) -> str:
    return TONE_STYLES.get(tone, tone)


def _join_fit(parts: list[tuple[int, Content]], width: int, sep: str = "  │  ") -> Content:
    """The parts that fit in ``width``, dropping the highest priority numbers first."""
    chosen = list(parts)
    while len(chosen) > 1:
        total = sum(cell_len(p.plain) for _, p in chosen) + len(sep) * (len(chosen) - 1)
        if total <= width:
            break
        worst = max(range(len(chosen)), key=lambda i: (chosen[i][0], i))
        chosen.pop(worst)
    return Content(sep).join(p for _, p in chosen)


@dataclass(frozen=True)
class HeaderState:
    title: str = ""
    position: int = 0
    count: int = 0
    now: datetime | None = None
    data_as_of: datetime | None = None
    #: the data's age as words ("5 h 20 min"), when known
    age: str = ""
    too_old: bool = False


class WallHeader(Widget):
    """View title, position, clock and "data as of"."""

    DEFAULT_CSS = """
    WallHeader {
        height: 3;
        background: $panel;
        color: $foreground;
    }
    """

    state: reactive[HeaderState] = reactive(HeaderState, layout=False)

    def set_state(self, state: HeaderState) -> None:
        if state != self.state:
            self.state = state

    def _as_of(self, compact: bool) -> str:
        stamp = self.state.data_as_of
        if stamp is None:
            return "no data yet"
        text = Formatter.when(stamp)[:16]
        return text[5:] if compact else text

    def render(self) -> Content:
        width, height = self.size.width or 80, self.size.height or 1
        state = self.state
        clock = state.now.strftime("%H:%M") if state.now else "--:--"
        where = f"{state.position}/{state.count}" if state.count > 1 else ""
        as_of_style = "bold $rag-amber" if state.too_old else "bold"
        if height >= BIG_HEIGHT:
            clock_lines = big_lines(clock) or [clock, "", ""]
            title_lines = big_lines(state.title)
            right_w = big_width(clock) + 2
            info_w = 30
            left_w = width - right_w - info_w - 2
            if title_lines is None or big_width(state.title) > left_w - 2:
                title_lines = [one_line(state.title).upper(), "", ""]
            info = [
                ("DATA AS OF", "$muted"),
                (self._as_of(False), as_of_style),
                (f"{state.age} old" if state.age else "", "$muted"),
            ]
            if where:
                info[2] = (f"view {where}" + (f" · {state.age} old" if state.age else ""), "$muted")
            lines = []
            for r in range(BIG_HEIGHT):
                lines.append(
                    Content.assemble(
                        (" " + fit(title_lines[r], max(1, left_w - 1), "left"), "bold"),
                        (fit(info[r][0], info_w, "left"), info[r][1]),
                        "  ",
                        (fit(clock_lines[r], right_w, "left"), "bold"),
                    )
                )
            return Content("\n").join(lines)
        compact = width < 100
        parts: list[tuple[int, Content]] = [
            (0, Content.styled(f" {one_line(state.title).upper()}", "bold")),
            (
                1,
                Content.assemble(
                    ("data " if compact else "data as of ", "$muted"),
                    (self._as_of(compact), as_of_style),
                ),
            ),
            (0, Content.styled(clock, "bold reverse")),
        ]
        if where:
            parts.insert(1, (3, Content.styled(where, "$muted")))
        if state.age and not compact:
            parts.insert(-1, (4, Content.styled(f"{state.age} old", "$muted")))
        line = _join_fit(parts, width - 1, "  ")
        return Content.assemble(line)


@dataclass(frozen=True)
class FooterState:
    info: StatusInfo | None = None
    next_title: str = ""
    interval: float = 0.0
    #: a calm note after an internal error the display recovered from
    notice: str = ""


class WallFooter(Widget):
    """``read-only wall display │ source │ checked │ health │ problems │ next``."""

    DEFAULT_CSS = """
    WallFooter {
        height: auto;
        max-height: 2;
        background: $panel;
        color: $foreground;
    }
    """

    state: reactive[FooterState] = reactive(FooterState, layout=True)

    def set_state(self, state: FooterState) -> None:
        if state != self.state:
            self.state = state

    def _line(self, width: int) -> Content:
        state = self.state
        info = state.info
        parts: list[tuple[int, Content]] = [
            (5, Content.styled(" read-only wall display", "$muted"))
        ]
        if info is not None:
            source = one_line(info.source) or "no source"
            if len(source) > 40:
                source = "…" + source[-39:]
            parts.append((3, Content.styled(source, "")))
            if info.last_checked is not None:
                parts.append(
                    (
                        2,
                        Content.assemble(
                            ("checked ", "$muted"), (Formatter.when(info.last_checked)[11:], "")
                        ),
                    )
                )
            if info.health:
                trouble = info.health in ("reconnecting", "failed")
                parts.append(
                    (
                        1,
                        Content.styled(
                            one_line(info.health, 30), "bold $rag-red" if trouble else "$muted"
                        ),
                    )
                )
            if info.problems:
                word = "problem" if info.problems == 1 else "problems"
                parts.append(
                    (
                        2,
                        Content.styled(
                            f"⚑ {info.problems:,} data {word}",
                            "bold $rag-red" if info.errors else "bold $rag-amber",
                        ),
                    )
                )
        if state.next_title:
            every = f" (every {state.interval:g} s)" if state.interval else ""
            parts.append((4, Content.styled(f"next: {state.next_title}{every}", "$muted")))
        return _join_fit(parts, width - 1)

    def _notice(self, width: int) -> list[str]:
        return wrap(one_line(self.state.notice), max(10, width - 4), 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + (1 if self.state.notice else 0)

    def render(self) -> Content:
        width = self.size.width or 80
        line = self._line(width)
        notice = self._notice(width)
        if not notice:
            return line
        return Content("\n").join(
            [Content.styled(f" ⓘ {notice[0]}", "italic $muted"), Content.assemble(line)]
        )


@dataclass(frozen=True)
class BigFigure:
    label: str
    value: str
    tone: str = ""
    note: str = ""


class BigFigures(Widget):
    """A row of KPI tiles; values three rows high when every tile has room."""

    DEFAULT_CSS = """
    BigFigures { height: 5; }
    """

    figures: reactive[tuple[BigFigure, ...]] = reactive((), layout=False)

    def show(self, figures: Sequence[BigFigure]) -> None:
        figures = tuple(figures)
        if figures != self.figures:
            self.figures = figures

    def big_enough(self, width: int, height: int) -> bool:
        figures = self.figures
        if not figures or height < BIG_HEIGHT + 2:
            return False
        tile = width // len(figures)
        return all(big_lines(f.value) and big_width(f.value) + 2 <= tile for f in figures)

    def render(self) -> Content:
        figures = self.figures
        if not figures:
            return Content("")
        width, height = self.size.width or 80, self.size.height or 2
        tile = max(1, width // len(figures))
        if self.big_enough(width, height):
            rows: list[list[tuple[str, str] | str]] = [[] for _ in range(BIG_HEIGHT + 2)]
            for f in figures:
                glyphs = big_lines(f.value) or [f.value, "", ""]
                rows[0].append((fit(" " + f.label.upper(), tile, "left"), "bold $muted"))
                for r in range(BIG_HEIGHT):
                    rows[1 + r].append(
                        (fit(" " + glyphs[r], tile, "left"), _style(f.tone) or "bold")
                    )
                rows[-1].append((fit(" " + one_line(f.note), tile, "left"), "$muted"))
            return Content("\n").join(Content.assemble(*row) for row in rows)
        labels: list[tuple[str, str] | str] = []
        values: list[tuple[str, str] | str] = []
        for f in figures:
            labels.append((fit(" " + f.label, tile, "left"), "$muted"))
            values.append((fit(" " + f.value, tile, "left"), _style(f.tone) or "bold"))
        if height < 2:
            return Content.assemble(
                *(
                    part
                    for f in figures
                    for part in (
                        (f" {f.label.split()[0]} ", "$muted"),
                        (f.value, _style(f.tone) or "bold"),
                        " ",
                    )
                )
            )
        return Content("\n").join([Content.assemble(*labels), Content.assemble(*values)])


@dataclass(frozen=True)
class Headline:
    scope: str = "PORTFOLIO"
    rag: str = "grey"
    reason: str = ""
    counts: tuple[tuple[str, int], ...] = ()
    watermelons: int = 0


class RagHeadline(Widget):
    """``PORTFOLIO  RED`` (big when there is room), the reason, and the RAG counts."""

    DEFAULT_CSS = """
    RagHeadline { height: auto; }
    """

    headline: reactive[Headline] = reactive(Headline, layout=True)

    def show(self, headline: Headline) -> None:
        if headline != self.headline:
            self.headline = headline

    def _big(self, width: int) -> bool:
        word = RAG_WORDS.get(self.headline.rag, "GREY")
        return self.app.size.height >= 36 and width >= big_width(word) + 60

    def _counts(self, short: bool = False) -> Content:
        """``● 2 RED    ◐ 1 AMBER ...`` or, short, ``● 2 RED ◐ 1 AMB ...``."""
        h = self.headline
        parts: list[tuple[str, str] | str] = []
        gap = " " if short else "    "
        for rag, count in h.counts:
            symbol, word = RAG_LABELS.get(rag, RAG_LABELS["grey"]).split()
            name = word if short else RAG_WORDS.get(rag, word)
            parts += [(f"{symbol} {count} {name}", _style(rag)), gap]
        if h.watermelons:
            plural = "S" if h.watermelons != 1 else ""
            text = f"W {h.watermelons}" if short else f"W {h.watermelons} WATERMELON{plural}"
            parts.append((text, "bold $rag-red"))
        return Content.assemble(*parts)

    def _lines(self, width: int) -> list[Content]:
        h = self.headline
        word = RAG_WORDS.get(h.rag, "GREY")
        symbol = RAG_LABELS.get(h.rag, RAG_LABELS["grey"]).split()[0]
        style = _style(h.rag) or "bold"
        if self._big(width):
            glyphs = big_lines(word) or [word, "", ""]
            left = big_width(word) + 4
            scope = f" {h.scope} "
            reason = wrap(h.reason, max(10, width - left - len(scope) - 2), 2)
            lines = [
                Content.assemble(
                    (scope if r == 0 else " " * len(scope), "bold"),
                    (fit(glyphs[r], left, "left"), style),
                    (
                        (reason[r - 1] if 0 < r <= len(reason) else ""),
                        "$foreground",
                    ),
                )
                for r in range(BIG_HEIGHT)
            ]
            # the counts on the first line, right of the word
            lines[0] = Content.assemble(lines[0], self._counts())
            return lines
        reason = wrap(h.reason, max(10, width - 4), 1)
        head = Content.assemble((f" {h.scope} ", "bold"), (f"{symbol} {word}", f"{style} reverse"))
        counts = self._counts()
        if cell_len(head.plain) + 3 + cell_len(counts.plain) > width:
            counts = self._counts(short=True)
        return [
            Content.assemble(head, "  ", counts),
            Content.styled("   " + (reason[0] if reason else ""), "$foreground"),
        ]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.size.width or 80))
