"""Built-in names: which file is which table, which header is which column,
which value is which canonical value. Dutch and English, as PMO exports write them.

Everything is compared after :func:`norm`: case-folded, stripped, with ``_``,
``-``, ``.``, ``/`` and runs of spaces folded into one space. A header that
does not match is tried once more without a trailing unit in brackets, so
``Budget (EUR)`` and ``Begroting (€)`` are the budget.

The config (``[files]``, ``[columns.T]``, ``[values.T.C]``) always wins over
these built-ins. ``docs/data-folder.md`` lists them for the officer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SEP = re.compile(r"[\s_\-./]+")
_UNIT = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


def norm(text: str) -> str:
    """The comparable form of a name or value."""
    return _SEP.sub(" ", text.replace("\ufeff", "").casefold()).strip()


def without_unit(normed: str) -> str:
    """``budget (eur)`` -> ``budget``."""
    return _UNIT.sub("", normed).strip()


def _n(*names: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(norm(n) for n in names))


# -- tables (file names and sheet names) ---------------------------------------

TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "programmes": _n(
        "programmes", "programme", "programs", "program", "programmas", "programma's", "programma"
    ),
    "projects": _n("projects", "project", "projecten", "project list", "projectenlijst"),
    "milestones": _n("milestones", "milestone", "mijlpalen", "mijlpaal"),
    "costs": _n(
        "costs",
        "cost",
        "actuals",
        "actual costs",
        "kosten",
        "realisatie",
        "uitgaven",
        "werkelijke kosten",
    ),
    "plan": _n(
        "plan",
        "planned value",
        "planned",
        "pv",
        "kasritme",
        "budgetplan",
        "budget plan",
        "begrotingsplan",
    ),
    "issues": _n(
        "issues",
        "issue",
        "risks",
        "risk",
        "risks and issues",
        "raid",
        "raid log",
        "issue log",
        "risk log",
        "risico's",
        "risicos",
        "risico",
        "issuelog",
        "risicolog",
        "risico's en issues",
    ),
}
_TABLE_BY_ALIAS = {alias: table for table, names in TABLE_ALIASES.items() for alias in names}


def table_for_name(stem: str) -> str | None:
    """The table a file stem or sheet name stands for, if any."""
    key = norm(stem)
    return _TABLE_BY_ALIAS.get(key) or _TABLE_BY_ALIAS.get(without_unit(key))


# -- columns --------------------------------------------------------------------

_PROJECT_REF = (
    "project_id",
    "project id",
    "projectid",
    "project code",
    "projectcode",
    "projectnummer",
    "project number",
    "project nr",
    "projectnr",
    "project no",
    "project ref",
    "project",
)
_PERIOD = (
    "period",
    "month",
    "maand",
    "periode",
    "boekperiode",
    "date",
    "datum",
    "boekdatum",
    "posting date",
)

HEADER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "programmes": {
        "programme_id": _n(
            "programme_id",
            "programme id",
            "program id",
            "programme code",
            "program code",
            "programmacode",
            "programma id",
            "programmanummer",
            "programma nummer",
            "id",
            "code",
        ),
        "name": _n(
            "name",
            "programme name",
            "program name",
            "programmanaam",
            "naam",
            "programme",
            "program",
            "programma",
            "title",
            "titel",
        ),
        "portfolio": _n("portfolio", "portefeuille", "portfolio name", "domein", "domain"),
        "manager": _n(
            "manager",
            "programme manager",
            "program manager",
            "programmamanager",
            "eigenaar",
            "owner",
            "verantwoordelijke",
            "sro",
        ),
    },
    "projects": {
        "project_id": _n(
            "project_id",
            "project id",
            "projectid",
            "id",
            "project code",
            "projectcode",
            "projectnummer",
            "project number",
            "project nr",
            "projectnr",
            "project no",
            "code",
            "nummer",
            "nr",
        ),
        "name": _n(
            "name",
            "project name",
            "projectnaam",
            "naam",
            "project",
            "title",
            "titel",
            "project title",
        ),
        "programme_id": _n(
            "programme_id",
            "programme id",
            "program id",
            "programme code",
            "program code",
            "programmacode",
            "programma id",
            "programmanummer",
        ),
        "programme": _n(
            "programme", "program", "programma", "programme name", "program name", "programmanaam"
        ),
        "portfolio": _n("portfolio", "portefeuille", "domein", "domain"),
        "manager": _n(
            "manager",
            "project manager",
            "projectmanager",
            "projectleider",
            "pm",
            "eigenaar",
            "owner",
            "opdrachtgever",
            "sro",
        ),
        "start_date": _n(
            "start_date",
            "start date",
            "start",
            "startdatum",
            "begindatum",
            "aanvangsdatum",
            "begin",
            "begin date",
            "planned start",
        ),
        "end_date": _n(
            "end_date",
            "end date",
            "end",
            "finish",
            "finish date",
            "einddatum",
            "einde",
            "opleverdatum",
            "planned end",
            "planned finish",
            "geplande einddatum",
        ),
        "budget": _n(
            "budget",
            "bac",
            "begroting",
            "budget at completion",
            "totaal budget",
            "total budget",
            "begroot",
            "budget bedrag",
            "goedgekeurd budget",
            "approved budget",
        ),
        "percent_complete": _n(
            "percent_complete",
            "percent complete",
            "% complete",
            "percentage complete",
            "pct complete",
            "complete",
            "percentage gereed",
            "% gereed",
            "gereed",
            "voortgang",
            "progress",
            "% voltooid",
            "voltooid",
            "percentage voltooid",
            "voortgang %",
            "% progress",
        ),
        "status": _n("status", "project status", "projectstatus", "state", "toestand"),
        "phase": _n("phase", "fase", "stage", "projectfase", "project phase"),
        "forecast_cost": _n(
            "forecast_cost",
            "forecast cost",
            "forecast",
            "eac",
            "estimate at completion",
            "forecast at completion",
            "prognose",
            "prognose kosten",
            "verwachte kosten",
            "eindprognose",
            "verwachte eindkosten",
            "prognose eindkosten",
        ),
        "forecast_end_date": _n(
            "forecast_end_date",
            "forecast end date",
            "forecast end",
            "forecast finish",
            "forecast end date",
            "prognose einddatum",
            "verwachte einddatum",
            "expected end date",
            "expected finish",
        ),
        "reported_rag": _n(
            "reported_rag",
            "reported rag",
            "rag",
            "rag status",
            "status rag",
            "reported status",
            "dca",
            "delivery confidence",
            "delivery confidence assessment",
            "stoplicht",
            "rag rating",
            "gerapporteerde status",
        ),
    },
    "milestones": {
        "milestone_id": _n(
            "milestone_id",
            "milestone id",
            "id",
            "mijlpaal id",
            "mijlpaalcode",
            "mijlpaalnummer",
            "mijlpaal nr",
            "code",
            "nr",
        ),
        "project_id": _n(*_PROJECT_REF),
        "name": _n(
            "name",
            "milestone",
            "milestone name",
            "mijlpaal",
            "naam",
            "title",
            "titel",
            "mijlpaalnaam",
            "omschrijving",
        ),
        "baseline_date": _n(
            "baseline_date",
            "baseline date",
            "baseline",
            "baseline finish",
            "planned date",
            "plandatum",
            "geplande datum",
            "basisdatum",
            "baselinedatum",
            "oorspronkelijke datum",
            "baseline datum",
        ),
        "forecast_date": _n(
            "forecast_date",
            "forecast date",
            "forecast",
            "prognose",
            "prognosedatum",
            "verwachte datum",
            "expected date",
            "forecast finish",
        ),
        "actual_date": _n(
            "actual_date",
            "actual date",
            "actual",
            "actual finish",
            "werkelijke datum",
            "gerealiseerd",
            "realisatiedatum",
            "datum gereed",
            "done date",
            "completed",
            "completed date",
            "behaald",
            "behaald op",
        ),
        "key": _n(
            "key", "key milestone", "kernmijlpaal", "sleutelmijlpaal", "belangrijk", "is key"
        ),
    },
    "costs": {
        "project_id": _n(*_PROJECT_REF),
        "period": _n(*_PERIOD),
        "amount": _n(
            "amount",
            "cost",
            "costs",
            "actual cost",
            "actual costs",
            "actuals",
            "bedrag",
            "kosten",
            "werkelijke kosten",
            "realisatie",
            "uitgaven",
            "ac",
            "value",
            "waarde",
        ),
        "category": _n(
            "category",
            "categorie",
            "cost type",
            "kostensoort",
            "type",
            "soort",
            "cost category",
            "kostencategorie",
        ),
    },
    "plan": {
        "project_id": _n(*_PROJECT_REF),
        "period": _n(*_PERIOD),
        "amount": _n(
            "amount",
            "planned",
            "planned value",
            "pv",
            "plan",
            "gepland",
            "begroot",
            "bedrag",
            "planned amount",
            "value",
            "waarde",
        ),
    },
    "issues": {
        "issue_id": _n(
            "issue_id",
            "issue id",
            "id",
            "key",
            "issue key",
            "issue",
            "nummer",
            "risk id",
            "risico id",
            "issuenummer",
            "code",
            "ref",
            "reference",
            "nr",
        ),
        "project_id": _n(*_PROJECT_REF),
        "title": _n("title", "summary", "titel", "onderwerp", "naam", "name", "kop"),
        "type": _n("type", "issue type", "soort", "risk or issue", "raid type"),
        "severity": _n(
            "severity",
            "priority",
            "impact",
            "ernst",
            "prioriteit",
            "urgentie",
            "zwaarte",
            "rating",
            "score",
        ),
        "status": _n("status", "state", "toestand"),
        "owner": _n(
            "owner",
            "assignee",
            "eigenaar",
            "actiehouder",
            "verantwoordelijke",
            "toegewezen aan",
            "assigned to",
            "actionee",
        ),
        "raised_date": _n(
            "raised_date",
            "raised date",
            "raised",
            "created",
            "date raised",
            "aangemaakt",
            "gemeld",
            "melddatum",
            "datum gemeld",
            "ingediend",
            "created date",
            "opened",
            "datum",
            "date",
        ),
        "due_date": _n(
            "due_date",
            "due date",
            "due",
            "deadline",
            "streefdatum",
            "vervaldatum",
            "uiterste datum",
            "target date",
            "einddatum",
        ),
        "description": _n(
            "description",
            "omschrijving",
            "beschrijving",
            "toelichting",
            "details",
            "detail",
            "notes",
        ),
    },
}


# -- values ---------------------------------------------------------------------


def _values(groups: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {
        norm(alias): canonical
        for canonical, aliases in groups.items()
        for alias in (canonical, *aliases)
    }


PROJECT_STATUS = _values(
    {
        "active": (
            "lopend",
            "in uitvoering",
            "actief",
            "open",
            "in progress",
            "running",
            "ongoing",
            "started",
            "gestart",
            "uitvoering",
            "execution",
            "in behandeling",
            "live",
            "in execution",
            "active project",
        ),
        "on hold": (
            "on-hold",
            "onhold",
            "hold",
            "paused",
            "gepauzeerd",
            "geparkeerd",
            "aangehouden",
            "in de wacht",
            "suspended",
            "opgeschort",
            "stilgelegd",
        ),
        "closed": (
            "gesloten",
            "afgerond",
            "completed",
            "complete",
            "done",
            "finished",
            "beëindigd",
            "beeindigd",
            "opgeleverd",
            "afgesloten",
            "cancelled",
            "canceled",
            "geannuleerd",
            "gestopt",
            "stopped",
            "closed down",
        ),
    }
)

ISSUE_STATUS = _values(
    {
        "open": (
            "new",
            "nieuw",
            "to do",
            "todo",
            "backlog",
            "reopened",
            "heropend",
            "gemeld",
            "ingediend",
            "raised",
            "identified",
            "geïdentificeerd",
            "geidentificeerd",
            "selected for development",
            "not started",
            "niet gestart",
        ),
        "in progress": (
            "in behandeling",
            "in uitvoering",
            "bezig",
            "lopend",
            "active",
            "actief",
            "in review",
            "review",
            "blocked",
            "geblokkeerd",
            "waiting",
            "wacht",
            "pending",
            "in progress",
            "doing",
            "ongoing",
            "under review",
            "mitigating",
            "being mitigated",
            "in test",
            "testing",
        ),
        "closed": (
            "gesloten",
            "done",
            "resolved",
            "opgelost",
            "afgerond",
            "afgesloten",
            "cancelled",
            "canceled",
            "geannuleerd",
            "won't do",
            "wont do",
            "rejected",
            "afgewezen",
            "vervallen",
            "mitigated",
            "gemitigeerd",
            "complete",
            "completed",
            "finished",
            "duplicate",
        ),
    }
)

ISSUE_TYPE = _values(
    {
        "risk": ("risico", "risks", "risico's", "threat", "bedreiging", "r"),
        "issue": (
            "probleem",
            "issues",
            "bug",
            "incident",
            "vraagstuk",
            "knelpunt",
            "defect",
            "problem",
            "i",
        ),
        "assumption": ("aanname", "veronderstelling", "assumptions", "aannames", "a"),
        "dependency": ("afhankelijkheid", "dependencies", "afhankelijkheden", "dep", "d"),
    }
)

#: canonical severity 1..4 = low, medium, high, critical
SEVERITY: dict[str, int] = {
    **{
        norm(v): 1
        for v in (
            "low",
            "laag",
            "minor",
            "trivial",
            "lowest",
            "l",
            "1",
            "minimal",
            "klein",
            "gering",
            "zeer laag",
            "very low",
        )
    },
    **{
        norm(v): 2
        for v in (
            "medium",
            "middel",
            "gemiddeld",
            "normaal",
            "normal",
            "moderate",
            "matig",
            "m",
            "2",
            "med",
        )
    },
    **{
        norm(v): 3
        for v in ("high", "hoog", "h", "3", "ernstig", "major", "groot", "serious", "significant")
    },
    **{
        norm(v): 4
        for v in (
            "critical",
            "kritiek",
            "kritisch",
            "zeer hoog",
            "very high",
            "blocker",
            "highest",
            "urgent",
            "4",
            "zeer ernstig",
            "catastrophic",
            "crit",
            "severe",
            "showstopper",
        )
    },
}

RAG = _values(
    {
        "red": ("rood", "r"),
        "amber": ("oranje", "geel", "yellow", "a", "amber"),
        "green": ("groen", "g"),
        "amber/red": (
            "amber red",
            "amber-red",
            "red/amber",
            "red amber",
            "oranje/rood",
            "oranje rood",
            "a/r",
        ),
        "amber/green": (
            "amber green",
            "amber-green",
            "green/amber",
            "green amber",
            "oranje/groen",
            "oranje groen",
            "a/g",
        ),
        "grey": ("gray", "grijs", "n/a", "not rated", "unrated"),
    }
)

BOOLEAN: dict[str, bool] = {
    **{
        norm(v): True
        for v in ("true", "yes", "y", "ja", "j", "1", "x", "waar", "✓", "✔", "key", "wahr", "oui")
    },
    **{norm(v): False for v in ("false", "no", "n", "nee", "0", "onwaar", "-", "non", "nein")},
}

#: table -> column -> value aliases, for enum columns
ENUM_VALUES: dict[str, dict[str, dict[str, str]]] = {
    "projects": {"status": PROJECT_STATUS},
    "issues": {"status": ISSUE_STATUS, "type": ISSUE_TYPE},
}
