"""The garbage collector never stalls a refresh or a key (``pmo_tui.malloc``, ``widgets/workers``).

* A replaced snapshot is freed by reference counting the moment it is replaced:
  no finished worker keeps it (Textual keeps every worker in a reference cycle,
  so whatever a worker's arguments hold waits for a full collection otherwise,
  and those full collections were the 100–280 ms stalls of the live benchmark).
* Once the first data is painted, what the start made is frozen and the full
  collections are the app's: it runs one when it is idle, never while a load,
  a refresh or a build is computing.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_live_ui import rewrite
from test_ui_support import make_app, wait_for_data, write_fixture
from textual.app import App
from triage_ui_support import wait_until

from pmo_tui.app import STANDING_GROUPS, PmoApp
from pmo_tui.malloc import (
    STEADY_THRESHOLDS,
    IdleCollector,
    collector_settled,
    relax_collector,
    unsettle_collector,
)
from pmo_tui.sources.base import Change
from pmo_tui.widgets.workers import thread_work


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """Whatever a test does to the collector, the next test finds CPython's own."""
    thresholds = gc.get_threshold()
    enabled = gc.isenabled()
    try:
        yield
    finally:
        unsettle_collector(thresholds)
        if enabled:
            gc.enable()


def computing(app: PmoApp) -> bool:
    return any(not w.is_finished and w.group not in STANDING_GROUPS for w in app.workers)


class Payload:
    """Something big a worker is handed (only its lifetime matters)."""


class Holder(App[None]):
    ran = threading.Event()

    @thread_work(group="test", description="use it")
    def use(self, payload: Payload) -> None:
        assert isinstance(payload, Payload)
        self.ran.set()


async def test_a_thread_worker_lets_go_of_its_arguments(collector_restored: None) -> None:
    app = Holder()
    async with app.run_test() as pilot:
        gc.collect()
        gc.disable()  # only reference counting may free the payload
        payload = Payload()
        alive = weakref.ref(payload)
        worker = app.use(payload)
        del payload
        await worker.wait()
        await pilot.pause()
        assert app.ran.is_set()
        assert worker.is_finished
        assert alive() is None, "the finished worker still holds its argument"


async def test_a_replaced_snapshot_is_freed_at_once(
    tmp_path: Path, collector_restored: None
) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    app = make_app(folder)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: not computing(app), 20, "the start's workers")
        gc.collect()
        gc.disable()
        first = app.snapshot
        assert first is not None
        old = weakref.ref(first)
        del first
        rewrite(folder / "issues.csv", "Vendor late", "Vendor very late")
        app.request_refresh(Change(frozenset({"issues"}), causes=("issues.csv",)))
        await wait_until(pilot, lambda: app.snapshot is not old(), 20, "the new snapshot")
        # the refresh's own workers (summary toast, warming, drill-down views) end too
        await wait_until(pilot, lambda: not computing(app), 20, "the refresh's workers")
        await pilot.pause(0.2)
        assert old() is None, "the replaced snapshot waits for the cyclic collector"


def test_the_idle_collector_is_due_after_work_or_after_a_while() -> None:
    now = [0.0]
    pending = [0]
    runs: list[float] = []
    collector = IdleCollector(
        every=60.0,
        after_work=10,
        clock=lambda: now[0],
        collect=lambda: runs.append(now[0]),
        count=lambda: (0, 0, pending[0]),
    )
    assert not collector.due()  # nothing happened at all
    pending[0] = 3
    assert not collector.due()  # a little happened, recently
    now[0] = 61.0
    assert collector.due()  # a little happened, long ago: a quiet wall display
    collector.collect()
    pending[0] = 0
    assert runs == [61.0]
    assert not collector.due()
    pending[0] = 10
    assert collector.due()  # a refresh or two: at the next idle moment
    now[0] = 500.0
    pending[0] = 0
    assert not collector.due()  # an hour of nothing costs nothing


async def test_the_app_collects_when_idle_and_never_while_it_computes(
    tmp_path: Path, collector_restored: None
) -> None:
    relax_collector()  # as `pmo-tui` does before anything else
    app = make_app(write_fixture(tmp_path / "portfolio"))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: app.idle_collector is not None, 10, "the settle")
        assert collector_settled()
        assert gc.get_threshold() == STEADY_THRESHOLDS
        assert gc.get_freeze_count() > 0  # the start's objects are out of every collection
        runs: list[str] = []
        app.idle_collector = IdleCollector(
            collect=lambda: runs.append("full"), count=lambda: (0, 0, 50)
        )
        await wait_until(pilot, lambda: not computing(app), 20, "the start's workers")
        release = threading.Event()
        busy = app.run_worker(release.wait, thread=True, group="load", description="load")
        await pilot.pause(0.1)
        app._collect_when_idle()
        assert runs == [], "a full collection ran while a load was computing"
        release.set()
        await busy.wait()
        app._collect_when_idle()
        assert runs == ["full"]
