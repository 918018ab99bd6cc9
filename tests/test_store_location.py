"""Where the store lives, and the refusal of SQLite on network filesystems."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from store_support import worker_env

from pmo_tui.data import demo_folder
from pmo_tui.store import NetworkFilesystem, StoreError, open_store
from pmo_tui.store.location import (
    Mount,
    mount_of,
    network_mount,
    parse_mounts,
    read_mounts,
    refuse_network_fs,
    resolve,
)

MOUNTS = r"""/dev/vda / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev,size=1620404k,mode=755 0 0
filer01:/export/pmo /mnt/pmo nfs4 rw,relatime,vers=4.2,rsize=1048576,hard,proto=tcp 0 0
//winsrv/Projecten\040Portfolio /mnt/Projecten\040Portfolio cifs rw,relatime,vers=3.1.1 0 0
//nas/share /mnt/share smb3 rw,relatime 0 0
/dev/sdb1 /mnt/shared ext4 rw,relatime 0 0
alice@host:/home/alice /home/olga/remote fuse.sshfs rw,nosuid,nodev,relatime 0 0
/dev/sdc1 /mnt/pmo/local-cache ext4 rw,relatime 0 0
garbage-line
"""


@pytest.fixture
def mounts_file(tmp_path: Path) -> Path:
    path = tmp_path / "mounts"
    path.write_text(MOUNTS, encoding="utf-8")
    return path


def test_parse_mounts_unescapes_octal_and_skips_garbage(mounts_file: Path) -> None:
    mounts = read_mounts(mounts_file)
    assert len(mounts) == 9
    cifs = next(m for m in mounts if m.fstype == "cifs")
    assert cifs.point == "/mnt/Projecten Portfolio"
    assert cifs.device == "//winsrv/Projecten Portfolio"


@pytest.mark.parametrize(
    ("path", "fstype"),
    [
        ("/mnt/pmo/data/.pmo-tui", "nfs4"),
        ("/mnt/pmo", "nfs4"),
        ("/mnt/Projecten Portfolio/2026/.pmo-tui", "cifs"),
        ("/mnt/share/x", "smb3"),
        ("/home/olga/remote/pmo", "fuse.sshfs"),
    ],
)
def test_network_filesystems_are_detected(mounts_file: Path, path: str, fstype: str) -> None:
    mount = network_mount(Path(path), read_mounts(mounts_file))
    assert mount is not None and mount.fstype == fstype


@pytest.mark.parametrize(
    "path",
    ["/home/olga/pmo", "/mnt/shared/pmo", "/mnt/sharex", "/mnt/pmo/local-cache/.pmo-tui", "/run/x"],
)
def test_local_filesystems_pass(mounts_file: Path, path: str) -> None:
    # /mnt/shared is not inside /mnt/share; a local disk mounted inside an NFS tree is local
    assert network_mount(Path(path), read_mounts(mounts_file)) is None


def test_the_longest_mount_point_wins_and_later_over_mounts_win() -> None:
    mounts = parse_mounts("a / ext4 rw 0 0\nb /data nfs rw 0 0\nc /data ext4 rw 0 0\n")
    assert mount_of(Path("/data/x"), mounts) == Mount("c", "/data", "ext4")
    assert mount_of(Path("/other"), mounts) == Mount("a", "/", "ext4")


def test_refusal_names_the_share_and_points_to_postgresql(tmp_path: Path) -> None:
    share = tmp_path / "share"
    (share / "portfolio").mkdir(parents=True)
    mounts = parse_mounts(f"/dev/vda / ext4 rw 0 0\nfiler:/pmo {share.resolve()} nfs4 rw 0 0\n")
    # the .pmo-tui folder does not exist yet: the nearest existing parent decides
    target = share / "portfolio" / ".pmo-tui" / "store.sqlite"
    with pytest.raises(NetworkFilesystem) as info:
        refuse_network_fs(target, mounts)
    message = str(info.value)
    assert "nfs4" in message and str(share.resolve()) in message
    assert "--store postgresql+psycopg://" in message
    refuse_network_fs(tmp_path / "local" / "store.sqlite", mounts)  # local: no error


def test_this_machine_mount_table_is_readable() -> None:
    mounts = read_mounts()
    if not Path("/proc/mounts").exists():
        pytest.skip("no /proc/mounts on this system")
    assert any(m.point == "/" for m in mounts)
    assert mount_of(Path.cwd().resolve(), mounts) is not None


def test_default_store_is_inside_the_data_folder_and_the_source_is_untouched(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "portfolio"
    folder.mkdir()
    (folder / "projects.csv").write_text("project_id,name,budget\nP1,Alpha,100\n", encoding="utf-8")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}
    with open_store(None, source=str(folder)) as store:
        assert store.location.path == folder / ".pmo-tui" / "store.sqlite"
        assert store.notice is None
        store.save("ISS-1", 0, {"owner": "alice"})
    after = {
        p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir() if p.is_file()
    }
    assert after == before
    assert (folder / ".pmo-tui" / "store.sqlite").is_file()


def test_the_bundled_demo_gets_a_per_user_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for source in (None, str(demo_folder())):
        with open_store(None, source=source) as store:
            assert store.location.path == tmp_path / "xdg" / "pmo-tui" / "demo" / "store.sqlite"
            assert store.notice is not None and "demo" in store.notice
    assert not (demo_folder() / ".pmo-tui").exists()


FALLBACK_CHECK = """
import sys
from pathlib import Path
from pmo_tui.store import open_store
folder, xdg = Path(sys.argv[1]), Path(sys.argv[2])
with open_store(None, source=str(folder)) as store:
    store.save("ISS-1", 0, {"owner": "alice"})
    assert store.location.path.is_relative_to(xdg / "pmo-tui" / "stores"), store.location
    assert "not writable" in store.notice and "--store postgresql" in store.notice, store.notice
