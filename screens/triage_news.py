"""What other officers just did, in words for a toast (pure Python, no textual).

The store's watcher says *that* something changed; :class:`News` reads the
audit trail and notes since it last looked and writes one short line per
change set: ``ana changed I-00042: owner → Jan`` or ``bob added a note to
P-007``. Everything is plain text (``one_line``): a hostile owner name or note
is never markup and never an escape sequence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from pmo_tui.store import Store
from pmo_tui.store.values import decode, show
from pmo_tui.text import one_line

#: how far back a read looks again (clocks of several machines, late commits)
OVERLAP = timedelta(seconds=120)
FIELD_WORDS = {"status": "status", "owner": "owner", "priority": "priority", "due_date": "due"}
MAX_LINES = 3


def _item(kind: str, item_id: str) -> str:
    ident = one_line(item_id, 24)
    return ident if kind == "issue" else f"{kind} {ident}"


def _change_text(field: str, new: Any) -> str:
    try:
        value = show(field, decode(field, new))
    except (TypeError, ValueError):
        value = str(new)
    return f"{FIELD_WORDS.get(field, field)} → {one_line(value, 30)}"


def describe(rows: pd.DataFrame) -> list[str]:
    """One line per change set (``activity`` rows, oldest first)."""
    lines: list[str] = []
    for _, group in rows.groupby("changeset", sort=False):
        first = group.iloc[0]
        who = one_line(first["who"], 24)
        changes = group[group["field"].notna()]
        notes = group[group["note"].notna()]
        items = list(dict.fromkeys(zip(group["kind"], group["item_id"], strict=True)))
        if len(items) == 1:
            kind, item_id = items[0]
            parts = [
                _change_text(f, n)
                for f, n in dict(zip(changes["field"], changes["new"], strict=True)).items()
            ]
            target = _item(kind, item_id)
            if parts and len(notes):
                lines.append(f"{who} changed {target}: {', '.join(parts)} (with a note)")
            elif parts:
                lines.append(f"{who} changed {target}: {', '.join(parts)}")
            else:
                lines.append(f"{who} added a note to {target}")
        else:
            parts = [
                _change_text(f, n)
                for f, n in dict(zip(changes["field"], changes["new"], strict=True)).items()
            ]
            what = ", ".join(parts) if parts else "a note"
            lines.append(f"{who} changed {len(items)} issues: {what}")
    return lines


def summarise(lines: list[str]) -> str:
    """At most three lines, then ``… and N more``."""
    if len(lines) <= MAX_LINES:
        return "\n".join(lines)
    shown = lines[-MAX_LINES:]
    return "\n".join([*shown, f"… and {len(lines) - MAX_LINES} more changes"])


class News:
    """Reads what changed in the store since the last read; never reports a change twice."""

    def __init__(self, now: datetime | None = None) -> None:
        self._since = (now or datetime.now(UTC)) - OVERLAP
        self._seen: dict[str, datetime] = {}
        #: change sets this app saved itself (never announced back)
        self.own: set[str] = set()

    def prime(self, store: Store) -> None:
        """Mark what is already there as seen (at start: nothing is news yet)."""
        self.read(store)

    def read(self, store: Store) -> list[str]:
        rows = store.activity(self._since)
        if rows.empty:
            return []
        fresh = rows[~rows["changeset"].isin(set(self._seen) | self.own)]
        latest = rows["at"].max()
        for changeset, at in zip(rows["changeset"], rows["at"], strict=True):
            self._seen[str(changeset)] = at
        if isinstance(latest, pd.Timestamp) and not pd.isna(latest):
            self._since = latest.to_pydatetime() - OVERLAP
            horizon = latest - 2 * OVERLAP
            self._seen = {c: t for c, t in self._seen.items() if t >= horizon}
        return describe(fresh) if len(fresh) else []
