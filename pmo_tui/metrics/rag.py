"""RAG with tolerances (PRODUCT.md §6.4): cost, time and overall, each with reasons.

With tolerances c (cost, a fraction of BAC) and T (time, days) for the project
(nearest configured level wins):

**Cost.** The forecast judged is the reported ``forecast_cost`` when present,
else the typical EAC (BAC / CPI), else, when EV is zero but money has been
spent, the atypical EAC (AC + BAC - EV). Money is compared to the cent.

* red: forecast > BAC x (1 + c);
* amber: forecast > BAC x (1 + c/2): more than half the tolerance used;
* green: otherwise (an underspend is not an exception);
* grey: budget zero or missing, or no forecast at all (no reported
  forecast_cost and no actual cost yet, or percent_complete missing).

**Time.** Two measures, each a slip in days against T:

* the project end: the reported ``forecast_end_date`` minus the planned
  ``end_date``. A project known to be unfinished (percent_complete below 100
  and not closed) cannot finish before the as-of date, so a forecast end in the past, or a
  missing one once the planned end has passed, counts as the as-of date. The
  computed end (start + planned duration / SPI) is shown beside it but does
  not set the colour: SPI-based durations swing wildly early in a project and
  §6.4 names the reported forecast and the key milestones as the time measures;
* the open key milestones: the worst ``rag_slip_days`` (see milestones).

* red: a measure slips more than T;
* amber: a measure slips more than T/2, or a key milestone's forecast (or the
  forecast end) has passed without completion;
* green: at least one measure, none of the above;
* grey: no measure at all (say which data is missing).

**Overall.** Red when cost or time is red; amber when either is amber or the
project has an open critical issue; green when both are green; grey otherwise
(known trouble outranks missing data). Closed projects are judged the same way
on their final figures.

**Watermelon.** The project reports green, amber/green or amber (``reported_rag``,
also the GMPP five-level scale and Dutch rood/oranje/groen) while the computed
RAG is red. Watermelons lead the list of red items (``attention`` = 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmo_tui.metrics import wording
from pmo_tui.metrics.issues import IssueSummary
from pmo_tui.metrics.milestones import MilestoneSummary
from pmo_tui.metrics.na import NONE, divide, is_none, objects

RED, AMBER, GREEN, GREY = "red", "amber", "green", "grey"
RAGS = (RED, AMBER, GREEN, GREY)
#: worst first; grey ranks below green in roll-ups (missing data is not trouble,
#: and is reported through the counts), see rollup.py
SEVERITY = {RED: 3, AMBER: 2, GREEN: 1, GREY: 0}
#: sort order for "what needs attention": watermelons, red, amber, grey, green
ATTENTION = {"watermelon": 0, RED: 1, AMBER: 2, GREY: 3, GREEN: 4}
SYMBOLS = {RED: "● R", AMBER: "◐ A", GREEN: "○ G", GREY: "? ?"}

REPORTED_LEVELS = ("red", "amber/red", "amber", "amber/green", "green")
WATERMELON_LEVELS = frozenset({"amber", "amber/green", "green"})
_TOKENS = {
    "red": "red",
    "rood": "red",
    "r": "red",
    "amber": "amber",
    "orange": "amber",
    "oranje": "amber",
    "geel": "amber",
    "yellow": "amber",
    "a": "amber",
    "green": "green",
    "groen": "green",
    "g": "green",
}


@dataclass(frozen=True, eq=False)
class Rag:
    columns: dict[str, np.ndarray]


def reported_level(reported: pd.Series) -> pd.Series:
    """Normalise a reported RAG text to red | amber/red | amber | amber/green | green (or NA)."""
    return pd.Series(reported_levels(reported), dtype="str")


def reported_levels(reported: pd.Series) -> np.ndarray:
    """:func:`reported_level` as an object array (None for NA); each distinct text read once."""
    values = objects(reported)
    levels: dict[object, str | None] = {None: None}
    out = np.empty(len(values), dtype=object)
    out[:] = [
        levels[v] if v in levels else levels.setdefault(v, _level(str(v))) for v in values.tolist()
    ]
    return out


def _level(text: str) -> str | None:
    raw = text.strip().lower()
    if raw in ("ag", "ar"):
        raw = f"{raw[0]}/{raw[1]}"
    for sep in ("-", "_", " ", "\\", "+", "|"):
        raw = raw.replace(sep, "/")
    tokens = {_TOKENS.get(t) for t in raw.split("/") if t}
    if None in tokens or not tokens:
        return None
    if tokens == {"red"}:
        return "red"
    if tokens == {"amber"}:
        return "amber"
    if tokens == {"green"}:
        return "green"
    if tokens == {"amber", "red"}:
        return "amber/red"
    if tokens == {"amber", "green"}:
        return "amber/green"
    return None


def _texts(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _fill(out: np.ndarray, mask: np.ndarray, make: Callable[[int], str]) -> None:
    idx = np.flatnonzero(mask & is_none(out))
    if len(idx):
        out[idx] = [make(i) for i in idx.tolist()]


def cost_rag(
    *,
    bac: np.ndarray,
    ac: np.ndarray,
    ev: np.ndarray,
    eac: np.ndarray,
    eac_atypical: np.ndarray,
    reported: np.ndarray,
    tol: np.ndarray,
    costs_present: bool,
    currency: str,
) -> dict[str, np.ndarray]:
    n = len(bac)
    basis = np.where(
        np.isfinite(reported),
        "reported",
        np.where(
            np.isfinite(eac),
            "typical",
            np.where((ac > 0) & np.isfinite(eac_atypical) & (ev == 0), "atypical", NONE),
        ),
    ).astype(object)
    forecast = np.where(
        basis == "reported",
        reported,
        np.where(basis == "typical", eac, np.where(basis == "atypical", eac_atypical, np.nan)),
    )
    usable = np.isfinite(forecast) & np.isfinite(bac) & (bac > 0)
    f_c = np.rint(np.where(usable, forecast, 0) * 100)
    red_limit = np.rint(np.where(usable, bac * (1 + tol), 0) * 100)
    amber_limit = np.rint(np.where(usable, bac * (1 + tol / 2), 0) * 100)
    rag = np.where(
        ~usable, GREY, np.where(f_c > red_limit, RED, np.where(f_c > amber_limit, AMBER, GREEN))
    )
    overrun = np.where(usable, divide(forecast - bac, bac), np.nan)
    used = np.where(usable & (tol > 0), divide(overrun, tol), np.nan)

    label = {
        "reported": "reported forecast",
        "typical": "EAC",
        "atypical": "EAC (AC + BAC − EV, as EV is zero)",
    }
    lab = [label.get(b, "") for b in basis.tolist()]
    no_basis = ~usable & is_none(basis)
    reason = _texts(n)
    _fill(reason, ~np.isfinite(bac), lambda i: "no budget (BAC)")
    _fill(reason, bac == 0, lambda i: "budget is zero: no cost tolerance to measure against")
    _fill(
        reason,
        no_basis & np.isfinite(ac) & (ac == 0),
        lambda i: "no actual cost yet and no reported forecast_cost: nothing to forecast from",
    )
    _fill(
        reason,
        no_basis & ~np.isfinite(ev),
        lambda i: "percent_complete missing and no reported forecast_cost: EAC unknown",
    )
    _fill(
        reason,
        no_basis & (not costs_present),
        lambda i: "no costs table and no reported forecast_cost: EAC unknown",
    )
    _fill(reason, ~usable, lambda i: "no cost forecast available")

    fs = wording.money_list(np.where(usable, forecast, 0.0), currency)
    bs = wording.money_list(np.where(usable, bac, 0.0), currency)
    os_ = wording.percent_list(np.where(usable, overrun, 0.0))
    ts = wording.tolerance_list(tol)
    _fill(
        reason,
        rag == RED,
        lambda i: f"{lab[i]} {fs[i]} exceeds BAC {bs[i]} by {os_[i]} (tolerance {ts[i]})",
    )
    _fill(
        reason,
        rag == AMBER,
        lambda i: (
            f"{lab[i]} {fs[i]} is {os_[i]} over BAC {bs[i]}:"
            f" more than half of the {ts[i]} tolerance used"
        ),
    )
    _fill(
        reason,
        (rag == GREEN) & (overrun > 0),
        lambda i: (
            f"{lab[i]} {fs[i]} is {os_[i]} over BAC {bs[i]}, within half of the {ts[i]} tolerance"
        ),
    )
    _fill(reason, rag == GREEN, lambda i: f"{lab[i]} {fs[i]} is within BAC {bs[i]}")
    return {
        "cost_rag": rag.astype(object),
        "cost_rag_reason": reason,
        "cost_forecast": np.where(usable | np.isfinite(forecast), forecast, np.nan),
        "cost_forecast_basis": basis,
        "cost_overrun": overrun,
        "cost_tolerance_used": used,
    }


def time_rag(
    *,
    closed: np.ndarray,
    pc: np.ndarray,
    end: np.ndarray,
    reported_end: np.ndarray,
    tol: np.ndarray,
    today: float,
    ms: MilestoneSummary,
) -> dict[str, np.ndarray]:
    n = len(end)
    # known to be unfinished (below 100% and not closed): it cannot finish before today.
    # With percent_complete unknown nobody can tell whether it finished, so the
    # reported dates are taken as they are.
    unfinished = ~closed & np.isfinite(pc) & (pc < 100)
    passed_fc = unfinished & np.isfinite(reported_end) & (reported_end < today)
    passed_end = unfinished & ~np.isfinite(reported_end) & np.isfinite(end) & (end < today)
    end_eff = np.where(passed_fc | passed_end, today, reported_end)
    end_slip = end_eff - end

    ms_slip = ms.worst_slip
    ms_overdue = ~is_none(ms.overdue_id)
    has_end, has_ms = np.isfinite(end_slip), np.isfinite(ms_slip)
    worst = np.fmax(end_slip, ms_slip)
    red = (end_slip > tol) | (ms_slip > tol)
    amber = (end_slip > tol / 2) | (ms_slip > tol / 2) | ms_overdue | passed_fc | passed_end
    rag = np.where(red, RED, np.where(amber, AMBER, np.where(has_end | has_ms, GREEN, GREY)))
    used = np.where(tol > 0, divide(worst, tol), np.nan)

    end_s, fc_s = wording.iso_days(end), wording.iso_days(reported_end)
    od_s, wd_s = wording.iso_days(ms.overdue_day), wording.iso_days(ms.worst_due)
    # plain lists: indexing them per row is far cheaper than indexing numpy arrays
    tol_s = wording.count_days(tol)
    slip_l, slip_s = end_slip.tolist(), wording.count_days(np.abs(end_slip))
    ms_l, ms_s = ms_slip.tolist(), wording.count_days(ms_slip)
    pc_l = pc.tolist()
    passed_end_l, passed_fc_l = passed_end.tolist(), passed_fc.tolist()
    overdue_l = np.asarray(ms.worst_overdue, dtype=bool).tolist()
    names = [wording.quoted(v) if v is not None else "" for v in ms.worst_name.tolist()]

    def end_text(i: int) -> str:
        slip = slip_l[i]
        if passed_end_l[i]:
            return (
                f"past its end date {end_s[i]} and {_pc(pc_l[i])} complete:"
                f" at least {slip_s[i]} late (tolerance {tol_s[i]})"
            )
        if passed_fc_l[i]:
            return (
                f"forecast end {fc_s[i]} has passed and the project is {_pc(pc_l[i])} complete:"
                f" at least {slip_s[i]} late (tolerance {tol_s[i]})"
            )
        if slip > 0:
            return (
                f"forecast end {fc_s[i]} is {slip_s[i]} after the planned end"
                f" {end_s[i]} (tolerance {tol_s[i]})"
            )
        if slip < 0:
            return f"forecast end {fc_s[i]} is {slip_s[i]} before the planned end {end_s[i]}"
        return f"forecast end {fc_s[i]} is on the planned end date"

    def ms_text(i: int) -> str:
        if overdue_l[i]:
            return (
                f"key milestone {names[i]} was due {wd_s[i]} and is not done:"
                f" at least {ms_s[i]} late (tolerance {tol_s[i]})"
            )
        if ms_l[i] > 0:
            return f"key milestone {names[i]} slips {ms_s[i]} (tolerance {tol_s[i]})"
        return f"key milestone {names[i]} is on or ahead of baseline"

    reasons: list[np.ndarray] = []
    for mask, maker in (
        ((end_slip > tol), end_text),
        ((ms_slip > tol), ms_text),
        (
            ((end_slip > tol / 2) | passed_fc | passed_end) & ~(end_slip > tol),
            lambda i: (
                end_text(i)
                + (
                    ""
                    if passed_fc_l[i] or passed_end_l[i]
                    else ": more than half of the tolerance used"
                )
            ),
        ),
        (
            (ms_slip > tol / 2) & ~(ms_slip > tol),
            lambda i: ms_text(i) + ": more than half of the tolerance used",
        ),
        (
            ms_overdue & ~(ms_slip > tol / 2),
            lambda i: (
                f"key milestone {wording.quoted(ms.overdue_name[i])} was due {od_s[i]}"
                " and is not done"
            ),
        ),
        ((rag == GREEN) & has_end, end_text),
        ((rag == GREEN) & has_ms, ms_text),
        (rag == GREY, lambda i: _grey_time(float(end[i]), float(reported_end[i]))),
    ):
        arr = _texts(n)
        _fill(arr, mask, maker)
        reasons.append(arr)
    return {
        "time_rag": rag.astype(object),
        "time_rag_reason": _join(reasons, n),
        "end_slip_days": end_slip,
        "max_key_slip_days": ms_slip,
        "time_tolerance_used": used,
    }


def _pc(value: float) -> str:
    return "of unknown %" if not np.isfinite(value) else f"{value:g}%"


def _grey_time(end: float, reported: float) -> str:
    missing = []
    if not np.isfinite(end):
        missing.append("no planned end date")
    if not np.isfinite(reported):
        missing.append("no forecast_end_date")
    missing.append("no open key milestone with a forecast")
    return "not enough schedule data: " + ", ".join(missing)


def _join(parts: list[np.ndarray], n: int, sep: str = "; ") -> np.ndarray:
    out = np.full(n, None, dtype=object)
    if parts:  # one list built in Python, assigned to the array once
        out[:] = [
            sep.join(texts) if (texts := [t for t in row if t]) else None
            for row in zip(*(p.tolist() for p in parts), strict=True)
        ]
    return out


def data_gaps(
    *, pc: np.ndarray, start: np.ndarray, end: np.ndarray, costs_present: bool
) -> np.ndarray:
    """Per project: "not enough data to confirm green: ..." or None."""
    n = len(pc)
    parts = [
        (~np.isfinite(pc), "percent_complete missing (no EV)"),
        (~np.isfinite(start), "no start date"),
        (~np.isfinite(end), "no end date"),
        (np.full(n, not costs_present), "no costs table (no AC)"),
    ]
    out = _texts(n)
    any_gap = np.zeros(n, dtype=bool)
    for mask, _ in parts:
        any_gap |= mask
    idx = np.flatnonzero(any_gap)
    if len(idx):
        out[idx] = [
            "not enough data to confirm green: "
            + ", ".join(text for mask, text in parts if mask[i])
            for i in idx.tolist()
        ]
    return out


def overall(
    *,
    cost: dict[str, np.ndarray],
    time: dict[str, np.ndarray],
    issues: IssueSummary,
    reported: pd.Series,
    gaps: np.ndarray,
) -> dict[str, np.ndarray]:
    """Combine cost, time and critical issues; ``gaps`` (text or None per project) names
    the missing basics (percent_complete, start or end date, costs table) without which
    a green cannot be confirmed."""
    c, t = cost["cost_rag"], time["time_rag"]
    n = len(c)
    crit = issues.counts["open_critical"]
    red = (c == RED) | (t == RED)
    amber = (c == AMBER) | (t == AMBER) | (crit > 0)
    green = (c == GREEN) & (t == GREEN) & is_none(gaps)
    rag = np.where(red, RED, np.where(amber, AMBER, np.where(green, GREEN, GREY))).astype(object)

    crit_text = _texts(n)
    _fill(
        crit_text,
        crit > 0,
        lambda i: (
            f"{int(crit[i])} open critical issue{'s' if crit[i] != 1 else ''}"
            f" (e.g. {issues.critical_id[i]} {wording.quoted(issues.critical_title[i], 50)})"
        ),
    )

    # reasons: the components at the overall colour first, then the other non-green ones
    c_txt, t_txt = cost["cost_rag_reason"].tolist(), time["time_rag_reason"].tolist()
    rag_l, c_l, t_l = rag.tolist(), c.tolist(), t.tolist()
    i_l, g_l = crit_text.tolist(), gaps.tolist()
    # built as Python lists and assigned to the arrays once (item assignment is slow)
    reason_l: list[tuple[str, ...]] = []
    for i, colour in enumerate(rag_l):
        if colour == GREEN:  # the common case: both measures green, nothing else to say
            reason_l.append((c_txt[i], t_txt[i]))
            continue
        items = [(c_l[i], c_txt[i]), (t_l[i], t_txt[i])]
        if i_l[i]:
            items.append((AMBER, i_l[i]))
        if g_l[i]:
            items.insert(0, (GREY, g_l[i]))
        lead = [txt for col, txt in items if col == colour and txt]
        rest = [txt for col, txt in items if col not in (colour, GREEN) and txt]
        if colour == GREY:
            rest += [txt for col, txt in items if col == GREEN and txt]
        reason_l.append(tuple(lead + rest))
    # fromiter: each tuple stays one element (slice assignment could broadcast them)
    reasons = np.fromiter(reason_l, dtype=object, count=n)
    joined = np.fromiter(("; ".join(r) for r in reason_l), dtype=object, count=n)

    level_arr = reported_levels(reported)
    watermelon = (rag == RED) & np.isin(level_arr, list(WATERMELON_LEVELS))
    attention = np.select(
        [watermelon, rag == RED, rag == AMBER, rag == GREY],
        [ATTENTION["watermelon"], ATTENTION[RED], ATTENTION[AMBER], ATTENTION[GREY]],
        ATTENTION[GREEN],
    )
    return {
        "rag": rag,
        "rag_reason": joined,
        "rag_reasons": reasons,
        "reported_rag_level": level_arr,
        "watermelon": watermelon,
        "attention": np.asarray(attention, dtype=np.int64),
    }
