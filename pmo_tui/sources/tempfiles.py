"""Which names in a data folder are lock, temp or hidden files that never hold a table.

Office and LibreOffice leave owner/lock files beside a workbook while it is open
(``~$Budget.xlsx``, ``.~lock.Budget.xlsx#``), Excel saves through an
extensionless temp file with an 8-hex-digit name (``A1B2C3D4``) and then renames
it over the original, editors leave ``*.tmp``, ``*.swp`` and ``name~`` backups,
and the triage store lives in ``.pmo-tui/``. None of these may trigger a reload.
A name that is not valid UTF-8 cannot name a table either.
"""

from __future__ import annotations

import re

#: Excel's save-through temp file: exactly 8 hex digits, no extension
_EXCEL_TEMP = re.compile(r"^[0-9A-Fa-f]{8}$")
#: LibreOffice temp files: lu<digits><random>.tmp (covered by .tmp) and similar
_SUFFIXES = (".tmp", ".temp", ".swp", ".swx", ".part", ".crdownload", ".partial", ".bak", "~")
_PREFIXES = (".", "~$", "~", ".~lock.")


def is_ignored(name: str) -> bool:
    """True for lock, temp, backup and hidden names, and for undecodable names.

    ``name`` is a single path component as ``os.scandir``/``os.fsdecode`` give it
    (undecodable bytes become lone surrogates).
    """
    if not name or name in (".", ".."):
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a non-UTF-8 name (surrogateescape): never a table file
        return True
    if name.startswith(_PREFIXES):
        return True
    lower = name.lower()
    if lower.endswith(_SUFFIXES):
        return True
    return bool(_EXCEL_TEMP.match(name))
