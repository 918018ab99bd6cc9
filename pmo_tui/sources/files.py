"""Opening files in a data folder without trusting them.

A shared export folder may hold anything: a FIFO named ``projects.csv`` (which
would block a plain ``open`` forever), a symlink to ``/etc/shadow``, a 5 GB
dump, Excel's lock files. :func:`read_bytes` reads a file only when

* its real path (symlinks resolved) is inside the folder,
* it is a regular file (checked with ``lstat`` first and again with ``fstat``
  on the descriptor, which is opened with ``O_NONBLOCK`` so a FIFO that slips
  in between cannot block), and
* it is no larger than the size cap (checked before reading, and the read
  itself stops one byte past the cap, so a file that grows meanwhile is
  refused too).

Everything else raises :class:`Refused` with a rule id and a message for the
officer. :func:`is_ignored` names the lock and temp files that are not data.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pmo_tui.sources.tempfiles import is_ignored as _is_ignored

# One definition of "not data" for the loader and the watcher (watch.py uses it too):
# lock files (~$x.xlsx, .~lock.x#), temp and backup files, dotfiles, Excel's
# extensionless 8-hex-digit save files, and names that are not valid UTF-8.
is_ignored = _is_ignored


class Refused(Exception):
    """A file that will not be read, with the rule it broke."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def inside(folder_real: Path, path: Path) -> Path:
    """The real path of ``path``, which must lie inside ``folder_real``.

    ``folder_real`` must itself be a resolved path.
    """
    real = Path(os.path.realpath(path))
    if real != folder_real and folder_real not in real.parents:
        raise Refused(
            "outside-folder",
            f"points outside the data folder (to {real}); only files inside the folder are read",
        )
    return real


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def regular_file(
    folder_real: Path, path: Path, size_cap: int | None
) -> tuple[Path, os.stat_result]:
    """The real path and ``lstat`` of a regular file inside the folder and within
    ``size_cap`` (None: any size), or :class:`Refused`. Nothing is opened."""
    real = inside(folder_real, path)
    try:
        info = os.lstat(real)
    except FileNotFoundError:
        raise Refused("file-gone", "the file vanished while it was being read") from None
    except OSError as exc:
        raise Refused("unreadable-file", f"cannot look at the file: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not-regular-file", f"is {_kind(info.st_mode)}, not a regular file; skipped")
    if size_cap is not None and info.st_size > size_cap:
        raise Refused(
            "too-large",
            f"is {_mb(info.st_size)}, over the size cap of {_mb(size_cap)} "
            "(raise source.size_cap_mb in pmo-tui.toml to read it)",
        )
    return real, info


def read_bytes(folder_real: Path, path: Path, size_cap: int, *, peek: int | None = None) -> bytes:
    """The content of a regular file inside the folder, or :class:`Refused`.

    With ``peek``, only the first ``peek`` bytes (to sniff what a file is); the
    size cap is not applied then.
    """
    real, _ = regular_file(folder_real, path, None if peek is not None else size_cap)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        raise Refused("file-gone", "the file vanished while it was being read") from None
    except OSError as exc:
        raise Refused("unreadable-file", f"cannot open the file: {exc.strerror}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise Refused(
                "not-regular-file", f"is {_kind(opened.st_mode)}, not a regular file; skipped"
            )
        if peek is not None:
            return os.read(fd, peek)
        # one read of the expected size plus a byte (to notice growth); loop on short reads
        want = min(opened.st_size, size_cap) + 1
        chunks = [os.read(fd, want)]
        total = len(chunks[0])
        while chunks[-1] and total <= size_cap:
            chunk = os.read(fd, min(1 << 22, size_cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > size_cap:
            raise Refused(
                "too-large", f"grew past the size cap of {_mb(size_cap)} while being read"
            )
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as exc:
        raise Refused("unreadable-file", f"cannot read the file: {exc.strerror}") from None
    finally:
        os.close(fd)
