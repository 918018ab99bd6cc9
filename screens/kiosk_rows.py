"""What the wall display shows, built from a snapshot (no textual widgets here).

Each kiosk view gets its rows from a function here; results are cached on the
snapshot, so cycling through the views costs nothing until the data changes.
Every text from the data goes through :func:`pmo_tui.text.one_line`; the
widgets render it as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pmo_tui.screens.rows import objects
from pmo_tui.screens.scope import _na, _value
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.views import portfolio_record
from pmo_tui.text import one_line
from pmo_tui.widgets.board import BoardColumn, BoardRow
from pmo_tui.widgets.fmt import RAG_LABELS, Formatter, is_missing, rag_tone
from pmo_tui.widgets.wall import BigFigure, Headline

#: view name -> title on the wall (the names are what --cycle and [kiosk] cycle take)
VIEWS: dict[str, str] = {
    "portfolio": "Portfolio overview",
    "red": "Red projects",
    "milestones": "Milestones due",
    "risks": "Top risks and issues",
    "burn": "Portfolio burn",
}

#: a view shows at most this many rows; the rest are counted
ROW_LIMIT = 60

RAG_WORDS = {"red": "RED", "amber": "AMBER", "green": "GREEN", "grey": "GREY"}
SEVERITY_WORDS = {4: "CRITICAL", 3: "HIGH", 2: "MEDIUM", 1: "LOW"}
SEVERITY_TONES = {4: "red", 3: "amber", 2: "", 1: "dim"}
MILESTONE_WORDS = {
    "done": "✓ DONE",
    "on track": "· ON TRACK",
    "at risk": "~ AT RISK",
    "late": "✗ LATE",
    "missing data": "? NO DATA",
}
MILESTONE_TONES = {
    "done": "dim",
    "on track": "green",
    "at risk": "amber",
    "late": "red",
    "missing data": "grey",
}


class UnknownView(ValueError):
    """A --cycle or [kiosk] cycle name that is not a view."""


def parse_cycle(names: Sequence[str], where: str = "--cycle") -> tuple[str, ...]:
    """The views to cycle through, in order; an unknown name raises UnknownView."""
    cleaned = tuple(n.strip().lower() for n in names if n and n.strip())
    unknown = [n for n in cleaned if n not in VIEWS]
    if unknown:
        raise UnknownView(
            f"{where}: unknown view{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(n) for n in unknown)}; the views are {', '.join(VIEWS)}"
        )
    if not cleaned:
        raise UnknownView(f"{where} names no view; the views are {', '.join(VIEWS)}")
    return cleaned


def rag_word(rag: object) -> str:
    """``RED``/``AMBER``/``GREEN``/``GREY`` (anything else reads as GREY)."""
    key = "grey" if is_missing(rag) else one_line(rag).lower()
    return RAG_WORDS.get(key, "GREY")


def rag_cell(rag: object) -> str:
    """``● RED``: symbol and word, so the state never depends on colour."""
    key = "grey" if is_missing(rag) else one_line(rag).lower()
    symbol = RAG_LABELS.get(key, RAG_LABELS["grey"]).split()[0]
    return f"{symbol} {rag_word(rag)}"


# -- portfolio overview -------------------------------------------------------------


def _ratio_tone(value: object) -> str:
    if value is None or is_missing(value):
        return "grey"
    number = float(value)  # type: ignore[arg-type]
    return "red" if number < 0.9 else "amber" if number < 0.95 else "green"


def headline(snapshot: Snapshot) -> tuple[Headline, tuple[BigFigure, ...]]:
    """The portfolio's RAG with its reason and counts, and its key figures as tiles."""

    def make() -> tuple[Headline, tuple[BigFigure, ...]]:
        row = portfolio_record(snapshot)
        fmt = snapshot.fmt
        rag = _value(row, "rag")
        counts = tuple(
            (c, int(_value(row, f"n_{c}") or 0))  # type: ignore[call-overload]
            for c in ("red", "amber", "green", "grey")
        )
        bac, eac, vac = _value(row, "bac"), _value(row, "eac"), _value(row, "vac")
        spent = _value(row, "pct_budget_spent")
        over = vac is not None and bac and float(vac) < -0.1 * float(bac)  # type: ignore[arg-type]

        def na_note(column: str) -> str:
            reason = _na(row, column)
            return f"n/a: {reason}" if reason else ""

        figures = (
            BigFigure("BAC budget", fmt.money_compact(bac), "", fmt.money(bac)),
            BigFigure(
                "AC spent",
                fmt.money_compact(_value(row, "ac")),
                "",
                f"{fmt.percent(spent)} of budget" if spent is not None else na_note("ac"),
            ),
            BigFigure(
                "EAC forecast",
                fmt.money_compact(eac),
                "red" if over else "",
                f"VAC {fmt.money_compact(vac)}" if vac is not None else na_note("eac"),
            ),
            BigFigure(
                "CPI cost",
                fmt.ratio(_value(row, "cpi")),
                _ratio_tone(_value(row, "cpi")),
                na_note("cpi") or "earned / spent",
            ),
            BigFigure(
                "SPI schedule",
                fmt.ratio(_value(row, "spi")),
                _ratio_tone(_value(row, "spi")),
                na_note("spi") or "earned / planned",
            ),
        )
        head = Headline(
            scope="PORTFOLIO",
            rag="grey" if rag is None else rag_tone(rag),
            reason=one_line(_value(row, "rag_reason") or ""),
            counts=counts,
            watermelons=int(_value(row, "n_watermelon") or 0),  # type: ignore[call-overload]
        )
        return head, figures

    result: tuple[Headline, tuple[BigFigure, ...]] = snapshot.cached(("kiosk", "headline"), make)
    return result


