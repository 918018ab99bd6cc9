"""The triage edit dialog (``e``): status, owner, priority, due date and a note.

Keyboard only: ``tab``/``shift+tab`` move between fields, ``enter`` in a field
saves, ``ctrl+s`` (or ``f2``) saves from anywhere including the note, and
``escape`` cancels, but asks first ("discard your changes? y/n") when anything
was typed: over a laggy SSH link a stray Escape must not throw work away.

The save runs in a thread worker: the dialog says "saving…" and closes when the
store confirms the commit. If another officer saved the issue since it was
opened, nothing is written and the conflict view shows their change beside what
this officer typed (kept), with the choices to re-apply it on top, keep theirs,
or edit again. With marked rows the dialog edits all of them in one
all-or-nothing transaction; empty fields are left alone and ``-`` clears one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from pmo_tui.errors import describe
from pmo_tui.screens.confirm import ConfirmDiscard
from pmo_tui.screens.conflict import BulkConflictScreen, ConflictScreen
from pmo_tui.screens.triage_form import (
    CLEAR,
    FIELD_NAMES,
    FieldError,
    FormValue,
    describe_changes,
    parse_field,
    read_form,
    show_value,
)
from pmo_tui.screens.triage_service import local_time
from pmo_tui.screens.triage_state import Decision, view_for
from pmo_tui.store import (
    PRIORITY_LABELS,
    STATUSES,
    BulkConflict,
    BulkSaved,
    Conflict,
    Edit,
    Saved,
    Store,
)
from pmo_tui.text import one_line
from pmo_tui.widgets.grid import Grid
from pmo_tui.widgets.plaintext import PlainInput, PlainTextArea
from pmo_tui.widgets.workers import thread_work

if TYPE_CHECKING:
    from pmo_tui.app import PmoApp

FIELDS = ("status", "owner", "priority", "due_date")
SOURCE_FIELDS = ("status", "owner", "due_date")
SaveResult = Saved | BulkSaved | Conflict | BulkConflict


def _value(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


@dataclass(frozen=True)
class EditTarget:
    """One issue as the officer saw it when the dialog opened."""

    issue_id: str
    title: str
    project: str
    base_version: int
    #: what the screen showed: the decision over the export
    current: dict[str, FormValue]
    #: what the export says (status, owner, due date)
    source: dict[str, FormValue]
    decision: Decision = field(default_factory=Decision)


@dataclass(frozen=True)
class EditRequest:
    targets: tuple[EditTarget, ...]
    today: date
    owners: tuple[str, ...] = ()

    @property
    def bulk(self) -> bool:
        return len(self.targets) > 1


@dataclass(frozen=True)
class EditDone:
    """What the dialog saved (for the app's refresh and toast)."""

    result: Saved | BulkSaved
    summary: str


def build_request(app: PmoApp, issue_ids: Sequence[str]) -> EditRequest | None:
    """The dialog's starting point from the snapshot on screen and its decisions."""
    snapshot = app.snapshot
    if snapshot is None:
        return None
    view = view_for(snapshot)
    wanted = list(dict.fromkeys(issue_ids))
    issues = snapshot.metrics.issues
    shown = issues.loc[issues["issue_id"].isin(wanted)].drop_duplicates("issue_id")
    raw = snapshot.portfolio["issues"]
    source = raw.loc[raw["issue_id"].isin(wanted)].drop_duplicates("issue_id")
    by_id = {str(r["issue_id"]): r for r in shown.to_dict("records")}
    src_by_id = {str(r["issue_id"]): r for r in source.to_dict("records")}
    targets = []
    for issue_id in wanted:
        row = by_id.get(issue_id)
        if row is None:
            continue
        decision = view.decision(issue_id)
        src = src_by_id.get(issue_id, {})
        current: dict[str, FormValue] = {
            "status": _value(row.get("status")),
            "owner": _value(row.get("owner")),
            "priority": decision.priority,
            "due_date": _value(row.get("due_date")),
        }
        targets.append(
            EditTarget(
                issue_id=issue_id,
                title=one_line(row.get("title") or ""),
                project=one_line(row.get("project_name") or row.get("project_id") or ""),
                base_version=decision.version,
                current=current,
                source={name: _value(src.get(name)) for name in SOURCE_FIELDS},
                decision=decision,
            )
        )
    if not targets:
        return None
    owners = issues["owner"].dropna().astype("str").unique().tolist()
    return EditRequest(tuple(targets), app.as_of, tuple(sorted(owners, key=str.casefold)))


def open_editor(
    app: PmoApp,
    issue_ids: Sequence[str],
    *,
    on_saved: Callable[[], None] | None = None,
    grid: Grid | None = None,
) -> None:
    request = build_request(app, issue_ids)
    if request is None:
        app.notify_plain("That issue is no longer in the data.", severity="warning", timeout=4)
        return

    def done(outcome: EditDone | None) -> None:
        if outcome is not None:
            app.after_write(outcome.result, outcome.summary)
            if on_saved is not None:
                on_saved()
        if grid is not None and grid.is_attached:
            grid.focus()

    app.push_screen(EditScreen(request), done)


class SaveDone(Message):
    def __init__(self, result: SaveResult) -> None:
        super().__init__()
        self.result = result


class SaveFailed(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def save_edit(
    app: PmoApp,
    store: Store,
    targets: Sequence[EditTarget],
    changes: dict[str, FormValue],
    note: str | None,
) -> SaveResult:
    """The store call behind the dialog (worker thread)."""
    try:
        app.ensure_round(store)
    except Exception as exc:  # a round is a convenience; never block a save on it
        app._log_exception(exc)
    result: SaveResult
    if len(targets) == 1:
        target = targets[0]
        result = store.save(target.issue_id, target.base_version, changes, note=note)
    else:
        edits = [Edit(t.issue_id, t.base_version, changes) for t in targets]
        result = store.save_many(edits, note=note)
    app.mark_own(result)
    return result


class EditScreen(ModalScreen[EditDone | None]):
    """Edit one issue's triage fields, or every marked issue's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
        # not a priority binding: the key reaches the focused field after the keys typed
        # before it, so a burst ending in ctrl+s saves every character of the burst
        Binding("ctrl+s,f2", "save", "Save", id="edit.save"),
        # priority: the focus moves before the next key is delivered, so text typed
        # right after tab (a burst over SSH) lands in the next field, not this one
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, id="edit.next"),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous field",
            show=False,
            priority=True,
            id="edit.previous",
        ),
    ]

    def __init__(self, request: EditRequest) -> None:
        super().__init__()
        self.request = request
        self.saving = False
        self._initial_texts: dict[str, str] = {}
        self._changes: dict[str, FormValue] = {}
        self._note: str | None = None
        self._last_conflict: Conflict | None = None
        self._last_bulk: BulkConflict | None = None

    @property
    def pmo(self) -> PmoApp:
        from pmo_tui.screens.triage_actions import pmo_app

        return pmo_app(self)

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        request = self.request
        with Vertical(id="edit-box", classes="triage-dialog"):
            yield Static(self._title(), id="edit-title", classes="modal-title")
            yield Static(self._subtitle(), id="edit-subtitle", classes="dialog-muted")
            for name in FIELDS:
                text = "" if request.bulk else show_value(name, request.targets[0].current[name])
                self._initial_texts[name] = text
                with Horizontal(classes="edit-row"):
                    yield Static(Content(FIELD_NAMES[name]), classes="edit-label")
                    yield PlainInput(
                        text,
                        placeholder=self._placeholder(name),
                        suggester=self._suggester(name),
                        id=f"edit-{name}",
                        classes="edit-input",
                    )
                    yield Static(self._hint(name, text), id=f"hint-{name}", classes="edit-hint")
            label = (
                "Note (optional, added to every marked issue)"
                if request.bulk
                else "Note (optional, saved with the change)"
            )
            yield Static(Content(label), classes="dialog-muted")
            yield PlainTextArea(id="edit-note", classes="dialog-note")
            yield Static(id="edit-message", classes="dialog-status")
            yield Static(self._keys(), id="edit-keys", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#edit-message", Static).display = False
        self.query_one(f"#edit-{FIELDS[0]}", Input).focus()

    def _title(self) -> Content:
        targets = self.request.targets
        if self.request.bulk:
            return Content(f"Edit {len(targets)} marked issues")
        target = targets[0]
        return Content.assemble(
            ("Edit ", ""), (one_line(target.issue_id, 24), "bold"), "  ", one_line(target.title, 60)
        )

    def _subtitle(self) -> Content:
        targets = self.request.targets
        if self.request.bulk:
            ids = ", ".join(one_line(t.issue_id, 16) for t in targets[:8])
            more = f" and {len(targets) - 8} more" if len(targets) > 8 else ""
            return Content(
                f"{ids}{more} · one transaction: all are saved, or none · as {self._officer()}"
            )
        target = targets[0]
        decision = target.decision
        where = f"in {target.project}" if target.project else ""
        if decision.version and decision.by:
            last = (
                f"version {decision.version}, last changed by {one_line(decision.by, 24)} "
                f"{local_time(decision.at)}"
            )
        else:
            last = "not triaged yet"
        return Content(f"{where} · {last} · saving as {self._officer()}".strip(" ·"))

    def _officer(self) -> str:
        return one_line(self.pmo.officer_name, 30) or "you"

    def _keys(self) -> Content:
        save = self.pmo.key_for_screen("edit.save", type(self))
        return Content.assemble(
            ("tab", "bold"),
            " next field  ",
            ("enter", "bold"),
            " save  ",
            (save, "bold"),
            " save (also from the note)  ",
            ("esc", "bold"),
            " cancel",
        )

    def _placeholder(self, name: str) -> str:
        if self.request.bulk:
            return f"unchanged ({CLEAR} clears)"
        return {
            "status": "open, in progress, closed",
            "owner": "name",
            "priority": "1–4 or low…critical",
            "due_date": "2026-07-14, 14-07-2026, +14",
        }[name]

    def _suggester(self, name: str) -> SuggestFromList | None:
        if name == "status":
            return SuggestFromList(STATUSES, case_sensitive=False)
        if name == "priority":
            return SuggestFromList(list(PRIORITY_LABELS.values()), case_sensitive=False)
        if name == "owner" and self.request.owners:
            return SuggestFromList(self.request.owners, case_sensitive=False)
        return None

    def _hint(self, name: str, text: str) -> Content:
        """Under the field: the parsed value or the problem, and what the export says."""
        request = self.request
        if request.bulk and text.strip() in ("", CLEAR):
            word = "clears the decision" if text.strip() == CLEAR else "left as it is"
            return Content.styled(word, "$text-muted")
        try:
            value = parse_field(name, text, request.today)
        except FieldError as exc:
            return Content.styled(f"✗ {exc.message}", "bold $error")
        parts: list[Content | tuple[str, str] | str] = []
        if name == "due_date" and value is not None and isinstance(value, date):
            days = (value - request.today).days
            when = f"{value:%a %d %b %Y}" + (f", in {days} days" if days > 0 else "")
            if days < 0:
                when += f", {-days} days ago"
            parts.append((f"→ {when}", "$text-success" if days >= 0 else "$text-warning"))
        elif name == "priority" and isinstance(value, int):
            parts.append((f"→ {value} {PRIORITY_LABELS[value]}", "$text-success"))
        elif value is None and not request.bulk:
            parts.append(("no decision", "$text-muted"))
        if not request.bulk and name in SOURCE_FIELDS:
            source = show_value(name, request.targets[0].source.get(name)) or "—"
            if parts:
                parts.append("  ")
            parts.append((f"export: {one_line(source, 30)}", "$text-muted"))
        return Content.assemble(*parts)

    # -- reading the form -------------------------------------------------------------------
    def texts(self) -> dict[str, str]:
        return {name: self.query_one(f"#edit-{name}", Input).value for name in FIELDS}

    def note_text(self) -> str:
        return self.query_one("#edit-note", PlainTextArea).text

    def dirty(self) -> bool:
        return self.texts() != self._initial_texts or bool(self.note_text().strip())

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("edit-")
        if name in FIELDS:
            self.query_one(f"#hint-{name}", Static).update(self._hint(name, event.value))
            if not self.saving:
                self._status("")  # the hints say what is wrong now; an old verdict would not

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def _status(self, text: str, style: str = "") -> None:
        status = self.query_one("#edit-message", Static)
        status.display = bool(text)
        status.update(Content.styled(text, style))

    # -- saving -----------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.saving:
            return
        request = self.request
        initial = {} if request.bulk else request.targets[0].current
        form = read_form(self.texts(), initial, request.today, bulk=request.bulk)
        if not form.ok:
            first = next(name for name in FIELDS if name in form.errors)
            self.query_one(f"#edit-{first}", Input).focus()
            bad = ", ".join(FIELD_NAMES[n].lower() for n in FIELDS if n in form.errors)
            self._status(f"Not saved: check {bad}.", "bold $error")
            return
        note = self.note_text()
        note_or_none = note if note.strip() else None
        if not form.changes and note_or_none is None:
            self.dismiss(None)
            self.pmo.notify_plain("Nothing changed.", timeout=2)
            return
        self._changes = form.changes
        self._note = note_or_none
        self._set_saving(True)
        self._save(request.targets, form.changes, note_or_none)

    def _set_saving(self, saving: bool) -> None:
        self.saving = saving
        for widget in self.query(Input):
            widget.disabled = saving
        self.query_one("#edit-note", PlainTextArea).read_only = saving
        if saving:
            self._status("saving…", "bold $text-accent")

    @thread_work(group="save", exclusive=True, description="save")
    def _save(
        self, targets: tuple[EditTarget, ...], changes: dict[str, FormValue], note: str | None
    ) -> None:
        app = self.pmo
        store = app.store
        if store is None:
            self.post_message(SaveFailed(app.write_refusal() or "the store is not open"))
            return
        try:
            result = save_edit(app, store, targets, changes, note)
        except Exception as exc:
            app._log_exception(exc)
            self.post_message(SaveFailed(describe(exc)))
            return
        self.post_message(SaveDone(result))

    def on_save_done(self, message: SaveDone) -> None:
        result = message.result
        if isinstance(result, Saved | BulkSaved):
            self.dismiss(EditDone(result, self._summary(result)))
        elif isinstance(result, Conflict):
            self._last_conflict = result
            self.app.push_screen(ConflictScreen(result, self._note), self._resolve)
        else:
            self._last_bulk = result
            titles = {t.issue_id: t.title for t in self.request.targets}
            self.app.push_screen(BulkConflictScreen(result, titles), self._resolve_bulk)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._set_saving(False)
        self._status(f"Nothing was saved: {one_line(message.reason, 200)}", "bold $error")

    def _summary(self, result: Saved | BulkSaved) -> str:
        what = describe_changes(self._changes)
        if self._note is not None:
            what = f"{what}, with a note" if what else "a note"
        if isinstance(result, Saved):
            return f"{one_line(result.triage.issue_id, 24)}: {what}"
        return f"{len(result.saved)} issues: {what}"

    # -- conflicts ---------------------------------------------------------------------------
    def _rebase(self, current: dict[str, Any]) -> None:
        """Edit on top of what is in the store now (new base versions), keeping the text."""
        targets = tuple(
            replace(
                t,
                base_version=current[t.issue_id].version,
                decision=replace(
                    t.decision,
                    version=current[t.issue_id].version,
                    by=current[t.issue_id].updated_by,
                    at=current[t.issue_id].updated_at,
                ),
            )
            if t.issue_id in current
            else t
            for t in self.request.targets
        )
        self.request = replace(self.request, targets=targets)
        self.query_one("#edit-subtitle", Static).update(self._subtitle())

    def _resolve(self, choice: str | None) -> None:
        conflict = self._last_conflict
        if conflict is None:
            return
        self._rebase({conflict.issue_id: conflict.current})
        if choice == "mine":
            self._save(self.request.targets, self._changes, self._note)
        elif choice == "theirs":
            if self._note is not None:
                self._save(self.request.targets, {}, self._note)
            else:
                self.dismiss(None)
                self.pmo.notify_plain("Kept their change; nothing of yours was saved.", timeout=4)
        else:
            self._set_saving(False)
            self._status(
                f"Editing on top of {one_line(conflict.current.updated_by or 'the other')}'s "
                f"change (version {conflict.current.version}); your text is kept.",
                "$text-warning",
            )

    def _resolve_bulk(self, choice: str | None) -> None:
        bulk = self._last_bulk
        if bulk is None:
            return
        current = {c.issue_id: c.current for c in bulk.conflicts}
        if choice == "clean":
            clean = set(bulk.clean)
            targets = tuple(t for t in self.request.targets if t.issue_id in clean)
            self.request = replace(self.request, targets=targets)
            if targets:
                self._save(targets, self._changes, self._note)
            else:
                self.dismiss(None)
            return
        self._rebase(current)
        if choice == "mine":
            self._save(self.request.targets, self._changes, self._note)
        else:
            self._set_saving(False)
            self._status(
                f"{len(bulk.conflicts)} of the marked issues were changed by someone else; "
                "editing on top of their changes, your text is kept.",
                "$text-warning",
            )

    # -- leaving ------------------------------------------------------------------------------
    def action_cancel(self) -> None:
        if self.saving:
            return
        if not self.dirty():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDiscard(), answered)
