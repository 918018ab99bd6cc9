"""The triage and annotation store (the one place pmo-tui writes).

Open it with :func:`open_store`; everything else is on :class:`Store`. The
store is headless (no textual) and every call blocks, so the UI runs them in
thread workers. See ``docs/store.md`` for the design and its guarantees.
"""

from pmo_tui.store.errors import (
    FolderGone,
    InvalidValue,
    NetworkFilesystem,
    ReadOnlyStore,
    SchemaMismatch,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)
from pmo_tui.store.overlay import merge_triage
from pmo_tui.store.records import (
    AuditEntry,
    BulkConflict,
    BulkSaved,
    Conflict,
    Edit,
    Event,
    HistoryEntry,
    Note,
    Officer,
    Round,
    Saved,
    Triage,
)
from pmo_tui.store.store import TRIAGE_COLUMNS, Store, local_midnight, open_store
from pmo_tui.store.values import (
    FIELDS,
    PRIORITY_LABELS,
    STATUSES,
    TriageValue,
    normalize_changes,
)
from pmo_tui.store.values import show as show_value
from pmo_tui.store.watching import Created

__all__ = [
    "FIELDS",
    "PRIORITY_LABELS",
    "STATUSES",
    "TRIAGE_COLUMNS",
    "AuditEntry",
    "BulkConflict",
    "BulkSaved",
    "Conflict",
    "Created",
    "Edit",
    "Event",
    "FolderGone",
    "HistoryEntry",
    "InvalidValue",
    "NetworkFilesystem",
    "Note",
    "Officer",
    "ReadOnlyStore",
    "Round",
    "Saved",
    "SchemaMismatch",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreUnavailable",
    "Triage",
    "TriageValue",
    "local_midnight",
    "merge_triage",
    "normalize_changes",
    "open_store",
    "show_value",
]
