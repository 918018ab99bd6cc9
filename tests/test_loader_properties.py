"""Parser properties: every way an export may write a number or a date reads back exactly."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmo_tui.sources.folder import FolderSource
from pmo_tui.sources.parse import number_evidence, parse_date, parse_number
from pmo_tui.sources.tabular import _record_starts

cents = st.integers(min_value=-(10**12), max_value=10**12)
days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))


def english(value: int) -> str:
    return f"{value / 100:,.2f}"


def dutch(value: int) -> str:
    return english(value).replace(",", "_").replace(".", ",").replace("_", ".")


@given(cents)
def test_grouped_numbers_read_back_in_their_own_convention(value: int) -> None:
    assert parse_number(english(value), ".") == (value / 100, None)
    assert parse_number(dutch(value), ",") == (value / 100, None)
    assert parse_number(f"€ {dutch(value)}", ",") == (value / 100, None)


@given(cents)
def test_a_number_with_two_decimals_proves_its_convention(value: int) -> None:
    assert number_evidence([english(value)])["."] == 1
    assert number_evidence([dutch(value)])[","] == 1


@given(cents)
def test_the_wrong_convention_never_silently_gives_another_number(value: int) -> None:
    # read under the other convention, a value is either the same number or rejected
    for text, wrong in ((english(value), ","), (dutch(value), ".")):
        parsed, reason = parse_number(text, wrong)  # type: ignore[arg-type]
        assert parsed is None or parsed == value / 100
        assert (parsed is None) == (reason is not None)


@given(days)
def test_dates_in_every_supported_shape_read_back(day: dt.date) -> None:
    shapes = [
        day.isoformat(),
        f"{day:%d-%m-%Y}",
        f"{day:%d/%m/%Y}",
        f"{day:%d.%m.%Y}",
        f"{day.isoformat()}T00:00:00Z",
        f"{day:%d/%m/%Y} 5:00:00 PM",
    ]
    for text in shapes:
        assert parse_date(text, "dayfirst") == (day, None), text
    assert parse_date(f"{day:%m/%d/%Y}", "monthfirst") == (day, None)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(cents.filter(lambda v: v >= 0), days), min_size=1, max_size=30))
def test_a_file_reads_back_whatever_its_rows_hold(
    tmp_path: Path, rows: list[tuple[int, dt.date]]
) -> None:
    folder = tmp_path / f"f{abs(hash(tuple(rows)))}"
    folder.mkdir()
    body = "".join(f'P{i};"Project {i}";{dutch(v)};{d:%d-%m-%Y}\n' for i, (v, d) in enumerate(rows))
    (folder / "projects.csv").write_bytes(
        ("Projectnummer;Projectnaam;Begroting;Startdatum\n" + body).encode("cp1252")
    )
    (folder / "pmo-tui.toml").write_text('[source]\ndate_order = "dayfirst"\n', encoding="utf-8")
    portfolio = FolderSource(folder).load()
    assert portfolio.errors == ()
    frame = portfolio["projects"]
    assert frame["budget"].tolist() == [v / 100 for v, _ in rows]
    assert frame["start_date"].tolist() == [pd.Timestamp(d) for _, d in rows]


cell_text = st.text(alphabet='ab ",\r\n', max_size=6)


def _quoted(cell: str) -> str:
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if any(c in cell for c in '",\r\n') else cell


@given(
    st.lists(st.lists(cell_text, min_size=1, max_size=3), min_size=1, max_size=8),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_each_record_is_reported_on_the_line_where_it_starts(
    records: list[list[str]], newline: str
) -> None:
    """The row a problem names is the line its record starts on, whatever the line
    endings and however many line breaks quoted cells hold before it (as Python's
    csv module counts them)."""
    text = "".join(",".join(_quoted(c) for c in cells) + newline for cells in records)
    reader = csv.reader(io.StringIO(text, newline=""))
    expected = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        if row:  # a blank line is no record
            expected.append(start)
    assert _record_starts(text.encode()).tolist() == expected
