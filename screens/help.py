"""Help (``?``): the keys of the screen you came from, every binding id, and the legend.

The key map is generated from the live bindings (``Screen.active_bindings``)
after the config's keymap was applied, so a remapped key shows its new key.
The ids are listed so an officer can remap them in ``pmo-tui.toml``::

    [keymap]
    triage = "ctrl+t"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from pmo_tui.widgets.fmt import LEGEND
from pmo_tui.widgets.keybar import KeyBar

INTRO = (
    "pmo-tui shows the portfolio → programme → project. enter drills in, escape goes back "
    "(the cursor stays where it was). / filters the table as you type, s sorts by a column "
    "(S reverses), j/k/g/G and the arrows move, tab moves between panes, z zooms a pane. "
    "RAG is always written as a symbol and a word, never colour alone."
)


#: Textual's focus bindings, described for officers
FOCUS_ACTIONS = {
    "app.focus_next": "Next pane",
    "app.focus_previous": "Previous pane",
    "focus_next": "Next pane",
    "focus_previous": "Previous pane",
}
WHERE = {"Grid": "table", "FilterBar": "filter line", "Input": "input"}


def _group(bindings: Iterable[tuple[str, Binding, str]]) -> list[tuple[str, str, str, str]]:
    """Group (key display, binding, where) by binding id."""
    rows: dict[tuple[str, str], list[str]] = {}
    info: dict[tuple[str, str], tuple[str, str]] = {}
    for key, binding, where in bindings:
        ident = binding.id or f"({binding.action})"
        slot = (ident, where)
        rows.setdefault(slot, [])
        if key not in rows[slot]:
            rows[slot].append(key)
        info[slot] = (binding.description or binding.action, where)
    out = []
    for slot, keys in rows.items():
        description, where = info[slot]
        out.append((", ".join(keys), description, slot[0], where))
    return out


class HelpScreen(Screen[None]):
    """Keys of the current screen plus the colour and symbol legend."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j,down", "scroll_down", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="help.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._origin: Screen[object] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Content.styled("Keys and legend", "bold"), classes="help-heading")
            yield Static(Content(INTRO), classes="help-intro")
            yield Static(id="help-keys")
            yield Static(Content.styled("Colours and symbols", "bold"), classes="help-heading")
            yield Static(id="help-legend")
            yield Static(
                Content(
                    "Remap any key in pmo-tui.toml under [keymap], by the id in the third "
                    'column, e.g.  triage = "ctrl+t"  (several keys: "t,f5").'
                ),
                classes="help-intro",
            )
        yield KeyBar()

    def on_mount(self) -> None:
        stack = self.app.screen_stack
        self._origin = stack[-2] if len(stack) >= 2 else None
        self.query_one("#help-keys", Static).update(self.key_table())
        self.query_one("#help-legend", Static).update(self.legend())
        self.query_one(VerticalScroll).focus()

    def key_table(self) -> Content:
        origin = self._origin
        entries: list[tuple[str, Binding, str]] = []
        if origin is not None:
            for active in origin.active_bindings.values():
                binding = active.binding
                if binding.id is None and binding.action not in FOCUS_ACTIONS:
                    continue  # Textual's internals (scrolling, copy): not ours to document
                if binding.action in FOCUS_ACTIONS:
                    binding = replace(binding, description=FOCUS_ACTIONS[binding.action])
                node = active.node
                if node is self.app:
                    where = "everywhere"
                elif node is origin:
                    where = "this screen"
                else:
                    where = WHERE.get(type(node).__name__, type(node).__name__)
                entries.append((self.app.get_key_display(binding), binding, where))
        rows = _group(entries)
        order = {"table": 0, "this screen": 1, "everywhere": 3}
        rows.sort(key=lambda r: (order.get(r[3], 2), r[3], r[2]))
        key_w = max((len(r[0]) for r in rows), default=4) + 2
        does_w = max((len(r[1]) for r in rows), default=4) + 2
        id_w = max((len(r[2]) for r in rows), default=4) + 2
        lines: list[Content] = []
        heading = f"{'key'.ljust(key_w)}{'does'.ljust(does_w)}{'binding id'.ljust(id_w)}where"
        lines.append(Content.styled(heading, "bold underline"))
        for keys, description, ident, where in rows:
            lines.append(
                Content.assemble(
                    (keys.ljust(key_w), "bold $accent"),
                    description.ljust(does_w),
                    (ident.ljust(id_w), "$muted"),
                    (where, "$muted"),
                )
            )
        return Content("\n").join(lines)

    @staticmethod
    def legend() -> Content:
        lines: list[Content] = []
        for symbol, tone, meaning in LEGEND:
            style = f"$rag-{tone}" if tone in ("red", "amber", "green", "grey") else ""
            if tone == "dim":
                style = "dim"
            lines.append(Content.assemble((symbol.ljust(12), style), meaning))
        return Content("\n").join(lines)

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()
