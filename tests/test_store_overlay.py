"""The triage overlay on the source issues: decisions win, cleared fields fall back."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pmo_tui.model import conform
from pmo_tui.store import Edit, Store, merge_triage

pytest_plugins = ("store_fixtures",)


def source_issues() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "issue_id": ["I-1", "I-2", "I-3", "[@click=app.quit]x[/]"],
            "project_id": ["P-1"] * 4,
            "title": ["'); DROP TABLE issues;--", "[WIP] Fix login", "x [/", "hostile id"],
            "severity": [4, 3, 2, 1],
            "status": ["open", "open", "in progress", "open"],
            "owner": ["bob", None, "carol", None],
            "due_date": pd.to_datetime(["2026-04-01", None, "2026-05-01", None]),
        }
    )
    return conform("issues", frame).set_axis([10, 11, 12, 13])


def test_decisions_win_and_cleared_fields_show_the_export_again(store: Store) -> None:
    store.save_many(
        [
            Edit("I-1", 0, {"owner": "alice", "status": "closed", "priority": "critical"}),
            Edit("I-3", 0, {"owner": "dave", "due_date": date(2026, 9, 1)}),
            Edit("[@click=app.quit]x[/]", 0, {"owner": "erin"}),
            Edit("VANISHED", 0, {"owner": "zoe"}),
        ]
    )
    store.save("I-3", 1, {"owner": None})  # cleared: the export's owner shows again
    store.add_note("issue", "I-2", "note only")
    issues = source_issues()
    merged = merge_triage(issues, store.triage_frame())

    assert merged.index.tolist() == [10, 11, 12, 13]  # order and index kept
    assert "VANISHED" not in merged["issue_id"].tolist()  # no rows invented
    assert merged.loc[10, "owner"] == "alice" and merged.loc[10, "source_owner"] == "bob"
    assert merged.loc[10, "status"] == "closed" and merged.loc[10, "source_status"] == "open"
    assert merged.loc[12, "owner"] == "carol"  # cleared decision: source value
    assert merged.loc[12, "due_date"] == pd.Timestamp("2026-09-01")
    assert merged.loc[13, "owner"] == "erin"
    assert pd.isna(merged.loc[11, "owner"]) and merged.loc[11, "notes"] == 1
    assert merged["priority"].tolist()[0] == 4 and pd.isna(merged["priority"].tolist()[1])
    assert merged["triage_version"].tolist() == [1, 0, 2, 1]
    assert str(merged["due_date"].dtype) == "datetime64[s]"
    assert str(merged["priority"].dtype) == "Int64"
    assert merged["title"].tolist() == issues["title"].tolist()  # source columns untouched


def test_an_empty_store_changes_nothing(store: Store) -> None:
    issues = source_issues()
    merged = merge_triage(issues, store.triage_frame())
    for column in ("status", "owner", "due_date"):
        assert merged[column].equals(issues[column])
    assert merged["triage_version"].tolist() == [0, 0, 0, 0]
    assert merged["notes"].tolist() == [0, 0, 0, 0]
