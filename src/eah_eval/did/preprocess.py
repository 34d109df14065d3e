"""Turn a long unit x period table into the wide arrays the group-time estimator works on.

The long table is read once. Each unit becomes a row and each period a column of a float64
outcome matrix (NaN where the unit was not observed, or where its outcome, a covariate or its
weight is missing). Cohorts (first treated period), clusters and weights are checked to be
consistent within a unit. All later steps (every 2x2 comparison, aggregation, bootstrap) index
these arrays and never touch the long table again.

Cohort conventions follow R ``did`` 2.5 (``pre_process_did``):

* ``cohort == never_treated_value`` (or +inf) marks never-treated units;
* cohorts later than the last period plus ``anticipation`` are treated as never treated;
* units treated in the first period (``cohort <= first period + anticipation``) are dropped with
  a :class:`~eah_eval.errors.DataQualityWarning` (no pre-period to compare against);
* with no never-treated units and ``control_group="never_treated"`` the last cohort is used as
  the comparison group and periods from its first treated period (minus anticipation) on are
  dropped; with ``"not_yet_treated"`` those periods are dropped and the last cohort serves only
  as a comparison group.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from eah_eval.errors import (
    DataQualityWarning,
    EstimationError,
    EstimationWarning,
    OptionError,
    check_option,
)

ControlGroup = Literal["never_treated", "not_yet_treated"]
Method = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]

CONTROL_GROUPS: tuple[ControlGroup, ...] = ("never_treated", "not_yet_treated")
METHODS: tuple[Method, ...] = ("dr", "ipw", "reg")
BASE_PERIODS: tuple[BasePeriod, ...] = ("varying", "universal")

__all__ = [
    "BASE_PERIODS",
    "CONTROL_GROUPS",
    "METHODS",
    "BasePeriod",
    "ControlGroup",
    "Method",
    "OutcomeLayout",
    "WidePanel",
    "prepare_panel",
]


@dataclass(frozen=True, eq=False)
class OutcomeLayout:
    """Where each row of the long table lands in the wide outcome matrix.

    Attributes
    ----------
    shape : tuple of int
        ``(n_units, n_periods)`` before units and periods were dropped.
    usable : ndarray of bool
        Long rows with a finite outcome, weight and covariates.
    flat : ndarray of int or None
        Period-major position of each usable row in the full matrix, or None when the rows
        are sorted by unit then period with every period present (a reshape).
    rows : ndarray of int
        Units kept, as rows of the full matrix.
    columns : ndarray of bool
        Periods kept.
    """

    shape: tuple[int, int]
    usable: np.ndarray
    flat: np.ndarray | None
    rows: np.ndarray
    columns: np.ndarray

    def full(self, values: np.ndarray) -> np.ndarray:
        """Return the full ``(n_units, n_periods)`` matrix of a long column (NaN if unusable)."""
        n_units, n_periods = self.shape
        all_usable = bool(self.usable.all())
        if self.flat is None:
            vals = values if all_usable else np.where(self.usable, values, np.nan)
            return np.asfortranarray(vals.reshape(n_units, n_periods))
        complete = all_usable and self.flat.size == n_units * n_periods
        out = (np.empty(n_periods * n_units) if complete
               else np.full(n_periods * n_units, np.nan))
        out[self.flat] = values if all_usable else values[self.usable]
        return out.reshape(n_periods, n_units).T

    def wide(self, values: np.ndarray) -> np.ndarray:
        """Return the wide matrix of the kept units and periods for a long column.

        Parameters
        ----------
        values : ndarray, shape (n_rows,)
            A long column in the row order the layout was built from.

        Returns
        -------
        ndarray, shape (n_kept_units, n_kept_periods)
            The matrix :func:`prepare_panel` builds for an outcome with these values (when
            the same rows are usable).
        """
        full = self.full(values)
        if self.rows.size != self.shape[0]:
            full = full[self.rows]
        return full if self.columns.all() else full[:, self.columns]


@dataclass(frozen=True, eq=False)
class WidePanel:
    """A unit x period panel in wide arrays (internal to the estimators).

    Attributes
    ----------
    y : ndarray, shape (n_units, n_periods)
        Outcome; NaN where the unit-period is missing or unusable.
    x : ndarray, shape (n_covariates, n_units, n_periods)
        Covariates (without the intercept); empty first axis when there are none.
    w : ndarray, shape (n_units, n_periods)
        Sampling weights per unit-period (1.0 when no weights were given).
    unit_weight : ndarray, shape (n_units,)
        Each unit's weight in its first observed period (used for cohort shares).
    cohort : ndarray, shape (n_units,)
        First treated period, 0.0 for never treated.
    periods : ndarray
        Sorted distinct periods.
    groups : ndarray
        Sorted treated cohorts that get group-time effects.
    unit_ids : pandas.Index
        Unit identifiers, sorted, one per row.
    cluster_codes : ndarray of int or None
        Cluster of each unit as codes 0..n_clusters-1 (sorted labels), or None.
    cluster_labels : pandas.Index or None
        Cluster labels matching the codes.
    balanced : bool
        True when every unit is observed (usable) in every period.
    notes : tuple of str
        What preprocessing changed (dropped units or periods, recoded cohorts).
    layout : OutcomeLayout or None
        How a long outcome column maps to ``y`` (for re-estimating on another outcome).
    """

    y: np.ndarray
    x: np.ndarray
    w: np.ndarray
    unit_weight: np.ndarray
    cohort: np.ndarray
    periods: np.ndarray
    groups: np.ndarray
    unit_ids: pd.Index
    cluster_codes: np.ndarray | None
    cluster_labels: pd.Index | None
    balanced: bool
    covariate_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    layout: OutcomeLayout | None = None

    @property
    def n_units(self) -> int:
        """Number of units (rows)."""
        return int(self.y.shape[0])


def _numeric_column(frame: pd.DataFrame, name: str, role: str, *,
                    copy: bool = False) -> np.ndarray:
    col = frame[name]
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
        raise EstimationError(
            f"{role} column {name!r} must be numeric; found dtype {col.dtype}"
        )
    return col.to_numpy(dtype=np.float64, na_value=np.nan, copy=copy)


def _factorize_sorted(col: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Codes and sorted distinct values, as ``pd.factorize(col, sort=True)``, and run starts.

    Panels usually arrive sorted by unit; then the codes are a running count of changes,
    which avoids hashing every row, and the third value holds the first row of each unit.
    Otherwise pandas factorizes and the third value is None.
    """
    values = col.to_numpy()
    if values.size > 1 and values.dtype.kind in "iuf" and col.is_monotonic_increasing \
            and not col.hasnans:
        change = values[1:] != values[:-1]
        codes = np.empty(values.size, dtype=np.intp)
        codes[0] = 0
        np.cumsum(change, out=codes[1:])
        starts = np.flatnonzero(np.r_[True, change])
        return codes, values[starts], starts
    codes, uniques = pd.factorize(col, sort=True)
    return np.asarray(codes), np.asarray(uniques), None


