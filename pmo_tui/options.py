"""Options shared by the CLI, the app and the reports (no textual here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Options:
    """What the officer asked for on the command line."""

    source: str | None = None  # folder path or SQLAlchemy URL; None = bundled demo
    store: str | None = None  # SQLAlchemy URL of the triage store
    config: Path | None = None
    as_of: date | None = None  # "today" for every computation
    theme: str | None = None
    kiosk: bool = False
    read_only: bool = False
    cycle: tuple[str, ...] = ()
    interval: float | None = None
    poll: float | None = None  # seconds; polling instead of inotify (network shares)
    history: Path | None = None  # folder of dated snapshots to backfill MTA
    debug: bool = False
    extra: dict[str, str] = field(default_factory=dict)
