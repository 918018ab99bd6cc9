"""The virtual Grid: keyed updates, filter, sort, change marks, narrow layouts, plain text."""

from __future__ import annotations

from textual.app import App, ComposeResult

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
