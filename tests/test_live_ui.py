"""Live updates on screen, driven with Pilot on a real folder watched by the real watcher.

Each test changes files on disk while the app runs and asserts what the
officer sees: the new value in the table, the changed row marked in its gutter,
the toast that names the change, the banner when the data cannot be trusted,
and a cursor, filter and sort that never move by themselves.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_ui_support import FROZEN, FrozenSource, make_app, screen_text, write_fixture

from pmo_tui.app import PmoApp
from pmo_tui.model import Portfolio
from pmo_tui.options import Options
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.triage import TriageScreen
from pmo_tui.screens.triage_state import OFF, OPEN, OPENING
from pmo_tui.sources.base import Change, Health, Provisional, WatchState
from pmo_tui.sources.folder import FolderSource
from pmo_tui.sources.watch import DEFAULT_SETTINGS
from pmo_tui.widgets.grid import Grid
from pmo_tui.widgets.highlight import HighlightClock


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "portfolio")


class WatchedFolder(FolderSource):
    """The real folder source; it also notes when its watcher has returned."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.watch_ended = threading.Event()

    def watch(self, stop: threading.Event) -> Iterator[Change | WatchState]:
        try:
            yield from super().watch(stop)
        finally:
            self.watch_ended.set()


def live_app(folder: Path, **options: object) -> PmoApp:
    opts = Options(source=str(folder), **options)  # type: ignore[arg-type]
    return PmoApp(opts, WatchedFolder(folder), error_log=folder.parent / "errors.log")


async def until(
    pilot: object,
    what: Callable[[], object],
    timeout: float = 10.0,
    step: float = 0.02,
    note: Callable[[], object] | None = None,
) -> float:
    """Pause until ``what()`` is true; the seconds it took (``note()`` explains a failure)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not what():
        if loop.time() - start > timeout:
            extra = f"; {note()}" if note is not None else ""
            raise AssertionError(f"not true within {timeout} s: {what}{extra}")
        await pilot.pause(step)  # type: ignore[attr-defined]
    return loop.time() - start


async def live(pilot: object, app: PmoApp) -> None:
    """The first data is on screen and the watcher is live."""
    await until(pilot, lambda: app.snapshot is not None and not app.loading, 20)
    # the store opens after the first paint (in <folder>/.pmo-tui): a test that moves
    # the folder must not race it
    await until(pilot, lambda: app.triage_view.state != OPENING, 20)
    await until(
        pilot, lambda: app.watch_state is not None and app.watch_state.health is Health.LIVE
    )


def toasts(app: PmoApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def gutter(grid: Grid, key: str) -> str:
    """The first character of ``key``'s line as painted (the change mark lives there)."""
    position = grid.visible_keys().index(key)
    line = grid.render_line(position + 1 - round(grid.scroll_y))
    return line.text[0]


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def set_p02_forecast(folder: Path, value: int) -> None:
    path = folder / "projects.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for n, line in enumerate(lines):
        if line.startswith("P-02,"):
            cells = line.split(",")
            cells[10] = str(value)
            lines[n] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")


