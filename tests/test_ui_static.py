"""A header that reads as before is not updated (no layout pass); any change shows."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

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
