"""Jira CSV exports as the ``issues`` table.

A CSV is a Jira export when its header holds ``Issue key`` and ``Summary``
plus one of ``Issue Type``, ``Status`` or ``Priority`` (Jira Cloud and Data
Center both write these). Such a file feeds ``issues`` when it is named after
the table (``issues.csv``) or, when the folder has no issues file, whatever it
is called (``Jira 2024-03-31.csv``).

Which project an issue belongs to: ``[constants.issues] project_id`` in
``pmo-tui.toml`` when set (one Jira project per pmo-tui project), else the
``Project key`` column (name the pmo-tui projects after their Jira keys),
else ``Project name``. A ``[columns.issues]`` entry overrides any of these.

Mapping: ``Priority`` -> severity (Highest/Blocker/Critical = critical, High/
Major = high, Medium/Minor = medium, Low/Lowest/Trivial = low), ``Status
Category`` when exported, else ``Status`` -> open / in progress / closed,
``Issue Type`` -> risk / assumption / dependency, everything else (Bug, Task,
Story, Epic) -> issue. Jira repeats headers (several ``Labels`` or ``Sprint``
columns); unused columns are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from pmo_tui.sources.aliases import norm

_MARKERS = {norm("Issue key"), norm("Summary")}
_ANY_OF = {norm("Issue Type"), norm("Status"), norm("Priority"), norm("Issue id")}


def is_jira(headers: Sequence[str]) -> bool:
    """Whether a header row is a Jira CSV export."""
    names = {norm(h) for h in headers}
    return names >= _MARKERS and bool(names & _ANY_OF)


#: canonical column -> Jira headers, best first (first non-blank value wins)
COLUMNS: dict[str, tuple[str, ...]] = {
    "issue_id": ("Issue key", "Key", "Issue id"),
    "project_id": ("Project key", "Project name"),
    "title": ("Summary",),
    "type": ("Issue Type",),
    "severity": ("Priority",),
    "status": ("Status Category", "Status"),
    "owner": ("Assignee", "Assignee Id"),
    "raised_date": ("Created",),
    "due_date": ("Due date", "Due Date", "Due"),
    "description": ("Description",),
}

SEVERITY: dict[str, int] = {
    norm(k): v
    for k, v in {
        "Highest": 4,
        "Blocker": 4,
        "Critical": 4,
        "P1": 4,
        "Urgent": 4,
        "High": 3,
        "Major": 3,
        "P2": 3,
        "Medium": 2,
        "Minor": 2,
        "Normal": 2,
        "P3": 2,
        "Low": 1,
        "Lowest": 1,
        "Trivial": 1,
        "P4": 1,
        "P5": 1,
    }.items()
}

STATUS: dict[str, str] = {
    norm(k): v
    for k, v in {
        # status categories
        "To Do": "open",
        "In Progress": "in progress",
        "Done": "closed",
        # common workflow statuses
        "Open": "open",
        "New": "open",
        "Backlog": "open",
        "Reopened": "open",
        "Selected for Development": "open",
        "Ready": "open",
        "Ready for Development": "open",
        "In Review": "in progress",
        "Code Review": "in progress",
        "Review": "in progress",
        "In Test": "in progress",
        "Testing": "in progress",
        "QA": "in progress",
        "Blocked": "in progress",
        "Waiting": "in progress",
        "On Hold": "in progress",
        "Closed": "closed",
        "Resolved": "closed",
        "Cancelled": "closed",
        "Canceled": "closed",
        "Won't Do": "closed",
        "Won't Fix": "closed",
        "Rejected": "closed",
        "Duplicate": "closed",
    }.items()
}

TYPE: dict[str, str] = {
    norm(k): v
    for k, v in {
        "Risk": "risk",
        "Assumption": "assumption",
        "Dependency": "dependency",
        "Issue": "issue",
        "Bug": "issue",
        "Task": "issue",
        "Sub-task": "issue",
        "Subtask": "issue",
        "Story": "issue",
        "Epic": "issue",
        "Improvement": "issue",
        "New Feature": "issue",
        "Incident": "issue",
        "Problem": "issue",
        "Change": "issue",
        "Service Request": "issue",
        "Spike": "issue",
        "Defect": "issue",
    }.items()
}
