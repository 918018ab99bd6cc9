"""Re-reading only the changed lines of an export gives exactly what a full read gives.

The folder source re-reads a changed CSV file by its changed records when it can
(:mod:`pmo_tui.sources.splice`); these tests compare every such refresh with a
fresh full load of the same files: rows, row numbers and problems alike. They
also check that it really took that path, and that it reads the whole file
whenever a full read could decide something differently.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmo_tui.model import Portfolio
from pmo_tui.sources import splice, validate
from pmo_tui.sources.base import Change
from pmo_tui.sources.folder import FolderSource

PROJECTS = "project_id,name,budget\nP1,Een,100\nP2,Twee,200\nP3,Drie,300\n"


def _write(
    folder: Path,
    name: str,
    records: list[str],
    newline: str = "\n",
    *,
    bom: bool = False,
    last_break: bool = True,
) -> None:
    header = {
        "costs": "project_id,period,amount,category",
        "issues": "issue_id,project_id,title,severity,status,raised_date,description",
    }[name]
    text = newline.join([header, *records]) + (newline if last_break else "")
    (folder / f"{name}.csv").write_bytes(("\ufeff" if bom else "").encode() + text.encode())


def _refresh(source: FolderSource, portfolio: Portfolio, table: str) -> Portfolio:
    return source.refresh(portfolio, Change(tables=frozenset({table})))


def _assert_same_as_full_load(folder: Path, portfolio: Portfolio, table: str) -> None:
    loaded = FolderSource(folder).load()
    fresh, state = loaded.states[table], portfolio.states[table]
    pd.testing.assert_frame_equal(state.frame, fresh.frame)
    assert state.rows is not None and fresh.rows is not None
    assert state.rows.tolist() == fresh.rows.tolist()
    assert state.problems == fresh.problems
    # and what the snapshot made of it: rows with unknown projects out, the project
    # of every row (spliced from the previous snapshot's where it could be)
    pd.testing.assert_frame_equal(portfolio.frames[table], loaded.frames[table])
    assert portfolio.reference_problems == loaded.reference_problems
    assert portfolio.project_rows[table].tolist() == loaded.project_rows[table].tolist()


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Blocks of 64 bytes and a number sample of 16 rows, so small files exercise it all."""
    monkeypatch.setattr(splice, "BLOCK", 64)
    monkeypatch.setattr(validate, "EVIDENCE_SAMPLE", 2)
    monkeypatch.setattr(splice, "HEAD_ROWS", 16)
    yield


# -- generated exports and edits ---------------------------------------------------

project = st.sampled_from(["P1", "P2", "P3", "P1", "P2", "PX"])  # PX: unknown project
amount = st.one_of(
    st.integers(min_value=0, max_value=99_999).map(lambda c: f"{c / 100:.2f}"),
    st.sampled_from(["", "-5.00", "1000"]),
)
# a number that does not parse: every refresh then reads the whole file (see splice)
messy_amount = st.one_of(amount, st.just("abc"))
period = st.one_of(
    st.integers(min_value=1, max_value=12).map(lambda m: f"2024-{m:02d}"),
    st.sampled_from(["2024-13", ""]),
)
category = st.sampled_from(["inhuur", "personeel", '"licenties, cloud"', "", "[b]x[/b]"])
# a row of empty cells is skipped without a word (Excel writes them after the data)
cost_line = st.one_of(
    st.builds(lambda *cells: ",".join(cells), project, period, amount, category),
    st.just(",,,"),
)
messy_cost_line = st.builds(lambda *cells: ",".join(cells), project, period, messy_amount, category)

text = st.text(alphabet='abc xyz,"\n', max_size=12).map(lambda t: '"' + t.replace('"', '""') + '"')
issue_id = st.integers(min_value=1, max_value=400).map(lambda i: f"I-{i:03d}")
issue_line = st.builds(
    lambda i, p, t, sev, status, d: f"{i},{p},{t},{sev},{status},2024-01-02,{d}",
    issue_id,
    project,
    text,
    st.sampled_from(["high", "low", "bogus"]),
    st.sampled_from(["open", "closed"]),
    text,
)

# an edit: (where, as a fraction of the records; how many records it removes; what it adds)
edit = st.tuples(
    st.floats(min_value=0, max_value=1),
    st.integers(0, 3),
    st.lists(st.integers(0, 10**6), max_size=3),
)