def _factorize_periods(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and sorted distinct periods; a lookup table when periods are whole numbers."""
    t_min, t_max = t.min(), t.max()
    span = float(t_max) - float(t_min)
    whole = t.dtype.kind in "iu" or bool(np.all(np.mod(t, 1.0) == 0))
    if span <= 100_000 and whole:
        offset = (t - t_min).astype(np.intp, copy=False)
        present = np.zeros(int(span) + 1, dtype=bool)
        present[offset] = True
        lookup = np.cumsum(present) - 1
        return lookup[offset], float(t_min) + np.flatnonzero(present).astype(np.float64)
    codes, uniques = pd.factorize(t, sort=True)
    return np.asarray(codes), np.asarray(uniques, dtype=np.float64)


def _check_columns(data: pd.DataFrame, roles: dict[str, str | None]) -> None:
    missing = [f"{role} {name!r}" for role, name in roles.items() if name is not None and
               name not in data.columns]
    if missing:
        raise OptionError(
            f"column(s) not found in data: {', '.join(missing)}; available columns: "
            f"{', '.join(map(str, data.columns))}"
        )


def _show(value: object) -> str:
    """Show a label as users wrote it (numpy scalars without their type names)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value) if isinstance(value, str) else str(value)


def _unit_constant(values: np.ndarray, unit_code: np.ndarray, n_units: int, role: str,
                   name: str, unit_labels: pd.Index,
                   starts: np.ndarray | None = None) -> np.ndarray:
    """Return the per-unit value of a column that must not vary within a unit.

    ``starts`` (first row of each unit, when rows are grouped by unit) lets the check compare
    neighbouring rows instead of gathering every row's unit value; ``values`` must then have
    no NaN.
    """
    if starts is not None:
        new_unit = np.zeros(values.size, dtype=bool)
        new_unit[starts] = True
        bad_rows = np.flatnonzero((values[1:] != values[:-1]) & ~new_unit[1:])
        if bad_rows.size:
            bad = unit_labels[unit_code[bad_rows[0] + 1]]
            raise EstimationError(
                f"{role} column {name!r} must be constant within each unit; unit {_show(bad)} "
                f"has more than one value"
            )
        return values[starts]
    per_unit = np.empty(n_units, dtype=values.dtype)
    per_unit[unit_code] = values  # last write wins; checked below
    differs = per_unit[unit_code] != values
    if values.dtype.kind == "f":
        differs &= ~(np.isnan(values) & np.isnan(per_unit[unit_code]))
    if differs.any():
        bad = unit_labels[unit_code[np.flatnonzero(differs)[0]]]
        raise EstimationError(
            f"{role} column {name!r} must be constant within each unit; unit {_show(bad)} has "
            f"more than one value"
        )
    return per_unit


