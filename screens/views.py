"""What the screens show, derived once per snapshot and cached on it (no textual here).

Selecting rows of the wide metrics frames with pandas costs milliseconds per
call (``projects.loc[mask]`` over ~90 columns), and a drill-down may take
100 ms in all. So each derived view is built once per snapshot as plain
Python (dicts of records, grid rows keyed by id, ids per programme) and the
screens pick from it. The worker thread builds what the portfolio screen
needs before the first paint (:func:`warm`) and the rest right after it
(:func:`prepare`), so the first drill-down is as quick as the next.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pmo_tui.screens.rows import (
    objects,
    programme_key,
    programme_rows,
    project_rows,
    red_rows,
    upcoming_rows,
)
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.widgets.grid import GridRow

Record = dict[str, Any]


#: what the metrics' milestone rows are computed from (tolerances come with the projects)
MILESTONE_TABLES = ("milestones", "projects")


def _records(frame: pd.DataFrame, key_column: str) -> dict[str, Record]:
    keys = [programme_key(k) for k in objects(frame[key_column])]
    records: list[Record] = [{str(c): v for c, v in r.items()} for r in frame.to_dict("records")]
    return dict(zip(keys, records, strict=True))


def _native(value: Any) -> Any:
    """A cell as ``to_dict("records")`` gives it: numpy scalars as Python ones, numpy
    dates as Timestamps, a missing value of a nullable column as None."""
    if value is pd.NA:
        return None
    if isinstance(value, np.generic):
        if isinstance(value, np.datetime64):
            return pd.Timestamp(value)
        if isinstance(value, np.timedelta64):
            return pd.Timedelta(value)
        return value.item()
    return value


def programme_records(snapshot: Snapshot) -> dict[str, Record]:
    """Programme roll-ups by programme key ("" is the group without a programme)."""
    return snapshot.cached(
        "programme-records", lambda: _records(snapshot.metrics.programmes, "programme_id")
    )


def portfolio_record(snapshot: Snapshot) -> Record | None:
    def make() -> Record | None:
        frame = snapshot.metrics.portfolio
        return None if frame.empty else frame.to_dict("records")[0]

    return snapshot.cached("portfolio-record", make)


def project_record(snapshot: Snapshot, project_id: str) -> Record | None:
    """One project's figures (its row of the metrics, ~1 ms; all 2,000 as records
    would take ~85 ms, after every refresh, for the one a screen shows)."""

    def make() -> Record | None:
        frame = snapshot.metrics.projects

        def positions() -> dict[str, int]:
            keys = [programme_key(k) for k in objects(frame["project_id"])]
            return {key: at for at, key in enumerate(keys)}

        # metrics.projects keeps the projects table's order
        at = snapshot.cached("project-positions", positions, tables=("projects",)).get(project_id)
        if at is None:
            return None
        # column by column: to_dict("records") of one row of 105 columns took ~3 ms
        return {str(c): _native(column.array[at]) for c, column in frame.items()}

    return snapshot.cached(("project-record", project_id), make)


def programme_grid_rows(snapshot: Snapshot) -> list[GridRow]:
    return snapshot.cached(
        "programme-rows", lambda: programme_rows(snapshot.metrics.programmes, snapshot.fmt)
    )


def project_grid_rows(snapshot: Snapshot) -> dict[str, GridRow]:
    """A grid row for every project, by project id."""

    def make() -> dict[str, GridRow]:
        rows = project_rows(snapshot.metrics.projects, snapshot.fmt)
        return {row.key: row for row in rows}

    return snapshot.cached("project-rows", make)


def programme_of(snapshot: Snapshot) -> dict[str, str]:
    """Programme key of every project."""

    def make() -> dict[str, str]:
        projects = snapshot.metrics.projects
        return {
            str(p): programme_key(g)
            for p, g in zip(
                objects(projects["project_id"]), objects(projects["programme_id"]), strict=True
            )
        }

    return snapshot.cached("programme-of", make, tables=("projects",))


def projects_in(snapshot: Snapshot, programme: str) -> list[str]:
    """Project ids of one programme key, in the projects table's order."""

    def make() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for project, group in programme_of(snapshot).items():
            out.setdefault(group, []).append(project)
        return out

    grouped: dict[str, list[str]] = snapshot.cached(
        "projects-by-programme", make, tables=("projects",)
    )
    return grouped.get(programme, [])


