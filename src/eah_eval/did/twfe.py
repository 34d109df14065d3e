"""Two-way fixed effects regressions, static and event study.

The static model regresses the outcome on a treatment dummy ``D_it = 1{t >= G_i}`` with unit and
period effects; the event-study model replaces the dummy by relative-period indicators
``1{t - G_i = e}`` (reference period ``e = -1`` left out). Both are fitted by
:class:`linearmodels.panel.PanelOLS` with entity and time effects and cluster-robust standard
errors (by unit, or by a coarser cluster such as the cluster of schools).

Under staggered adoption with effects that vary across cohorts or over time the static
coefficient is a weighted average of 2x2 comparisons, some of which use already-treated units as
controls (see :func:`eah_eval.did.bacon.bacon`); the robust alternatives are
:func:`eah_eval.did.sun_abraham.sun_abraham`, :func:`eah_eval.did.imputation.imputation` and
the group-time estimator.

Each model is fitted once, by PanelOLS (speed does not matter here; the published TWFE numbers
are linearmodels'). The exact fixed-effects solver of :mod:`eah_eval.did.two_way_fe`, which the
Sun-Abraham and imputation estimators use for speed, runs here only when a variance estimator
asks for the within-transformed design (:attr:`TwfeDesign.x`, :attr:`TwfeDesign.y`) or to
state the rank in a collinearity error. The panel preparation shared by the comparator
estimators lives in :mod:`eah_eval.did.panel`; :class:`Panel`,
:func:`prepare_panel`, :func:`require_nested_clusters`, :class:`TwoWayFE` and
:class:`TableResult` are re-exported here so existing imports keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from eah_eval.did.event_options import check_event_window, reference_periods
from eah_eval.did.panel import Panel, prepare_panel, require_nested_clusters, subset_panel
from eah_eval.did.results import EffectTable
from eah_eval.did.table_delegation import TableResult
from eah_eval.did.two_way_fe import TwoWayFE, sum_by_code
from eah_eval.errors import EstimationError, check_option

__all__ = [
    "EventBinning",
    "Panel",
    "TableResult",
    "TwfeDesign",
    "TwfeKind",
    "TwfeResult",
    "TwoWayFE",
    "prepare_panel",
    "require_nested_clusters",
    "twfe",
]

TwfeKind = Literal["static", "event"]
EventBinning = Literal["bin", "drop"]
TWFE_KINDS: tuple[str, ...] = ("static", "event")
EVENT_BINNINGS: tuple[str, ...] = ("bin", "drop")


# --------------------------------------------------------------------------------- TWFE results
@dataclass(frozen=True, eq=False)
class TwfeDesign:
    """What inference needs to recompute a TWFE variance (CR2, wild cluster bootstrap).

    All arrays are row-aligned with the estimation sample.

    Attributes
    ----------
    x_raw : numpy.ndarray
        Regressors before the transformation (0/1 dummies, then covariates).
    y_raw : numpy.ndarray
        Outcome before the transformation.
    residuals : numpy.ndarray
        Regression residuals ``y - x @ params`` (equal to the full-model residuals).
    params : numpy.ndarray
        Coefficients on the columns of ``x``.
    weights : numpy.ndarray
        Sampling weights (ones when none).
    cluster_codes, unit_codes, time_codes : numpy.ndarray
        Integer codes per row.
    columns : tuple of str
        Names of the columns of ``x``.

    Notes
    -----
    The model is fitted once (by :class:`linearmodels.panel.PanelOLS` in :func:`twfe`); the
    within-transformed :attr:`x` and :attr:`y` are computed only when a variance estimator
    asks for them, by the exact two-way projection of :class:`TwoWayFE`.
    """

    x_raw: np.ndarray
    y_raw: np.ndarray
    residuals: np.ndarray
    params: np.ndarray
    weights: np.ndarray
    cluster_codes: np.ndarray
    unit_codes: np.ndarray
    time_codes: np.ndarray
    columns: tuple[str, ...]

    @cached_property
    def _within(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` with unit and period effects removed (weighted), computed once."""
        fe = TwoWayFE(self.unit_codes, self.time_codes, self.weights,
                      int(self.unit_codes.max()) + 1, int(self.time_codes.max()) + 1)
        within = fe.residualize(np.column_stack([self.x_raw, self.y_raw]))
        return within[:, :-1], within[:, -1]

    @property
    def x(self) -> np.ndarray:
        """Regressors after removing unit and period effects, shape ``(n, k)``."""
        return self._within[0]

    @property
    def y(self) -> np.ndarray:
        """Outcome after removing unit and period effects (the same transformation)."""
        return self._within[1]

    def bread(self) -> np.ndarray:
        """``(X'WX)^{-1}`` of the transformed regressors."""
        return np.asarray(np.linalg.inv(self.x.T @ (self.weights[:, None] * self.x)))

    def scores(self) -> np.ndarray:
        """Per-cluster score sums ``sum_i w_i x_i e_i``, shape ``(n_clusters, k)``."""
        xe = self.x * (self.weights * self.residuals)[:, None]
        return sum_by_code(self.cluster_codes, xe, int(self.cluster_codes.max()) + 1)

    def cluster_robust_cov(self) -> np.ndarray:
        """Cluster-robust covariance with no small-sample factor (matches the fitted table)."""
        bread = self.bread()
        s = self.scores()
        return np.asarray(bread @ (s.T @ s) @ bread)

    def full_design(self) -> sparse.csr_matrix:
        """Untransformed design ``[x_raw, unit dummies, period dummies without the first]``.

        Returns
        -------
        scipy.sparse.csr_matrix
            Shape ``(n, k + n_units + n_periods - 1)``; regressing the raw outcome on it (with
            the weights) reproduces :attr:`params` in its first ``k`` coefficients. Needed for
            CR2 leverage adjustments, which use the projection on the full design.
        """
        n = self.x.shape[0]
        rows = np.arange(n)
        n_units = int(self.unit_codes.max()) + 1
        n_periods = int(self.time_codes.max()) + 1
        units = sparse.csr_matrix((np.ones(n), (rows, self.unit_codes)), shape=(n, n_units))
        times = sparse.csr_matrix((np.ones(n), (rows, self.time_codes)), shape=(n, n_periods))
        return sparse.hstack(
            [sparse.csr_matrix(self.x_raw), units, times[:, 1:]], format="csr"
        )



