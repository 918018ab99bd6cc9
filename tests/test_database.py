"""The database source: schema, import, reading, rules, staleness, on real SQLite and PostgreSQL."""

from __future__ import annotations

import io
import shutil
import sqlite3
import uuid
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pmo_tui.cli import main
from pmo_tui.demo import write_demo
from pmo_tui.errors import PmoError, SourceUnavailable
from pmo_tui.model import SCHEMAS, TABLES
from pmo_tui.sources.base import Change
from pmo_tui.sources.database import DatabaseSource, import_source, init_schema
from pmo_tui.sources.db_migrate import head
from pmo_tui.sources.db_read import adbc_available
from pmo_tui.sources.db_rows import to_grain
from pmo_tui.sources.db_schema import LINE_TABLES
from pmo_tui.sources.folder import FolderSource

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo") / "small", size="small", seed=42, as_of=AS_OF)


@pytest.fixture
def demo(small_demo: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "portfolio"
    shutil.copytree(small_demo, copy, ignore=shutil.ignore_patterns(".pmo-tui"))
    return copy


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'source.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'source.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def canonical(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows in a stable order, to compare two sources."""
    frame = to_grain(table, frame) if table in LINE_TABLES else frame
    cols = list(frame.columns)
    return frame.sort_values(cols, na_position="first").reset_index(drop=True)


def assert_same_portfolio(left: object, right: object) -> None:
    for table in TABLES:
        a = canonical(left[table], table)  # type: ignore[index]
        b = canonical(right[table], table)  # type: ignore[index]
        pd.testing.assert_frame_equal(a, b, check_dtype=True, obj=table)


# -- schema -----------------------------------------------------------------------


def test_init_creates_the_canonical_tables(any_url: str) -> None:
    assert init_schema(any_url) is None, "a fresh database had no schema yet"
    assert init_schema(any_url) == head(), "a second init is a no-op at head"
    engine = sa.create_engine(any_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        inspector = sa.inspect(engine)
        names = set(inspector.get_table_names())
        assert set(TABLES) <= names
        assert {"pmo_source_version", "pmo_table_version"} <= names
        for table in TABLES:
            columns = {c["name"]: c for c in inspector.get_columns(table)}
            for col in SCHEMAS[table]:
                assert col.name in columns, f"{table}.{col.name} is missing"
                sql = columns[col.name]["type"]
                expected = {
                    "date": sa.Date,
                    "month": sa.Date,
                    "money": sa.Float,
                    "percent": sa.Float,
                    "int": sa.Integer,
                    "bool": sa.Boolean,
                }
                if col.kind in expected:
                    assert isinstance(sql, expected[col.kind]), f"{table}.{col.name} is {sql}"
                else:
                    assert isinstance(sql, sa.String), f"{table}.{col.name} is {sql}"
            if table != "programmes":
                indexed = {tuple(i["column_names"]) for i in inspector.get_indexes(table)}
                pk = tuple(inspector.get_pk_constraint(table)["constrained_columns"])
                assert ("project_id",) in indexed | {pk}, f"{table}.project_id has no index"
        assert inspector.get_pk_constraint("issues")["constrained_columns"] == ["issue_id"]
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM pmo_source_version").scalar()
        assert version == head()
    finally:
        engine.dispose()


def test_a_database_without_the_schema_says_what_to_run(sqlite_url: str) -> None:
    sqlite3.connect(sqlite_url.removeprefix("sqlite:///")).close()
    with pytest.raises(SourceUnavailable, match="pmo-tui db init"):
        DatabaseSource(sqlite_url).load()


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(SourceUnavailable, match="no such database file"):
        DatabaseSource(f"sqlite:///{path}").load()
    assert not path.exists(), "opening a source must never write"


def test_only_sqlite_and_postgresql() -> None:
    with pytest.raises(SourceUnavailable, match="SQLite and PostgreSQL"):
        DatabaseSource("mysql://u@localhost/db")
    with pytest.raises(SourceUnavailable, match="in-memory"):
        DatabaseSource("sqlite://")


def test_passwords_never_show(tmp_path: Path) -> None:
    source = DatabaseSource("postgresql://officer:s3cr3t-pw@127.0.0.1:1/pmo")
    assert "s3cr3t" not in source.description
    with pytest.raises(SourceUnavailable) as caught:
        source.load()
    assert "s3cr3t" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


# -- import, then read back -------------------------------------------------------


def test_cli_init_and_import_then_the_database_serves_the_same_portfolio(
    any_url: str, demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "init", any_url]) == 0
    assert "up to date" in capsys.readouterr().err
    assert main(["db", "import", str(demo), any_url]) == 0
    out = capsys.readouterr().out
    from_folder = FolderSource(demo).load()
    for table in TABLES:
        assert f" {len(from_folder.states[table].frame):,} {table}" in out
    from_db = DatabaseSource(any_url).load()
    assert from_db.problems == ()
    assert_same_portfolio(from_db, from_folder)
    assert from_db.stale == {}
    assert from_db.data_as_of is not None


def test_fast_and_fallback_readers_read_the_same(any_url: str, demo: Path) -> None:
    dialect = "sqlite" if any_url.startswith("sqlite") else "postgresql"
    if not adbc_available(dialect):
        pytest.skip(f"no ADBC driver for {dialect} (not installed, or PMO_TUI_ADBC=0)")
    assert import_source(demo, any_url, out=io.StringIO()) == 0
    fast = DatabaseSource(any_url, use_adbc=True).load()
    slow = DatabaseSource(any_url, use_adbc=False).load()
    for table in TABLES:
        pd.testing.assert_frame_equal(fast[table], slow[table], obj=table)


def test_import_replaces_the_contents(any_url: str, demo: Path, tmp_path: Path) -> None:
    assert import_source(demo, any_url, out=io.StringIO()) == 0
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    (smaller / "projects.csv").write_text("project_id,name,budget\nP-1,Only one,1000\n")
    out = io.StringIO()
    assert import_source(smaller, any_url, out=out) == 0
    assert "1 projects" in out.getvalue() and "0 costs" in out.getvalue()
    portfolio = DatabaseSource(any_url).load()
    assert list(portfolio["projects"]["name"]) == ["Only one"]
    assert portfolio["costs"].empty
    assert not portfolio.states["costs"].present, "no cost rows: the source has no costs"


def test_import_reports_rejected_rows_and_exits_1(sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "projects.csv").write_text(
        "project_id,name,budget,percent_complete\nP-1,Good,100,10\nP-2,Bad,-5,10\nP-3,Worse,10,150\n"
    )
    out = io.StringIO()
    assert import_source(folder, sqlite_url, out=out) == 1
    text = out.getvalue()
    assert "negative-budget" in text and "percent-range" in text and "projects.csv" in text
    assert list(DatabaseSource(sqlite_url).load()["projects"]["project_id"]) == ["P-1"]


def test_a_failed_import_changes_nothing(pg_url: str, demo: Path, tmp_path: Path) -> None:
    """The importer may delete and insert, but not insert costs: all or nothing."""
    assert import_source(demo, pg_url, out=io.StringIO()) == 0
    role = f"pmo_limited_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
            conn.exec_driver_sql(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
            conn.exec_driver_sql(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
            conn.exec_driver_sql(f"REVOKE INSERT ON costs FROM {role}")
        limited = sa.make_url(pg_url).set(username=role).render_as_string(hide_password=False)
        (demo / "projects.csv").write_text("project_id,name,budget\nP-X,Replacement,1\n")
        with pytest.raises(PmoError, match="nothing was changed"):
            import_source(demo, limited, out=io.StringIO())
        assert len(DatabaseSource(pg_url).load()["projects"]) == 24
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def test_history_import_records_milestone_trends(
    sqlite_url: str, small_demo: Path, tmp_path: Path
) -> None:
    snapshots = tmp_path / "snapshots"
    days = [date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 30)]
    for i, day in enumerate(days):
        folder = snapshots / f"export-{day:%Y%m%d}"
        shutil.copytree(small_demo, folder, ignore=shutil.ignore_patterns(".pmo-tui"))
        milestones = pd.read_csv(folder / "milestones.csv", dtype=str)
        milestones.loc[0, "forecast_date"] = f"2027-0{i + 1}-15"
        milestones.to_csv(folder / "milestones.csv", index=False)
    (snapshots / "notes").mkdir()
    out = io.StringIO()
    assert import_source(snapshots, sqlite_url, history=True, out=out) == 0
    text = out.getvalue()
    assert "skipped notes" in text and "3 snapshots" in text
    portfolio = DatabaseSource(sqlite_url).load()
    first = portfolio["milestones"].sort_values("milestone_id").iloc[0]
    assert first["forecast_date"] == pd.Timestamp("2027-03-15"), "the newest snapshot is the source"

    from pmo_tui.store import open_store

    store = open_store(None, source=sqlite_url)
    try:
        assert store.report_dates() == days
        trend = store.forecast_history(milestone_ids=[str(first["milestone_id"])])
        assert list(pd.to_datetime(trend["forecast_date"]).dt.month) == [1, 2, 3]
    finally:
        store.close()


# -- the rules apply to database rows too ----------------------------------------------


def _fill(url: str, statements: list[str]) -> None:
    init_schema(url)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        for sql in statements:
            conn.execute(sql)


def test_bad_rows_written_by_another_program_are_reported_and_skipped(sqlite_url: str) -> None:
    hostile = "[@click=app.quit]x[/]"
    _fill(
        sqlite_url,
        [
            "INSERT INTO projects"
            " (project_id, name, budget, percent_complete, status, start_date, end_date) VALUES"
            " ('P-1', 'Good', 100, 10, 'Lopend', '2026-01-01', '2026-12-31'),"
            f" (' P-2 ', '{hostile}', 50, 0, 'on-hold', NULL, NULL),"
            " ('P-3', 'Negative', -5, 10, 'active', NULL, NULL),"
            " ('P-4', 'Too far', 10, 150, 'active', NULL, NULL),"
            " ('P-5', 'Archived', 10, 10, 'archived', NULL, NULL),"
            " ('P-6', 'Backwards', 10, 10, 'closed', '2026-05-01', '2026-04-01'),"
            " ('P-7', 'No budget', NULL, 10, NULL, NULL, NULL)",
            "INSERT INTO issues (issue_id, project_id, title, severity, status, type) VALUES"
            " ('I-1', 'P-1', '[WIP] Fix login', 'hoog', 'Nieuw', 'Risico'),"
            " ('I-2', 'P-1', 'x [/', 9, 'open', 'risk'),"
            " ('I-3', 'P-1', 'fine', 4, 'closed', 'issue')",
            "INSERT INTO costs (project_id, period, amount, category) VALUES"
            " ('P-1', '2026-03-01', 10.5, 'labour'),"
            " ('P-1', '2026-03-17', 'abc', 'labour'),"
            " ('P-1', 'tomorrow', 3, 'labour'),"
            " ('P-1', '2026-03-20', 4.5, 'labour')",
        ],
    )
    portfolio = DatabaseSource(sqlite_url).load()
    projects = portfolio["projects"].set_index("project_id")
    assert sorted(projects.index) == ["P-1", "P-2", "P-7"]
    assert projects.loc["P-2", "name"] == hostile, "text is kept verbatim (the UI escapes it)"
    assert projects.loc["P-1", "status"] == "active" and projects.loc["P-2", "status"] == "on hold"
    assert pd.isna(projects.loc["P-7", "budget"])
    rules = {(p.rule, p.column, p.severity.value) for p in portfolio.problems}
    assert ("negative-budget", "budget", "error") in rules
    assert ("percent-range", "percent_complete", "error") in rules
    assert ("unknown-value", "status", "error") in rules
    assert ("end-before-start", "end_date", "error") in rules
    assert ("blank-value", "budget", "warning") in rules
    assert ("unknown-value", "severity", "error") in rules
    assert ("bad-number", "amount", "error") in rules
    assert ("bad-date", "period", "error") in rules
    archived = next(p for p in portfolio.problems if p.value == "archived")
    assert archived.file == "table projects" and "project 'P-5'" in archived.message

    issues = portfolio["issues"].set_index("issue_id")
    assert sorted(issues.index) == ["I-1", "I-3"]
    assert issues.loc["I-1", "severity"] == 3 and issues.loc["I-1", "status"] == "open"
    assert issues.loc["I-1", "type"] == "risk"
    costs = portfolio["costs"]
    assert len(costs) == 1, "the two good lines of March are one row at the grain"
    assert costs.iloc[0]["amount"] == 15.0
    assert costs.iloc[0]["period"] == pd.Timestamp("2026-03-01")


def test_cost_lines_are_summed_per_project_month_and_category(any_url: str) -> None:
    init_schema(any_url)
    engine = sa.create_engine(any_url.replace("postgresql://", "postgresql+psycopg://"))
    rows = [("P-1", date(2026, 3, d), 1.25, "labour") for d in range(1, 29)]
    rows += [("P-1", date(2026, 4, 2), 7.0, None), ("P-1", date(2026, 4, 9), 3.0, None)]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO projects (project_id, name, budget) VALUES ('P-1', 'A', 1)"
        )
        for row in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO costs (project_id, period, amount, category) "
                    "VALUES (:p, :d, :a, :c)"
                ),
                {"p": row[0], "d": row[1], "a": row[2], "c": row[3]},
            )
    engine.dispose()
    source = DatabaseSource(any_url)
    first = source.load()
    expected = pd.DataFrame(
        {
            "project_id": pd.array(["P-1", "P-1"], dtype="str"),
            "period": pd.to_datetime(["2026-03-01", "2026-04-01"]).astype("datetime64[s]"),
            "amount": [35.0, 10.0],
            "category": pd.array(["labour", None], dtype="str"),
        }
    )
    pd.testing.assert_frame_equal(first["costs"], expected)
    # 30 lines for 2 months: from now on the sum is taken in SQL; the figures are the same
    again = source.refresh(first, Change(tables=frozenset({"costs"})))
    pd.testing.assert_frame_equal(again["costs"], expected)
    assert again.changed_since(first) == frozenset()


# -- refresh, staleness ---------------------------------------------------------------


def test_refresh_reads_only_the_named_tables(sqlite_url: str, demo: Path) -> None:
    import_source(demo, sqlite_url, out=io.StringIO())
    source = DatabaseSource(sqlite_url)
    before = source.load()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE issues SET title = 'Changed' "
            "WHERE issue_id = (SELECT min(issue_id) FROM issues)"
        )
        conn.execute("UPDATE projects SET name = 'Not re-read'")
    after = source.refresh(before, Change(tables=frozenset({"issues"})))
    assert after.changed_since(before) == {"issues"}
    assert "Changed" in set(after["issues"]["title"])
    assert "Not re-read" not in set(after["projects"]["name"])
    assert after["costs"] is before["costs"], "an unchanged table is the same frame"


def test_an_unreadable_database_keeps_the_last_good_rows_marked_stale(
    sqlite_url: str, demo: Path
) -> None:
    import_source(demo, sqlite_url, out=io.StringIO())
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    source = DatabaseSource(sqlite_url)
    good = source.load()
    path.rename(path.with_suffix(".away"))
    stale = source.refresh(good, Change())
    assert set(stale.stale) == set(TABLES)
    assert "cannot read" in stale.stale["issues"]
    assert len(stale["issues"]) == len(good["issues"]), "the good rows stay on screen"
    assert stale.data_as_of == good.data_as_of
    path.with_suffix(".away").rename(path)
    fresh = source.refresh(stale, Change())
    assert fresh.stale == {}
    assert len(fresh["issues"]) == len(good["issues"])


def test_a_store_change_does_not_reread_the_source(sqlite_url: str, demo: Path) -> None:
    import_source(demo, sqlite_url, out=io.StringIO())
    source = DatabaseSource(sqlite_url)
    before = source.load()
    assert source.refresh(before, Change(store=True)) is before
