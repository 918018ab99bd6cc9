"""Which rows of a frame are the same as last time (``screens/frame_memo.py``).

The triage queue reuses the rows built from these: a row reused when its issue
changed would show the old title or severity, so every reused position must be
an equal row; and an edit of one issue must leave the other rows reused.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_tui.screens.frame_memo import FrameMemo, same_rows


def issues(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["issue_id", "title", "severity", "due"])
    return frame.astype(
        {"issue_id": "str", "title": "str", "severity": "Int64", "due": "datetime64[s]"}
    )


BASE = [
    ("I-1", "Scope creep", 3, "2026-01-05"),
    ("I-2", None, None, None),
    ("I-3", "[WIP] fix", 1, "2026-02-01"),
]


def test_an_edit_in_place_reuses_every_other_row() -> None:
    old = issues(BASE)
    new = issues([BASE[0], ("I-2", "now titled", None, None), BASE[2]])
    assert same_rows(old, new, "issue_id").tolist() == [0, -1, 2]


def test_missing_values_equal_missing_values() -> None:
    assert same_rows(issues(BASE), issues(BASE), "issue_id").tolist() == [0, 1, 2]


def test_rows_added_removed_and_moved_are_matched_by_key() -> None:
    old = issues(BASE)
    new = issues([BASE[2], ("I-9", "new", 2, None), BASE[0]])
    assert same_rows(old, new, "issue_id").tolist() == [2, -1, 0]


def test_a_changed_date_severity_or_missing_value_is_a_change() -> None:
    old = issues(BASE)
    new = issues(
        [
            ("I-1", "Scope creep", 3, "2026-01-06"),
            ("I-2", None, 2, None),
            ("I-3", "[WIP] fix", 1, None),
        ]
    )
    assert same_rows(old, new, "issue_id").tolist() == [-1, -1, -1]


def test_another_column_type_or_set_of_columns_matches_nothing() -> None:
    old = issues(BASE)
    retyped = old.astype({"severity": "float64"})
    assert same_rows(old, retyped, "issue_id").tolist() == [-1, -1, -1]
    assert same_rows(old, old.drop(columns="due"), "issue_id").tolist() == [-1, -1, -1]


def test_duplicate_keys_match_only_in_place() -> None:
    old = issues([BASE[0], BASE[0]])
    assert same_rows(old, issues([BASE[0], BASE[0]]), "issue_id").tolist() == [0, 1]
    assert same_rows(old, issues([BASE[0]]), "issue_id").tolist() == [-1]


def test_the_memo_hands_back_only_values_of_equal_rows_under_the_same_layout() -> None:
    memo: FrameMemo[str] = FrameMemo()
    old = issues(BASE)
    memo.keep(("fmt",), old, ["row 1", "row 2", "row 3"])
    new = issues([BASE[1], ("I-3", "[WIP] fixed", 1, "2026-02-01")])
    assert memo.reuse(new, "issue_id", ("fmt",)) == ["row 2", None]
    assert memo.reuse(new, "issue_id", ("other fmt",)) == [None, None]


KEYS = st.sampled_from(["I-1", "I-2", "I-3", "I-4", "I-5"])
ROWS = st.tuples(
    KEYS,
    st.one_of(st.none(), st.sampled_from(["a", "b", "[b]"])),
    st.one_of(st.none(), st.integers(1, 3)),
    st.one_of(st.none(), st.sampled_from(["2026-01-01", "2026-01-02"])),
)


def _naive(old: pd.DataFrame, new: pd.DataFrame) -> list[int]:
    def cells(frame: pd.DataFrame, i: int) -> tuple[Any, ...]:
        return tuple(None if pd.isna(v) else v for v in frame.iloc[i])

    old_keys, new_keys = list(old["issue_id"]), list(new["issue_id"])
    if old_keys == new_keys:
        candidates = list(range(len(new)))
    elif len(set(old_keys)) == len(old_keys):
        candidates = [old_keys.index(k) if k in old_keys else -1 for k in new_keys]
    else:
        candidates = [-1] * len(new)
    return [
        p if p >= 0 and cells(old, p) == cells(new, i) else -1 for i, p in enumerate(candidates)
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(ROWS, max_size=6), st.lists(ROWS, max_size=6))
def test_same_rows_agrees_with_comparing_row_by_row(
    old_rows: list[tuple[Any, ...]], new_rows: list[tuple[Any, ...]]
) -> None:
    old, new = issues(old_rows), issues(new_rows)
    found = same_rows(old, new, "issue_id")
    assert found.dtype == np.intp
    assert found.tolist() == _naive(old, new)
