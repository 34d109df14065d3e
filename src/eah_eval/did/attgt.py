"""Group-time average treatment effects, ATT(g, t) (Callaway and Sant'Anna 2021).

:func:`att_gt` estimates one 2x2 difference-in-differences per cohort ``g`` (first treated
period) and period ``t``, keeps every cell's influence function in a units x cells matrix, and
returns an immutable :class:`GroupTimeResult`. Aggregation (:func:`eah_eval.did.aggregate`),
the multiplier bootstrap and sensitivity analysis work from that store without re-reading the
data.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.did.bootstrap import (
    BootstrapOutcome,
    WeightType,
    analytic_se,
    bootstrap_influence,
    cluster_sums,
)
from eah_eval.did.drdid import Prepared2x2, finish_2x2, prepare_2x2
from eah_eval.did.preprocess import (
    BASE_PERIODS,
    CONTROL_GROUPS,
    METHODS,
    BasePeriod,
    ControlGroup,
    Method,
    WidePanel,
    prepare_panel,
)
from eah_eval.did.results import EffectTable
from eah_eval.did.table_delegation import TableAccess
from eah_eval.errors import EstimationError, EstimationWarning, OptionError, check_option

__all__ = ["GroupTimeRefit", "GroupTimeResult", "WaldPretest", "att_gt"]

#: rows per block when a product over units is accumulated block by block (cache-sized)
_ROW_BLOCK = 8192


@dataclass(frozen=True)
class WaldPretest:
    """Wald test that every pre-treatment ATT(g, t) is zero.

    Attributes
    ----------
    statistic : float
        ``W = att_pre' V_pre^{-1} att_pre`` (NaN when it cannot be computed).
    df : int
        Number of pre-treatment cells tested.
    pvalue : float
        ``1 - chi2_df(W)``.
    note : str
        Why the test is missing, or which cells were tested.
    """

    statistic: float
    df: int
    pvalue: float
    note: str = ""


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False, repr=False)  # short repr from TableAccess
class GroupTimeResult(TableAccess):
    """Immutable ATT(g, t) estimates with their influence functions.

    Attributes
    ----------
    table : EffectTable
        ATT(g, t) with standard errors, indexed by ``(group, time)``.
    groups, times, base_periods : ndarray
        Cohort, period and base period of each cell (column of ``influence``).
    post : ndarray of bool
        True for post-treatment cells (``time >= group``).
    influence : ndarray, shape (n_units, n_cells)
        Influence functions, rows = units (``unit_ids``); ``var = sum(psi**2) / n**2``.
        Columns of cells that could not be estimated are zero.
    unit_ids : pandas.Index
        Unit identifiers of the rows.
    unit_cohort : ndarray
        Cohort of each unit (0 = never treated).
    unit_weights : ndarray
        Sampling weight of each unit (first observed period).
    cluster_codes : ndarray or None
        Cluster code of each unit, or None when standard errors are unit-clustered.
    cluster_labels : pandas.Index or None
        Cluster labels for the codes.
    periods : ndarray
        Periods used.
    cohort_sizes : pandas.Series
        Number of units per cohort (0 = never treated).
    cohort_shares : pandas.Series
        Weighted share of units in each treated cohort, ``mean(w_i 1{G_i = g})`` (the
        aggregation weights).
    analytic_std_errors : ndarray
        Influence-function standard errors (kept when a bootstrap replaces ``std_errors``).
    pretest : WaldPretest
        Wald pre-test of the pre-treatment cells.
    bootstrap : BootstrapOutcome or None
        Record of the multiplier bootstrap, when one was run.
    metadata : mapping
        Options used and preprocessing notes.
    """

    table: EffectTable
    groups: np.ndarray
    times: np.ndarray
    base_periods: np.ndarray
    post: np.ndarray
    influence: np.ndarray
    unit_ids: pd.Index
    unit_cohort: np.ndarray
    unit_weights: np.ndarray
    cluster_codes: np.ndarray | None
    cluster_labels: pd.Index | None
    periods: np.ndarray
    cohort_sizes: pd.Series
    cohort_shares: pd.Series
    analytic_std_errors: np.ndarray
    pretest: WaldPretest
    bootstrap: BootstrapOutcome | None = None
    metadata: MappingProxyType[str, Any] = field(
        default_factory=lambda: MappingProxyType({}))

    # ---- table delegation (estimates, std_errors, pvalues come from TableAccess) ----------
    @property
    def n_units(self) -> int:
        """Number of units (rows of ``influence``)."""
        return int(self.influence.shape[0])

    @property
    def n_clusters(self) -> int:
        """Number of independent clusters (units when not clustered)."""
        if self.cluster_codes is None:
            return self.n_units
        return int(self.cluster_codes.max()) + 1

    def conf_int(self, level: float = 0.95, *, simultaneous: bool = False) -> pd.DataFrame:
        """Confidence intervals (see :meth:`EffectTable.conf_int`)."""
        return self.table.conf_int(level, simultaneous=simultaneous)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy frame: group, time, estimate, std_error, ..., base_period, post, counts."""
        return self.table.to_frame(level)

    def summary(self, level: float = 0.95) -> str:
        """Text summary with the options used and the Wald pre-test."""
        pre = self.pretest
        line = (f"Wald pre-test (pre-treatment ATT(g,t) = 0): W = {pre.statistic:.4f}, "
                f"df = {pre.df}, p = {pre.pvalue:.4f}" if np.isfinite(pre.statistic)
                else f"Wald pre-test: not available ({pre.note})")
        return f"{self.table.summary(level)}\n{line}"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return self.table._repr_html_()

    # ---- inference -------------------------------------------------------------------------
    def with_bootstrap(self, n_draws: int = 999, *, weight_type: WeightType = "mammen",
                       rng: int | np.random.Generator | None = None,
                       level: float = 0.95) -> GroupTimeResult:
        """Return a copy with multiplier-bootstrap standard errors and a sup-t band.

        Parameters
        ----------
        n_draws : int, default 999
            Bootstrap draws.
        weight_type : {"mammen", "rademacher", "webb"}, default "mammen"
            Multiplier distribution (R ``did`` uses Mammen's).
        rng : int, numpy.random.Generator or None
            Randomness; the seed is recorded in ``bootstrap`` and ``metadata``.
        level : float, default 0.95
            Level of the simultaneous band.

        Returns
        -------
        GroupTimeResult
            New result; cells with no analytic standard error keep NaN.

        Notes
        -----
        The same multipliers also draw the cohort columns ``w_i 1{G_i = g}``
        (``bootstrap.cohort_draws``), so that :func:`eah_eval.did.aggregate` can bootstrap
        every aggregation from these draws instead of drawing again.
        """
        cohorts = np.asarray(self.cohort_shares.index, dtype=np.float64)
        indicators = (self.unit_cohort[:, None] == cohorts[None, :]) * self.unit_weights[:, None]
        boot = bootstrap_influence(self.influence, self.cluster_codes, n_draws=n_draws,
                                   weight_type=weight_type, rng=rng, level=level,
                                   columns=~np.isnan(self.analytic_std_errors),
                                   extra=indicators)
        se = np.where(np.isnan(self.analytic_std_errors), np.nan, boot.std_errors)
        crit = boot.critical_value if np.isfinite(boot.critical_value) else None
        table = self.table.with_inference(se, critical_value=crit,
                                          simultaneous_level=level if crit else None,
                                          metadata=boot.metadata())
        meta = dict(self.metadata)
        meta.update(boot.metadata())
        return replace(self, table=table, bootstrap=boot, metadata=MappingProxyType(meta))


