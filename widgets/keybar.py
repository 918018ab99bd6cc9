"""The key line at the bottom: the keys of the current screen, from the live bindings.

One widget drawing one line. Textual's ``Footer`` rebuilds a widget per key
every time the focus or the screen changes, which cost a drill-down more than
the data did. Keys come from ``Screen.active_bindings`` (after the config's
keymap), so a remapped key shows its new key; when the line is too narrow the
rightmost keys are left out and ``?`` (help) always stays.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import RenderResult
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """``⏎ Open  / Filter  s Sort  ? Help ...`` for the screen it is on."""

    DEFAULT_CSS = """
    KeyBar { height: 1; dock: bottom; background: $footer-background; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def keys(self) -> list[tuple[str, str, str]]:
        """(key as shown, description, action) of the shown bindings, one per action."""
        seen: dict[str, tuple[str, str, str]] = {}
        palette: tuple[str, str, str] | None = None
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.action in ("command_palette", "app.command_palette"):
                if palette is None or key == self.app.COMMAND_PALETTE_BINDING:
                    palette = (self.app.get_key_display(binding), "Palette", binding.action)
                continue
            if not binding.show or not active.enabled or binding.action in seen:
                continue
            seen[binding.action] = (
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
            )
        keys = list(seen.values())
        if palette is not None:
            keys.append(palette)
        return keys

    def render(self) -> RenderResult:
        width = self.size.width or 80
        key_style = "bold $footer-key-foreground"
        text_style = "$footer-description-foreground"
        keys = self.keys()
        parts: list[tuple[str, str, str]] = []
        used = 0
        help_key = next((k for k in keys if k[2] in ("help", "app.help")), None)
        reserve = cell_len(f" {help_key[0]} {help_key[1]} ") if help_key else 0
        for key in keys:
            piece = cell_len(f" {key[0]} {key[1]} ")
            limit = width - (0 if key is help_key else reserve)
            if used + piece > limit:
                continue
            parts.append(key)
            used += piece
        if help_key is not None and help_key not in parts:
            parts.append(help_key)
        out: list[Content | tuple[str, str] | str] = []
        for shown, description, _ in parts:
            out += [(f" {shown}", key_style), (f" {description} ", text_style)]
        return Content.assemble(*out)
