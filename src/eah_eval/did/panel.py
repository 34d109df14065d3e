"""A long panel read once into the arrays the comparator estimators work on.

:func:`prepare_panel` checks and codes the input of the two-way fixed-effects, Sun-Abraham,
imputation and Goodman-Bacon estimators so each reads it the same way; :func:`subset_panel`
keeps some rows with dense codes, and :func:`require_nested_clusters` checks that clusters
contain whole units.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from eah_eval.errors import DataQualityWarning, EstimationError, OptionError, OptionTypeError

__all__ = ["Panel", "prepare_panel", "require_nested_clusters", "subset_panel"]


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

def subset_panel(panel: Panel, keep: np.ndarray) -> Panel:
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