async def test_a_saved_file_shows_up_marked_with_a_toast_and_the_cursor_stays(
    folder: Path,
) -> None:
    app = live_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        await pilot.press("enter")  # programme PRG-A: P-01, P-02, P-03
        await until(pilot, lambda: app.screen.query("#main-grid"))
        grid = app.screen.query_one("#main-grid", Grid)
        await until(pilot, lambda: grid.total_count == 3)
        await pilot.press("j", "j")
        assert grid.cursor_key == "P-03"
        before = grid.row("P-02")
        assert before is not None and "GRN" in before.cells[0]

        # P-02 forecasts 300k on a 200k budget: over the 10% tolerance, so red
        set_p02_forecast(folder, 300000)
        took = await until(pilot, lambda: "RED" in grid.row("P-02").cells[0])  # type: ignore[union-attr]
        assert took < 2.0
        assert grid.cursor_key == "P-03"  # the cursor did not move
        assert "rag" in grid.changed_at["P-02"]
        assert "P-01" not in grid.changed_at and "P-03" not in grid.changed_at
        assert gutter(grid, "P-02") == "▌" and gutter(grid, "P-01") == " "
        red = app.screen.query_one("#red-grid", Grid)
        assert "P-02" in red.visible_keys() and "P-02" in red.changed_at  # a new red item
        await until(pilot, lambda: toasts(app))
        assert toasts(app) == ["projects.csv reloaded: 1 project changed, P-02 now red"]
        assert app.status_info.alarm is None

        # the mark fades, then ends; afterwards no timer wakes the app
        await until(pilot, lambda: gutter(grid, "P-02") == "╎", timeout=4)
        await until(pilot, lambda: gutter(grid, "P-02") == " ", timeout=4)
        await until(pilot, lambda: grid.changed_at == {}, timeout=1)
        clock = HighlightClock.of(app)
        await pilot.pause(0.3)
        assert not clock.active
        wakeups = clock.wakeups
        await pilot.pause(1.0)
        assert clock.wakeups == wakeups


def test_an_app_that_marked_a_change_is_freed_after_it_exits(folder: Path) -> None:
    """The highlight clock must not keep its app (its screens, its data) alive: it did,
    as the value of a weak-keyed registry, for every app that ever marked a change.

    Synchronous on purpose: the event loop's executor threads (Textual's thread
    workers) hold the app's captured stderr until the loop is closed. Alembic is
    imported first: imported inside a running app (the store's first migration),
    its ``Config(stdout=sys.stdout)`` default keeps that app's captured stdout.
    """
    import gc
    import weakref

    import alembic.config  # noqa: F401  (see the docstring)

    async def run() -> weakref.ref[PmoApp]:
        app = live_app(folder)
        async with app.run_test(size=(120, 40)) as pilot:
            await live(pilot, app)
            set_p02_forecast(folder, 999_999)
            grid = app.screen.query_one("#main-grid", Grid)
            await until(pilot, lambda: grid.changed_at != {})  # a mark: the clock runs
            assert HighlightClock.of(app).active
        return weakref.ref(app)

    gone = asyncio.run(run())
    gc.collect()
    assert gone() is None, "the app and everything it showed outlived its run"


async def test_cursor_filter_and_sort_survive_changes_streaming_in(folder: Path) -> None:
    app = live_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.query(Grid))
        grid = app.screen.query_one(Grid)
        await until(pilot, lambda: grid.total_count > 0)
        grid.sort_by("owner", reverse=True)
        await pilot.press("slash", *"risk", "enter")
        await until(pilot, lambda: grid.filter_text == "risk")
        await pilot.pause()
        keys = grid.visible_keys()
        assert keys and all("risk" in grid.row(k).search_text() for k in keys)  # type: ignore[union-attr]
        grid.move_to_key(keys[-1])
        cursor = grid.cursor_key
        issues = folder / "issues.csv"
        for n in range(1, 6):
            rewrite(
                issues,
                f"Permit objection{'' if n == 1 else f' v{n - 1}'}",
                f"Permit objection v{n}",
            )
            await until(
                pilot,
                lambda n=n: (
                    f"Permit objection v{n}" in grid.row("I-04").cells[grid.column_index("title")]
                ),  # type: ignore[union-attr,misc]
            )
            assert grid.filter_text == "risk"
            assert (grid.sort_key, grid.sort_reverse) == ("owner", True)
            assert grid.visible_keys() == keys
            assert grid.cursor_key == cursor
            assert "title" in grid.changed_at["I-04"]
        assert "Permit objection v5" in screen_text(app)