def _apply(records: list[str], change: tuple[float, int, list[int]], fresh: list[str]) -> list[str]:
    where, removed, added = change
    at = int(where * len(records))
    return records[:at] + fresh[: len(added)] + records[at + removed :]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    table=st.sampled_from(["costs", "messy costs", "issues"]),
    data=st.data(),
    edits=st.lists(edit, min_size=1, max_size=6),
    crlf=st.booleans(),
    bom=st.booleans(),
    last_break=st.booleans(),
)
def test_every_refresh_equals_a_full_load(
    small_blocks: None,
    table: str,
    data: st.DataObject,
    edits: list[tuple[float, int, list[int]]],
    crlf: bool,
    bom: bool,
    last_break: bool,
) -> None:
    line = {"costs": cost_line, "messy costs": messy_cost_line, "issues": issue_line}[table]
    table = table.removeprefix("messy ")
    newline = "\r\n" if crlf else "\n"
    records = data.draw(st.lists(line, min_size=20, max_size=60))
    if table == "issues":  # a distinct id per row: a duplicate makes a full read
        records = [f"I-{900 + i}" + r[r.index(",") :] for i, r in enumerate(records)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "projects.csv").write_text(PROJECTS)
        _write(folder, table, records, newline, bom=bom, last_break=last_break)
        source = FolderSource(folder)
        portfolio = _refresh(source, source.load(), table)  # a full read leaves the basis
        for change in edits:
            fresh = data.draw(st.lists(line, min_size=3, max_size=3))
            records = _apply(records, change, fresh)
            _write(folder, table, records, newline, bom=bom, last_break=last_break)
            portfolio = _refresh(source, portfolio, table)
            _assert_same_as_full_load(folder, portfolio, table)


# -- the path it takes, on files of a realistic size -----------------------------------


def _costs(n: int) -> list[str]:
    return [f"P{1 + i % 3},2024-{1 + i % 12:02d},{i % 997}.25,inhuur" for i in range(n)]


@pytest.fixture
def costs_folder(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "projects.csv").write_text(PROJECTS)
    records = _costs(9_000)  # ~230 kB: a few 64 KiB blocks, more than the 4,000-row sample
    _write(tmp_path, "costs", records)
    return tmp_path, records


def _loaded(folder: Path) -> tuple[FolderSource, Portfolio]:
    source = FolderSource(folder)
    return source, _refresh(source, source.load(), "costs")


def test_a_changed_cost_line_is_read_alone_and_shows(costs_folder: tuple[Path, list[str]]) -> None:
    folder, records = costs_folder
    source, portfolio = _loaded(folder)
    records[6_000] = "P2,2024-03,7300000.00,inhuur"
    _write(folder, "costs", records)
    portfolio = _refresh(source, portfolio, "costs")
    assert source.partial_reads == 1
    costs = portfolio.states["costs"].frame
    assert costs["amount"].iloc[6_000] == 7_300_000.0
    _assert_same_as_full_load(folder, portfolio, "costs")


def test_lines_inserted_above_a_bad_line_move_its_reported_row(
    costs_folder: tuple[Path, list[str]],
) -> None:
    folder, records = costs_folder
    records[8_000] = "P1,2024-00,12.00,inhuur"
    _write(folder, "costs", records)
    source, portfolio = _loaded(folder)
    assert [p.row for p in portfolio.states["costs"].problems] == [8_002]
    records[5_000:5_000] = ["P3,2024-04,1.00,inhuur", "P3,2024-05,2.00,inhuur"]
    records[5_010] = "P1,2024-13,5.00,inhuur"
    _write(folder, "costs", records)
    portfolio = _refresh(source, portfolio, "costs")
    assert source.partial_reads == 1
    found = [(p.row, p.column, p.value) for p in portfolio.states["costs"].problems]
    assert found == [(5_012, "period", "2024-13"), (8_004, "period", "2024-00")]
    _assert_same_as_full_load(folder, portfolio, "costs")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda r: list(r), "unchanged"),
        (lambda r: [*r[:7_000], 'P1,2024-01,"1.234,50",inhuur', *r[7_001:]], "decimal comma"),
        (lambda r: [*r[:7_000], "P1,2024-01,,inhuur", *r[7_001:]], "blank amount"),
    ],
)
def test_anything_a_full_read_might_decide_otherwise_reads_the_whole_file(
    costs_folder: tuple[Path, list[str]], change: object, why: str
) -> None:
    folder, records = costs_folder
    source, portfolio = _loaded(folder)
    assert callable(change)
    _write(folder, "costs", change(records))
    portfolio = _refresh(source, portfolio, "costs")
    # a number that does not parse: a full read looks at every value again
    expected = 0 if why == "decimal comma" else 1
    assert source.partial_reads == expected, why
    _assert_same_as_full_load(folder, portfolio, "costs")


