"""Turning text cells into numbers, dates, enums; deciding formats from evidence.

Formats are decided once per column or file, never per row:

* **Decimal separator.** A value such as ``7.9``, ``0.5``, ``1234.56`` or
  ``1,234.56`` is evidence for a decimal point; ``7,9``, ``1.234,56`` or
  ``1.234.567`` for a decimal comma. ``1.234`` and ``1,234`` prove nothing.
  The column's own evidence decides (the majority, when it holds both); a column
  without evidence follows the file; a file without any follows the delimiter
  (``;`` files are decimal-comma, all others decimal-point). ``source.decimal``
  in the config overrides all of it. Under the decided convention every value
  is parsed strictly, so ``1,5`` in a decimal-point column is an error, not 15.
* **Date order.** ISO (``2024-03-31``, with or without a time) is always ISO.
  For ``dd-mm-yyyy``, ``dd/mm/yyyy`` and ``dd.mm.yyyy`` the order is decided
  for the whole file: a first number above 12 proves day-first, a second
  number above 12 month-first. A file with no such value is ambiguous and
  follows ``source.date_order``, else the other files of the folder, else
  day-first, with a warning.

Columns are converted by their distinct values (most date, id and enum
columns have few), so a 480,000-row costs file parses its 60 months once.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmo_tui.problems import clip
from pmo_tui.sources.aliases import norm

DateOrder = Literal["dayfirst", "monthfirst", "iso"]
DecimalSep = Literal[".", ","]

MIN_YEAR, MAX_YEAR = 1900, 2200


# -- cells ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cells:
    """One column of a file: stripped text, plus typed values from a workbook.

    ``text`` is a pyarrow string array with ``""`` for blank cells (and for
    cells whose value is in ``native``). ``native`` holds the typed workbook
    values (float, int, bool, date, datetime, time) where a cell was not text.
    """

    text: pa.Array | pa.ChunkedArray  # the CSV reader's blocks stay chunks
    native: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.text)

    @cached_property
    def trimmed(self) -> pa.Array | pa.ChunkedArray:
        """``text`` without surrounding whitespace (computed when first needed)."""
        return _trimmed(self.text)

    @cached_property
    def encoded(self) -> tuple[list[str], np.ndarray]:
        """Distinct stripped text values, and for each row the index of its value."""
        encoded = pc.dictionary_encode(self.text)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks() if encoded.num_chunks != 1 else encoded.chunk(0)
        uniques = [str(u).strip() for u in encoded.dictionary.to_pylist()]
        # int32 as Arrow made them (no copy): numpy indexes with them just as well
        indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
        return uniques, indices

    def distinct(self, limit: int | None = None) -> list[str]:
        """Distinct non-blank values; with ``limit``, at most that many from the first
        ``limit * 8`` rows, in the order they first appear there.

        The sample depends on those rows alone (not on what else was computed), so an
        incremental re-read that keeps them knows the sample did not change.
        """
        if limit is None:
            return [u for u in dict.fromkeys(self.encoded[0]) if u]
        head = limit * 8
        if "encoded" in self.__dict__:
            uniques, indices = self.encoded
            seen, first = np.unique(indices[:head], return_index=True)
            ordered = (uniques[int(i)] for i in seen[np.argsort(first, kind="stable")])
            return [u for u in dict.fromkeys(ordered) if u][:limit]
        sample = pc.unique(self.text.slice(0, head)).to_pylist()
        return [u for u in dict.fromkeys(str(v).strip() for v in sample) if u][:limit]

    def blank(self) -> np.ndarray:
        empty = np.asarray(pc.equal(self.trimmed, "").to_numpy(zero_copy_only=False), dtype=bool)
        if self.native is None:
            return empty
        return empty & np.array([v is None for v in self.native], dtype=bool)

    def native_mask(self) -> np.ndarray:
        if self.native is None:
            return np.zeros(len(self.text), dtype=bool)
        return np.array([v is not None for v in self.native], dtype=bool)

    def shown(self, index: int) -> str:
        """The cell as the officer wrote it, for a problem report."""
        if self.native is not None and self.native[index] is not None:
            return native_text(self.native[index])
        return clip(str(self.text[index].as_py()).strip())

    def take(self, indices: np.ndarray) -> Cells:
        native = None if self.native is None else self.native[indices]
        return Cells(pc.take(self.text, pa.array(indices, type=pa.int64())), native)

    def strings(self) -> np.ndarray:
        """Every cell as text (workbook values rendered), as a numpy object array."""
        out = np.asarray(self.trimmed.to_numpy(zero_copy_only=False), dtype=object)
        if self.native is not None:
            mask = self.native_mask()
            if mask.any():
                out = out.copy()
                out[mask] = [native_text(v) for v in self.native[mask]]
        return out


def native_text(value: Any) -> str:
    """A workbook value as text: ``1001.0`` -> ``1001``, dates as ISO."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date | time | timedelta):
        return str(value)
    return str(value)


