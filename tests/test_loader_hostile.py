"""Hostile files: never a crash, never a hang, always a clear problem, good tables still load."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from pmo_tui.problems import Severity
from pmo_tui.sources.folder import FolderSource

GOOD_PROJECTS = "project_id,name,budget\nP1,Alpha,100\nP2,Beta,200\n"
BOMB_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 2 else "") + ";") * 10}">'
        for i in range(2, 10)
    )
    + "]>\n"
)


def load(folder: Path, timeout: float = 20.0):
    """Load in a thread: a blocking open (a FIFO) must fail the test, not hang it."""
    result: dict[str, object] = {}

    def run() -> None:
        source = FolderSource(folder)
        try:
            result["portfolio"] = source.load()
        finally:
            source.close()

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"loading {folder} blocked for {timeout} s"
    result["seconds"] = time.monotonic() - started
    return result["portfolio"]


def problem(portfolio, file: str):
    found = [p for p in portfolio.problems if p.file == file]
    assert found, f"no problem reported for {file}: {portfolio.problems}"
    return found[0]


def good_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "projects.csv").write_text(GOOD_PROJECTS, encoding="utf-8")
    return folder


def xlsx_bytes(rows: list[list[object]], sheet: str = "Sheet1") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def test_binary_garbage_that_starts_with_an_angle_bracket_is_still_binary(
    tmp_path: Path,
) -> None:
    """Random bytes start with "<" once in 256 files: they are binary, not XML or CSV."""
    folder = good_folder(tmp_path)
    (folder / "costs.csv").write_bytes(b"<" + bytes(range(256)) * 16)
    portfolio = load(folder)
    p = problem(portfolio, "costs.csv")
    assert p.rule == "binary-file" and p.severity is Severity.ERROR


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_binary_garbage_behind_a_utf16_byte_order_mark_is_binary(
    tmp_path: Path, bom: bytes
) -> None:
    """Random bytes start with a UTF-16 byte order mark once in 32,768 files."""
    folder = good_folder(tmp_path)
    (folder / "costs.csv").write_bytes(bom + random.Random(3).randbytes(8000))
    portfolio = load(folder)
    p = problem(portfolio, "costs.csv")
    assert p.rule == "binary-file" and p.severity is Severity.ERROR


def test_binary_garbage_named_csv(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "costs.csv").write_bytes(bytes(range(256)) * 40)
    portfolio = load(folder)
    p = problem(portfolio, "costs.csv")
    assert p.rule == "binary-file" and p.severity is Severity.ERROR
    assert len(portfolio["projects"]) == 2
    assert not portfolio.states["costs"].present


def test_truncated_xlsx(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    data = xlsx_bytes([["issue_id", "project_id", "title"], ["I1", "P1", "x"]])
    (folder / "issues.xlsx").write_bytes(data[: len(data) // 2])
    portfolio = load(folder)
    p = problem(portfolio, "issues.xlsx")
    assert p.rule == "unreadable-file"
    assert "damaged or truncated" in p.message
    assert len(portfolio["projects"]) == 2


def test_encrypted_xlsx(tmp_path: Path) -> None:
    # Password-protected OOXML is an OLE2/CFB container, not a ZIP
    folder = good_folder(tmp_path)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    (folder / "milestones.xlsx").write_bytes(header + b"\x00" * 4000)
    portfolio = load(folder)
    p = problem(portfolio, "milestones.xlsx")
    assert p.rule == "encrypted-file" and "password" in p.message


def test_xml_entity_bomb_inside_xlsx(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    source = zipfile.ZipFile(
        io.BytesIO(xlsx_bytes([["issue_id", "project_id", "title"], ["I1", "P1", "boom"]]))
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/sharedStrings.xml":
                text = data.decode("utf-8").split("?>", 1)[1]
                data = (BOMB_DTD + text.replace(">boom<", ">&lol9;<")).encode("utf-8")
            bomb.writestr(name, data)
    (folder / "issues.xlsx").write_bytes(out.getvalue())
    portfolio = load(folder)
    p = problem(portfolio, "issues.xlsx")
    assert p.rule == "unsafe-xml"
    assert len(portfolio["projects"]) == 2


def test_xml_entity_bomb_as_ms_project_file(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "P1.xml").write_text(
        BOMB_DTD + '<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol9;</Name>'
        "<Tasks/></Project>",
        encoding="utf-8",
    )
    portfolio = load(folder)
    p = problem(portfolio, "P1.xml")
    assert p.rule == "unsafe-xml"
    assert len(portfolio["projects"]) == 2


def test_xml_bomb_with_the_namespace_early_is_refused_as_unsafe(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "P1.xml").write_text(
        '<?xml version="1.0"?><!-- xmlns="http://schemas.microsoft.com/project" -->\n'
        + BOMB_DTD.split("\n", 1)[1]
        + '<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol9;</Name></Project>',
        encoding="utf-8",
    )
    portfolio = load(folder)
    p = problem(portfolio, "P1.xml")
    assert p.rule == "unsafe-xml" and p.severity is Severity.ERROR


def test_zip_bomb_workbook_is_refused_before_unpacking(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "pmo-tui.toml").write_text("[source]\nsize_cap_mb = 1\n", encoding="utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/worksheets/sheet1.xml", b"0" * (8 * 1024 * 1024))
    (folder / "costs.xlsx").write_bytes(out.getvalue())
    portfolio = load(folder)
    p = problem(portfolio, "costs.xlsx")
    assert p.rule == "too-large" and "ZIP bomb" in p.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_like_a_table_does_not_block(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    os.mkfifo(folder / "issues.csv")
    os.mkfifo(folder / "Jira export.csv")  # also probed for Jira headers
    portfolio = load(folder, timeout=10)
    p = problem(portfolio, "issues.csv")
    assert p.rule == "not-regular-file" and "FIFO" in p.message
    assert len(portfolio["projects"]) == 2


def test_symlink_out_of_the_folder_is_refused_but_inside_is_fine(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    secret = tmp_path / "secret.csv"
    secret.write_text("issue_id,project_id,title\nI1,P1,leaked\n", encoding="utf-8")
    (folder / "issues.csv").symlink_to(secret)
    (folder / "real_costs.data").write_text("project_id,period,amount\nP1,2024-01,5\n")
    (folder / "costs.csv").symlink_to(folder / "real_costs.data")
    portfolio = load(folder)
    p = problem(portfolio, "issues.csv")
    assert p.rule == "outside-folder"
    assert not portfolio.states["issues"].present
    assert portfolio["costs"]["amount"].tolist() == [5.0]


def test_symlink_to_a_directory_and_a_dangling_symlink(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "sub").mkdir()
    (folder / "plan.csv").symlink_to(folder / "sub")
    (folder / "costs.csv").symlink_to(folder / "nowhere.csv")
    portfolio = load(folder)
    assert problem(portfolio, "plan.csv").rule == "not-regular-file"
    assert problem(portfolio, "costs.csv").rule in {"file-gone", "unreadable-file"}


def test_file_over_the_size_cap(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "pmo-tui.toml").write_text("[source]\nsize_cap_mb = 0.01\n", encoding="utf-8")
    (folder / "costs.csv").write_text(
        "project_id,period,amount\n" + "P1,2024-01,1\n" * 2000, encoding="utf-8"
    )
    portfolio = load(folder)
    p = problem(portfolio, "costs.csv")
    assert p.rule == "too-large" and "size_cap_mb" in p.message
    assert len(portfolio["projects"]) == 2


def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "costs.csv").write_bytes(b"")
    (folder / "plan.csv").write_bytes(b"\r\n \n\t\n")
    portfolio = load(folder)
    assert problem(portfolio, "costs.csv").rule == "empty-file"
    assert problem(portfolio, "plan.csv").rule == "empty-file"


def test_header_only_file_is_an_empty_table_with_a_warning(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "issues.csv").write_text("issue_id,project_id,title\n", encoding="utf-8")
    portfolio = load(folder)
    assert portfolio.states["issues"].present and portfolio["issues"].empty
    p = problem(portfolio, "issues.csv")
    assert p.rule == "no-rows" and p.severity is Severity.WARNING


def test_nul_bytes_are_removed_with_a_warning_and_rows_load(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "issues.csv").write_bytes(
        b"issue_id,project_id,title\nI1,P1,Fi\x00ne\nI2,P2,Also fine\n"
    )
    portfolio = load(folder)
    assert portfolio["issues"]["title"].tolist() == ["Fine", "Also fine"]
    p = problem(portfolio, "issues.csv")
    assert p.rule == "nul-bytes" and p.row == 2 and p.severity is Severity.WARNING


def test_absurdly_long_line(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "issues.csv").write_text(
        "issue_id,project_id,title\nI1,P1," + "A" * 5_000_000 + "\nI2,P2,short\n",
        encoding="utf-8",
    )
    portfolio = load(folder)
    assert portfolio["issues"]["issue_id"].tolist() == ["I2"]
    p = problem(portfolio, "issues.csv")
    assert p.rule == "cell-too-long" and p.row == 2


def test_lock_temp_and_hidden_files_are_ignored_silently(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    for name in (
        "~$Budget.xlsx",
        ".~lock.projects.csv#",
        "projects.csv.tmp",
        ".hidden.csv",
        "A1B2C3D4",
        "projects.csv~",
        "~projects.tmp",
    ):
        (folder / name).write_bytes(b"\x00garbage\xff")
    (folder / ".pmo-tui").mkdir()
    (folder / ".pmo-tui" / "store.sqlite").write_bytes(b"SQLite format 3\x00")
    portfolio = load(folder)
    assert portfolio.problems == ()
    assert len(portfolio["projects"]) == 2


def test_old_xls_file_is_reported(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "costs.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    p = problem(load(folder), "costs.xls")
    assert ".xls" in p.message and p.severity is Severity.ERROR


def test_a_workbook_saved_as_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "projects.csv").write_bytes(
        xlsx_bytes([["project_id", "name", "budget"], ["P1", "A", 5]])
    )
    portfolio = load(folder)
    assert portfolio["projects"]["budget"].tolist() == [5.0]
    assert problem(portfolio, "projects.csv").rule == "wrong-extension"


def test_hostile_text_is_data_not_markup(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    names = [
        "[@click=app.quit]x[/]",
        "[WIP] Fix login",
        "x [/",
        "\x1b[31mred\x1b[0m",
        "=cmd|' /C calc'!A0",
    ]
    body = "".join(f'P{i},"{n}",1\n' for i, n in enumerate(names))
    (folder / "projects.csv").write_text("project_id,name,budget\n" + body, encoding="utf-8")
    portfolio = load(folder)
    assert portfolio["projects"]["name"].tolist() == names


def test_check_finishes_in_seconds_on_a_folder_of_every_hostile_file(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "costs.csv").write_bytes(os.urandom(200_000))
    data = xlsx_bytes([["issue_id", "project_id", "title"], ["I1", "P1", "x"]])
    (folder / "issues.xlsx").write_bytes(data[:300])
    (folder / "plan.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)
    (folder / "P1.xml").write_text(BOMB_DTD + "<Project/>", encoding="utf-8")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "milestones.csv")
    (folder / "programmes.csv").symlink_to("/etc/hostname")
    (folder / "notes.csv").write_text("a\n" + "x" * 3_000_000 + "\n", encoding="utf-8")
    (folder / "~$projects.xlsx").write_bytes(b"lock")
    (folder / os.fsdecode(b"proj\xffects.csv")).write_bytes(b"\xff\xfe")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pmo_tui", "check", str(folder)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 1, done.stderr.decode(errors="replace")
    assert seconds < 20
    out = done.stdout.decode("utf-8")
    for name in ("costs.csv", "issues.xlsx", "plan.xlsx", "P1.xml", "programmes.csv"):
        assert name in out
    assert "Traceback" not in done.stderr.decode(errors="replace")
    assert "~$projects.xlsx" not in out
    assert "proj\\udcffects.csv" in out and "not valid UTF-8" in out
