"""Bundled data: the demo portfolio and example mappings (installed as pmo_tui.data)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def demo_folder() -> Path:
    """The bundled small demo portfolio.

    Package data is plain files both in a wheel install and in an editable
    install, so a real path can be returned (the watcher needs one).
    """
    return Path(str(files(__name__) / "demo"))


def mapping(name: str) -> Path:
    """A shipped example mapping, e.g. ``mapping("us-itdashboard")``."""
    return Path(str(files(__name__) / "mappings" / f"{name}.toml"))
