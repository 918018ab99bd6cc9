"""What every data screen shares: breadcrumbs, filter, sort, back, status bar, footer.

Screens get data handed down (:meth:`DataScreen.show` with a
:class:`~pmo_tui.screens.snapshot.Snapshot`) and post messages up
(:class:`OpenItem` to drill in). The app calls ``show`` on every screen in the
stack whenever a new snapshot arrives, and each screen updates its widgets in
place so cursor, scroll, filter and sort survive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.sort import SortChoice, SortPicker
from pmo_tui.text import one_line
from pmo_tui.widgets.filterbar import FilterBar
from pmo_tui.widgets.grid import Grid
from pmo_tui.widgets.keybar import KeyBar
from pmo_tui.widgets.pane import Crumbs
from pmo_tui.widgets.status import StatusBar, StatusInfo

if TYPE_CHECKING:
    from pmo_tui.app import PmoApp

#: responsive classes: "-narrow" below 120 columns, "-short" below 36 rows
HORIZONTAL = [(0, "-narrow"), (120, "-wide"), (200, "-huge")]
VERTICAL = [(0, "-short"), (36, "-tall")]


class OpenItem(Message):
    """Drill into a programme, project or issue (posted up to the app)."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__()
        self.kind = kind
        self.key = key


class DataScreen(Screen[None]):
    """A screen that shows part of the current snapshot."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
        Binding("q", "back", "Back", id="quit"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("s", "sort", "Sort", id="sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="sort.reverse"),
        Binding("z", "zoom", "Zoom pane", show=False, id="zoom"),
    ]

    HORIZONTAL_BREAKPOINTS = HORIZONTAL
    VERTICAL_BREAKPOINTS = VERTICAL

    #: breadcrumb path shown on the first line
    crumbs: tuple[str, ...] = ("Portfolio",)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: Snapshot | None = None
        self._style_key: tuple[str, object] | None = None

    @property
    def pmo(self) -> PmoApp:
        from pmo_tui.app import PmoApp

        app = self.app
        assert isinstance(app, PmoApp)
        return app

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Crumbs(id="crumbs")
        yield from self.compose_body()
        yield FilterBar()
        yield StatusBar()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        # Textual calls on_mount of every class in the MRO (subclass first): subclasses
        # define their own on_mount for set-up and must not call this one again.
        self.query_one(Crumbs).set_path(self.crumbs)
        self.query_one(StatusBar).info = self.pmo.status_info
        if self.pmo.snapshot is not None:
            self.show(self.pmo.snapshot)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles every widget of a screen each time it is pushed, in case the
        # theme or the size changed meanwhile. Kept screens (drilling reuses them) skip
        # that when neither changed: it is most of what a drill-down would cost.
        style_key = (self.app.theme, self.app.size)
        if self._style_key == style_key:
            event.refresh_styles = False
        self._style_key = style_key
        if not self.is_mounted:
            return  # resumed before its first mount finished: on_mount shows the data
        self.query_one(StatusBar).info = self.pmo.status_info
        latest = self.pmo.snapshot
        if latest is not None and self.snapshot is not latest:
            self.show(latest)  # a kept screen that missed a refresh while off the stack

    # -- data --------------------------------------------------------------------
    def warm(self, snapshot: Snapshot) -> None:
        """Build what :meth:`show` will need from ``snapshot`` (a worker thread; cached
        on the snapshot), so that showing it on the UI thread only swaps rows."""

    def show(self, snapshot: Snapshot) -> None:
        """Update every widget in place from ``snapshot`` (override, call super)."""
        self.snapshot = snapshot

    def show_failure(self, reason: str) -> None:
        """The source could not be read at all; say so where the data would be."""
        if self.snapshot is not None:
            return  # the last good data stays on screen
        for grid in self.query(Grid):
            grid.empty_text = f"Could not read the source: {one_line(reason, 200)}"
            grid.refresh()

    def set_status(self, info: StatusInfo) -> None:
        if self.is_mounted:
            self.query_one(StatusBar).info = info

    # -- grids -------------------------------------------------------------------
    def primary_grid(self) -> Grid | None:
        """The grid that ``/`` and ``s`` act on when no grid has focus."""
        grids = list(self.query(Grid))
        return grids[0] if grids else None

    def active_grid(self) -> Grid | None:
        focused = self.focused
        if isinstance(focused, Grid):
            return focused
        bar = self.query_one(FilterBar)
        if focused is bar and bar.target is not None:
            return bar.target
        return self.primary_grid()

    def on_grid_selected(self, event: Grid.Selected) -> None:
        """Subclasses map a grid's selection to an :class:`OpenItem`."""

    def action_filter(self) -> None:
        grid = self.active_grid()
        if grid is not None:
            self.query_one(FilterBar).open_for(grid)

    def action_sort(self) -> None:
        grid = self.active_grid()
        if grid is None:
            return

        def picked(choice: SortChoice | None) -> None:
            if choice is not None:
                grid.sort_by(*choice)
            grid.focus()

        self.app.push_screen(SortPicker(grid), picked)

    def action_sort_reverse(self) -> None:
        grid = self.active_grid()
        if grid is not None and grid.sort_key is not None:
            grid.sort_by(grid.sort_key, not grid.sort_reverse)

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        grid = self.active_grid()
        if grid is not None and isinstance(grid.parent, Widget):
            self.maximize(grid.parent, container=False)

    def action_back(self) -> None:
        """Escape: clear the filter first, then un-zoom, then go back."""
        grid = self.active_grid()
        if grid is not None and grid.filter_text:
            grid.set_filter("")
            self.query_one(FilterBar).value = ""
            return
        if self.maximized is not None:
            self.minimize()
            return
        self.pmo.go_back()
