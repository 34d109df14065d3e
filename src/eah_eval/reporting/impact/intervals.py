"""Intervals of the impact report: the report's one inference method applied to an aggregation.

Every interval in the report (headline, event study, waves, pupil groups) comes from
:func:`run_inference`, which calls the package's one dispatcher (:func:`eah_eval.inference.infer`)
with the report's method, draws and seed, and turns its rows into
:class:`~eah_eval.reporting.impact.model.Estimate` objects that carry the method in words.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pandas as pd

from eah_eval.data.periods import academic_year_label, term_label
from eah_eval.inference import describe_method, infer
from eah_eval.reporting.impact.inputs import ReportInputs
from eah_eval.reporting.impact.model import Estimate


def period_label(period: str, index: int) -> str:
    """Label of a period index on a measure's grain (``2023/24 autumn``, ``2023/24``)."""
    if period == "term":
        return term_label(int(index))
    if period in ("census", "academic_year"):
        return academic_year_label(int(index))
    return str(int(index))


#: A test-inversion bound further than this many times (1 + |estimate|) from the estimate is
#: the edge of the search, not a bound: with very few clusters the bootstrap cannot reject
#: any value (for example 2^4 = 16 sign patterns at the 5% level), so the set is unbounded.
UNBOUNDED = 1e5


def bound(v: float, estimate: float, side: int) -> float:
    """Return a confidence bound, or +/-inf when the set is unbounded on that side."""
    if not math.isfinite(v) or abs(v - estimate) > UNBOUNDED * (1 + abs(estimate)):
        return side * math.inf
    return float(v)


def row_estimate(table: Any, label: str, r: dict[str, Any]) -> Estimate:
    """Return one row of an inference table's frame as an :class:`Estimate`."""
    method = str(r["method"])
    est = float(r["estimate"])
    return Estimate(
        label=label, estimate=est,
        ci_low=bound(float(r["ci_low"]), est, -1), ci_high=bound(float(r["ci_high"]), est, 1),
        p_value=float(r["p_value"]), method=method,
        method_text=describe_method({**dict(table.record), "method": method}).rstrip("."),
        fallback_reason=str(r.get("fallback_reason", "") or ""),
    )


def estimates_from_table(table: Any, labels: list[str]) -> list[Estimate]:
    """Turn an inference table's rows (after the overall row is dropped) into estimates."""
    rows = table.to_frame().iloc[: len(labels)].to_dict(orient="records")
    return [row_estimate(table, label, r) for label, r in zip(labels, rows, strict=True)]


def overall_estimate(table: Any, label: str = "overall") -> Estimate:
    """Return the overall row of an inference table as an :class:`Estimate`."""
    return row_estimate(table, label, table.to_frame().iloc[-1].to_dict())


def run_inference(inputs: ReportInputs, agg: Any, panel: pd.DataFrame) -> Any:
    """Apply the report's one inference method to an aggregation (every row)."""
    p = inputs.params
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return infer(agg, panel, method=p.inference, outcome="y", unit="unit",
                     time="period_index", cohort="first_treated", cluster="cluster",
                     weights="weight", draws=p.bootstrap_reps, rng=p.seed, level=1 - p.alpha)