@dataclass(frozen=True)
class Parsed:
    """A converted column: values, which cells failed, and why."""

    values: Any  # numpy array or pandas array
    bad: np.ndarray  # bool per row
    reasons: Mapping[int, str]  # row index -> message, for failed rows

    def reason(self, index: int, default: str) -> str:
        return self.reasons.get(index, default)


@dataclass(frozen=True)
class _Uniques:
    """A conversion applied to each distinct value of a column."""

    values: list[Any]  # per distinct value
    indices: np.ndarray  # row -> distinct value
    bad: np.ndarray  # bool per row
    reasons: dict[int, str]  # row -> message, for bad rows

    def spread(self, dtype: Any, fill: Any) -> np.ndarray:
        """Per-row values as a numpy array (``fill`` for missing)."""
        table = np.array([fill if v is None else v for v in self.values], dtype=dtype)
        if len(table) == 0:
            return np.array([], dtype=dtype)
        return table[self.indices]


def _by_unique(cells: Cells, convert: Callable[[str], tuple[Any, str | None]]) -> _Uniques:
    """Apply ``convert`` to each distinct text value; spread back to the rows."""
    uniques, indices = cells.encoded
    results = [convert(u) if u != "" else (None, None) for u in uniques]
    bad_u = np.array([r[1] is not None for r in results], dtype=bool)
    bad = bad_u[indices] if len(indices) else np.zeros(0, dtype=bool)
    reasons: dict[int, str] = {}
    if bad.any():
        for i in np.flatnonzero(bad):
            reasons[int(i)] = str(results[indices[i]][1])
    return _Uniques([r[0] for r in results], indices, bad, reasons)


def _natives(
    cells: Cells,
    convert: Callable[[Any], tuple[Any, str | None]],
    *,
    out: np.ndarray,
    bad: np.ndarray,
    reasons: dict[int, str],
    fill: Any,
) -> None:
    """Overwrite the typed workbook cells of a converted column in place."""
    if cells.native is None:
        return
    for i in np.flatnonzero(cells.native_mask()):
        value, reason = convert(cells.native[i])
        if reason is None:
            out[i] = fill if value is None else value
        else:
            out[i], bad[i] = fill, True
            reasons[int(i)] = reason


# -- numbers --------------------------------------------------------------------

_CURRENCY = re.compile(r"^(?:[€$£¥]|eur|usd|gbp|chf)\s*|\s*(?:[€$£¥]|eur|usd|gbp|chf)$", re.I)
_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f'’](?=\d)")
_POINT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?$|^[+-]?\.\d+$")
_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d*)?$|^[+-]?,\d+$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_POINT_PROOF = re.compile(
    r"^[+-]?\d+\.(?:\d{1,2}|\d{4,})$|^[+-]?\d{1,3}(?:,\d{3})+\.\d*$|^[+-]?\d{1,3}(?:,\d{3}){2,}$"
    r"|^[+-]?\d{4,}\.\d+$|^[+-]?0\.\d+$|^[+-]?\.\d+$"
)
_COMMA_PROOF = re.compile(
    r"^[+-]?\d+,(?:\d{1,2}|\d{4,})$|^[+-]?\d{1,3}(?:\.\d{3})+,\d*$|^[+-]?\d{1,3}(?:\.\d{3}){2,}$"
    r"|^[+-]?\d{4,},\d+$|^[+-]?0,\d+$|^[+-]?,\d+$"
)
_MONTH_WORD = r"(?:jan|feb|m[aä]r|mrt|apr|ma[iy]|jun|jul|aug|sep|o[ck]t|nov|de[cz])\w*\.?"
_EXCEL_DATE = re.compile(
    rf"^\d{{1,2}}\.?\s*[-. ]\s*{_MONTH_WORD}$|^{_MONTH_WORD}\s*[-. ]\s*\d{{1,4}}$", re.I
)


