"""Command palette providers (``ctrl+p`` and ``:``).

``JumpProvider`` finds any programme or project by fuzzy name or id.
``PmoCommands`` opens the triage queue, problems and help, refreshes, and
switches theme. Names from the data are shown as ``Content`` built from plain
text (Textual's own ``Matcher.highlight`` parses markup, so it is not used),
and the help line under each hit never contains data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from pmo_tui.text import one_line
from pmo_tui.widgets.fmt import rag_label
from pmo_tui.widgets.themes import THEME_NAMES

if TYPE_CHECKING:
    from pmo_tui.app import PmoApp

#: at most this many hits per search (the palette shows a screenful anyway)
MAX_HITS = 60


def highlight(matcher: Matcher, candidate: str) -> tuple[float, Content]:
    """Score and highlight ``candidate`` as plain text."""
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    content = Content(candidate)
    if score:
        for offset in offsets:
            if offset < len(candidate) and not candidate[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return score, content


def _app(provider: Provider) -> PmoApp:
    from pmo_tui.app import PmoApp

    app = provider.app
    assert isinstance(app, PmoApp)
    return app


class JumpProvider(Provider):
    """Jump to a programme or project by name."""

    def _targets(self) -> list[tuple[str, str, Callable[[], Any], str]]:
        """(search text, shown text, command, help) for every programme and project."""
        app = _app(self)
        snapshot = app.snapshot
        if snapshot is None:
            return []
        targets: list[tuple[str, str, Callable[[], Any], str]] = []
        metrics = snapshot.metrics
        prog_rag = _rag_by_id(getattr(metrics, "programmes", None), "programme_id")
        proj_rag = _rag_by_id(getattr(metrics, "projects", None), "project_id")
        programmes = snapshot.portfolio["programmes"]
        names = dict(zip(programmes["programme_id"], programmes["name"], strict=False))
        for pid, name in names.items():
            label = one_line(name if isinstance(name, str) else pid, 70)
            shown = f"{rag_label(prog_rag.get(pid))}  {label}  ({one_line(pid, 20)})"
            targets.append(
                (
                    f"{label} {pid}",
                    shown,
                    partial(app.open_programme, str(pid), from_root=True),
                    "programme",
                )
            )
        projects = snapshot.portfolio["projects"]
        for pid, name, prog in zip(
            projects["project_id"], projects["name"], projects["programme_id"], strict=False
        ):
            label = one_line(name, 60)
            prog_name = one_line(names.get(prog, prog) if isinstance(prog, str) else "", 30)
            shown = f"{rag_label(proj_rag.get(pid))}  {label}  ({one_line(pid, 20)} · {prog_name})"
            targets.append(
                (
                    f"{label} {pid}",
                    shown,
                    partial(app.open_project, str(pid), from_root=True),
                    "project",
                )
            )
        return targets

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        scored: list[tuple[float, Hit]] = []
        for search_text, shown, command, help_text in self._targets():
            score = matcher.match(search_text)
            if score <= 0:
                continue
            _, content = highlight(matcher, shown)
            scored.append((score, Hit(score, content, command, text=shown, help=help_text)))
        scored.sort(key=lambda pair: -pair[0])
        for _, hit in scored[:MAX_HITS]:
            yield hit

    async def discover(self) -> Hits:
        app = _app(self)
        snapshot = app.snapshot
        if snapshot is None:
            return
        projects = getattr(snapshot.metrics, "projects", None)
        if projects is None or "rag" not in projects:
            return
        red = projects.loc[projects["rag"] == "red"].head(10)
        for pid, name in zip(red["project_id"], red["name"], strict=False):
            shown = f"{rag_label('red')}  {one_line(name, 60)}  ({one_line(pid, 20)})"
            yield DiscoveryHit(
                Content(shown),
                partial(app.open_project, str(pid), from_root=True),
                text=shown,
                help="red project",
            )


def _rag_by_id(frame: Any, column: str) -> dict[str, str]:
    if frame is None or "rag" not in getattr(frame, "columns", ()):
        return {}
    return dict(zip(frame[column], frame["rag"], strict=False))


class PmoCommands(Provider):
    """The app's own commands."""

    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = _app(self)
        commands: list[tuple[str, Callable[[], Any], str]] = [
            ("Open the triage queue", app.action_triage, "every open issue across the portfolio"),
            ("Show loader problems", app.action_problems, "file, row, column, value and rule"),
            ("Show keys and legend", app.action_help, "the key map and every colour and symbol"),
            ("Refresh data", app.action_refresh, "re-read the source and recompute"),
            ("Burn chart of this scope", app.action_chart, "S-curve PV/EV/AC against BAC"),
        ]
        for name in THEME_NAMES:
            commands.append(
                (f"Theme: {name}", partial(app.switch_theme, name), "switch the colours")
            )
        return commands

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                _, content = highlight(matcher, title)
                yield Hit(score, content, command, text=title, help=help_text)

    async def discover(self) -> Hits:
        for title, command, help_text in self._commands():
            yield DiscoveryHit(Content(title), command, text=title, help=help_text)
