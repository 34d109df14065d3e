"""Many areas starting at different dates: the staggered estimator with the authority as cluster.

Once every cluster of the council is live, other authorities, starting Experts at Hand at their
own dates, can serve as comparisons until they start. :func:`area_staggered` takes the long
multi-area panel (``data_schema/area_panel.schema.json``, at local-authority or school level)
and each authority's programme start, fits the group-time estimator
(:func:`eah_eval.did.att_gt`, comparison: areas not yet treated), aggregates it and applies one
inference method (:func:`eah_eval.inference.infer`) with the **authority as the cluster**.

With about 150 authorities the conventional cluster-robust standard error (the influence
function summed within authority) and a normal interval are valid: the few-cluster problem of
the council's own 8-12 clusters does not arise. ``method="analytic"`` is therefore the default
here, where the council's reports default to the restricted wild cluster bootstrap.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from eah_eval.did.aggregate import AggregateResult, AggregationKind, aggregate
from eah_eval.did.areas import area_cohorts, select_series
from eah_eval.did.attgt import GroupTimeResult, att_gt
from eah_eval.errors import EstimationError, EstimationWarning, OptionError, check_option
from eah_eval.inference.dispatch import InferenceTable, infer
from eah_eval.inference.methods import InferenceMethod, check_method, describe_method

__all__ = ["AREA_CONTROL_GROUPS", "MIN_AREA_CLUSTERS", "AreaStaggeredResult", "area_staggered"]

#: comparison groups of :func:`area_staggered`
AREA_CONTROL_GROUPS: tuple[str, ...] = ("not_yet_treated", "never_treated")
#: fewer authorities than this and conventional cluster-robust inference is not relied on
MIN_AREA_CLUSTERS = 30
_KINDS = ("simple", "event", "group", "calendar")


@dataclass(frozen=True, eq=False)
class AreaStaggeredResult:
    """Group-time and aggregated effects across areas, clustered by authority.

    Attributes
    ----------
    measure, level : str
        The panel's measure and level (``local_authority`` or ``school``).
    group_time : GroupTimeResult
        ATT(g, t) with influence functions summed by authority.
    aggregations : Mapping[str, AggregateResult]
        One per kind asked for (``simple``, ``event``, ...).
    inference : Mapping[str, InferenceTable]
        The intervals and p-values of each aggregation under ``method``.
    method : str
        Inference method (see :data:`eah_eval.inference.INFERENCE_METHODS`).
    method_description : str
        The method in words, with the authority as cluster and why the interval is valid.
    n_clusters : int
        Authorities in the estimation sample.
    n_units : int
        Areas (authorities or schools) in the estimation sample.
    cohorts : Mapping[str, int]
        First treated period index of each authority in the sample (0 = not treated within the
        window).
    excluded : Mapping[str, int]
        Authorities left out, by reason.
    timing_rule : str
        How a start date becomes the first treated period.
    control_group : str
        ``not_yet_treated`` or ``never_treated``.
    frame : pandas.DataFrame
        The estimation frame: ``unit``, ``cluster``, ``time``, ``cohort``, ``y`` (and
        ``weight``).
    """

    measure: str
    level: str
    group_time: GroupTimeResult
    aggregations: Mapping[str, AggregateResult]
    inference: Mapping[str, InferenceTable]
    method: str
    method_description: str
    n_clusters: int
    n_units: int
    cohorts: Mapping[str, int]
    excluded: Mapping[str, int]
    timing_rule: str
    control_group: str
    frame: pd.DataFrame = field(repr=False)

    @property
    def overall(self) -> pd.Series:
        """The overall (``simple``, else the first kind's) row: estimate, interval, p-value."""
        kind = "simple" if "simple" in self.inference else next(iter(self.inference))
        frame = self.inference[kind].to_frame()
        return frame.iloc[-1]  # the overall row is last

    def event_frame(self) -> pd.DataFrame:
        """Event-time effects: estimate, standard error, interval, p-value, treated authorities.

        ``treated_authorities`` counts the authorities observed at that event time (the
        clusters behind the row): a row resting on one or two of them has a cluster-robust
        standard error that cannot be trusted, whatever the total number of clusters.

        Raises
        ------
        OptionError
            Without the ``event`` aggregation.
        """
        if "event" not in self.aggregations:
            raise OptionError("event_frame needs the 'event' aggregation; pass "
                              "kinds=('simple', 'event')")
        agg = self.aggregations["event"]
        out = self.inference["event"].to_frame().drop(index="overall")
        out.insert(1, "std_error", np.asarray(agg.analytic_std_errors, dtype=float))
        times = self.frame["time"]
        first, last = int(times.min()), int(times.max())
        starts = np.array([g for g in self.cohorts.values() if g > 0])
        out["treated_authorities"] = [
            int(((starts + int(e) >= first) & (starts + int(e) <= last)).sum())
            for e in out.index]
        return out

    def to_frame(self) -> pd.DataFrame:
        """Every aggregation's rows and overall effect, one frame with a ``kind`` column.

        Returns
        -------
        pandas.DataFrame
            Columns ``kind``, ``label``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``,
            ``method``, ``fallback_reason``.
        """
        parts = []
        for kind, table in self.inference.items():
            frame = table.to_frame()
            frame.index = frame.index.rename("label")
            parts.append(frame.reset_index().assign(kind=kind))
        out = pd.concat(parts, ignore_index=True)
        return out[["kind", *[c for c in out.columns if c != "kind"]]]

    def summary(self) -> str:
        """Plain-text summary: sample, method and the overall effect."""
        o = self.overall
        return (f"{self.measure} ({self.level} panel): {self.n_units:,} areas in "
                f"{self.n_clusters} authorities; comparison: {self.control_group.replace('_', ' ')}"
                f"\noverall {o['estimate']:.4g} ({o['ci_low']:.4g} to {o['ci_high']:.4g})\n"
                f"{self.method_description}")

    def __str__(self) -> str:
        return self.summary()


def area_staggered(
    panel: pd.DataFrame,
    programme: pd.DataFrame,
    *,
    measure: str | None = None,
    level: str | None = None,
    control_group: Literal["not_yet_treated", "never_treated"] = "not_yet_treated",
    method: InferenceMethod = "analytic",
    kinds: Sequence[str] = ("simple", "event"),
    unknown_start: Literal["exclude", "never_treated"] = "exclude",
    mid_period_rule: str = "next_full_period",
    exclude: Sequence[str] = (),
    weighted: bool = False,
    min_e: float | None = None,
    max_e: float | None = None,
    draws: int = 999,
    rng: int | np.random.Generator | None = None,
    ci_level: float = 0.95,
) -> AreaStaggeredResult:
    """Estimate the programme's effect across areas starting at different dates.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long multi-area panel (``area_panel`` layout; e.g. ``load_areas(folder).panel``).
    programme : pandas.DataFrame
        ``area_programme`` layout: ``la_code`` and ``programme_start`` (NaT when not known).
    measure, level : str, optional
        Which measure and level to use when the panel holds more than one.
    control_group : {"not_yet_treated", "never_treated"}, default "not_yet_treated"
        Comparison areas: those not yet started (and never started), or never started only.
    method : str, default "analytic"
        Inference method of :func:`eah_eval.inference.infer`. ``analytic`` (clustered
        standard error, normal interval) is valid with many authorities.
    kinds : sequence of str, default ("simple", "event")
        Aggregations to compute (``simple``, ``event``, ``group``, ``calendar``).
    unknown_start : {"exclude", "never_treated"}, default "exclude"
        Authorities with no start date (blank, or absent from ``programme``): left out, or
        counted as never treated (only right if they have not started).
    mid_period_rule : str, default "next_full_period"
        How a start date inside a period is placed (:mod:`eah_eval.measures.rollout`).
    exclude : sequence of str
        LA codes to leave out (e.g. the council itself, to compare it with the others only).
    weighted : bool, default False
        Weight areas by their ``denominator`` (e.g. enrolments) in each 2x2 comparison.
    min_e, max_e : float, optional
        Event-time window of the ``event`` aggregation (``max_e`` also limits ``simple``).
    draws : int, default 999
        Draws for the resampling methods.
    rng : int, numpy.random.Generator or None
        Seed of the resampling methods (recorded on the inference tables).
    ci_level : float, default 0.95
        Confidence level.

    Returns
    -------
    AreaStaggeredResult

    Raises
    ------
    OptionError
        A missing column, an unknown option value, several measures or levels without a
        choice, or weights asked for with missing denominators.
    EstimationError
        When no authority starts inside the window or no comparison area remains.

    Warns
    -----
    EstimationWarning
        With fewer than :data:`MIN_AREA_CLUSTERS` authorities and ``analytic`` or
        ``multiplier`` inference (conventional cluster-robust inference needs many clusters).

    Notes
    -----
    Each area is a unit, its authority the cluster, its authority's first treated period
    (from ``programme_start`` and ``mid_period_rule``) its cohort; authorities starting after
    the panel's last period are never treated within it; authorities treated from the first
    period (no pre-period) are left out. The group-time effects are
    ``ATT(g, t) = E[Y_t - Y_b | G = g] - E[Y_t - Y_b | C_t]`` (Callaway and Sant'Anna 2021)
    by outcome regression, and the standard error of any aggregation is
    ``sqrt(sum_a (sum_{i in a} psi_i)^2) / n`` over authorities ``a``. Valid as the number of
    authorities grows (about 150 in England): Bertrand, Duflo and Mullainathan (2004) and
    Cameron, Gelbach and Miller (2008) find conventional cluster-robust tests accurate with
    50 or more clusters.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.

    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
    inference with clustered errors. Review of Economics and Statistics 90(3), 414-427.

    Examples
    --------
    >>> from eah_eval.data.synthetic.national import make_national
    >>> nat = make_national(n_authorities=60, seed=3)
    >>> res = area_staggered(nat.panel, nat.programme)
    >>> res.n_clusters <= 60, res.method
    (True, 'analytic')
    """
    check_option("control_group", control_group, AREA_CONTROL_GROUPS)
    chosen = check_method(method)
    if not kinds:
        raise OptionError("kinds must name at least one of " + ", ".join(_KINDS))
    for kind in kinds:
        check_option("kinds", kind, _KINDS)
    rows, measure, level = select_series(panel, measure=measure, level=level)
    timing = area_cohorts(rows, programme, mid_period_rule=mid_period_rule,
                          unknown_start=unknown_start)
    asked = set(map(str, exclude)) & set(timing.cohorts)
    excluded = timing.excluded_counts()
    if asked:
        excluded["left out on request"] = len(asked)
    cohort_of = {c: g for c, g in timing.cohorts.items() if c not in asked}
    rows = rows[rows["la_code"].astype(str).isin(set(cohort_of))]
    first, last = timing.first_period, timing.last_period
    if not any(g > 0 for g in cohort_of.values()):
        raise EstimationError(f"no authority in the panel starts the programme inside its "
                              f"window (periods {first} to {last}); nothing to estimate")
    cluster_codes, clusters = pd.factorize(rows["la_code"].astype(str))
    frame = pd.DataFrame({
        "unit": rows["area_code"].astype(str).to_numpy(),
        "cluster": clusters.to_numpy(dtype=object)[cluster_codes],
        "time": rows["period_index"].to_numpy(dtype=np.int64),
        "y": rows["value"].to_numpy(dtype=float),
        "cohort": np.array([cohort_of[c] for c in clusters], dtype=np.int64)[cluster_codes],
    })
    weights = None
    if weighted:
        den = rows["denominator"].to_numpy(dtype=float)
        if not np.isfinite(den).all():
            raise OptionError("weighted=True needs a denominator on every row of the panel; "
                              f"{int((~np.isfinite(den)).sum())} row(s) have none")
        frame["weight"] = den
        weights = "weight"
    n_clusters = int(frame["cluster"].nunique())
    if n_clusters < MIN_AREA_CLUSTERS and chosen in ("analytic", "multiplier"):
        warnings.warn(f"only {n_clusters} authorities: conventional cluster-robust "
                      f"inference needs many clusters (at least {MIN_AREA_CLUSTERS} here); "
                      "consider method='wcr'", EstimationWarning, stacklevel=2)
    gt = att_gt(frame, "y", "unit", "time", "cohort", control_group=control_group,
                method="reg", cluster="cluster", weights=weights)
    aggs: dict[str, AggregateResult] = {}
    tables: dict[str, InferenceTable] = {}
    for kind in kinds:
        window: dict[str, Any] = {"event": {"min_e": min_e, "max_e": max_e},
                                  "calendar": {}}.get(kind, {"max_e": max_e})
        aggs[kind] = aggregate(gt, cast(AggregationKind, kind), **window)
        tables[kind] = infer(aggs[kind], frame, method=chosen, outcome="y", unit="unit",
                             time="time", cohort="cohort", cluster="cluster", draws=draws,
                             rng=rng, level=ci_level)
    record = next(iter(tables.values())).record
    n_units = int(frame["unit"].nunique())
    units = (f"{n_units:,} schools in them" if level == "school"
             else "one row per authority and period")
    valid = (
        "with this many clusters conventional cluster-robust inference is valid"
        if n_clusters >= MIN_AREA_CLUSTERS else
        f"fewer than {MIN_AREA_CLUSTERS} clusters: conventional cluster-robust inference may "
        "understate the uncertainty")
    words = (f"{describe_method(record)} The authority is the cluster ({n_clusters} "
             f"authorities; {units}): {valid}. Effects resting on few treated authorities "
             "(see the number of treated authorities by event time) are less certain than "
             "their intervals say.")
    return AreaStaggeredResult(
        measure=measure, level=level, group_time=gt,
        aggregations=MappingProxyType(aggs), inference=MappingProxyType(tables),
        method=chosen, method_description=words, n_clusters=n_clusters,
        n_units=n_units, cohorts=MappingProxyType(cohort_of),
        excluded=MappingProxyType(excluded), timing_rule=timing.timing_rule,
        control_group=control_group, frame=frame)
