"""Live reloads end to end below the UI: the real FolderSource, its watcher, and refresh.

What the screen will show is exactly what ``refresh(previous, change)`` returns
for each ``Change`` the watcher yields, so these tests drive that loop the way
the app's worker does and assert on the portfolios.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pmo_tui.demo import write_demo
from pmo_tui.model import Portfolio
from pmo_tui.sources.base import Change, Health, WatchState, refresh_early
from pmo_tui.sources.folder import FolderSource
from pmo_tui.sources.stability import Hold, Stat
from pmo_tui.sources.watch import WatchSettings, watch_folder


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(
        tmp_path_factory.mktemp("demo") / "small", size="small", seed=42, as_of=date(2026, 11, 30)
    )


@pytest.fixture
def folder(small_demo: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "portfolio"
    shutil.copytree(small_demo, copy, ignore=shutil.ignore_patterns(".pmo-tui"))
    return copy


class Live:
    """load(), then watch and refresh in a worker thread; every portfolio is queued."""

    def __init__(self, folder: Path) -> None:
        self.source = FolderSource(folder)
        self.portfolio = self.source.load()
        self.stop = threading.Event()
        self.out: queue.Queue[tuple[Change | WatchState, Portfolio | None] | BaseException] = (
            queue.Queue()
        )
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            settings = WatchSettings(backoff_initial=0.1, backoff_cap=0.5)
            for item in watch_folder(self.source, self.stop, settings=settings):
                if isinstance(item, Change):
                    self.portfolio = self.source.refresh(self.portfolio, item)
                    self.out.put((item, self.portfolio))
                else:
                    self.out.put((item, None))
        except BaseException as exc:
            self.out.put(exc)

    def next_refresh(self, timeout: float = 2.0) -> tuple[Change, Portfolio]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = self.out.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(got, BaseException):
                raise AssertionError(f"the live loop died: {got!r}") from got
            item, portfolio = got
            if isinstance(item, Change) and portfolio is not None:
                return item, portfolio
        raise AssertionError(f"no refresh within {timeout}s")

    def refreshes(self, duration: float) -> list[Portfolio]:
        out: list[Portfolio] = []
        deadline = time.monotonic() + duration
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = self.out.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(got, tuple) and got[1] is not None:
                out.append(got[1])
        return out

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=3)
        assert not self.thread.is_alive()


@pytest.fixture
def live(folder: Path) -> Iterator[Live]:
    running = Live(folder)
    got = running.out.get(timeout=3)
    assert isinstance(got, tuple) and isinstance(got[0], WatchState)
    assert got[0].health is Health.LIVE
    yield running
    running.close()


def replace_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(tmp, path)


def test_an_edited_export_reloads_only_its_table(live: Live, folder: Path) -> None:
    before = live.portfolio
    title = str(before["issues"]["title"].iloc[0])
    replace_text(folder / "issues.csv", title, "Escalated to the board")
    started = time.monotonic()
    change, after = live.next_refresh()
    assert time.monotonic() - started < 1.0
    assert change.tables == {"issues"} and change.causes == ("issues.csv",)
    assert "Escalated to the board" in set(after["issues"]["title"])
    assert after.changed_since(before) == {"issues"}
    assert after["costs"] is before["costs"]


def test_a_corrupt_file_over_a_good_one_keeps_the_old_rows_marked_stale(
    live: Live, folder: Path
) -> None:
    good = live.portfolio
    rows = len(good["milestones"])
    tmp = folder / "milestones.incoming"
    tmp.write_bytes(b"\x00\x00\x00\x00PK\x03\x04\x14\x00 binary garbage \xff\xfe\xfd" * 200 + b"\n")
    os.replace(tmp, folder / "milestones.csv")
    _, broken = live.next_refresh()
    assert len(broken["milestones"]) == rows, "a broken file must never blank good data"
    assert broken.stale.keys() == {"milestones"} and broken.stale["milestones"]
    assert broken.states["milestones"].loaded_at == good.states["milestones"].loaded_at, (
        "data as of stays the time of the last good load"
    )


def test_a_corrupt_file_then_a_good_export_recovers(
    live: Live, folder: Path, small_demo: Path
) -> None:
    tmp = folder / "issues.incoming"
    tmp.write_bytes(b"\xff\xfe\x00\x00" * 1000)
    os.replace(tmp, folder / "issues.csv")
    _, broken = live.next_refresh()
    assert "issues" in broken.stale
    shutil.copy(small_demo / "issues.csv", tmp)
    os.replace(tmp, folder / "issues.csv")
    _, fixed = live.next_refresh()
    assert fixed.stale == {}
    assert len(fixed["issues"]) == len(FolderSource(small_demo).load()["issues"])


def test_a_slow_copy_never_shows_a_half_loaded_table(
    live: Live, folder: Path, small_demo: Path
) -> None:
    full = (small_demo / "costs.csv").read_bytes()
    expected = len(live.portfolio["costs"])
    with (folder / "costs.csv").open("wb") as handle:
        for start in range(0, len(full), 4096):
            handle.write(full[start : start + 4096])
            handle.flush()
            time.sleep(0.03)
    refreshes = live.refreshes(2.0)
    assert refreshes, "the finished copy was never loaded"
    for portfolio in refreshes:
        assert len(portfolio["costs"]) == expected, "a refresh saw a partial costs.csv"
        assert not portfolio.problems or all(p.table != "costs" for p in portfolio.problems)


def test_a_deleted_table_file_and_its_return(live: Live, folder: Path, small_demo: Path) -> None:
    (folder / "plan.csv").unlink()
    change, without = live.next_refresh()
    assert change.tables == {"plan"}
    assert without["plan"].empty or "plan" in without.stale
    shutil.copy(small_demo / "plan.csv", folder / "plan.csv")
    _, back = live.next_refresh()
    assert len(back["plan"]) == len(FolderSource(small_demo).load()["plan"])


# -- files read while they settle (stability.Hold) ------------------------------------


def _held(folder: Path, name: str, seconds: float) -> Hold:
    """What the watcher hands over for a file released ``seconds`` before its quiet time ends."""
    return Hold(name, Stat.of(folder / name), until=time.monotonic() + seconds)


def test_a_file_read_while_it_settles_counts_once_it_held_still(folder: Path) -> None:
    source = FolderSource(folder)
    before = source.load()
    title = str(before["issues"]["title"].iloc[0])
    replace_text(folder / "issues.csv", title, "Read while it settled")
    hold = _held(folder, "issues.csv", 0.3)
    after = source.refresh(before, Change(tables=frozenset({"issues"}), holds=(hold,)))
    assert time.monotonic() >= hold.until, "not trusted before its quiet time is over"
    assert "Read while it settled" in set(after["issues"]["title"])
    assert after.stale == {}


def test_a_file_that_changes_while_it_settles_keeps_the_last_good_rows(folder: Path) -> None:
    """A writer that goes on after the release: what was read is dropped, nothing is stale,
    and the other table of the same change still loads."""
    source = FolderSource(folder)
    before = source.load()
    good_titles = list(before["issues"]["title"])
    replace_text(folder / "issues.csv", good_titles[0], "First half")
    projects = folder / "projects.csv"
    replace_text(projects, str(before["projects"]["name"].iloc[0]), "Renamed project")
    hold = _held(folder, "issues.csv", 0.4)
    text = (folder / "issues.csv").read_bytes()

    def keep_writing() -> None:
        time.sleep(0.1)
        with (folder / "issues.csv").open("ab") as handle:
            handle.write(text.splitlines(keepends=True)[1])  # more rows: not done yet

    writer = threading.Thread(target=keep_writing)
    writer.start()
    change = Change(
        tables=frozenset({"issues", "projects"}),
        holds=(hold, Hold("projects.csv", Stat.of(projects))),
    )
    after = source.refresh(before, change)
    writer.join()
    assert list(after["issues"]["title"]) == good_titles, "a file that moved on was trusted"
    assert after["issues"] is before["issues"]
    assert after.stale == {}, "nothing is wrong with the data: a newer change is on its way"
    assert "Renamed project" in set(after["projects"]["name"])


def test_a_held_file_that_moved_on_already_is_not_read(folder: Path) -> None:
    source = FolderSource(folder)
    before = source.load()
    hold = _held(folder, "issues.csv", 0.05)
    (folder / "issues.csv").write_text("issue_id,project_id,title\nI-1,P-0001,Half wr")
    after = source.refresh(before, Change(tables=frozenset({"issues"}), holds=(hold,)))
    assert after["issues"] is before["issues"], "a half-written file was read"
    assert after.stale == {}


def test_a_refresh_is_handed_over_before_its_files_settle(folder: Path) -> None:
    """The app computes the metrics of what was read while the quiet time runs out."""
    source = FolderSource(folder)
    before = source.load()
    replace_text(folder / "issues.csv", str(before["issues"]["title"].iloc[0]), "Early bird")
    hold = _held(folder, "issues.csv", 1.0)
    read = source.refresh_early(before, Change(tables=frozenset({"issues"}), holds=(hold,)))
    assert time.monotonic() < hold.until, "handed over only after the quiet time"
    assert "Early bird" in set(read.portfolio["issues"]["title"])
    assert read.confirm() is read.portfolio, "it held still: what was read is shown"
    assert time.monotonic() >= hold.until


def test_a_source_that_cannot_refresh_early_is_settled_at_once(folder: Path) -> None:
    class Plain:
        def __init__(self) -> None:
            self.inner = FolderSource(folder)

        def refresh(self, previous: Portfolio, change: Change) -> Portfolio:
            return self.inner.refresh(previous, change)

    plain = Plain()
    before = plain.inner.load()
    replace_text(folder / "issues.csv", str(before["issues"]["title"].iloc[0]), "Plain")
    read = refresh_early(plain, before, Change(tables=frozenset({"issues"})))  # type: ignore[arg-type]
    assert "Plain" in set(read.portfolio["issues"]["title"])
    assert read.confirm() is read.portfolio