def _clean_number(text: str) -> tuple[str, bool]:
    """Strip currency, percent and digit-group spaces; report accounting negatives."""
    s = text.strip().replace("\u2212", "-")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        s, negative = s[1:-1].strip(), True
    s = _CURRENCY.sub("", s).strip()
    if s.startswith("-"):
        inner = _CURRENCY.sub("", s[1:].strip()).strip()
        s = "-" + inner
    s = s.removesuffix("%").strip()
    s = _GROUP_SPACE.sub("", s)
    return s, negative


_PLAIN = re.compile(r"^[+-]?[\d.,]+$")


def number_evidence(values: Iterable[str]) -> Counter[str]:
    """How many values prove a decimal point (``.``) or a decimal comma (``,``)."""
    seen: Counter[str] = Counter()
    for value in values:
        s = value if _PLAIN.match(value) else _clean_number(value)[0]
        if _POINT_PROOF.match(s):
            seen["."] += 1
        elif _COMMA_PROOF.match(s):
            seen[","] += 1
    return seen


def parse_number(text: str, decimal: DecimalSep) -> tuple[float | None, str | None]:
    """One value under a decided convention: (number, None) or (None, reason)."""
    s, negative = _clean_number(text)
    if not s:
        return None, "not a number"
    pattern = _POINT if decimal == "." else _COMMA
    if pattern.match(s):
        s = s.replace(",", "") if decimal == "." else s.replace(".", "").replace(",", ".")
    elif not _SCIENTIFIC.match(s):
        if _EXCEL_DATE.match(text.strip()):
            return None, "not a number: it looks like a number that Excel turned into a date"
        other = "," if decimal == "." else "."
        if (_COMMA if other == "," else _POINT).match(s):
            name = "point" if decimal == "." else "comma"
            return (
                None,
                f"not a number in this file, whose decimal separator is a {name} ({decimal})",
            )
        return None, "not a number"
    try:
        value = float(s)
    except ValueError:
        return None, "not a number"
    if not math.isfinite(value):
        return None, "not a finite number"
    return (-value if negative else value), None


def _native_number(value: Any) -> tuple[float | None, str | None]:
    if isinstance(value, bool):
        return None, "not a number (a TRUE/FALSE cell)"
    if isinstance(value, int | float):
        v = float(value)
        return (v, None) if math.isfinite(v) else (None, "not a finite number")
    if isinstance(value, date | datetime | time | timedelta):
        return None, "not a number: it is a date cell (did Excel turn the number into a date?)"
    return None, "not a number"


def _raw_then_trimmed(cells: Cells) -> Iterator[pa.Array | pa.ChunkedArray]:
    """The raw text, then (computed only if asked for) the trimmed text."""
    yield cells.text
    yield cells.trimmed


