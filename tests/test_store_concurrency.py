"""Many officers at once, as separate OS processes: no update is ever lost.

Each worker process (tests/store_worker.py) reads an issue's version, thinks
for a moment, and saves a unique owner from that version, for a fixed number of
rounds. Afterwards the store must account for every single attempt.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from store_support import spawn, wait_all

from pmo_tui.store import Store, open_store
from pmo_tui.store.schema import audit

pytest_plugins = ("store_fixtures",)


def run_officers(
    url: str, tmp_path: Path, issue_sets: list[list[str]], rounds: int
) -> list[dict[str, Any]]:
    open_store(url).close()  # schema in place before the clock starts
    go = tmp_path / "go"
    logs = [tmp_path / f"worker-{n}.jsonl" for n in range(len(issue_sets))]
    procs = [
        spawn("edit", url, str(n), ",".join(ids), str(rounds), str(1000 + n), str(log), str(go))
        for n, (ids, log) in enumerate(zip(issue_sets, logs, strict=True))
    ]
    for proc in procs:  # every worker has imported everything and opened the store
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    go.touch()  # everyone starts together (workers poll for this file)
    wait_all(procs, timeout=300)
    return [json.loads(line) for log in logs for line in log.read_text().splitlines()]


def check_nothing_lost(
    store: Store, events: list[dict[str, Any]], workers: int, rounds: int
) -> dict[str, int]:
    # counts add up: every attempt is either saved or refused with a conflict
    assert len(events) == workers * rounds
    for w in range(workers):
        assert sum(e["worker"] == str(w) for e in events) == rounds
    saved = [e for e in events if e["result"] == "saved"]
    conflicts = [e for e in events if e["result"] == "conflict"]
    assert len(saved) + len(conflicts) == len(events)

    with store.engine.connect() as conn:
        owner_rows = conn.execute(
            sa.select(audit).where(audit.c.field == "owner").order_by(audit.c.id)
        ).all()
    # every successful save is in the audit trail exactly once
    assert sorted(r.changeset for r in owner_rows) == sorted(e["changeset"] for e in saved)

    for issue in {e["issue"] for e in events}:
        mine = sorted((e for e in saved if e["issue"] == issue), key=lambda e: e["version"])
        # each save produced the next version: no two saves built on the same version
        assert [e["version"] for e in mine] == list(range(1, len(mine) + 1))
        final = store.get(issue)
        assert final.version == len(mine)
        if mine:  # the final state is the last successful save, field by field
            assert (final.owner, final.priority) == (mine[-1]["owner"], mine[-1]["priority"])
        rows = [r for r in owner_rows if r.item_id == issue]
        # the audit trail is complete and in order, each change starting from the previous one
        assert [r.changeset for r in rows] == [e["changeset"] for e in mine]
        assert [r.version for r in rows] == [e["version"] for e in mine]
        assert [r.old_value for r in rows] == [None] + [e["owner"] for e in mine[:-1]]
    for c in conflicts:  # every refusal was real: someone had saved after the base version
        assert c["current_version"] > c["base"]
        assert c["theirs"] and all(v > c["base"] for v in c["theirs"])
        assert c["attempted_owner"] == f"w{c['worker']}-r{c['round']}"
    return {"saved": len(saved), "conflicts": len(conflicts)}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("workers", "rounds"),
    [(2, 40), (8, 15)],
    ids=["2-officers", "8-officers"],
)
def test_officers_on_the_same_issues_lose_nothing(
    store_url: str, tmp_path: Path, workers: int, rounds: int
) -> None:
    shared = ["ISS-1", "ISS-2"]
    events = run_officers(store_url, tmp_path, [shared] * workers, rounds)
    with open_store(store_url) as store:
        counts = check_nothing_lost(store, events, workers, rounds)
    assert counts["saved"] >= 2  # progress is made
    assert counts["conflicts"] >= 1, "the test should provoke conflicts on shared issues"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("workers", "rounds"),
    [(2, 40), (8, 15)],
    ids=["2-officers", "8-officers"],
)
def test_officers_on_different_issues_never_conflict(
    store_url: str, tmp_path: Path, workers: int, rounds: int
) -> None:
    events = run_officers(store_url, tmp_path, [[f"OWN-{w}"] for w in range(workers)], rounds)
    with open_store(store_url) as store:
        counts = check_nothing_lost(store, events, workers, rounds)
        assert counts == {"saved": workers * rounds, "conflicts": 0}
        assert store.triage_frame()["version"].tolist() == [rounds] * workers


@pytest.mark.slow
def test_kill_9_mid_transaction_loses_nothing_committed(store_url: str) -> None:
    with open_store(store_url) as store:
        store.save("K", 0, {"owner": "committed", "status": "open"}, note="committed note")
        before = store.triage_frame()
    holder = spawn("hold", store_url, "K")
    other = None
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"  # inside its write transaction
        other = spawn("save", store_url, "OTHER", "after-kill")  # another officer saves meanwhile
        time.sleep(0.5)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        assert holder.returncode == -signal.SIGKILL
        out, err = other.communicate(timeout=60)
        assert other.returncode == 0, err  # the other writer carried on
        assert out.startswith("committed ")
    finally:
        for proc in (holder, other):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    with open_store(store_url) as store:
        k = store.get("K")
        assert (k.owner, k.status, k.version) == ("committed", "open", 1)  # committed data intact
        assert store.notes("issue", "K")[0].body == "committed note"
        assert store.get("OTHER").owner == "after-kill-0"
        with store.engine.connect() as conn:
            uncommitted = conn.execute(
                sa.select(audit).where(audit.c.new_value == "UNCOMMITTED")
            ).all()
        assert uncommitted == []  # the uncommitted change is absent
        assert store.triage_frame().loc[["K"]].equals(before.loc[["K"]])
        # and nothing is left locked: K can be saved again straight away
        again = store.save("K", 1, {"owner": "next"})
        assert again.triage.version == 2  # type: ignore[union-attr]
        if store.location.path is not None:
            check = sqlite3.connect(store.location.path)
            try:
                assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            finally:
                check.close()
