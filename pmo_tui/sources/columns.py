"""Which physical column of a file feeds which canonical column.

Precedence, highest first:

1. ``[constants.TABLE]``: the constant is the value for every row, whatever
   the file holds.
2. ``[columns.TABLE]``: the configured header(s). A list means "the first
   non-blank value among these columns, left to right, per row".
3. An importer's own mapping (a Jira export's ``Issue key``, ``Summary`` ...).
4. The built-in Dutch/English aliases (:mod:`pmo_tui.sources.aliases`).

When several physical columns match one canonical column (a header repeated,
as ``colour_rating`` in the UK GMPP export, or both ``id`` and
``project_id``), their values are coalesced: the first non-blank value per
row, best match first. That is reported once per file as a warning. Headers
that feed nothing are listed once per file as a warning and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmo_tui.config import SourceOptions
from pmo_tui.model import SCHEMAS
from pmo_tui.problems import Problem, Severity, clip
from pmo_tui.sources.aliases import HEADER_ALIASES, norm, without_unit
from pmo_tui.sources.parse import Cells


@dataclass
class Resolution:
    """The outcome of matching a header row against a table's columns."""

    #: canonical column -> physical column indices, best first
    sources: dict[str, list[int]] = field(default_factory=dict)
    #: canonical column -> constant value from the config
    constants: dict[str, str] = field(default_factory=dict)
    #: required columns that no header feeds (the table cannot load)
    missing: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def header(self, headers: Sequence[str], column: str) -> str:
        """The header as written in the file that feeds ``column`` (for problems)."""
        indices = self.sources.get(column)
        if indices:
            return headers[indices[0]]
        return column


def resolve(
    table: str,
    headers: Sequence[str],
    options: SourceOptions,
    file: str,
    *,
    importer: Mapping[str, Sequence[str]] | None = None,
    header_row: int | None = 1,
) -> Resolution:
    """Match ``headers`` to the canonical columns of ``table``."""
    result = Resolution()
    normed = [norm(h) for h in headers]
    bare = [without_unit(n) for n in normed]
    known = {c.name for c in SCHEMAS[table]}
    constants: dict[str, str] = {}
    for key, value in options.constants.get(table, {}).items():
        name = norm(key).replace(" ", "_")
        if name in known:
            constants[name] = value
        else:
            result.problems.append(
                Problem(
                    file=file,
                    table=table,
                    rule="config",
                    severity=Severity.WARNING,
                    message=(
                        f"[constants.{table}] sets {key!r}, which is not a column of {table} "
                        f"({', '.join(sorted(known))}); ignored"
                    ),
                )
            )
    configured = options.columns.get(table, {})
    used: set[int] = set()

    def find(names: Sequence[str]) -> list[int]:
        found: list[int] = []
        for name in names:
            key = norm(name)
            for i, h in enumerate(normed):
                if h == key and i not in found:
                    found.append(i)
        if not found:
            for name in names:
                key = without_unit(norm(name))
                for i, h in enumerate(bare):
                    if h == key and i not in found:
                        found.append(i)
        return found

    explicit: dict[str, list[int]] = {}
    for column in SCHEMAS[table]:
        name = column.name
        if name in constants:
            result.constants[name] = constants[name]
            continue
        if name in configured:
            wanted_headers = configured[name]
            found = find(wanted_headers)
            if found:
                explicit[name] = found
            else:
                result.problems.append(
                    Problem(
                        file=file,
                        table=table,
                        rule="missing-column",
                        row=header_row,
                        column=", ".join(wanted_headers),
                        severity=Severity.WARNING if not column.required else Severity.ERROR,
                        message=(
                            f"[columns.{table}] maps {name} to "
                            f"{' or '.join(repr(w) for w in wanted_headers)}, "
                            "which is not in the header"
                        ),
                    )
                )
                if column.required:
                    result.missing.append(name)
    used |= {i for indices in explicit.values() for i in indices}
    result.sources.update(explicit)

    for column in SCHEMAS[table]:
        name = column.name
        if name in result.constants or name in configured:
            continue
        indices: list[int] = []
        if importer and name in importer:
            indices = [i for i in find(importer[name]) if i not in used]
        if not indices:
            aliases = HEADER_ALIASES[table].get(name, (norm(name),))
            indices = [i for i in find(aliases) if i not in used]
        if indices:
            result.sources[name] = indices
            used.update(indices)
            if len({normed[i] for i in indices}) > 1:
                result.problems.append(
                    Problem(
                        file=file,
                        table=table,
                        rule="duplicate-column",
                        column=headers[indices[0]],
                        severity=Severity.WARNING,
                        message=(
                            f"{' and '.join(repr(headers[i]) for i in indices)} all mean "
                            f"{name}; the first non-blank value per row is used, in that order"
                        ),
                    )
                )
            elif len(indices) > 1:
                result.problems.append(
                    Problem(
                        file=file,
                        table=table,
                        rule="duplicate-column",
                        column=headers[indices[0]],
                        severity=Severity.WARNING,
                        message=(
                            f"the header {headers[indices[0]]!r} appears {len(indices)} times; "
                            "the first non-blank value per row is used"
                        ),
                    )
                )
        elif column.required:
            result.missing.append(name)

    if result.missing:
        shown = ", ".join(repr(clip(h, 40)) for h in headers if h) or "none"
        wanted = ", ".join(result.missing)
        result.problems.insert(
            0,
            Problem(
                file=file,
                table=table,
                rule="missing-column",
                row=header_row,
                column=wanted,
                message=(
                    f"required column(s) {wanted} not found, so no {table} rows can be read; "
                    f"the headers found are: {shown}. Rename them or map them in "
                    f"[columns.{table}] in pmo-tui.toml"
                ),
            ),
        )
    unused = [h for i, h in enumerate(headers) if i not in used and h]
    if unused:
        listed = ", ".join(repr(clip(h, 40)) for h in unused[:30])
        more = f" and {len(unused) - 30} more" if len(unused) > 30 else ""
        result.problems.append(
            Problem(
                file=file,
                table=table,
                rule="unknown-column",
                severity=Severity.WARNING,
                message=f"column(s) {listed}{more} are not part of {table} and are ignored",
            )
        )
    blank_headers = [i for i, h in enumerate(headers) if not h and i not in used]
    if blank_headers:
        result.problems.append(
            Problem(
                file=file,
                table=table,
                rule="unknown-column",
                severity=Severity.WARNING,
                message=f"{len(blank_headers)} column(s) without a header are ignored",
            )
        )
    return result


