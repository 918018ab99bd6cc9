"""The period's triage decisions and notes (``Store.activity``) as report records.

Each record names the item it is about (issue title, project or milestone name)
so a steering committee can read it without the export at hand. Only items in
the scope are kept; the portfolio scope also keeps decisions about items that
are not in this export (``in_export`` false), because nothing an officer wrote
may silently vanish from the portfolio report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

Record = dict[str, Any]
#: the store writes a priority as its number; the report says the word
PRIORITY_WORDS = {"1": "low", "2": "medium", "3": "high", "4": "critical"}


@dataclass(frozen=True)
class Item:
    name: str | None
    project_id: str | None


def item_index(
    projects: pd.DataFrame, milestones: pd.DataFrame, issues: pd.DataFrame
) -> dict[tuple[str, str], Item]:
    """``(kind, id) -> Item`` for the scope's projects, milestones and issues."""
    index: dict[tuple[str, str], Item] = {}
    for pid, name in zip(projects["project_id"].tolist(), projects["name"].tolist(), strict=True):
        index[("project", str(pid))] = Item(_text(name), str(pid))
    for mid, name, pid in zip(
        milestones["milestone_id"].tolist(),
        milestones["name"].tolist(),
        milestones["project_id"].tolist(),
        strict=True,
    ):
        index[("milestone", str(mid))] = Item(_text(name), _text(pid))
    for iid, title, pid in zip(
        issues["issue_id"].tolist(),
        issues["title"].tolist(),
        issues["project_id"].tolist(),
        strict=True,
    ):
        index[("issue", str(iid))] = Item(_text(title), _text(pid))
    return index


def activity_records(
    activity: pd.DataFrame | None,
    items: dict[tuple[str, str], Item],
    *,
    keep_unknown: bool,
) -> list[Record]:
    """One record per field change or note, oldest first.

    Fields: ``at`` (local time with offset), ``who``, ``os_user``, ``kind``
    (issue/project/milestone), ``item_id``, ``item_name``, ``project_id``,
    ``in_export``, ``field`` (None for a note), ``old``, ``new`` (audit text,
    None = no decision), ``note`` (verbatim), ``changeset``.
    """
    if activity is None or activity.empty:
        return []
    out: list[Record] = []
    for row in activity.itertuples(index=False):
        kind, item_id = str(row.kind), str(row.item_id)
        item = items.get((kind, item_id))
        if item is None and not keep_unknown:
            continue
        out.append(
            {
                "at": _local(row.at),
                "who": _text(row.who),
                "os_user": _text(row.os_user),
                "kind": kind,
                "item_id": item_id,
                "item_name": None if item is None else item.name,
                "project_id": None if item is None else item.project_id,
                "in_export": item is not None,
                "field": _text(row.field),
                "old": _value(row.field, row.old),
                "new": _value(row.field, row.new),
                "note": _text(row.note),
                "changeset": _text(row.changeset),
            }
        )
    return out


def _value(field: Any, value: Any) -> str | None:
    text = _text(value)
    if field == "priority" and text is not None:
        return PRIORITY_WORDS.get(text.strip(), text)
    return text


def _text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _local(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.to_pydatetime().astimezone().isoformat(timespec="seconds")
