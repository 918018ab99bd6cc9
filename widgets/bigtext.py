"""Text three rows tall, for a wall display read from across the room.

A small heavy box-drawing font (letters, digits and the punctuation that
figures use: ``€12.3M``, ``0.87``, ``12:05``, ``-3``). The digits are Textual's
own ``Digits`` bold glyphs, so numbers look the same as in a ``Digits``
widget; letters follow the same style. :func:`big_lines` returns ``None`` for
text it cannot draw, and callers fall back to ordinary bold text, so a
programme called ``[@click=app.quit]x[/]`` is never half drawn, never markup.
Pure Python: the widgets turn the lines into ``Content``.
"""

from __future__ import annotations

from rich.cells import cell_len

#: rows per glyph
HEIGHT = 3
#: columns between glyphs
GAP = 1

_GLYPHS: dict[str, tuple[str, str, str]] = {
    " ": ("  ", "  ", "  "),
    "0": ("┏━┓", "┃ ┃", "┗━┛"),
    "1": ("╺┓ ", " ┃ ", "╺┻╸"),
    "2": ("╺━┓", "┏━┛", "┗━╸"),
    "3": ("╺━┓", " ━┫", "╺━┛"),
    "4": ("╻ ╻", "┗━┫", "  ╹"),
    "5": ("┏━╸", "┗━┓", "╺━┛"),
    "6": ("┏━╸", "┣━┓", "┗━┛"),
    "7": ("╺━┓", "  ┃", "  ╹"),
    "8": ("┏━┓", "┣━┫", "┗━┛"),
    "9": ("┏━┓", "┗━┫", "╺━┛"),
    "A": ("┏━┓", "┣━┫", "╹ ╹"),
    "B": ("┳━┓", "┣━┫", "┻━┛"),
    "C": ("┏━╸", "┃  ", "┗━╸"),
    "D": ("┳━┓", "┃ ┃", "┻━┛"),
    "E": ("┏━╸", "┣━ ", "┗━╸"),
    "F": ("┏━╸", "┣━ ", "╹  "),
    "G": ("┏━╸", "┃╺┓", "┗━┛"),
    "H": ("╻ ╻", "┣━┫", "╹ ╹"),
    "I": ("╻", "┃", "╹"),
    "J": ("  ╻", "  ┃", "┗━┛"),
    "K": ("╻ ╻", "┣┳┛", "╹┗╸"),
    "L": ("╻  ", "┃  ", "┗━╸"),
    "M": ("┏┳┓", "┃┃┃", "╹ ╹"),
    "N": ("┏┓╻", "┃┗┫", "╹ ╹"),
    "O": ("┏━┓", "┃ ┃", "┗━┛"),
    "P": ("┏━┓", "┣━┛", "╹  "),
    "Q": ("┏━┓", "┃ ┃", "┗━╋"),
    "R": ("┏━┓", "┣┳┛", "╹┗╸"),
    "S": ("┏━╸", "┗━┓", "╺━┛"),
    "T": ("╺┳╸", " ┃ ", " ╹ "),
    "U": ("╻ ╻", "┃ ┃", "┗━┛"),
    "V": ("╻ ╻", "┃ ┃", "┗┳┛"),
    "W": ("╻ ╻", "┃┃┃", "┗┻┛"),
    "X": ("╻ ╻", "┏╋┛", "╹ ╹"),
    "Y": ("╻ ╻", "┗┳┛", " ╹ "),
    "Z": ("╺━┓", "┏━┛", "┗━╸"),
    "+": ("   ", "╺╋╸", "   "),
    "-": ("   ", "╺━╸", "   "),
    ".": (" ", " ", "╻"),
    ",": (" ", " ", "┛"),
    ":": (" ", "╏", " "),
    "/": ("  ╻", "┏━┛", "╹  "),
    "%": ("╻ ╻", "┏━┛", "╹ ╹"),
    "?": ("╺━┓", " ┏┛", " ╹ "),
    "!": ("╻", "┃", "╻"),
    "€": ("┏━╸", "╋━ ", "┗━╸"),
    "$": ("┏╋╸", "┗╋┓", "╺╋┛"),
    "£": ("┏━╸", "╋━ ", "┻━╸"),
    "(": ("┏", "┃", "┗"),
    ")": ("┓", "┃", "┛"),
    "×": ("   ", " ╳ ", "   "),
}


def supported(text: str) -> bool:
    """True when every character of ``text`` has a big glyph (letters in any case)."""
    return all(ch.upper() in _GLYPHS for ch in text)


def big_width(text: str) -> int:
    """Columns ``text`` takes when drawn big."""
    glyphs = [_GLYPHS[ch.upper()] for ch in text if ch.upper() in _GLYPHS]
    if not glyphs:
        return 0
    return sum(max(cell_len(row) for row in g) for g in glyphs) + GAP * (len(glyphs) - 1)


def big_lines(text: str) -> list[str] | None:
    """``text`` as three lines of equal width, or None if a character has no glyph."""
    if not text or not supported(text):
        return None
    rows: list[list[str]] = [[], [], []]
    for n, ch in enumerate(text):
        glyph = _GLYPHS[ch.upper()]
        width = max(cell_len(row) for row in glyph)
        for r in range(HEIGHT):
            if n:
                rows[r].append(" " * GAP)
            cell = glyph[r]
            rows[r].append(cell + " " * (width - cell_len(cell)))
    return ["".join(row) for row in rows]
