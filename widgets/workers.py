"""Thread workers that let go of their arguments as soon as they start.

Textual keeps every worker in a reference cycle (the worker, its asyncio task,
the task's context, whose ``active_worker`` variable is the worker again), so a
finished worker is freed only by a full run of the cyclic garbage collector,
and with it the ``functools.partial`` that ``@work`` wraps the arguments in. A
worker started with a :class:`~pmo_tui.screens.snapshot.Snapshot` therefore kept
that snapshot alive after it was replaced: its frames, its metrics and every
row cached on it (~8,700 objects per refresh on the large demo, in cycles only
through the worker). Each refresh thus left its garbage to the collector's
oldest generation, whose full collections (100–280 ms of the GIL, about one
per refresh) stalled the refresh and the keys alike (``docs/live.md``, "The
garbage collector").

:func:`thread_work` starts the method in a thread worker like
``@work(thread=True, exit_on_error=False)``, but the worker holds the arguments
only until the method picks them up, so what it was given is freed by reference
counting the moment nothing else needs it. (A worker cancelled before it starts,
e.g. by an ``exclusive`` successor, keeps them until the next full collection.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

P = ParamSpec("P")
N = TypeVar("N", bound=DOMNode)


def thread_work(
    *, group: str, description: str, exclusive: bool = False
) -> Callable[[Callable[Concatenate[N, P], None]], Callable[Concatenate[N, P], Worker[None]]]:
    """Run the decorated method in a thread worker that does not keep its arguments.

    ``description`` is required: without one Textual builds it from the
    arguments' ``repr()``, on the UI thread (a Snapshot's repr prints frames).
    """

    def decorator(
        method: Callable[Concatenate[N, P], None],
    ) -> Callable[Concatenate[N, P], Worker[None]]:
        @functools.wraps(method)
        def start(node: N, /, *args: P.args, **kwargs: P.kwargs) -> Worker[None]:
            handed = [(args, kwargs)]

            def run() -> None:
                given, named = handed.pop()
                method(node, *given, **named)

            return node.run_worker(
                run,
                name=method.__name__,
                group=group,
                description=description,
                exclusive=exclusive,
                exit_on_error=False,
                thread=True,
            )

        return start

    return decorator
