"""The core never imports textual: reports, `check` and the store run headless."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "pmo_tui"
UI_MODULES = {CORE / "app.py"}


def core_modules() -> list[str]:
    names = []
    for path in sorted(CORE.rglob("*.py")):
        if path in UI_MODULES or "__pycache__" in path.parts:
            continue
        if "migrations" in path.parts and path.name != "__init__.py":
            # Alembic scripts only import inside an Alembic run (their AST is still checked)
            continue
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    return names


@pytest.mark.parametrize(
    "path",
    sorted(p for p in CORE.rglob("*.py") if p not in UI_MODULES),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_core_source_has_no_textual_import(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        bad = [
            n
            for n in names
            if n.split(".")[0] in {"textual", "textual_plotext", "rich"}
            or n.startswith(("pmo_tui.screens", "pmo_tui.widgets", "pmo_tui.app"))
        ]
        if path == CORE / "cli.py" and bad == ["pmo_tui.app"] and node.col_offset > 0:
            # the CLI starts the app lazily, inside a function; the subprocess test proves the rest
            continue
        assert not bad, f"{path.relative_to(ROOT)}:{node.lineno} imports {bad}"


def test_importing_every_core_module_leaves_textual_unloaded() -> None:
    modules = core_modules()
    assert "pmo_tui.model" in modules and len(modules) > 5
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('textual', 'textual_plotext'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core imported {result.stdout.strip()}"


def _ui_modules() -> list[Path]:
    screens = sorted((ROOT / "screens").glob("*.py"))
    return [ROOT / "pmo_tui" / "app.py", *screens, *sorted((ROOT / "widgets").glob("*.py"))]


def test_every_thread_worker_names_its_description() -> None:
    """Without ``description=``, Textual repr()s the worker's arguments on the UI
    thread; a Snapshot argument prints its DataFrames (measured: ≈70 ms per call,
    stalling every live refresh of the project screen)."""
    unnamed = []
    for path in _ui_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                if (
                    isinstance(deco, ast.Call)
                    and getattr(deco.func, "id", None) == "work"
                    and not any(k.arg == "description" for k in deco.keywords)
                ):
                    unnamed.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert unnamed == [], f"@work without description=: {unnamed}"


def test_no_textual_worker_keeps_its_arguments() -> None:
    """A method started with Textual's ``@work`` keeps its arguments until a full run of
    the cyclic collector (the finished worker sits in a reference cycle), so a Snapshot
    argument outlived its replacement and set off 100–280 ms collections mid-refresh.
    Methods that take arguments use ``widgets.workers.thread_work`` instead."""
    keeping = []
    for path in _ui_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = node.args
            takes = len(arguments.posonlyargs) + len(arguments.args) > 1 or bool(
                arguments.kwonlyargs or arguments.vararg or arguments.kwarg
            )
            for deco in node.decorator_list:
                called = deco.func if isinstance(deco, ast.Call) else deco
                if getattr(called, "id", None) == "work" and takes:
                    keeping.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert keeping == [], f"@work on a method with arguments (use thread_work): {keeping}"