def coalesce(columns: Sequence[Cells], indices: Sequence[int]) -> tuple[Cells, np.ndarray | None]:
    """The first non-blank value per row among ``indices``.

    Also returns, per row, which physical column the value came from (``None``
    when there is only one), so a problem names the column actually used.
    """
    first = columns[indices[0]]
    if len(indices) == 1:
        return first, None
    origin = np.full(len(first), indices[0], dtype=np.int64)
    text = first.text
    native = None if first.native is None else first.native.copy()
    blank = first.blank()
    for i in indices[1:]:
        other = columns[i]
        if not blank.any():
            break
        take = blank & ~other.blank()
        if not take.any():
            continue
        mask = pa.array(take)
        text = pc.if_else(mask, other.text, text)
        origin[take] = i
        if other.native is not None:
            if native is None:
                native = np.empty(len(take), dtype=object)
            native[take] = other.native[take]
        blank = blank & ~take
    return Cells(text, native), origin


def constant_cells(value: str, length: int) -> Cells:
    return Cells(pa.array([value.strip()] * length, type=pa.large_string()))


def map_values(cells: Cells, mapping: Mapping[str, str]) -> Cells:
    """Apply a ``[values.TABLE.COLUMN]`` mapping: exact keys, or prefixes ending in ``*``.

    Keys match case-insensitively after stripping; a value mapped to ``""``
    becomes blank.
    """
    if not mapping:
        return cells
    exact = {norm(k): v for k, v in mapping.items() if not k.endswith("*")}
    prefixes = [(norm(k[:-1]), v) for k, v in mapping.items() if k.endswith("*")]

    def convert(text: str) -> str:
        key = norm(text)
        if key in exact:
            return exact[key]
        for prefix, value in prefixes:
            if key.startswith(prefix):
                return value
        return text

    encoded = pc.dictionary_encode(cells.text)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    uniques = encoded.dictionary.to_pylist()
    mapped = pa.array([convert(u) if u else u for u in uniques], type=pa.large_string())
    text = mapped.take(encoded.indices)
    native = cells.native
    if native is not None:
        from pmo_tui.sources.parse import native_text

        native = native.copy()
        values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        changed = False
        for i in np.flatnonzero([v is not None for v in native]):
            as_text = native_text(native[i])
            new = convert(as_text)
            if new != as_text:
                values[i], native[i], changed = new, None, True
        if changed:
            text = pa.array(values, type=pa.large_string())
    return Cells(text, native)