def numbers(cells: Cells, decimal: DecimalSep) -> Parsed:
    """Float64 values; blank cells are NaN and not bad."""
    n = len(cells)
    out: np.ndarray | None = None
    blank: np.ndarray | None = None
    if decimal == "." and n:
        # fast path: plain numbers cast at C speed (raw text first, then trimmed)
        for text in _raw_then_trimmed(cells):
            has_blank = has_empty_cell(text)
            blank_text = pc.equal(text, "") if has_blank else None
            source = (
                pc.if_else(blank_text, pa.scalar(None, text.type), text)
                if blank_text is not None
                else text
            )
            try:
                cast = pc.cast(source, pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            out = np.asarray(cast.to_numpy(zero_copy_only=False), dtype=np.float64)
            if blank_text is not None:
                blank = np.asarray(blank_text.to_numpy(zero_copy_only=False), dtype=bool)
            break
    if out is not None:
        # the fast cast accepts "nan" and "inf"; those are not numbers here
        bad = ~np.isfinite(out)
        if blank is not None:
            bad &= ~blank
        reasons = {int(i): "not a finite number" for i in np.flatnonzero(bad)}
        if bad.any():
            out = np.where(bad, np.nan, out)
    else:
        u = _by_unique(cells, lambda s: parse_number(s, decimal))
        out, bad, reasons = u.spread(np.float64, np.nan), u.bad, u.reasons
    if cells.native is not None:
        out, bad = out.copy(), bad.copy()
        _natives(cells, _native_number, out=out, bad=bad, reasons=reasons, fill=np.nan)
    assert len(out) == n
    return Parsed(out, bad, reasons)


# -- dates ----------------------------------------------------------------------

_TIME = (
    r"(?:[T ,]+\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?"
    r"\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_ISO = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME + r"$")
_NUMERIC = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})" + _TIME + r"$")
_NAMED = re.compile(r"^(\d{1,2})[-/ .]+([^\W\d_]{3,10})\.?[-/ .,]+(\d{4}|\d{2})" + _TIME + r"$")
_NAMED_US = re.compile(r"^([^\W\d_]{3,10})\.?\s+(\d{1,2}),?\s+(\d{4})" + _TIME + r"$")
_MONTH_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_REV = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_MONTH_NAMED = re.compile(r"^([^\W\d_]{3,10})\.?[-/ ]+(\d{4})$")
_SHORT_YEAR = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2}$")

MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("jan", "january", "januari", "jan"),
        ("feb", "february", "februari", "febr"),
        ("mar", "march", "maart", "mrt", "mär", "märz"),
        ("apr", "april"),
        ("may", "mei", "mai"),
        ("jun", "june", "juni"),
        ("jul", "july", "juli"),
        ("aug", "august", "augustus"),
        ("sep", "sept", "september"),
        ("oct", "october", "okt", "oktober"),
        ("nov", "november"),
        ("dec", "december", "dez", "dezember"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _i


def date_evidence(values: Iterable[str]) -> Counter[str]:
    """Counts of values that prove ``dayfirst`` or ``monthfirst``, and ``ambiguous`` ones."""
    seen: Counter[str] = Counter()
    for value in values:
        m = _NUMERIC.match(value.strip())
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(3))
        if a > 12 >= b:
            seen["dayfirst"] += 1
        elif b > 12 >= a:
            seen["monthfirst"] += 1
        elif a != b:
            seen["ambiguous"] += 1
    return seen


def _ymd(year: int, month: int, day: int) -> tuple[date | None, str | None]:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, f"not a plausible date (year {year})"
    if not 1 <= month <= 12:
        return None, f"not a date: there is no month {month}"
    try:
        return date(year, month, day), None
    except ValueError:
        return None, f"not a date: month {month} of {year} has no day {day}"


