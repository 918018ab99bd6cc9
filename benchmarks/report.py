"""Progress reports on the large demo: the report tree, each format, and `pmo-tui report`.

Three measurements, each against a floor taken in the same run (subject and floor
interleaved, so a busy moment on the shared machine weighs on both):

* **tree**: ``report_data`` for the portfolio (2,000 projects, 20,000 milestones,
  10,000 issues), a programme and a project, from an already computed ``Metrics``
  (what the TUI's ``x`` key does). Floor: ``DataFrame.to_dict("records")`` of the
  scope's project, milestone and issue frames, the least any conversion of the
  computed figures into rows can cost.
* **render**: each format from the tree. Floor: ``json.dumps`` of the same tree.
* **end to end**: ``run_report`` (load the folder, compute, read the store, build,
  render, write) against ``load + compute`` alone, which any report needs anyway.

    python benchmarks/report.py [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from _common import AS_OF, large_demo, measure, report

from pmo_tui.metrics import compute
from pmo_tui.options import Options
from pmo_tui.report import StoreFacts, render, report_data, run_report
from pmo_tui.report.scope import parse_scope
from pmo_tui.sources.folder import FolderSource


def interleaved(
    subject: Callable[[], object], floor: Callable[[], object], repeat: int
) -> tuple[list[float], list[float]]:
    subject()
    floor()
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        a += measure(subject, repeat=1, warmup=0)
        b += measure(floor, repeat=1, warmup=0)
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = large_demo()
    source = FolderSource(folder)
    portfolio = source.load()
    source.close()
    metrics = compute(portfolio, as_of=AS_OF, config=source.config)
    facts = StoreFacts.unavailable("benchmark: no store")
    programme = str(metrics.programmes["programme_id"].dropna().iloc[0])
    project = str(metrics.projects["project_id"].iloc[0])
    print(
        f"large demo: {len(metrics.projects)} projects, {len(metrics.milestones)} milestones, "
        f"{len(metrics.issues)} issues; programme {programme}, project {project}",
        flush=True,
    )

    trees = {}
    for scope in ("portfolio", f"programme:{programme}", f"project:{project}"):
        wanted = parse_scope(scope)
        rows = metrics.scope_projects(wanted.level, wanted.key)
        ids = rows["project_id"]

        def tree(scope: str = scope) -> object:
            return report_data(
                portfolio, metrics, scope, config=source.config, source="bench", facts=facts
            )

        def floor(ids: object = ids, rows: object = rows) -> object:
            ms = metrics.milestones.loc[metrics.milestones["project_id"].isin(ids)]
            iss = metrics.issues.loc[metrics.issues["project_id"].isin(ids)]
            return [f.to_dict("records") for f in (rows, ms, iss)]  # type: ignore[attr-defined]

        subject, base = interleaved(tree, floor, args.repeat)
        report(f"tree {scope.split(':')[0]}", subject, base)
        trees[scope.split(":")[0]] = tree()

    for level, data in trees.items():
        for fmt in ("json", "md", "html", "xlsx"):
            subject, base = interleaved(
                lambda data=data, fmt=fmt: render(data, fmt),  # type: ignore[misc]
                lambda data=data: json.dumps(data),  # type: ignore[misc]
                args.repeat,
            )
            size = len(render(data, fmt))
            report(f"render {level} {fmt} ({size / 1e6:.2f} MB)", subject, base)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        options = Options(
            source=str(folder), as_of=AS_OF, store=f"sqlite:///{Path(tmp) / 'none.sqlite'}"
        )

        def end_to_end() -> object:
            return run_report(
                options,
                fmt="html",
                scope="portfolio",
                output=out,
                period_days=30,
                out=io.StringIO(),
            )

        def load_and_compute() -> object:
            src = FolderSource(folder)
            snapshot = src.load()
            src.close()
            return compute(snapshot, as_of=AS_OF, config=src.config)

        subject, base = interleaved(end_to_end, load_and_compute, max(3, args.repeat // 2))
        report("pmo-tui report --format html (portfolio)", subject, base)


if __name__ == "__main__":
    main()
