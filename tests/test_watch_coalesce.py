"""Changes that pile up during a refresh fold into one."""

from __future__ import annotations

from datetime import datetime

from pmo_tui.sources.base import Change
from pmo_tui.sources.coalesce import merge
from pmo_tui.sources.stability import Hold, Stat


def test_tables_and_causes_are_united_without_repeats() -> None:
    a = Change(tables=frozenset({"issues"}), causes=("issues.csv",), at=datetime(2026, 1, 1, 9))
    b = Change(
        tables=frozenset({"costs"}), causes=("costs.csv", "issues.csv"), at=datetime(2026, 1, 1, 10)
    )
    merged = merge(merge(None, a), b)
    assert merged.tables == {"issues", "costs"}
    assert merged.causes == ("issues.csv", "costs.csv")
    assert merged.at == datetime(2026, 1, 1, 10)
    assert not merged.store


def test_a_full_recheck_absorbs_everything() -> None:
    full = Change(causes=("watcher restarted",))
    some = Change(tables=frozenset({"plan"}), causes=("plan.csv",))
    assert merge(full, some).tables == frozenset()
    assert merge(some, full).tables == frozenset()


def test_store_changes_stay_store_only_when_both_are() -> None:
    store = Change(store=True, causes=("triage",))
    source = Change(tables=frozenset({"issues"}), causes=("issues.csv",))
    assert merge(store, store).store
    mixed = merge(store, source)
    assert not mixed.store and mixed.tables == {"issues"}


def test_each_file_keeps_its_latest_release() -> None:
    """A file released early and then again: only the later release decides whether its
    read is trusted (an earlier hold whose file moved on would drop the newer read)."""
    first, later = Stat(10, 1, 7, 1), Stat(20, 2, 7, 1)
    a = Change(
        tables=frozenset({"issues", "costs"}),
        holds=(Hold("issues.csv", first, until=5.0), Hold("costs.csv", first, until=5.0)),
    )
    b = Change(tables=frozenset({"issues"}), holds=(Hold("issues.csv", later),))
    merged = merge(a, b)
    assert sorted(merged.holds, key=lambda h: h.name) == [
        Hold("costs.csv", first, until=5.0),
        Hold("issues.csv", later),
    ]
