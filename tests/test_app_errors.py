"""An unhandled error ends the app with one readable line and a log, never locals on screen."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from test_ui_support import write_fixture

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_ui_support import FrozenSource
    from pmo_tui.app import PmoApp
    from pmo_tui.options import Options

    class Broken(PmoApp):
        def action_refresh(self):
            secret = "hunter2"  # a local a traceback with locals would print
            raise RuntimeError("refresh failed for postgresql://pmo:" + secret + "@db/x")

    folder = Path({folder!r})
    app = Broken(Options(source=str(folder)), FrozenSource(folder), error_log=Path({log!r}))

    async def press_r():
        while app.snapshot is None:
            import asyncio
            await asyncio.sleep(0.05)
        await app._press_keys(["r"])

    app.call_later(lambda: app.run_worker(press_r()))
    app.run(headless=True, size=(100, 30))
    sys.exit(app.return_code)
    """
)


def test_unhandled_error_shows_one_readable_line_and_logs_the_traceback(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    log = tmp_path / "errors.log"
    script = SCRIPT.format(tests=str(Path(__file__).parent), folder=str(folder), log=str(log))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    shown = result.stderr + result.stdout
    assert result.returncode == 1
    assert "pmo-tui stopped: RuntimeError: refresh failed for postgresql://pmo:***@db/x" in shown
    assert str(log) in shown.replace("\n", "")  # says where the details are (maybe wrapped)
    assert "hunter2" not in shown and "locals" not in shown and "Traceback" not in shown
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "action_refresh" in logged
    assert "hunter2" not in logged  # secrets are redacted in the log too