async def test_a_corrupt_file_keeps_the_old_values_and_raises_the_banner(folder: Path) -> None:
    app = live_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        grid = app.screen.query_one("#main-grid", Grid)
        rows_before = [grid.row(k).cells for k in grid.visible_keys()]  # type: ignore[union-attr]
        costs = folder / "costs.csv"
        good = costs.read_bytes()
        costs.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 64)  # binary, not a CSV
        await until(pilot, lambda: "STALE" in screen_text(app) and "▮ stale" in screen_text(app))
        assert [grid.row(k).cells for k in grid.visible_keys()] == rows_before  # type: ignore[union-attr]
        text = screen_text(app)
        assert "⚠ STALE costs, last good rows shown: costs.csv: is a damaged" in text
        assert "▮ stale: costs" in text
        await until(pilot, lambda: any("costs.csv unreadable" in t for t in toasts(app)), 5)

        costs.write_bytes(good)  # repaired
        await until(pilot, lambda: "STALE" not in screen_text(app))
        assert app.status_info.alarm is None
        await until(pilot, lambda: any("readable again" in t for t in toasts(app)), 5)


async def test_a_hundred_rapid_writes_cost_a_few_refreshes_and_end_on_the_last(
    folder: Path,
) -> None:
    app = live_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.query(Grid))
        grid = app.screen.query_one(Grid)
        await until(pilot, lambda: grid.total_count > 0)
        started = app.refresh_count
        issues = folder / "issues.csv"
        original = issues.read_text(encoding="utf-8")
        for n in range(100):
            issues.write_text(
                original.replace("Vendor late", f"Vendor late #{n}"), encoding="utf-8"
            )
            await asyncio.sleep(0.002)
        title = grid.column_index("title")
        await until(pilot, lambda: grid.row("I-01").cells[title] == "Vendor late #99", 10)  # type: ignore[union-attr]
        await pilot.pause(0.5)  # nothing else is queued behind it
        refreshes = app.refresh_count - started
        assert 1 <= refreshes <= 10, refreshes
        assert app.pending_change is None and not app.refreshing
        assert grid.row("I-01").cells[title] == "Vendor late #99"  # type: ignore[union-attr]


async def test_the_folder_deleted_and_recreated_shows_the_banner_then_recovers(
    folder: Path,
) -> None:
    app = live_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        aside = folder.with_name("aside")
        folder.rename(aside)
        await until(pilot, lambda: app.status_info.alarm is not None, 10)
        info = app.status_info
        assert info.health in ("reconnecting", "failed")
        assert (info.alarm or "").startswith("⚠ RECONNECTING") or "NOT WATCHING" in (
            info.alarm or ""
        )
        await until(pilot, lambda: "⚠" in screen_text(app))
        rewrite(aside / "programmes.csv", "Energy transition", "Energy transition 2.0")
        aside.rename(folder)
        await until(pilot, lambda: app.status_info.alarm is None, 20)
        assert app.status_info.health == "live"
        grid = app.screen.query_one("#main-grid", Grid)
        await until(pilot, lambda: "Energy transition 2.0" in grid.row("PRG-C").cells[1])  # type: ignore[union-attr]
        assert "Energy transition 2.0" in screen_text(app)


class VanishingFolder(WatchedFolder):
    """The real folder source; right after its first read the folder is moved away (a
    sync tool replacing it, an officer renaming it), before the triage store opens."""

    def __init__(self, folder: Path, aside: Path) -> None:
        super().__init__(folder)
        self.aside = aside
        self.vanished = False

    def load(self) -> Portfolio:
        portfolio = super().load()
        if not self.vanished:
            self.vanished = True
            self.folder.rename(self.aside)
        return portfolio


async def test_triage_comes_back_when_the_data_folder_does(folder: Path) -> None:
    aside = folder.with_name("aside")
    source = VanishingFolder(folder, aside)
    app = PmoApp(Options(source=str(folder)), source, error_log=folder.parent / "errors.log")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.triage_view.state == OFF, 20)
        assert "is gone" in app.triage_view.reason
        assert app.write_refusal() is not None  # nothing can be saved meanwhile
        assert not folder.exists()  # the store did not recreate it
        assert any("Triage is off" in text for text in toasts(app))
        aside.rename(folder)
        await until(pilot, lambda: app.triage_view.state == OPEN, 20)
        assert app.write_refusal() is None
        assert (folder / ".pmo-tui" / "store.sqlite").is_file()
        await until(pilot, lambda: any("Triage is on again" in t for t in toasts(app)))


