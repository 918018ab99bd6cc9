"""Milestone trend analysis: one forecast snapshot per milestone per day, never lost."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import pandas as pd
import pytest

from pmo_tui.model import conform
from pmo_tui.store import Store

pytest_plugins = ("store_fixtures",)

D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)


def milestones(**forecasts: str | None) -> pd.DataFrame:
    """Canonical milestones M1.. with baseline 2026-06-01 and the given forecasts."""
    ids = list(forecasts)
    frame = pd.DataFrame(
        {
            "milestone_id": ids,
            "project_id": ["P-1"] * len(ids),
            "name": [f"gate {i}" for i in ids],
            "baseline_date": pd.to_datetime(["2026-06-01"] * len(ids)),
            "forecast_date": pd.to_datetime(list(forecasts.values())),
        }
    )
    return conform("milestones", frame)


def test_one_row_per_milestone_per_day_and_the_last_record_of_a_day_wins(store: Store) -> None:
    assert store.record_forecasts(milestones(M1="2026-06-10", M2="2026-06-01"), D1) == 2
    assert (
        store.record_forecasts(milestones(M1="2026-06-20", M2="2026-06-01"), D1) == 1
    )  # only M1 moved
    assert store.record_forecasts(milestones(M1="2026-06-25", M2="2026-06-03"), D2) == 2
    history = store.forecast_history("P-1")
    assert list(zip(history["milestone_id"], history["report_date"].dt.date, strict=True)) == [
        ("M1", D1),
        ("M1", D2),
        ("M2", D1),
        ("M2", D2),
    ]
    assert history["forecast_date"].dt.date.tolist() == [
        date(2026, 6, 20),
        date(2026, 6, 25),
        date(2026, 6, 1),
        date(2026, 6, 3),
    ]
    assert history["slip_days"].tolist() == [19, 24, 0, 2]
    assert str(history["report_date"].dtype) == "datetime64[s]"
    assert str(history["slip_days"].dtype) == "Int64"


def test_recording_the_same_snapshot_again_writes_nothing(store: Store) -> None:
    frame = milestones(M1="2026-06-10", M2=None)
    assert store.record_forecasts(frame, D1) == 2
    if store.location.path is None:
        assert store.record_forecasts(frame, D1) == 0
        return
    probe = sqlite3.connect(store.location.path)
    try:
        version = probe.execute("PRAGMA data_version").fetchone()
        assert store.record_forecasts(frame, D1) == 0
        # no other connection committed anything: no watcher wakes up
        assert probe.execute("PRAGMA data_version").fetchone() == version
    finally:
        probe.close()


def test_a_milestone_missing_from_an_export_keeps_its_history(store: Store) -> None:
    store.record_forecasts(milestones(M1="2026-06-10", M2="2026-06-12"), D1)
    store.record_forecasts(milestones(M1="2026-06-11"), D2)  # M2 vanished from this export
    store.record_forecasts(milestones(M1="2026-06-11", M2="2026-07-01"), D3)  # and is back
    m2 = store.forecast_history(milestone_ids=["M2"])
    assert m2["report_date"].dt.date.tolist() == [D1, D3]
    assert m2["forecast_date"].dt.date.tolist() == [date(2026, 6, 12), date(2026, 7, 1)]


def test_history_filters_by_project_ids_and_date(store: Store) -> None:
    store.record_forecasts(milestones(M1="2026-06-10"), D1)
    other = milestones(X1="2026-01-01").assign(project_id="P-2")
    store.record_forecasts(other, D1)
    store.record_forecasts(milestones(M1="2026-06-12"), D2)
    assert store.forecast_history("P-2")["milestone_id"].tolist() == ["X1"]
    assert store.forecast_history(milestone_ids=["M1", "X1"])["milestone_id"].tolist() == [
        "M1",
        "M1",
        "X1",
    ]
    assert store.forecast_history("P-1", since=D2)["report_date"].dt.date.tolist() == [D2]
    assert store.forecast_history("nope").empty
    assert store.report_dates() == [D1, D2]


def test_backfill_takes_dated_snapshots_in_any_order(store: Store) -> None:
    snapshots = [
        (D3, milestones(M1="2026-07-01")),
        (D1, milestones(M1="2026-06-01")),
        (D2, milestones(M1="2026-06-15")),
    ]
    assert store.backfill(snapshots) == 3
    assert store.backfill(snapshots) == 0  # idempotent
    history = store.forecast_history("P-1")
    assert history["report_date"].dt.date.tolist() == [D1, D2, D3]
    assert history["slip_days"].tolist() == [0, 14, 30]


def test_actual_dates_count_for_slip_and_odd_inputs_are_accepted(store: Store) -> None:
    frame = pd.DataFrame(
        {
            "milestone_id": ["A", "B", "B", "C"],
            "baseline_date": [
                datetime(2026, 5, 1),
                datetime(2026, 5, 1),
                datetime(2026, 5, 1),
                None,
            ],
            "forecast_date": ["2026-05-20", "2026-05-02", "2026-05-09", ""],
            "actual_date": [pd.NaT, pd.NaT, pd.Timestamp("2026-05-03"), pd.NaT],
        }
    )
    assert store.record_forecasts(frame, D1) == 3  # B listed twice: the last row wins
    history = store.forecast_history(milestone_ids=["A", "B", "C"]).set_index("milestone_id")
    assert history.loc["A", "slip_days"] == 19
    assert history.loc["B", "slip_days"] == 2  # done: actual, not forecast
    assert pd.isna(history.loc["C", "slip_days"]) and pd.isna(history.loc["C", "project_id"])


def test_a_frame_without_milestone_ids_is_refused(store: Store) -> None:
    with pytest.raises(Exception, match="milestone_id"):
        store.record_forecasts(pd.DataFrame({"name": ["x"]}), D1)


@pytest.mark.slow
def test_twenty_thousand_milestones_record_and_rerecord(store: Store) -> None:
    n = 20_000
    frame = conform(
        "milestones",
        pd.DataFrame(
            {
                "milestone_id": [f"M{i:05d}" for i in range(n)],
                "project_id": [f"P{i // 10:04d}" for i in range(n)],
                "name": ["m"] * n,
                "baseline_date": pd.to_datetime(["2026-06-01"] * n),
                "forecast_date": pd.to_datetime(["2026-06-01"] * n)
                + pd.to_timedelta(range(n), unit="D"),
            }
        ),
    )
    assert store.record_forecasts(frame, D1) == n
    assert store.record_forecasts(frame, D1) == 0
    moved = frame.assign(
        forecast_date=frame["forecast_date"].where(
            frame.index % 100 != 0, pd.Timestamp("2030-01-01")
        )
    )
    assert store.record_forecasts(moved, D1) == n // 100
    assert len(store.forecast_history("P0000")) == 10
