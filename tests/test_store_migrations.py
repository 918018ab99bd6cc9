"""Store migrations: from an empty database, and from r1 with data in it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from pmo_tui.store import SchemaMismatch, migrate, open_store
from pmo_tui.store import engine as engines
from pmo_tui.store.location import resolve
from pmo_tui.store.schema import metadata

pytest_plugins = ("store_fixtures",)

R1 = "0001"


def _engine(url: str) -> sa.Engine:
    return engines.create(resolve(url, source=None, read_only=False).url, read_only=False)


def test_revisions_are_a_straight_line_with_at_least_two_steps() -> None:
    assert migrate.revisions()[:2] == ["0001", "0002"]
    assert migrate.head() == migrate.revisions()[-1]


def test_open_creates_the_head_schema_matching_the_models(store_url: str) -> None:
    with open_store(store_url) as store:
        inspector = sa.inspect(store.engine)
        tables = set(inspector.get_table_names())
        assert migrate.status(store.engine) == migrate.head()
        assert "pmo_store_version" in tables and "alembic_version" not in tables
        for table in metadata.sorted_tables:
            assert table.name in tables, table.name
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
            indexes = {i["name"] for i in inspector.get_indexes(table.name)}
            assert {i.name for i in table.indexes} <= indexes, table.name
    # opening again is a no-op and keeps the revision
    with open_store(store_url) as again:
        assert migrate.status(again.engine) == migrate.head()


def test_upgrade_from_r1_keeps_every_row(store_url: str) -> None:
    engine = _engine(store_url)
    migrate.upgrade(engine, R1)
    assert migrate.status(engine) == R1
    at, at1 = datetime(2026, 1, 5, 9, 45), datetime(2026, 1, 5, 9, 30)
    with engine.begin() as conn:  # rows as the r1 code wrote them
        conn.execute(
            sa.text(
                "INSERT INTO store_triage (issue_id, status, owner, priority, due_date, version, "
                "changeset, updated_by, updated_os_user, updated_at) VALUES "
                "('ISS-1', 'in progress', 'alice', 4, :due, 2, 'cs2', 'olga', 'olga', :at)"
            ),
            {"due": date(2026, 2, 1), "at": at},
        )
        conn.execute(
            sa.text(
                "INSERT INTO store_audit (changeset, kind, item_id, field, old_value, new_value, "
                "version, who, os_user, at) VALUES "
                "('cs1', 'issue', 'ISS-1', 'owner', NULL, 'bob', 1, 'olga', 'olga', :at1), "
                "('cs2', 'issue', 'ISS-1', 'owner', 'bob', 'alice', 2, 'olga', 'olga', :at)"
            ),
            {"at": at, "at1": at1},
        )
        conn.execute(
            sa.text(
                "INSERT INTO store_note (kind, item_id, body, changeset, who, os_user, at) "
                "VALUES ('issue', 'ISS-1', :body, 'cs2', 'olga', 'olga', :at)"
            ),
            {"body": "[@click=app.quit]x[/] written under r1", "at": at},
        )
    engine.dispose()

    with open_store(store_url) as store:
        assert migrate.status(store.engine) == migrate.head()
        current = store.get("ISS-1")
        assert (current.status, current.owner, current.priority, current.version) == (
            "in progress",
            "alice",
            4,
            2,
        )
        assert current.due_date == date(2026, 2, 1) and current.updated_by == "olga"
        history = store.history("issue", "ISS-1")
        lines = [
            h.note.body if h.note else h.change.describe() for h in history if h.note or h.change
        ]
        assert lines == [
            "owner: bob → alice",
            "[@click=app.quit]x[/] written under r1",
            "owner: — → bob",
        ]
        # the r1 data works with the r2 features
        conflict = store.save("ISS-1", 1, {"owner": "carol"})
        assert conflict.__class__.__name__ == "Conflict"
        assert store.save("ISS-1", 2, {"owner": "carol"}).__class__.__name__ == "Saved"
        assert store.start_round().id == 1


def test_downgrade_to_r1_keeps_r1_data(store_url: str) -> None:
    with open_store(store_url) as store:
        store.save("D-1", 0, {"owner": "alice"}, note="kept")
        store.start_round()
    engine = _engine(store_url)
    migrate.downgrade(engine, R1)
    tables = set(sa.inspect(engine).get_table_names())
    assert "store_round" not in tables and "store_triage" in tables
    engine.dispose()
    with open_store(store_url) as store:  # and back up again
        assert store.get("D-1").owner == "alice"
        assert store.notes("issue", "D-1")[0].body == "kept"


def test_a_schema_from_a_newer_pmo_tui_is_refused(store_url: str) -> None:
    with open_store(store_url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE pmo_store_version SET version_num = '9999'")
    with pytest.raises(SchemaMismatch, match="9999"):
        open_store(store_url)


def test_read_only_refuses_an_old_schema_and_tolerates_none(store_url: str) -> None:
    engine = _engine(store_url)
    with open_store(store_url, read_only=True) as empty:  # nothing there yet
        assert empty.read_only and empty.triage_frame().empty
        assert empty.notice is not None and "no triage yet" in empty.notice
    assert migrate.status(engine) is None  # and nothing was created
    migrate.upgrade(engine, R1)
    engine.dispose()
    with pytest.raises(SchemaMismatch, match="without --read-only"):
        open_store(store_url, read_only=True)


def test_store_shares_a_database_with_the_source_schema(store_url: str) -> None:
    engine = _engine(store_url)
    with engine.begin() as conn:  # a source schema with its own Alembic version table
        conn.exec_driver_sql("CREATE TABLE pmo_source_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO pmo_source_version VALUES ('src1')")
        conn.exec_driver_sql("CREATE TABLE issues (issue_id VARCHAR PRIMARY KEY, title VARCHAR)")
        conn.exec_driver_sql("INSERT INTO issues VALUES ('ISS-1', 'x')")
    engine.dispose()
    with open_store(None, source=store_url) as store:  # database mode: the store lives there
        store.save("ISS-1", 0, {"owner": "alice"})
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM pmo_source_version").all() == [
                ("src1",)
            ]
            assert conn.exec_driver_sql("SELECT * FROM issues").all() == [("ISS-1", "x")]


def test_four_officers_opening_a_fresh_store_at_once_all_succeed(store_url: str) -> None:
    import concurrent.futures

    def open_and_save(n: int) -> int:
        with open_store(store_url) as store:
            result = store.save(f"P-{n}", 0, {"owner": "x"})
            return result.triage.version  # type: ignore[union-attr]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert list(pool.map(open_and_save, range(4))) == [1, 1, 1, 1]


def test_officers_starting_at_once_on_a_new_folder_all_get_triage(tmp_path: Path) -> None:
    """Three apps open the store of a data folder that has none yet, at the same instant.

    One creates and migrates the file while the others connect. Switching the new
    file to WAL mode failed at once with "database is locked" (no busy wait) in about
    one start in seven, and that officer's triage was off; CI caught it once.
    """
    import threading

    failures: list[str] = []
    for round_ in range(30):
        folder = tmp_path / f"portfolio-{round_}"
        folder.mkdir()
        (folder / "projects.csv").write_text("project_id,name\nP-1,A\n", encoding="utf-8")
        start = threading.Barrier(3)

        def open_one(folder: Path = folder, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                open_store(None, source=str(folder)).close()
            except Exception as exc:
                failures.append(f"{folder.name}: {exc}")

        threads = [threading.Thread(target=open_one) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert failures == []


def test_opening_an_up_to_date_store_does_not_load_alembic(tmp_path: object) -> None:
    """Every start but the first finds the store at head: that is one SELECT, and
    Alembic (~11 MiB resident, ~60 ms to import) stays unloaded."""
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{Path(str(tmp_path)) / 'store.sqlite'}"
    with open_store(url) as store:  # the first open creates the schema
        assert migrate.status(store.engine) == migrate.head()
    code = (
        "import sys\n"
        "from pmo_tui.store import open_store\n"
        f"store = open_store({url!r})\n"
        "store.close()\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
