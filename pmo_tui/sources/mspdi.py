"""MS Project XML (MSPDI) files as milestones, and as a project row.

* **Milestones:** every active task with ``<Milestone>1</Milestone>``.
  ``baseline_date`` is the finish of ``<Baseline><Number>0</Number>``, the
  forecast is the task's current ``<Finish>``, the actual is ``<ActualFinish>``.
  The milestone id is ``PROJECT:UID`` (task UIDs are stable across saves).
* **Project:** the project summary (task UID 0): name from ``<Title>`` or
  ``<Name>``, start and finish, percent complete, budget from the baseline
  cost (else the cost), forecast cost from the current cost. It is used only
  when the folder has no projects file of its own.

Which project a file belongs to: ``[constants.milestones] project_id`` when
set, else the file name without ``.xml`` (``P-042.xml`` -> ``P-042``).

XML is parsed with defusedxml: a DTD, entity declarations or external
references refuse the file instead of expanding (no billion-laughs, no XXE).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder

import numpy as np
import pyarrow as pa
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from pmo_tui.sources.files import Refused
from pmo_tui.sources.parse import Cells

NAMESPACE = "http://schemas.microsoft.com/project"
MILESTONE_HEADERS = [
    "milestone_id",
    "project_id",
    "name",
    "baseline_date",
    "forecast_date",
    "actual_date",
]
PROJECT_HEADERS = [
    "project_id",
    "name",
    "start_date",
    "end_date",
    "forecast_end_date",
    "budget",
    "forecast_cost",
    "percent_complete",
]


def is_mspdi(data: bytes) -> bool:
    """Cheap check on the first bytes: an MS Project XML document."""
    head = data[:4096]
    return b"<Project" in head and NAMESPACE.encode() in head


class _Builder(TreeBuilder):
    """Records the line on which each ``<Task>`` starts, for problem reports."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.lines: dict[int, int] = {}

    def start(self, tag: Any, attrs: Any) -> Element:
        element = super().start(tag, attrs)
        if tag == f"{{{NAMESPACE}}}Task" and self.parser is not None:
            self.lines[id(element)] = int(self.parser.parser.CurrentLineNumber)
        return element


@dataclass
class Plan:
    """What one MSPDI file says."""

    milestones: list[list[str]]
    milestone_rows: list[int]
    project: list[str] | None
    project_row: int


def _parse(data: bytes) -> tuple[Element, dict[int, int]]:
    builder = _Builder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        raise Refused(
            "unsafe-xml",
            f"declares a DTD or entities ({type(exc).__name__}); refused so that an XML bomb "
            "cannot expand. Export it again from MS Project",
        ) from None
    except ParseError as exc:
        raise Refused("unreadable-file", f"is not well-formed XML ({exc})") from None
    return root, builder.lines


def _text(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    found = element.find(f"{{{NAMESPACE}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _baseline(task: Element, name: str) -> str:
    for baseline in task.findall(f"{{{NAMESPACE}}}Baseline"):
        if _text(baseline, "Number") == "0":
            return _text(baseline, name)
    return ""


def _date(text: str) -> str:
    return text[:10] if text else ""


def read_plan(data: bytes, project_id: str) -> Plan:
    """Milestones and the project summary of one MSPDI document."""
    root, lines = _parse(data)
    if root.tag != f"{{{NAMESPACE}}}Project":
        raise Refused("not-mspdi", "is XML, but not an MS Project (MSPDI) file")
    tasks = root.find(f"{{{NAMESPACE}}}Tasks")
    milestones: list[list[str]] = []
    rows: list[int] = []
    summary: Element | None = None
    for task in [] if tasks is None else list(tasks):
        uid = _text(task, "UID")
        if uid == "0":
            summary = task
        if _text(task, "Milestone") != "1" or _text(task, "Active") == "0":
            continue
        if _text(task, "IsNull") == "1":
            continue
        milestones.append(
            [
                f"{project_id}:{uid}",
                project_id,
                _text(task, "Name"),
                _date(_baseline(task, "Finish")),
                _date(_text(task, "Finish")),
                _date(_text(task, "ActualFinish")),
            ]
        )
        rows.append(lines.get(id(task), 0))
    name = _text(root, "Title") or _text(root, "Name").removesuffix(".xml") or project_id
    percent = _text(summary, "PercentComplete")
    cost = _text(summary, "Cost")
    baseline_cost = _baseline(summary, "Cost") if summary is not None else ""
    finish = _date(_text(root, "FinishDate") or _text(summary, "Finish"))
    baseline_finish = _date(_baseline(summary, "Finish")) if summary is not None else ""
    project = [
        project_id,
        name,
        _date(_text(root, "StartDate") or _text(summary, "Start")),
        baseline_finish or finish,
        finish,
        _cents(baseline_cost or cost),
        _cents(cost),
        percent,
    ]
    project_row = lines.get(id(summary), 1) if summary is not None else 1
    return Plan(milestones, rows, project, project_row)


def _cents(text: str) -> str:
    """MSPDI writes currency in hundredths (``<Cost>12345</Cost>`` is 123.45)."""
    if not text:
        return ""
    try:
        return repr(float(text) / 100.0)
    except ValueError:
        return text  # left for the validator to report


def columns(rows: list[list[str]], width: int) -> list[Cells]:
    return [Cells(pa.array([r[i] for r in rows], type=pa.large_string())) for i in range(width)]


def row_numbers(rows: list[int]) -> np.ndarray:
    return np.asarray(rows, dtype=np.int64)
