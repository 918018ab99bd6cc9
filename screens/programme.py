"""The programme screen: the same shape as the portfolio, for one programme's projects."""

from __future__ import annotations

import pandas as pd
from pmo_tui.screens.rows import PROJECT_COLUMNS, RED_COLUMNS_IN_PROGRAMME, project_rows
from pmo_tui.screens.scope import ScopeScreen, project_detail
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.widgets.grid import Grid, GridRow
from textual.content import Content

from pmo_tui.text import one_line


class ProgrammeScreen(ScopeScreen):
    """One programme; ``programme_id`` "" is the group of projects without a programme."""

    main_title = "Projects"
    main_columns = PROJECT_COLUMNS
    main_kind = "project"
    red_columns = RED_COLUMNS_IN_PROGRAMME

    def __init__(self, programme_id: str) -> None:
        super().__init__()
        self.programme_id = programme_id

    @property
    def _programme(self) -> str | None:
        return self.programme_id or None

    @property
    def chart_scope(self) -> tuple[str, str | None, str]:
        return ("programme", self._programme, self.programme_name())

    def programme_name(self) -> str:
        if self.snapshot is None:
            return self.programme_id
        row = self.scope_row(self.snapshot)
        if row is None:
            return self.programme_id or "(no programme)"
        name = row.get("name")
        return one_line(name if isinstance(name, str) and name else self.programme_id)

    def scope_path(self, snapshot: Snapshot) -> tuple[str, ...]:
        return ("Portfolio", self.programme_name())

    def scope_row(self, snapshot: Snapshot) -> pd.Series | None:
        frame = snapshot.metrics.programmes
        hit = frame.loc[frame["programme_id"].fillna("") == self.programme_id]
        return None if hit.empty else hit.iloc[0]

    def scope_projects(self, snapshot: Snapshot) -> pd.DataFrame:
        return snapshot.metrics.projects_in(self._programme)

    def main_rows(self, snapshot: Snapshot) -> list[GridRow]:
        return project_rows(self.scope_projects(snapshot), snapshot.fmt)

    def select_project(self, project_id: str) -> None:
        self.query_one("#main-grid", Grid).move_to_key(project_id)

    def detail_for(self, key: str) -> Content:
        if self.snapshot is None:
            return Content("")
        return project_detail(self.snapshot, key)
