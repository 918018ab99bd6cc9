"""Capped exponential backoff for watchers that restart after a failure."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``initial``, ``initial * factor``, ... up to ``cap`` seconds; ``reset()`` after a success.

    >>> b = Backoff(initial=0.5, cap=2.0)
    >>> [b.next() for _ in range(4)]
    [0.5, 1.0, 2.0, 2.0]
    """

    initial: float = 0.25
    cap: float = 10.0
    factor: float = 2.0
    attempts: int = field(default=0, init=False)

    def next(self) -> float:
        delay = min(self.cap, self.initial * self.factor**self.attempts)
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0
