"""The programme screen: the same shape as the portfolio, for one programme's projects."""

from __future__ import annotations

from textual.content import Content

from pmo_tui.screens import views
from pmo_tui.screens.rows import PROJECT_COLUMNS, RED_COLUMNS_IN_PROGRAMME
from pmo_tui.screens.scope import ScopeScreen, project_detail
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.views import Record
from pmo_tui.text import one_line
from pmo_tui.widgets.grid import Grid, GridRow


class ProgrammeScreen(ScopeScreen):
    """One programme; ``programme_id`` "" is the group of projects without a programme."""

    main_title = "Projects"
    main_columns = PROJECT_COLUMNS
    main_kind = "project"
    red_columns = RED_COLUMNS_IN_PROGRAMME

    def __init__(self, programme_id: str) -> None:
        super().__init__()
        self.programme_id = programme_id

    def retarget(self, programme_id: str) -> None:
        """Show another programme in this (already built) screen: drilling reuses it."""
        if programme_id == self.programme_id:
            return
        self.programme_id = programme_id
        if not self.is_mounted:
            return
        for grid in self.query(Grid):
            grid.set_filter("")
            grid.set_rows([])
        if self.pmo.snapshot is not None:
            self.show(self.pmo.snapshot)
        main = self.query_one("#main-grid", Grid)
        main.move_to(0)
        main.focus()

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

    def warm(self, snapshot: Snapshot) -> None:
        views.programme_records(snapshot)
        views.programme_project_rows(snapshot, self.programme_id)
        views.red_grid_rows(snapshot, self.programme_id)
        views.upcoming_grid_rows(snapshot, self.programme_id)
        snapshot.curve("programme", self._programme)

    def scope_row(self, snapshot: Snapshot) -> Record | None:
        return views.programme_records(snapshot).get(self.programme_id)

    def scope_programme(self) -> str | None:
        return self.programme_id

    def main_rows(self, snapshot: Snapshot) -> list[GridRow]:
        return views.programme_project_rows(snapshot, self.programme_id)

    def select_project(self, project_id: str) -> None:
        self.query_one("#main-grid", Grid).move_to_key(project_id)

    def detail_for(self, key: str) -> Content:
        if self.snapshot is None:
            return Content("")
        return project_detail(self.snapshot, key)
