"""Reports from an already-loaded snapshot: what ``pmo-tui report`` and the TUI's ``x`` call.

The TUI holds a :class:`~pmo_tui.model.Portfolio`, its
:class:`~pmo_tui.metrics.Metrics` and an open :class:`~pmo_tui.store.Store`;
:func:`write_report` turns them into a report file without reloading the
source. Call it in a thread worker (it reads the store and may recompute the
metrics once, when officers' triage decisions change an issue's status,
owner or due date, so that RAG and counts include them)::

    path = write_report(
        Path("~/report.html"), "html",
        portfolio=snapshot.portfolio, metrics=snapshot.metrics,
        scope=Scope("project", "P-0042"), config=source.config,
        source=source.description, store=app.store,
    )
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmo_tui.config import Config
from pmo_tui.metrics import Metrics, compute
from pmo_tui.model import Portfolio
from pmo_tui.report.data import build_report_data
from pmo_tui.report.facts import StoreFacts, failure, read_store, store_errors
from pmo_tui.report.scope import Scope, parse_scope, resolve_scope
from pmo_tui.report.triage import with_triage

if TYPE_CHECKING:
    from pmo_tui.store import Store

Record = dict[str, Any]
FORMATS = ("md", "html", "xlsx", "json")
#: the file name extension of each format
EXTENSIONS = {"md": ".md", "html": ".html", "xlsx": ".xlsx", "json": ".json"}


def _json(data: Record) -> str:
    from pmo_tui.report.json_report import render

    return render(data)


def _md(data: Record) -> str:
    from pmo_tui.report.markdown import render

    return render(data)


def _html(data: Record) -> str:
    from pmo_tui.report.html import render

    return render(data)


def _xlsx(data: Record) -> bytes:
    from pmo_tui.report.xlsx import render

    return render(data)


#: format name -> renderer of the report tree (str for text formats, bytes for xlsx)
RENDERERS: dict[str, Callable[[Record], str | bytes]] = {
    "json": _json,
    "md": _md,
    "html": _html,
    "xlsx": _xlsx,
}


@dataclass(frozen=True, eq=False)
class Prepared:
    """The metrics a report is built from (triage applied) and the scope they resolve."""

    metrics: Metrics
    scope: Scope


def scope_reads(metrics: Metrics, scope: Scope) -> dict[str, Any]:
    """What the store must read for ``scope``: every issue id (the triage overlay is
    portfolio-wide, since RAG and roll-ups count every issue) and the MTA history."""
    reads: dict[str, Any] = {
        "issue_ids": [str(i) for i in metrics.issues["issue_id"].tolist()],
        "mta_project": None,
        "mta_milestones": None,
    }
    if scope.level == "project":
        reads["mta_project"] = scope.key
    elif scope.level == "programme":
        ids = metrics.scope_projects("programme", scope.key)["project_id"]
        ms = metrics.milestones.loc[metrics.milestones["project_id"].isin(ids)]
        reads["mta_milestones"] = [str(m) for m in ms["milestone_id"].tolist()]
    return reads


def apply_triage(
    portfolio: Portfolio, metrics: Metrics, facts: StoreFacts, config: Config
) -> Metrics:
    """``metrics``, recomputed on the triaged snapshot when a decision changes an issue."""
    triaged = with_triage(portfolio, facts.triage)
    if triaged is portfolio:
        return metrics
    return compute(triaged, as_of=metrics.as_of, config=config)


def read_facts(store: Store | None, metrics: Metrics, scope: Scope, period_days: int) -> StoreFacts:
    """Read what the report needs from an open store; a failure becomes a note."""
    if store is None:
        return StoreFacts.unavailable("no triage store is open")
    reads = scope_reads(metrics, scope)
    try:
        return read_store(store, period=report_period(metrics.as_of, period_days), **reads)
    except store_errors() as exc:
        return StoreFacts.unavailable(
            f"the triage store could not be read: {failure(exc)}", store.description
        )


def report_period(as_of: date, period_days: int) -> tuple[date, date]:
    from datetime import timedelta

    return as_of - timedelta(days=period_days - 1), as_of


def report_data(
    portfolio: Portfolio,
    metrics: Metrics,
    scope: Scope | str,
    *,
    config: Config,
    source: str,
    facts: StoreFacts,
    period_days: int = 30,
    generated_at: datetime | None = None,
) -> Record:
    """The report tree for ``scope`` with the store's ``facts`` (triage applied)."""
    wanted = parse_scope(scope) if isinstance(scope, str) else scope
    resolved = resolve_scope(wanted, metrics)
    final = apply_triage(portfolio, metrics, facts, config)
    return build_report_data(
        final,
        portfolio,
        resolved,
        config=config,
        source=source,
        period_days=period_days,
        store=facts,
        generated_at=generated_at,
    )


def render(data: Record, fmt: str) -> str | bytes:
    """The report tree in ``fmt`` (``md``, ``html``, ``xlsx`` or ``json``)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}"
        ) from None
    return renderer(data)


def write_report(
    path: Path,
    fmt: str,
    *,
    portfolio: Portfolio,
    metrics: Metrics,
    scope: Scope | str,
    config: Config,
    source: str,
    store: Store | None = None,
    period_days: int = 30,
    generated_at: datetime | None = None,
) -> Path:
    """Write the report of ``scope`` to ``path`` (atomically) and return the path.

    ``portfolio`` is the snapshot as the source gave it and ``metrics`` its
    figures; ``store`` the open triage store (or None: the decisions section then
    says no store is open). Raises ``ScopeError`` for a scope the data does not
    have, ``ValueError`` for an unknown format, ``OSError`` when the file cannot
    be written.
    """
    wanted = parse_scope(scope) if isinstance(scope, str) else scope
    resolved = resolve_scope(wanted, metrics)
    facts = read_facts(store, metrics, resolved, period_days)
    data = report_data(
        portfolio,
        metrics,
        resolved,
        config=config,
        source=source,
        facts=facts,
        period_days=period_days,
        generated_at=generated_at,
    )
    target = Path(path).expanduser()
    write_atomically(target, render(data, fmt))
    return target


def default_name(scope: Scope | str, as_of: date, fmt: str) -> str:
    """``highlight-project-P-0042-2026-11-30.html``: a safe file name for a report."""
    wanted = parse_scope(scope) if isinstance(scope, str) else scope
    parts: Sequence[str] = ["highlight", wanted.level]
    if wanted.key:
        parts = [*parts, wanted.key]
    stem = "-".join([*parts, as_of.isoformat()])
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem).strip("._") or "report"
    return safe[:120] + EXTENSIONS[fmt]


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write next to ``path`` and rename, so a reader never sees half a report."""
    folder = path.parent if str(path.parent) else Path()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file private (0600); a report is an ordinary file
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask, read without changing it (Linux), else the usual 022."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