async def test_triage_comes_on_when_a_locked_store_is_released(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the store file locked past the busy timeout as the app
    starts: triage is off for now, says it will try again, and comes on by itself."""
    import sqlite3

    from pmo_tui.store import engine as engines

    monkeypatch.setattr(engines, "BUSY_TIMEOUT_S", 0.3)  # the real wait is 5 s
    store_file = folder / ".pmo-tui" / "store.sqlite"
    store_file.parent.mkdir()
    holder = sqlite3.connect(store_file, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a new, empty file: the app must switch it to WAL
    try:
        app = live_app(folder)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.triage_view.state == OFF, 20)
            assert "locked" in app.triage_view.reason
            assert "trying again" in app.triage_view.reason
            assert app.write_refusal() is not None
            holder.execute("ROLLBACK")
            await until(pilot, lambda: app.triage_view.state == OPEN, 20)
            assert app.write_refusal() is None
            await until(pilot, lambda: any("Triage is on again" in t for t in toasts(app)))
    finally:
        holder.close()


async def test_the_watcher_stops_when_the_app_exits(folder: Path) -> None:
    app = live_app(folder)
    source = app.source
    assert isinstance(source, WatchedFolder)
    async with app.run_test(size=(80, 24)) as pilot:
        await live(pilot, app)
        assert not source.watch_ended.is_set()
        await pilot.press("q")
    assert source.watch_ended.wait(2.0), "the watcher was still running after exit"


async def test_data_older_than_stale_after_raises_the_banner_on_time(folder: Path) -> None:
    """Frozen data loaded at FROZEN; the app's clock runs from four seconds before
    the 24 h stale_after (room for a slow start on a busy CI machine): the banner
    appears by itself, with no event."""
    start = time.monotonic()

    def clock() -> datetime:
        return (
            FROZEN + timedelta(hours=24, seconds=-4) + timedelta(seconds=time.monotonic() - start)
        )

    app = PmoApp(
        Options(source=str(folder)),
        FrozenSource(folder),
        clock=clock,
        error_log=folder.parent / "errors.log",
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and not app.loading)
        assert app.status_info.alarm is None
        assert "DATA IS OLD" not in screen_text(app)
        await until(pilot, lambda: "DATA IS OLD" in screen_text(app), 10)
        assert app.status_info.alarm_level == "warning"
        assert "last read 24 h ago (alarm after 24 h)" in (app.status_info.alarm or "")


async def test_milestone_forecasts_are_recorded_in_the_store(folder: Path) -> None:
    from pmo_tui.store import open_store

    store = open_store(None, source=str(folder))
    app = live_app(folder)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await live(pilot, app)
            if getattr(app, "store", None) is None:
                app.store = store  # type: ignore[attr-defined]  # before the triage store lands
                app.record_forecasts(app.snapshot)  # type: ignore[arg-type]
            await until(pilot, lambda: app.forecasts_recorded >= 1)
            first = open_store(None, source=str(folder))
            history = first.forecast_history(milestone_ids=["M-05"])
            assert list(history["forecast_date"].astype(str)) == ["2026-08-20"]
            first.close()
            recorded = app.forecasts_recorded
            rewrite(
                folder / "milestones.csv",
                "M-05,P-05,Permit granted,2026-07-25,2026-08-20",
                "M-05,P-05,Permit granted,2026-07-25,2026-09-15",
            )
            await until(pilot, lambda: app.forecasts_recorded > recorded)
            # an issues change records nothing: the milestones did not change
            recorded = app.forecasts_recorded
            rewrite(folder / "issues.csv", "Vendor late", "Vendor very late")
            await until(
                pilot, lambda: "Vendor very late" in set(app.snapshot.portfolio["issues"]["title"])
            )  # type: ignore[union-attr]
            await pilot.pause(0.3)
            assert app.forecasts_recorded == recorded
        check = open_store(None, source=str(folder))
        history = check.forecast_history(milestone_ids=["M-05"])
        # the same report date (as_of 2026-06-30): the day's row holds the last forecast
        assert list(history["forecast_date"].astype(str)) == ["2026-09-15"]
        check.close()
    finally:
        store.close()


async def test_history_folder_backfills_the_trend_at_start(folder: Path, tmp_path: Path) -> None:
    from pmo_tui.store import open_store

    history = tmp_path / "history"
    for day, forecast in (("2026-04-30", "2026-08-01"), ("export-20260531", "2026-08-10")):
        snap = write_fixture(history / day)
        rewrite(
            snap / "milestones.csv",
            "M-05,P-05,Permit granted,2026-07-25,2026-08-20",
            f"M-05,P-05,Permit granted,2026-07-25,{forecast}",
        )
    (history / "notes").mkdir()
    app = live_app(folder, history=history)
    async with app.run_test(size=(120, 30)) as pilot:
        await live(pilot, app)
        wanted = "milestone forecasts from 2 snapshots"
        await until(
            pilot, lambda: any(wanted in t for t in toasts(app)), 20, note=lambda: toasts(app)
        )
        message = next(t for t in toasts(app) if "snapshots" in t)
        assert "(2026-04-30 to 2026-05-31)" in message and "skipped 1 folders" in message
    store = open_store(None, source=str(folder))
    try:
        dates = [d.isoformat() for d in store.report_dates()]
        assert dates[:2] == ["2026-04-30", "2026-05-31"]
        history_rows = store.forecast_history(milestone_ids=["M-05"])
        forecasts = dict(
            zip(
                history_rows["report_date"].astype(str),
                history_rows["forecast_date"].astype(str),
                strict=True,
            )
        )
        assert forecasts["2026-04-30"] == "2026-08-01" and forecasts["2026-05-31"] == "2026-08-10"
    finally:
        store.close()


def test_a_read_only_copy_does_not_backfill(folder: Path, tmp_path: Path) -> None:
    from pmo_tui.screens.live import backfill_history

    app = live_app(folder, read_only=True)
    message, severity = backfill_history(app, tmp_path)
    assert severity == "warning" and "read-only" in message
    assert not (folder / ".pmo-tui").exists()


async def test_changes_during_a_refresh_become_one_follow_up_refresh(folder: Path) -> None:
    app = make_app(folder)  # frozen source: no watcher; changes are requested by hand
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and not app.refreshing)
        started = app.refresh_count
        app.request_refresh(Change(frozenset({"issues"}), causes=("issues.csv",)))
        for name in ("costs", "milestones", "costs", "issues"):
            app.request_refresh(Change(frozenset({name}), causes=(f"{name}.csv",)))
        assert app.refreshing
        pending = app.pending_change
        assert pending is not None
        assert pending.tables == {"costs", "milestones", "issues"}
        assert pending.causes == ("costs.csv", "milestones.csv", "issues.csv")
        await until(pilot, lambda: not app.refreshing and app.pending_change is None)
        assert app.refresh_count - started == 2


async def test_the_refresh_key_says_when_nothing_changed(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and not app.loading)
        await pilot.press("r")
        await until(pilot, lambda: toasts(app), 5)
        assert toasts(app) == ["Refreshed: nothing changed"]


def test_missing_folder_for_history_is_a_usage_error(folder: Path, tmp_path: Path) -> None:
    from pmo_tui.errors import SourceUnavailable
    from pmo_tui.screens.live import check_before_ui

    with pytest.raises(SourceUnavailable, match="no such folder"):
        check_before_ui(FolderSource(folder), Options(history=tmp_path / "nope"))


async def test_a_save_that_changes_nothing_still_moves_checked(folder: Path) -> None:
    app = live_app(folder)
    async with app.run_test(size=(120, 30)) as pilot:
        await live(pilot, app)
        checked = app.last_checked
        assert checked is not None
        await asyncio.sleep(1.1)  # "checked" shows seconds
        issues = folder / "issues.csv"
        issues.write_text(issues.read_text(encoding="utf-8"), encoding="utf-8")
        await until(pilot, lambda: app.last_checked is not None and app.last_checked > checked)
        stamp = app.last_checked.strftime("%H:%M:%S")  # type: ignore[union-attr]
        # the status bar says "checked 08:15:01", or "chk 08:15:01" when it is tight
        await until(pilot, lambda: re.search(rf"(checked|chk) {stamp}", screen_text(app)))
        await pilot.pause(0.5)
        assert toasts(app) == []  # nothing changed: nothing to say
        grid = app.screen.query_one("#main-grid", Grid)
        assert grid.changed_at == {}


async def test_the_screen_under_a_drill_down_shows_the_latest_check_when_back(
    folder: Path,
) -> None:
    """A refresh updates the status bar of the screen on view only (the ones under it
    repainted the whole terminal each time); going back brings the portfolio's up to date."""
    app = live_app(folder)
    async with app.run_test(size=(120, 30)) as pilot:
        await live(pilot, app)
        portfolio = app.screen
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not portfolio and app.screen.query("#main-grid"))
        checked = app.last_checked
        assert checked is not None
        await asyncio.sleep(1.1)  # "checked" shows seconds
        rewrite(folder / "programmes.csv", "Energy transition", "Energy transition (new)")
        await until(pilot, lambda: app.last_checked is not None and app.last_checked > checked)
        stamp = app.last_checked.strftime("%H:%M:%S")  # type: ignore[union-attr]
        await until(pilot, lambda: re.search(rf"(checked|chk) {stamp}", screen_text(app)))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is portfolio)
        await until(pilot, lambda: re.search(rf"(checked|chk) {stamp}", screen_text(app)))
        grid = app.screen.query_one("#main-grid", Grid)
        await until(pilot, lambda: "(new)" in grid.row("PRG-C").cells[1])  # type: ignore[union-attr]


