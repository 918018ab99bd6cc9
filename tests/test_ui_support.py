# ruff: noqa: E501  (CSV fixtures are kept one record per line)
"""Shared helpers for the UI tests: a small, fixed portfolio on disk and a frozen clock.

The fixture folder is written here (not taken from the generated demo), so the
screens the tests read and the snapshots they compare do not move when the
demo generator changes. Times are frozen by :class:`FrozenSource`, a real
:class:`~pmo_tui.sources.folder.FolderSource` whose load and check times are
pinned, so "data as of" and "last checked" are the same on every run.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from pmo_tui.app import PmoApp
from pmo_tui.model import Portfolio, assemble
from pmo_tui.options import Options
from pmo_tui.screens.triage_state import OPENING
from pmo_tui.sources.base import Change, WatchState
from pmo_tui.sources.folder import FolderSource

AS_OF = date(2026, 6, 30)
FROZEN = datetime(2026, 6, 30, 8, 15, 0)

PROGRAMMES = """programme_id,name,portfolio,manager
PRG-A,Digital services,Gemeente Testdorp,Anna Bakker
PRG-B,Buildings,Gemeente Testdorp,Bram Smit
PRG-C,Energy transition,Gemeente Testdorp,Cor Visser
"""

PROJECTS = """project_id,name,programme_id,manager,start_date,end_date,budget,percent_complete,status,phase,forecast_cost,forecast_end_date,reported_rag
P-01,Citizen portal,PRG-A,Dana Jansen,2025-01-01,2026-12-31,1000000,60,active,build,1250000,2027-03-31,green
P-02,[WIP] Fix login,PRG-A,Erik de Wit,2026-01-01,2026-12-31,200000,50,active,build,205000,2026-12-31,amber
P-03,Data platform,PRG-A,Fleur Mulder,2025-07-01,2027-06-30,800000,40,active,design,,,amber
P-04,Town hall renovation,PRG-B,Gijs Kok,2024-01-01,2026-03-31,2500000,100,closed,done,2400000,2026-03-31,green
P-05,Sports hall,PRG-B,Hanna Bos,2026-01-01,2027-12-31,1200000,10,active,design,1300000,2027-12-31,green
P-06,Solar panels,PRG-C,Ivo Peters,2026-03-01,2026-12-31,300000,,active,start,,,
P-07,Heat transition,PRG-C,Jet Vos,2025-06-01,2027-05-31,500000,55,active,build,495000,2027-05-31,green
"""

MILESTONES = """milestone_id,project_id,name,baseline_date,forecast_date,actual_date
M-01,P-01,Go-live,2026-09-01,2026-12-15,
M-02,P-01,Pilot,2026-03-01,2026-03-10,2026-03-10
M-03,P-02,Login fix deployed,2026-07-15,2026-07-20,
M-04,P-03,Design approved,2026-07-10,2026-07-10,
M-05,P-05,Permit granted,2026-07-25,2026-08-20,
M-06,P-07,Plan adopted,2026-05-01,2026-05-01,
M-07,P-06,Installation,2026-10-01,,
M-08,P-04,Handover,2026-03-15,2026-03-31,2026-03-31
M-98,P-03,Bad date,31-31-2026,,
M-99,P-99,Orphan,2026-08-01,,
"""

ISSUES = """issue_id,project_id,title,type,severity,status,owner,raised_date,due_date,description
I-01,P-01,Vendor late,issue,critical,open,Ann de Vries,2026-05-01,2026-06-15,The vendor missed two sprints.
I-02,P-01,Scope creep,risk,high,open,,2026-06-20,2026-07-31,
I-03,P-02,[WIP] Fix login,issue,medium,in progress,Bob Dekker,2026-06-25,2026-07-05,Users cannot log in with eHerkenning.
I-04,P-05,Permit objection,risk,high,open,Carla Meijer,2026-02-01,2026-08-01,
I-05,P-07,Grid congestion,issue,low,closed,Dirk Laan,2026-01-10,2026-02-10,
I-06,P-03,Key person leaving,risk,medium,open,,2025-12-01,,
I-07,P-06,Supplier bankrupt,issue,critical,open,Eva Hoek,2026-06-28,2026-07-10,
"""

CONFIG = """as_of = 2026-06-30

