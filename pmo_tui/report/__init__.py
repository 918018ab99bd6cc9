"""Progress reports: one computation (:func:`build_report_data`), many formats.

``run_report`` backs ``pmo-tui report SOURCE --format ... [--scope ...]``. It
opens the source, computes the metrics with "today" = ``--as-of``, else the
config's ``as_of``, else the local date, resolves the scope and renders the
report tree in the chosen format. A format is a function from the tree to
text (or bytes for xlsx); register it in ``RENDERERS``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from pmo_tui.options import Options
from pmo_tui.report.data import SCHEMA, SCHEMA_VERSION, build_report_data, records
from pmo_tui.report.scope import Scope, ScopeError, parse_scope, resolve_scope

__all__ = [
    "RENDERERS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Scope",
    "ScopeError",
    "build_report_data",
    "parse_scope",
    "records",
    "resolve_scope",
    "run_report",
]

EXIT_OK, EXIT_USAGE = 0, 2


def _json(data: Any) -> str:
    from pmo_tui.report.json_report import render

    return render(data)


#: format name -> renderer of the report tree (str for text formats, bytes for binary ones)
RENDERERS: dict[str, Callable[[Any], str | bytes]] = {"json": _json}


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
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        return _usage(f"--format {fmt} is not implemented yet; use --format json")
    if period_days < 1:
        return _usage(f"--period-days must be at least 1, not {period_days}")
    try:
        wanted = parse_scope(scope)
    except ScopeError as exc:
        return _usage(str(exc))

    from pmo_tui.metrics import compute
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
    data = build_report_data(
        metrics,
        portfolio,
        resolved,
        config=config,
        source=source.description,
        period_days=period_days,
    )
    rendered = renderer(data)
    if output is None:
        if isinstance(rendered, bytes):
            return _usage(f"--format {fmt} writes a binary file; give -o FILE")
        out.write(rendered)
        out.flush()
    else:
        _write_atomically(output, rendered)
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _write_atomically(path: Path, content: str | bytes) -> None:
    """Write next to ``path`` and rename, so a reader never sees half a report."""
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
