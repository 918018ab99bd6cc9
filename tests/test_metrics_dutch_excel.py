"""The same portfolio written clean and written Dutch-Excel style gives exactly the same numbers.

Dutch Excel: ``;`` separators, decimal comma with thousands dots
(``1.234.567,89``), cp1252, day-first dates (``31-12-2026``), CRLF. Both folders
go through the real folder source; every figure must be identical, not merely
close: the decimal comma must not cost a cent.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_metrics_handbuilt import AS_OF, _rows, frames_from_rows, write_csv_folder

from pmo_tui.config import CONFIG_NAME
from pmo_tui.metrics import Metrics, compute

folder_mod = pytest.importorskip("pmo_tui.sources.folder")
demo = pytest.importorskip("pmo_tui.demo")


def write_folder(folder: Path, frames: dict[str, pd.DataFrame], style: str, config: str) -> Path:
    folder.mkdir(parents=True)
    for table, frame in frames.items():
        demo.write_table(frame, folder / f"{table}.csv", style, table=table)
    (folder / CONFIG_NAME).write_text(config, encoding="utf-8")
    return folder


def load(folder: Path, as_of: date) -> Metrics:
    source = folder_mod.FolderSource(folder)
    try:
        portfolio = source.load()
    finally:
        source.close()
    assert not portfolio.errors, [str(p) for p in portfolio.errors[:5]]
    return compute(portfolio, as_of=as_of, config=source.config)


def assert_identical(one: Metrics, two: Metrics) -> None:
    for name, key in (
        ("projects", "project_id"),
        ("programmes", "programme_id"),
        ("milestones", "milestone_id"),
        ("issues", "issue_id"),
    ):
        a = getattr(one, name).sort_values(key).reset_index(drop=True)
        b = getattr(two, name).sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    pd.testing.assert_frame_equal(one.portfolio, two.portfolio, check_exact=True)
    pd.testing.assert_frame_equal(one.s_curve(), two.s_curve(), check_exact=True)


def test_hand_built_portfolio_clean_and_dutch_excel(tmp_path: Path) -> None:
    frames = frames_from_rows(_rows())
    config = (write_csv_folder(tmp_path / "plain", _rows()) / CONFIG_NAME).read_text()
    clean = write_folder(tmp_path / "clean", frames, "clean", config)
    dutch = write_folder(tmp_path / "dutch", frames, "dutch-excel", config)
    raw = (dutch / "costs.csv").read_bytes()
    assert b";" in raw and b"7.000,10" in raw and b"\r\n" in raw  # really Dutch Excel
    assert b"31-12-2026" in (dutch / "projects.csv").read_bytes()
    one, two = load(clean, AS_OF), load(dutch, AS_OF)
    assert_identical(one, two)
    assert two.project("P-A1")["ac"] == 60000.00  # and the figures are the hand-checked ones
    assert two.project("P-A2")["rag"] == "red"


def test_small_demo_clean_and_dutch_excel(tmp_path: Path) -> None:
    as_of = date(2026, 11, 30)
    frames = demo.demo_frames("small", seed=42, as_of=as_of)
    config = "as_of = 2026-11-30\n[tolerances]\ncost = 0.1\ntime_days = 30\n"
    one = load(write_folder(tmp_path / "clean", frames, "clean", config), as_of)
    two = load(write_folder(tmp_path / "dutch", frames, "dutch-excel", config), as_of)
    assert_identical(one, two)
    assert len(one.projects) == 24
