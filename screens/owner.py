"""Pick an owner for the triage queue's owner facet (``o``): type to narrow the list."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pmo_tui.widgets.plaintext import PlainInput

EVERYONE = ""
UNASSIGNED = "\x00unassigned"


class OwnerPicker(ModalScreen[str | None]):
    """Returns an owner name, ``UNASSIGNED``, ``""`` for everyone, or None (cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="owner.cancel"),
        Binding("down", "down", "Down", show=False, id="owner.down"),
        Binding("up", "up", "Up", show=False, id="owner.up"),
    ]

    def __init__(self, owners: list[tuple[str, int]], current: str | None) -> None:
        super().__init__()
        self.owners = owners
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="owner-box"):
            yield Static(Content("Owner (type to narrow; enter picks)"), classes="modal-title")
            yield PlainInput(placeholder="name…", id="owner-filter")
            yield OptionList(id="owner-options")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, text: str) -> None:
        needle = text.casefold().strip()
        options = self.query_one(OptionList)
        options.clear_options()
        total = sum(n for _, n in self.owners)
        unassigned = sum(n for name, n in self.owners if not name)
        items: list[Option] = []
        if not needle:
            items.append(Option(Content(f"(everyone)  {total:,}"), id="everyone"))
            items.append(Option(Content(f"(unassigned)  {unassigned:,}"), id="unassigned"))
        for index, (name, count) in enumerate(self.owners):
            if not name or (needle and needle not in name.casefold()):
                continue
            items.append(Option(Content(f"{name}  {count:,}"), id=f"o{index}"))
            if len(items) > 500:
                break
        options.add_options(items)
        if items:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._pick(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, option_id: str | None) -> None:
        if option_id == "everyone":
            self.dismiss(EVERYONE)
        elif option_id == "unassigned":
            self.dismiss(UNASSIGNED)
        elif option_id and option_id.startswith("o"):
            self.dismiss(self.owners[int(option_id[1:])][0])

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()
