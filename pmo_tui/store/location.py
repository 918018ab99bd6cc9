"""Where the store lives, and refusing SQLite on a network filesystem.

Precedence (PRODUCT.md §5):

1. ``--store URL`` wins.
2. Database mode (SOURCE is an SQLAlchemy URL): the store's ``store_*`` tables
   live in the source database. The source tables are never written. An SQLite
   source file must already exist (:attr:`Location.existing`): the store never
   creates it, so a typo or a file moved away is an error, not an empty file.
3. A data folder: ``<folder>/.pmo-tui/store.sqlite``.
4. The bundled demo (inside the installed package) or a folder this user cannot
   write: a per-user file under ``platformdirs.user_data_dir("pmo-tui")``, and
   :attr:`Location.notice` says so, because triage kept there is not shared with
   other officers.

SQLite needs working POSIX locks and shared memory for WAL. NFS, CIFS/SMB and
similar network filesystems do not provide them reliably, so an SQLite store on
one is refused (:class:`NetworkFilesystem`) with a pointer to a PostgreSQL store.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa

from pmo_tui.store.errors import NetworkFilesystem, StoreError

STORE_DIR = ".pmo-tui"
STORE_FILE = "store.sqlite"
MOUNTS = Path("/proc/mounts")

#: filesystem types on which SQLite locking (and WAL's shared memory) is unreliable
NETWORK_FS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "fuse.sshfs",
        "sshfs",
        "fuse.s3fs",
        "fuse.gcsfuse",
        "fuse.rclone",
        "davfs",
        "fuse.davfs2",
        "glusterfs",
        "fuse.glusterfs",
        "ceph",
        "fuse.ceph",
        "lustre",
        "gpfs",
        "beegfs",
        "fuse.juicefs",
        "fuse.cephfs",
    }
)

PG_HINT = "--store postgresql+psycopg://USER@HOST/DBNAME"


@dataclass(frozen=True, slots=True)
class Mount:
    device: str
    point: str
    fstype: str


@dataclass(frozen=True, slots=True)
class Location:
    """Where the store is: an SQLAlchemy URL, and the SQLite file behind it if any."""

    url: sa.URL
    path: Path | None = None  # the SQLite file; None for a server database or memory
    notice: str | None = None  # something the officer should know (shown once)
    #: True when the store has no file yet and was opened read-only: an empty store
    missing: bool = False
    #: True when the SQLite file must exist and is never created (the source database)
    existing: bool = False
    #: the data folder the store's directory goes in: it must exist and is never created
    #: (a folder renamed or deleted meanwhile is not brought back by the store)
    within: Path | None = None


_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """/proc/mounts escapes space, tab, newline and backslash as ``\\040`` etc."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[Mount]:
    """Parse ``/proc/mounts`` (fstab format). Malformed lines are skipped."""
    mounts = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mounts.append(Mount(_unescape(parts[0]), _unescape(parts[1]), parts[2]))
    return mounts


def read_mounts(path: Path = MOUNTS) -> list[Mount]:
    try:
        return parse_mounts(path.read_text(encoding="utf-8", errors="surrogateescape"))
    except OSError:
        return []


def mount_of(path: Path, mounts: list[Mount]) -> Mount | None:
    """The mount holding ``path``: the longest mount point that contains it.

    Later entries win over earlier ones with the same mount point (over-mounts).
    ``path`` should be absolute and resolved.
    """
    best: Mount | None = None
    target = path.as_posix()
    for mount in mounts:
        point = mount.point.rstrip("/") or "/"
        inside = point in ("/", target) or target.startswith(point + "/")
        if inside and (best is None or len(point) >= len(best.point.rstrip("/") or "/")):
            best = mount
    return best


def network_mount(path: Path, mounts: list[Mount]) -> Mount | None:
    """The network mount ``path`` is on, or None when it is local."""
    mount = mount_of(path, mounts)
    if mount is None:
        return None
    fstype = mount.fstype.lower()
    if fstype in NETWORK_FS or fstype.startswith(("nfs", "smb", "cifs")):
        return mount
    return None


def _existing(path: Path) -> Path:
    """The nearest existing ancestor of ``path`` (itself if it exists), resolved."""
    path = path.absolute()
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.resolve()
    return Path("/")


