"""When a changed file may be read: the settling rules, on real files, with an explicit clock."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from pmo_tui.sources.stability import Hold, Settler, Stat, looks_complete, wait_for_holds
from pmo_tui.sources.tempfiles import is_ignored


def settler(*, early: bool = False) -> Settler:
    return Settler(
        settle=0.05,
        max_quiet=1.0,
        incomplete_quiet=0.5,
        delete_grace=0.4,
        max_wait=10.0,
        early=early,
    )


def bump(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_quiet_complete_file_is_ready_after_two_stats(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    path.write_text("a,b\n1,2\n")
    s = settler()
    s.touch("issues.csv", path, now=0.0)
    assert s.poll(0.02) == [], "not before the settle time"
    ready = s.poll(0.05)
    assert [h.name for h in ready] == ["issues.csv"]
    assert ready[0].stat == Stat.of(path)
    assert len(s) == 0


def test_each_change_seen_while_waiting_doubles_the_quiet_time(tmp_path: Path) -> None:
    path = tmp_path / "costs.csv"
    bump(path, "a\n1\n", 1_000_000_000)
    s = settler()
    s.touch("costs.csv", path, now=0.0)
    bump(path, "a\n1\n2\n", 2_000_000_000)
    assert s.poll(0.05) == []  # changed since the event: wait again, longer
    assert s.poll(0.14) == [], "after one observed change it needs 0.1 s of quiet"
    assert [h.name for h in s.poll(0.16)] == ["costs.csv"]


def test_a_csv_cut_mid_row_waits_for_the_incomplete_quiet(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    path.write_text("issue_id,title\nI-1,Fir")
    s = settler()
    s.touch("issues.csv", path, now=0.0)
    assert s.poll(0.05) == []
    assert s.poll(0.3) == []
    assert [h.name for h in s.poll(0.5)] == ["issues.csv"], "read anyway once quiet long enough"


def test_a_missing_file_is_reported_only_after_the_grace(tmp_path: Path) -> None:
    path = tmp_path / "issues.xlsx"
    s = settler()
    s.touch("issues.xlsx", path, now=0.0)  # deleted (first half of Excel's save)
    assert s.poll(0.2) == []
    assert s.poll(0.39) == []
    assert s.poll(0.41) == [Hold("issues.xlsx", None)]


def test_a_file_back_within_the_grace_is_a_replace(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    s = settler()
    s.touch("issues.csv", path, now=0.0)
    assert s.poll(0.1) == []
    path.write_text("a\n1\n")  # the rename landed
    assert s.poll(0.15) == []  # seen changing: wait for quiet
    ready = s.poll(0.3)
    assert [h.name for h in ready] == ["issues.csv"] and ready[0].stat is not None


def test_a_file_that_never_settles_is_read_after_max_wait(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    s = settler()
    s.touch("issues.csv", path, now=0.0)
    t = 0.0
    for i in range(200):
        t = 0.05 * (i + 1)
        bump(path, f"a\n{i}\n", 1_000_000_000 + i)
        if s.poll(t):
            break
    assert 9.9 <= t <= 10.05


def test_a_complete_looking_file_may_be_read_while_its_quiet_time_runs(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    path.write_text("a,b\n1,2\n")
    s = settler(early=True)
    s.touch("issues.csv", path, now=3.0)
    assert s.poll(3.0) == [Hold("issues.csv", Stat.of(path), until=3.05)]
    assert len(s) == 0


def test_a_file_that_changes_within_its_hold_settles_the_usual_way(tmp_path: Path) -> None:
    path = tmp_path / "costs.csv"
    bump(path, "a\n1\n", 1_000_000_000)
    s = settler(early=True)
    s.touch("costs.csv", path, now=0.0)
    s.poll(0.0)  # released early at once, as the first batch ended on a line break
    bump(path, "a\n1\n2\n", 2_000_000_000)
    s.touch("costs.csv", path, now=0.02)  # more came within its quiet time: released too soon
    assert s.poll(0.02) == [], "so now it settles the usual way"
    bump(path, "a\n1\n2\n3\n", 3_000_000_000)
    s.touch("costs.csv", path, now=0.03)
    assert s.poll(0.2) == [], "two changes seen: four times the quiet time"
    assert [h.until for h in s.poll(0.24)] == [None]


def test_a_file_cut_mid_row_then_completed_is_held_for_the_doubled_quiet_time(
    tmp_path: Path,
) -> None:
    path = tmp_path / "costs.csv"
    bump(path, "a\n1\n2", 1_000_000_000)  # a large write, seen halfway
    s = settler(early=True)
    s.touch("costs.csv", path, now=0.0)
    assert s.poll(0.0) == []
    bump(path, "a\n1\n2\n", 2_000_000_000)
    s.touch("costs.csv", path, now=0.01)
    (held,) = s.poll(0.01)
    assert held.stat == Stat.of(path)
    assert held.until == pytest.approx(0.01 + 0.1), "seen growing: twice the quiet time"


def test_a_file_cut_mid_row_or_empty_is_not_read_early(tmp_path: Path) -> None:
    cut, empty = tmp_path / "issues.csv", tmp_path / "costs.csv"
    cut.write_text("issue_id,title\nI-1,Fir")
    empty.write_bytes(b"")
    s = settler(early=True)
    s.touch("issues.csv", cut, now=0.0)
    s.touch("costs.csv", empty, now=0.0)
    assert s.poll(0.0) == []
    assert s.poll(0.05) == [], "the usual rules still apply to them"


def test_holds_wait_for_the_quiet_time_and_name_the_files_that_moved(tmp_path: Path) -> None:
    still, moved = tmp_path / "issues.csv", tmp_path / "costs.csv"
    bump(still, "a\n1\n", 1_000_000_000)
    bump(moved, "a\n1\n", 1_000_000_000)
    holds = [
        Hold("issues.csv", Stat.of(still), until=10.5),
        Hold("costs.csv", Stat.of(moved), until=10.2),
        Hold("plan.csv", None),  # settled (here: gone) files are not held
    ]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        bump(moved, "a\n1\n2\n", 2_000_000_000)  # a writer went on meanwhile

    changed = wait_for_holds(tmp_path, holds, clock=lambda: 10.0, sleep=sleep)
    assert slept == [pytest.approx(0.5)], "until the last quiet time is over"
    assert [h.name for h in changed] == ["costs.csv"]
    assert wait_for_holds(tmp_path, [holds[0]], clock=lambda: 11.0, sleep=sleep) == []
    assert slept == [pytest.approx(0.5)], "no wait once the quiet time is over"


def test_next_check_is_none_when_idle_and_short_while_settling(tmp_path: Path) -> None:
    s = settler()
    assert s.next_check(0.0) is None
    s.touch("x.csv", tmp_path / "x.csv", now=1.0)
    check = s.next_check(1.0)
    assert check == pytest.approx(0.05)


def test_looks_complete(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    csv.write_bytes(b"a,b\r\n1,2\r\n")
    assert looks_complete(csv, csv.stat().st_size)
    csv.write_bytes(b"a,b\r\n1,")
    assert not looks_complete(csv, csv.stat().st_size)
    csv.write_bytes(b"")
    assert not looks_complete(csv, 0), "an empty file is usually a copy that has not started"

    book = tmp_path / "a.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>" * 1000)
    whole = book.read_bytes()
    assert looks_complete(book, len(whole))
    book.write_bytes(whole[: len(whole) // 2])
    assert not looks_complete(book, len(whole) // 2), (
        "a zip without its central directory is cut off"
    )

    xml = tmp_path / "plan.xml"
    xml.write_text("<Project><Tasks></Tasks></Project>\n")
    assert looks_complete(xml, xml.stat().st_size)
    xml.write_text("<Project><Tasks><Ta")
    assert not looks_complete(xml, xml.stat().st_size)

    other = tmp_path / "pmo-tui.toml"
    other.write_text("x = 1")
    assert looks_complete(other, other.stat().st_size)


@pytest.mark.parametrize(
    "name",
    [
        "~$Budget.xlsx",
        ".~lock.Budget.xlsx#",
        "Budget.tmp",
        "A1B2C3D4",
        "a1b2c3d4",
        ".DS_Store",
        ".pmo-tui",
        "costs.csv~",
        "costs.csv.part",
        "bad\udcffname.csv",
        "~WRL0001.tmp",
        "",
    ],
)
def test_lock_temp_and_hidden_names_are_ignored(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize(
    "name",
    [
        "issues.csv",
        "Budget.xlsx",
        "pmo-tui.toml",
        "plan.xml",
        "A1B2C3D4.csv",
        "A1B2C3D",
        "Projecten 2026.xlsx",
    ],
)
def test_table_names_are_not_ignored(name: str) -> None:
    assert not is_ignored(name)


def test_the_quiet_time_of_a_local_file_counts_from_its_own_last_write(tmp_path: Path) -> None:
    """With inotify the watcher reports a write only after watchfiles' quiet step, so the
    file has been quiet since its mtime, not since the report: it is trusted sooner."""
    path = tmp_path / "issues.csv"
    bump(path, "a,b\n1,2\n", 1_000_000_000_000)  # written at wall time 1000.0
    s = Settler(settle=0.04, early=True, mtime_quiet=0.05, wall=lambda: 1000.015)
    s.touch("issues.csv", path, now=7.0)  # reported 15 ms after the write
    (held,) = s.poll(7.0)
    assert held.until == pytest.approx(7.0 - 0.015 + 0.05), "50 ms after the write itself"
    assert held.until < 7.0 + 0.04, "sooner than 40 ms after the report"


def test_the_mtime_does_not_count_from_another_clock_or_after_a_change(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    bump(path, "a,b\n1,2\n", 1_000_000_000_000)
    # a share's clock ahead of ours: an mtime in the future says nothing
    ahead = Settler(settle=0.04, early=True, mtime_quiet=0.05, wall=lambda: 999.9)
    ahead.touch("issues.csv", path, now=7.0)
    assert [h.until for h in ahead.poll(7.0)] == [pytest.approx(7.04)]
    # polling (no inotify): no mtime_quiet, counted from the report
    polled = Settler(settle=0.04, early=True, wall=lambda: 1000.5)
    polled.touch("issues.csv", path, now=7.0)
    assert [h.until for h in polled.poll(7.0)] == [pytest.approx(7.04)]
    # seen growing while pending: the doubled quiet time, counted from the last change
    growing = Settler(settle=0.04, early=True, mtime_quiet=0.05, wall=lambda: 1000.5)
    bump(path, "a,b\n1,2", 1_000_000_000_000)
    growing.touch("issues.csv", path, now=7.0)
    assert growing.poll(7.0) == [], "cut mid-row: not read early"
    bump(path, "a,b\n1,2\n", 1_000_400_000_000)
    growing.touch("issues.csv", path, now=7.01)
    assert [h.until for h in growing.poll(7.01)] == [pytest.approx(7.01 + 0.08)]
