"""Write a canonical table as a CSV file, cleanly or the way Dutch-locale Excel exports it.

``clean``: ``,`` separator, decimal point without thousands separators, ISO
dates (months as ``YYYY-MM``), UTF-8, LF line endings.

``dutch-excel``: what "CSV (gescheiden door lijstscheidingsteken)" gives on a
Dutch Windows: ``;`` separator, decimal comma with thousands dots
(``1.234.567,89``), ``dd-mm-yyyy`` dates (months as the first day of the month),
cp1252 and CRLF line endings. Booleans stay ``true``/``false`` (real Excel would
write ``WAAR``/``ONWAAR``).

Both styles write the same values: money keeps two decimals when it is whole
cents and its full precision otherwise, so a portfolio written both ways must
load to identical numbers. Formatting is vectorised (the large demo writes
480,000 cost lines).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from pmo_tui.model import SCHEMAS

Style = Literal["clean", "dutch-excel"]
STYLES: tuple[Style, ...] = ("clean", "dutch-excel")

_KINDS: dict[str, str] = {c.name: c.kind for cols in SCHEMAS.values() for c in cols}


def write_table(
    frame: pd.DataFrame,
    path: Path,
    style: Style = "clean",
    *,
    table: str | None = None,
) -> Path:
    """Write ``frame`` to ``path`` in ``style``; return ``path``.

    Column kinds come from ``model.SCHEMAS`` (``table`` defaults to the file
    name without extension); columns it does not know are formatted by dtype.
    The file is written to a temporary name first and moved into place, so a
    folder watcher never sees half a file. A value that cp1252 cannot hold
    raises ``ValueError`` naming the column and row.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; styles are {', '.join(STYLES)}")
    kinds = _kinds_for(table if table is not None else path.stem)
    dutch = style == "dutch-excel"
    text = pd.DataFrame(
        {name: _format(frame[name], kinds.get(name), dutch=dutch) for name in frame.columns}
    )
    encoding = "cp1252" if dutch else "utf-8"
    if dutch:
        _check_encodable(text, encoding)
    data = text.to_csv(
        index=False,
        sep=";" if dutch else ",",
        lineterminator="\r\n" if dutch else "\n",
    )
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data.encode(encoding))
    tmp.replace(path)
    return path


def _kinds_for(table: str) -> dict[str, str]:
    if table in SCHEMAS:
        return {c.name: c.kind for c in SCHEMAS[table]}
    return _KINDS


def _format(series: pd.Series, kind: str | None, *, dutch: bool) -> pd.Series:
    """One column as strings; missing values become empty strings."""
    dtype = series.dtype
    if kind in ("date", "month") or pd.api.types.is_datetime64_any_dtype(dtype):
        return _dates(series, month=kind == "month", dutch=dutch)
    if pd.api.types.is_bool_dtype(dtype):
        return _strings(series.map({True: "true", False: "false"}))
    if pd.api.types.is_integer_dtype(dtype):
        return _strings(series.astype("Int64").astype("str"))
    if pd.api.types.is_float_dtype(dtype):
        return _numbers(series, money=kind == "money", dutch=dutch)
    return _strings(series)


def _strings(series: pd.Series) -> pd.Series:
    return series.astype("str").fillna("").reset_index(drop=True)


def _dates(series: pd.Series, *, month: bool, dutch: bool) -> pd.Series:
    values = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
    missing = np.isnat(values)
    iso = pd.Series(np.datetime_as_string(values, unit="D"), dtype="str")
    if dutch:
        out = iso.str.slice(8, 10) + "-" + iso.str.slice(5, 7) + "-" + iso.str.slice(0, 4)
    elif month:
        out = iso.str.slice(0, 7)
    else:
        out = iso
    return out.where(~missing, "")


def _numbers(series: pd.Series, *, money: bool, dutch: bool) -> pd.Series:
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(values)
    finite = values[~missing]
    if not np.isfinite(finite).all():
        raise ValueError(f"column {series.name!r} holds an infinite number")
    cents = np.rint(finite * 100)
    if money and np.array_equal(cents / 100, finite) and (np.abs(cents) < 2**53).all():
        decimals = 2
    elif np.array_equal(np.rint(finite), finite) and (np.abs(finite) < 2**53).all():
        decimals = 0
    else:
        decimals = -1  # full precision, value by value
    out = np.full(len(values), "", dtype=object)
    if decimals >= 0:
        scaled = (cents if decimals == 2 else np.rint(finite)).astype(np.int64)
        out[~missing] = _fixed(scaled, decimals, dutch=dutch)
    else:
        least = 2 if money else 0
        out[~missing] = [_positional(v, dutch=dutch, least=least) for v in finite.tolist()]
    return pd.Series(out, dtype="str")


def _fixed(scaled: np.ndarray, decimals: int, *, dutch: bool) -> np.ndarray:
    """Integers scaled by 10**decimals as decimal strings, vectorised."""
    negative = scaled < 0
    magnitude = np.abs(scaled)
    unit = 10**decimals
    whole = magnitude // unit
    if dutch:
        whole_text = pd.Series([f"{w:,}".replace(",", ".") for w in whole.tolist()], dtype="str")
    else:
        whole_text = pd.Series(whole, dtype="int64").astype("str")
    text = pd.Series(np.where(negative, "-", ""), dtype="str") + whole_text
    if decimals:
        frac = pd.Series(magnitude % unit, dtype="int64").astype("str").str.zfill(decimals)
        text = text + ("," if dutch else ".") + frac
    return text.to_numpy(dtype=object)


def _positional(value: float, *, dutch: bool, least: int) -> str:
    """The shortest text that reads back as exactly ``value``, with at least ``least`` decimals."""
    text = np.format_float_positional(value, trim="-")
    sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, frac = body.partition(".")
    frac = frac.ljust(least, "0")
    if dutch:
        return sign + f"{int(whole):,}".replace(",", ".") + ("," + frac if frac else "")
    return sign + whole + ("." + frac if frac else "")


def _check_encodable(text: pd.DataFrame, encoding: str) -> None:
    for name in text.columns:
        try:
            str(name).encode(encoding)
        except UnicodeEncodeError:
            raise ValueError(f"column name {name!r} cannot be written in {encoding}") from None
        column = text[name]
        suspects = np.flatnonzero(~column.str.isascii().to_numpy(dtype=bool))
        for index in suspects.tolist():
            value, row = column.iloc[index], index + 2  # the header is row 1
            try:
                value.encode(encoding)
            except UnicodeEncodeError as exc:
                bad = value[exc.start : exc.end]
                raise ValueError(
                    f"column {name!r}, row {row}: {bad!r} cannot be written in {encoding} "
                    "(Dutch-locale Excel would replace it with '?')"
                ) from None