with open_store(None, source=str(folder)) as again:  # the same per-user store next time
    assert again.get("ISS-1").owner == "alice"
with open_store(None, source=str(folder), read_only=True) as kiosk:  # a kiosk finds it too
    assert kiosk.get("ISS-1").owner == "alice"
print("ok")
"""


def test_an_unwritable_folder_falls_back_to_a_per_user_store(tmp_path: Path) -> None:
    """A data folder on a read-only filesystem (a real read-only mount, in a private
    mount namespace; root ignores permission bits, so chmod would prove nothing)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a read-only filesystem privately")
    mnt, xdg = tmp_path / "ro", tmp_path / "xdg"
    mnt.mkdir()
    script = (
        f"mount -t tmpfs -o size=1m tmpfs {mnt} && mkdir {mnt}/portfolio && "
        f"echo 'project_id,name,budget' > {mnt}/portfolio/projects.csv && "
        f"mount -o remount,ro {mnt} && "
        f'XDG_DATA_HOME={xdg} "{sys.executable}" -c "$0" {mnt}/portfolio {xdg}'
    )
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs none /mnt"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount in a private namespace here: {probe.stderr.decode().strip()}")
    result = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script, FALLBACK_CHECK],
        capture_output=True,
        text=True,
        env=worker_env(),
        check=False,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
    assert list(mnt.iterdir()) == []  # the mount never leaked out of the namespace


def test_a_data_folder_gone_before_the_store_opens_is_not_recreated(tmp_path: Path) -> None:
    """The store opens after the first paint: a folder renamed away meanwhile stays gone
    (recreating it would block the officer's rename back and fork the triage)."""
    folder = tmp_path / "portfolio"
    with pytest.raises(StoreError, match=r"data folder .*portfolio is gone"):
        open_store(None, source=str(folder))
    assert not folder.exists()


def test_store_url_wins_over_the_source(tmp_path: Path) -> None:
    folder = tmp_path / "portfolio"
    folder.mkdir()
    url = f"sqlite:///{tmp_path / 'team' / 'store.sqlite'}"
    with open_store(url, source=str(folder)) as store:
        assert store.location.path == tmp_path / "team" / "store.sqlite"
    assert not (folder / ".pmo-tui").exists()


def test_read_only_with_no_store_creates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "portfolio"
    folder.mkdir()
    with open_store(None, source=str(folder), read_only=True) as store:
        assert store.read_only and store.triage_frame().empty
        assert store.get("ISS-1").version == 0
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "SQLite or PostgreSQL"),
        ("postgresql+psycopg2://u@h/db", "psycopg 3"),
        ("not a url://x", "not a store URL"),
    ],
)
def test_unsupported_store_urls_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        resolve(url, source=None, read_only=False)


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    location = resolve("postgresql://u:secret@h/db", source=None, read_only=False)
    assert location.url.drivername == "postgresql+psycopg"
    assert location.path is None


def test_closing_the_store_waits_for_a_read_under_way(tmp_path: Path) -> None:
    """The app closes the store on exit while a worker may be reading it. The
    read-only store of a folder without triage lives in memory on one connection
    shared by the threads: closing it under the reader crashed the interpreter
    (sqlite3, a segmentation fault at the end of a test run)."""
    import threading
    import time

    folder = tmp_path / "portfolio"
    folder.mkdir()
    store = open_store(None, source=str(folder), read_only=True)
    assert store.location.missing, "no store file: the in-memory one"
    started, got = threading.Event(), []

    def slow(conn: object) -> int:
        started.set()
        time.sleep(0.3)
        return int(conn.exec_driver_sql("SELECT 41 + 1").scalar())  # type: ignore[attr-defined]

    reader = threading.Thread(target=lambda: got.append(store._read(slow)))
    reader.start()
    assert started.wait(2.0)
    began = time.monotonic()
    store.close()
    waited = time.monotonic() - began
    reader.join(2.0)
    assert got == [42], "the read under way finished on an open connection"
    assert waited >= 0.1, "close() waited for it"
    with pytest.raises(StoreError, match="closed"):
        store.events_since(0)
