"""Database rows -> canonical frames, with the folder loader's row rules.

A database enforces types (PostgreSQL strictly, SQLite hardly at all) but not
the portfolio's rules, and other programs write to it. So every table read from
a database goes through the same rules and rule ids as the folder loader
(``pmo_tui.sources.validate``): values are stripped, blanks are missing, enum
values are mapped to their canonical lower-case form with the loader's aliases,
and a row that breaks a rule is rejected and reported, the others load.

A database row has no line number, so a problem names the table (``file``), the
column, the value and, in the message, the row's id (``project 'P-042': ...``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pmo_tui.model import KEYS, SCHEMAS, Column, empty_frame
from pmo_tui.problems import Problem, Severity, clip
from pmo_tui.sources import aliases
from pmo_tui.sources.db_schema import ID_COLUMN, LINE_TABLES, SOFT_REQUIRED

_SEVERITY_WORDS = "low, medium, high, critical or 1-4"


@dataclass
class _Column:
    values: pd.Series
    bad: np.ndarray  # bool per row
    reason: Callable[[object], str]  # message for a bad original value


def _text(raw: pd.Series) -> pd.Series:
    """Any column as stripped ``str`` with blanks missing."""
    if str(raw.dtype) != "str":
        if raw.dtype == object:
            raw = raw.map(_as_text, na_action="ignore")
        raw = raw.astype("str")
    stripped = raw.str.strip()
    return stripped.mask(stripped == "")


def _as_text(value: object) -> object:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _lookup(
    raw: pd.Series, convert: Callable[[str], object | None]
) -> tuple[pd.Series, np.ndarray]:
    """Map the distinct stripped texts through ``convert`` (None = unknown)."""
    text = _text(raw)
    uniques = text.dropna().unique()
    mapping = {u: convert(str(u)) for u in uniques}
    mapped = text.map(mapping)
    bad = (text.notna() & mapped.isna()).to_numpy()
    return mapped, bad


def _enum(table: str, col: Column, raw: pd.Series) -> _Column:
    allowed = dict(aliases.ENUM_VALUES.get(table, {}).get(col.name, {}))
    allowed.update({aliases.norm(v): v for v in col.values})
    values, bad = _lookup(raw, lambda text: allowed.get(aliases.norm(text)))
    choices = ", ".join(col.values)
    return _Column(
        values.astype("str"), bad, lambda v: f"{col.name} {clip(v, 40)!r} is not one of {choices}"
    )


def _severity(raw: pd.Series) -> _Column:
    if pd.api.types.is_numeric_dtype(raw.dtype) and str(raw.dtype) != "boolean":
        numbers = pd.to_numeric(raw, errors="coerce").astype("Float64")
        ok = numbers.isna() | ((numbers % 1 == 0) & (numbers >= 1) & (numbers <= 4))
        bad = (~ok.fillna(False)).to_numpy(dtype=bool)
        values = numbers.mask(~ok).astype("Int64")
    else:

        def convert(text: str) -> int | None:
            key = aliases.norm(text)
            if key in aliases.SEVERITY:
                return aliases.SEVERITY[key]
            try:
                number = float(key.replace(",", "."))
            except ValueError:
                return None
            return int(number) if number.is_integer() and 1 <= number <= 4 else None

        mapped, bad = _lookup(raw, convert)
        values = mapped.astype("Int64")
    return _Column(values, bad, lambda v: f"severity {clip(v, 40)!r} is not {_SEVERITY_WORDS}")


def _boolean(col: Column, raw: pd.Series) -> _Column:
    if str(raw.dtype) == "boolean" or raw.dtype == bool:
        return _Column(raw.astype("boolean"), np.zeros(len(raw), dtype=bool), str)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        numbers = pd.to_numeric(raw, errors="coerce")
        ok = numbers.isna() | numbers.isin([0, 1])
        values = numbers.mask(~ok).astype("Float64").astype("boolean")
        return _Column(
            values, (~ok).to_numpy(dtype=bool), lambda v: f"{col.name} {v!r} is not yes or no"
        )

    def convert(text: str) -> bool | None:
        return aliases.BOOLEAN.get(aliases.norm(text))

    mapped, bad = _lookup(raw, convert)
    return _Column(
        mapped.astype("boolean"), bad, lambda v: f"{col.name} {clip(v, 40)!r} is not yes or no"
    )


def _dates(col: Column, raw: pd.Series) -> _Column:
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw.astype("datetime64[s]")
        bad = np.zeros(len(raw), dtype=bool)
    else:
        text = _text(raw)
        values = _parse_iso(text)
        bad = (text.notna() & values.isna()).to_numpy()
    if col.kind == "month":
        values = pd.Series(
            values.to_numpy().astype("datetime64[M]").astype("datetime64[s]"), index=values.index
        )
    what = "a month" if col.kind == "month" else "a date"
    return _Column(values, bad, lambda v: f"{col.name} {clip(v, 40)!r} is not {what} (YYYY-MM-DD)")


def _parse_iso(text: pd.Series) -> pd.Series:
    """ISO dates as datetime64[s]: each distinct text parsed once (a cost table holds a
    few dozen months in half a million rows); unparsable texts become NaT."""
    array = pa.array(text, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    distinct = encoded.dictionary
    parsed = pc.strptime(distinct, format="%Y-%m-%d", unit="s", error_is_null=True)
    if parsed.null_count > distinct.null_count:  # other ISO forms: 2026-03-01 00:00:00, ...
        slow = pd.to_datetime(pd.Series(distinct.to_pandas()), format="ISO8601", errors="coerce")
        parsed = pa.array(slow.astype("datetime64[s]"), type=pa.timestamp("s"), from_pandas=True)
    values = pc.take(parsed, encoded.indices).to_numpy(zero_copy_only=False)
    return pd.Series(values.astype("datetime64[s]"), index=text.index)


def _numbers(col: Column, raw: pd.Series) -> _Column:
    if raw.dtype == np.float64:
        values = raw
        bad = np.zeros(len(raw), dtype=bool)
    else:
        source = raw.map(_as_number, na_action="ignore") if raw.dtype == object else raw
        values = pd.to_numeric(source, errors="coerce").astype("float64")
        bad = (raw.notna() & values.isna()).to_numpy()
    finite = np.isfinite(values.to_numpy()) | values.isna().to_numpy()
    if not finite.all():  # inf is not an amount
        values = values.mask(~finite)
        bad = bad | ~finite
    return _Column(values, bad, lambda v: f"{col.name} {clip(v, 40)!r} is not a number")


def _as_number(value: object) -> object:
    if isinstance(value, str):
        return (
            value.strip().replace(",", ".")
            if value.count(",") == 1 and "." not in value
            else value.strip()
        )
    return value


def _convert(table: str, col: Column, raw: pd.Series) -> _Column:
    if col.kind == "enum":
        return _enum(table, col, raw)
    if col.kind == "int":
        return _severity(raw)
    if col.kind == "bool":
        return _boolean(col, raw)
    if col.kind in ("date", "month"):
        return _dates(col, raw)
    if col.kind in ("money", "percent"):
        return _numbers(col, raw)
    values = _text(raw)
    if col.name == "reported_rag":
        uniques = values.dropna().unique()
        mapping = {
            u: aliases.RAG.get(aliases.norm(u), " ".join(str(u).casefold().split()))
            for u in uniques
        }
        values = values.map(mapping).astype("str")
    return _Column(values, np.zeros(len(raw), dtype=bool), str)


_BAD_RULE = {
    "money": "bad-number",
    "percent": "bad-number",
    "date": "bad-date",
    "month": "bad-date",
}


def conform_rows(table: str, raw: pd.DataFrame, origin: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of ``table`` that pass the rules (canonical columns) and the problems."""
    n = len(raw)
    if n == 0:
        return empty_frame(table), []
    schema = {c.name: c for c in SCHEMAS[table]}
    converted = {
        name: _convert(table, col, raw[name]) for name, col in schema.items() if name in raw.columns
    }
    ident = ID_COLUMN[table]
    labels = converted[ident].values if ident in converted else pd.Series([None] * n)
    reject = np.zeros(n, dtype=bool)
    found: list[tuple[int, Problem]] = []

    def report(
        mask: np.ndarray,
        name: str,
        rule: str,
        message: Callable[[int], str] | str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        for i in np.flatnonzero(mask):
            original = raw[name].iloc[i] if name in raw.columns else None
            text = message(int(i)) if callable(message) else message
            label = labels.iloc[i]
            where = f"{ident.removesuffix('_id')} {clip(label, 40)!r}: " if pd.notna(label) else ""
            found.append(
                (
                    int(i),
                    Problem(
                        file=origin,
                        table=table,
                        rule=rule,
                        column=name,
                        value=None if original is None or _isna(original) else clip(original),
                        message=where + text,
                        severity=severity,
                    ),
                )
            )
        if severity is Severity.ERROR:
            reject[mask] = True

    for name, column in converted.items():
        if column.bad.any():
            rule = _BAD_RULE.get(schema[name].kind, "unknown-value")
            report(column.bad, name, rule, _reason_for(column, raw[name]))

    for name, col in schema.items():
        if not col.required:
            continue
        if name not in converted:
            report(
                np.ones(n, dtype=bool),
                name,
                "blank-value",
                f"{name} is required but missing; row skipped",
            )
            continue
        column = converted[name]
        missing = column.values.isna().to_numpy() & ~column.bad
        if not missing.any():
            continue
        if name in SOFT_REQUIRED.get(table, ()):
            what = "budget" if name == "budget" else "baseline date"
            report(
                missing,
                name,
                "blank-value",
                f"no {what}; the row loads, but figures that need it show n/a",
                Severity.WARNING,
            )
        else:
            report(missing, name, "blank-value", f"{name} is required but empty; row skipped")

    values = {name: c.values for name, c in converted.items()}
    _range_rules(table, values, report)
    _duplicates(table, values, reject, report)

    found.sort(key=lambda item: item[0])
    frame = pd.DataFrame(values)
    if reject.any():
        frame = frame.loc[~reject].reset_index(drop=True)
    return frame, [p for _, p in found]


def _reason_for(column: _Column, original: pd.Series) -> Callable[[int], str]:
    def reason(i: int) -> str:
        return column.reason(original.iloc[i])

    return reason


def _isna(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _range_rules(table: str, values: Mapping[str, pd.Series], report: Callable[..., None]) -> None:
    def arr(name: str) -> pd.Series | None:
        return values.get(name)

    if table == "projects":
        for name, what in (("budget", "budget"), ("forecast_cost", "forecast cost")):
            v = arr(name)
            if v is not None:
                report(
                    (v < 0).fillna(False).to_numpy(dtype=bool),
                    name,
                    "negative-budget",
                    f"{what} is negative",
                )
        pct = arr("percent_complete")
        if pct is not None:
            report(
                ((pct < 0) | (pct > 100)).fillna(False).to_numpy(dtype=bool),
                "percent_complete",
                "percent-range",
                "percent complete must be between 0 and 100",
            )
        start = arr("start_date")
        if start is not None:
            for name, what in (
                ("end_date", "end date"),
                ("forecast_end_date", "forecast end date"),
            ):
                end = arr(name)
                if end is not None:
                    report(
                        (end < start).fillna(False).to_numpy(dtype=bool),
                        name,
                        "end-before-start",
                        f"{what} is before the start date",
                    )
    if table == "issues":
        raised, due = arr("raised_date"), arr("due_date")
        if raised is not None and due is not None:
            report(
                (due < raised).fillna(False).to_numpy(dtype=bool),
                "due_date",
                "end-before-start",
                "due date is before the date the issue was raised",
                Severity.WARNING,
            )


def _duplicates(
    table: str, values: Mapping[str, pd.Series], reject: np.ndarray, report: Callable[..., None]
) -> None:
    keys = KEYS.get(table, ())
    if not keys or keys[0] not in values:
        return
    key = keys[0]
    series = values[key].reset_index(drop=True)
    considered = series[series.notna().to_numpy() & ~reject]
    dup = considered.duplicated(keep="first")
    if not dup.any():
        return
    mask = np.zeros(len(series), dtype=bool)
    mask[considered.index[dup.to_numpy()]] = True
    report(
        mask,
        key,
        "duplicate-id",
        f"{key} is used by another row too (ids differ only in spaces); this row is skipped",
    )


def to_grain(table: str, frame: pd.DataFrame, *, sort: bool = False) -> pd.DataFrame:
    """Cost/plan lines summed per project, month (and category): the grain the metrics
    use. Lines already at the grain (exports usually are) pass through unchanged, in the
    database's (stable) order, unless ``sort`` (rows from a hash aggregate come in an
    arbitrary order, which would look like a change). Other tables pass through."""
    grain = LINE_TABLES.get(table)
    if grain is None or frame.empty:
        return frame
    cols = [c for c in grain if c in frame.columns]
    if not sort and not frame.duplicated(cols).any():
        return frame
    summed = frame.groupby(cols, sort=True, dropna=False, observed=True)["amount"].sum(min_count=1)
    return summed.reset_index()
