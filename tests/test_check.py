"""``pmo-tui check SOURCE [--json]``: the report, its JSON form and its exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pmo_tui.checking import SCHEMA, run_check
from pmo_tui.errors import SourceUnavailable
from pmo_tui.options import Options


def check(folder: Path, *, as_json: bool = False, config: Path | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = run_check(Options(source=str(folder), config=config), as_json=as_json, out=out)
    return code, out.getvalue()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmo_tui", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def clean_folder(path: Path) -> Path:
    path.mkdir()
    (path / "projects.csv").write_text(
        "project_id,name,budget\nP1,A,10\nP2,B,20\n", encoding="utf-8"
    )
    (path / "issues.csv").write_text("issue_id,project_id,title\nI1,P1,x\n", encoding="utf-8")
    return path


def test_clean_folder_exits_0_with_row_counts(tmp_path: Path) -> None:
    code, text = check(clean_folder(tmp_path / "data"))
    assert code == 0
    assert "projects           2 loaded       0 rejected  from projects.csv" in text
    assert "costs       absent" in text
    assert text.rstrip().endswith(
        "summary: clean: 3 rows loaded, 0 rejected; 0 error(s), 0 warning(s) in 0 file(s)"
    )


def test_warnings_alone_exit_0_but_are_printed(tmp_path: Path) -> None:
    folder = clean_folder(tmp_path / "data")
    (folder / "projects.csv").write_text(
        "project_id,name,budget,colour\nP1,A,10,red\n", encoding="utf-8"
    )
    code, text = check(folder)
    assert code == 0
    assert "warning: file: column(s) 'colour' are not part of projects" in text


def test_data_problems_exit_1_grouped_by_file_with_row_column_value_rule(tmp_path: Path) -> None:
    folder = clean_folder(tmp_path / "data")
    (folder / "projects.csv").write_text(
        "project_id,name,Begroting\nP1,A,10\nP2,B,veel\nP1,C,3\n", encoding="utf-8"
    )
    (folder / "costs.csv").write_bytes(b"\x00\x01\x02\x03garbage")
    code, text = check(folder)
    assert code == 1
    assert "projects           1 loaded       2 rejected" in text
    assert (
        "projects.csv: 2 error(s), 0 warning(s)\n"
        "  error: row 3, column 'Begroting': not a number (value 'veel') [bad-number]\n"
        "  error: row 4, column 'project_id': project_id 'P1' is already used on row 2; "
        "this row is skipped, the first is kept (value 'P1') [duplicate-id]\n"
    ) in text
    assert "costs.csv: 1 error(s)" in text and "[binary-file]" in text
    assert "summary: problems found: 2 rows loaded, 2 rejected; 3 error(s)" in text


def test_json_report_structure(tmp_path: Path) -> None:
    folder = clean_folder(tmp_path / "data")
    (folder / "issues.csv").write_text(
        "issue_id,project_id,title,severity\nI1,P1,x,9\n", encoding="utf-8"
    )
    code, text = check(folder, as_json=True)
    data = json.loads(text)
    assert code == 1 == data["exit_code"]
    assert data["schema"] == SCHEMA
    assert data["source"] == str(folder)
    assert data["config"] is None
    assert data["summary"] == {
        "errors": 1,
        "warnings": 0,
        "rows_loaded": 2,
        "rows_rejected": 1,
        "tables_present": 2,
        "files_with_problems": 1,
    }
    assert data["tables"]["projects"] == {
        "present": True,
        "origin": "projects.csv",
        "loaded": 2,
        "rejected": 0,
        "stale": None,
    }
    assert data["tables"]["issues"]["rejected"] == 1
    [entry] = data["files"]
    assert entry["file"] == "issues.csv" and entry["errors"] == 1
    [problem] = entry["problems"]
    assert problem == {
        "file": "issues.csv",
        "rule": "unknown-value",
        "row": 2,
        "column": "severity",
        "value": "9",
        "table": "issues",
        "severity": "error",
        "message": problem["message"],
    }
    assert "severity" in problem["message"]


def test_hostile_text_never_reaches_the_terminal_raw(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "projects.csv").write_text(
        'project_id,name,budget\nP1,"\x1b]52;c;ZXZpbA==\x07[@click=app.quit]x[/]",\x1b[31mbad\x1b[0m\n',
        encoding="utf-8",
    )
    for as_json in (False, True):
        code, text = check(folder, as_json=as_json)
        assert code == 1
        assert "\x1b" not in text and "\x07" not in text
    code, text = check(folder)
    assert "(value 'bad')" in text


def test_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        check(tmp_path / "nope")
    (tmp_path / "file.csv").write_text("x", encoding="utf-8")
    with pytest.raises(SourceUnavailable):
        check(tmp_path / "file.csv")


def test_cli_exit_codes(tmp_path: Path) -> None:
    folder = clean_folder(tmp_path / "data")
    assert cli(str(folder)).returncode == 0
    (folder / "projects.csv").write_text("project_id,name,budget\nP1,A,-5\n", encoding="utf-8")
    bad = cli(str(folder), "--json")
    # the negative budget, and the issue that now points at a rejected project
    assert bad.returncode == 1 and json.loads(bad.stdout)["summary"]["errors"] == 2
    missing = cli(str(tmp_path / "missing"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'missing'}: no such folder"
    assert "Traceback" not in missing.stderr


def test_check_names_the_config_used(tmp_path: Path) -> None:
    folder = clean_folder(tmp_path / "data")
    (folder / "pmo-tui.toml").write_text("[source]\nmoney_unit = 1000\n", encoding="utf-8")
    _, text = check(folder)
    assert f"config: {folder / 'pmo-tui.toml'}" in text


def test_stale_tables_are_marked_in_the_report(tmp_path: Path) -> None:
    from pmo_tui.checking import report
    from pmo_tui.sources.base import Change
    from pmo_tui.sources.folder import FolderSource

    folder = clean_folder(tmp_path / "data")
    source = FolderSource(folder)
    first = source.load()
    (folder / "issues.csv").write_bytes(b"\x00" * 100)
    second = source.refresh(first, Change(tables=frozenset({"issues"})))
    result = report(second, config=None)
    assert result["tables"]["issues"]["stale"]
    assert result["tables"]["issues"]["loaded"] == 1
    assert result["exit_code"] == 1
