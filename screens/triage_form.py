"""Reading what an officer typed into the triage edit form (pure Python, no textual).

Forgiving where it is safe, strict where it matters, and always saying why:

* status: ``open``, ``in progress``, ``closed`` or any unique start of one
  (``o``, ``i``, ``c``; ``_`` and ``-`` count as spaces);
* priority: ``1``–``4`` or ``low``, ``medium``, ``high``, ``critical`` (or a
  unique start: ``l``, ``m``, ``h``, ``c``);
* due date: ``2026-07-14``, ``14-07-2026``, ``14/07/2026``, ``14.07.2026`` (day
  first, as everywhere in pmo-tui), ``+14`` / ``+14d`` days or ``+2w`` weeks from
  today, ``today``, ``tomorrow``;
* owner: free text on one line; control characters and escape sequences are
  removed, runs of spaces fold to one, at most 200 characters.

An empty field means "no decision": the export's value shows again. In a bulk
edit an empty field means "leave as it is" and ``-`` clears the decision.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from pmo_tui.store import PRIORITY_LABELS, STATUSES
from pmo_tui.text import one_line

OWNER_MAX = 200
CLEAR = "-"
FIELD_NAMES = {
    "status": "Status",
    "owner": "Owner",
    "priority": "Priority",
    "due_date": "Due date",
}
FormValue = str | int | date | None

_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_RELATIVE = re.compile(r"^\+\s*(\d{1,4})\s*([dw]?)$")


class FieldError(ValueError):
    """What is wrong with one field, in words for the officer."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _unique_start(text: str, choices: Mapping[str, object]) -> object | None:
    if text in choices:
        return choices[text]
    hits = {v for k, v in choices.items() if k.startswith(text)}
    return hits.pop() if len(hits) == 1 else None


_STATUS_WORDS: dict[str, object] = {s: s for s in STATUSES}
_STATUS_WORDS["ip"] = "in progress"
_PRIORITY_WORDS: dict[str, object] = {label: level for level, label in PRIORITY_LABELS.items()}
_PRIORITY_WORDS |= {str(level): level for level in PRIORITY_LABELS}


def parse_status(text: str) -> str | None:
    words = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    if not words:
        return None
    found = _unique_start(words, _STATUS_WORDS)
    if isinstance(found, str):
        return found
    raise FieldError(
        "status",
        f"{one_line(text, 30)!r} is not a status: type open, in progress or closed (o, i, c)",
    )


def parse_priority(text: str) -> int | None:
    word = text.strip().lower()
    if not word:
        return None
    found = _unique_start(word, _PRIORITY_WORDS)
    if isinstance(found, int):
        return found
    raise FieldError(
        "priority",
        f"{one_line(text, 30)!r} is not a priority: type 1–4 or low, medium, high, critical",
    )


def parse_owner(text: str) -> str | None:
    owner = " ".join(one_line(text).split())
    if not owner:
        return None
    if len(owner) > OWNER_MAX:
        raise FieldError("owner", f"is {len(owner)} characters long; at most {OWNER_MAX}")
    return owner


def parse_due(text: str, today: date) -> date | None:
    word = text.strip().lower()
    if not word:
        return None
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    relative = _RELATIVE.match(word)
    if relative:
        count = int(relative.group(1))
        return (
            today + timedelta(weeks=count)
            if relative.group(2) == "w"
            else today + timedelta(days=count)
        )
    for pattern, order in ((_ISO, (0, 1, 2)), (_DAY_FIRST, (2, 1, 0))):
        match = pattern.match(word)
        if match:
            parts = [int(match.group(i + 1)) for i in range(3)]
            year, month, day = (parts[i] for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                break
    raise FieldError(
        "due_date",
        f"{one_line(text, 30)!r} is not a date: "
        "type 2026-07-14, 14-07-2026 or +14 (days from today)",
    )


def parse_field(name: str, text: str, today: date) -> FormValue:
    if name == "status":
        return parse_status(text)
    if name == "priority":
        return parse_priority(text)
    if name == "owner":
        return parse_owner(text)
    if name == "due_date":
        return parse_due(text, today)
    raise KeyError(name)


def show_value(name: str, value: FormValue) -> str:
    """A value as the form shows it (the text the officer would type)."""
    if value is None:
        return ""
    if name == "priority" and isinstance(value, int):
        return PRIORITY_LABELS.get(value, str(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class FormResult:
    """The changes to save (field -> value; None clears) and the problems, by field."""

    changes: dict[str, FormValue] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_form(
    texts: Mapping[str, str],
    initial: Mapping[str, FormValue],
    today: date,
    *,
    bulk: bool = False,
) -> FormResult:
    """What to save from the form's ``texts``.

    Single edit: a field whose value equals ``initial`` (what the form opened
    with) is not sent; an emptied field clears the decision. Bulk edit: an
    empty field is left alone and ``-`` clears it.
    """
    changes: dict[str, FormValue] = {}
    errors: dict[str, str] = {}
    for name, text in texts.items():
        if bulk:
            if not text.strip():
                continue
            if text.strip() == CLEAR:
                changes[name] = None
                continue
        try:
            value = parse_field(name, text, today)
        except FieldError as exc:
            errors[name] = exc.message
            continue
        if bulk or value != initial.get(name):
            changes[name] = value
    return FormResult(changes, errors)


def describe_changes(changes: Mapping[str, FormValue]) -> str:
    """``owner → Ann, due date → 2026-07-14`` for toasts and confirmations."""
    parts = []
    for name, value in changes.items():
        label = FIELD_NAMES.get(name, name).lower()
        parts.append(f"{label} → {show_value(name, value) or '— (no decision)'}")
    return ", ".join(parts)