async def test_a_live_change_under_a_drill_down_repaints_only_what_changed(
    folder: Path,
) -> None:
    """Nothing of the screens below (the status bar, the key bar after the triage store
    noted the new issues) makes the terminal repaint the whole screen on view: Textual
    composes the screen below as a background, and updating it did, after every change."""
    from textual._compositor import LayoutUpdate

    app = live_app(folder)
    updates: list[object] = []
    display = app._display

    def recording(screen: Any, renderable: Any) -> None:
        updates.append(renderable)
        display(screen, renderable)

    app._display = recording  # type: ignore[method-assign]
    async with app.run_test(size=(120, 30)) as pilot:
        await live(pilot, app)
        await pilot.press("enter")  # programme PRG-A, over the portfolio screen
        await until(pilot, lambda: app.screen.query("#main-grid"))
        grid = app.screen.query_one("#main-grid", Grid)
        await until(pilot, lambda: grid.total_count == 3)
        await pilot.pause(1.0)
        updates.clear()
        rewrite(folder / "issues.csv", "Vendor late", "Vendor late again")
        await until(pilot, lambda: bool(toasts(app)), 5)  # the refresh, and the store's news
        await pilot.pause(1.0)
        assert updates, "nothing was painted"
        assert not [u for u in updates if isinstance(u, LayoutUpdate)]