@dataclass(frozen=True, eq=False, repr=False)  # short repr from TableAccess
class TwfeResult(TableResult):
    """Two-way fixed-effects estimates (static or event study) with the design behind them.

    Attributes
    ----------
    table : EffectTable
        The estimates (index ``term`` for the static model, ``event_time`` for the event study).
    kind : {"static", "event"}
        Which model was fitted.
    design : TwfeDesign
        Transformed design, residuals, weights and cluster codes (for CR2 / wild bootstrap).
    covariance : numpy.ndarray
        Cluster-robust covariance of all coefficients (treatment terms first, then covariates).
    n_obs, n_units, n_clusters : int
        Sample sizes.
    reference : tuple of int
        Relative periods left out of the event study (empty for the static model).
    """

    table: EffectTable
    kind: str
    design: TwfeDesign
    covariance: np.ndarray
    n_obs: int
    n_units: int
    n_clusters: int
    reference: tuple[int, ...] = ()


def twfe(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    kind: TwfeKind = "static",
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
    never_treated_value: float = 0,
    reference: int | Sequence[int] = -1,
    min_e: int | None = None,
    max_e: int | None = None,
    binning: EventBinning = "bin",
    small_sample: bool = False,
) -> TwfeResult:
    """Two-way fixed-effects regression, static or event study, with clustered errors.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel (balanced or not), one row per unit and period.
    outcome, unit, time, cohort : str
        Column names; ``cohort`` is the first treated period (``never_treated_value`` if never).
    kind : {"static", "event"}, default "static"
        ``"static"``: one coefficient on ``D_it = 1{t >= G_i}``. ``"event"``: one coefficient per
        relative period ``e = t - G_i`` of ever-treated units, leaving out ``reference``.
    cluster : str, optional
        Cluster column for the standard errors; default the unit.
    weights : str, optional
        Sampling weight column (weighted least squares).
    covariates : sequence of str, optional
        Time-varying covariates added linearly.
    never_treated_value : float, default 0
        Cohort code of never-treated units.
    reference : int or sequence of int, default -1
        Relative period(s) left out of the event study (the normalisation).
    min_e, max_e : int, optional
        Event window. With ``binning="bin"`` relative periods beyond the window are pooled into
        the end points; with ``"drop"`` those rows are dropped from the sample.
    binning : {"bin", "drop"}, default "bin"
        Treatment of relative periods outside ``[min_e, max_e]``.
    small_sample : bool, default False
        Multiply the clustered covariance by ``G / (G - 1) * (n - 1) / n`` (linearmodels'
        ``group_debias``); the default is the plain sandwich, as in the group-time estimator.

    Returns
    -------
    TwfeResult
        Estimates in the shared table model, the covariance, and the design for other
        variance estimators (:meth:`TwfeDesign.full_design`, :meth:`TwfeDesign.scores`).

    Raises
    ------
    OptionError
        For an unknown ``kind`` or ``binning``, or ``min_e > max_e``.
    EstimationError
        If the treatment terms are collinear with the unit and period effects (e.g. an event
        study without never-treated units that leaves out only one relative period; with
        cohorts whose first treated periods differ by multiples of ``d > 1``, fewer than
        ``d + 1`` consecutive ones), or no unit changes treatment.

    Notes
    -----
    The model is ``y_it = a_i + l_t + sum_k b_k x_kit + e_it`` fitted by
    :class:`linearmodels.panel.PanelOLS` (``entity_effects=True, time_effects=True``) with
    ``cov_type="clustered"`` and no degrees-of-freedom correction unless ``small_sample``.
    Under staggered adoption with heterogeneous effects, ``b`` is not a convex average of the
    cohort effects (Goodman-Bacon 2021; Sun and Abraham 2021 for the event-study leads and
    lags); use the robust estimators for inference about effects.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame([(i, t, [0, 3, 5][i % 3]) for i in range(30) for t in range(1, 7)],
    ...                   columns=["unit", "time", "cohort"])
    >>> df["y"] = rng.normal(size=len(df)) + 2.0 * ((df.cohort > 0) & (df.time >= df.cohort))
    >>> res = twfe(df, outcome="y", unit="unit", time="time", cohort="cohort")
    >>> bool(abs(res.estimates[0] - 2.0) < 3 * res.std_errors[0])
    True
    """
    kind = check_option("kind", kind, TWFE_KINDS)  # type: ignore[assignment]
    binning = check_option("binning", binning, EVENT_BINNINGS)  # type: ignore[assignment]
    check_event_window(min_e, max_e)
    refs = reference_periods(reference, allow_empty=True)
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
    ever = np.isfinite(panel.cohort)
    keep = np.ones(panel.n_obs, dtype=bool)
    if kind == "static":
        terms: list[Any] = ["treated"]
        x_raw = panel.treated.astype(np.float64)[:, None]
        index = pd.Index(terms, name="term")
    else:
        rel = np.where(ever, np.round(panel.time - panel.cohort), np.nan)
        lo = -np.inf if min_e is None else min_e
        hi = np.inf if max_e is None else max_e
        if binning == "bin":
            rel = np.where(ever, np.clip(rel, lo, hi), np.nan)
        else:
            keep = ~ever | ((rel >= lo) & (rel <= hi))
        present = np.sort(pd.unique(rel[ever & keep]))
        terms = [int(e) for e in present if int(e) not in refs]
        x_raw = (rel[:, None] == np.asarray(terms, dtype=np.float64)[None, :]).astype(np.float64)
        index = pd.Index(terms, name="event_time")
    if not terms or not np.any(x_raw[keep]):
        raise EstimationError("no treated observations: every unit is untreated throughout")
    x_raw = np.column_stack([x_raw, panel.covariates])[keep]
    columns = tuple(
        [f"e={t}" if kind == "event" else str(t) for t in terms] + list(panel.covariate_names)
    )
    sub = subset_panel(panel, keep)
    params, cov, resid = _panelols_fit(sub, x_raw, columns, small_sample, kind)
    design = TwfeDesign(
        x_raw=x_raw,
        y_raw=sub.y,
        residuals=resid,
        params=params,
        weights=sub.weights,
        cluster_codes=sub.cluster_codes,
        unit_codes=sub.unit_codes,
        time_codes=sub.time_codes,
        columns=columns,
    )
    n_terms = len(terms)
    n_treated_obs = (x_raw[:, :n_terms] != 0).sum(axis=0)
    table = EffectTable(
        index=index,
        estimates=params[:n_terms],
        std_errors=np.sqrt(np.diag(cov)[:n_terms]),
        title="Two-way fixed effects" + (" event study" if kind == "event" else " (static)"),
        metadata={
            "estimator": "two-way fixed effects (linearmodels PanelOLS, unit and period effects)",
            "kind": kind,
            "outcome": outcome,
            "standard errors": f"clustered by {cluster or unit} ({sub.n_clusters} clusters)"
            + (", factor G/(G-1) (n-1)/n" if small_sample else ", no small-sample factor"),
            "weights": weights or "none",
            "covariates": list(panel.covariate_names) or "none",
            **(
                {
                    "reference periods": refs,
                    "window": f"[{min_e}, {max_e}] ({binning})",
                }
                if kind == "event"
                else {}
            ),
            "warning": "biased under staggered timing with heterogeneous effects",
        },
        extra={"n_obs": n_treated_obs},
    )
    return TwfeResult(
        table=table,
        kind=kind,
        design=design,
        covariance=cov,
        n_obs=sub.n_obs,
        n_units=sub.n_units,
        n_clusters=sub.n_clusters,
        reference=refs if kind == "event" else (),
    )



