"""Metrics: earned value, burn, milestones, RAG and roll-ups over a Portfolio.

The public API (everything a screen, a report or a script needs)::

    from pmo_tui.metrics import compute, MetricsEngine, Metrics

    metrics = compute(portfolio, as_of=date(2026, 11, 30), config=config)
    metrics.projects        # one row per project: EVM, burn, RAG with reasons, ...
    metrics.programmes      # roll-ups per programme
    metrics.portfolio       # the one-row portfolio roll-up
    metrics.milestones      # slip, status, upcoming
    metrics.issues          # severity label, age, overdue, open
    metrics.s_curve("programme", "PRG-01")   # monthly cumulative PV/AC/EV + BAC
    metrics.costs_by_month("P-001")          # month x category
    metrics.red_items()                      # watermelons first

    engine = MetricsEngine(config)           # incremental: same result as compute()
    metrics = engine.update(portfolio, as_of)

Every output column, its unit and its n/a reasons are described in
``docs/metrics.md``. Nothing here imports textual or rich.
"""

from __future__ import annotations

from pmo_tui.metrics.engine import MetricsEngine, compute
from pmo_tui.metrics.milestones import AT_RISK, DONE, LATE, MISSING, ON_TRACK, STATUSES
from pmo_tui.metrics.rag import AMBER, ATTENTION, GREEN, GREY, RAGS, RED, SEVERITY, SYMBOLS
from pmo_tui.metrics.result import Metrics

__all__ = [
    "AMBER",
    "ATTENTION",
    "AT_RISK",
    "DONE",
    "GREEN",
    "GREY",
    "LATE",
    "MISSING",
    "ON_TRACK",
    "RAGS",
    "RED",
    "SEVERITY",
    "STATUSES",
    "SYMBOLS",
    "Metrics",
    "MetricsEngine",
    "compute",
]