PROGRAMME_BOARD = (
    BoardColumn("rag", "RAG", 9, min_width=9),
    BoardColumn("name", "Programme", 30, flex=True, min_width=14),
    BoardColumn("counts", "Red/Amb/Grn", 11, align="right", priority=3),
    BoardColumn("cpi", "CPI", 5, align="right", priority=1),
    BoardColumn("spi", "SPI", 5, align="right", priority=1),
    BoardColumn("eac", "EAC", 8, align="right", priority=2),
    BoardColumn("bac", "BAC", 8, align="right", priority=2),
)


def programme_board(snapshot: Snapshot) -> list[BoardRow]:
    """Programmes, worst first (red, amber, grey, green), with their reasons."""

    def make() -> list[BoardRow]:
        frame = snapshot.metrics.programmes
        fmt = snapshot.fmt
        order = {"red": 0, "amber": 1, "grey": 2, "green": 3}
        rows = []
        for r in _records(frame):
            rag = r.get("rag")
            watermelons = int(r.get("n_watermelon") or 0)
            reason = one_line(r.get("rag_reason") or "")
            if watermelons:
                plural = "s" if watermelons != 1 else ""
                reason = f"{watermelons} watermelon{plural}: {reason}"
            counts = "/".join(str(int(r.get(f"n_{c}") or 0)) for c in ("red", "amber", "green"))
            rows.append(
                (
                    order.get(rag_tone(rag), 9),
                    BoardRow(
                        key=str(r.get("programme_id") or ""),
                        cells=(
                            rag_cell(rag),
                            one_line(r.get("name") or r.get("programme_id") or "(no programme)"),
                            counts,
                            fmt.ratio(r.get("cpi")),
                            fmt.ratio(r.get("spi")),
                            fmt.money_compact(r.get("eac")),
                            fmt.money_compact(r.get("bac")),
                        ),
                        tones=(
                            rag_tone(rag),
                            "strong",
                            "",
                            _ratio_tone(r.get("cpi")),
                            _ratio_tone(r.get("spi")),
                            "",
                            "dim",
                        ),
                        detail=reason,
                        big=rag_word(rag),
                    ),
                )
            )
        rows.sort(key=lambda item: item[0])
        return [row for _, row in rows]

    result: list[BoardRow] = snapshot.cached(("kiosk", "programmes"), make)
    return result


# -- red projects -----------------------------------------------------------------------

RED_BOARD = (
    BoardColumn("rag", "RAG", 9, min_width=9),
    BoardColumn("name", "Project", 28, flex=True, min_width=14),
    BoardColumn("programme", "Programme", 18, priority=2, min_width=10),
    BoardColumn("reported", "Reports", 12, priority=1, min_width=9),
    BoardColumn("eac", "EAC vs BAC", 17, align="right", priority=3),
)


