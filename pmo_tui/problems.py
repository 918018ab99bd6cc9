"""Problems found while reading a source: one row, cell or file that broke a rule.

A problem always names where it is (file, row, column), what was there (value) and
which rule it broke, so an officer can find and fix it in the export.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a problem is for the data on screen."""

    ERROR = "error"  # a row or a whole file was rejected
    WARNING = "warning"  # the row loaded, but something was odd (e.g. unknown column)


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation finding.

    ``row`` is the 1-based line/row number as the officer sees it in the file
    (the header is row 1 of a CSV/XLSX, so the first data row is row 2), or
    ``None`` for a problem with the whole file. ``column`` is the header as it
    appears in the file (not the canonical name) when known.
    """

    file: str
    rule: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    table: str | None = None
    severity: Severity = Severity.ERROR

    def location(self) -> str:
        """``file:row:column`` as far as it is known."""
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{self.location()}: {self.message}{value} [{self.rule}]"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


def clip(value: object, limit: int = 80) -> str:
    """A short printable form of a bad value for a problem report."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
