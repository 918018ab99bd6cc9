"""Metrics on the large demo: full computation and recomputation after one table changed.

Floor: one ``costs.groupby(['project_id', 'period']).amount.sum().cumsum()`` over
the same 480,000 cost lines, in the same run (the least any aggregation of the
costs could cost). Target for the full computation: ≤ 3× the floor.

Incremental: ``MetricsEngine.update`` after only issues / milestones / costs
changed. Two snapshots that differ in that one table are fed alternately, so
every timed call really recomputes the changed stage (and only that stage:
the script checks ``engine.recomputed``).

    python benchmarks/metrics.py [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from datetime import datetime

import pandas as pd
from _common import AS_OF, large_demo, measure, median, report

from pmo_tui.metrics import MetricsEngine, compute
from pmo_tui.model import Portfolio, TableState
from pmo_tui.sources.folder import FolderSource


def load() -> tuple[Portfolio, FolderSource]:
    source = FolderSource(large_demo())
    portfolio = source.load()
    source.close()
    sizes = {t: len(portfolio[t]) for t in portfolio.frames}
    print(f"large demo: {sizes}", flush=True)
    if portfolio.errors:
        print(f"  ({len(portfolio.errors)} load errors, e.g. {portfolio.errors[0]})")
    return portfolio, source


def changed(portfolio: Portfolio, table: str) -> Portfolio:
    """The same snapshot with one table edited the way an export would change it."""
    frame = portfolio[table].copy()
    if table == "issues":
        frame.loc[frame.index[:50], "status"] = "closed"
    elif table == "milestones":
        moved = frame["baseline_date"].iloc[:50] + pd.Timedelta(days=45)
        frame.loc[frame.index[:50], "forecast_date"] = moved
    elif table == "costs":
        frame.loc[frame.index[-4:], "amount"] = frame["amount"].iloc[-4:] + 1234.56
    state = TableState.loaded(table, frame, origin=f"{table}.csv", at=datetime.now())
    return portfolio.with_tables({table: state})


def interleaved(
    subject: Callable[[], object], floor: Callable[[], object], repeat: int
) -> tuple[list[float], list[float]]:
    """Time ``subject`` and ``floor`` alternately, so a busy moment on the shared machine
    weighs on both alike; one untimed warm-up of each first."""
    subject()
    floor()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in ((floor, times[1]), (subject, times[0])):
            gc.collect()
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    portfolio, source = load()
    config = source.config
    costs = portfolio["costs"]

    def floor() -> object:
        return costs.groupby(["project_id", "period"]).amount.sum().cumsum()

    full, floor_times = interleaved(
        lambda: compute(portfolio, as_of=AS_OF, config=config), floor, args.repeat
    )
    report("full compute (2,000 projects, 480k lines)", full, floor_times, target=3.0)

    for table in ("issues", "milestones", "costs"):
        other = changed(portfolio, table)
        engine = MetricsEngine(config)
        engine.update(portfolio, AS_OF)
        snapshots = [portfolio, other]  # step() flips first: every call is a real change
        stages: set[frozenset[str]] = set()

        def step(
            engine: MetricsEngine = engine,
            snapshots: list[Portfolio] = snapshots,
            stages: set[frozenset[str]] = stages,
        ) -> None:
            snapshots.reverse()
            engine.update(snapshots[0], AS_OF)
            stages.add(engine.recomputed)

        times, floors = interleaved(step, floor, args.repeat)
        report(f"update after {table} changed", times, floors)
        print(f"    recomputed stages: {sorted(sorted(s) for s in stages)}", flush=True)

    engine = MetricsEngine(config)
    engine.update(portfolio, AS_OF)
    same = measure(lambda: engine.update(portfolio, AS_OF), repeat=args.repeat)
    report("update with nothing changed", same, floor_times)
    print(f"floor median {median(floor_times) * 1e3:.1f} ms (groupby-sum-cumsum of the costs)")


if __name__ == "__main__":
    main()