def prepare_panel(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    control_group: ControlGroup,
    covariates: Sequence[str] | None,
    anticipation: int,
    weights: str | None,
    cluster: str | None,
    never_treated_value: float,
) -> WidePanel:
    """Validate the long table and build the wide arrays.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table, one row per unit and period.
    outcome, unit, time, cohort : str
        Column names.
    control_group : {"never_treated", "not_yet_treated"}
        Comparison group (changes how a panel without never-treated units is trimmed).
    covariates : sequence of str or None
        Covariate columns.
    anticipation : int
        Number of anticipation periods.
    weights : str or None
        Sampling-weight column (non-negative).
    cluster : str or None
        Cluster column, constant within unit.
    never_treated_value : float
        Cohort value that marks never-treated units.

    Returns
    -------
    WidePanel
        The wide arrays.

    Raises
    ------
    OptionError
        If a named column is missing.
    EstimationError
        If the data cannot be used (non-numeric columns, duplicated unit-periods, cohorts or
        clusters varying within a unit, negative weights, no treated cohort left).
    """
    if not isinstance(data, pd.DataFrame):
        raise OptionError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    check_option("control_group", control_group, CONTROL_GROUPS)
    covs = tuple(covariates or ())
    _check_columns(data, {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort,
                          "weights": weights, "cluster": cluster})
    _check_columns(data, {f"covariate[{i}]": c for i, c in enumerate(covs)})
    if len(data) == 0:
        raise EstimationError("data has no rows")
    if data.attrs:
        # a view without the caller's metadata: pandas deep-copies ``attrs`` into every
        # column read, which dominated re-estimations of the report's panels
        data = pd.DataFrame(data)
    notes: list[str] = []

    if pd.api.types.is_integer_dtype(data[time]) and not pd.api.types.is_extension_array_dtype(
            data[time]):
        t_raw = data[time].to_numpy()  # whole-number periods: no conversion or NaN check
    else:
        t_raw = _numeric_column(data, time, "time")
        if np.isnan(t_raw).any():
            raise EstimationError(f"time column {time!r} has missing values")
    g_raw = _numeric_column(data, cohort, "cohort", copy=True)  # recoded in place below
    if np.isnan(g_raw).any():
        row = int(np.flatnonzero(np.isnan(g_raw))[0])
        raise EstimationError(
            f"cohort column {cohort!r} has missing values (first at row {row}); use "
            f"{never_treated_value!r} for never-treated units"
        )
    y_raw = _numeric_column(data, outcome, "outcome")
    x_raw = [_numeric_column(data, c, "covariate") for c in covs]
    w_raw: np.ndarray | None = None
    if weights is not None:
        w_raw = _numeric_column(data, weights, "weights")
        if (w_raw < 0).any():
            raise EstimationError(f"weights column {weights!r} has negative values")

    unit_code, unit_labels, unit_starts = _factorize_sorted(data[unit])
    if (unit_code < 0).any():
        raise EstimationError(f"unit column {unit!r} has missing values")
    unit_index = pd.Index(unit_labels, name=unit)
    n_units = len(unit_index)

    g_raw[(g_raw == never_treated_value) | np.isposinf(g_raw)] = 0.0
    g_unit = _unit_constant(g_raw, unit_code, n_units, "cohort", cohort, unit_index,
                            unit_starts)  # g_raw has no NaN (checked above)
    del g_raw

    cluster_codes: np.ndarray | None = None
    cluster_labels: pd.Index | None = None
    if cluster is not None:
        c_code, c_labels = pd.factorize(data[cluster], sort=True)
        if (c_code < 0).any():
            raise EstimationError(f"cluster column {cluster!r} has missing values")
        cluster_codes = _unit_constant(c_code.astype(np.int64), unit_code, n_units, "cluster",
                                       cluster, unit_index, unit_starts)
        cluster_labels = pd.Index(c_labels, name=cluster)

    t_code, t_values = _factorize_periods(t_raw)
    periods = np.asarray(t_values, dtype=np.float64)
    if periods.shape[0] < 2:
        raise EstimationError(f"need at least two distinct periods in {time!r}; found "
                              f"{periods.shape[0]}")
    n_periods = periods.shape[0]
    del t_raw
    # rows sorted by unit then period with every period present: row r is unit r // P in
    # period r % P, so the wide arrays are reshapes (no duplicates are possible)
    rectangular = (
        unit_starts is not None and t_code.size == n_units * n_periods
        and bool(np.all(np.diff(unit_starts) == n_periods))
        and bool((t_code.reshape(n_units, n_periods) == np.arange(n_periods)).all())
    )
    flat_all: np.ndarray | None = None
    if not rectangular:
        # period-major flat index: the wide arrays are Fortran-ordered (one contiguous column
        # per period), which is how every 2x2 comparison reads them
        flat_all = t_code.astype(np.int64, copy=False)
        flat_all *= n_units
        flat_all += unit_code
        counts = np.bincount(flat_all, minlength=n_units * n_periods)
        if counts.max() > 1:
            dup = int(np.argmax(counts > 1))
            raise EstimationError(
                f"unit {_show(unit_index[dup % n_units])} has more than one row for "
                f"{time} = {periods[dup // n_units]:g}; expected one row per unit and period"
            )
        del counts
    del t_code

    # a missing and a non-finite (infinite) value are treated alike: the row is unobserved
    usable = np.isfinite(y_raw)
    if w_raw is not None:
        usable &= np.isfinite(w_raw)
    for xr in x_raw:
        usable &= np.isfinite(xr)
    if (~usable).any():
        notes.append(f"{int((~usable).sum())} unit-period rows with a missing or non-finite "
                     "outcome, covariate or weight were treated as unobserved")
    observed_y = y_raw[usable]
    if observed_y.size and bool(np.all(observed_y == observed_y[0])):
        msg = (f"outcome {outcome!r} takes one value ({observed_y[0]:g}) in every usable row: "
               "every effect is 0, and no standard error, interval or p-value can be computed")
        warnings.warn(msg, EstimationWarning, stacklevel=3)
        notes.append(msg)
    all_usable = bool(usable.all())
    flat = None if flat_all is None else (flat_all if all_usable else flat_all[usable])
    del flat_all
    complete = all_usable and (flat is None or flat.size == n_units * n_periods)
    layout = OutcomeLayout((n_units, n_periods), usable, flat, np.arange(n_units),
                           np.ones(n_periods, dtype=bool))
    wide = layout.full
    y = wide(y_raw)
    del y_raw
    if w_raw is None:
        w = np.ones_like(y) if complete else np.where(np.isnan(y), np.nan, 1.0)
    else:
        w = wide(w_raw)
        del w_raw
    x = np.stack([wide(xr) for xr in x_raw]) if x_raw else np.empty((0, n_units, n_periods))

    # --- cohort recoding, in R did's order -------------------------------------------------
    late = g_unit > periods[-1] + anticipation
    if late.any():
        g_unit = np.where(late, 0.0, g_unit)
        notes.append(f"{int(late.sum())} units first treated after the last period "
                     f"(+ anticipation) were treated as never treated")
    keep_periods = np.ones(n_periods, dtype=bool)
    last_cohort: float | None = None
    if not (g_unit == 0).any():
        last_cohort = float(g_unit.max())
        keep_periods = periods < last_cohort - anticipation
        if control_group == "never_treated":
            g_unit = np.where(g_unit == last_cohort, 0.0, g_unit)
            msg = (f"no never-treated units: cohort {last_cohort:g} is used as the comparison "
                   f"group and periods from {last_cohort - anticipation:g} on are dropped")
        else:
            msg = (f"no never-treated units: periods from {last_cohort - anticipation:g} on "
                   f"are dropped and cohort {last_cohort:g} serves only as a comparison group")
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        notes.append(msg)
        if keep_periods.sum() < 2:
            raise EstimationError(f"{msg}; fewer than two periods remain")
        periods = periods[keep_periods]
        y, w, x = y[:, keep_periods], w[:, keep_periods], x[:, :, keep_periods]
    unit_rows = np.arange(n_units)

    early = (g_unit > 0) & (g_unit <= periods[0] + anticipation)
    if early.any():
        msg = (f"dropped {int(early.sum())} units already treated in the first period "
               f"({periods[0]:g}, anticipation {anticipation}): no pre-period to compare with")
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        notes.append(msg)
        keep = ~early
        y, w, x, g_unit = y[keep], w[keep], x[:, keep], g_unit[keep]
        unit_index, unit_rows = unit_index[keep], unit_rows[keep]
        if cluster_codes is not None:
            cluster_codes = cluster_codes[keep]
    # a unit with no usable observation contributes nothing and would distort shares
    observed = np.ones(y.shape[0], dtype=bool) if complete else ~np.isnan(y).all(axis=1)
    if not observed.all():
        notes.append(f"dropped {int((~observed).sum())} units with no usable observation")
        y, w, x, g_unit = y[observed], w[observed], x[:, observed], g_unit[observed]
        unit_index, unit_rows = unit_index[observed], unit_rows[observed]
        if cluster_codes is not None:
            cluster_codes = cluster_codes[observed]
    if y.shape[0] == 0:
        raise EstimationError("no units left after preprocessing")
    if cluster_codes is not None and cluster_labels is not None:
        present, cluster_codes = np.unique(cluster_codes, return_inverse=True)
        cluster_labels = cluster_labels[present]

    groups = np.unique(g_unit[g_unit > 0])
    if last_cohort is not None and control_group == "not_yet_treated":
        groups = groups[groups < last_cohort]
    groups = groups[groups > periods[0] + anticipation]
    if groups.shape[0] == 0:
        raise EstimationError(
            f"no treated cohort left to estimate: {cohort!r} must hold the first treated "
            f"period (and {never_treated_value!r} for never treated)"
        )
    first_obs = (np.zeros(y.shape[0], dtype=np.intp) if complete
                 else np.argmax(~np.isnan(y), axis=1))
    unit_weight = w[np.arange(y.shape[0]), first_obs]
    if not unit_weight.sum() > 0:
        raise EstimationError(f"weights column {weights!r} sums to zero")
    return WidePanel(
        y=y, x=x, w=w if complete else np.where(np.isnan(w), 0.0, w),
        unit_weight=unit_weight, cohort=g_unit,
        periods=periods, groups=groups, unit_ids=unit_index, cluster_codes=cluster_codes,
        cluster_labels=cluster_labels, balanced=complete or bool(~np.isnan(y).any()),
        covariate_names=covs, notes=tuple(notes),
        layout=OutcomeLayout(layout.shape, usable, flat, unit_rows, keep_periods),
    )
