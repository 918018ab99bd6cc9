"""The portfolio screen: every programme, the whole-portfolio tiles, chart and lists."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content

from pmo_tui.screens import views
from pmo_tui.screens.rows import PROGRAMME_COLUMNS, programme_key
from pmo_tui.screens.scope import ScopeScreen, _na, _value
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.views import Record
from pmo_tui.text import one_line
from pmo_tui.widgets.fmt import rag_label, rag_tone
from pmo_tui.widgets.grid import Grid, GridRow


class PortfolioScreen(ScopeScreen):
    """The root screen; ``q`` quits here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", id="quit"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    crumbs = ("Portfolio",)
    main_title = "Programmes"
    main_columns = PROGRAMME_COLUMNS
    main_kind = "programme"

    def __init__(self) -> None:
        super().__init__(id="portfolio")

    @property
    def chart_scope(self) -> tuple[str, str | None, str]:
        return ("portfolio", None, "Portfolio")

    def warm(self, snapshot: Snapshot) -> None:
        views.warm(snapshot)

    def scope_row(self, snapshot: Snapshot) -> Record | None:
        return views.portfolio_record(snapshot)

    def scope_programme(self) -> str | None:
        return None

    def main_rows(self, snapshot: Snapshot) -> list[GridRow]:
        return views.programme_grid_rows(snapshot)

    def select_programme(self, programme_id: str) -> None:
        self.query_one("#main-grid", Grid).move_to_key(programme_key(programme_id))

    def detail_for(self, key: str) -> Content:
        if self.snapshot is None:
            return Content("")
        row = views.programme_records(self.snapshot).get(key)
        if row is None:
            return Content("")
        rag = _value(row, "rag")
        parts: list[Content | tuple[str, str] | str] = [
            (rag_label(rag), f"bold $rag-{rag_tone(rag)}"),
            " ",
            (one_line(_value(row, "name") or key, 50), "bold"),
            ": ",
            one_line(_value(row, "rag_reason") or "no reason given"),
        ]
        incomplete = _value(row, "incomplete")
        if incomplete:
            parts += [("  note: ", "$muted"), (one_line(incomplete), "$muted")]
        missing = [
            f"{n.upper()} ({_na(row, n)})"
            for n in ("cpi", "spi")
            if _value(row, n) is None and _na(row, n)
        ]
        if missing:
            parts += [("  n/a: ", "$muted"), ("; ".join(missing), "$muted")]
        return Content.assemble(*parts)
