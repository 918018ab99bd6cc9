"""The watcher survives what a shared server does to it: permissions, inotify limits.

Both need a process that is not all-powerful: root reads any folder, and an
inotify limit must not be exhausted for every other process of the same user.
So the watcher runs in a child process, with root's file-permission override
dropped (``setpriv``) or inside its own user namespace whose inotify instance
limit is zero (``unshare``). The child prints what the watcher yields as JSON
lines; the tests act on the folder and read them.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHILD = r"""
import json, sys, threading
from pathlib import Path
from pmo_tui.sources.base import Change
from pmo_tui.sources.watch import WatchSettings, watch_folder

class StandIn:
    def __init__(self, folder):
        self.folder = folder
    def tables_for(self, paths):
        return frozenset(p.stem for p in paths if p.suffix == ".csv")

stop = threading.Event()
def wait_for_parent():
    sys.stdin.read()
    stop.set()
threading.Thread(target=wait_for_parent, daemon=True).start()
settings = WatchSettings(backoff_initial=0.1, backoff_cap=0.5, fallback_poll=0.3)
for item in watch_folder(StandIn(Path(sys.argv[1])), stop, settings=settings):
    if isinstance(item, Change):
        out = {"kind": "change", "tables": sorted(item.tables)}
    else:
        out = {"kind": "state", "health": str(item.health), "reason": item.reason}
    print(json.dumps(out), flush=True)
"""


class Child:
    def __init__(self, prefix: list[str], folder: Path) -> None:
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-c", CHILD, str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def wait_for(self, **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + 5.0
        seen = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if all(item.get(k) == v for k, v in match.items()):
                return item
            seen.append(item)
        stderr = ""
        if self.proc.poll() is not None and self.proc.stderr is not None:
            stderr = self.proc.stderr.read()
        raise AssertionError(f"no {match} within 5 s; saw {seen} {stderr}")

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.returncode == 0, self.proc.stderr.read() if self.proc.stderr else ""


def _works(command: list[str]) -> bool:
    if shutil.which(command[0]) is None:
        return False
    result = subprocess.run(command, capture_output=True, check=False)
    return result.returncode == 0


def _unprivileged_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    if not _works([*prefix, "true"]):
        pytest.skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here")
    return prefix


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "share"
    data.mkdir()
    (data / "issues.csv").write_text("issue_id,project_id,title\nI-1,P-1,x\n")
    yield data
    data.chmod(0o755)


def test_permission_denied_is_reported_and_recovered(folder: Path) -> None:
    child = Child(_unprivileged_prefix(), folder)
    try:
        child.wait_for(kind="state", health="live")
        folder.chmod(0o000)
        failed = child.wait_for(kind="state", health="failed")
        assert "permission denied" in failed["reason"]
        time.sleep(0.3)
        folder.chmod(0o755)
        child.wait_for(kind="state", health="live")
        assert child.wait_for(kind="change")["tables"] == [], "after a gap: re-check everything"
        (folder / "issues.csv").write_text("issue_id,project_id,title\nI-1,P-1,y\n")
        assert child.wait_for(kind="change")["tables"] == ["issues"]
    finally:
        folder.chmod(0o755)
        child.close()


def test_unreadable_folder_at_start_fails_then_recovers(folder: Path) -> None:
    folder.chmod(0o000)
    child = Child(_unprivileged_prefix(), folder)
    try:
        first = child.wait_for(kind="state")
        assert (
            first["health"] in ("failed", "reconnecting") and "permission denied" in first["reason"]
        )
        folder.chmod(0o755)
        child.wait_for(kind="state", health="live")
        assert child.wait_for(kind="change")["tables"] == []
    finally:
        folder.chmod(0o755)
        child.close()


def test_inotify_limit_falls_back_to_polling(folder: Path) -> None:
    """No inotify instance left (fs.inotify.max_user_instances): poll, say so, still see changes."""
    prefix = [
        "unshare",
        "--user",
        "--map-root-user",
        "sh",
        "-c",
        'echo 0 > /proc/sys/user/max_inotify_instances && exec "$@"',
        "sh",
    ]
    if not _works([*prefix, "true"]):
        pytest.skip("cannot create a user namespace with its own inotify limit here")
    child = Child(prefix, folder)
    try:
        state = child.wait_for(kind="state")
        assert state["health"] == "polling"
        assert "inotify" in state["reason"] and "max_user" in state["reason"]
        (folder / "issues.csv").write_text("issue_id,project_id,title\nI-1,P-1,z\n")
        started = time.monotonic()
        assert child.wait_for(kind="change")["tables"] == ["issues"]
        assert time.monotonic() - started < 2.0
    finally:
        child.close()
