"""``pmo-tui.toml``: file and column mapping, formats, tolerances, display, keys.

The file lives in the data folder (or is given with ``--config``). Every
section is optional. A config that cannot be read is reported as a
:class:`~pmo_tui.problems.Problem` and the defaults are used, so a typo in the
config never takes the wall display down. See ``docs/config.md`` for the format.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pmo_tui.model import SCHEMAS, TABLES
from pmo_tui.problems import Problem, Severity

CONFIG_NAME = "pmo-tui.toml"
DateOrder = Literal["auto", "iso", "dayfirst", "monthfirst"]
Decimal = Literal["auto", ".", ","]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Tolerance:
    """PRINCE2 tolerances: cost as a fraction of BAC, time in days."""

    cost: float = 0.10
    time_days: int = 30


@dataclass(frozen=True)
class Tolerances:
    """Tolerances per level; the nearest level that sets a value wins."""

    portfolio: Tolerance = field(default_factory=Tolerance)
    programme: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    project: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def for_project(self, project_id: str, programme_id: str | None) -> Tolerance:
        cost, days = self.portfolio.cost, float(self.portfolio.time_days)
        for level in (
            self.programme.get(programme_id or "", _EMPTY),
            self.project.get(project_id, _EMPTY),
        ):
            cost = float(level.get("cost", cost))
            days = float(level.get("time_days", days))
        return Tolerance(cost=cost, time_days=int(days))

    def for_programme(self, programme_id: str) -> Tolerance:
        level = self.programme.get(programme_id, _EMPTY)
        return Tolerance(
            cost=float(level.get("cost", self.portfolio.cost)),
            time_days=int(level.get("time_days", self.portfolio.time_days)),
        )


@dataclass(frozen=True)
class SourceOptions:
    """How to read the files of a data folder."""

    #: table -> file name (relative to the folder), overriding ``<table>.csv``
    files: Mapping[str, str] = field(default_factory=dict)
    #: table -> {canonical column: source header or list of headers}
    columns: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    #: table -> column -> {source value: canonical value}
    values: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    #: table -> {canonical column: constant value} for columns a file lacks
    constants: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    date_order: DateOrder = "auto"
    #: an explicit strftime format wins over ``date_order``
    date_format: str | None = None
    decimal: Decimal = "auto"
    encoding: str | None = None  # None = sniff utf-8 / utf-8-sig / cp1252
    delimiter: str | None = None  # None = sniff , or ;
    #: money columns are multiplied by this (e.g. 1_000_000 for "$M" exports)
    money_unit: float = 1.0
    #: sheet name for a single-workbook folder, or per table
    sheets: Mapping[str, str] = field(default_factory=dict)
    #: files larger than this are refused (bytes)
    size_cap: int = 256 * 1024 * 1024
    #: rows whose cells in these columns are all empty are skipped silently
    skip_blank_rows: bool = True


@dataclass(frozen=True)
class Display:
    currency: str = "€"
    theme: str = "pmo-dark"
    #: data older than this raises the stale banner/alarm
    stale_after: timedelta = timedelta(hours=24)
    #: days ahead for "upcoming milestones"
    upcoming_days: int = 30
    locale_thousands: str = ","
    locale_decimal: str = "."


#: the wall display's views, in their default order (screens/kiosk_rows.py titles them)
KIOSK_VIEWS: tuple[str, ...] = ("portfolio", "red", "milestones", "risks", "burn")


@dataclass(frozen=True)
class Kiosk:
    cycle: tuple[str, ...] = KIOSK_VIEWS
    interval: float = 20.0
    log_file: str | None = None


@dataclass(frozen=True)
class Config:
    source: SourceOptions = field(default_factory=SourceOptions)
    tolerances: Tolerances = field(default_factory=Tolerances)
    display: Display = field(default_factory=Display)
    kiosk: Kiosk = field(default_factory=Kiosk)
    #: binding id -> comma separated keys (Textual keymap)
    keymap: Mapping[str, str] = field(default_factory=dict)
    #: a frozen "today" for a snapshot folder such as the bundled demo (``--as-of`` wins)
    as_of: date | None = None
    path: str | None = None


class ConfigError(ValueError):
    """A config that cannot be used; carries a Problem for the report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(text: str | float | int) -> timedelta:
    """``90`` (seconds), ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``."""
    if isinstance(text, int | float):
        return timedelta(seconds=float(text))
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 1d)")
    amount, unit = float(match.group(1)), match.group(2) or "s"
    return timedelta(seconds=amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit])