def test_a_changed_header_or_delimiter_reads_the_whole_file(
    costs_folder: tuple[Path, list[str]],
) -> None:
    folder, records = costs_folder
    source, portfolio = _loaded(folder)
    text = "project_id;period;amount;category\n" + "\n".join(r.replace(",", ";") for r in records)
    (folder / "costs.csv").write_text(text + "\n")
    portfolio = _refresh(source, portfolio, "costs")
    assert source.partial_reads == 0
    assert len(portfolio.states["costs"].frame) == 9_000
    _assert_same_as_full_load(folder, portfolio, "costs")


def test_a_duplicate_issue_id_reads_the_whole_file_and_names_both_rows(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text(PROJECTS)
    records = [
        f'I-{i:05d},P1,"Titel {i}",high,open,2024-01-02,"regel 1\nregel 2"' for i in range(3_000)
    ]
    _write(tmp_path, "issues", records)
    source = FolderSource(tmp_path)
    portfolio = _refresh(source, source.load(), "issues")
    records[2_500] = 'I-00007,P2,"Dubbel",low,open,2024-01-02,""'
    _write(tmp_path, "issues", records)
    portfolio = _refresh(source, portfolio, "issues")
    assert source.partial_reads == 0
    [dup] = [p for p in portfolio.states["issues"].problems if p.rule == "duplicate-id"]
    assert dup.row == 2 + 2 * 2_500 and "row 16" in dup.message  # records span two lines
    _assert_same_as_full_load(tmp_path, portfolio, "issues")


def test_many_refreshes_keep_the_columns_in_few_pieces(
    costs_folder: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each re-read puts changed rows between pieces of the old columns; they are joined
    again before they pile up (the frame stays fast to work with), keeping their type."""
    monkeypatch.setattr(splice, "BLOCK", 512)  # small windows: many pieces
    monkeypatch.setattr(splice, "MAX_CHUNKS", 3)
    folder, records = costs_folder
    source, portfolio = _loaded(folder)
    most = 0
    for i in range(30):
        records[4_001 + (i * 1_319) % 4_900] = f"P{1 + i % 3},2024-0{1 + i % 9},{i}.75,inhuur"
        _write(folder, "costs", records)
        portfolio = _refresh(source, portfolio, "costs")
        frame = portfolio.states["costs"].frame
        most = max(most, *(frame[n].array._pa_array.num_chunks for n in ("project_id", "category")))
    assert source.partial_reads == 30
    assert 1 < most <= splice.MAX_CHUNKS + 2
    _assert_same_as_full_load(folder, portfolio, "costs")


def test_a_file_read_in_full_after_all_is_read_from_disk_once(
    costs_folder: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the changed lines cannot settle it (a number that does not parse), the
    full read takes the bytes the attempt read: one read of the file, the same bytes."""
    from pmo_tui.sources import reading

    folder, records = costs_folder
    source, portfolio = _loaded(folder)
    reads: list[str] = []
    real = reading.read_bytes

    def counted(base: Path, path: Path, cap: int) -> bytes:
        reads.append(Path(path).name)
        return real(base, path, cap)

    monkeypatch.setattr(reading, "read_bytes", counted)
    records[7_000] = "P1,2024-01,twelve,inhuur"
    _write(folder, "costs", records)
    portfolio = _refresh(source, portfolio, "costs")
    assert source.partial_reads == 0
    assert reads == ["costs.csv"]
    assert [p.value for p in portfolio.states["costs"].problems] == ["twelve"]
    _assert_same_as_full_load(folder, portfolio, "costs")
