"""Someone saved first: their change beside what this officer typed, nothing lost.

The store refused the save (the issue's version moved since the dialog opened)
and wrote nothing. This view shows the other officer's change (who, when, each
field's old and new value, and the values now in the store) next to what this
officer typed, including the note, which stays in the dialog whatever is chosen:

* ``m`` re-apply mine: save the same values on top of their version;
* ``t`` keep theirs: drop my field changes (a typed note is still saved: notes
  never conflict);
* ``e`` or ``escape``: back to the dialog, on top of their version, text kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from pmo_tui.screens.history import change_text
from pmo_tui.screens.triage_service import local_time
from pmo_tui.store import BulkConflict, Conflict, Triage
from pmo_tui.store.values import FIELDS, TriageValue, show
from pmo_tui.text import clean, one_line

WORDS = {"status": "status", "owner": "owner", "priority": "priority", "due_date": "due date"}


def _current(current: Triage) -> Content:
    lines = [
        Content.assemble(
            (f"{WORDS[name]:<9}", "$text-muted"),
            one_line(show(name, current.value(name)), 40),
            ("  (no decision)" if current.value(name) is None else "", "$text-muted"),
        )
        for name in FIELDS
    ]
    return Content("\n").join(lines)


def theirs_content(conflict: Conflict) -> Content:
    current = conflict.current
    who = one_line(current.updated_by or "someone", 30)
    lines: list[Content] = [
        Content.styled(f"Theirs: {who}, {local_time(current.updated_at)}", "bold"),
        Content.styled(f"version {conflict.base_version} → {current.version}", "$text-muted"),
    ]
    for entry in conflict.theirs:
        lines.append(
            Content.assemble(
                (local_time(entry.at)[11:], "$text-muted"),
                " ",
                (one_line(entry.who, 16), "bold"),
                " ",
                change_text(entry),
            )
        )
    if not conflict.theirs:
        lines.append(Content.styled("(no field changes recorded)", "$text-muted"))
    lines += [Content(""), Content.styled("Now in the store", "bold"), _current(current)]
    return Content("\n").join(lines)


def mine_content(attempted: Mapping[str, TriageValue], note: str | None) -> Content:
    lines: list[Content] = [Content.styled("Yours: typed, not saved, kept", "bold"), Content("")]
    for name, value in attempted.items():
        lines.append(
            Content.assemble(
                (f"{WORDS.get(name, name):<9}", "$text-muted"),
                "→ ",
                one_line(show(name, value), 40),
            )
        )
    if not attempted:
        lines.append(Content.styled("(no field changes)", "$text-muted"))
    if note:
        lines += [
            Content(""),
            Content.styled("Your note", "bold"),
            Content(clean(note, multiline=True)),
        ]
    return Content("\n").join(lines)


def keys(note: bool) -> Content:
    theirs = " keep theirs (your note is still saved)  " if note else " keep theirs  "
    return Content.assemble(
        ("m", "bold"),
        " re-apply mine on top  ",
        ("t", "bold"),
        theirs,
        ("e", "bold"),
        "/",
        ("esc", "bold"),
        " edit again",
    )


class ConflictScreen(ModalScreen[str]):
    """Returns ``"mine"``, ``"theirs"`` or ``"edit"``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "choose('mine')", "Re-apply mine", id="conflict.mine"),
        Binding("t", "choose('theirs')", "Keep theirs", id="conflict.theirs"),
        Binding("e,escape", "choose('edit')", "Edit again", id="conflict.edit"),
    ]

    def __init__(self, conflict: Conflict, note: str | None) -> None:
        super().__init__()
        self.conflict = conflict
        self.note = note

    def compose(self) -> ComposeResult:
        conflict = self.conflict
        with Vertical(id="conflict-box", classes="triage-dialog"):
            yield Static(
                Content.styled(one_line(conflict.message, 200), "bold $text-warning"),
                classes="conflict-title",
            )
            with Horizontal(id="conflict-sides"):
                with VerticalScroll(classes="conflict-side", id="conflict-theirs"):
                    yield Static(theirs_content(conflict))
                with VerticalScroll(classes="conflict-side", id="conflict-mine"):
                    yield Static(mine_content(conflict.attempted, self.note))
            yield Static(keys(bool(self.note)), classes="dialog-keys")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class BulkConflictScreen(ModalScreen[str]):
    """A bulk edit was refused as a whole: which rows conflicted. Returns
    ``"clean"`` (save the others), ``"mine"`` (re-apply to all) or ``"edit"``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "choose('clean')", "Save the others", id="bulkconflict.clean"),
        Binding("m", "choose('mine')", "Re-apply to all", id="bulkconflict.mine"),
        Binding("e,escape", "choose('edit')", "Edit again", id="bulkconflict.edit"),
    ]

    def __init__(self, bulk: BulkConflict, titles: Mapping[str, str]) -> None:
        super().__init__()
        self.bulk = bulk
        self.titles = titles

    def compose(self) -> ComposeResult:
        bulk = self.bulk
        count = len(bulk.conflicts)
        total = count + len(bulk.clean)
        lines: list[Content] = []
        for conflict in bulk.conflicts:
            current = conflict.current
            changes = "; ".join(change_text(e) for e in conflict.theirs) or "changed"
            lines.append(
                Content.assemble(
                    ("✗ ", "bold $text-error"),
                    (one_line(conflict.issue_id, 16), "bold"),
                    " ",
                    one_line(self.titles.get(conflict.issue_id, ""), 40),
                )
            )
            lines.append(
                Content.assemble(
                    "   ",
                    (one_line(current.updated_by or "someone", 20), "bold"),
                    (f" {local_time(current.updated_at)}: ", "$text-muted"),
                    changes,
                )
            )
        with Vertical(id="conflict-box", classes="triage-dialog"):
            yield Static(
                Content.styled(
                    f"Nothing was saved: {count} of the {total} marked issues were changed by "
                    "someone else after you opened them",
                    "bold $text-warning",
                ),
                classes="conflict-title",
            )
            with VerticalScroll(id="bulk-conflicts"):
                yield Static(Content("\n").join(lines))
            clean = len(bulk.clean)
            yield Static(
                Content.assemble(
                    ("c", "bold"),
                    f" save the {clean} others only  ",
                    ("m", "bold"),
                    " re-apply mine to all on top  ",
                    ("e", "bold"),
                    "/",
                    ("esc", "bold"),
                    " edit again",
                ),
                classes="dialog-keys",
            )

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
