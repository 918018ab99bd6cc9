"""PRINCE2 tolerances per project, resolved for whole columns at once.

``pmo-tui.toml`` sets tolerances for the portfolio, per programme and per
project; for each of cost and time separately the nearest level that sets a
value wins (project, then programme, then portfolio, then the defaults of 10%
and 30 days). This gives the same answer as
:meth:`pmo_tui.config.Tolerances.for_project`, for every project in one pass,
and also says which level each value came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmo_tui.config import Tolerances
from pmo_tui.metrics.lookup import positions


@dataclass(frozen=True, eq=False)
class ProjectTolerances:
    cost: np.ndarray  # fraction of BAC, e.g. 0.10
    time_days: np.ndarray  # float days
    cost_level: np.ndarray  # "portfolio" | "programme" | "project"
    time_level: np.ndarray


def resolve(
    tolerances: Tolerances, project_ids: pd.Series, programme_ids: pd.Series
) -> ProjectTolerances:
    n = len(project_ids)
    cost = np.full(n, float(tolerances.portfolio.cost))
    time = np.full(n, float(tolerances.portfolio.time_days))
    cost_level = np.full(n, "portfolio", dtype=object)
    time_level = np.full(n, "portfolio", dtype=object)
    for level, table, keys in (
        ("programme", tolerances.programme, programme_ids),
        ("project", tolerances.project, project_ids),
    ):
        if not table:
            continue
        for key, target, level_arr in (("cost", cost, cost_level), ("time_days", time, time_level)):
            values = {k: float(v[key]) for k, v in table.items() if key in v}
            if not values:
                continue
            # an Arrow hash lookup, not Series.map: this runs for every project
            found = positions(keys, pd.Index(list(values), dtype="str"))
            hit = found >= 0
            target[hit] = np.fromiter(values.values(), dtype=np.float64, count=len(values))[
                found[hit]
            ]
            level_arr[hit] = level
    # time tolerances are whole days, as in Tolerances.for_project
    time = np.trunc(time)
    return ProjectTolerances(cost, time, cost_level, time_level)
