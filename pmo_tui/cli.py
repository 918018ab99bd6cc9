"""The ``pmo-tui`` command line (PRODUCT.md §2).

Errors are one clear line on stderr and a non-zero exit, never a traceback,
unless ``--debug`` is given. Exit codes: 0 ok, 1 data problems (``check``) or a
failure, 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from pmo_tui import __version__
from pmo_tui.options import Options

SUBCOMMANDS = ("check", "report", "demo", "db")
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake on the command line or a source that cannot be opened (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--as-of needs a date like 2026-03-31, not {text!r}"
        ) from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text!r}")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, help="pmo-tui.toml to use (default: the one in the folder)"
    )
    parser.add_argument(
        "--store", help="SQLAlchemy URL of the triage store (default: .pmo-tui/store.sqlite)"
    )
    parser.add_argument("--as-of", type=_as_of, help="compute 'today' as this date (YYYY-MM-DD)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def build_tui_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pmo-tui",
        description=(
            "Watch a project portfolio live in the terminal. SOURCE is a data folder or an "
            "SQLAlchemy URL; without it the bundled demo portfolio opens. Other commands: "
            + ", ".join(SUBCOMMANDS)
            + " (pmo-tui COMMAND --help)."
        ),
    )
    parser.add_argument("source", nargs="?", help="data folder or database URL (default: the demo)")
    _common(parser)
    parser.add_argument("--theme", help="colour theme (pmo-dark, pmo-light, pmo-contrast, ...)")
    parser.add_argument(
        "--kiosk", action="store_true", help="read-only wall display that cycles views"
    )
    parser.add_argument(
        "--read-only", action="store_true", help="disable every write (triage, notes)"
    )
    parser.add_argument(
        "--cycle", help="kiosk views, comma separated (portfolio,red,milestones,risks,burn)"
    )
    parser.add_argument("--interval", type=_positive, help="kiosk seconds per view")
    parser.add_argument(
        "--poll",
        type=_positive,
        metavar="SECONDS",
        help="poll the folder every SECONDS instead of using inotify (network shares)",
    )
    parser.add_argument(
        "--history",
        type=Path,
        metavar="FOLDER",
        help="backfill milestone trends from a folder of dated snapshots",
    )
    parser.add_argument("--version", action="version", version=f"pmo-tui {__version__}")
    return parser


def build_command_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pmo-tui")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="validate a source and list every problem")
    check.add_argument("source")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    _common(check)

    report = sub.add_parser("report", help="write a progress (highlight) report")
    report.add_argument("source", nargs="?")
    report.add_argument("--format", choices=("md", "html", "json", "xlsx"), default="md")
    report.add_argument(
        "--scope", default="portfolio", help="portfolio | programme:ID | project:ID"
    )
    report.add_argument(
        "-o", "--output", type=Path, help="file to write (default: stdout; xlsx needs -o)"
    )
    report.add_argument(
        "--period-days", type=int, default=30, help="length of the reporting period"
    )
    _common(report)

    demo = sub.add_parser("demo", help="write a demo or benchmark portfolio folder")
    demo.add_argument("directory", type=Path)
    demo.add_argument("--size", choices=("small", "large"), default="small")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--as-of", type=_as_of, help="date the demo is built around (default: today)")
    demo.add_argument("--debug", action="store_true")

    db = sub.add_parser("db", help="database source: init (create/migrate) or import a folder")
    dbsub = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    init = dbsub.add_parser("init", help="create or migrate the schema")
    init.add_argument("url")
    init.add_argument("--debug", action="store_true")
    imp = dbsub.add_parser("import", help="load a folder (or --history snapshots) into a database")
    imp.add_argument("source", type=Path)
    imp.add_argument("url")
    imp.add_argument("--config", type=Path)
    imp.add_argument(
        "--history",
        action="store_true",
        help="SOURCE is a folder of dated snapshot folders; record milestone trends",
    )
    imp.add_argument("--debug", action="store_true")
    return parser


def options_from(args: argparse.Namespace) -> Options:
    cycle = tuple(v.strip() for v in (getattr(args, "cycle", None) or "").split(",") if v.strip())
    return Options(
        source=getattr(args, "source", None),
        store=getattr(args, "store", None),
        config=getattr(args, "config", None),
        as_of=getattr(args, "as_of", None),
        theme=getattr(args, "theme", None),
        kiosk=bool(getattr(args, "kiosk", False)),
        read_only=bool(getattr(args, "read_only", False)) or bool(getattr(args, "kiosk", False)),
        cycle=cycle,
        interval=getattr(args, "interval", None),
        poll=getattr(args, "poll", None),
        history=getattr(args, "history", None),
        debug=bool(getattr(args, "debug", False)),
    )


#: screen updates per second asked of Textual (its default is 60); see frame_rate()
FRAME_RATE = 120


def frame_rate() -> None:
    """Ask Textual for :data:`FRAME_RATE` frames a second, unless ``TEXTUAL_FPS`` is set.

    Textual paints a change at its next frame, and a change that follows another
    within a frame or two waits for the one after (up to ~33 ms at 60 fps). At 120
    fps a key press painted in 16.9 ms instead of 34.2 ms (median, 20.0 against
    33.6 ms with no reload running; ``benchmarks/live.py``). Frames are only drawn
    when something changed, so idle costs nothing more. Textual reads the setting
    when it is imported: call this first.
    """
    os.environ.setdefault("TEXTUAL_FPS", str(FRAME_RATE))


def _run_tui(args: argparse.Namespace) -> int:
    from pmo_tui.malloc import relax_collector, settle_collector

    frame_rate()  # before anything imports textual
    relax_collector()  # collect less often until the first paint (PmoApp settles it then)
    try:
        return _start_tui(args)
    finally:
        settle_collector()  # an app that never painted


def _start_tui(args: argparse.Namespace) -> int:
    from pmo_tui.malloc import limit_arenas
    from pmo_tui.preload import start_early

    options = options_from(args)
    limit_arenas()  # before the first thread (the app runs for weeks on a wall)
    early = start_early(options)  # the first load runs while the UI is imported
    try:
        from pmo_tui.app import run
    except BaseException:
        if early is not None:
            early.shutdown()
            early.source.close()
        raise
    return run(options, early)


def _run_check(args: argparse.Namespace) -> int:
    from pmo_tui.checking import run_check

    return run_check(options_from(args), as_json=args.json, out=sys.stdout)


def _run_report(args: argparse.Namespace) -> int:
    from pmo_tui.report import run_report

    return run_report(
        options_from(args),
        fmt=args.format,
        scope=args.scope,
        output=args.output,
        period_days=args.period_days,
        out=sys.stdout,
    )


def _run_demo(args: argparse.Namespace) -> int:
    from pmo_tui.demo import write_demo

    folder = write_demo(args.directory, size=args.size, seed=args.seed, as_of=args.as_of)
    print(f"wrote the {args.size} demo portfolio to {folder}", file=sys.stderr)
    return EXIT_OK


def _run_db(args: argparse.Namespace) -> int:
    from pmo_tui.sources import database

    if args.db_command == "init":
        database.init_schema(args.url)
        print(f"schema is up to date in {database.redact(args.url)}", file=sys.stderr)
        return EXIT_OK
    return database.import_source(args.source, args.url, config=args.config, history=args.history)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": _run_check,
    "report": _run_report,
    "demo": _run_demo,
    "db": _run_db,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        if argv and argv[0] in SUBCOMMANDS:
            args = build_command_parser().parse_args(argv)
            return COMMANDS[args.command](args)
        return _run_tui(build_tui_parser().parse_args(argv))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if debug:
            raise
        from pmo_tui.errors import describe

        print(f"error: {describe(exc)}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_PROBLEMS)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