def red_board(snapshot: Snapshot) -> tuple[list[BoardRow], int, int]:
    """(red projects, watermelons first, reasons as detail; how many red; how many watermelons)."""

    def make() -> tuple[list[BoardRow], int, int]:
        frame = snapshot.metrics.red_items()
        fmt = snapshot.fmt
        watermelons = int(frame["watermelon"].fillna(False).astype(bool).sum())
        rows = []
        for r in _records(frame.head(ROW_LIMIT)):
            watermelon = bool(r.get("watermelon"))
            reported = one_line(r.get("reported_rag") or "").upper()
            rows.append(
                BoardRow(
                    key=str(r.get("project_id")),
                    cells=(
                        "● RED W" if watermelon else "● RED",
                        one_line(r.get("name") or r.get("project_id")),
                        one_line(r.get("programme_name") or ""),
                        f"W {reported}" if watermelon else (reported or "–"),
                        f"{fmt.money_compact(r.get('eac'))} / {fmt.money_compact(r.get('bac'))}",
                    ),
                    tones=("red", "strong", "dim", "red" if watermelon else "", ""),
                    detail=(
                        f"watermelon: reports {one_line(r.get('reported_rag') or '')} but "
                        if watermelon
                        else ""
                    )
                    + one_line(r.get("rag_reason") or "no reason given"),
                    big="RED",
                )
            )
        return rows, len(frame), watermelons

    result: tuple[list[BoardRow], int, int] = snapshot.cached(("kiosk", "red"), make)
    return result


# -- milestones due -----------------------------------------------------------------------

MILESTONE_BOARD = (
    BoardColumn("due", "Due", 10, min_width=10),
    BoardColumn("in", "In", 5, align="right", priority=2, min_width=4),
    BoardColumn("status", "Status", 11, min_width=10),
    BoardColumn("name", "Milestone", 24, flex=True, min_width=12),
    BoardColumn("project", "Project", 18, flex=True, priority=1, min_width=10),
    BoardColumn("slip", "Slip", 6, align="right", priority=3),
)


def milestone_board(snapshot: Snapshot) -> tuple[list[BoardRow], int]:
    """(milestones due in the next ``upcoming_days`` days, soonest first; how many in all)."""

    def make() -> tuple[list[BoardRow], int]:
        frame = snapshot.metrics.upcoming_milestones()
        fmt = snapshot.fmt
        rows = []
        for r in _records(frame.head(ROW_LIMIT)):
            status = "missing data" if r.get("status") is None else one_line(r.get("status"))
            slip = r.get("slip_days")
            days = r.get("days_until_due")
            rows.append(
                BoardRow(
                    key=f"{r.get('project_id')}\x1f{r.get('milestone_id')}",
                    cells=(
                        fmt.date(r.get("due_date")),
                        "today" if days == 0 else (f"{int(days)}d" if days is not None else "n/a"),
                        MILESTONE_WORDS.get(status, f"? {status.upper()}"),
                        one_line(r.get("name") or r.get("milestone_id")),
                        one_line(r.get("project_name") or r.get("project_id")),
                        fmt.days(slip),
                    ),
                    tones=(
                        "strong",
                        "",
                        MILESTONE_TONES.get(status, "grey"),
                        "strong",
                        "dim",
                        "red" if slip is not None and float(slip) > 0 else "",
                    ),
                )
            )
        return rows, len(frame)

    result: tuple[list[BoardRow], int] = snapshot.cached(("kiosk", "milestones"), make)
    return result


# -- top risks and issues -----------------------------------------------------------------

RISK_BOARD = (
    BoardColumn("severity", "Severity", 10, min_width=10),
    BoardColumn("type", "Type", 10, priority=3, min_width=6),
    BoardColumn("title", "Title", 28, flex=True, min_width=14),
    BoardColumn("project", "Project", 18, flex=True, priority=1, min_width=10),
    BoardColumn("owner", "Owner", 16, priority=2, min_width=10),
    BoardColumn("due", "Due", 12, align="right", priority=4, min_width=10),
)


def open_issue_order(issues: pd.DataFrame) -> pd.DataFrame:
    """Open issues, most pressing first: severity, then days overdue, then due date, then age."""
    open_ = issues.loc[issues["open"].fillna(True).astype(bool)]
    key = pd.DataFrame(
        {
            "sev": -open_["severity"].fillna(0).astype("int64").to_numpy(),
            "late": -open_["days_overdue"].fillna(0).astype("float64").to_numpy(),
            "due": open_["due_date"].to_numpy(dtype="datetime64[s]"),
            "age": -open_["age_days"].fillna(0).astype("float64").to_numpy(),
            "id": open_["issue_id"].astype("str").to_numpy(),
        }
    )
    order = key.sort_values(["sev", "late", "due", "age", "id"], kind="mergesort").index
    return open_.iloc[np.asarray(order)]


