"""The estimation sample of an imputation fit, as the inference methods need it.

The imputation estimator (:func:`eah_eval.did.imputation`) is linear in the outcome over its
estimation sample (``result.sample()``); the restricted wild bootstrap and CR2 re-read the
outcome in that row order and name its targets (the overall effect, then one per event time).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from eah_eval.errors import OptionError

__all__ = ["imputation_target_names", "outcome_in_sample_order"]


def outcome_in_sample_order(result: Any, data: pd.DataFrame, outcome: str, unit: str,
                            time: str) -> NDArray[np.float64]:
    """Return the outcome in the row order of an imputation fit's estimation sample.

    Parameters
    ----------
    result : eah_eval.did.imputation.ImputationResult
        Imputation fit.
    data : pandas.DataFrame
        The frame it was fitted on (one row per unit and period).
    outcome, unit, time : str
        Column names used in the fit.

    Returns
    -------
    numpy.ndarray
        ``data[outcome]`` matched to ``result.sample()`` on ``(unit, time)``.

    Raises
    ------
    OptionError
        For a missing column, duplicate ``(unit, time)`` rows, sample rows not in ``data``, or
        missing outcome values in the sample.
    """
    for col in (outcome, unit, time):
        if col not in data.columns:
            raise OptionError(f"column {col!r} not found; columns are {list(data.columns)}")
    s = result.sample()
    keys = pd.MultiIndex.from_arrays([data[unit].to_numpy(),
                                      data[time].to_numpy(dtype=float)])
    if keys.has_duplicates:
        raise OptionError(f"data has more than one row per ({unit!r}, {time!r})")
    want = pd.MultiIndex.from_arrays([s["unit"].to_numpy(), s["time"].to_numpy(dtype=float)])
    pos = keys.get_indexer(want)
    if np.any(pos < 0):
        raise OptionError(
            f"{int(np.sum(pos < 0))} rows of the imputation sample are not in data (match on "
            f"{unit!r} and {time!r}); pass the frame the estimator was fitted on"
        )
    y = data[outcome].to_numpy(dtype=float)[pos]
    if not np.all(np.isfinite(y)):
        raise OptionError(f"outcome {outcome!r} has missing values in the estimation sample")
    return y


def imputation_target_names(result: Any) -> tuple[str, ...]:
    """Name the targets of an imputation fit: ``"overall"``, then ``"e=<event time>"``.

    Parameters
    ----------
    result : eah_eval.did.imputation.ImputationResult
        Imputation fit.

    Returns
    -------
    tuple of str
        In the column order of ``result.weights``: the overall effect, then one name per row of
        ``result.table`` labelled by its event time (e.g. ``"e=-1"`` with anticipation, ``"e=2"``
        when horizons start at 2).
    """
    return ("overall", *[f"e={v}" for v in result.table.index])
