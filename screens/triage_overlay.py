"""Put the officers' decisions over the export's issues before the metrics run.

A decision set in the store (status, owner, due date) wins over the source
(:func:`pmo_tui.store.merge_triage`), and it must mean the same everywhere: an
issue an officer closed is not open in the triage queue, does not turn its
project amber and is not counted in the roll-ups, exactly as in the reports
(``pmo_tui.report.triage.with_triage``).

The source portfolio itself is never changed: the snapshot keeps it as the
source produced it (the next incremental reload starts from it), and only the
metrics are computed from an overlaid copy that shares every other frame. The
copy's issues table gets a version of its own (negative, so it can never equal
a source version), new whenever the decisions or the export's issues change, so
the metrics engine, which caches per table version, recomputes exactly the issue
stage and the roll-ups, and never mistakes one overlay for another.

"The decisions changed" is judged by the decisions frame itself: the reader
(``screens/triage_reader.py``) keeps the same frame object until a read finds a
change and never edits one in place. A refresh that found nothing new (the
usual one after an export's issues changed: only its new ids are recorded) thus
keeps the version, the engine returns the metrics it has, and the screens keep
every view built from them.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from types import MappingProxyType
from typing import Any

import pandas as pd

from pmo_tui.metrics import MetricsEngine
from pmo_tui.model import Portfolio
from pmo_tui.screens.triage_state import TriageView, remember

OVERRIDDEN = ("status", "owner", "due_date")


def overlay_issues(issues: pd.DataFrame, triage: pd.DataFrame | None) -> pd.DataFrame:
    """``issues`` with the store's decisions over status, owner and due date."""
    if triage is None or triage.empty or issues.empty:
        return issues
    from pmo_tui.store import merge_triage  # a triage frame means the store is imported

    merged = merge_triage(issues, triage)
    return issues.assign(**{name: merged[name] for name in OVERRIDDEN})


class TriageOverlay:
    """Computes metrics from the source portfolio with the triage decisions applied.

    Thread-safe: the load worker and the triage worker both call :meth:`metrics`.
    """

    def __init__(self, engine: MetricsEngine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        #: the source issues version and the decisions frame of the overlay's version
        #: (the frame itself, held: compared by identity, never by a reusable id())
        self._key: tuple[int | None, pd.DataFrame] | None = None
        self._version = 0

    def portfolio(self, raw: Portfolio, view: TriageView) -> Portfolio:
        """``raw`` with ``view``'s decisions over its issues (call with the lock held)."""
        issues = raw.frames["issues"]
        frame = overlay_issues(issues, view.frame)
        if frame is issues:
            return raw
        decisions = view.frame
        assert decisions is not None  # an overlay exists only with decisions
        version = raw.table_versions.get("issues")
        if self._key is None or self._key[0] != version or self._key[1] is not decisions:
            self._key = (version, decisions)
            self._version -= 1
        versions = dict(raw.table_versions)
        versions["issues"] = self._version
        return replace(
            raw,
            frames=MappingProxyType({**raw.frames, "issues": frame}),
            table_versions=MappingProxyType(versions),
        )

    def metrics(self, raw: Portfolio, view: TriageView, as_of: date) -> Any:
        """Metrics of ``raw`` with ``view``'s decisions; remembered with the view."""
        with self._lock:
            metrics = self.engine.update(self.portfolio(raw, view), as_of)
            remember(metrics, view)
        return metrics
