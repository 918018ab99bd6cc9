"""Short, exact wording for RAG reasons: money, percentages and dates in sentences."""

from __future__ import annotations

import numpy as np

from pmo_tui.text import one_line


def tolerance_percent(fraction: float) -> str:
    """A tolerance without trailing zeros: ``0.1`` -> ``10%``, ``0.125`` -> ``12.5%``."""
    text = f"{fraction * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def quoted(name: object, limit: int = 60) -> str:
    """A data value inside a reason: cleaned of control characters, cut, in quotes."""
    if isinstance(name, str) and len(name) <= limit and name.isprintable():
        return f"'{name}'"  # the common case, without the cleaning machinery
    return "'" + one_line(name, limit) + "'"


def iso_days(day_numbers: np.ndarray) -> list[str | None]:
    """Float day numbers as ISO date texts (None for NaN), for a whole column at once."""
    return iso_at(day_numbers, np.arange(len(day_numbers)))


def iso_at(day_numbers: np.ndarray, idx: np.ndarray) -> list[str | None]:
    """ISO date texts of ``day_numbers[idx]`` (None for NaN).

    Each distinct day is formatted once (a column holds few distinct dates).
    """
    arr = np.asarray(day_numbers, dtype=np.float64)[idx]
    ok = np.isfinite(arr)
    if not len(arr):
        return []
    uniq, inverse = np.unique(np.where(ok, arr, 0).astype(np.int64), return_inverse=True)
    texts = np.datetime_as_string(uniq.astype("datetime64[D]")).astype(object)[inverse]
    texts[~ok] = None
    return list(texts.tolist())


def count_days(counts: np.ndarray) -> list[str]:
    """Whole day counts as ``"1 day"`` / ``"12 days"`` texts (``"n/a"`` for NaN).

    Each distinct count is worded once.
    """
    arr = np.asarray(counts, dtype=np.float64)
    if not len(arr):
        return []
    ok = np.isfinite(arr)
    uniq, inverse = np.unique(np.where(ok, np.rint(arr), 0).astype(np.int64), return_inverse=True)
    words = np.array(
        [f"{v} day" if v in (1, -1) else f"{v} days" for v in uniq.tolist()], dtype=object
    )[inverse]
    words[~ok] = "n/a"
    return list(words.tolist())


def money_list(values: np.ndarray, currency: str = "€") -> list[str]:
    """Compact money for sentences, a whole column at once: ``€1.32M``, ``€845.2k``,
    ``€950``, ``-€12.5k``, ``EUR 2.10bn`` (a currency code gets a space)."""
    arr = np.asarray(values, dtype=np.float64)
    mag = np.abs(arr)
    ok = np.isfinite(arr)
    unit = np.select([mag >= 1e9, mag >= 1e6, mag >= 1e4], [3, 2, 1], 0)
    scaled = mag / np.array([1.0, 1e3, 1e6, 1e9])[unit]
    prefix = currency if len(currency) <= 1 else f"{currency} "
    out = []
    for v, u, neg, k in zip(
        scaled.tolist(), unit.tolist(), (arr < 0).tolist(), ok.tolist(), strict=True
    ):
        if not k:
            out.append("n/a")
            continue
        sign = "-" if neg else ""
        if u == 3:
            out.append(f"{sign}{prefix}{v:.2f}bn")
        elif u == 2:
            out.append(f"{sign}{prefix}{v:.2f}M")
        elif u == 1:
            out.append(f"{sign}{prefix}{v:.1f}k")
        elif v == round(v):
            out.append(f"{sign}{prefix}{v:,.0f}")
        else:
            out.append(f"{sign}{prefix}{v:,.2f}")
    return out


def percent_list(fractions: np.ndarray) -> list[str]:
    """Fractions as percentages with one decimal: ``0.2`` -> ``20.0%``."""
    return [f"{v * 100:.1f}%" for v in np.asarray(fractions, dtype=np.float64).tolist()]


def tolerance_list(fractions: np.ndarray) -> list[str]:
    """Tolerances as ``10%``, ``12.5%``; each distinct tolerance worded once."""
    arr = np.asarray(fractions, dtype=np.float64)
    if not len(arr):
        return []
    uniq, inverse = np.unique(arr, return_inverse=True)
    words = np.array([tolerance_percent(v) for v in uniq.tolist()], dtype=object)
    return list(words[inverse].tolist())
