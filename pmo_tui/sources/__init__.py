"""Sources: a data folder or a database, producing Portfolio snapshots."""

from __future__ import annotations

from pathlib import Path

from pmo_tui.errors import SourceUnavailable
from pmo_tui.options import Options
from pmo_tui.sources.base import Change, Health, Source, WatchState

__all__ = ["Change", "Health", "Source", "WatchState", "is_url", "open_source"]


def is_url(spec: str) -> bool:
    """SQLAlchemy URLs look like ``dialect[+driver]://...``."""
    head, sep, _ = spec.partition("://")
    return bool(sep) and head.replace("+", "").isalnum()


def open_source(options: Options) -> Source:
    """The source the officer named, or the bundled demo when none was named."""
    spec = options.source
    if spec is None:
        from pmo_tui.data import demo_folder
        from pmo_tui.sources.folder import FolderSource

        return FolderSource(demo_folder(), config_path=options.config, demo=True, poll=options.poll)
    if is_url(spec):
        from pmo_tui.sources.database import DatabaseSource

        return DatabaseSource(spec, config_path=options.config, poll=options.poll)
    path = Path(spec).expanduser()
    if not path.exists():
        raise SourceUnavailable(f"{spec}: no such folder")
    if not path.is_dir():
        raise SourceUnavailable(
            f"{spec}: not a folder (a source is a data folder or a database URL)"
        )
    from pmo_tui.sources.folder import FolderSource

    return FolderSource(path, config_path=options.config, poll=options.poll)
