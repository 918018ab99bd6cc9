"""RerunGate: a burst of refresh requests is served by one worker, and none is lost.

The triage queue's refresh had a window in which a request that came while the
worker was deciding to end found it "still running", so no worker served it.
These tests run real threads against the gate.
"""

from __future__ import annotations

import random
import sys
import threading
import time

from pmo_tui.rerun import RerunGate


def test_first_request_starts_a_worker_and_a_burst_starts_no_other() -> None:
    gate = RerunGate()
    assert gate.request() is True
    assert gate.request() is False
    assert gate.request(full=True) is False
    assert gate.take() is True  # the burst is one run, full because one asked for it
    assert gate.take() is None  # nothing left: the worker ends
    assert not gate.running


def test_a_request_after_the_worker_ended_starts_a_new_one() -> None:
    gate = RerunGate()
    assert gate.request()
    assert gate.take() is False
    assert gate.take() is None
    assert gate.request() is True  # the old worker is gone: the caller must start one
    assert gate.take() is False


def test_a_crashed_worker_leaves_its_request_for_the_next_one() -> None:
    gate = RerunGate()
    assert gate.request()
    gate.abandon()  # crashed before it took anything
    assert gate.request() is True
    assert gate.take() is False
    assert gate.take() is None


def test_no_request_is_lost_between_threads() -> None:
    """Thousands of requests from one thread, workers on others: none is left pending."""
    gate = RerunGate()
    rng = random.Random(7)
    busy = 0
    overlap = False
    count_lock = threading.Lock()
    workers: list[threading.Thread] = []

    def worker() -> None:
        nonlocal busy, overlap
        while gate.take() is not None:
            # the run itself: between a take that gave work and the next take (after a
            # take that said "end", the worker is over even if its thread is not yet)
            with count_lock:
                busy += 1
                overlap |= busy > 1
            if rng.random() < 0.3:
                time.sleep(0)  # let the requester in at any point
            with count_lock:
                busy -= 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: every window shows
    try:
        for _ in range(10000):
            if gate.request():
                thread = threading.Thread(target=worker)
                workers.append(thread)
                thread.start()
            if rng.random() < 0.5:
                time.sleep(0)
    finally:
        sys.setswitchinterval(interval)
    for thread in workers:
        thread.join(5)
    assert not gate.running
    # every worker ended on "nothing pending": a request still pending now was never served
    assert gate.take() is None, "a request was left pending with no worker to serve it"
    assert not overlap, "two workers ran at once"
