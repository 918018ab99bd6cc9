"""Database sources in the UI: another process commits, the screen shows it within a second.

SQLite (a second OS process commits) and PostgreSQL (another connection
commits; the server is restarted mid-run and the app shows "reconnecting",
then re-syncs to the final state). The restart test needs
``PMO_TUI_TEST_PG_RESTART`` (CI restarts its own cluster; during development
point it, and ``PMO_TUI_TEST_PG_RESTART_URL``, at a private cluster).
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest
from test_database_watch import _restart_command, _wait_until_accepting, restart_url
from test_live_ui import live, screen_text, until
from test_ui_support import write_fixture

from pmo_tui.app import PmoApp
from pmo_tui.options import Options
from pmo_tui.sources.database import DatabaseSource, import_source, init_schema
from pmo_tui.sources.db_read import pg_conninfo
from pmo_tui.sources.db_schema import parse_url
from pmo_tui.widgets.grid import Grid

__all__ = ["restart_url"]  # the fixture, shared with test_database_watch

AS_OF = date(2026, 6, 30)


def db_app(url: str, tmp_path: Path) -> PmoApp:
    source = DatabaseSource(url)
    return PmoApp(
        Options(source=url, as_of=AS_OF, read_only=True),
        source,
        error_log=tmp_path / "errors.log",
    )


def red_name(app: PmoApp, project: str) -> str:
    """The project's name in the portfolio screen's red-items table."""
    grid = app.screen.query_one("#red-grid", Grid)
    row = grid.row(project)
    return row.cells[1] if row is not None else ""


def pg_execute(url: str, sql: str) -> None:
    with psycopg.connect(pg_conninfo(parse_url(url)), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def fixture_folder(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "portfolio")


async def test_sqlite_commit_by_another_process_is_on_screen_within_a_second(
    fixture_folder: Path, tmp_path: Path
) -> None:
    path = tmp_path / "source.db"
    url = f"sqlite:///{path}"
    assert import_source(fixture_folder, url, out=io.StringIO()) == 1  # 2 bad milestone rows
    app = db_app(url, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        assert red_name(app, "P-01") == "Citizen portal"
        code = (
            "import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1])\n"
            "c.execute(\"UPDATE projects SET name = 'Portal [b]v2[/b]' \"\n"
            "          \"WHERE project_id = 'P-01'\")\n"
            "c.commit()\n"
        )
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=30)
        committed = time.monotonic()
        await until(pilot, lambda: red_name(app, "P-01") == "Portal [b]v2[/b]", 5, step=0.01)
        assert time.monotonic() - committed < 1.0
        grid = app.screen.query_one("#red-grid", Grid)
        assert "name" in grid.changed_at["P-01"]
        await until(pilot, lambda: "Portal [b]v2[/b]" in screen_text(app))  # literal, no markup
        assert app.status_info.health == "live" and app.status_info.alarm is None


async def test_postgres_change_is_on_screen_within_a_second(
    pg_url: str, fixture_folder: Path, tmp_path: Path
) -> None:
    init_schema(pg_url)
    import_source(fixture_folder, pg_url, out=io.StringIO())
    app = db_app(pg_url, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        pg_execute(
            pg_url, "UPDATE projects SET name = 'Portal on PostgreSQL' WHERE project_id = 'P-01'"
        )
        committed = time.monotonic()
        await until(pilot, lambda: red_name(app, "P-01") == "Portal on PostgreSQL", 5, step=0.01)
        assert time.monotonic() - committed < 1.0
        await until(pilot, lambda: any("projects" in str(n.message) for n in app._notifications))


@pytest.mark.slow
async def test_postgres_restart_shows_reconnecting_then_the_final_state(
    restart_url: str, fixture_folder: Path, tmp_path: Path
) -> None:
    command = _restart_command()
    init_schema(restart_url)
    import_source(fixture_folder, restart_url, out=io.StringIO())
    app = db_app(restart_url, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await live(pilot, app)
        restart = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        banner = ""
        deadline = time.monotonic() + 60
        while (restart.poll() is None or not banner) and time.monotonic() < deadline:
            await pilot.pause(0.02)
            text = screen_text(app)
            if not banner and ("RECONNECTING" in text or "NOT WATCHING" in text):
                banner = next(line for line in text.splitlines() if "⚠" in line)
        assert restart.wait() == 0
        assert banner, "the restart never showed on screen"
        assert "⚠ RECONNECTING" in banner or "⚠ NOT WATCHING" in banner
        _wait_until_accepting(restart_url)
        # written as soon as the server is back: the re-sync after the reconnect must
        # bring it, whether or not the listener was connected when it was committed
        pg_execute(
            restart_url,
            "UPDATE projects SET name = 'Written after the restart' WHERE project_id = 'P-01'",
        )
        await until(pilot, lambda: red_name(app, "P-01") == "Written after the restart", 30)
        await until(pilot, lambda: app.status_info.alarm is None, 30)
        assert app.status_info.health == "live"
        await until(pilot, lambda: "⚠" not in screen_text(app))
        # and live again afterwards
        pg_execute(restart_url, "UPDATE projects SET name = 'Live again' WHERE project_id = 'P-01'")
        await until(pilot, lambda: red_name(app, "P-01") == "Live again", 5)


def test_a_missing_sqlite_file_is_one_line_and_exit_2_before_any_ui(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    result = subprocess.run(
        [sys.executable, "-m", "pmo_tui", f"sqlite:///{missing}"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""  # no screen was drawn
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {missing}: no such database file; create it with: "
        f"pmo-tui db init sqlite:///{missing}"
    ]
    assert not missing.exists()  # and nothing was created


def test_an_unreachable_postgres_is_one_line_and_exit_2(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@/nodb?host=/nonexistent-socket-dir"
    result = subprocess.run(
        [sys.executable, "-m", "pmo_tui", url],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open"), lines
