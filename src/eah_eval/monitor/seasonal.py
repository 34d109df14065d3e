"""Seasonal adjustment of a series before it is charted, so that its limits are usable.

A termly series whose level differs by term of the year (absence is higher in spring than in
autumn) carries that swing into its moving ranges: the limits widen until no special cause can
be seen. :func:`seasonal_adjustment` removes the pattern the series showed in a stated baseline
(additive factors: the baseline mean of each season minus the baseline mean), so that a chart
of the adjusted values compares like with like. The factors come from the baseline only, so a
change after the baseline is not absorbed into them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from eah_eval.errors import EstimationError, OptionError

__all__ = ["SeasonalAdjustment", "seasonal_adjustment"]


@dataclass(frozen=True)
class SeasonalAdjustment:
    """Seasonally adjusted values and the factors removed.

    Attributes
    ----------
    adjusted : numpy.ndarray
        ``value - factor[season]``.
    factors : pandas.Series
        Additive factor per season (baseline mean of the season minus the baseline mean).
    n_baseline : int
        Points the factors were estimated from.
    """

    adjusted: np.ndarray
    factors: pd.Series
    n_baseline: int

    def describe(self, digits: int = 2) -> str:
        """One sentence stating the method and the factors."""
        listed = ", ".join(f"{k} {v:+.{digits}f}" for k, v in self.factors.items())
        return (
            "seasonally adjusted (additive): each value minus the mean of its term of the year "
            "over the baseline, plus the baseline mean, so that like terms are compared; "
            f"factors from {self.n_baseline} baseline points: {listed}"
        )


def seasonal_adjustment(
    values: ArrayLike,
    seasons: Sequence[object],
    *,
    baseline: ArrayLike | None = None,
    min_per_season: int = 2,
) -> SeasonalAdjustment:
    r"""Remove an additive seasonal pattern estimated from a baseline.

    Parameters
    ----------
    values : array_like
        The series in time order.
    seasons : sequence
        Season of each point (for termly data the term of the year).
    baseline : array_like of bool, optional
        Points the factors are estimated from (default: every point).
    min_per_season : int
        Fewest baseline points per season.

    Returns
    -------
    SeasonalAdjustment

    Raises
    ------
    OptionError
        If ``seasons`` or ``baseline`` do not have one entry per value.
    EstimationError
        If a season has fewer than ``min_per_season`` baseline points (the factor would be a
        guess).

    Notes
    -----
    With baseline points :math:`B`, season :math:`s(t)` and :math:`B_s` the baseline points of
    season :math:`s`:

    .. math::

        f_s = \bar x_{B_s} - \bar x_B,\qquad x^{adj}_t = x_t - f_{s(t)}.

    The factors sum to zero only when the seasons are equally represented in the baseline;
    the adjusted baseline then has the baseline's mean.

    Examples
    --------
    >>> adj = seasonal_adjustment([10, 14, 8, 10, 14, 8], ["a", "s", "u"] * 2)
    >>> adj.adjusted.tolist()
    [10.666666666666666, 10.666666666666666, 10.666666666666666, 10.666666666666666, 10.666666666666666, 10.666666666666666]
    """  # noqa: E501
    x = np.asarray(values, dtype=float)
    season = pd.Series(list(seasons), dtype=object)
    if len(season) != x.size:
        raise OptionError(f"seasons has {len(season)} entries but there are {x.size} values")
    base = np.ones(x.size, dtype=bool) if baseline is None else np.asarray(baseline, dtype=bool)
    if base.size != x.size:
        raise OptionError(f"baseline has {base.size} entries but there are {x.size} values")
    frame = pd.DataFrame({"value": x, "season": season}).loc[base]
    counts = frame.groupby("season")["value"].count().reindex(season.unique(), fill_value=0)
    short = counts[counts < min_per_season]
    if len(short):
        raise EstimationError(
            "seasonal factors need at least "
            f"{min_per_season} baseline points per season; "
            + ", ".join(f"{k!s} has {v}" for k, v in short.items())
        )
    factors = frame.groupby("season")["value"].mean() - frame["value"].mean()
    factors = factors.reindex(season.unique())
    adjusted = x - season.map(factors).to_numpy(dtype=float)
    return SeasonalAdjustment(adjusted=adjusted, factors=factors, n_baseline=int(base.sum()))