def _wald_pretest(att: np.ndarray, psi: np.ndarray, pre: np.ndarray, se: np.ndarray,
                  cluster_codes: np.ndarray | None) -> WaldPretest:
    cols = np.flatnonzero(pre & ~np.isnan(se) & ~np.isnan(att))
    if cols.size == 0:
        return WaldPretest(np.nan, 0, np.nan, "no pre-treatment cells with a standard error")
    n = psi.shape[0]
    if cluster_codes is None:
        # S'S accumulated over blocks of rows: no n x k copy of the selected columns
        v = np.zeros((cols.size, cols.size))
        for r0 in range(0, n, _ROW_BLOCK):
            blk = psi[r0:r0 + _ROW_BLOCK, cols]
            v += blk.T @ blk
        v /= n
    else:
        s = cluster_sums(psi[:, cols], cluster_codes)
        v = s.T @ s / n
    if 1.0 / np.linalg.cond(v, 1) <= np.finfo(float).eps:
        return WaldPretest(np.nan, int(cols.size), np.nan,
                           "covariance matrix of the pre-treatment cells is singular")
    a = att[cols]
    w_stat = float(n * a @ np.linalg.solve(v, a))
    return WaldPretest(w_stat, int(cols.size), _chi2_sf(w_stat, int(cols.size)),
                       f"{cols.size} pre-treatment cells")


