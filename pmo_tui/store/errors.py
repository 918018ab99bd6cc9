"""Errors the store raises. Each is a :class:`~pmo_tui.errors.PmoError`: one calm line.

A stale save is *not* an error: it returns a :class:`~pmo_tui.store.records.Conflict`
so the UI can show both versions side by side and keep what the officer typed.
"""

from __future__ import annotations

from pmo_tui.errors import PmoError


class StoreError(PmoError):
    """The store cannot do what was asked."""


class FolderGone(StoreError):
    """The data folder the store lives in is not there (moved or deleted): worth a retry,
    since the store never recreates it."""


class StoreUnavailable(StoreError):
    """The store's database did not answer in time (locked past the busy timeout, server
    down or unreachable): worth a retry, since nothing is wrong with the store itself."""


class ReadOnlyStore(StoreError):
    """A write was attempted on a store opened with ``read_only=True``."""


class NetworkFilesystem(StoreError):
    """An SQLite store on NFS/CIFS/SMB, where locking is unreliable: refused."""


class StoreBusy(StoreError):
    """Another writer held the store for longer than the retry deadline."""


class SchemaMismatch(StoreError):
    """The store's schema is newer than this pmo-tui, or too old for a read-only open."""


class InvalidValue(StoreError):
    """A triage value or note that the store refuses, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
