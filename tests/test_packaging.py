"""The wheel holds every package and data file: setuptools drops unlisted ones silently."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"screens": "pmo_tui/screens", "widgets": "pmo_tui/widgets", "data": "pmo_tui/data"}


def expected_members() -> set[str]:
    """Every .py/.tcss/.csv/.toml file the repo's package folders hold, as wheel paths."""
    members = set()
    for top in ("pmo_tui", *MAPPED):
        base = ROOT / top
        for path in base.rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            if path.suffix not in {".py", ".tcss", ".csv", ".toml", ".mako", ".ini"}:
                continue
            rel = path.relative_to(base).as_posix()
            members.add(f"{MAPPED.get(top, 'pmo_tui')}/{rel}")
    return members


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (path,) = out.glob("pmo_tui-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_contains_every_module_and_data_file(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    missing = sorted(expected_members() - names)
    assert not missing, f"the wheel lacks {missing}"
    assert "pmo_tui/data/demo/projects.csv" in names, "the bundled demo is not in the wheel"
    assert any(n.startswith("pmo_tui/data/mappings/") and n.endswith(".toml") for n in names)


def test_wheel_holds_nothing_but_pmo_tui(wheel: zipfile.ZipFile) -> None:
    tops = {n.split("/")[0] for n in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"pmo_tui"}
    entry = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    assert "pmo-tui = pmo_tui.cli:main" in wheel.read(entry).decode()
