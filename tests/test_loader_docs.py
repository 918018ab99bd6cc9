"""docs/data-folder.md stays true: every built-in name and every rule id is documented."""

from __future__ import annotations

import re
from pathlib import Path

from pmo_tui.sources.aliases import HEADER_ALIASES, TABLE_ALIASES

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "data-folder.md").read_text(encoding="utf-8")
LOADER = [
    ROOT / "pmo_tui" / "sources" / f"{name}.py"
    for name in (
        "files",
        "sniff",
        "tabular",
        "columns",
        "validate",
        "reading",
        "mspdi",
        "jira",
        "folder",
        "parse",
    )
] + [ROOT / "pmo_tui" / "model.py"]


def _doc_words() -> str:
    return DOC.casefold()


def test_every_builtin_header_alias_is_documented() -> None:
    doc = _doc_words()
    missing = [
        f"{table}.{column}: {alias}"
        for table, columns in HEADER_ALIASES.items()
        for column, aliases in columns.items()
        for alias in aliases
        if alias != column.replace("_", " ") and alias not in doc
    ]
    assert missing == []


def test_every_table_alias_is_documented() -> None:
    doc = _doc_words()
    missing = [alias for names in TABLE_ALIASES.values() for alias in names if alias not in doc]
    assert missing == []


def test_every_rule_the_loader_reports_is_documented() -> None:
    pattern = re.compile(r'(?:rule=|Refused\(\s*)"([a-z][a-z-]+)"')
    rules = {m for path in LOADER for m in pattern.findall(path.read_text(encoding="utf-8"))}
    rules |= {"bad-number", "bad-date", "unknown-value"}  # chosen by column kind
    assert {"missing-column", "duplicate-id", "outside-folder"} <= rules
    undocumented = sorted(r for r in rules if f"`{r}`" not in DOC)
    assert undocumented == []
