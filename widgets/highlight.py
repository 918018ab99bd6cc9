"""One clock per app that fades the change marks of every grid (k9s style).

A grid that marks changed cells (``Grid.changed_at``) registers here. The clock
keeps **one** one-shot timer for the whole app, set to the next moment at which
some mark changes phase (fresh → fading → gone), repaints only the grids whose
marks moved, and sets no timer at all while nothing is highlighted: an idle
wall display wakes up for nothing.

Phases of a mark made at ``t`` with ``seconds`` of highlight:

* ``fresh`` from ``t`` to ``t + FRESH_SHARE * seconds``: bold, the change colour,
  and a ``▌`` in the row's gutter (visible without colour, e.g. ``NO_COLOR``);
* ``fading`` until ``t + seconds``: the change colour only, a ``╎`` in the gutter;
* then gone.
"""

from __future__ import annotations

import time
import weakref
from typing import Protocol

from textual.app import App
from textual.timer import Timer

#: the share of the highlight time a mark is shown at full strength
FRESH_SHARE = 2 / 3

#: the clock of each running app (a clock holds its app weakly: a value that kept its
#: key alive would keep every app that ever marked a change, DOM and data included)
_CLOCKS: weakref.WeakKeyDictionary[App[object], HighlightClock] = weakref.WeakKeyDictionary()


class Fading(Protocol):
    """What the clock needs from a grid."""

    def age_changes(self, now: float) -> float | None:
        """Drop expired marks, repaint if a mark changed phase; the next phase change
        (monotonic seconds), or None when nothing is marked any more."""
        ...


class HighlightClock:
    """The app's single highlight timer (see the module docstring)."""

    def __init__(self, app: App[object]) -> None:
        self._app = weakref.ref(app)
        self._due: dict[int, tuple[weakref.ref[Fading], float]] = {}
        self._timer: Timer | None = None
        self._timer_at = 0.0
        #: how many times the clock woke up (tests prove an idle app never does)
        self.wakeups = 0

    @classmethod
    def of(cls, app: App[object]) -> HighlightClock:
        clock = _CLOCKS.get(app)
        if clock is None:
            clock = _CLOCKS[app] = cls(app)
        return clock

    @property
    def active(self) -> bool:
        """Whether some grid still shows a change mark."""
        return bool(self._due)

    def watch(self, grid: Fading, due: float) -> None:
        """``grid`` has a mark whose phase changes at ``due`` (monotonic seconds)."""
        key = id(grid)
        current = self._due.get(key)
        if current is None or due < current[1]:
            self._due[key] = (weakref.ref(grid), due)
        self._arm()

    def forget(self, grid: Fading) -> None:
        self._due.pop(id(grid), None)
        if not self._due and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _arm(self) -> None:
        if not self._due:
            return
        due = min(at for _, at in self._due.values())
        if self._timer is not None:
            if self._timer_at <= due:
                return
            self._timer.stop()
        delay = max(0.0, due - time.monotonic()) + 0.01
        self._timer_at = due
        app = self._app()
        if app is None:
            return  # the app is gone: nothing left to fade
        self._timer = app.set_timer(delay, self._tick, name="pmo-highlight")

    def _tick(self) -> None:
        self._timer = None
        self.wakeups += 1
        now = time.monotonic()
        for key, (ref, due) in list(self._due.items()):
            if due > now:
                continue
            grid = ref()
            following = grid.age_changes(now) if grid is not None else None
            if following is None:
                self._due.pop(key, None)
            else:
                self._due[key] = (ref, following)
        self._arm()
