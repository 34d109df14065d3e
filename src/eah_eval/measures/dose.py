"""Delivery per cluster after go-live: the dose of a dose-response analysis.

A dose-response question ("did the clusters that received more expert days change more?")
needs one number per cluster: how much of the programme it received after it went live.
:func:`cluster_dose` takes it from an existing process measure, computed at cluster level by
academic year exactly as everywhere else (:func:`eah_eval.measures.compute`), and pools the
academic years from the cluster's first treated year up to ``until`` as a **ratio of sums**::

    dose_c = sum_y numerator_cy / sum_y denominator_cy x multiplier,  y = first_c, ..., until

For the default, ``eah_expert_days_vs_yardstick_pct``, that is the expert days delivered to the
cluster's primary and secondary schools over those years as a share of the DfE yardstick
(40 days a year per primary school, 160 per secondary) over the same school-years: the
average yearly delivery against the yardstick, with the phase mix of each cluster taken into
account. ``eah_expert_days_per_school`` gives expert days per school per year instead. Any
ratio measure the registry allows at cluster level by academic year can be pooled this way
(practitioner FTE in post against plan, requests met without escalation); medians cannot.

The first treated year follows the rollout rule of the panels
(:func:`eah_eval.measures.rollout.cluster_rollout`), so dose and change cover the same years
when ``until`` is the last year the change is measured in (for a staggered design: the last
year before the last wave went live, when comparison clusters remain).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eah_eval.data.periods import academic_year_label, academic_year_start
from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.measures.definitions import MeasureOptions
from eah_eval.measures.engine import open_tables
from eah_eval.measures.panel import compute
from eah_eval.measures.programme import DEFAULT_SCOPE, ProgrammeScope
from eah_eval.measures.registry import get_measure
from eah_eval.measures.rollout import RULE_TEXT, cluster_rollout

__all__ = ["DEFAULT_DOSE_MEASURE", "DOSE_COLUMNS", "cluster_dose"]

DEFAULT_DOSE_MEASURE = "eah_expert_days_vs_yardstick_pct"
"""Expert days delivered against the 40/160 yardstick (%): the default dose."""

DOSE_COLUMNS: tuple[str, ...] = (
    "cluster", "wave", "go_live_date", "first_year", "last_year", "n_years", "numerator",
    "denominator", "dose", "partial_years",
)
"""Columns of the frame :func:`cluster_dose` returns."""

_PERIOD = "academic_year"


def _until_index(until: int | str | None, years: list[int]) -> int:
    if until is None:
        if not years:
            raise OptionError("the measure has no academic year with data; pass until=")
        return max(years)
    if isinstance(until, bool):
        raise OptionTypeError(f"until must be an academic year such as 2024 or '2024/25'; "
                              f"got {until!r}")
    if isinstance(until, int | np.integer):
        return int(until)
    if isinstance(until, str):
        return academic_year_start(until)
    raise OptionTypeError(f"until must be an academic year such as 2024 or '2024/25'; got "
                          f"{type(until).__name__} {until!r}")


def cluster_dose(
    data: object,
    *,
    measure: str = DEFAULT_DOSE_MEASURE,
    until: int | str | None = None,
    mid_period_rule: str = "next_full_period",
    engine: object = "duckdb",
    options: MeasureOptions | None = None,
    scope: ProgrammeScope | None = DEFAULT_SCOPE,
) -> pd.DataFrame:
    """Programme delivery to each cluster from its go-live to ``until``, as one number.

    Parameters
    ----------
    data : Council, dict of DataFrame, TableSet, str or Path
        The council's tables, as for :func:`eah_eval.measures.compute`.
    measure : str, default "eah_expert_days_vs_yardstick_pct"
        A ratio measure allowed at cluster level by academic year (for example
        ``"eah_expert_days_per_school"`` or ``"eah_fte_in_post_pct"``).
    until : int, str or None
        Last academic year pooled, as its start year (``2024``) or label (``"2024/25"``).
        Default: the last academic year with data. Pass the last year in which the change
        is measured so that dose and change cover the same years.
    mid_period_rule : {"next_full_period", "period_containing", "majority_of_period"}
        Rule for the first treated academic year when go-live falls inside one (as for
        :func:`eah_eval.measures.rollout_panel`).
    engine, options
        As for :func:`eah_eval.measures.compute`.
    scope : ProgrammeScope or None
        Schools the programme serves (default the panels' scope, mainstream primary and
        secondary schools).

    Returns
    -------
    pandas.DataFrame
        One row per cluster, columns :data:`DOSE_COLUMNS`: ``first_year`` and ``last_year``
        (labels such as ``"2023/24"``; empty when the cluster went live after ``until``),
        ``n_years``, the pooled ``numerator`` and ``denominator``, ``dose`` (NaN with no
        year pooled or a zero denominator) and ``partial_years`` (pooled years the data cover
        only in part, comma-separated). ``attrs`` carries ``measure_id``, ``title``,
        ``unit`` (for example ``"%"``), ``until`` (label), ``rollout_rule`` and ``rule`` (the
        pooling rule in words).

    Raises
    ------
    OptionError
        For a measure that is not a ratio, not allowed at cluster level or by academic year
        (the message names what the measure allows), or an academic-year label that is not
        of the form ``2024/25``.
    OptionTypeError
        For an ``until`` of another type.

    Notes
    -----
    ``dose_c = sum_y numerator_cy / sum_y denominator_cy x multiplier`` over the academic years
    ``y`` from the cluster's first treated year to ``until``: a ratio of sums, never a mean of
    yearly ratios, so a year with more schools open weighs more.

    Examples
    --------
    >>> dose = cluster_dose("data/", until="2024/25")  # doctest: +SKIP
    >>> dose.set_index("cluster")["dose"]  # doctest: +SKIP
    """
    m = get_measure(measure)
    if m.statistic != "ratio":
        raise OptionError(f"measure {measure!r} is a {m.statistic}, which cannot be pooled "
                          "over years; choose a ratio measure such as "
                          f"{DEFAULT_DOSE_MEASURE!r}")
    m.check_level("cluster")
    m.check_period(_PERIOD)
    opts = options if options is not None else MeasureOptions()
    ts = open_tables(data, engine=engine, lineage_rule=opts.lineage_rule)
    res = compute(ts, measure, level="cluster", period=_PERIOD, engine=engine, options=opts,
                  scope=scope)
    frame = res.frame[res.frame["group"] == "all"]
    last = _until_index(until, sorted(int(i) for i in frame["period_index"].unique()))
    timing = cluster_rollout(ts.raw("clusters").to_pandas(), _PERIOD, rule=mid_period_rule)
    partial = set(res.partial_periods)
    rows: list[dict[str, Any]] = []
    for _, c in timing.sort_values("cluster_id").iterrows():
        first = int(c["first_treated"])
        sub = frame[(frame["unit"].astype(str) == str(c["cluster_id"]))
                    & frame["period_index"].between(first, last)]
        num, den = float(sub["numerator"].sum()), float(sub["denominator"].sum())
        labels = [academic_year_label(int(i)) for i in sorted(sub["period_index"].unique())]
        rows.append({
            "cluster": str(c["cluster_id"]), "wave": str(c["wave"]),
            "go_live_date": c["go_live_date"],
            "first_year": academic_year_label(first) if first <= last else "",
            "last_year": academic_year_label(last) if first <= last else "",
            "n_years": max(0, last - first + 1),
            "numerator": num, "denominator": den,
            "dose": num / den * m.multiplier if den > 0 else float("nan"),
            "partial_years": ", ".join(y for y in labels if y in partial),
        })
    out = pd.DataFrame(rows, columns=list(DOSE_COLUMNS))
    out.attrs.update({
        "measure_id": m.id, "title": m.title, "unit": m.unit_text,
        "until": academic_year_label(last), "rollout_rule": RULE_TEXT[mid_period_rule],
        "rule": (f"{m.title} pooled over the academic years from each cluster's first treated "
                 f"year to {academic_year_label(last)}: sum of numerators / sum of "
                 "denominators"),
    })
    return out
