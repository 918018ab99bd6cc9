"""A header that reads as before is not updated (no layout pass); any change shows."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from pmo_tui.widgets.grid import Grid, GridColumn, GridRow
from pmo_tui.widgets.pane import Crumbs, Pane, PaneTitle
from pmo_tui.widgets.static import show_content


class Header(Static):
    def __init__(self) -> None:
        super().__init__(Content("start"), id="header")
        self.layouts = 0

    def refresh(self, *regions: object, **kwargs: object) -> Header:
        if kwargs.get("layout"):
            self.layouts += 1
        return super().refresh(*regions, **kwargs)  # type: ignore[arg-type]


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()


async def test_the_same_content_is_not_shown_again_and_any_change_is() -> None:
    app = HeaderApp()
    async with app.run_test(size=(40, 5)) as pilot:
        header = app.query_one(Header)
        red = Content.assemble(("● RED", "bold red"), " over budget")
        assert show_content(header, red)
        await pilot.pause()
        before = header.layouts
        # a new object with the same text and styles: nothing to do
        same = Content.assemble(("● RED", "bold red"), " over budget")
        assert not show_content(header, same)
        await pilot.pause()
        assert header.layouts == before
        # the same words in another colour are a change
        assert show_content(header, Content.assemble(("● RED", "bold green"), " over budget"))
        await pilot.pause()
        assert header.layouts == before + 1
        assert header.content.spans[0].style == "bold green"  # type: ignore[union-attr]
        assert show_content(header, Content("on track [WIP]"))
        await pilot.pause()
        assert "on track [WIP]" in header.render_line(0).text


class Counted(PaneTitle):
    """A pane heading that counts its repaints (each rewrites its line on the terminal)."""

    repaints = 0

    def refresh(self, *regions: object, **kwargs: object) -> Counted:
        Counted.repaints += 1
        return super().refresh(*regions, **kwargs)  # type: ignore[arg-type]


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Crumbs(id="crumbs")
        yield Pane("Open issues", Grid((GridColumn("id", "ID", 8),), id="grid"), id="pane")


async def test_headings_that_read_as_before_are_not_repainted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a live refresh the crumbs and a pane's heading mostly read as before:
    they are not rewritten then, and are as soon as they change."""
    import pmo_tui.widgets.pane as pane_module

    monkeypatch.setattr(pane_module, "PaneTitle", Counted)
    app = PaneApp()
    async with app.run_test(size=(60, 6)) as pilot:
        grid, pane = app.query_one(Grid), app.query_one(Pane)
        title = app.query_one(Counted)
        crumbs = app.query_one(Crumbs)
        grid.set_rows([GridRow(f"I-{i}", (f"I-{i}",)) for i in range(3)])
        crumbs.set_path(["Portfolio", "Triage queue"])
        await pilot.pause()
        assert "Open issues 3" in title.render_line(0).text
        before, shown = Counted.repaints, crumbs.content
        pane.update_title()  # a refresh that changed nothing in the heading
        crumbs.set_path(["Portfolio", "Triage queue"])
        await pilot.pause()
        assert Counted.repaints == before and crumbs.content is shown
        grid.set_rows([GridRow(f"I-{i}", (f"I-{i}",)) for i in range(4)])
        crumbs.set_path(["Portfolio", "[WIP] Koppeling BRP"])
        await pilot.pause()
        assert Counted.repaints > before
        assert "Open issues 4" in title.render_line(0).text
        assert "[WIP] Koppeling BRP" in crumbs.render_line(0).text
