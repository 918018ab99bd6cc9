"""Start-up: the first paint of the portfolio waits for nothing it does not show.

The triage store (SQLAlchemy, Alembic, the migration check) opens after the first
data is painted, after a first load that failed, or after ``STORE_OPEN_LATEST``
seconds, whichever comes first (``screens/triage_service.py``); before that its
package is not imported at all. ``benchmarks/startup.py`` measures what this buys;
these tests hold the behaviour: the store is not on the first paint's path, and
triage never stays "opening" for a source that is slow or broken.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from test_ui_support import FrozenSource, make_app, wait_for_data, write_fixture
from triage_ui_support import seed_history, wait_for_store, wait_until

from pmo_tui import app as app_module
from pmo_tui import cli
from pmo_tui.app import PmoApp
from pmo_tui.model import Portfolio
from pmo_tui.screens import triage_service
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.triage_state import OPEN, OPENING

TESTS = Path(__file__).resolve().parent

FIRST_PAINT = """
import asyncio, json, sys
from pathlib import Path

sys.path.insert(0, {tests!r})
from test_ui_support import make_app, write_fixture

from pmo_tui.app import PmoApp
from pmo_tui.screens import triage_service
from pmo_tui.screens.triage_state import view_for

triage_service.STORE_OPEN_LATEST = 600.0  # only the first paint may start the store
STORE = ("sqlalchemy", "alembic", "pmo_tui.store")
seen = {{}}
apply = PmoApp.apply_snapshot


def spy(self, snapshot):
    seen.setdefault("at_first_data", sorted(m for m in sys.modules if m.startswith(STORE)))
    return apply(self, snapshot)


PmoApp.apply_snapshot = spy
app = make_app(write_fixture(Path(sys.argv[1])))


async def main():
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(400):  # the snapshot on screen carries the store's view
            if app.store is not None and view_for(app.snapshot).state == "open":
                break
            await pilot.pause(0.05)
        seen["on_screen"] = view_for(app.snapshot).state


asyncio.run(main())
print(json.dumps(seen))
"""


def test_the_store_is_not_imported_before_the_first_data_and_opens_after_it(
    tmp_path: Path,
) -> None:
    script = FIRST_PAINT.format(tests=str(TESTS))
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "portfolio")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["at_first_data"] == [], "the first data waited for the store's imports"
    assert seen["on_screen"] == OPEN


class BrokenSource(FrozenSource):
    """A source whose first load fails outright (not bad rows: the read itself)."""

    def load(self) -> Portfolio:
        raise OSError("the share went away")


class SlowSource(FrozenSource):
    """A source whose first load waits until the test lets it go."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.release = threading.Event()

    def load(self) -> Portfolio:
        self.release.wait(30)
        return super().load()


async def test_a_failed_first_load_still_opens_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(triage_service, "STORE_OPEN_LATEST", 600.0)
    folder = write_fixture(tmp_path / "portfolio")
    app = make_app(folder)
    app.source = BrokenSource(folder)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.load_error is not None, 10.0, "the load error")
        # the store is set a moment before its first view replaces "opening"
        await wait_until(
            pilot,
            lambda: app.store is not None and app.triage_view.state != OPENING,
            10.0,
            "the store and its view",
        )
        assert app.write_refusal() is None  # a triage key would save, not say "opening"


async def test_a_slow_first_load_does_not_keep_the_store_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(triage_service, "STORE_OPEN_LATEST", 0.2)
    folder = write_fixture(tmp_path / "portfolio")
    app = make_app(folder)
    slow = SlowSource(folder)
    app.source = slow
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until(pilot, lambda: app.store is not None, 10.0, "the store")
            assert app.snapshot is None, "the load was meant to be still running"
            slow.release.set()
            await wait_for_data(pilot, app)
            await wait_for_store(pilot, app)
            assert app.triage_view.state == OPEN
    finally:
        slow.release.set()


