"""Triage fields, their allowed values, and how they are written into the audit trail.

The store's statuses are exactly the model's issue statuses (``open``, ``in
progress``, ``closed``), so the triage overlay merges onto source issues without
a second vocabulary: metrics, filters and reports keep one meaning. Decisions
such as "accepted" or "deferred" are a note (and a due date), not a status.

Priority is 1–4 with the same labels as severity (``model.SEVERITY_LABELS``:
low, medium, high, critical); labels are accepted on input, integers are stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Final

import pandas as pd

from pmo_tui.model import SCHEMAS, SEVERITY_LABELS
from pmo_tui.store.errors import InvalidValue

#: item kinds a note or an audit row can refer to
KINDS: Final = ("issue", "project", "milestone")
#: triage fields of an issue, in the order the UI shows them
FIELDS: Final = ("status", "owner", "priority", "due_date")
STATUSES: Final[tuple[str, ...]] = next(c.values for c in SCHEMAS["issues"] if c.name == "status")
PRIORITY_LABELS: Final = dict(SEVERITY_LABELS)
_PRIORITY_BY_LABEL: Final = {label: level for level, label in SEVERITY_LABELS.items()}

OWNER_MAX = 200
#: notes up to this many UTF-8 bytes are accepted (the contract asks for at least 100 KB)
NOTE_MAX_BYTES = 1024 * 1024
_ONE_LINE_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

TriageValue = str | int | date | None


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidValue("kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def check_item_id(item_id: object) -> str:
    if not isinstance(item_id, str) or not item_id.strip():
        raise InvalidValue("id", f"an item id must be a non-empty string, not {item_id!r}")
    if "\x00" in item_id:
        raise InvalidValue("id", "an item id cannot contain NUL characters")
    return item_id


def normalize_status(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = " ".join(value.strip().lower().replace("_", " ").split())
        if text in STATUSES:
            return text
    raise InvalidValue("status", f"must be one of {', '.join(STATUSES)}, not {value!r}")


def normalize_owner(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue("owner", f"must be text, not {value!r}")
    text = value.strip()
    if not text:
        return None
    if _ONE_LINE_BAD.search(text):
        raise InvalidValue("owner", "must be one line without control characters")
    if len(text) > OWNER_MAX:
        raise InvalidValue("owner", f"is {len(text)} characters; at most {OWNER_MAX}")
    return text


def normalize_priority(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidValue("priority", f"must be 1–4 or low/medium/high/critical, not {value!r}")
    if isinstance(value, int) and value in PRIORITY_LABELS:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _PRIORITY_BY_LABEL:
            return _PRIORITY_BY_LABEL[text]
        if text.isdigit() and int(text) in PRIORITY_LABELS:
            return int(text)
    raise InvalidValue("priority", f"must be 1–4 or low/medium/high/critical, not {value!r}")


def normalize_due_date(value: object) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidValue("due_date", f"must be a date like 2026-03-31, not {value!r}")


_NORMALIZERS: Final = {
    "status": normalize_status,
    "owner": normalize_owner,
    "priority": normalize_priority,
    "due_date": normalize_due_date,
}


def normalize_changes(changes: Mapping[str, object]) -> dict[str, TriageValue]:
    """Validate and canonicalise triage changes; ``None`` (or "") clears a field.

    A cleared field means "no triage decision": the source value shows again.
    Raises :class:`InvalidValue` naming the first bad field.
    """
    out: dict[str, TriageValue] = {}
    for name, value in changes.items():
        if name not in _NORMALIZERS:
            raise InvalidValue(name, f"unknown triage field; fields are {', '.join(FIELDS)}")
        out[name] = _NORMALIZERS[name](value)
    return out


def normalize_note(body: object) -> str:
    """A note is kept verbatim: no stripping, no cleaning. Only size and NUL are refused."""
    if not isinstance(body, str):
        raise InvalidValue("note", f"must be text, not {type(body).__name__}")
    if not body.strip():
        raise InvalidValue("note", "is empty")
    if "\x00" in body:
        raise InvalidValue("note", "cannot contain NUL characters")
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > NOTE_MAX_BYTES:
        raise InvalidValue("note", f"is {size:,} bytes; at most {NOTE_MAX_BYTES:,}")
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue("note", "contains characters that are not valid Unicode") from None
    return body


def encode(field: str, value: TriageValue) -> str | None:
    """A triage value as audit text: status/owner as is, priority ``"1"``–``"4"``, ISO dates."""
    if value is None:
        return None
    if field == "due_date":
        assert isinstance(value, date)
        return value.isoformat()
    return str(value)


def decode(field: str, text: str | None) -> TriageValue:
    """The inverse of :func:`encode`."""
    if text is None:
        return None
    if field == "priority":
        return int(text)
    if field == "due_date":
        return date.fromisoformat(text)
    return text


def show(field: str, value: TriageValue) -> str:
    """A value as the officer reads it in a history line ("high", "2026-03-31", "—")."""
    if value is None:
        return "—"
    if field == "priority" and isinstance(value, int):
        return f"{PRIORITY_LABELS.get(value, value)}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
