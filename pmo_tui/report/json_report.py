"""``--format json``: the report tree as stable, machine-readable JSON.

UTF-8, two-space indent, keys in schema order. Text from the data is written
as JSON strings: C0 controls are escaped by the encoder, and C1 controls, DEL
and bidi overrides are escaped too (``\\u009b``), so even ``cat report.json`` in
a terminal cannot be steered by a hostile project name.
"""

from __future__ import annotations

import json
import re
from typing import Any

_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\u2028\u2029]")


def render(data: Any) -> str:
    """The report tree as JSON text (ends with a newline)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n"
