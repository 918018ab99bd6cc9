"""Sniffing what a file is before parsing it: kind, encoding, delimiter.

Every decision here is made once per file, from the file's own evidence, and
reported back so ``check`` can say what was assumed.

* **Kind** comes from the first bytes, not the name: a ZIP container is a
  workbook (xlsx/ods), an OLE2/CFB container is an encrypted (password
  protected) workbook or a legacy ``.xls``, ``<`` is XML, and a file with NUL
  bytes or mostly control characters is binary.
* **Encoding**: a UTF-8 BOM means UTF-8; otherwise UTF-8 if the bytes decode
  strictly, else cp1252 (what Excel writes on Western-European Windows).
  UTF-16 with a BOM is decoded too.
* **Delimiter**: ``,``, ``;``, tab or ``|``, whichever splits the header and
  the first lines (outside quotes) into the most, equally many, fields.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Kind = Literal["csv", "zip", "cfb", "xml", "binary", "empty"]

ZIP_MAGIC = b"PK\x03\x04"
ZIP_EMPTY = b"PK\x05\x06"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: control bytes that no text export holds; ESC and BEL are left out (hostile but text)
_TEXT_CONTROL = bytes(sorted(set(range(32)) - {7, 9, 10, 12, 13, 27}))


def kind_of(data: bytes) -> Kind:
    """What the bytes are, whatever the file is called."""
    if not data[:65536].strip() and not data.strip():
        return "empty"
    if data.startswith((ZIP_MAGIC, ZIP_EMPTY)):
        return "zip"
    if data.startswith(CFB_MAGIC):
        return "cfb"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # judged on its characters (UTF-16 text is half NUL bytes)
        return "binary" if _odd_characters(data[: 1 << 16].decode("utf-16", "replace")) else "csv"
    # binary first: random bytes that happen to start with "<" are not XML
    if looks_binary(data[:65536]):
        return "binary"
    head = data[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"<"):
        return "xml"
    return "csv"


def looks_binary(sample: bytes) -> bool:
    """More than 5% NULs or other control bytes (at least two): not a text export."""
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _TEXT_CONTROL))
    return controls > max(1, len(sample) // 20)


def _odd_characters(text: str) -> bool:
    """More than 5% of the characters are controls, private-use, unassigned or
    undecodable: random bytes behind a UTF-16 byte order mark, not an export."""
    odd = sum(
        1
        for char in text
        if char not in "\t\n\r\f\x07\x1b" and unicodedata.category(char)[0] == "C"
    )
    return odd > max(1, len(text) // 20)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the name to show: utf-8, utf-8-sig, cp1252, utf-16
    nul_count: int = 0
    #: 1-based line of the first NUL character, when there were any
    nul_line: int | None = None


class UndecodableError(ValueError):
    pass


def utf8_prefix(data: bytes, size: int = 1 << 20) -> str | None:
    """The first ``size`` bytes as text if they are valid UTF-8 (a cut character is fine)."""
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data[:size], final=len(data) <= size)
    except UnicodeDecodeError:
        return None


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Text of a CSV export. ``encoding`` forces one (from the config)."""
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise UndecodableError(f"unknown encoding {encoding!r} in source.encoding") from None
        except UnicodeDecodeError as exc:
            raise UndecodableError(
                f"is not valid {encoding} (source.encoding) at byte {exc.start}"
            ) from None
        return _strip_nul(text.removeprefix("\ufeff"), encoding)
    if data.startswith(codecs.BOM_UTF8):
        try:
            return _strip_nul(data[3:].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UndecodableError(
                f"starts with a UTF-8 BOM but is not valid UTF-8 at byte {exc.start + 3}"
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _strip_nul(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"is not valid UTF-16 at byte {exc.start}") from None
    try:
        return _strip_nul(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # cp1252 leaves five bytes undefined; map those through latin-1 rather than fail
    return _strip_nul(_cp1252(data), "cp1252")


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(
            chunk.decode("cp1252", errors="strict") if i % 2 == 0 else chunk.decode("latin-1")
            for i, chunk in enumerate(re.split(rb"([\x81\x8d\x8f\x90\x9d])", data))
        )


def _strip_nul(text: str, encoding: str) -> Decoded:
    nuls = text.count("\x00")
    if not nuls:
        return Decoded(text=text, encoding=encoding)
    first = text.find("\x00")
    line = len(text[:first].splitlines()) or 1
    if text[:first].endswith(("\n", "\r")):
        line += 1
    return Decoded(text=text.replace("\x00", ""), encoding=encoding, nul_count=nuls, nul_line=line)


_CANDIDATES = (",", ";", "\t", "|")


def _split_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def _logical_lines(text: str, limit: int) -> list[str]:
    """The first ``limit`` records (joining lines inside quotes)."""
    lines: list[str] = []
    current: list[str] = []
    quotes = 0
    for line in text[: 1 << 18].splitlines():
        current.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            lines.append("\n".join(current))
            current, quotes = [], 0
            if len(lines) >= limit:
                break
    if current and len(lines) < limit:
        lines.append("\n".join(current))
    return [line for line in lines if line.strip()]


def sniff_delimiter(text: str) -> str:
    """``,`` unless another candidate splits the header and the first rows better."""
    lines = _logical_lines(text, 20)
    if not lines:
        return ","
    header = lines[0]
    best, best_score = ",", (-1, -1)
    for cand in _CANDIDATES:
        n = _split_outside_quotes(header, cand)
        if n == 0:
            continue
        rows = [_split_outside_quotes(line, cand) for line in lines[1:]]
        consistent = sum(1 for r in rows if r == n)
        score = (consistent, n)
        if score > best_score:
            best, best_score = cand, score
    return best
