"""Sun and Abraham (2021) interaction-weighted event study.

A regression with unit and period effects and a full set of cohort-by-relative-period dummies
(one reference period left out per cohort, a clean comparison cohort with no dummies) gives
cohort-specific effects ``CATT(g, e)`` that are not contaminated by other cohorts' effects. The
event-study estimate for relative period ``e`` averages them with the cohorts' shares among the
cohorts observed at ``e``. Standard errors combine the regression's cluster-robust influence
functions with the influence of the estimated shares.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from eah_eval.did.event_options import check_event_window, reference_periods
from eah_eval.did.panel import prepare_panel, require_nested_clusters, subset_panel
from eah_eval.did.results import EffectTable
from eah_eval.did.table_delegation import TableResult
from eah_eval.did.two_way_fe import TwoWayFE
from eah_eval.errors import (
    EstimationError,
    EstimationWarning,
    check_option,
)

__all__ = ["SUN_ABRAHAM_CONTROLS", "SunAbrahamControl", "SunAbrahamResult", "sun_abraham"]

SunAbrahamControl = Literal["never_treated", "last_treated"]
SUN_ABRAHAM_CONTROLS: tuple[str, ...] = ("never_treated", "last_treated")


@dataclass(frozen=True, eq=False, repr=False)  # short repr from TableAccess
class SunAbrahamResult(TableResult):
    """Interaction-weighted event study with its cohort effects, weights and influence functions.

    Attributes
    ----------
    table : EffectTable
        Interaction-weighted estimates by relative period (index ``event_time``; the reference
        period is not a row).
    overall : EffectTable
        Average effect over all treated cohort-periods (``e >= 0``), weighted by their sizes.
    cohort_effects : EffectTable
        ``CATT(g, e)`` from the saturated regression (index ``cohort``, ``event_time``).
    cell_weights : pandas.DataFrame
        ``event_time``, ``cohort``, ``weight``: the shares used for each relative period.
    influence : numpy.ndarray
        Cluster-level influence functions of the event-time estimates, shape
        ``(n_clusters, n_event_times)``; ``std_errors**2 == (influence**2).sum(axis=0)``.
    overall_influence : numpy.ndarray
        Cluster-level influence function of the overall estimate, shape ``(n_clusters,)``.
    cohort_influence : numpy.ndarray
        Cluster-level influence functions of ``CATT(g, e)``, ``(n_clusters, n_cells)``.
    cluster_labels : numpy.ndarray
        Cluster labels in the row order of the influence matrices.
    control : str
        Comparison cohort used.
    n_obs, n_units : int
        Rows and units in the estimation sample.
    """

    table: EffectTable
    overall: EffectTable
    cohort_effects: EffectTable
    cell_weights: pd.DataFrame
    influence: np.ndarray
    overall_influence: np.ndarray
    cohort_influence: np.ndarray
    cluster_labels: np.ndarray
    control: str
    n_obs: int
    n_units: int

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return int(self.cluster_labels.shape[0])


def sun_abraham(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    control: SunAbrahamControl = "never_treated",
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
    never_treated_value: float = 0,
    reference: int | Sequence[int] = -1,
    min_e: int | None = None,
    max_e: int | None = None,
    share_variance: bool = True,
) -> SunAbrahamResult:
    """Sun and Abraham's interaction-weighted event-study estimator.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit and period (balanced or not).
    outcome, unit, time, cohort : str
        Column names; ``cohort`` is the first treated period (``never_treated_value`` if never),
        on the same integer scale as ``time``.
    control : {"never_treated", "last_treated"}, default "never_treated"
        Comparison cohort. ``"last_treated"`` uses the last cohort to be treated (together with
        any never-treated units) and keeps only periods before it is treated.
    cluster : str, optional
        Cluster column (must contain whole units); default the unit.
    weights : str, optional
        Sampling weights: weighted regression, and shares weighted by them.
    covariates : sequence of str, optional
        Time-varying covariates entering linearly (no interactions).
    never_treated_value : float, default 0
        Cohort code of never-treated units.
    reference : int or sequence of int, default -1
        Relative period(s) without a dummy for every cohort.
    min_e, max_e : int, optional
        Keep only treated cohorts' rows with relative period in ``[min_e, max_e]`` (trimming,
        not binning: binning would pool cohort effects again).
    share_variance : bool, default True
        Include the estimation error of the cohort shares in the standard errors of the
        aggregated estimates (the paper's variance); ``False`` treats the shares as fixed
        (as ``fixest::aggregate`` does).

    Returns
    -------
    SunAbrahamResult
        Event-time estimates, overall estimate, cohort effects, weights and influence functions.

    Raises
    ------
    OptionError
        For an unknown ``control``, or ``min_e > max_e``.
    EstimationError
        If there is no comparison cohort, no treated cohort, clusters split units, or the
        cohort-by-period effects are not identified.

    Notes
    -----
    The regression is ``y_it = a_i + l_t + sum_{g not C} sum_{e not in ref} d_ge 1{G_i = g}
    1{t - G_i = e} + x_it'b + u_it``; ``d_ge`` estimates ``CATT(g, e)``. With a balanced panel,
    no covariates and never-treated controls, ``d_ge`` equals the Callaway-Sant'Anna
    ``ATT(g, g + e)`` with a universal base period exactly. The event-time estimate is
    ``nu_e = sum_g w_ge d_ge`` with ``w_ge`` the share of cohort ``g`` among the (weighted)
    rows of cohorts observed at ``e``, which is the share of units in a balanced panel.

    Standard errors: the influence of cluster ``c`` on ``d`` is ``K^+ s_c`` with ``K`` the
    normal matrix after absorbing unit effects and ``s_c = sum_{it in c} w_it u_it x_it`` (the
    plain cluster-robust sandwich, no small-sample factor); the influence on ``w_ge`` is
    ``(n_cge - w_ge n_ce) / N_e`` with ``n_cge`` the cluster's weight in cell ``(g, e)`` and
    ``n_ce`` its weight in all cells at ``e``. The variance of ``nu_e`` sums the squares of
    ``sum_g w_ge psi^d_cge + sum_g d_ge psi^w_cge`` over clusters, which includes the share
    term of Sun and Abraham (2021, Proposition 6) and its covariance with ``d``.

    Units treated in the first period (no pre-period) are dropped with a warning; units first
    treated after the last period are untreated throughout and serve as controls.

    References
    ----------
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event studies
    with heterogeneous treatment effects. Journal of Econometrics 225(2), 175-199.
    """
    control = check_option("control", control, SUN_ABRAHAM_CONTROLS)  # type: ignore[assignment]
    check_event_window(min_e, max_e)
    refs = reference_periods(reference, allow_empty=False)
    panel = prepare_panel(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        cluster=cluster,
        weights=weights,
        covariates=covariates,
        never_treated_value=never_treated_value,
    )
    require_nested_clusters(panel)
    t_min, t_max = float(panel.times[0]), float(panel.times[-1])
    g = np.where(panel.cohort > t_max, np.inf, panel.cohort)
    always = np.isfinite(g) & (g <= t_min)
    keep = ~always
    if always.any():
        n_always = np.unique(panel.unit_codes[always]).shape[0]
        warnings.warn(
            f"{n_always} unit(s) treated from the first period have no pre-period and are "
            "dropped",
            EstimationWarning,
            stacklevel=2,
        )
    if control == "last_treated":
        finite = g[keep & np.isfinite(g)]
        if finite.size == 0:
            raise EstimationError("no treated cohort in the data")
        last = float(finite.max())
        g = np.where(g == last, np.inf, g)
        keep &= panel.time < last
    elif not np.any(~np.isfinite(g) & keep):
        raise EstimationError(
            "no never-treated units to compare with; use control='last_treated'"
        )
    rel = np.where(np.isfinite(g), np.round(panel.time - g), np.nan)
    treated_row = np.isfinite(g)
    lo = -np.inf if min_e is None else min_e
    hi = np.inf if max_e is None else max_e
    keep &= ~treated_row | ((rel >= lo) & (rel <= hi))
    sub = subset_panel(panel, keep)
    g, rel = g[keep], rel[keep]
    treated_row = np.isfinite(g)
    if not treated_row.any():
        raise EstimationError("no treated cohort left to estimate after the sample restrictions")
    if treated_row.all():
        raise EstimationError("no comparison units left after the sample restrictions")

    in_cell = treated_row & ~np.isin(rel, refs)
    g_codes, g_values = pd.factorize(g[in_cell], sort=True)
    e_in = rel[in_cell].astype(np.int64)
    e_lo, e_span = int(e_in.min()), int(e_in.max() - e_in.min()) + 1
    raw = np.asarray(g_codes, dtype=np.int64) * e_span + (e_in - e_lo)
    cell_codes_in, cell_raw = pd.factorize(raw, sort=True)
    cell_raw = np.asarray(cell_raw, dtype=np.int64)
    m = cell_raw.size
    cell_codes = np.full(sub.n_obs, -1, dtype=np.int64)
    cell_codes[in_cell] = cell_codes_in
    rows = np.flatnonzero(in_cell)
    dummies = sparse.csr_matrix(
        (np.ones(rows.size), (rows, cell_codes_in)), shape=(sub.n_obs, m)
    )
    extra = sparse.hstack([dummies, sparse.csr_matrix(sub.covariates)], format="csr")
    fe = TwoWayFE(sub.unit_codes, sub.time_codes, sub.weights, sub.n_units, sub.n_periods, extra)
    q = fe.n_small
    if fe.reduced_rank < q - 1:
        raise EstimationError(
            "cohort-by-period effects are not identified: the dummies are collinear with the "
            f"unit and period effects (rank {fe.reduced_rank} < {q - 1}); check that the "
            "comparison cohort covers every period"
        )
    theta_u, theta_s = fe.coefficients(sub.y[:, None])
    resid = sub.y - fe.fitted(theta_u, theta_s)[:, 0]
    n_cl = sub.n_clusters
    psi_all = fe.cluster_influence(sub.cluster_codes, resid, n_cl)  # sums to the estimation error
    t_n = sub.n_periods
    delta = theta_s[t_n : t_n + m, 0]
    psi_delta = psi_all[:, t_n : t_n + m]
    cov_delta = psi_delta.T @ psi_delta

    cell_g = np.asarray(g_values, dtype=np.float64)[cell_raw // e_span]
    cell_e = cell_raw % e_span + e_lo
    cell_weight = np.bincount(cell_codes_in, sub.weights[in_cell], minlength=m)
    cl_cell = np.asarray(
        sparse.csr_matrix(
            (sub.weights[in_cell], (sub.cluster_codes[in_cell], cell_codes_in)), shape=(n_cl, m)
        ).todense()
    )
    cell_units = np.asarray(
        pd.Series(sub.unit_codes[in_cell]).groupby(cell_codes_in).nunique().reindex(range(m))
    )

    def aggregate(select: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        idx = np.flatnonzero(select)
        total = cell_weight[idx].sum()
        share = cell_weight[idx] / total
        est = float(share @ delta[idx])
        infl = psi_delta[:, idx] @ share
        if share_variance:
            share_infl = (cl_cell[:, idx] - np.outer(cl_cell[:, idx].sum(axis=1), share)) / total
            infl = infl + share_infl @ delta[idx]
        return est, infl, share

    events = np.unique(cell_e)
    est_e = np.empty(events.size)
    infl_e = np.empty((n_cl, events.size))
    weight_rows: list[dict[str, float]] = []
    for j, e in enumerate(events):
        sel = cell_e == e
        est_e[j], infl_e[:, j], share = aggregate(sel)
        weight_rows.extend(
            {"event_time": int(e), "cohort": cg, "weight": float(s)}
            for cg, s in zip(cell_g[sel], share, strict=True)
        )
    post = cell_e >= 0
    if post.any():
        est_o, infl_o, _ = aggregate(post)
    else:
        est_o, infl_o = np.nan, np.full(n_cl, np.nan)

    meta = {
        "estimator": "Sun-Abraham interaction-weighted event study",
        "outcome": outcome,
        "control": control,
        "reference periods": refs,
        "window": f"[{min_e}, {max_e}] (rows outside dropped)",
        "standard errors": f"cluster-robust by {cluster or unit} ({n_cl} clusters), "
        + (
            "including the estimated cohort shares"
            if share_variance
            else "cohort shares treated as fixed"
        ),
        "weights": weights or "none",
        "covariates": list(panel.covariate_names) or "none",
    }
    table = EffectTable(
        index=pd.Index(events, name="event_time"),
        estimates=est_e,
        std_errors=np.sqrt((infl_e**2).sum(axis=0)),
        title="Sun-Abraham event study",
        metadata=meta,
        extra={"n_cohorts": np.array([int((cell_e == e).sum()) for e in events])},
    )
    overall = EffectTable(
        index=pd.Index(["ATT"], name="term"),
        estimates=np.array([est_o]),
        std_errors=np.array([np.sqrt((infl_o**2).sum())]),
        title="Sun-Abraham overall effect (treated cohort-periods, size-weighted)",
        metadata=meta,
    )
    cohort_effects = EffectTable(
        index=pd.MultiIndex.from_arrays([cell_g, cell_e], names=["cohort", "event_time"]),
        estimates=delta,
        std_errors=np.sqrt(np.diag(cov_delta)),
        title="Sun-Abraham cohort effects CATT(g, e)",
        metadata=meta,
        extra={"n_units": cell_units},
    )
    return SunAbrahamResult(
        table=table,
        overall=overall,
        cohort_effects=cohort_effects,
        cell_weights=pd.DataFrame(weight_rows, columns=["event_time", "cohort", "weight"]),
        influence=infl_e,
        overall_influence=infl_o,
        cohort_influence=psi_delta,
        cluster_labels=sub.cluster_labels,
        control=control,
        n_obs=sub.n_obs,
        n_units=sub.n_units,
    )
