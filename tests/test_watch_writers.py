"""A writer's close as the sign a file is done: real files, a real inotify, an explicit clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmo_tui.sources.stability import Hold, Settler, Stat
from pmo_tui.sources.writers import Writers, open_writers

ROWS = "issue_id,title\nI-1,First\n"


@pytest.fixture
def writers(tmp_path: Path) -> Iterator[Writers]:
    found = open_writers(tmp_path)
    if found is None:
        pytest.skip("no inotify here")
    yield found
    found.close()


def settler(writers: Writers, *, early: bool = True) -> Settler:
    return Settler(settle=0.05, incomplete_quiet=0.5, early=early, writers=writers)


def test_writers_follow_a_write_to_its_close(tmp_path: Path, writers: Writers) -> None:
    path = tmp_path / "issues.csv"
    with path.open("w") as handle:
        handle.write(ROWS)
        handle.flush()
        writers.drain()
        writing = writers.last("issues.csv")
        assert writing is not None and not writing.closed, "open and written: being written"
    writers.drain()
    done = writers.last("issues.csv")
    assert done is not None and done.closed and done.seq > writing.seq


def test_a_rename_in_is_done_and_a_delete_forgets(tmp_path: Path, writers: Writers) -> None:
    (tmp_path / "issues.csv.tmp").write_text(ROWS)
    os.replace(tmp_path / "issues.csv.tmp", tmp_path / "issues.csv")
    writers.drain()
    renamed = writers.last("issues.csv")
    assert renamed is not None and renamed.closed
    assert writers.last("issues.csv.tmp") is None, "the temp name was renamed away"
    (tmp_path / "issues.csv").unlink()
    writers.drain()
    assert writers.last("issues.csv") is None


def test_a_folder_that_goes_away_leaves_nothing_known(tmp_path: Path) -> None:
    folder = tmp_path / "portfolio"
    folder.mkdir()
    found = open_writers(folder)
    if found is None:
        pytest.skip("no inotify here")
    try:
        (folder / "issues.csv").write_text(ROWS)
        (folder / "issues.csv").unlink()
        folder.rmdir()
        found.drain()
        assert found.lost and found.last("issues.csv") is None
    finally:
        found.close()


def test_an_overflowed_queue_forgets_every_close(tmp_path: Path, writers: Writers) -> None:
    """Events were dropped: a close read before the overflow may be out of date."""
    (tmp_path / "issues.csv").write_text(ROWS)
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    for i in range(limit + 10):  # each empty file: a close after writing
        (tmp_path / f"f{i}").touch()
    writers.drain()
    assert writers.last("issues.csv") is None
    assert not writers.lost, "the watch itself still works"
    (tmp_path / "issues.csv").write_text(ROWS)
    writers.drain()
    again = writers.last("issues.csv")
    assert again is not None and again.closed


def test_a_file_its_writer_closed_is_released_at_once_settled(
    tmp_path: Path, writers: Writers
) -> None:
    path = tmp_path / "issues.csv"
    path.write_text(ROWS)
    s = settler(writers)
    s.touch("issues.csv", path, now=0.0)
    assert s.poll(0.0) == [Hold("issues.csv", Stat.of(path))], "no quiet time, nothing held"


def test_a_file_still_open_is_neither_read_early_nor_after_the_quiet_time(
    tmp_path: Path, writers: Writers
) -> None:
    path = tmp_path / "issues.csv"
    with path.open("w") as handle:
        handle.write(ROWS)  # ends at a line break: it looks complete
        handle.flush()
        s = settler(writers)
        s.touch("issues.csv", path, now=0.0)
        assert s.poll(0.0) == [], "not read early while a writer has it open"
        assert s.poll(0.1) == [], "nor after the usual quiet time"
        assert s.poll(0.6) == [], "nor after the quiet time of a file cut mid-row"
    assert s.poll(0.65) == [Hold("issues.csv", Stat.of(path))], "read once it is closed"


def test_a_file_left_open_is_read_after_max_wait(tmp_path: Path, writers: Writers) -> None:
    path = tmp_path / "issues.csv"
    with path.open("w") as handle:
        handle.write(ROWS)
        handle.flush()
        s = Settler(settle=0.05, incomplete_quiet=0.5, max_wait=2.0, early=True, writers=writers)
        s.touch("issues.csv", path, now=0.0)
        assert s.poll(1.0) == [], "a pause of a second, still open: not read"
        assert s.poll(1.95) == []
        assert [h.name for h in s.poll(2.0)] == ["issues.csv"], "a writer that never closes"


def test_a_file_only_created_or_linked_says_nothing(tmp_path: Path, writers: Writers) -> None:
    """A symlink or hard link made in the folder has no writer to wait for."""
    elsewhere = tmp_path / "exports"
    elsewhere.mkdir()
    (elsewhere / "issues.csv").write_text(ROWS)
    writers.drain()
    (tmp_path / "issues.csv").symlink_to(elsewhere / "issues.csv")
    os.link(elsewhere / "issues.csv", tmp_path / "projects.csv")
    writers.drain()
    assert writers.last("issues.csv") is None and writers.last("projects.csv") is None


def test_a_close_acted_on_does_not_release_the_file_again(tmp_path: Path, writers: Writers) -> None:
    """A change seen with no writer event (a rescan) is settled by the quiet time."""
    path = tmp_path / "issues.csv"
    path.write_text(ROWS)
    s = settler(writers, early=False)
    s.touch("issues.csv", path, now=0.0)
    assert len(s.poll(0.0)) == 1
    s.touch("issues.csv", path, now=10.0)
    assert s.poll(10.0) == [], "the close was acted on already"
    assert [h.name for h in s.poll(10.05)] == ["issues.csv"]


def test_a_save_right_after_a_close_release_settles_the_usual_way(
    tmp_path: Path, writers: Writers
) -> None:
    """A burst of saves: the first close is trusted, the rest wait, so the burst costs little."""
    path = tmp_path / "issues.csv"
    path.write_text(ROWS)
    s = settler(writers, early=False)
    s.touch("issues.csv", path, now=0.0)
    assert len(s.poll(0.0)) == 1
    path.write_text(ROWS + "I-2,Second\n")
    s.touch("issues.csv", path, now=0.01)
    assert s.poll(0.01) == [], "changed again within its quiet time: not trusted at once"
    assert s.poll(0.1) == [], "one change seen: the doubled quiet time"
    assert [h.name for h in s.poll(0.12)] == ["issues.csv"]