class RecordingApp(PmoApp):
    """The app, keeping every snapshot it put on screen (in order)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.applied: list[Snapshot] = []

    def apply_snapshot(self, snapshot: Snapshot) -> bool:
        shown = super().apply_snapshot(snapshot)
        if shown:
            self.applied.append(snapshot)
        return shown


class SilentStoreApp(RecordingApp):
    """The app with a store that never answers (its opening hangs)."""

    def start_store(self) -> None:
        return


def recording_app(folder: Path, cls: type[RecordingApp] = RecordingApp) -> RecordingApp:
    plain = make_app(folder)
    return cls(plain.options, plain.source, clock=plain.clock, error_log=plain.error_log)


def prepared(app: PmoApp) -> bool:
    return app.snapshot is not None and app.snapshot.peek("project-rows") is not None


async def test_drill_down_views_are_built_once_for_the_data_with_the_decisions(
    tmp_path: Path,
) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    seed_history(folder)  # I-04: owner Dirk Laan, in progress
    app = recording_app(folder)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_store(pilot, app)
        await wait_until(pilot, lambda: prepared(app), 10.0, "the drill-down views")
        first, current = app.applied[0], app.snapshot
        assert current is not None and current is not first
        assert first.peek("triage") is None and first.peek("project-rows") is None
        rows = {row.key: row for row in current.peek("triage").rows}
        assert "Dirk Laan" in rows["I-04"].cells and "in progress" in rows["I-04"].cells


async def test_a_store_without_decisions_keeps_the_first_views(tmp_path: Path) -> None:
    app = recording_app(write_fixture(tmp_path / "portfolio"))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_store(pilot, app)
        first, current = app.applied[0], app.snapshot
        assert current is not None and current is not first
        assert current.metrics is first.metrics
        # the rows on screen are the same objects: nothing was formatted again
        assert current.peek("programme-rows") is first.peek("programme-rows") is not None


async def test_without_an_answer_from_the_store_the_drill_downs_are_prepared_anyway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "PREPARE_FIRST_LATEST", 0.3)
    app = recording_app(write_fixture(tmp_path / "portfolio"), SilentStoreApp)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_data(pilot, app, store=False)
        await wait_until(pilot, lambda: prepared(app), 10.0, "the drill-down views")
        assert app.triage_view.state == OPENING
        assert app.applied == [app.snapshot]


@pytest.mark.parametrize("theme", ["pmo-dark", "pmo-contrast", "pmo-light"])
async def test_the_app_starts_in_its_theme_and_can_switch(tmp_path: Path, theme: str) -> None:
    app = make_app(write_fixture(tmp_path / "portfolio"), theme=theme)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_data(pilot, app)
        assert app.theme == theme
        assert app.has_class(f"-theme-{theme}")
        wanted = app.get_theme(theme)
        assert wanted is not None and wanted.primary is not None
        assert app.get_css_variables()["primary"].lower() == wanted.primary.lower()
        app.theme = "pmo-light" if theme != "pmo-light" else "pmo-dark"
        await pilot.pause(0.1)
        assert not app.has_class(f"-theme-{theme}")


async def test_an_unknown_theme_falls_back_to_the_default_and_says_so(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path / "portfolio"), theme="no-such-theme")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_data(pilot, app)
        assert app.theme == "pmo-dark"
        notes = [n.message for n in app._notifications]
        assert any("Unknown theme 'no-such-theme'" in n for n in notes), notes


FRAME_PERIOD = """
import sys
from pmo_tui import cli


def start(args):
    from textual import screen  # what the app would import first

    print(screen.UPDATE_PERIOD)
    return 0


cli._start_tui = start
sys.exit(cli.main([sys.argv[1]]))
"""


@pytest.mark.parametrize(("env", "fps"), [({}, cli.FRAME_RATE), ({"TEXTUAL_FPS": "30"}, 30)])
def test_the_app_paints_at_its_own_frame_rate_unless_the_officer_set_one(
    tmp_path: Path, env: dict[str, str], fps: int
) -> None:
    """A key's effect waits for Textual's next frame: pmo-tui asks for more frames than
    Textual's 60 (half the wait), and it must ask before Textual is imported, which
    reads the rate once. An explicit ``TEXTUAL_FPS`` wins."""
    base = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    done = subprocess.run(
        [sys.executable, "-c", FRAME_PERIOD, str(write_fixture(tmp_path / "portfolio"))],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **env},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert float(done.stdout.strip().splitlines()[-1]) == pytest.approx(1 / fps)