def _collinear_message(rank: int, n_columns: int, cohort: np.ndarray, kind: str) -> str:
    """Say why the treatment terms are collinear and what to leave out instead."""
    text = (f"the treatment terms are collinear with the unit and period effects (rank {rank} "
            f"< {n_columns} columns)")
    starts = np.unique(cohort[np.isfinite(cohort)])
    if kind != "event" or not np.isfinite(cohort).all() or starts.size == 0:
        return text
    text += (". Without never-treated units the unit and period effects absorb a linear trend "
             "in relative time, so an event study must leave out at least two relative "
             "periods, e.g. reference=(-1, min_e), or bin the end points with min_e/max_e. "
             "Two are necessary but not always sufficient")
    gaps = np.round(np.diff(starts)).astype(np.int64)
    d = int(np.gcd.reduce(gaps)) if gaps.size else 0
    if d > 1:
        shown = ", ".join(f"{v:g}" for v in starts)
        refs = tuple(range(-1, -d - 2, -1))
        text += (f": the cohorts' first treated periods ({shown}) differ by multiples of {d}, "
                 f"so relative time modulo {d} is fixed by the period and {d + 1} consecutive "
                 f"relative periods must be left out, e.g. reference={refs}")
    else:
        text += (" (when the cohorts' first treated periods all differ by multiples of some "
                 "d > 1, d + 1 consecutive relative periods must be left out)")
    return text


def _panelols_fit(
    panel: Panel, x_raw: np.ndarray, columns: tuple[str, ...], small_sample: bool, kind: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit the model once with PanelOLS: coefficients, covariance and full-model residuals.

    Raises
    ------
    EstimationError
        If the regressors are collinear with the unit and period effects (PanelOLS finds it;
        the rank in the message is computed only then).
    """
    from linearmodels.panel import PanelOLS
    from linearmodels.panel.utility import AbsorbingEffectError

    idx = pd.MultiIndex.from_arrays(
        [panel.unit_codes, panel.time_codes], names=["unit", "time"]
    )
    exog = pd.DataFrame(x_raw, index=idx, columns=list(columns))
    dep = pd.Series(panel.y, index=idx, name="y")
    wts = pd.Series(panel.weights, index=idx, name="w")
    model = PanelOLS(dep, exog, weights=wts, entity_effects=True, time_effects=True)
    clusters = pd.DataFrame({"cluster": panel.cluster_codes}, index=idx)
    try:
        # plain sandwich: effects not counted as degrees of freedom, optional G/(G-1) only;
        # low_memory=False keeps the exact (non-iterative) two-way transformation
        res = model.fit(
            cov_type="clustered",
            clusters=clusters,
            debiased=False,
            auto_df=False,
            count_effects=False,
            group_debias=small_sample,
            low_memory=False,
        )
    except AbsorbingEffectError:
        raise EstimationError(_collinear_message(
            _within_rank(panel, x_raw), x_raw.shape[1], panel.cohort, kind)) from None
    params = res.params.reindex(list(columns)).to_numpy(dtype=np.float64)
    cov = res.cov.reindex(index=list(columns), columns=list(columns)).to_numpy(dtype=np.float64)
    resid = res.resids.reindex(idx).to_numpy(dtype=np.float64)
    return params, cov, resid


def _within_rank(panel: Panel, x_raw: np.ndarray) -> int:
    """Rank of the regressors after removing unit and period effects (for the message)."""
    fe = TwoWayFE(panel.unit_codes, panel.time_codes, panel.weights, panel.n_units,
                  panel.n_periods)
    x_dm = fe.residualize(x_raw) * np.sqrt(panel.weights)[:, None]
    return int(np.linalg.matrix_rank(x_dm, tol=1e-8 * max(1.0, np.abs(x_dm).max())))
