"""The table cache: an unchanged folder loads from it exactly as it reads from its files.

Real folders on disk, real cache entries in a private folder. Every folder is
loaded once to fill the cache and once more from it, and the two portfolios
must be the same to the dtype, row number and problem. The ways a cache goes
wrong get their own tests: a file rewritten with its old size and mtime, a
file changed just now, a damaged entry, another mapping, a folder others can
write to, a symlink that now points out of the data folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from pmo_tui.data import mapping
from pmo_tui.model import TABLES, Portfolio
from pmo_tui.sources.folder import FolderSource
from pmo_tui.sources.table_cache import ENV, TableCache

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


def load(folder: Path, cache: TableCache | None, config: Path | None = None) -> Portfolio:
    source = FolderSource(folder, config)
    source.cache = cache
    try:
        return source.load()
    finally:
        source.close()
        if cache is not None:
            cache.flush()


def twice(
    folder: Path, where: Path, config: Path | None = None
) -> tuple[Portfolio, Portfolio, TableCache]:
    """The folder read from its files (filling the cache), then from the cache."""
    filling = TableCache.open(where, margin=0)
    assert filling is not None
    first = load(folder, filling, config)
    assert filling.hits == 0 and filling.writes > 0
    reading = TableCache(where, margin=0)
    second = load(folder, reading, config)
    assert reading.hits == filling.writes, "every table should have come from the cache"
    assert reading.writes == 0
    return first, second, reading


def assert_same(a: Portfolio, b: Portfolio) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(a.frames[table], b.frames[table], check_exact=True)
        left, right = a.states[table], b.states[table]
        assert left.problems == right.problems, table
        assert left.origin == right.origin, table
        assert (left.rows is None) == (right.rows is None), table
        if left.rows is not None and right.rows is not None:
            np.testing.assert_array_equal(left.rows, right.rows)
            assert left.rows.dtype == right.rows.dtype
    assert a.problems == b.problems
    assert a.source_problems == b.source_problems


def test_the_bundled_demo_loads_from_the_cache_as_from_its_files(tmp_path: Path) -> None:
    first, second, _ = twice(DEMO, tmp_path / "cache")
    assert_same(first, second)
    assert len(second["costs"]) > 500
    # the demo's hostile title is still text, not markup, after the round trip
    assert second["projects"]["name"].str.contains("[WIP]", regex=False).any()


def _workbook(path: Path, rows: list[list[object]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Risico's")
    date_format = book.add_format({"num_format": "dd-mm-yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()


def messy_folder(folder: Path) -> Path:
    """Dutch Excel quirks, rejected rows, warnings, a workbook and ambiguous dates."""
    folder.mkdir()
    (folder / "projects.csv").write_bytes(
        (
            "Project ID;Naam;Programma;Begroting;Startdatum;Einddatum;Gereed %\r\n"
            "P-1;Dijkversterking \u201cZuid\u201d;PRG-A;1.250.000,50;01-02-2024;31-12-2025;40\r\n"
            'P-2;"Brug\r\nRijnkade";PRG-A;-5,00;01-03-2024;01-01-2024;120\r\n'
            "P-3;Sluis [WIP] \x1b[31mrood;PRG-B;abc;13-13-2024;31-12-2025;10\r\n"
            "P-1;dubbel;PRG-B;10,00;01-01-2024;01-01-2025;5\r\n"
            ";;;;;;\r\n"
            "P-4;Gemaal;PRG-B;250.000,00;15-01-2024;15-06-2026;\r\n"
        ).encode("cp1252")
    )
    (folder / "milestones.csv").write_text(
        "milestone_id,project_id,name,baseline_date,forecast_date,actual_date,key\n"
        "M-1,P-1,Ontwerp,03/04/2024,03/05/2024,,ja\n"  # ambiguous: the folder decides
        "M-2,P-4,Bouw,04/03/2025,,,nee\n"
        "M-3,P-9,Onbekend project,04/03/2025,,,nee\n",
        encoding="utf-8",
    )
    _workbook(
        folder / "issues.xlsx",
        [
            ["issue_id", "project_id", "title", "type", "severity", "status", "raised_date"],
            [
                "I-1",
                "P-1",
                "[@click=app.quit] Vergunning",
                "risk",
                "hoog",
                "open",
                dt.date(2024, 2, 1),
            ],
            ["I-2", "P-4", "Levering staal", "issue", "kritiek", "in behandeling", None],
            ["I-3", "P-4", "Geen status", "issue", "laag", "misschien", dt.date(2024, 5, 1)],
        ],
    )
    return folder


def test_a_messy_folder_loads_from_the_cache_with_the_same_rows_and_problems(
    tmp_path: Path,
) -> None:
    folder = messy_folder(tmp_path / "data")
    first, second, _ = twice(folder, tmp_path / "cache")
    assert_same(first, second)
    rules = {p.rule for p in second.problems}
    assert {"duplicate-id", "end-before-start", "negative-budget", "bad-number"} <= rules, rules
    assert {(p.file, p.row) for p in second.problems if p.rule == "duplicate-id"} == {
        ("projects.csv", 6)
    }
    assert second["issues"]["title"].tolist()[0] == "[@click=app.quit] Vergunning"


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("folder", "config"),
    [("us-itdashboard", "us-itdashboard"), ("uk-gmpp", "uk-gmpp"), ("mpxj-mspdi", None)],
)
def test_real_exports_load_from_the_cache_as_from_their_files(
    realdata: Path, tmp_path: Path, folder: str, config: str | None
) -> None:
    where = realdata / folder
    first, second, _ = twice(where, tmp_path / "cache", mapping(config) if config else None)
    assert_same(first, second)
    assert sum(len(second[t]) for t in TABLES) > 0


@pytest.mark.realdata
def test_the_messed_up_twin_keeps_all_its_problems_through_the_cache(
    realdata: Path, tmp_path: Path, messed_up_mapping: Path
) -> None:
    first, second, _ = twice(realdata / "us-itdashboard", tmp_path / "cache", messed_up_mapping)
    assert_same(first, second)
    assert len(second["projects"]) == 2465
    assert len([p for p in second.errors if p.rule == "blank-value"]) == 52


def test_a_file_rewritten_with_its_old_size_and_mtime_is_read_again(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DEMO, folder)
    where = tmp_path / "cache"
    twice(folder, where)
    projects = folder / "projects.csv"
    before = projects.stat()
    text = projects.read_text(encoding="utf-8")
    old = text.split("\n")[1].split(",")[1]
    new = "X" * len(old)
    projects.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(projects, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = projects.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    cache = TableCache(where, margin=0)
    portfolio = load(folder, cache)
    assert new in portfolio["projects"]["name"].tolist()
    assert old not in portfolio["projects"]["name"].tolist()
    assert cache.hits == 5  # every table but projects


def test_a_file_changed_just_now_is_not_stored(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DEMO, folder)  # copied now: a second write could share its timestamp
    cache = TableCache.open(tmp_path / "cache", margin=60)
    load(folder, cache)
    assert cache.writes == 0
    assert list((tmp_path / "cache").iterdir()) == []
    again = TableCache.open(tmp_path / "cache", margin=60)
    load(folder, again)
    assert again.hits == 0


def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    where = tmp_path / "cache"
    first, _, _ = twice(DEMO, where)
    entries = sorted(where.glob("*.arrow"))
    assert len(entries) == 6
    for i, entry in enumerate(entries):
        data = entry.read_bytes()
        # garbage, a truncated entry, and one with its data bytes flipped
        entry.write_bytes([b"not arrow", data[: len(data) // 2], data[:-64] + bytes(64)][i % 3])
    cache = TableCache(where, margin=0)
    damaged = load(DEMO, cache)
    assert_same(first, damaged)
    assert cache.writes == 6  # each damaged entry rewritten
    again = TableCache(where, margin=0)
    assert_same(first, load(DEMO, again))
    assert again.hits == 6


def test_another_mapping_does_not_use_entries_made_under_the_old_one(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "projects.csv").write_text(
        "project_id,name,budget,kosten\nP-1,Gemaal,100,1\nP-2,Sluis,200,2\n", encoding="utf-8"
    )
    where = tmp_path / "cache"
    first, _, _ = twice(folder, where)
    assert first["projects"]["budget"].tolist() == [100.0, 200.0]
    (folder / "pmo-tui.toml").write_text(
        '[columns.projects]\nbudget = "kosten"\n', encoding="utf-8"
    )
    cache = TableCache(where, margin=0)
    mapped = load(folder, cache)
    assert mapped["projects"]["budget"].tolist() == [1.0, 2.0]
    assert cache.hits == 0


def test_a_symlink_now_pointing_out_of_the_folder_is_refused_despite_its_entry(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    inside = folder / "exports"
    inside.mkdir()
    (inside / "projects-v1.csv").write_text("project_id,name,budget\nP-1,Gemaal,100\n")
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("project_id,name,budget\nP-1,Gemaal,100\n")
    (folder / "projects.csv").symlink_to(inside / "projects-v1.csv")
    where = tmp_path / "cache"
    twice(folder, where)
    (folder / "projects.csv").unlink()
    (folder / "projects.csv").symlink_to(outside)
    cache = TableCache(where, margin=0)
    portfolio = load(folder, cache)
    assert portfolio["projects"].empty
    assert [p.rule for p in portfolio.problems if p.table == "projects"] == ["outside-folder"]
    assert cache.hits == 0


def test_entries_are_readable_by_their_owner_alone(tmp_path: Path) -> None:
    twice(DEMO, tmp_path / "cache")
    modes = {entry.stat().st_mode & 0o777 for entry in (tmp_path / "cache").iterdir()}
    assert modes == {0o600}
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700


def test_the_cache_is_off_when_others_can_write_to_its_folder(tmp_path: Path) -> None:
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert TableCache.open(shared) is None
    private = tmp_path / "mine"
    assert TableCache.open(private) is not None
    assert private.stat().st_mode & 0o777 == 0o700


def test_an_empty_cache_variable_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "")
    assert FolderSource(DEMO).cache is None
    monkeypatch.setenv(ENV, str(tmp_path / "here"))
    source = FolderSource(DEMO)
    assert source.cache is not None and source.cache.directory == tmp_path / "here"


def test_check_reports_the_same_from_the_cache(tmp_path: Path) -> None:
    """Two runs of ``pmo-tui check --json`` on a folder with problems: the second run
    reads from the entries the first left, and reports the same."""
    folder = messy_folder(tmp_path / "data")
    old = 1_600_000_000_000_000_000
    for path in folder.iterdir():
        os.utime(path, ns=(old, old))
    where = tmp_path / "cache"
    env = {**os.environ, ENV: str(where)}

    def check() -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "pmo_tui", "check", str(folder), "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 1, done.stderr
        return json.loads(done.stdout)

    # ctime is "now" whatever mtime says, so the first run may not store: wait it out
    cached = TableCache(where)
    assert cached.margin <= 6
    time.sleep(cached.margin + 0.2)
    first = check()
    # written before the process exited: three files, the ambiguous one read twice
    assert len(list(where.glob("*.arrow"))) == 4
    second = check()
    assert first == second
    assert first["files"] and first["summary"]["errors"] > 0


def test_without_a_home_folder_there_is_no_cache_and_the_folder_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wall display run by a service account without a home: the data still shows."""
    monkeypatch.delenv(ENV)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "no-such-home" / "file"))
    (tmp_path / "no-such-home").write_text("a file where the home folder should be")
    source = FolderSource(DEMO)
    assert source.cache is None
    portfolio = source.load()
    source.close()
    assert len(portfolio["projects"]) > 0


