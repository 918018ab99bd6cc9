"""Shared fixtures: real folders on disk, real databases."""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmo_tui.malloc import collector_settled, unsettle_collector

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
IN_CI = bool(os.environ.get("CI"))
PG_URL = os.environ.get("PMO_TUI_TEST_PG_URL")


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent (public real-world exports live in ../shared/realdata)")
    return REALDATA


@pytest.fixture
def messed_up_mapping(tmp_path: Path) -> Path:
    """The shipped us-itdashboard mapping pointed at the messy twin of its export."""
    from pmo_tui.data import mapping

    config = tmp_path / "messy.toml"
    config.write_text(
        mapping("us-itdashboard")
        .read_text(encoding="utf-8")
        .replace("Projects_CW1_clean.csv", "Projects_CW1_MessedUp.csv"),
        encoding="utf-8",
    )
    return config


def _pg_admin_url() -> str:
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI is set but PMO_TUI_TEST_PG_URL is not: .ci/run must start PostgreSQL")
        pytest.skip("PMO_TUI_TEST_PG_URL is unset; PostgreSQL tests need a server (see .ci/run)")
    return PG_URL


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin = _pg_admin_url()
    import sqlalchemy as sa

    name = f"pmo_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at PMO_TUI_TEST_PG_URL is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    url = sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        engine.dispose()


@pytest.fixture(autouse=True)
def _own_table_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test gets its own table cache (``pmo_tui.sources.table_cache``), never the
    user's, so that no test is served what another one stored."""
    monkeypatch.setenv("PMO_TUI_CACHE_DIR", str(tmp_path_factory.mktemp("table-cache")))


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Put back any environment variable the code under test removed or changed.

    The kiosk deliberately deletes ``TEXTUAL*`` variables; run in-process by a
    test that fails before it exits, it would also take pytest-textual-snapshot's
    ``TEXTUAL_SNAPSHOT_TEMPDIR`` and crash the session, hiding the real failure.
    """
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    """Put the garbage collector back as CPython had it.

    ``pmo-tui`` run in-process (the kiosk tests call ``cli.main``) freezes what
    the start made and takes over the full collections (``pmo_tui.malloc``);
    later tests in the same worker must not run with that, nor keep those
    objects frozen.
    """
    thresholds = gc.get_threshold()
    yield
    if collector_settled() or gc.get_freeze_count() or gc.get_threshold() != thresholds:
        unsettle_collector(thresholds)