def parse_date(
    text: str, order: DateOrder, fmt: str | None = None
) -> tuple[date | None, str | None]:
    """One date under the file's decided order (or an explicit strftime format)."""
    s = text.strip()
    if fmt:
        try:
            return datetime.strptime(s, fmt).date(), None
        except ValueError:
            pass
    if len(s) == 10 and s[4] == "-" and s[7] == "-" and s[:4].isdigit():
        try:
            found = date.fromisoformat(s)
        except ValueError:
            pass  # fall through for a precise message
        else:
            if MIN_YEAR <= found.year <= MAX_YEAR:
                return found, None
    m = _ISO.match(s)
    if m:
        return _ymd(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    m = _NUMERIC.match(s)
    if m and order == "iso":
        return None, "not an ISO date (yyyy-mm-dd), which source.date_order asks for"
    if m:
        a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        day, month = (a, b) if order == "dayfirst" else (b, a)
        result, reason = _ymd(year, month, day)
        if reason and (b if order == "dayfirst" else a) > 12:
            shape = "dd-mm-yyyy" if order == "dayfirst" else "mm-dd-yyyy"
            return None, f"not a date in this file, whose dates are {shape}"
        return result, reason
    m = _NAMED.match(s)
    if m:
        named = MONTHS.get(m.group(2).casefold())
        if named is None:
            return None, f"not a date: unknown month name {m.group(2)!r}"
        year = int(m.group(3))
        if year < 100:
            year += 2000 if year < 70 else 1900
        return _ymd(year, named, int(m.group(1)))
    m = _NAMED_US.match(s)
    if m:
        named = MONTHS.get(m.group(1).casefold())
        if named is None:
            return None, f"not a date: unknown month name {m.group(1)!r}"
        return _ymd(int(m.group(3)), named, int(m.group(2)))
    if fmt:
        return None, f"not a date in the format {fmt} (source.date_format)"
    if _SHORT_YEAR.match(s):
        return None, "not a date: write the year with four digits"
    return None, "not a date (use 2024-03-31, 31-03-2024, 31/03/2024 or 31.03.2024)"


def parse_month(
    text: str, order: DateOrder, fmt: str | None = None
) -> tuple[date | None, str | None]:
    """A month (``2024-03``, ``03-2024``, ``mrt 2024``) or a date, as its first day."""
    s = text.strip()
    m = _MONTH_ISO.match(s)
    if m:
        result, reason = _ymd(int(m.group(1)), int(m.group(2)), 1)
        return result, (reason.replace("not a date", "not a month") if reason else None)
    m = _MONTH_REV.match(s)
    if m:
        result, reason = _ymd(int(m.group(2)), int(m.group(1)), 1)
        return result, (reason.replace("not a date", "not a month") if reason else None)
    m = _MONTH_NAMED.match(s)
    if m and m.group(1).casefold() in MONTHS:
        return _ymd(int(m.group(2)), MONTHS[m.group(1).casefold()], 1)
    result, reason = parse_date(s, order, fmt)
    if result is None:
        if reason and reason.startswith("not a date (use"):
            return None, "not a month (use 2024-03, 03-2024 or a date)"
        return None, reason
    return result.replace(day=1), None


def _native_date(value: Any, month: bool) -> tuple[date | None, str | None]:
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, bool):
        return None, "not a date (a TRUE/FALSE cell)"
    elif isinstance(value, int | float):
        return None, "not a date: it is a number cell (format the column as a date in Excel)"
    else:
        return None, "not a date"
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        return None, f"not a plausible date (year {d.year})"
    return (d.replace(day=1) if month else d), None


_EPOCH = np.datetime64("1970-01-01", "D")


def _iso_uniques(uniques: list[str], month: bool) -> np.ndarray | None:
    """All distinct values at once when every one is a plain ISO date (or month).

    numpy rejects impossible days (2024-02-30) outright; any value that is not
    plain ISO sends the column down the per-value path, which names the problem.
    """
    lengths = {len(u) for u in uniques if u}
    if not lengths or not lengths <= ({7, 10} if month else {10}):
        return None
    try:
        parsed = np.array(uniques, dtype="datetime64[D]")
    except ValueError:
        return None
    valid = parsed[~np.isnat(parsed)]
    if len(valid):
        years = valid.astype("datetime64[Y]").astype(np.int64) + 1970
        if years.min() < MIN_YEAR or years.max() > MAX_YEAR:
            return None
    if month:
        parsed = parsed.astype("datetime64[M]").astype("datetime64[D]")
    return parsed.astype("datetime64[s]")


