"""Text fields that apply a burst of keys in the order it was typed.

Over SSH keys arrive in bursts: ``Jna⌫⌫an`` can come in one read. Textual inserts a
printable key in the field's own handler, but a bound key (backspace, delete,
ctrl+u, ctrl+w, the arrows, home, end, enter) bubbles up to the app first, and only
there is its action run, on the field. By then the field has already inserted the
characters typed *after* it, so ``Jna⌫⌫an`` became ``Jna`` and ``ctrl+u Anna`` an
empty field (Textual issue #6605). An owner, a due date or a note would be saved
wrong, or not at all, without the officer noticing.

:class:`KeysInOrder` runs the field's *own* bindings in its own handler, in the order
the keys arrived, as Textual's open fix for that issue does. Bindings of the dialog
and the app still bubble: the dialogs make ``tab`` a priority binding (the focus
moves before the next key is delivered) and leave ``ctrl+s`` to arrive after the
text typed before it.

When one of the field's own keys moves the focus away (``enter`` or ``escape`` in
the filter line), the keys of the same burst that the app had already sent to the
field go on to wherever the focus is now: ``/WIP⏎j`` filters on ``WIP`` and then
moves down, instead of filtering on ``WIPj``. Only such a move counts: the app sends
each key to the widget focused when it reads the key, and a priority binding (the
dialogs' ``tab``) moves the focus right then, so a field may still be working through
its own keys while the focus is already further on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widget import Widget

# A plain mixin at run time: Textual gathers DEFAULT_CSS and COMPONENT_CLASSES along
# the first base of each class, which must stay the widget (Input, TextArea).
if TYPE_CHECKING:
    _Base = Widget
else:
    _Base = object


class KeysInOrder(_Base):
    """Mixin for ``Input`` and ``TextArea`` subclasses: ``class F(KeysInOrder, Input)``."""

    #: a key handled here moved the focus away: the keys of its burst that the app had
    #: already sent here follow the focus (until it comes back)
    _keys_follow_focus = False

    async def _on_key(self, event: events.Key) -> None:
        if self._keys_follow_focus:
            if self.app.focused is not self:
                self._pass_on(event)
                return
            self._keys_follow_focus = False
        await super()._on_key(event)  # printable keys (and TextArea's enter) are typed
        if event._stop_propagation:
            return
        bindings = self._bindings.copy()
        if self.app._keymap:
            bindings.apply_keymap(self.app._keymap)
        focused = self.app.focused  # not always this field: see the module's last note
        for binding in bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                self._keys_follow_focus = focused is self and self.app.focused is not self
                return

    def _pass_on(self, event: events.Key) -> None:
        """Deliver ``event`` where the focus is now, as the app would have."""
        event.stop()
        event.prevent_default()
        target: Widget = self.app.focused or self.app.screen
        target._forward_event(events.Key(event.key, event.character))