def load_config(path: Path | None) -> tuple[Config, list[Problem]]:
    """Read a config file; on any error return defaults and the problem."""
    if path is None or not path.exists():
        return Config(), []
    name = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        return parse_config(raw, name), unknown_keys(raw, name)
    except ConfigError as exc:
        return Config(path=name), [exc.problem]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        return Config(path=name), [
            Problem(file=name, rule="config", message=f"cannot read config: {exc}; using defaults")
        ]


def find_config(folder: Path | None, explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    if folder is not None and (folder / CONFIG_NAME).is_file():
        return folder / CONFIG_NAME
    return None


def _kiosk(kio: Mapping[str, Any], where: str) -> Kiosk:
    """``[kiosk]``: cycle (a list of view names, or one comma separated string),
    interval (seconds per view) and log_file. Only the shape is checked here; the
    view names and the shortest interval are checked when a kiosk starts (exit 2:
    a wall display that cannot show what was asked for does not start)."""
    _known(kio, KIOSK_KEYS, "[kiosk]", where)
    names = kio.get("cycle", list(KIOSK_VIEWS))
    if isinstance(names, str):
        names = names.split(",")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _fail(where, f"[kiosk] cycle must be a list of view names, not {names!r}")
    interval = kio.get("interval", Kiosk.interval)
    if isinstance(interval, bool) or not isinstance(interval, int | float):
        raise _fail(where, f"[kiosk] interval must be a number of seconds, not {interval!r}")
    log_file = kio.get("log_file")
    if log_file is not None and not isinstance(log_file, str):
        raise _fail(where, f"[kiosk] log_file must be a path, not {log_file!r}")
    cycle = tuple(n.strip().lower() for n in names if n.strip())
    return Kiosk(cycle=cycle, interval=float(interval), log_file=log_file)


#: the keys each part of pmo-tui.toml may have. A misspelt one is reported by name
#: (:func:`unknown_keys`): ignored without a word, the setting it was meant to change
#: would stay at its default
TOP_KEYS = frozenset(
    {
        "source",
        "files",
        "columns",
        "values",
        "constants",
        "sheets",
        "tolerances",
        "display",
        "kiosk",
        "keymap",
        "as_of",
    }
)
SOURCE_KEYS = frozenset(
    {
        "date_order",
        "date_format",
        "decimal",
        "encoding",
        "delimiter",
        "money_unit",
        "currency",
        "size_cap_mb",
    }
)
DISPLAY_KEYS = frozenset(
    {"currency", "theme", "stale_after", "upcoming_days", "thousands", "decimal"}
)
TOLERANCE_KEYS = frozenset({"cost", "time_days", "programme", "project"})
KIOSK_KEYS = frozenset({"cycle", "interval", "log_file"})
LEVEL_KEYS = frozenset({"cost", "time_days"})


def unknown_keys(raw: Mapping[str, Any], where: str = CONFIG_NAME) -> list[Problem]:
    """Warnings for keys pmo-tui does not know at the top level and in ``[source]``,
    ``[display]`` and ``[tolerances]``. They are ignored; everything else applies, so
    a typo added to a working config does not put the wall back on the defaults."""
    sections = (
        (raw, TOP_KEYS, "pmo-tui.toml"),
        (raw.get("source"), SOURCE_KEYS, "[source]"),
        (raw.get("display"), DISPLAY_KEYS, "[display]"),
        (raw.get("tolerances"), TOLERANCE_KEYS, "[tolerances]"),
    )
    return [
        Problem(file=where, rule="config", severity=Severity.WARNING, message=message)
        for section, keys, name in sections
        if isinstance(section, Mapping)
        and (message := _unknown(section, keys, name, ", ignored; "))
    ]


def _known(section: Mapping[str, Any], keys: frozenset[str], name: str, where: str) -> None:
    """``[kiosk]`` and a project's or programme's tolerances: an unknown key is an error."""
    if message := _unknown(section, keys, name, "; "):
        raise _fail(where, message)


def _unknown(section: Mapping[str, Any], keys: frozenset[str], name: str, sep: str) -> str:
    """What is wrong with ``section``'s keys ("" if nothing): which are unknown, and
    the ones that exist."""
    unknown = sorted(set(section) - keys)
    if not unknown:
        return ""
    return f"{name} has unknown keys {unknown}{sep}the keys are {', '.join(sorted(keys))}"


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(Problem(file=where, rule="config", message=message))


def _table(name: str, where: str) -> str:
    key = name.strip().lower()
    if key not in TABLES:
        raise _fail(where, f"unknown table {name!r}; tables are {', '.join(TABLES)}")
    return key


def _headers(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _fail(where, f"a column mapping must be a header or a list of headers, not {value!r}")


def _check_tolerance(entry: Mapping[str, Any], name: str, where: str) -> None:
    """Cost is a fraction of BAC (0.10 = 10%); time is whole days. Both are >= 0."""
    cost = entry.get("cost")
    if cost is not None and (
        not isinstance(cost, int | float) or isinstance(cost, bool) or not 0 <= cost <= 1
    ):
        raise _fail(
            where,
            f"{name} cost = {cost!r}: the cost tolerance is a fraction of the budget "
            "between 0 and 1 (0.10 means 10%)",
        )
    days = entry.get("time_days")
    if days is not None and (
        not isinstance(days, int | float) or isinstance(days, bool) or days < 0
    ):
        raise _fail(
            where, f"{name} time_days = {days!r}: the time tolerance is a number of days >= 0"
        )


def parse_config(raw: Mapping[str, Any], where: str = CONFIG_NAME) -> Config:
    src = raw.get("source", {})
    files = {_table(t, where): str(f) for t, f in raw.get("files", {}).items()}
    columns: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, mapping in raw.get("columns", {}).items():
        key = _table(table, where)
        known = {c.name for c in SCHEMAS[key]}
        cols: dict[str, tuple[str, ...]] = {}
        for canonical, header in mapping.items():
            if canonical not in known:
                raise _fail(
                    where,
                    f"[columns.{table}] maps unknown column {canonical!r}; "
                    f"columns are {', '.join(sorted(known))}",
                )
            cols[canonical] = _headers(header, where)
        columns[key] = cols
    values = {
        _table(t, where): {str(c): {str(k): str(v) for k, v in m.items()} for c, m in cols.items()}
        for t, cols in raw.get("values", {}).items()
    }
    constants = {
        _table(t, where): {str(c): str(v) for c, v in cols.items()}
        for t, cols in raw.get("constants", {}).items()
    }
    date_order = str(src.get("date_order", "auto"))
    if date_order not in ("auto", "iso", "dayfirst", "monthfirst"):
        raise _fail(
            where,
            f"source.date_order must be auto, iso, dayfirst or monthfirst, not {date_order!r}",
        )
    decimal = str(src.get("decimal", "auto"))
    if decimal not in ("auto", ".", ","):
        raise _fail(where, f"source.decimal must be auto, '.' or ',', not {decimal!r}")
    source = SourceOptions(
        files=files,
        columns=columns,
        values=values,
        constants=constants,
        date_order=date_order,  # type: ignore[arg-type]
        date_format=src.get("date_format"),
        decimal=decimal,  # type: ignore[arg-type]
        encoding=src.get("encoding"),
        delimiter=src.get("delimiter"),
        money_unit=float(src.get("money_unit", 1.0)),
        sheets={_table(t, where): str(s) for t, s in raw.get("sheets", {}).items()},
        size_cap=int(float(src.get("size_cap_mb", 256)) * 1024 * 1024),
    )

    tol = raw.get("tolerances", {})
    _check_tolerance(tol, "[tolerances]", where)
    for level in ("programme", "project"):
        for key, entry in tol.get(level, {}).items():
            _check_tolerance(entry, f"[tolerances.{level}.{key}]", where)
    portfolio = Tolerance(
        cost=float(tol.get("cost", Tolerance.cost)),
        time_days=int(tol.get("time_days", Tolerance.time_days)),
    )
    for level in ("programme", "project"):
        for key, entry in tol.get(level, {}).items():
            _known(entry, LEVEL_KEYS, f"[tolerances.{level}.{key}]", where)
    tolerances = Tolerances(
        portfolio=portfolio,
        programme={str(k): dict(v) for k, v in tol.get("programme", {}).items()},
        project={str(k): dict(v) for k, v in tol.get("project", {}).items()},
    )

    disp = raw.get("display", {})
    display = Display(
        currency=str(disp.get("currency", src.get("currency", Display.currency))),
        theme=str(disp.get("theme", Display.theme)),
        stale_after=parse_duration(disp.get("stale_after", "24h")),
        upcoming_days=int(disp.get("upcoming_days", Display.upcoming_days)),
        locale_thousands=str(disp.get("thousands", Display.locale_thousands)),
        locale_decimal=str(disp.get("decimal", Display.locale_decimal)),
    )
    if display.locale_thousands == display.locale_decimal:
        raise _fail(where, "[display] thousands and decimal separators must differ")
    kiosk = _kiosk(raw.get("kiosk", {}), where)
    keymap = {str(k): str(v) for k, v in raw.get("keymap", {}).items()}
    as_of = raw.get("as_of")
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)
    if as_of is not None and not isinstance(as_of, date):
        raise _fail(where, f"as_of must be a date like 2026-11-30, not {as_of!r}")
    return Config(
        source=source,
        tolerances=tolerances,
        display=display,
        kiosk=kiosk,
        keymap=keymap,
        as_of=as_of,
        path=where,
    )