def dates(cells: Cells, order: DateOrder, *, month: bool = False, fmt: str | None = None) -> Parsed:
    """``datetime64[s]`` values (midnight; months on their first day); blanks are NaT."""

    def convert(text: str) -> tuple[Any, str | None]:
        return parse_month(text, order, fmt) if month else parse_date(text, order, fmt)

    nat = np.datetime64("NaT", "s")
    uniques, indices = cells.encoded
    fast = None if fmt else _iso_uniques(uniques, month)
    if fast is not None:
        out = fast[indices] if len(indices) else np.array([], dtype="datetime64[s]")
        bad, reasons = np.zeros(len(indices), dtype=bool), {}
    else:
        u = _by_unique(cells, convert)
        out, bad, reasons = u.spread("datetime64[s]", nat), u.bad.copy(), u.reasons

    def native(value: Any) -> tuple[Any, str | None]:
        result, reason = _native_date(value, month)
        return (None if result is None else np.datetime64(result, "s")), reason

    _natives(cells, native, out=out, bad=bad, reasons=reasons, fill=nat)
    return Parsed(out, bad, reasons)


# -- enums, severity, booleans, text --------------------------------------------


def _lookup(cells: Cells, convert: Callable[[str], tuple[Any, str | None]]) -> Parsed:
    """Convert distinct values (and workbook cells, as text) to objects."""
    u = _by_unique(cells, convert)
    out, bad, reasons = u.spread(object, None), u.bad.copy(), u.reasons
    _natives(cells, lambda v: convert(native_text(v)), out=out, bad=bad, reasons=reasons, fill=None)
    return Parsed(out, bad, reasons)


def enums(cells: Cells, allowed: Mapping[str, str], column: str, hint: str) -> Parsed:
    """Canonical enum values; an unknown value is bad."""
    canonical = ", ".join(sorted(set(allowed.values())))

    def convert(text: str) -> tuple[Any, str | None]:
        key = norm(text)
        if key in allowed:
            return allowed[key], None
        return None, f"{column} is not one of {canonical} ({hint})"

    return _lookup(cells, convert)


def severities(cells: Cells, table: Mapping[str, int], hint: str) -> Parsed:
    """Severity 1-4 from words (low ... critical, hoog, Blocker) or numbers."""

    def convert(text: str) -> tuple[Any, str | None]:
        key = norm(text)
        if key in table:
            return table[key], None
        try:
            number = float(key.replace(",", "."))
        except ValueError:
            number = math.nan
        if number.is_integer() and 1 <= number <= 4:
            return int(number), None
        return None, f"severity is not low, medium, high, critical or 1-4 ({hint})"

    return _lookup(cells, convert)


def booleans(cells: Cells, table: Mapping[str, bool], column: str) -> Parsed:
    """Yes/no values (ja/nee, x, TRUE/FALSE cells)."""

    def convert(text: str) -> tuple[Any, str | None]:
        key = norm(text)
        if key in table:
            return table[key], None
        return None, f"{column} is not yes or no"

    return _lookup(cells, convert)


def lowered(cells: Cells, aliases: Mapping[str, str]) -> Parsed:
    """Free text normalised to lower case, with known spellings mapped (reported_rag)."""

    def convert(text: str) -> tuple[Any, str | None]:
        return aliases.get(norm(text), " ".join(text.casefold().split())), None

    return _lookup(cells, convert)


def texts(cells: Cells) -> Parsed:
    """Text as written (already stripped) as a pandas ``str`` column; blanks are missing."""
    if cells.native is not None and cells.native_mask().any():
        text: pa.Array | pa.ChunkedArray = pa.array(cells.strings(), type=pa.large_string())
    else:
        cached = cells.__dict__.get("trimmed")
        text = cached if cached is not None else _trimmed(cells.text)
    if has_empty_cell(text):
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    if isinstance(text, pa.ChunkedArray) and text.num_chunks > 1:
        # one contiguous large_string array, as pandas keeps its str columns: the
        # model's and the metrics' lookups on ids measured ~3 ms slower per
        # 480,000-row column on the reader's blocks than the copy costs
        text = text.cast(pa.large_string()).combine_chunks()
    series = text.to_pandas()
    return Parsed(series, np.zeros(len(cells), dtype=bool), {})


