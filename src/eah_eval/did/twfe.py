"""Two-way fixed effects regressions, static and event study, and the panel they read.

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

This module also holds the panel preparation shared by the comparator estimators
(:func:`prepare_panel`), so each reads its input the same way.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from eah_eval.did.results import EffectTable
from eah_eval.errors import (
    DataQualityWarning,
    EstimationError,
    OptionError,
    OptionTypeError,
    check_option,
)

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


# ---------------------------------------------------------------------------------- panel input
@dataclass(frozen=True, eq=False)
class Panel:
    """A long panel read once, in the arrays the comparator estimators work on.

    Attributes
    ----------
    y : numpy.ndarray
        Outcome, one entry per kept row.
    unit_codes, time_codes, cluster_codes : numpy.ndarray
        Integer codes (0-based) of unit, period and cluster per row.
    unit_labels, cluster_labels : numpy.ndarray
        Labels behind the codes, in code order (sorted).
    times : numpy.ndarray
        Sorted distinct period values; ``times[time_codes]`` is each row's period.
    time : numpy.ndarray
        Period value per row (float).
    cohort : numpy.ndarray
        First treated period per row (float), ``inf`` for never-treated units.
    weights : numpy.ndarray
        Sampling weight per row (ones when none were given).
    covariates : numpy.ndarray
        Covariate matrix, shape ``(n, p)`` (``p`` may be 0).
    covariate_names : tuple of str
        Covariate column names.
    names : dict
        Column names used (outcome, unit, time, cohort, cluster, weights).
    n_dropped : int
        Rows dropped because of missing values.
    """

    y: np.ndarray
    unit_codes: np.ndarray
    unit_labels: np.ndarray
    time_codes: np.ndarray
    times: np.ndarray
    time: np.ndarray
    cohort: np.ndarray
    weights: np.ndarray
    cluster_codes: np.ndarray
    cluster_labels: np.ndarray
    covariates: np.ndarray
    covariate_names: tuple[str, ...]
    names: dict[str, str | None] = field(default_factory=dict)
    n_dropped: int = 0

    @property
    def n_obs(self) -> int:
        """Number of rows kept."""
        return int(self.y.shape[0])

    @property
    def n_units(self) -> int:
        """Number of units."""
        return int(self.unit_labels.shape[0])

    @property
    def n_periods(self) -> int:
        """Number of distinct periods."""
        return int(self.times.shape[0])

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return int(self.cluster_labels.shape[0])

    @property
    def treated(self) -> np.ndarray:
        """Treatment dummy ``1{t >= G_i}`` per row (bool)."""
        return self.time >= self.cohort

    @property
    def unit_cohort(self) -> np.ndarray:
        """First treated period per unit (``inf`` = never treated)."""
        out = np.empty(self.n_units)
        out[self.unit_codes] = self.cohort
        return out

    @property
    def is_balanced(self) -> bool:
        """Whether every unit is observed in every period."""
        return self.n_obs == self.n_units * self.n_periods


def _numeric(values: pd.Series, name: str, column: str) -> np.ndarray:
    try:
        out = pd.to_numeric(values, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise EstimationError(
            f"{name} column {column!r} must be numeric; found values such as "
            f"{values.dropna().astype(str).head(3).tolist()}"
        ) from exc
    return out


def prepare_panel(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
    never_treated_value: float = 0,
) -> Panel:
    """Read a long panel into arrays, checking what every comparator estimator relies on.

    Rows with a missing outcome, weight or covariate are dropped with a
    :class:`~eah_eval.errors.DataQualityWarning` that gives the count.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit and period.
    outcome, unit, time, cohort : str
        Column names. ``time`` and ``cohort`` must be numeric on the same scale; ``cohort`` is the
        first treated period, constant within unit, ``never_treated_value`` for never-treated.
    cluster : str, optional
        Cluster column (defaults to the unit).
    weights : str, optional
        Sampling weight column (positive, finite).
    covariates : sequence of str, optional
        Numeric covariate columns.
    never_treated_value : float, default 0
        Cohort code of never-treated units.

    Returns
    -------
    Panel
        The arrays.

    Raises
    ------
    OptionTypeError
        If ``data`` is not a data frame or a column name is not a string.
    OptionError
        If a named column is missing.
    EstimationError
        If the panel has duplicate unit-periods, missing cohorts or time values, a cohort that
        changes within a unit, non-positive weights, or no rows left.
    """
    if not isinstance(data, pd.DataFrame):
        raise OptionTypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    covs = tuple(covariates or ())
    named: dict[str, str | None] = {
        "outcome": outcome,
        "unit": unit,
        "time": time,
        "cohort": cohort,
        "cluster": cluster,
        "weights": weights,
    }
    for role, col in [*named.items(), *((f"covariates[{i}]", c) for i, c in enumerate(covs))]:
        if col is not None and not isinstance(col, str):
            raise OptionTypeError(f"{role} must be a column name (str); got {col!r}")
    needed = [c for c in [outcome, unit, time, cohort, cluster, weights, *covs] if c is not None]
    missing = [c for c in dict.fromkeys(needed) if c not in data.columns]
    if missing:
        raise OptionError(
            f"column(s) {missing} not found in data; available columns: {list(data.columns)}"
        )
    frame = data[list(dict.fromkeys(needed))]
    for role, col in (("unit", unit), ("time", time), ("cohort", cohort)):
        n_na = int(frame[col].isna().sum())
        if n_na:
            hint = (
                f"; code never-treated units as never_treated_value={never_treated_value!r}"
                if role == "cohort"
                else ""
            )
            raise EstimationError(f"{role} column {col!r} has {n_na} missing value(s){hint}")
    if cluster is not None and frame[cluster].isna().any():
        raise EstimationError(
            f"cluster column {cluster!r} has {int(frame[cluster].isna().sum())} missing value(s)"
        )
    droppable = [c for c in [outcome, weights, *covs] if c is not None]
    keep = ~frame[droppable].isna().any(axis=1).to_numpy()
    n_dropped = int((~keep).sum())
    if n_dropped:
        warnings.warn(
            f"{n_dropped} row(s) dropped for missing values in {droppable}",
            DataQualityWarning,
            stacklevel=3,
        )
        frame = frame.loc[keep]
    if len(frame) == 0:
        raise EstimationError("no rows left after dropping rows with missing values")

    y = _numeric(frame[outcome], "outcome", outcome)
    tvals = _numeric(frame[time], "time", time)
    gvals = _numeric(frame[cohort], "cohort", cohort)
    if not np.all(np.isfinite(y)):
        raise EstimationError(f"outcome column {outcome!r} has non-finite values")
    gvals = np.where(gvals == float(never_treated_value), np.inf, gvals)

    unit_codes, unit_labels = pd.factorize(frame[unit], sort=True)
    time_codes, time_index = pd.factorize(tvals, sort=True)
    times = np.asarray(time_index, dtype=np.float64)
    unit_codes = np.asarray(unit_codes, dtype=np.int64)
    time_codes = np.asarray(time_codes, dtype=np.int64)
    n_units = len(unit_labels)

    key = unit_codes * len(times) + time_codes
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        raise EstimationError(
            f"more than one row for the same unit and period, e.g. {unit}="
            f"{unit_labels[unit_codes[first]]!r}, {time}={tvals[first]!r}; "
            f"the panel needs one row per unit and period"
        )
    gmin = np.full(n_units, np.inf)
    gmax = np.full(n_units, -np.inf)
    np.minimum.at(gmin, unit_codes, gvals)
    np.maximum.at(gmax, unit_codes, gvals)
    bad = np.flatnonzero(gmin != gmax)
    if bad.size:
        raise EstimationError(
            f"cohort column {cohort!r} must be constant within each unit; it varies for "
            f"{bad.size} unit(s), e.g. {unit_labels[bad[0]]!r}"
        )

    if weights is not None:
        w = _numeric(frame[weights], "weights", weights)
        if not np.all(np.isfinite(w) & (w > 0)):
            raise EstimationError(f"weights column {weights!r} must be positive and finite")
    else:
        w = np.ones_like(y)
    if cluster is not None:
        cl_codes, cl_labels = pd.factorize(frame[cluster], sort=True)
        cluster_codes = np.asarray(cl_codes, dtype=np.int64)
        cluster_labels = np.asarray(cl_labels)
    else:
        cluster_codes, cluster_labels = unit_codes, np.asarray(unit_labels)
    if covs:
        x = np.column_stack([_numeric(frame[c], "covariate", c) for c in covs])
        if not np.all(np.isfinite(x)):
            raise EstimationError(f"covariates {list(covs)} must be finite")
    else:
        x = np.empty((len(y), 0))
    return Panel(
        y=y,
        unit_codes=unit_codes,
        unit_labels=np.asarray(unit_labels),
        time_codes=time_codes,
        times=times,
        time=tvals,
        cohort=gvals,
        weights=w,
        cluster_codes=cluster_codes,
        cluster_labels=cluster_labels,
        covariates=x,
        covariate_names=covs,
        names=named,
        n_dropped=n_dropped,
    )


# ------------------------------------------------------------------- two-way fixed-effects algebra
class TwoWayFE:
    """Weighted least squares on unit dummies, period dummies and a few extra regressors.

    The normal equations have a diagonal unit block; eliminating it (the Schur complement)
    leaves a small ``q x q`` system over the period dummies and the extra regressors, solved
    once by a symmetric pseudo-inverse. The cost is linear in the number of rows for a fixed
    number of periods and extra columns, so 100,000-unit panels need no iteration.

    Parameters
    ----------
    unit_codes, time_codes : numpy.ndarray
        Integer codes of the rows entering the fit.
    weights : numpy.ndarray
        Row weights (positive).
    n_units, n_periods : int
        Number of unit and period codes (codes without rows get zero effects).
    extra : numpy.ndarray or scipy.sparse matrix, optional
        Extra regressors, shape ``(n, p)`` (e.g. cohort-by-period dummies, covariates).

    Notes
    -----
    Coefficients are returned as ``(unit effects, small)`` where ``small`` stacks the period
    effects and the extra coefficients. One period-effect direction is not identified next to the
    unit effects; the pseudo-inverse picks one solution, and fitted values (and coefficients of
    extra regressors that are identified) do not depend on that choice.
    """

    def __init__(
        self,
        unit_codes: np.ndarray,
        time_codes: np.ndarray,
        weights: np.ndarray,
        n_units: int,
        n_periods: int,
        extra: Any = None,
    ) -> None:
        n = unit_codes.shape[0]
        self.unit_codes = unit_codes
        self.time_codes = time_codes
        self.weights = weights
        self.n_units = n_units
        self.n_periods = n_periods
        rows = np.arange(n)
        times = sparse.csr_matrix((np.ones(n), (rows, time_codes)), shape=(n, n_periods))
        if extra is None:
            small = times
        else:
            small = sparse.hstack([times, sparse.csr_matrix(extra)], format="csr")
        self.small = small
        self.n_small = small.shape[1]
        self.unit_weight = np.bincount(unit_codes, weights, minlength=n_units)
        self._inv_unit = np.divide(
            1.0, self.unit_weight, out=np.zeros(n_units), where=self.unit_weight > 0
        )
        unit_w = sparse.csr_matrix((weights, (unit_codes, rows)), shape=(n_units, n))
        self._b = (unit_w @ small).tocsr()  # (n_units, q): A'WS
        sws = (small.T @ sparse.diags(weights) @ small).toarray()
        reduced = sws - (self._b.T @ sparse.diags(self._inv_unit) @ self._b).toarray()
        self.reduced = (reduced + reduced.T) / 2
        self._pinv = np.linalg.pinv(self.reduced, rcond=1e-11, hermitian=True)

    @property
    def reduced_rank(self) -> int:
        """Rank of the reduced normal matrix (``q - 1`` when everything is identified)."""
        scale = max(1.0, float(np.abs(self.reduced).max()))
        return int(np.linalg.matrix_rank(self.reduced, tol=1e-10 * scale, hermitian=True))

    @property
    def reduced_pinv(self) -> np.ndarray:
        """Pseudo-inverse of the reduced normal matrix (the bread for the small coefficients)."""
        return self._pinv

    def solve(self, r_unit: np.ndarray, r_small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve the normal equations ``Z'WZ theta = r``.

        Parameters
        ----------
        r_unit : numpy.ndarray
            Right-hand side rows for the unit dummies, shape ``(n_units, m)``.
        r_small : numpy.ndarray
            Right-hand side rows for the period dummies and extra regressors, ``(q, m)``.

        Returns
        -------
        tuple of numpy.ndarray
            Unit coefficients ``(n_units, m)`` and small coefficients ``(q, m)``.
        """
        rhs = r_small - self._b.T @ (self._inv_unit[:, None] * r_unit)
        theta_s = self._pinv @ rhs
        theta_u = self._inv_unit[:, None] * (r_unit - self._b @ theta_s)
        return theta_u, theta_s

    def normal_rhs(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``Z'W v`` split into unit and small parts for row values ``v`` ``(n, m)``."""
        wv = self.weights[:, None] * values
        r_unit = _bincount_columns(self.unit_codes, wv, self.n_units)
        r_small = np.asarray(self.small.T @ wv)
        return r_unit, r_small

    def coefficients(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the coefficients of the weighted regression of ``values`` ``(n, m)``."""
        return self.solve(*self.normal_rhs(values))

    def fitted(self, theta_u: np.ndarray, theta_s: np.ndarray) -> np.ndarray:
        """Fitted values ``Z theta`` at the rows of the fit."""
        return np.asarray(theta_u[self.unit_codes] + self.small @ theta_s)

    def residualize(self, values: np.ndarray) -> np.ndarray:
        """Residuals of the weighted regression of each column of ``values`` on the design."""
        values = np.asarray(values, dtype=np.float64)
        flat = values.ndim == 1
        v2 = values[:, None] if flat else values
        out = v2 - self.fitted(*self.coefficients(v2))
        return out[:, 0] if flat else out


def _bincount_columns(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, values.shape[1]))
    np.add.at(out, codes, values)
    return out


# --------------------------------------------------------------------------------- TWFE results
@dataclass(frozen=True, eq=False)
class TwfeDesign:
    """What inference needs to recompute a TWFE variance (CR2, wild cluster bootstrap).

    All arrays are row-aligned with the estimation sample.

    Attributes
    ----------
    x : numpy.ndarray
        Regressors after removing unit and period effects (weighted within transformation),
        shape ``(n, k)``.
    y : numpy.ndarray
        Outcome after the same transformation.
    x_raw : numpy.ndarray
        Regressors before the transformation (0/1 dummies, then covariates).
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
    """

    x: np.ndarray
    y: np.ndarray
    x_raw: np.ndarray
    residuals: np.ndarray
    params: np.ndarray
    weights: np.ndarray
    cluster_codes: np.ndarray
    unit_codes: np.ndarray
    time_codes: np.ndarray
    columns: tuple[str, ...]

    def bread(self) -> np.ndarray:
        """``(X'WX)^{-1}`` of the transformed regressors."""
        return np.asarray(np.linalg.inv(self.x.T @ (self.weights[:, None] * self.x)))

    def scores(self) -> np.ndarray:
        """Per-cluster score sums ``sum_i w_i x_i e_i``, shape ``(n_clusters, k)``."""
        xe = self.x * (self.weights * self.residuals)[:, None]
        return _bincount_columns(self.cluster_codes, xe, int(self.cluster_codes.max()) + 1)

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


class TableResult:
    """Table methods shared by the comparator results: all delegate to ``self.table``."""

    table: EffectTable

    @property
    def estimates(self) -> np.ndarray:
        """Point estimates of the main table."""
        return np.asarray(self.table.estimates)

    @property
    def std_errors(self) -> np.ndarray:
        """Standard errors of the main table."""
        return np.asarray(self.table.std_errors)

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided p-values of the main table."""
        return np.asarray(self.table.pvalues)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Pointwise confidence intervals (see :meth:`EffectTable.conf_int`)."""
        return self.table.conf_int(level)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy main table (see :meth:`EffectTable.to_frame`)."""
        return self.table.to_frame(level)

    def summary(self, level: float = 0.95, digits: int = 4) -> str:
        """Plain-text summary with the method and inference notes."""
        return self.table.summary(level, digits)

    def __str__(self) -> str:
        return self.table.summary()

    def _repr_html_(self) -> str:
        return self.table._repr_html_()


def require_nested_clusters(panel: Panel) -> None:
    """Raise unless every unit lies in a single cluster (clusters coarser than units).

    Raises
    ------
    EstimationError
        Naming a unit found in more than one cluster.
    """
    lo = np.full(panel.n_units, np.iinfo(np.int64).max)
    hi = np.full(panel.n_units, -1)
    np.minimum.at(lo, panel.unit_codes, panel.cluster_codes)
    np.maximum.at(hi, panel.unit_codes, panel.cluster_codes)
    bad = np.flatnonzero(lo != hi)
    if bad.size:
        raise EstimationError(
            f"cluster {panel.names.get('cluster')!r} must contain whole units; unit "
            f"{panel.unit_labels[bad[0]]!r} appears in more than one cluster"
        )


@dataclass(frozen=True, eq=False)
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
        study without never-treated units that leaves out only one relative period), or no
        unit changes treatment.

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
    if min_e is not None and max_e is not None and min_e > max_e:
        raise OptionError(f"min_e must not exceed max_e; got min_e={min_e}, max_e={max_e}")
    refs = (reference,) if isinstance(reference, int | np.integer) else tuple(reference)
    if not all(isinstance(r, int | np.integer) for r in refs):
        raise OptionTypeError(f"reference must be an int or a sequence of ints; got {reference!r}")
    refs = tuple(int(r) for r in refs)
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
    sub = _subset(panel, keep)
    fe = TwoWayFE(sub.unit_codes, sub.time_codes, sub.weights, sub.n_units, sub.n_periods)
    x_dm = fe.residualize(x_raw)
    y_dm = fe.residualize(sub.y)
    sw = np.sqrt(sub.weights)
    rank = np.linalg.matrix_rank(x_dm * sw[:, None], tol=1e-8 * max(1.0, np.abs(x_dm).max()))
    if rank < x_dm.shape[1]:
        raise EstimationError(
            "the treatment terms are collinear with the unit and period effects "
            f"(rank {rank} < {x_dm.shape[1]} columns). Without never-treated units an event "
            "study must leave out two relative periods, e.g. reference=(-1, min_e), or bin "
            "the end points with min_e/max_e"
        )
    params, cov = _panelols_fit(sub, x_raw, columns, small_sample)
    resid = y_dm - x_dm @ params
    design = TwfeDesign(
        x=x_dm,
        y=y_dm,
        x_raw=x_raw,
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


def _subset(panel: Panel, keep: np.ndarray) -> Panel:
    """Rows ``keep`` of a panel, with unit, period and cluster codes re-numbered densely."""
    if keep.all():
        return panel
    unit_codes, unit_idx = pd.factorize(panel.unit_codes[keep], sort=True)
    time_codes, time_idx = pd.factorize(panel.time_codes[keep], sort=True)
    cl_codes, cl_idx = pd.factorize(panel.cluster_codes[keep], sort=True)
    return Panel(
        y=panel.y[keep],
        unit_codes=np.asarray(unit_codes, dtype=np.int64),
        unit_labels=panel.unit_labels[np.asarray(unit_idx)],
        time_codes=np.asarray(time_codes, dtype=np.int64),
        times=panel.times[np.asarray(time_idx)],
        time=panel.time[keep],
        cohort=panel.cohort[keep],
        weights=panel.weights[keep],
        cluster_codes=np.asarray(cl_codes, dtype=np.int64),
        cluster_labels=panel.cluster_labels[np.asarray(cl_idx)],
        covariates=panel.covariates[keep],
        covariate_names=panel.covariate_names,
        names=panel.names,
        n_dropped=panel.n_dropped,
    )


def _panelols_fit(
    panel: Panel, x_raw: np.ndarray, columns: tuple[str, ...], small_sample: bool
) -> tuple[np.ndarray, np.ndarray]:
    from linearmodels.panel import PanelOLS

    idx = pd.MultiIndex.from_arrays(
        [panel.unit_codes, panel.time_codes], names=["unit", "time"]
    )
    exog = pd.DataFrame(x_raw, index=idx, columns=list(columns))
    dep = pd.Series(panel.y, index=idx, name="y")
    wts = pd.Series(panel.weights, index=idx, name="w")
    model = PanelOLS(dep, exog, weights=wts, entity_effects=True, time_effects=True)
    clusters = pd.DataFrame({"cluster": panel.cluster_codes}, index=idx)
    # plain sandwich: effects not counted as degrees of freedom, optional G/(G-1) only
    res = model.fit(
        cov_type="clustered",
        clusters=clusters,
        debiased=False,
        auto_df=False,
        count_effects=False,
        group_debias=small_sample,
    )
    params = res.params.reindex(list(columns)).to_numpy(dtype=np.float64)
    cov = res.cov.reindex(index=list(columns), columns=list(columns)).to_numpy(dtype=np.float64)
    return params, cov