def _chi2_sf(x: float, df: int) -> float:
    """Return ``P(chi2_df > x)`` for a whole number of degrees of freedom.

    Closed forms of the regularised upper incomplete gamma function ``Q(df/2, x/2)``, with
    ``h = x/2``: for even ``df = 2m``, ``exp(-h) sum_{j<m} h^j / j!``; for odd ``df = 2m + 1``,
    ``erfc(sqrt(h)) + exp(-h) sum_{j=1..m} h^(j-1/2) / Gamma(j + 1/2)``. Every term is positive
    and taken from logarithms, so nothing cancels or overflows; it agrees with
    ``scipy.special.chdtrc`` to 1e-13 relative (tested), without importing SciPy's special
    functions (a tenth of a second of ``eah-eval did``'s start).
    """
    if math.isnan(x):
        return math.nan
    if x <= 0.0:
        return 1.0
    if math.isinf(x):
        return 0.0
    h = x / 2.0
    log_h = math.log(h)
    if df % 2 == 0:
        total = math.fsum(math.exp(j * log_h - h - math.lgamma(j + 1.0))
                          for j in range(df // 2))
    else:
        total = math.erfc(math.sqrt(h)) + math.fsum(
            math.exp((j - 0.5) * log_h - h - math.lgamma(j + 0.5))
            for j in range(1, df // 2 + 1))
    return min(1.0, total)


def _as_labels(values: np.ndarray) -> np.ndarray:
    """Integer labels when every period is a whole number (for tidy tables)."""
    if values.size and np.all(np.mod(values, 1) == 0):
        return values.astype(np.int64)
    return values


def _check_anticipation(anticipation: object) -> int:
    if isinstance(anticipation, bool) or not isinstance(anticipation, int | np.integer):
        raise OptionError(f"anticipation must be a non-negative integer; got {anticipation!r}")
    if anticipation < 0:
        raise OptionError(f"anticipation must be a non-negative integer; got {anticipation}")
    return int(anticipation)


def _check_event_window(window: object) -> tuple[float, float] | None:
    if window is None:
        return None
    if (not isinstance(window, tuple | list) or len(window) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating)
                   or math.isnan(float(v)) for v in window)):
        raise OptionError(f"event_window must be a pair of numbers (lo, hi); got {window!r}")
    lo, hi = float(window[0]), float(window[1])
    if lo > hi:
        raise OptionError(f"event_window must have lo <= hi; got {window!r}")
    return lo, hi


def att_gt(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    control_group: ControlGroup = "never_treated",
    method: Method = "dr",
    covariates: Sequence[str] | None = None,
    anticipation: int = 0,
    base_period: BasePeriod = "varying",
    weights: str | None = None,
    cluster: str | None = None,
    never_treated_value: float = 0,
    event_window: tuple[float, float] | None = None,
) -> GroupTimeResult:
    """Estimate group-time average treatment effects ATT(g, t).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit and period. Units may miss periods (unbalanced panel).
    outcome, unit, time, cohort : str
        Columns: outcome, unit identifier, period (numeric), and the first treated period
        (``never_treated_value`` for units never treated).
    control_group : {"never_treated", "not_yet_treated"}, default "never_treated"
        Comparison units: never treated only, or also units not yet treated by
        ``max(t, base) + anticipation``.
    method : {"dr", "ipw", "reg"}, default "dr"
        Doubly robust (Sant'Anna and Zhao 2020), normalised inverse probability weighting, or
        outcome regression.
    covariates : sequence of str, optional
        Pre-treatment covariates; each 2x2 uses their values in its earlier period.
    anticipation : int, default 0
        Periods before ``g`` in which units may already react; the base period for
        post-treatment cells becomes the last period before ``g - anticipation``.
    base_period : {"varying", "universal"}, default "varying"
        ``"varying"``: pre-treatment cells compare ``t`` with ``t - 1`` (placebo period on
        period); ``"universal"``: every cell compares with the last period before
        ``g - anticipation`` (that cell is reported as zero).
    weights : str, optional
        Sampling weights (e.g. pupils behind a school rate); each 2x2 uses the earlier period's.
    cluster : str, optional
        Cluster column (constant within unit) for cluster-robust standard errors; influence
        functions are summed within clusters.
    never_treated_value : float, default 0
        Cohort value marking never-treated units (+inf is accepted too).
    event_window : tuple of two floats, optional
        ``(lo, hi)``: estimate only the cells whose event time ``t - g`` lies in ``[lo, hi]``;
        the others are not computed and are absent from the result (default: every cell).
        Each cell is computed exactly as in a full fit, and cohort shares do not depend on
        which cells are present, so an aggregation that reads only cells in the window (an
        event study's rows within it) is the same as from a full fit. For statistics that
        re-estimate many times and read a few event times (a pre-trend test under
        randomisation inference); the Wald pre-test then covers the pre-treatment cells in
        the window only.

    Returns
    -------
    GroupTimeResult
        Estimates, influence functions, design and the Wald pre-test.

    Raises
    ------
    OptionError, OptionTypeError
        For option values outside their allowed sets or missing columns.
    EstimationError
        When the data cannot be used (see :func:`eah_eval.did.preprocess.prepare_panel`).

    Warns
    -----
    EstimationWarning
        For each cell (g, t) that cannot be estimated (no comparison or treated units
        observed in both periods, overlap failure, singular design); the cell is NaN.

    Notes
    -----
    For cell (g, t) with base period b the estimand is
    ``ATT(g,t) = E[Y_t - Y_b | G = g] - E[Y_t - Y_b | C]`` (conditional on covariates for
    "reg"/"ipw"/"dr"), estimated on the units of cohort g and of the comparison group that are
    observed in both t and b. The cell's influence function ``psi`` is scaled by ``n / n_1``
    (n units in all, n_1 in the cell) and set to zero for other units, so that
    ``se = sqrt(sum_c (sum_{i in c} psi_i)**2) / n`` with c = units or clusters. On a balanced
    panel this is exactly R ``did`` 2.5 (``panel = TRUE``). On an unbalanced panel each cell uses
    the units observed in both of its periods (R instead switches to a repeated
    cross-section estimator); this is consistent when missingness is unrelated to outcome
    trends within cohorts.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> units = np.repeat(np.arange(200), 4); t = np.tile(np.arange(1, 5), 200)
    >>> g = np.repeat(rng.choice([0, 3], 200), 4)
    >>> y = rng.normal(size=800) + 2.0 * ((g > 0) & (t >= g))
    >>> df = pd.DataFrame({"id": units, "t": t, "g": g, "y": y})
    >>> res = att_gt(df, "y", "id", "t", "g")
    >>> res.to_frame()[["group", "time"]].shape
    (3, 2)
    """
    panel, options = _prepare(
        data, outcome, unit, time, cohort, control_group=control_group, method=method,
        covariates=covariates, anticipation=anticipation, base_period=base_period,
        weights=weights, cluster=cluster, never_treated_value=never_treated_value,
        event_window=event_window)
    return _estimate(panel, **options)


class GroupTimeRefit:
    """:func:`att_gt` for panels that may differ from the previous one only in the outcome.

    Inference by re-estimation (the restricted wild bootstrap, randomisation inference) calls
    the estimator on the same panel with another outcome column many times. The design of the
    group-time estimator -- the wide layout of the panel, and each 2x2 comparison's units,
    weights, propensity score and regression design -- does not depend on the outcome. An
    instance keeps the design of its last panel and, when the next panel has the same unit,
    period, cohort, weight, cluster and covariate columns and the same rows with a usable
    outcome, only places the new outcome in it and finishes each comparison. The numbers are
    those of :func:`att_gt` on that panel (the same operations on the same arrays); warnings
    about the panel itself (units dropped, cohorts recoded) are raised when a design is built,
    not again for each outcome.

    Parameters
    ----------
    outcome, unit, time, cohort : str
        Columns, as for :func:`att_gt`.
    **options
        Keyword options of :func:`att_gt` (``control_group``, ``method``, ``covariates``,
        ``anticipation``, ``base_period``, ``weights``, ``cluster``,
        ``never_treated_value``, ``event_window``).

    Examples
    --------
    >>> # refit = GroupTimeRefit("y", "id", "t", "g", cluster="cl")
    >>> # [refit(df.assign(y=v)) for v in outcomes]  # one design, many outcomes
    """

    def __init__(self, outcome: str, unit: str, time: str, cohort: str, **options: Any) -> None:
        self.outcome, self.unit, self.time, self.cohort = outcome, unit, time, cohort
        covariates = options.get("covariates")
        self.covariates = [covariates] if isinstance(covariates, str) else covariates
        self.options = options
        self.design_columns = [c for c in (unit, time, cohort, options.get("weights"),
                                           options.get("cluster"), *(self.covariates or ()))
                               if c is not None]
        self.last: tuple[list[pd.Series], np.ndarray, WidePanel, dict[str, Any]] | None = None
        self.prepared: dict[tuple[Any, ...], Prepared2x2 | EstimationError] = {}

    def __call__(self, data: pd.DataFrame) -> GroupTimeResult:
        """Estimate ATT(g, t) on ``data`` (see :func:`att_gt`)."""
        frame = pd.DataFrame(data) if data.attrs else data
        col = frame[self.outcome] if self.outcome in frame.columns else None
        if self.last is not None and col is not None and pd.api.types.is_numeric_dtype(col):
            columns, finite, panel, kwargs = self.last
            y_raw = col.to_numpy(dtype=np.float64, na_value=np.nan)
            usable = y_raw[finite]
            if (np.array_equal(np.isfinite(y_raw), finite) and usable.size
                    and not bool(np.all(usable == usable[0]))
                    and all(frame[c].equals(v) for c, v in
                            zip(self.design_columns, columns, strict=True))):
                assert panel.layout is not None
                return _estimate(replace(panel, y=panel.layout.wide(y_raw)),
                                 prepared=self.prepared, **kwargs)
        panel, kwargs = _prepare(frame, self.outcome, self.unit, self.time, self.cohort,
                                 **self.options)
        self.prepared = {}
        result = _estimate(panel, prepared=self.prepared, **kwargs)
        y_raw = frame[self.outcome].to_numpy(dtype=np.float64, na_value=np.nan)
        self.last = ([frame[c].copy() for c in self.design_columns], np.isfinite(y_raw),
                     panel, kwargs)
        return result


def _prepare(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, *,
             control_group: ControlGroup = "never_treated", method: Method = "dr",
             covariates: Sequence[str] | str | None = None, anticipation: int = 0,
             base_period: BasePeriod = "varying", weights: str | None = None,
             cluster: str | None = None, never_treated_value: float = 0,
             event_window: tuple[float, float] | None = None,
             ) -> tuple[WidePanel, dict[str, Any]]:
    """Validate the options and build the wide panel; return it and ``_estimate``'s options."""
    check_option("control_group", control_group, CONTROL_GROUPS)
    check_option("method", method, METHODS)
    check_option("base_period", base_period, BASE_PERIODS)
    anticipation = _check_anticipation(anticipation)
    window = _check_event_window(event_window)
    if isinstance(covariates, str):
        covariates = [covariates]
    panel = prepare_panel(
        data, outcome=outcome, unit=unit, time=time, cohort=cohort,
        control_group=control_group, covariates=covariates, anticipation=anticipation,
        weights=weights, cluster=cluster, never_treated_value=never_treated_value,
    )
    return panel, {"control_group": control_group, "method": method,
                   "anticipation": anticipation, "base_period": base_period,
                   "event_window": window,
                   "names": {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort,
                             "weights": weights, "cluster": cluster}}


def _estimate(panel: WidePanel, *, control_group: str, method: str, anticipation: int,
              base_period: str, names: dict[str, str | None],
              event_window: tuple[float, float] | None = None,
              prepared: dict[tuple[Any, ...], Prepared2x2 | EstimationError] | None = None,
              ) -> GroupTimeResult:
    y, periods, cohort = np.asfortranarray(panel.y), panel.periods, panel.cohort
    w_wide = np.asfortranarray(panel.w)
    n, n_periods = y.shape
    observed = ~np.isnan(y)
    never = cohort == 0
    varying = base_period == "varying"
    cells: list[tuple[float, float, float, bool]] = []
    n_cells = panel.groups.size * (n_periods - 1 if varying else n_periods)
    psi = np.zeros((n, n_cells), order="F")  # columns contiguous: one scatter per cell
    att: list[float] = []
    n_treated: list[int] = []
    n_comparison: list[int] = []
    balanced = bool(observed.all())
    # when covariates and weights do not change over time, the earlier period does not change a
    # cell's nuisance fit, so cells with the same units share it
    static = balanced and bool(np.all(w_wide == w_wide[:, :1])) and all(
        bool(np.all(xk == xk[:, :1])) for xk in panel.x)
    # a caller's cache outlives this fit (same design, other outcomes); our own is cleared by
    # cohort, since keys start with the cohort
    keep_prepared = prepared is not None
    if prepared is None:
        prepared = {}
    for g in panel.groups:
        before = np.flatnonzero(periods + anticipation < g)
        base_g = int(before[-1])
        treated = cohort == g
        member = treated | never
        if not keep_prepared:
            prepared.clear()
        for ti in range(1 if varying else 0, n_periods):
            t_val = periods[ti]
            if event_window is not None and not (
                    event_window[0] <= t_val - g <= event_window[1]):
                continue  # outside the cells asked for: not computed
            post = bool(g <= t_val)
            base = base_g if (post or not varying) else ti - 1
            if base == ti:  # universal base period: the normalised reference cell
                cells.append((g, t_val, periods[base], post))
                att.append(0.0)
                n_treated.append(int(treated.sum()))
                n_comparison.append(0)
                continue
            threshold = None
            if control_group == "not_yet_treated":
                threshold = periods[max(ti, base)] + anticipation
                member = treated | never | (cohort > threshold)
            keep = member if balanced else member & observed[:, ti] & observed[:, base]
            sel = np.flatnonzero(keep)
            y_t, y_b = y[:, ti], y[:, base]
            d = treated[sel].astype(np.float64)
            earlier = min(ti, base)
            cells.append((g, t_val, periods[base], post))
            n_treated.append(int(d.sum()))
            n_comparison.append(int(sel.size - d.sum()))
            dy = y_t[sel] - y_b[sel]
            key = (g, threshold, None if balanced else (ti, base), None if static else earlier)
            if key not in prepared:
                x = np.ones((sel.size, 1)) if panel.x.shape[0] == 0 else np.column_stack(
                    [np.ones(sel.size), panel.x[:, sel, earlier].T])
                try:
                    prepared[key] = prepare_2x2(d, x, w_wide[:, earlier][sel], method)
                except EstimationError as exc:
                    prepared[key] = exc
            try:
                prep = prepared[key]
                if isinstance(prep, EstimationError):
                    raise prep
                res = finish_2x2(dy, prep)
                if not np.isfinite(res.att):
                    raise EstimationError("estimate is not finite")
            except EstimationError as exc:
                warnings.warn(
                    f"ATT(g={g:g}, t={t_val:g}) could not be estimated and is NaN: {exc}",
                    EstimationWarning, stacklevel=3)
                att.append(np.nan)
                continue
            psi[sel, len(cells) - 1] = res.influence * (n / sel.size)
            att.append(res.att)

    if len(cells) < n_cells:  # an event window left cells out
        if not cells:
            raise EstimationError(f"no ATT(g,t) cell has an event time within event_window "
                                  f"{event_window}")
        psi = psi[:, :len(cells)]
    att_arr = np.asarray(att, dtype=np.float64)
    se = analytic_se(psi, panel.cluster_codes)
    se[np.isnan(att_arr)] = np.nan
    groups = np.array([c[0] for c in cells])
    times = np.array([c[1] for c in cells])
    pretest = _wald_pretest(att_arr, psi, groups > times, se, panel.cluster_codes)

    cohorts, sizes = np.unique(cohort, return_counts=True)
    cohort_sizes = pd.Series(sizes, index=pd.Index(cohorts, name="cohort"), name="n_units")
    shares = np.array([np.mean(panel.unit_weight * (cohort == g)) for g in panel.groups])
    cohort_shares = pd.Series(shares, index=pd.Index(panel.groups, name="cohort"),
                              name="share")
    meta: dict[str, Any] = {
        "estimator": "Callaway-Sant'Anna ATT(g,t)",
        "method": method,
        "control_group": control_group,
        "base_period": base_period,
        "anticipation": anticipation,
        "covariates": list(panel.covariate_names) or "none",
        "weights": names["weights"] or "none",
        "panel": ("balanced" if panel.balanced else
                  "unbalanced: each 2x2 uses units observed in both of its periods"),
        "n_units": n,
        "se_type": "analytic (influence function)",
        **({} if event_window is None else {"event_window": event_window}),
        "clustering": (f"{names['cluster']} ({int(panel.cluster_codes.max()) + 1} clusters)"
                       if panel.cluster_codes is not None else "unit"),
    }
    if panel.notes:
        meta["preprocessing"] = list(panel.notes)
    index = pd.MultiIndex.from_arrays([_as_labels(groups), _as_labels(times)],
                                      names=["group", "time"])
    table = EffectTable(
        index=index, estimates=att_arr, std_errors=se, title="Group-time ATT(g,t)",
        metadata=meta,
        extra={"base_period": _as_labels(np.array([c[2] for c in cells])),
               "post": np.array([c[3] for c in cells]),
               "n_treated": np.asarray(n_treated), "n_comparison": np.asarray(n_comparison)},
    )
    return GroupTimeResult(
        table=table, groups=_readonly(groups), times=_readonly(times),
        base_periods=_readonly(np.array([c[2] for c in cells])),
        post=_readonly(np.array([c[3] for c in cells], dtype=bool)),
        influence=_readonly(psi), unit_ids=panel.unit_ids,
        unit_cohort=_readonly(cohort), unit_weights=_readonly(panel.unit_weight),
        cluster_codes=None if panel.cluster_codes is None else _readonly(panel.cluster_codes),
        cluster_labels=panel.cluster_labels, periods=_readonly(periods),
        cohort_sizes=cohort_sizes, cohort_shares=cohort_shares,
        analytic_std_errors=_readonly(se.copy()), pretest=pretest,
        metadata=MappingProxyType(meta),
    )
