"""Reloading: only what changed is re-read, and a broken file never blanks good data."""

from __future__ import annotations

import io
import os
import random
import time
from pathlib import Path

import pytest
import xlsxwriter

from pmo_tui.model import TABLES
from pmo_tui.sources.base import Change
from pmo_tui.sources.folder import FolderSource

PROJECTS = "project_id,name,budget\nP1,Alpha,100\nP2,Beta,200\n"
COSTS = "project_id,period,amount\nP1,2024-01,10\nP2,2024-01,20\n"


def write(path: Path, text: str | bytes) -> None:
    """Write and move the mtime on, as a save by another program would."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    later = time.time() + 2
    os.utime(path, (later, later))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "projects.csv").write_text(PROJECTS, encoding="utf-8")
    (tmp_path / "costs.csv").write_text(COSTS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def source(folder: Path):
    src = FolderSource(folder)
    yield src
    src.close()


def test_source_describes_itself(folder: Path, source: FolderSource) -> None:
    assert source.description == str(folder)
    assert source.folder == folder
    assert source.options.size_cap == 256 * 1024 * 1024
    demo = FolderSource(folder, demo=True)
    assert demo.description == "demo portfolio"


def test_refresh_rereads_only_the_named_tables(folder: Path, source: FolderSource) -> None:
    first = source.load()
    write(folder / "projects.csv", PROJECTS.replace("Alpha", "Alpha v2"))
    write(folder / "costs.csv", COSTS.replace(",10\n", ",11\n"))
    second = source.refresh(first, Change(tables=frozenset({"costs"})))
    assert second["costs"]["amount"].tolist() == [11.0, 20.0]
    assert second["projects"]["name"].tolist() == ["Alpha", "Beta"]  # not re-read yet
    assert second.changed_since(first) == {"costs"}
    assert second.states["projects"].frame is first.states["projects"].frame
    third = source.refresh(second, Change())  # empty means everything
    assert third["projects"]["name"].tolist() == ["Alpha v2", "Beta"]


def test_an_unknown_project_is_reported_on_its_new_line_after_a_blank_line_above_it(
    folder: Path, source: FolderSource
) -> None:
    """The rows are the same, only their lines moved: the problem follows its row."""
    write(folder / "costs.csv", COSTS + "PX,2024-02,5\n")
    first = source.load()
    assert [(p.rule, p.row) for p in first.reference_problems] == [("unknown-reference", 4)]
    write(folder / "costs.csv", COSTS.replace("\nP1,", "\n,,\nP1,") + "PX,2024-02,5\n")
    second = source.refresh(first, Change(tables=frozenset({"costs"})))
    assert [(p.rule, p.row) for p in second.reference_problems] == [("unknown-reference", 5)]


def test_corrupt_file_keeps_the_last_good_rows_marked_stale(
    folder: Path, source: FolderSource
) -> None:
    first = source.load()
    write(folder / "costs.csv", random.Random(7).randbytes(4000) + b"\x00" * 100)
    second = source.refresh(first, Change(tables=frozenset({"costs"})))
    assert second["costs"]["amount"].tolist() == [10.0, 20.0]
    state = second.states["costs"]
    assert state.stale and "costs.csv" in state.stale
    assert state.loaded_at == first.states["costs"].loaded_at
    assert state.checked_at is not None and state.checked_at > state.loaded_at
    assert second.stale == {"costs": state.stale}
    assert [p.rule for p in state.problems] == ["binary-file"]
    # fixed again: fresh rows, no longer stale
    write(folder / "costs.csv", COSTS.replace(",20\n", ",21\n"))
    third = source.refresh(second, Change(tables=frozenset({"costs"})))
    assert third["costs"]["amount"].tolist() == [10.0, 21.0]
    assert third.states["costs"].stale is None and third.problems == ()


def test_missing_column_after_an_export_change_keeps_the_last_good_rows(
    folder: Path, source: FolderSource
) -> None:
    first = source.load()
    write(folder / "projects.csv", "id,title\nP1,Alpha\n")
    second = source.refresh(first, Change(tables=frozenset({"projects"})))
    assert second["projects"]["project_id"].tolist() == ["P1", "P2"]
    assert second.states["projects"].stale
    assert "missing-column" in [p.rule for p in second.problems]


def test_vanished_file_keeps_the_last_good_rows(folder: Path, source: FolderSource) -> None:
    first = source.load()
    (folder / "costs.csv").unlink()
    second = source.refresh(first, Change(tables=frozenset({"costs"})))
    assert second["costs"]["amount"].tolist() == [10.0, 20.0]
    assert "gone" in second.states["costs"].stale
    # a delete followed by a create is a replace
    write(folder / "costs.csv", COSTS.replace(",10\n", ",12\n"))
    third = source.refresh(second, Change(tables=frozenset({"costs"})))
    assert third["costs"]["amount"].tolist() == [12.0, 20.0]
    assert third.states["costs"].stale is None


def test_truncated_workbook_mid_save_keeps_the_last_good_rows(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("projects")
    for r, row in enumerate([["project_id", "name", "budget"], ["P1", "A", 1], ["P2", "B", 2]]):
        sheet.write_row(r, 0, row)
    book.close()
    data = buffer.getvalue()
    (tmp_path / "projects.xlsx").write_bytes(data)
    source = FolderSource(tmp_path)
    first = source.load()
    write(tmp_path / "projects.xlsx", data[: len(data) // 3])
    second = source.refresh(first, Change(tables=frozenset({"projects"})))
    assert second["projects"]["project_id"].tolist() == ["P1", "P2"]
    assert second.states["projects"].stale


def test_table_never_seen_and_unreadable_is_absent_with_its_problem(
    folder: Path, source: FolderSource
) -> None:
    first = source.load()
    write(folder / "issues.csv", b"\x00\x01\x02" * 1000)
    second = source.refresh(first, Change(tables=frozenset({"issues"})))
    assert not second.states["issues"].present
    assert second["issues"].empty
    assert [p.rule for p in second.states["issues"].problems] == ["binary-file"]


def test_new_file_is_picked_up_even_when_the_change_names_other_tables(
    folder: Path, source: FolderSource
) -> None:
    first = source.load()
    write(folder / "issues.csv", "issue_id,project_id,title\nI1,P1,New\n")
    second = source.refresh(first, Change(tables=frozenset({"costs"})))
    assert second["issues"]["title"].tolist() == ["New"]


def test_tables_for_changed_paths(folder: Path, source: FolderSource) -> None:
    (folder / "risks.xlsx").write_bytes(b"")  # named after a table alias
    source.load()
    assert source.tables_for([folder / "costs.csv"]) == {"costs"}
    assert source.tables_for([folder / "projects.csv", folder / "costs.csv"]) == {
        "projects",
        "costs",
    }
    assert source.tables_for([folder / "pmo-tui.toml"]) == frozenset(TABLES)
    assert (
        source.tables_for(
            [
                folder / "~$costs.xlsx",
                folder / ".~lock.costs.csv#",
                folder / "costs.csv.tmp",
                folder / ".hidden",
            ]
        )
        == frozenset()
    )
    assert source.tables_for([folder / "milestones.csv"]) == {"milestones"}  # a new file
    assert source.tables_for([folder / "Mijlpalen.CSV"]) == {"milestones"}
    assert source.tables_for([folder / "P-042.xml"]) == {"milestones", "projects"}
    assert source.tables_for([folder / "portfolio.xlsx"]) == frozenset(TABLES)
    assert source.tables_for([folder / "README.md"]) == frozenset()
    assert source.tables_for([folder]) == frozenset(TABLES)


def test_tables_for_a_workbook_with_sheets(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "portfolio.xlsx"))
    book.add_worksheet("projects").write_row(0, 0, ["project_id", "name", "budget"])
    book.add_worksheet("issues").write_row(0, 0, ["issue_id", "project_id", "title"])
    book.close()
    source = FolderSource(tmp_path)
    source.load()
    assert source.tables_for([tmp_path / "portfolio.xlsx"]) == {"projects", "issues"}


def test_config_change_reloads_everything_with_the_new_mapping(folder: Path) -> None:
    (folder / "kosten.txt").write_text(
        "project_id;period;amount\nP1;2024-02;99\n", encoding="utf-8"
    )
    source = FolderSource(folder)
    first = source.load()
    assert first["costs"]["amount"].tolist() == [10.0, 20.0]
    write(folder / "pmo-tui.toml", '[files]\ncosts = "kosten.txt"\n')
    second = source.refresh(first, Change(tables=frozenset({"projects"})))
    assert second["costs"]["amount"].tolist() == [99.0]
    assert source.config.source.files == {"costs": "kosten.txt"}


def test_broken_config_is_a_problem_and_defaults_are_used(folder: Path) -> None:
    (folder / "pmo-tui.toml").write_text("[source\nthis is not toml", encoding="utf-8")
    portfolio = FolderSource(folder).load()
    assert [p.rule for p in portfolio.source_problems] == ["config"]
    assert len(portfolio["projects"]) == 2


def test_refresh_of_an_unchanged_folder_changes_nothing(folder: Path, source: FolderSource) -> None:
    first = source.load()
    second = source.refresh(first, Change())
    assert second.changed_since(first) == frozenset()
    assert second.last_checked >= first.last_checked


def test_missing_projects_table_is_reported(tmp_path: Path) -> None:
    (tmp_path / "costs.csv").write_text(COSTS, encoding="utf-8")
    portfolio = FolderSource(tmp_path).load()
    assert "missing-table" in [p.rule for p in portfolio.source_problems]


def test_tables_for_accepts_relative_and_absolute_paths(folder: Path, monkeypatch) -> None:
    monkeypatch.chdir(folder.parent)
    source = FolderSource(Path(folder.name))
    source.load()
    assert source.tables_for([folder / "costs.csv"]) == {"costs"}
    assert source.tables_for([Path(folder.name) / "costs.csv"]) == {"costs"}
    assert source.tables_for([str(folder / "projects.csv")]) == {"projects"}
    assert source.tables_for([folder / "pmo-tui.toml"]) == frozenset(TABLES)
