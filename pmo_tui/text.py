"""Make hostile text safe to show: no control characters, no escape sequences.

Data from exports reaches the screen and the reports as *plain text*. The UI
wraps it in ``Text``/``Content`` objects (never markup); this module removes
what a terminal would interpret: C0/C1 control characters (which include ESC
and the CSI/OSC introducers), DEL, and bidi overrides that can reorder text.
"""

from __future__ import annotations

import re

# C0 (but tab/newline handled separately), DEL, C1, and the Unicode bidi
# embedding/override/isolate controls (Trojan Source).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_WS = re.compile(r"[\t\n\r]+")


def clean(value: object, *, multiline: bool = False) -> str:
    """``value`` as printable text.

    Whole ANSI escape sequences are dropped first (so ``\\x1b[31m`` leaves no
    ``[31m`` behind), then any remaining control characters. Unless
    ``multiline``, tabs and line breaks fold into single spaces.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable() or "\x1b" in text:
        text = _ANSI.sub("", text)
        if multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            text = "\n".join(
                _CONTROL.sub("", line.replace("\t", "    ")) for line in text.split("\n")
            )
        else:
            text = _CONTROL.sub("", _WS.sub(" ", text))
    return text


def one_line(value: object, limit: int | None = None) -> str:
    """Clean text on one line, cut to ``limit`` characters with an ellipsis."""
    text = clean(value)
    if limit is not None and len(text) > limit:
        return text[: max(0, limit - 1)] + "…"
    return text
