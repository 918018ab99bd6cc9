"""Every binding has an id, ids do not collide by accident, and docs/keys.md lists them all."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.binding import Binding

import pmo_tui.screens
import pmo_tui.widgets

ROOT = Path(__file__).resolve().parents[1]
#: every module with bindings: the app, and all screens and widgets (found, not listed,
#: so a new dialog's keys cannot slip past the docs check)
MODULES = (
    "pmo_tui.app",
    *(
        f"{package.__name__}.{info.name}"
        for package in (pmo_tui.screens, pmo_tui.widgets)
        for info in pkgutil.iter_modules(package.__path__)
    ),
)


def bindings() -> list[tuple[str, Binding]]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == name:
                for binding in cls.__dict__.get("BINDINGS", []):
                    assert isinstance(binding, Binding), f"{cls.__name__}: use Binding(..., id=...)"
                    found.append((cls.__name__, binding))
    return found


def test_every_binding_has_an_id() -> None:
    missing = [(owner, b.key) for owner, b in bindings() if not b.id]
    assert not missing, missing


def test_one_id_means_one_thing() -> None:
    """An id used twice must name the same key (remapping it moves both)."""
    keys: dict[str, set[str]] = {}
    for _, binding in bindings():
        assert binding.id is not None
        keys.setdefault(binding.id, set()).add(binding.key)
    assert {i: k for i, k in keys.items() if len(k) > 1} == {}


def test_docs_list_every_binding_id() -> None:
    text = (ROOT / "docs" / "keys.md").read_text(encoding="utf-8")
    undocumented = sorted({b.id for _, b in bindings() if f"`{b.id}`" not in text})
    assert undocumented == [], f"add these binding ids to docs/keys.md: {undocumented}"
