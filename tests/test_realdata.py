"""Real public exports load as portfolios through the shipped mappings (data/mappings).

The files stay in ../shared/realdata (read-only); a test that needs a variant
of a mapping writes it to a temporary folder.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pmo_tui.data import mapping
from pmo_tui.problems import Severity
from pmo_tui.sources.folder import FolderSource

pytestmark = pytest.mark.realdata


def load(folder: Path, config: Path):
    source = FolderSource(folder, config)
    try:
        return source.load()
    finally:
        source.close()


def counts(portfolio) -> Counter[tuple[str, str]]:
    return Counter((p.rule, str(p.severity)) for p in portfolio.problems)


def test_mappings_are_shipped_as_package_data() -> None:
    for name in ("us-itdashboard", "uk-gmpp", "melbourne-water"):
        path = mapping(name)
        assert path.is_file(), path
        tomllib.loads(path.read_text(encoding="utf-8"))


def test_us_it_dashboard(realdata: Path) -> None:
    portfolio = load(realdata / "us-itdashboard", mapping("us-itdashboard"))
    assert portfolio.source_problems == tuple(
        p for p in portfolio.source_problems if p.rule == "unknown-file"
    )  # the messy twin
    projects = portfolio["projects"]
    assert len(projects) == 2466  # of 2468 rows
    assert projects["project_id"].is_unique
    first = projects.set_index("project_id").loc["2"]
    assert first["name"] == "Windows 7"
    assert first["portfolio"] == "Department of Homeland Security"
    assert first["budget"] == pytest.approx(6_250_000)  # 6.25 $M
    assert first["forecast_cost"] == pytest.approx(3_674_000)
    assert first["start_date"] == pd.Timestamp("2009-01-01")
    assert first["end_date"] == pd.Timestamp("2012-09-29")
    programmes = portfolio["programmes"]
    assert len(programmes) == 598 and programmes["portfolio"].nunique() == 26
    # the original baseline fills in where the re-baselined date is blank
    assert projects["end_date"].isna().sum() < 20
    found = counts(portfolio)
    assert found[("end-before-start", "error")] == 2  # real data errors, named by row
    assert found[("blank-value", "warning")] == 17  # rows without a planned cost
    assert sum(n for (rule, sev), n in found.items() if sev == "error") == 2
    assert load(realdata / "us-itdashboard", mapping("us-itdashboard")).source == str(
        realdata / "us-itdashboard"
    )


def test_us_it_dashboard_messed_up_twin_through_the_same_mapping(
    realdata: Path, messed_up_mapping: Path
) -> None:
    portfolio = load(realdata / "us-itdashboard", messed_up_mapping)
    projects = portfolio["projects"]
    assert len(projects) == 2465  # of 2498 rows: the good ones load
    errors = Counter(p.rule for p in portfolio.errors)
    assert errors == {
        "blank-value": 52,  # 26 rows without a Project ID or Project Name
        "duplicate-id": 4,  # repeated projects; the first is kept
        "end-before-start": 2,
        "bad-date": 1,  # 2012-30-09, a yyyy-dd-mm date
    }
    rejected = {(p.file, p.row) for p in portfolio.errors}
    assert len(rejected) == 33
    [bad_date] = [p for p in portfolio.errors if p.rule == "bad-date"]
    assert (bad_date.row, bad_date.column, bad_date.value) == (
        2,
        "Completion Date (B1)",
        "2012-30-09",
    )
    # dd/mm/yyyy is read day-first for the whole file
    assert projects.set_index("project_id").loc["657", "end_date"] == pd.Timestamp("2012-03-31")


def test_uk_gmpp_2023(realdata: Path) -> None:
    portfolio = load(realdata / "uk-gmpp", mapping("uk-gmpp"))
    projects = portfolio["projects"].set_index("project_id")
    assert len(projects) == 243  # of 244
    pensions = projects.loc["CO_0024_2021-Q2"]
    assert pensions["name"] == "Civil Service Pensions 2015 Remedy"
    assert pensions["programme"] == "CO"
    assert pensions["start_date"] == pd.Timestamp("2020-05-20")
    assert pensions["end_date"] == pd.Timestamp("2024-09-30")
    assert pensions["budget"] == pytest.approx(34_000_000)  # £34m whole-life cost
    assert pensions["reported_rag"] == "amber"  # from the second colour_rating column
    rags = set(projects["reported_rag"].dropna())
    assert rags <= {"red", "amber", "green", "amber/red", "amber/green"} and len(rags) >= 3
    assert projects["portfolio"].eq("UK Government Major Projects Portfolio 2023").all()
    assert len(portfolio["programmes"]) == 21  # departments
    found = counts(portfolio)
    assert sum(n for (rule, sev), n in found.items() if sev == "error") == 1
    [error] = portfolio.errors
    assert error.rule == "end-before-start" and error.value == "20.01.2023"
    # withheld figures ("Exempt under Section 43 ...") are blank, not errors
    assert found[("bad-number", "error")] == 0 and found[("bad-date", "error")] == 0


def test_uk_gmpp_multiline_cells_keep_the_record_start_row(realdata: Path) -> None:
    portfolio = load(realdata / "uk-gmpp", mapping("uk-gmpp"))
    rows = portfolio.states["projects"].rows
    assert rows[0] == 2
    assert (rows[1:] > rows[:-1]).all()
    # records span several lines, so the last record starts far below line 245
    assert rows[-1] > 245
    raw = (realdata / "uk-gmpp" / "uk_2023.csv").read_bytes().decode("cp1252").splitlines()
    error = portfolio.errors[0]
    assert raw[error.row - 1].startswith("2023;")


def test_melbourne_water(realdata: Path) -> None:
    portfolio = load(realdata / "melbourne-water-capital-delivery", mapping("melbourne-water"))
    projects = portfolio["projects"].set_index("project_id")
    assert len(projects) == 445
    assert projects.loc["Q05388", "budget"] == pytest.approx(2359288.62)
    # ISO timestamps and d/mm/yyyy h:mm:ss AM share columns; both parse, time dropped
    assert projects.loc["Q05388", "start_date"] == pd.Timestamp("2016-05-25")
    assert projects.loc["Q05388", "end_date"] == pd.Timestamp("2018-02-16")
    assert portfolio.errors == ()
    assert all(p.severity is Severity.WARNING for p in portfolio.problems)