def refuse_network_fs(store_file: Path, mounts: list[Mount] | None = None) -> None:
    """Raise :class:`NetworkFilesystem` when ``store_file`` would be on a network share."""
    mounts = read_mounts() if mounts is None else mounts
    mount = network_mount(_existing(store_file.parent), mounts)
    if mount is not None:
        raise NetworkFilesystem(
            f"the triage store {store_file} would be on a network filesystem "
            f"({mount.fstype} {mount.device} at {mount.point}); SQLite cannot lock reliably "
            f"there and officers could lose each other's work. Use a shared PostgreSQL "
            f"store instead: {PG_HINT}"
        )


def _is_url(spec: str) -> bool:
    head, sep, _ = spec.partition("://")
    return bool(sep) and head.replace("+", "").isalnum()


def _bundled(folder: Path) -> bool:
    """Is ``folder`` inside the installed pmo_tui package (the bundled demo)?"""
    import pmo_tui
    import pmo_tui.data

    roots = {Path(pmo_tui.__file__).resolve().parent, Path(pmo_tui.data.__file__).resolve().parent}
    folder = folder.resolve()
    return any(folder == root or root in folder.parents for root in roots)


def _writable_dir(directory: Path) -> bool:
    """Can this process create ``directory`` (if needed) and files in it?"""
    existing = _existing(directory)
    if not os.access(existing, os.W_OK | os.X_OK):
        return False
    return not (directory.exists() and not os.access(directory, os.W_OK | os.X_OK))


def user_store_file(folder: Path | None) -> Path:
    """The per-user store for the demo (``None``) or for a folder we cannot write."""
    import platformdirs

    base = Path(platformdirs.user_data_dir("pmo-tui"))
    if folder is None:
        return base / "demo" / STORE_FILE
    key = hashlib.blake2b(str(folder.resolve()).encode(), digest_size=6).hexdigest()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", folder.resolve().name)[:40] or "root"
    return base / "stores" / f"{safe}-{key}" / STORE_FILE


def sqlite_url(path: Path) -> sa.URL:
    return sa.URL.create("sqlite", database=str(path))


def _file_location(path: Path, read_only: bool, notice: str | None) -> Location:
    path = path.absolute()
    refuse_network_fs(path)
    if read_only:
        return Location(sqlite_url(path), path, notice, missing=not path.exists())
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(
            f"the triage store {path} is not writable by this user; ask for group write "
            f"access to it and its folder, open with --read-only, or use {PG_HINT}"
        )
    if not _writable_dir(path.parent):
        raise StoreError(f"cannot create the triage store in {path.parent}: not writable")
    return Location(sqlite_url(path), path, notice)


def resolve(url: str | None, *, source: str | None, read_only: bool) -> Location:
    """Where the store for ``source`` lives (see the module docstring)."""
    if url is not None:
        return _from_url(url, read_only)
    if source is not None and _is_url(source):
        return _from_url(source, read_only, in_source=True)
    folder = None if source is None else Path(source).expanduser()
    if folder is None or _bundled(folder):
        path = user_store_file(None)
        notice = f"triage for the bundled demo is kept in {path} (for you only)"
        return _file_location(path, read_only, notice)
    path = folder / STORE_DIR / STORE_FILE
    fallback = user_store_file(folder)
    # An existing store in the folder is the team's: use it (an unwritable one is an
    # error, never a silent fork). Otherwise create it there if we can.
    if path.exists() or (not read_only and _writable_dir(path.parent)):
        return replace(_file_location(path, read_only, None), within=folder.absolute())
    if read_only and not fallback.exists():
        return _file_location(path, read_only, None)  # nothing triaged yet: an empty store
    notice = (
        f"{folder} is not writable, so triage is kept in {fallback} for you only; "
        f"to share it with other officers use {PG_HINT}"
    )
    return _file_location(fallback, read_only, notice)


def _from_url(text: str, read_only: bool, *, in_source: bool = False) -> Location:
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"not a store URL: {exc}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            return Location(url)
        if url.database.startswith("file:"):
            raise StoreError("SQLite URI filenames are not supported for the store; give a path")
        path = Path(url.database).expanduser()
        if not in_source:
            return _file_location(path, read_only, None)
        if not path.is_file():
            raise StoreError(
                f"the source database {path.absolute()} does not exist, so the triage store "
                "cannot live in it; check the path, or create it with: pmo-tui db init URL"
            )
        return replace(_file_location(path, read_only, None), existing=True)
    if backend == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if url.drivername != "postgresql+psycopg":
            raise StoreError(
                "the store needs the psycopg 3 driver (postgresql+psycopg://), "
                f"not {url.drivername}"
            )
        return Location(url)
    raise StoreError(f"the store runs on SQLite or PostgreSQL, not {backend}")
