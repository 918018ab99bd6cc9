"""``--scope portfolio | programme:ID | project:ID``: parse, then resolve against the data.

An unknown id is a usage error (exit 2) with one line naming the closest ids
and names, so a typo costs one retry, not a hunt through the export.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from pmo_tui.metrics import Metrics
from pmo_tui.text import one_line

Level = Literal["portfolio", "programme", "project"]
LEVELS: tuple[Level, ...] = ("portfolio", "programme", "project")
_ALIASES: dict[str, Level] = {
    "portfolio": "portfolio",
    "programme": "programme",
    "program": "programme",
    "project": "project",
}


class ScopeError(ValueError):
    """A scope the data does not have (a usage error)."""


@dataclass(frozen=True)
class Scope:
    level: Level = "portfolio"
    #: the programme or project id as it appears in the data (None for the portfolio)
    key: str | None = None

    def __str__(self) -> str:
        return self.level if self.key is None else f"{self.level}:{self.key}"


def parse_scope(text: str) -> Scope:
    """``portfolio``, ``programme:ID`` or ``project:ID`` (level names are case-insensitive)."""
    raw = (text or "").strip()
    head, sep, tail = raw.partition(":")
    level = _ALIASES.get(head.strip().lower())
    if level is None:
        raise ScopeError(f"--scope {raw!r}: use portfolio, programme:ID or project:ID")
    key = tail.strip()
    if level == "portfolio":
        if key:
            raise ScopeError(f"--scope {raw!r}: the portfolio scope takes no id")
        return Scope("portfolio")
    if not sep or not key:
        raise ScopeError(f"--scope {raw!r}: name the {level}, e.g. {level}:ID")
    return Scope(level, key)


def resolve_scope(scope: Scope, metrics: Metrics) -> Scope:
    """The scope with its id exactly as in the data; ScopeError naming close matches.

    The id matches exactly, else case-insensitively, else a unique full name matches.
    """
    if scope.level == "portfolio" or scope.key is None:
        return scope
    if scope.level == "programme":
        frame = metrics.programmes.loc[metrics.programmes["programme_id"].notna()]
        ids, names = frame["programme_id"], frame["name"]
    else:
        ids, names = metrics.projects["project_id"], metrics.projects["name"]
    key = scope.key
    id_list = [str(v) for v in ids.tolist()]
    if key in id_list:
        return scope
    folded = {v.casefold(): v for v in id_list}
    if key.casefold() in folded:
        return Scope(scope.level, folded[key.casefold()])
    # a unique name, written out in full, is as good as the id
    named = [
        i
        for i, n in zip(id_list, names.tolist(), strict=True)
        if isinstance(n, str) and n.strip().casefold() == key.strip().casefold()
    ]
    if len(named) == 1:
        return Scope(scope.level, named[0])
    raise ScopeError(_unknown(scope.level, key, ids, names))


def _loose(ident: str) -> str:
    """An id without case, separators or leading zeros in its numbers."""
    text = re.sub(r"[\s_.\-/]+", "", ident.casefold())
    return re.sub(r"\d+", lambda m: str(int(m.group(0))), text)


def _unknown(level: str, key: str, ids: pd.Series, names: pd.Series) -> str:
    pairs = [
        (str(i), "" if pd.isna(n) else str(n))
        for i, n in zip(ids.tolist(), names.tolist(), strict=True)
    ]
    by_id = {i.casefold(): (i, n) for i, n in pairs}
    by_name = {n.casefold(): (i, n) for i, n in pairs if n}
    want = key.casefold()
    # the same id up to zero padding, separators and case first: P-001 -> P-0001
    hits: list[tuple[str, str]] = [pair for pair in pairs if _loose(pair[0]) == _loose(key)]
    # then names that contain the text ("Energie" -> "Energietransitie & Duurzaamheid")
    for low, pair in by_name.items():
        if want and want in low and pair not in hits:
            hits.append(pair)
    # then look-alike ids and names
    for found in difflib.get_close_matches(want, list(by_id), n=3, cutoff=0.5):
        if by_id[found] not in hits:
            hits.append(by_id[found])
    for found in difflib.get_close_matches(want, list(by_name), n=3, cutoff=0.5):
        if by_name[found] not in hits:
            hits.append(by_name[found])
    base = f"unknown {level} {one_line(key, 40)!r} in --scope"
    if not hits:
        return (
            f"{base}; {len(pairs)} {level}s exist (ids like {one_line(pairs[0][0], 20)})"
            if pairs
            else base
        )
    shown = ", ".join(
        f"{one_line(i, 30)} ({one_line(n, 40)})" if n else one_line(i, 30) for i, n in hits[:3]
    )
    return f"{base}; did you mean {shown}?"
