"""Long id lists sent to the database in batches (``IN (...)`` of at most 500).

500 bound parameters stay under SQLite's oldest limit (999) and keep
PostgreSQL's plans small; one list of 20,000 milestone ids becomes 40 queries.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

BATCH = 500


def batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
