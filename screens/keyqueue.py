"""The app takes the keys of a burst one at a time: the next once the last is done.

Textual sends each key to the widget that has the focus when the app reads the key.
A key bound on a screen or the app (``/`` opens the filter line, ``e`` the edit
dialog) runs its action only when it has bubbled back up to the app, and by then
the app has already sent the rest of the burst to the old focus: ``/risk`` typed in
one go over a slow SSH link refreshed (``r``), opened the sort dialog (``s``) and
moved up (``k``) instead of filtering.

:class:`OneKeyAtATime` holds the keys that arrive while one is still on its way and
sends the next only when the last is done, and when what it started has settled:

* **done**: the key was used where it was sent (typed into a field, or handled by
  that widget itself), which is known once that widget has handled it; or it
  bubbled up and the app ran its binding (or found none);
* **settled**: the app, the current screen (a dialog or screen the key opened
  included, once mounted), the focused widget and the widget the key went to have
  no messages left that the key started (a drill-down hops grid → screen → app →
  new screen → app). Only then is the focus where the next key belongs.

A key that is not done within :data:`KEY_TIMEOUT` (a widget that went away with it,
a busy app) lets the next one through anyway: the app never stops reading keys. Keys
that arrive one by one, as typed on a fast link, are sent at once, as before, and
cost no timer: one is armed only while keys wait.

The same holds inside a text field. Textual types a printable key in the field's own
handler, but a bound key (backspace, delete, ctrl+u, the arrows, enter) goes up to
the app first and only there runs on the field (Textual issue #6605, fix not
released): ``Jna⌫⌫an`` became ``Jna``, and an owner or a note could be saved wrong.
One key at a time, the field has handled each before it is sent the next.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, ScreenStackError
from textual.message_pump import MessagePump
from textual.timer import Timer
from textual.widget import Widget

#: seconds a key may take before the next one is let through regardless
KEY_TIMEOUT = 0.5
#: at most this many rounds of waiting for a key's work to settle (each takes well
#: under a millisecond when nothing is busy)
SETTLE_ROUNDS = 20

if TYPE_CHECKING:
    _Base = App[int]
else:
    _Base = object


class OneKeyAtATime(_Base):
    """App mixin: ``class PmoApp(..., OneKeyAtATime, App)``."""

    _key_busy = False
    #: the key on its way, its number and when it was sent: a late "done" or timeout
    #: of an earlier key must not let a second one through
    _key_current: events.Key | None = None
    _key_number = 0
    _key_sent_at = 0.0
    #: armed only while keys wait: a key typed on its own costs no timer
    _key_timer: Timer | None = None
    _key_backlog: deque[events.Key] | None = None
    #: where the key on its way was sent (its queue may still hold what the key started)
    _key_target: MessagePump | None = None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)  # a key bubbling back up arrives here too
            return
        if self._key_busy:
            if self._key_backlog is None:
                self._key_backlog = deque()
            self._key_backlog.append(event)
            self._arm_key_timer()
            return
        await self._send_key(event)

    async def _send_key(self, event: events.Key) -> None:
        self._key_busy = True
        self._key_current = event
        self._key_number += 1
        self._key_sent_at = time.monotonic()
        if self._key_backlog:
            self._arm_key_timer()
        target = self.focused or self.screen
        self._key_target = target
        await super().on_event(event)
        if not event.is_forwarded:  # a priority binding took it
            self._key_done(event)
        else:  # once the target has handled it: used there, or bubbling up to _on_key
            target.call_later(self._key_used, event)

    def _arm_key_timer(self) -> None:
        if self._key_timer is None:
            left = self._key_sent_at + KEY_TIMEOUT - time.monotonic()
            callback = partial(self._next_key, self._key_number)
            self._key_timer = self.set_timer(max(0.0, left), callback, name="key timeout")

    def _key_used(self, event: events.Key) -> None:
        if event._stop_propagation:
            self._key_done(event)

    async def _on_key(self, event: events.Key) -> None:
        await super()._on_key(event)  # App's: the bindings, then key_ methods
        event.prevent_default()  # so the dispatcher does not run App's handler again
        self._key_done(event)

    def _key_done(self, event: events.Key) -> None:
        if event is not self._key_current:
            return  # an earlier key, already let through by the timeout
        self._key_current = None
        self._settle(self._key_number, 0)

    def _settle(self, number: int, rounds: int) -> None:
        """Send the next key once what this one started has run its course.

        A key's work can hop through several queues: enter on a grid posts
        ``Selected`` (grid), the screen turns it into ``OpenItem`` (screen), the app
        pushes the project screen, which mounts and asks for its focus (app). Each
        round lets every queue run once more (a hop through the screen and the app
        gives the loop a turn); it ends when the app, the screen (mounted), and the
        focused widget and the widget the key went to, with their containers, have
        nothing left to do.
        """
        if number != self._key_number:
            return
        try:
            screen = self.screen
        except ScreenStackError:  # the app is closing
            return
        busy = not screen.is_mounted or any(
            pump.message_queue_size for pump in self._key_pumps(screen)
        )
        if busy and rounds < SETTLE_ROUNDS:
            screen.call_later(self.call_later, self._settle, number, rounds + 1)
        else:
            self.call_later(self._next_key, number)

    def _key_pumps(self, screen: MessagePump) -> Iterator[MessagePump]:
        """The app, the screen, and the focused widget and the key's target with their
        containers: a message the key started bubbles up through these."""
        yield self
        yield screen
        for widget in (self.focused, self._key_target):
            if isinstance(widget, Widget):
                yield from widget.ancestors_with_self

    async def _next_key(self, number: int) -> None:
        if number != self._key_number:
            return  # the timeout of a key that was done, or the reverse
        self._key_number += 1  # whichever of the two comes second finds nothing to do
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        self._key_current = None
        self._key_target = None  # do not keep a closed dialog's field alive
        if self._key_backlog:
            await self._send_key(self._key_backlog.popleft())
        else:
            self._key_busy = False
