"""Errors the officer sees, as one calm line, with secrets taken out."""

from __future__ import annotations

import re

_URL_PASSWORD = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]+):(?P<pw>[^@/\s]+)@", re.I
)
_KEY_VALUE = re.compile(
    r"(?P<key>password|passwd|pwd|secret|token|api[_-]?key)(?P<sep>\s*[=:]\s*)(?P<val>[^\s&;,'\"]+)",
    re.I,
)


class PmoError(Exception):
    """An expected failure with a message fit for the officer."""

    exit_code = 1


class SourceUnavailable(PmoError):
    """The source cannot be opened at all (missing folder, bad URL)."""

    exit_code = 2


def redact(text: str) -> str:
    """Remove passwords from URLs and ``password=...`` pairs."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    return _KEY_VALUE.sub(lambda m: f"{m['key']}{m['sep']}***", text)


def describe(exc: BaseException) -> str:
    """One line: what went wrong, without a traceback and without secrets."""
    if isinstance(exc, PmoError):
        message = str(exc)
    else:
        detail = str(exc).strip().splitlines()
        message = f"{type(exc).__name__}: {detail[0]}" if detail else type(exc).__name__
    return redact(message)