async def test_polling_chosen_by_the_officer_shows_and_delivers(folder: Path) -> None:
    source = FolderSource(folder, poll=0.2)
    app = PmoApp(
        Options(source=str(folder), poll=0.2), source, error_log=folder.parent / "errors.log"
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and not app.loading, 20)
        await until(pilot, lambda: app.status_info.health == "polling")
        await until(pilot, lambda: "◌ polling" in screen_text(app))
        assert toasts(app) == []  # asked for: no warning
        rewrite(folder / "programmes.csv", "Energy transition", "Energy transition (polled)")
        grid = app.screen.query_one("#main-grid", Grid)
        await until(pilot, lambda: "(polled)" in grid.row("PRG-C").cells[1], 5)  # type: ignore[union-attr]
        assert app.status_info.alarm is None


class Overtaken(WatchedFolder):
    """A writer that goes on right after the watcher handed its file over early.

    The file is handed over early only when its writer's close is not known (a
    close releases it settled), so the watcher here does without closes.
    """

    watch_settings = replace(DEFAULT_SETTINGS, trust_closes=False)

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.overtaken = threading.Event()

    def refresh_early(self, previous: Portfolio, change: Change) -> Provisional:
        read = super().refresh_early(previous, change)
        held = any(h.name == "projects.csv" and h.until is not None for h in change.holds)
        if held and not self.overtaken.is_set():
            self.overtaken.set()
            set_p02_forecast(self.folder, 250000)  # before its quiet time is over
        return read


