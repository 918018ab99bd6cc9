"""Progress reports: one computation (:func:`build_report_data`), many formats.

``run_report`` backs ``pmo-tui report SOURCE --format md|html|xlsx|json
[--scope ...]``. It opens the source, computes the metrics with "today" =
``--as-of``, else the config's ``as_of``, else the local date, resolves the
scope, reads the triage store read-only (decisions, notes, forecast history;
a store that cannot be opened becomes a note in the report), applies the
officers' decisions and renders the report tree in the chosen format.

From an already-loaded snapshot (the TUI's ``x``), use :func:`write_report`.
A format is a function from the tree to text (or bytes for xlsx); they are
registered in ``RENDERERS``. Officer docs: docs/reports.md.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from pmo_tui.options import Options
from pmo_tui.report.data import SCHEMA, SCHEMA_VERSION, build_report_data, records
from pmo_tui.report.export import (
    EXTENSIONS,
    FORMATS,
    RENDERERS,
    default_name,
    render,
    report_data,
    scope_reads,
    write_atomically,
    write_report,
)
from pmo_tui.report.facts import StoreFacts, open_and_read
from pmo_tui.report.scope import Scope, ScopeError, parse_scope, resolve_scope
from pmo_tui.report.triage import with_triage

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "RENDERERS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Scope",
    "ScopeError",
    "StoreFacts",
    "build_report_data",
    "default_name",
    "parse_scope",
    "records",
    "render",
    "report_data",
    "resolve_scope",
    "run_report",
    "with_triage",
    "write_report",
]

EXIT_OK, EXIT_USAGE = 0, 2


def today(options: Options, config_as_of: date | None) -> date:
    """ "Today" for every figure: ``--as-of``, else the config's ``as_of``, else the local date."""
    return options.as_of or config_as_of or date.today()


def run_report(
    options: Options,
    *,
    fmt: str,
    scope: str,
    output: Path | None,
    period_days: int,
    out: TextIO,
) -> int:
    """Write the report; 0 on success, 2 on a usage error (one line on stderr)."""
    if fmt not in RENDERERS:
        return _usage(f"--format {fmt} is not known; use one of {', '.join(FORMATS)}")
    if period_days < 1:
        return _usage(f"--period-days must be at least 1, not {period_days}")
    if output is None and fmt == "xlsx":
        return _usage("--format xlsx writes a binary file; give -o FILE")
    try:
        wanted = parse_scope(scope)
    except ScopeError as exc:
        return _usage(str(exc))

    from pmo_tui.metrics import compute
    from pmo_tui.report.export import report_period
    from pmo_tui.sources import open_source

    source = open_source(options)
    try:
        portfolio = source.load()
    finally:
        source.close()
    config = source.config
    metrics = compute(portfolio, as_of=today(options, config.as_of), config=config)
    try:
        resolved = resolve_scope(wanted, metrics)
    except ScopeError as exc:
        return _usage(str(exc))
    facts = open_and_read(
        options,
        period=report_period(metrics.as_of, period_days),
        **scope_reads(metrics, resolved),
    )
    data = report_data(
        portfolio,
        metrics,
        resolved,
        config=config,
        source=source.description,
        facts=facts,
        period_days=period_days,
    )
    rendered = render(data, fmt)
    if output is None:
        assert isinstance(rendered, str)
        out.write(rendered)
        out.flush()
    else:
        write_atomically(output.expanduser(), rendered)
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE
