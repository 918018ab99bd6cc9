"""``pmo-tui check SOURCE [--json]``: the full validation report of a source.

Text output: a header naming the source and config, one line per table with
its rows loaded and rejected, then every problem grouped by file (row,
column, message, value, rule), then a summary line.

Exit codes: 0 when there are no errors (warnings alone, such as ignored
columns or an ambiguous date order, do not fail the check; they are printed),
1 when at least one error (a rejected row, an unreadable file, a missing
table), 2 for a usage error (no such folder, not a folder: raised as
:class:`~pmo_tui.errors.SourceUnavailable` and printed by the CLI).

``--json`` prints one object (``schema`` ``pmo-tui-check/1``)::

    {
      "schema": "pmo-tui-check/1",
      "source": "/data/portfolio",          # folder path or redacted URL
      "config": "/data/portfolio/pmo-tui.toml" | null,
      "exit_code": 1,
      "summary": {"errors": 3, "warnings": 1, "rows_loaded": 1200, "rows_rejected": 3,
                  "tables_present": 5, "files_with_problems": 2},
      "tables": {"projects": {"present": true, "origin": "projects.csv", "loaded": 120,
                              "rejected": 2, "stale": null}, ...},
      "files": [{"file": "projects.csv", "errors": 2, "warnings": 0,
                 "problems": [{"file": ..., "row": 5, "column": "Budget", "value": "abc",
                               "rule": "bad-number", "message": ..., "severity": "error",
                               "table": "projects"}, ...]}, ...]
    }

Every text value is printed through :func:`pmo_tui.text.clean`, so hostile
file content cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from typing import Any, TextIO

from pmo_tui.errors import redact
from pmo_tui.model import TABLES, Portfolio
from pmo_tui.options import Options
from pmo_tui.problems import Problem, Severity
from pmo_tui.sources import open_source
from pmo_tui.text import clean as _clean
from pmo_tui.text import one_line as _one_line

SCHEMA = "pmo-tui-check/1"
EXIT_CLEAN, EXIT_PROBLEMS = 0, 1


def _table_counts(portfolio: Portfolio) -> dict[str, dict[str, Any]]:
    rejected: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for problem in portfolio.problems:
        if problem.severity is Severity.ERROR and problem.row is not None and problem.table:
            rejected[problem.table].add((problem.file, problem.row))
    out: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        state = portfolio.states[name]
        out[name] = {
            "present": bool(state.present),
            "origin": state.origin,
            "loaded": len(portfolio.frames[name]) if state.present else 0,
            "rejected": len(rejected.get(name, ())),
            "stale": state.stale,
        }
    return out


def _by_file(problems: tuple[Problem, ...]) -> dict[str, list[Problem]]:
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.file, []).append(problem)
    for items in grouped.values():
        items.sort(key=lambda p: (p.row is not None, p.row or 0))
    return grouped


def report(portfolio: Portfolio, *, config: str | None) -> dict[str, Any]:
    """The check result as a JSON-ready dict."""
    problems = portfolio.problems
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    warnings = len(problems) - errors
    tables = _table_counts(portfolio)
    grouped = _by_file(problems)
    files = [
        {
            "file": name,
            "errors": sum(1 for p in items if p.severity is Severity.ERROR),
            "warnings": sum(1 for p in items if p.severity is Severity.WARNING),
            "problems": [p.to_dict() for p in items],
        }
        for name, items in grouped.items()
    ]
    return {
        "schema": SCHEMA,
        "source": redact(portfolio.source),
        "config": config,
        "exit_code": EXIT_PROBLEMS if errors else EXIT_CLEAN,
        "summary": {
            "errors": errors,
            "warnings": warnings,
            "rows_loaded": sum(t["loaded"] for t in tables.values()),
            "rows_rejected": sum(t["rejected"] for t in tables.values()),
            "tables_present": sum(1 for t in tables.values() if t["present"]),
            "files_with_problems": len(grouped),
        },
        "tables": tables,
        "files": files,
    }


def _printable(text: str) -> str:
    """Undecodable file names carry lone surrogates; show them as escapes, not crash."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def clean(value: object) -> str:
    return _printable(_clean(value))


def one_line(value: object, limit: int | None = None) -> str:
    return _printable(_one_line(value, limit))


def _line(problem: Problem) -> str:
    where = []
    if problem.row is not None:
        where.append(f"row {problem.row}")
    if problem.column:
        where.append(f"column {one_line(problem.column, 60)!r}")
    place = ", ".join(where) or "file"
    value = "" if problem.value in (None, "") else f" (value {one_line(problem.value, 60)!r})"
    mark = "error" if problem.severity is Severity.ERROR else "warning"
    return f"  {mark}: {place}: {one_line(problem.message)}{value} [{problem.rule}]"


def write_text(result: dict[str, Any], out: TextIO) -> None:
    out.write(f"pmo-tui check: {clean(result['source'])}\n")
    out.write(f"config: {clean(result['config']) if result['config'] else 'none (defaults)'}\n\n")
    out.write("tables:\n")
    for name, info in result["tables"].items():
        if not info["present"]:
            out.write(f"  {name:<11} absent\n")
            continue
        stale = f"  STALE: {one_line(info['stale'])}" if info["stale"] else ""
        out.write(
            f"  {name:<11} {info['loaded']:>8,} loaded {info['rejected']:>7,} rejected"
            f"  from {one_line(info['origin'] or '?', 80)}{stale}\n"
        )
    for entry in result["files"]:
        out.write(
            f"\n{one_line(entry['file'], 200)}: {entry['errors']} error(s), "
            f"{entry['warnings']} warning(s)\n"
        )
        for data in entry["problems"]:
            problem = Problem(**{**data, "severity": Severity(data["severity"])})
            out.write(_line(problem) + "\n")
    s = result["summary"]
    verdict = "clean" if s["errors"] == 0 else "problems found"
    out.write(
        f"\nsummary: {verdict}: {s['rows_loaded']:,} rows loaded, {s['rows_rejected']:,} "
        f"rejected; {s['errors']:,} error(s), {s['warnings']:,} warning(s) in "
        f"{s['files_with_problems']} file(s)\n"
    )


def run_check(options: Options, *, as_json: bool, out: TextIO) -> int:
    """Validate the source named in ``options``; print the report; return the exit code."""
    source = open_source(options)
    try:
        portfolio = source.load()
    finally:
        source.close()
    config_path = getattr(source, "config_path", None)
    config = str(config_path) if config_path else (source.config.path or None)
    result = report(portfolio, config=config)
    try:
        if as_json:
            # ASCII escapes keep hostile bytes (and undecodable file names) out of the terminal
            json.dump(result, out, indent=2, ensure_ascii=True, default=str)
            out.write("\n")
        else:
            write_text(result, out)
        out.flush()
    except BrokenPipeError:
        # `pmo-tui check DIR | head`: the reader left; that is not an error of the data
        if out is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
    return int(result["exit_code"])