[display]
currency = "€"
"""

#: monthly spend per project (amount per month, months from start up to the as-of month)
SPEND = {
    "P-01": 48000.0,
    "P-02": 17000.0,
    "P-03": 12000.0,
    "P-04": 90000.0,
    "P-05": 21000.0,
    "P-07": 11000.0,
}
STARTS = {
    "P-01": (2025, 1),
    "P-02": (2026, 1),
    "P-03": (2025, 7),
    "P-04": (2024, 1),
    "P-05": (2026, 1),
    "P-07": (2025, 6),
}
ENDS = {"P-04": (2026, 3)}
CATEGORIES = ("staff", "contractors", "licences")


def _months(start: tuple[int, int], end: tuple[int, int]) -> Iterator[tuple[int, int]]:
    year, month = start
    while (year, month) <= end:
        yield year, month
        month += 1
        if month == 13:
            year, month = year + 1, 1


def costs_csv() -> str:
    lines = ["project_id,period,amount,category"]
    for project, monthly in SPEND.items():
        end = ENDS.get(project, (AS_OF.year, AS_OF.month))
        for year, month in _months(STARTS[project], end):
            for share, category in zip((0.5, 0.3, 0.2), CATEGORIES, strict=True):
                lines.append(f"{project},{year:04d}-{month:02d},{monthly * share:.2f},{category}")
    return "\n".join(lines) + "\n"


def write_fixture(folder: Path) -> Path:
    """The fixed test portfolio (3 programmes, 7 projects, 2 bad milestone rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "programmes.csv": PROGRAMMES,
        "projects.csv": PROJECTS,
        "milestones.csv": MILESTONES,
        "issues.csv": ISSUES,
        "costs.csv": costs_csv(),
        "pmo-tui.toml": CONFIG,
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


class FrozenSource:
    """A real folder source whose clock is frozen at ``at`` (for deterministic screens)."""

    def __init__(self, folder: Path, at: datetime = FROZEN, description: str = "") -> None:
        self.inner = FolderSource(folder)
        self.config = self.inner.config
        self.description = description or "fixture portfolio"
        self.at = at
        self.loads = 0

    def _freeze(self, portfolio: Portfolio, previous: Portfolio | None) -> Portfolio:
        states = {
            name: replace(
                state,
                loaded_at=self.at if state.loaded_at is not None else None,
                checked_at=self.at,
            )
            for name, state in portfolio.states.items()
        }
        return assemble(
            states,
            source=self.description,
            previous=previous,
            source_problems=portfolio.source_problems,
        )

    def load(self) -> Portfolio:
        self.loads += 1
        return self._freeze(self.inner.load(), None)

    def refresh(self, previous: Portfolio, change: Change) -> Portfolio:
        self.loads += 1
        return self._freeze(self.inner.refresh(previous, change), previous)

    def watch(self, stop: threading.Event) -> Iterator[Change | WatchState]:
        return iter(())

    def close(self) -> None:
        self.inner.close()


def make_app(folder: Path, **options: object) -> PmoApp:
    """The app on a fixture folder with the frozen clock and a private error log."""
    opts = Options(source=str(folder), **options)  # type: ignore[arg-type]
    return PmoApp(
        opts,
        FrozenSource(folder),
        clock=lambda: FROZEN,
        error_log=folder.parent / "pmo-tui-errors.log",
    )


async def wait_for_data(
    pilot: object, app: PmoApp, timeout: float = 20.0, *, store: bool = True
) -> None:
    """Wait until the first snapshot is on screen and (``store``) the triage store has
    answered: it opens after the first paint, and a screen showing "opening the
    triage store…" is not the screen a test means to look at."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.snapshot is None or app.loading or (store and app.triage_view.state == OPENING):
        if loop.time() > deadline:
            raise AssertionError(
                "the data did not load in time"
                if app.snapshot is None or app.loading
                else "the triage store did not answer in time"
            )
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    await pilot.pause(0.1)  # type: ignore[attr-defined]


def screen_text(app: PmoApp) -> str:
    """What the terminal shows right now, as plain text lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip if not seg.control) for strip in strips)


def test_fixture_loads_with_its_two_bad_rows(tmp_path: Path) -> None:
    """The fixture is what the other UI tests assume: 7 projects, 2 rejected milestones."""
    source = FrozenSource(write_fixture(tmp_path / "portfolio"))
    portfolio = source.load()
    assert len(portfolio["projects"]) == 7
    assert set(portfolio["milestones"]["milestone_id"]) == {f"M-0{i}" for i in range(1, 9)}
    rules = sorted(p.rule for p in portfolio.problems)
    assert len(rules) == 2, rules
    assert portfolio.data_as_of == FROZEN and portfolio.last_checked == FROZEN
