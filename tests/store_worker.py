"""A separate OS process that uses the store, for the multi-process store tests.

python tests/store_worker.py edit URL WORKER ISSUES ROUNDS SEED OUT GO
    wait until the file GO exists, then ROUNDS times: read an issue's version,
    think for a moment, save a unique owner (and a priority) from that version.
    Every outcome (saved or conflict) is written to OUT as JSON lines.
python tests/store_worker.py hold URL ISSUE
    begin a write transaction, change ISSUE, print "holding", sleep before commit
    (the test kill -9s it).
python tests/store_worker.py save URL ISSUE OWNER [COUNT] [PAUSE]
    COUNT saves of ISSUE, printing "committed <unix time>" after each commit.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path


def _open(url: str):  # type: ignore[no-untyped-def]
    from pmo_tui.store import open_store

    return open_store(url)


def edit(url: str, worker: str, issues: str, rounds: str, seed: str, out: str, go: str) -> int:
    from pmo_tui.store import Conflict

    store = _open(url)
    ids = issues.split(",")
    rng = random.Random(int(seed))
    go_file = Path(go)
    print("ready", flush=True)
    while not go_file.exists():
        time.sleep(0.005)
    with Path(out).open("w", encoding="utf-8") as log:
        for n in range(int(rounds)):
            issue = rng.choice(ids)
            base = store.get(issue).version
            time.sleep(rng.uniform(0, 0.008))  # the officer thinks
            owner = f"w{worker}-r{n}"
            result = store.save(issue, base, {"owner": owner, "priority": rng.randint(1, 4)})
            event: dict[str, object] = {"worker": worker, "round": n, "issue": issue, "base": base}
            if isinstance(result, Conflict):
                event.update(
                    result="conflict",
                    current_version=result.current.version,
                    attempted_owner=result.attempted.get("owner"),
                    theirs=[e.version for e in result.theirs],
                )
            else:
                event.update(
                    result="saved",
                    version=result.triage.version,
                    changeset=result.changeset,
                    owner=result.triage.owner,
                    priority=result.triage.priority,
                )
            log.write(json.dumps(event) + "\n")
            log.flush()
    store.close()
    return 0


def hold(url: str, issue: str) -> int:
    store = _open(url)
    base = store.get(issue).version

    def work(conn, stamp):  # type: ignore[no-untyped-def]
        result = store._apply(conn, stamp, [(issue, base, {"owner": "UNCOMMITTED"})], None)
        print("holding", flush=True)
        time.sleep(120)
        return result

    store._write(work)  # the same write path as save(), stopped before commit
    return 0


def save(url: str, issue: str, owner: str, count: str = "1", pause: str = "0") -> int:
    from pmo_tui.store import Conflict

    store = _open(url)
    for n in range(int(count)):
        current = store.get(issue)
        result = store.save(issue, current.version, {"owner": f"{owner}-{n}"})
        assert not isinstance(result, Conflict), result
        print(f"committed {time.time():.6f}", flush=True)
        time.sleep(float(pause))
    store.close()
    return 0


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    sys.exit({"edit": edit, "hold": hold, "save": save}[command](*args))
