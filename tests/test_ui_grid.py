"""The virtual Grid: keyed updates, filter, sort, change marks, narrow layouts, plain text."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.console import RenderableType
from textual._compositor import ChopsUpdate
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen

from pmo_tui.widgets.grid import Grid, GridColumn, GridRow, fit

COLUMNS = (
    GridColumn("id", "ID", 6),
    GridColumn("name", "Name", 20, flex=True, min_width=8),
    GridColumn("amount", "Amount", 10, align="right", priority=1),
    GridColumn("note", "Note", 12, priority=3),
)


def row(key: str, name: str, amount: float | None, note: str = "") -> GridRow:
    shown = "n/a" if amount is None else f"{amount:,.0f}"
    return GridRow(key, (key, name, shown, note), sort=(key, name.casefold(), amount, note))


ROWS = [
    row("A", "Alpha", 300),
    row("B", "Bravo [b]bold[/b]", None),
    row("C", "Charlie", 100, "late"),
    row("D", "Delta", 200),
]


class GridApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Grid(COLUMNS, id="grid")

    def on_mount(self) -> None:
        self.query_one(Grid).set_rows(ROWS)


def lines(grid: Grid) -> list[str]:
    return [grid.render_line(y).text for y in range(grid.size.height)]


async def test_cursor_stays_on_its_row_when_rows_change_order() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 10)) as pilot:
        grid = app.query_one(Grid)
        grid.focus()
        await pilot.press("j", "j")
        assert grid.cursor_key == "C"
        grid.set_rows(list(reversed(ROWS)))
        await pilot.pause()
        assert grid.cursor_key == "C"
        assert grid.visible_keys() == ["D", "C", "B", "A"]
        # the row under the cursor disappears: the cursor stays at the same place
        grid.set_rows([r for r in ROWS if r.key != "C"])
        await pilot.pause()
        assert grid.cursor == 1 and grid.cursor_key == "B"


async def test_sort_is_numeric_and_puts_missing_values_last_both_ways() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 10)) as pilot:
        grid = app.query_one(Grid)
        grid.sort_by("amount")
        await pilot.pause()
        assert grid.visible_keys() == ["C", "D", "A", "B"]
        grid.sort_by("amount", reverse=True)
        await pilot.pause()
        assert grid.visible_keys() == ["A", "D", "C", "B"]
        assert "Amount▼" in lines(grid)[0]


async def test_filter_matches_every_word_anywhere_ignoring_case() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 10)) as pilot:
        grid = app.query_one(Grid)
        grid.set_filter("CHAR late")
        await pilot.pause()
        assert grid.visible_keys() == ["C"]
        grid.set_filter("char early")
        await pilot.pause()
        assert grid.visible_keys() == []
        assert any("Nothing to show." in line for line in lines(grid))
        grid.set_filter("")
        await pilot.pause()
        assert grid.row_count == 4


async def test_changed_cells_are_marked_only_after_the_first_load() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 10)) as pilot:
        grid = app.query_one(Grid)
        assert grid.changed_at == {}
        grid.set_rows([ROWS[0], row("B", "Bravo [b]bold[/b]", 50), *ROWS[2:], row("E", "Echo", 1)])
        await pilot.pause()
        assert set(grid.changed_at) == {"B", "E"}
        assert set(grid.changed_at["B"]) == {"amount"}
        grid.highlight_seconds = 0.05
        grid._expire_changes()
        await pilot.pause(0.1)
        grid._expire_changes()
        assert grid.changed_at == {}


async def test_cells_are_plain_text() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        text = "\n".join(lines(app.query_one(Grid)))
        assert "Bravo [b]bold[/b]" in text


async def test_narrow_grid_drops_the_least_important_columns_first() -> None:
    app = GridApp()
    async with app.run_test(size=(30, 10)) as pilot:
        await pilot.pause()
        grid = app.query_one(Grid)
        shown = [c.key for c in grid.visible_columns()]
        assert shown[:2] == ["id", "name"] and "note" not in shown
        header = lines(grid)[0]
        assert "ID" in header and "Name" in header and "Note" not in header


async def test_keys_move_the_cursor_and_enter_selects() -> None:
    selected: list[str] = []

    class Selecting(GridApp):
        def on_grid_selected(self, event: Grid.Selected) -> None:
            selected.append(event.key)

    app = Selecting()
    async with app.run_test(size=(60, 10)) as pilot:
        grid = app.query_one(Grid)
        grid.focus()
        await pilot.press("G")
        assert grid.cursor_key == "D"
        await pilot.press("g", "down", "enter")
        await pilot.pause()
        assert selected == ["B"]


def test_fit_cuts_and_pads_by_terminal_cells() -> None:
    assert fit("abc", 5, "left") == "abc  "
    assert fit("abc", 5, "right") == "  abc"
    assert fit("abcdef", 4, "left") == "abc…"
    wide = fit("日本語テキスト", 6, "left")
    assert wide.startswith("日本") and wide.rstrip().endswith("…")
    from rich.cells import cell_len

    assert cell_len(wide) == 6


class PaintedApp(App[None]):
    """A grid of 30 rows that records which screen lines each repaint rewrote."""

    ROWS: ClassVar[list[GridRow]] = [row(f"K{n:02d}", f"Item {n}", n * 10) for n in range(30)]

    def __init__(self) -> None:
        super().__init__()
        self.painted: list[set[int] | None] = []  # None: the whole screen

    def compose(self) -> ComposeResult:
        yield Grid(COLUMNS, id="grid")

    def on_mount(self) -> None:
        self.query_one(Grid).set_rows(self.ROWS)

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        if isinstance(renderable, ChopsUpdate):
            self.painted.append({y for y, _, _ in renderable.spans})
        elif renderable is not None:
            self.painted.append(None)
        super()._display(screen, renderable)

    def screen_lines(self) -> list[str]:
        """The screen as the compositor holds it (cached lines included, as a terminal
        that only received the repaints would show it)."""
        return [strip.text for strip in self.screen._compositor.render_strips()]

    async def repaints(self, pilot: Pilot[None], change: Callable[[], object]) -> set[int] | None:
        await pilot.pause()
        self.painted.clear()
        change()
        await pilot.pause()
        await pilot.pause()
        lines: set[int] = set()
        for update in self.painted:
            if update is None:
                return None
            lines |= update
        return lines


async def test_a_changed_cell_repaints_only_its_line_and_shows_the_new_value() -> None:
    app = PaintedApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(Grid)
        grid.highlight_seconds = 0  # no change marks: the repaint of the change itself
        new = [*app.ROWS]
        new[3] = row("K03", "Item 3", 999_999)
        painted = await app.repaints(pilot, lambda: grid.set_rows(new))
        # the header is line 0 of the grid: K03 is the fourth row, on screen line 4
        assert painted == {grid.region.y + 4}
        screen = app.screen_lines()
        assert "999,999" in screen[grid.region.y + 4]
        assert not any("999,999" in line for n, line in enumerate(screen) if n != 4)


async def test_rows_that_move_or_change_width_repaint_the_whole_grid() -> None:
    app = PaintedApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(Grid)
        grid.highlight_seconds = 0
        grid.sort_by("amount")
        await pilot.pause()
        # K03 becomes the largest amount: it moves to the end, every line below it shifts
        new = [*app.ROWS]
        new[3] = row("K03", "Item 3", 5_000)
        painted = await app.repaints(pilot, lambda: grid.set_rows(new))
        assert painted is None or len(painted) > 5
        assert "K04" in app.screen_lines()[grid.region.y + 4]
        # a new row: everything may shift
        painted = await app.repaints(pilot, lambda: grid.set_rows([row("A0", "First", 0), *new]))
        assert painted is None or len(painted) > 5
        assert "A0" in app.screen_lines()[grid.region.y + 1]


async def test_moving_the_cursor_repaints_the_two_rows_it_leaves_and_enters() -> None:
    app = PaintedApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(Grid)
        grid.focus()
        await pilot.pause()
        painted = await app.repaints(pilot, lambda: grid.action_cursor_down())
        assert painted == {grid.region.y + 1, grid.region.y + 2}
        assert grid.cursor_key == "K01"
        # past the bottom of the view: it scrolls, and the whole grid is repainted
        painted = await app.repaints(pilot, lambda: grid.move_to(25))
        assert painted is None or len(painted) > 5
        assert any("K25" in line for line in app.screen_lines())


async def test_a_fading_change_mark_repaints_only_the_marked_rows() -> None:
    app = PaintedApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(Grid)
        new = [*app.ROWS]
        new[2] = row("K02", "Item 2", 777)
        grid.set_rows(new)
        await pilot.pause()
        assert set(grid.changed_at) == {"K02"}
        at = grid.changed_at["K02"]["amount"]
        assert grid.change_phase("K02", "amount", at) == "fresh"
        later = at + grid.highlight_seconds * 0.99
        painted = await app.repaints(pilot, lambda: grid.age_changes(later))
        assert painted == {grid.region.y + 3}
        assert grid.change_phase("K02", "amount", later) == "fading"
        # the mark is over: the line is painted once more, without it
        painted = await app.repaints(pilot, lambda: grid.age_changes(later + 60))
        assert painted == {grid.region.y + 3} and grid.changed_at == {}


async def test_marking_a_row_for_a_bulk_change_repaints_its_line_only() -> None:
    from pmo_tui.widgets.markgrid import MARK, MARK_COLUMN, MarkGrid

    class MarkApp(PaintedApp):
        def compose(self) -> ComposeResult:
            yield MarkGrid((MARK_COLUMN, *COLUMNS), id="grid")

        def on_mount(self) -> None:
            rows = [GridRow(r.key, ("", *r.cells), sort=(True, *r.sort)) for r in self.ROWS]
            self.query_one(Grid).set_rows(rows)

    app = MarkApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(MarkGrid)
        painted = await app.repaints(pilot, lambda: grid.toggle_mark("K04"))
        assert painted == {grid.region.y + 5}
        assert (
            MARK in app.screen_lines()[grid.region.y + 5]
            and "Item 4" in app.screen_lines()[grid.region.y + 5]
        )


async def test_clearing_a_filter_that_is_not_set_repaints_nothing() -> None:
    app = PaintedApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(Grid)
        assert await app.repaints(pilot, lambda: grid.set_predicate(None)) == set()
        assert await app.repaints(pilot, lambda: grid.set_filter("")) == set()
        painted = await app.repaints(pilot, lambda: grid.set_predicate(lambda r: r.key < "K05"))
        assert painted is None or len(painted) > 5
        assert grid.visible_keys() == ["K00", "K01", "K02", "K03", "K04"]
        painted = await app.repaints(pilot, lambda: grid.set_predicate(None))
        assert painted is None or len(painted) > 5
        assert len(grid.visible_keys()) == 30


def test_a_refresh_keeps_the_view_only_when_a_full_rebuild_gives_the_same() -> None:
    """After set_rows with the same keys in the same places, the grid reuses its
    filtered, sorted view when no replaced row changed its place; whatever it shows
    must be exactly what filtering and sorting every row again gives."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    names = st.sampled_from(["Alpha", "alpine", "Bravo", "[b]x[/b]", ""])
    amounts = st.one_of(st.none(), st.integers(0, 3).map(float))
    table = st.lists(st.tuples(names, amounts), min_size=4, max_size=4)

    @settings(max_examples=200, deadline=None)
    @given(
        first=table,
        second=table,
        sort=st.sampled_from([None, "name", "amount"]),
        text=st.sampled_from(["", "al", "bravo", "x"]),
        only_some=st.booleans(),
    )
    def check(
        first: list[tuple[str, float | None]],
        second: list[tuple[str, float | None]],
        sort: str | None,
        text: str,
        only_some: bool,
    ) -> None:
        grid = Grid(COLUMNS)
        grid.set_rows([row(k, n, a) for k, (n, a) in zip("ABCD", first, strict=True)])
        grid.sort_by(sort)
        grid.set_filter(text)
        if only_some:
            grid.set_predicate(lambda r: r.cells[2] != "n/a")
        grid.set_rows([row(k, n, a) for k, (n, a) in zip("ABCD", second, strict=True)])
        assert grid._view == grid._filtered_sorted()

    check()