def test_a_file_with_a_flood_of_problems_is_not_stored(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    lines = ["project_id,name,budget"] + [f"P-{i},Project {i},veel" for i in range(10_001)]
    (folder / "projects.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cache = TableCache.open(tmp_path / "cache", margin=0)
    portfolio = load(folder, cache)
    assert len([p for p in portfolio.problems if p.rule == "bad-number"]) == 10_001
    assert cache is not None and cache.writes == 0


def test_entries_are_written_when_the_process_exits_right_after_its_load(tmp_path: Path) -> None:
    """``check`` exits as soon as it has printed; the entries must still be written
    (pyarrow's thread pool is shut down before the exit handlers run)."""
    folder = tmp_path / "data"
    folder.mkdir()
    months = [f"{2000 + m // 12}-{1 + m % 12:02d}" for m in range(500)]
    for table in ("costs", "plan"):
        lines = (f"P-{i % 400},{months[i // 400]},{i}.5\n" for i in range(200_000))
        (folder / f"{table}.csv").write_text(
            "project_id,period,amount\n" + "".join(lines), encoding="utf-8"
        )
    where = tmp_path / "cache"
    time.sleep(TableCache(where).margin + 0.2)  # ctime is "now": wait until it may be kept
    script = (
        "import sys; from pmo_tui.sources.folder import FolderSource as F; F(sys.argv[1]).load()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, ENV: str(where)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "could not write" not in done.stderr, done.stderr
    cache = TableCache.open(where, margin=0)
    load(folder, cache)
    assert cache is not None and cache.hits == 2


def test_a_cache_folder_removed_while_running_is_made_again(tmp_path: Path) -> None:
    """A wall display runs for weeks; a cleaner may remove its cache meanwhile."""
    where = tmp_path / "cache"
    cache = TableCache.open(where, margin=0)
    assert cache is not None
    shutil.rmtree(where)
    load(DEMO, cache)
    assert cache.writes == 6
    assert where.stat().st_mode & 0o777 == 0o700
    again = TableCache.open(where, margin=0)
    load(DEMO, again)
    assert again is not None and again.hits == 6