def risk_board(snapshot: Snapshot) -> tuple[list[BoardRow], int]:
    """(the top ``ROW_LIMIT`` open risks and issues, how many are open in all)."""

    def make() -> tuple[list[BoardRow], int]:
        ordered = open_issue_order(snapshot.metrics.issues)
        fmt = snapshot.fmt
        rows = []
        for r in _records(ordered.head(ROW_LIMIT)):
            severity = r.get("severity")
            level = None if severity is None else int(severity)
            late = r.get("days_overdue")
            owner = one_line(r.get("owner") or "")
            due = (
                f"{int(late)}d late"
                if late is not None and float(late) > 0
                else fmt.date(r.get("due_date"))
            )
            word = SEVERITY_WORDS.get(level or 0, "UNRATED")
            rows.append(
                BoardRow(
                    key=str(r.get("issue_id")),
                    cells=(
                        ("▲ " if level == 4 else "△ " if level == 3 else "· ") + word,
                        one_line(r.get("type") or "").upper() or "–",
                        one_line(r.get("title") or r.get("issue_id")),
                        one_line(r.get("project_name") or r.get("project_id")),
                        owner or "— UNASSIGNED",
                        due,
                    ),
                    tones=(
                        SEVERITY_TONES.get(level or 0, "grey"),
                        "dim",
                        "strong",
                        "dim",
                        "" if owner else "amber",
                        "red" if late is not None and float(late) > 0 else "",
                    ),
                    detail=" · ".join(
                        part
                        for part in (
                            one_line(r.get("issue_id")),
                            f"raised {fmt.date(r.get('raised_date'))}"
                            if r.get("raised_date") is not None
                            else "",
                            one_line(r.get("description") or "", 300),
                        )
                        if part
                    ),
                    big=word,
                )
            )
        return rows, len(ordered)

    result: tuple[list[BoardRow], int] = snapshot.cached(("kiosk", "risks"), make)
    return result


# -- burn -----------------------------------------------------------------------------------


def burn_facts(snapshot: Snapshot) -> list[tuple[str, str, str]]:
    """(label, value, tone) under the portfolio burn chart."""
    row = portfolio_record(snapshot)
    fmt: Formatter = snapshot.fmt
    run_out = _value(row, "run_out_date")
    return [
        ("BAC", fmt.money_compact(_value(row, "bac")), ""),
        ("PV", fmt.money_compact(_value(row, "pv")), ""),
        ("EV", fmt.money_compact(_value(row, "ev")), ""),
        ("AC", fmt.money_compact(_value(row, "ac")), ""),
        ("CPI", fmt.ratio(_value(row, "cpi")), _ratio_tone(_value(row, "cpi"))),
        ("SPI", fmt.ratio(_value(row, "spi")), _ratio_tone(_value(row, "spi"))),
        ("burn/month", fmt.money_compact(_value(row, "burn_rate")), ""),
        ("run-out", fmt.date(run_out) if run_out is not None else "n/a", ""),
        ("spent", fmt.percent(_value(row, "pct_budget_spent")), ""),
    ]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None for every missing value."""
    columns = [str(c) for c in frame.columns]
    arrays = [objects(frame[c]) for c in columns]
    out = []
    for values in zip(*arrays, strict=True):
        out.append(
            {
                c: (None if v is not None and not isinstance(v, str) and is_missing(v) else v)
                for c, v in zip(columns, values, strict=True)
            }
        )
    return out


def warm(snapshot: Snapshot, views: Sequence[str]) -> None:
    """Build what the views in ``views`` show (in the load worker; cached on the snapshot)."""
    builders = {
        "portfolio": lambda: (headline(snapshot), programme_board(snapshot)),
        "red": lambda: red_board(snapshot),
        "milestones": lambda: milestone_board(snapshot),
        "risks": lambda: risk_board(snapshot),
        "burn": lambda: (burn_facts(snapshot), snapshot.curve("portfolio")),
    }
    for name in views:
        build = builders.get(name)
        if build is not None:
            build()
