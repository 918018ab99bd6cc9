"""SQLite URI filenames that never create a database by accident.

A plain ``sqlite3.connect(path)`` creates a missing file. Where a database must
already exist (a source, or the store inside a source database), every open
goes through :func:`sqlite_uri` with ``mode="ro"`` or ``mode="rw"``, so a file
that was moved away fails to open instead of coming back empty. Only creating a
brand-new store file (and ``pmo-tui db init``/``db import``) uses ``"rwc"``.

The path is percent-encoded: ``#``, ``?`` and ``%`` would otherwise end or
change the URI (``/share #2/p.db`` would open ``/share `` and drop the mode),
and the bytes of any file name, even one that is not valid UTF-8, survive.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import quote

Mode = Literal["ro", "rw", "rwc"]


def sqlite_uri(path: str | os.PathLike[str], mode: Mode) -> str:
    """``file:///abs/path?mode=...`` for ``sqlite3.connect(uri, uri=True)`` and ADBC."""
    absolute = Path(path).expanduser().absolute()
    return f"file://{quote(os.fsencode(absolute), safe='/')}?mode={mode}"
