"""The programme's effect on new EHC plans as a distribution: from an interval or from draws.

The impact evaluation estimates the programme's effect on EHC needs-assessment requests (per
1,000 pupils, or relative to the untreated rate). The projection needs the **relative** change
in new plans; it assumes the change in new plans is proportional to the change in requests
(a request reduced by a fifth means a fifth fewer plans from those requests). The
distribution is always carried whole (draws), never as a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import norm

from eah_eval.errors import OptionError, OptionTypeError, check_option

EffectScale = Literal["relative", "per_1000"]
EFFECT_SCALES: tuple[str, ...] = ("relative", "per_1000")
#: Smallest relative change allowed in a draw: new plans cannot fall below zero.
MIN_RELATIVE = -1.0


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise OptionTypeError(f"{name} must be a number; got {type(value).__name__} {value!r}")
    out = float(value)
    if not np.isfinite(out):
        raise OptionError(f"{name} must be a finite number; got {value!r}")
    return out


@dataclass(frozen=True)
class EffectDistribution:
    """The programme's effect on EHC needs-assessment requests, as draws.

    Attributes
    ----------
    draws : numpy.ndarray
        Draws of the effect on ``scale`` (one-dimensional, finite).
    scale : {"relative", "per_1000"}
        ``"relative"``: proportional change in requests (``-0.2`` = a fifth fewer).
        ``"per_1000"``: change in requests per 1,000 pupils a year, converted with
        ``baseline_per_1000``.
    baseline_per_1000 : float or None
        Untreated request rate per 1,000 pupils a year (needed for ``"per_1000"``).
    description : str
        Where the effect came from, in words (printed in the report).
    """

    draws: np.ndarray
    scale: str = "relative"
    baseline_per_1000: float | None = None
    description: str = ""

    def __post_init__(self) -> None:
        check_option("scale", self.scale, EFFECT_SCALES)
        draws = np.asarray(self.draws, dtype=float).ravel()
        if draws.size == 0 or not np.isfinite(draws).all():
            raise OptionError(f"draws must be a non-empty array of finite numbers; got "
                              f"{draws.size} value(s), {int((~np.isfinite(draws)).sum())} "
                              "not finite")
        object.__setattr__(self, "draws", draws)
        if self.scale == "per_1000":
            if self.baseline_per_1000 is None:
                raise OptionError("baseline_per_1000 must be given with scale='per_1000' (the "
                                  "untreated request rate per 1,000 pupils, to turn the effect "
                                  "into a relative change); got None")
            base = _finite("baseline_per_1000", self.baseline_per_1000)
            if base <= 0:
                raise OptionError(f"baseline_per_1000 must be more than 0; got {base}")

    @classmethod
    def from_interval(
        cls,
        estimate: float,
        ci_low: float,
        ci_high: float,
        *,
        level: float = 0.95,
        scale: EffectScale = "relative",
        baseline_per_1000: float | None = None,
        description: str = "",
        n_draws: int = 10_000,
        seed: int = 0,
    ) -> EffectDistribution:
        r"""Build the distribution from a point estimate and its confidence interval.

        Parameters
        ----------
        estimate, ci_low, ci_high : float
            The estimate and its interval, on ``scale``.
        level : float
            Confidence level of the interval (default 0.95).
        scale : {"relative", "per_1000"}
            Scale of the three numbers.
        baseline_per_1000 : float, optional
            Untreated request rate per 1,000 pupils (required for ``"per_1000"``).
        description : str
            Where the numbers came from, in words.
        n_draws : int
            Number of draws stored (default 10,000; the projection resamples them).
        seed : int
            Seed of the draws.

        Returns
        -------
        EffectDistribution

        Raises
        ------
        OptionError
            If the interval does not contain the estimate, ``level`` is not in (0, 1), or a
            number is not finite.

        Notes
        -----
        A normal distribution centred on the estimate with standard deviation
        :math:`(\text{high} - \text{low}) / (2 z_{(1+\text{level})/2})`: the interval's
        half-width in standard errors. An asymmetric interval is read through its full width.
        """
        est = _finite("estimate", estimate)
        lo = _finite("ci_low", ci_low)
        hi = _finite("ci_high", ci_high)
        lev = _finite("level", level)
        if not 0 < lev < 1:
            raise OptionError(f"level must be between 0 and 1; got {level}")
        if not lo <= est <= hi:
            raise OptionError(f"the interval must contain the estimate: expected ci_low <= "
                              f"estimate <= ci_high; got {lo} <= {est} <= {hi}")
        if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 2:
            raise OptionError(f"n_draws must be an integer of at least 2; got {n_draws!r}")
        sd = (hi - lo) / (2 * norm.ppf(0.5 + lev / 2))
        draws = est + sd * np.random.default_rng(seed).standard_normal(n_draws)
        unit = "relative change" if scale == "relative" else "per 1,000 pupils"
        text = description or (f"estimate {est:g} ({lev:.0%} interval {lo:g} to {hi:g}, "
                               f"{unit}), read as a normal distribution")
        return cls(draws, scale, baseline_per_1000, text)

    @classmethod
    def from_draws(
        cls,
        draws: np.ndarray | list[float],
        *,
        scale: EffectScale = "relative",
        baseline_per_1000: float | None = None,
        description: str = "",
    ) -> EffectDistribution:
        """Build the distribution from bootstrap (or posterior) draws of the effect.

        Parameters
        ----------
        draws : array-like
            Draws on ``scale``.
        scale, baseline_per_1000, description
            As for :meth:`from_interval`.

        Returns
        -------
        EffectDistribution

        Raises
        ------
        OptionError
            If there are no draws or one is not finite.
        """
        arr = np.asarray(draws, dtype=float)
        text = description or f"{arr.size:,} draws of the effect"
        return cls(arr, scale, baseline_per_1000, text)

    @classmethod
    def none(cls) -> EffectDistribution:
        """No effect: every draw is zero (for tests and a null scenario)."""
        return cls(np.zeros(1), "relative", None, "no effect")

    def relative(self) -> np.ndarray:
        """Draws as relative changes in new plans, floored at -1 (no fewer than zero plans)."""
        rel = self.draws if self.scale == "relative" else self.draws / float(
            self.baseline_per_1000 or 1.0)
        return np.maximum(rel, MIN_RELATIVE)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Return ``n`` relative draws: the draws themselves if there are ``n``, else resampled."""
        rel = self.relative()
        if rel.size == n:
            return rel.copy()
        return rel[rng.integers(0, rel.size, n)]

    def summary(self) -> tuple[float, float, float]:
        """Median and 95% range of the relative change in new plans."""
        rel = self.relative()
        lo, med, hi = np.quantile(rel, [0.025, 0.5, 0.975])
        return float(med), float(lo), float(hi)