async def test_a_file_overtaken_while_it_settles_never_reaches_the_screen(folder: Path) -> None:
    source = Overtaken(folder)
    app = PmoApp(Options(source=str(folder)), source, error_log=folder.parent / "errors.log")
    shown: list[float] = []
    apply = app.apply_snapshot

    def record(snapshot: Snapshot) -> bool:
        projects = snapshot.portfolio["projects"].set_index("project_id")
        shown.append(float(projects.loc["P-02", "forecast_cost"]))
        return apply(snapshot)

    app.apply_snapshot = record  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        first = shown[-1]
        set_p02_forecast(folder, 300000)
        await until(pilot, lambda: shown[-1] == 250000, note=lambda: shown)
        assert source.overtaken.is_set(), "the watcher did not hand the save over early"
        assert 300000 not in shown, "a read of a file that moved on was shown"
        assert shown[0] == first != 250000


async def test_a_refresh_builds_the_open_projects_tabs_off_the_ui_thread(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a project screen a saved issues.csv shows in its issues tab, and the tab rows
    were built in the load worker: the UI thread only swaps them in."""
    import pmo_tui.screens.project as project_screen

    built_on: list[str] = []
    issue_rows = project_screen.issue_rows

    def recording(*args: Any, **kwargs: Any) -> Any:
        built_on.append(threading.current_thread().name)
        return issue_rows(*args, **kwargs)

    monkeypatch.setattr(project_screen, "issue_rows", recording)
    app = live_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        await pilot.press("enter", "enter", "4")  # PRG-A, P-01, its issues tab
        grid = app.screen.query_one("#issue-grid", Grid)
        await until(pilot, lambda: grid.row("I-02") is not None)
        built_on.clear()
        rewrite(folder / "issues.csv", "Scope creep", "Scope creep again")
        await until(pilot, lambda: "Scope creep again" in grid.row("I-02").cells)  # type: ignore[union-attr]
        assert built_on and threading.main_thread().name not in built_on, built_on


async def test_the_overview_shows_costs_that_changed_while_another_tab_was_open(
    folder: Path,
) -> None:
    """The overview tab is filled when it is opened, not on every refresh behind
    another tab (its figures asked for a repaint of the whole screen): a costs.csv
    saved while the officer reads the costs tab shows in the overview's AC."""
    from pmo_tui.widgets.figures import FigureBlock

    app = live_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        await pilot.press("enter", "enter")  # PRG-A, P-01: its overview
        evm = app.screen.query_one("#evm", FigureBlock)

        def ac() -> str:
            return {f.label: f.value for f in evm.figures}.get("AC", "")

        await until(pilot, lambda: ac() != "")
        before = ac()
        await pilot.press("3")  # the costs tab
        grid = app.screen.query_one("#cost-grid", Grid)
        await until(pilot, lambda: grid.row("2026-06") is not None)
        rewrite(folder / "costs.csv", "P-01,2026-06,24000.00,staff", "P-01,2026-06,924000.00,staff")
        await until(pilot, lambda: "€924,000" in grid.row("2026-06").cells)  # type: ignore[union-attr]
        assert ac() == before  # not filled behind the costs tab
        await pilot.press("1")
        await until(pilot, lambda: ac() != before, note=lambda: (before, ac()))
        assert app.screen.query_one("#overview-scroll").region.height > 0