def _trimmed(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``text`` without surrounding whitespace, a block at a time.

    A block in which nothing was trimmed (ids, codes, most names) is kept as it is
    and its trimmed copy dropped at once, so a large column never has a second
    full copy alive next to the one the frame gets.
    """
    if not isinstance(text, pa.ChunkedArray):
        return pc.utf8_trim_whitespace(text) if _may_need_trim(text) else text
    blocks = []
    for block in text.chunks:
        if not _may_need_trim(block):
            blocks.append(block)
            continue
        trimmed = pc.utf8_trim_whitespace(block)
        blocks.append(block if _text_bytes(trimmed) == _text_bytes(block) else trimmed)
    return pa.chunked_array(blocks, type=text.type)


#: the highest byte that may be (part of) whitespace when it is below 0x80: every
#: ASCII control character counts, as pyarrow's trim takes 0x1C-0x1F too
_LAST_LOW = 32


def _may_be_blank(chars: np.ndarray) -> np.ndarray:
    """Which bytes may begin or end a whitespace character: an ASCII control
    character or space, or (to be safe) any byte of a multi-byte UTF-8 sequence,
    since NBSP and friends are one."""
    return (chars <= _LAST_LOW) | (chars >= 0x80)


def _may_need_trim(array: pa.Array) -> bool:
    """Whether any cell may start or end with whitespace.

    First the whole text at once: ids and codes (``P-0042``, ``2024-05``) hold no
    space or non-ASCII byte at all, and their lowest and highest byte say so in
    ~0.07 ms per 120,000 cells. Otherwise each cell's first and last byte (two
    gathers over the offsets, ~0.7 ms), instead of a trimmed copy of every cell:
    most names have nothing to trim either.
    """
    offsets = text_offsets(array)
    if offsets is None:
        return len(array) > 0
    data = array.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return False
    chars = np.frombuffer(data, dtype=np.uint8)
    text = chars[offsets[0] : offsets[-1]]
    if int(text.min()) > _LAST_LOW and int(text.max()) < 0x80:
        return False
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    if not filled.all():
        starts, ends = starts[filled], ends[filled]
    return bool(_may_be_blank(chars[starts]).any() or _may_be_blank(chars[ends - 1]).any())


def text_offsets(array: pa.Array) -> np.ndarray | None:
    """The ``len + 1`` offsets of a string array without nulls (a view), else None."""
    if (
        len(array) == 0
        or array.null_count
        or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type))
    ):
        return None
    wide = np.int64 if pa.types.is_large_string(array.type) else np.int32
    return np.frombuffer(array.buffers()[1], dtype=wide)[
        array.offset : array.offset + len(array) + 1
    ]


def longest_cell(column: pa.Array | pa.ChunkedArray) -> int:
    """Bytes in the longest cell of a text column, from its offsets (0 for no text)."""
    return _cell_bytes(column, longest=True)


def has_empty_cell(column: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any cell of a text column is ``""``, from its offsets."""
    return len(column) > 0 and _cell_bytes(column, longest=False) == 0


def _cell_bytes(column: pa.Array | pa.ChunkedArray, *, longest: bool) -> int:
    """The byte length of the longest (or shortest) cell; nulls count as empty."""
    found: int | None = None
    blocks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for block in blocks:
        if len(block) == 0:
            continue
        if block.type == pa.null():
            value = 0
        elif (offsets := text_offsets(block)) is not None:
            lengths = np.diff(offsets)
            value = int(lengths.max() if longest else lengths.min())
        else:
            lengths_pa = pc.fill_null(pc.binary_length(block), 0)
            value = int((pc.max if longest else pc.min)(lengths_pa).as_py() or 0)
        found = value if found is None else (max(found, value) if longest else min(found, value))
    return found or 0


def _text_bytes(array: pa.Array) -> int:
    """Bytes of text in a string array (trimming only ever shortens it), from its offsets."""
    if len(array) == 0:
        return 0
    wide = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=wide)
    return int(offsets[array.offset + len(array)] - offsets[array.offset])
