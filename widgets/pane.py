"""A titled pane around a grid (or any widget), and the breadcrumb line.

Titles are built from plain text (``Content``), never markup: a programme
called ``[@click=app.quit]x[/]`` is shown as exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from pmo_tui.text import one_line

from .grid import Grid
from .static import show_content


class PaneTitle(Static):
    """The one-line heading of a pane: title, counts, filter and sort."""

    DEFAULT_CSS = """
    PaneTitle { height: 1; width: 1fr; }
    """


class Pane(Vertical):
    """A heading plus one body widget; the heading follows the grid's filter and sort."""

    ALLOW_MAXIMIZE = True

    DEFAULT_CSS = """
    Pane { height: 1fr; }
    """

    def __init__(self, title: str, body: Widget, *, hint: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.hint = hint
        self.body = body

    def compose(self) -> ComposeResult:
        yield PaneTitle(Content(self.title), classes="pane-title")
        yield self.body

    def on_mount(self) -> None:
        self.update_title()

    def on_grid_view_changed(self, event: Grid.ViewChanged) -> None:
        self.update_title()

    def set_hint(self, hint: str) -> None:
        self.hint = hint
        self.update_title()

    def update_title(self) -> None:
        parts: list[Content] = [Content.styled(self.title, "bold")]
        body = self.body
        if isinstance(body, Grid):
            if body.filter_text or body.row_count != body.total_count:
                parts.append(Content(f" {body.row_count:,}/{body.total_count:,}"))
            else:
                parts.append(Content(f" {body.total_count:,}"))
            if body.filter_text:
                parts.append(
                    Content.styled(f"  filter: {one_line(body.filter_text, 30)}", "italic")
                )
            if body.sort_key is not None:
                name = body.columns[body.column_index(body.sort_key)].name
                arrow = "▼" if body.sort_reverse else "▲"
                parts.append(Content(f"  sort: {name}{arrow}"))
        if self.hint:
            parts.append(Content.styled(f"  {self.hint}", "dim"))
        heading = Content("").join(parts)
        for title in self.query(PaneTitle):
            show_content(title, heading, layout=False)  # one line: never a layout pass


class Crumbs(Static):
    """``Portfolio ▸ Programme ▸ Project`` on the first line of every screen."""

    DEFAULT_CSS = """
    Crumbs { height: 1; width: 1fr; }
    """

    def set_path(self, parts: Sequence[str], right: Content | None = None) -> None:
        crumbs = Content(" ▸ ").join(
            Content.styled(one_line(p, 60), "bold" if i == len(parts) - 1 else "")
            for i, p in enumerate(parts)
        )
        content = Content.assemble(Content.styled(" pmo-tui ", "reverse"), " ", crumbs)
        if right is not None:
            content = Content.assemble(content, "   ", right)
        show_content(self, content, layout=False)