def programme_project_rows(snapshot: Snapshot, programme: str) -> list[GridRow]:
    ids = projects_in(snapshot, programme)
    rows: dict[str, GridRow] | None = snapshot.peek("project-rows")
    if rows is None:
        # not prepared yet (a drill-down in the first second, before :func:`prepare`
        # ran): this programme's rows only, not the whole portfolio's on the UI thread
        rows = snapshot.cached(
            ("programme-project-rows", programme), lambda: _rows_of(snapshot, ids)
        )
    return [rows[p] for p in ids if p in rows]


def _rows_of(snapshot: Snapshot, ids: list[str]) -> dict[str, GridRow]:
    projects = snapshot.metrics.projects
    chosen = projects[projects["project_id"].astype("str").isin(ids)]
    return {row.key: row for row in project_rows(chosen, snapshot.fmt)}


def red_grid_rows(snapshot: Snapshot, programme: str | None) -> list[GridRow]:
    """Red projects, watermelons first; all of them, or one programme's (without that column)."""
    with_programme = programme is None
    rows: list[GridRow] = snapshot.cached(
        ("red-rows", with_programme),
        lambda: red_rows(snapshot.metrics.red_items(), with_programme=with_programme),
    )
    if programme is None:
        return rows
    owner = programme_of(snapshot)
    return [row for row in rows if owner.get(row.key) == programme]


def upcoming_grid_rows(snapshot: Snapshot, programme: str | None) -> list[GridRow]:
    """Milestones due soon, soonest first; all, or one programme's."""
    rows: list[GridRow] = snapshot.cached(
        "upcoming-rows",
        lambda: upcoming_rows(snapshot.metrics.upcoming_milestones(), snapshot.fmt),
        tables=MILESTONE_TABLES,
    )
    if programme is None:
        return rows
    owner = programme_of(snapshot)
    return [row for row in rows if owner.get(row.key.split("\x1f", 1)[0]) == programme]


def milestone_reason(snapshot: Snapshot, key: str) -> tuple[str, str, str] | None:
    """(name, project name, status reason) of an upcoming milestone row key."""

    def make() -> dict[str, tuple[str, str, str]]:
        frame = snapshot.metrics.upcoming_milestones()
        out = {}
        for project, milestone, name, project_name, reason in zip(
            objects(frame["project_id"]),
            objects(frame["milestone_id"]),
            objects(frame["name"]),
            objects(frame["project_name"]),
            objects(frame["status_reason"]),
            strict=True,
        ):
            out[f"{project}\x1f{milestone}"] = (name or "", project_name or "", reason or "")
        return out

    found: dict[str, tuple[str, str, str]] = snapshot.cached(
        "milestone-reasons", make, tables=MILESTONE_TABLES
    )
    return found.get(key)


def warm(snapshot: Snapshot) -> None:
    """What the portfolio screen needs for its first paint (run in the worker thread)."""
    programme_records(snapshot)
    portfolio_record(snapshot)
    programme_grid_rows(snapshot)
    red_grid_rows(snapshot, None)
    upcoming_grid_rows(snapshot, None)
    snapshot.curve("portfolio")


def prepare(snapshot: Snapshot) -> None:
    """What a drill-down or the triage queue needs (run in a worker after the paint).

    Only what is costly and shared: the project rows of every programme, the
    triage queue. What one screen shows of one item (a project's record, a
    programme's S-curve: 1-3 ms each) is made when that screen opens; building
    them all measured ~200 ms of CPU after every live refresh on the large demo,
    which a change arriving meanwhile had to share a core with.
    """
    from pmo_tui.screens.triage import build_triage

    project_grid_rows(snapshot)
    projects_in(snapshot, "")
    red_grid_rows(snapshot, "")
    milestone_reason(snapshot, "")
    snapshot.cached("triage", lambda: build_triage(snapshot))
