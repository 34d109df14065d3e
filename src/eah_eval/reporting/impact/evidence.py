"""Evidence-strength ratings: Maryland Scientific Methods Scale, EEF padlocks, months' progress.

The rating is driven by the design and downgraded for stated risks, and it always comes with
its reasons, so a reader can see why a result earned the rating it has.

* **Maryland SMS.** A difference-in-differences design with a comparison group *shown* to be
  comparable (no evidence against parallel pre-trends) is level 3. Level 4 needs as-good-as-
  random variation (for example a randomised rollout order); level 5 is a randomised trial.
  When pre-trends fail the comparison is not shown comparable and the design is level 2.
  A thin comparison group or conclusions that break down under small departures from
  parallel trends lower the level by one each (never below 1).
* **EEF padlocks (0-5).** A quasi-experimental comparison starts at 3 padlocks (4 with
  as-good-as-random rollout); each downgrade removes one.
* **Months' progress** (attainment only) converts an effect size with the EEF table:
  0.02-0.09 = 1 month, 0.10-0.18 = 2, 0.19-0.26 = 3, 0.27-0.35 = 4, 0.36-0.44 = 5,
  0.45-0.52 = 6, 0.53-0.61 = 7, 0.62-0.69 = 8, 0.70-0.78 = 9, 0.79-0.87 = 10, 0.88-0.95 = 11,
  0.96 and above = 12 (negative sizes likewise, as months lost).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

#: Upper bounds (inclusive, to two decimal places) of each month band of the EEF table.
_MONTH_BOUNDS: tuple[float, ...] = (
    0.01, 0.09, 0.18, 0.26, 0.35, 0.44, 0.52, 0.61, 0.69, 0.78, 0.87, 0.95,
)

#: Fewest comparison clusters for a comparison group not to count as thin.
MIN_COMPARISON_CLUSTERS = 4
#: Breakdown value (relative magnitude, Rambachan-Roth) below which conclusions are fragile.
FRAGILE_BREAKDOWN = 0.5


def months_progress(effect_size: float) -> int:
    """Convert an effect size to months' progress with the EEF table.

    Examples
    --------
    >>> months_progress(0.05), months_progress(0.2), months_progress(-0.12)
    (1, 3, -2)
    """
    if effect_size is None or math.isnan(effect_size):
        raise ValueError("effect size is missing")
    size = round(abs(effect_size), 2)
    months = len(_MONTH_BOUNDS)
    for k, bound in enumerate(_MONTH_BOUNDS):
        if size <= bound:
            months = k
            break
    return int(math.copysign(months, effect_size)) if months else 0


@dataclass(frozen=True)
class EvidenceRating:
    """Evidence strength of one result, with the reasons."""

    maryland_level: int
    padlocks: int
    reasons: tuple[str, ...]
    downgrades: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        """Short label such as ``"Maryland level 3; 3 of 5 padlocks"``."""
        return f"Maryland level {self.maryland_level}; {self.padlocks} of 5 padlocks"

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {
            "maryland_level": self.maryland_level,
            "padlocks": self.padlocks,
            "reasons": list(self.reasons),
            "downgrades": list(self.downgrades),
        }


def rate_evidence(
    *,
    design: str = "did",
    pretrend_p: float | None,
    n_comparison_clusters: int | None,
    breakdown_value: float | None,
    randomised_rollout: bool = False,
    alpha: float = 0.05,
) -> EvidenceRating:
    """Rate the strength of evidence of a difference-in-differences result.

    Parameters
    ----------
    design : {"did", "descriptive"}
        ``"descriptive"`` (no counterfactual) is level 1 and 0 padlocks.
    pretrend_p : float or None
        p-value of the joint pre-trend test; ``None`` when it could not be run (the
        comparison is then not shown comparable). The report passes the randomisation
        p-value over rollout order (right size with few clusters) when it was computed, and
        the F-reference p-value otherwise
        (:func:`eah_eval.reporting.robustness.pretrend_check`).
    n_comparison_clusters : int or None
        Clusters available as comparisons (not yet or never treated) at the first go-live.
    breakdown_value : float or None
        Largest relative departure from parallel trends (Rambachan-Roth ``Mbar``) under which
        the interval still excludes zero; ``None`` when not computed or when the interval
        already includes zero.
    randomised_rollout : bool
        Whether the rollout order was randomised (allows level 4).
    alpha : float
        Level of the pre-trend test.
    """
    if design == "descriptive":
        return EvidenceRating(
            1,
            0,
            ("Descriptive comparison before and after go-live, with no comparison group.",),
        )
    reasons: list[str] = []
    downgrades: list[str] = []
    level = 4 if randomised_rollout else 3
    padlocks = 4 if randomised_rollout else 3
    reasons.append(
        "Staggered difference-in-differences: clusters not yet started serve as the comparison"
        + (" and the rollout order was randomised." if randomised_rollout else ".")
    )
    if pretrend_p is None:
        level = min(level, 2)
        padlocks -= 1
        downgrades.append("The pre-trend test could not be run, so comparability is not shown.")
    elif pretrend_p < alpha:
        level = min(level, 2)
        padlocks -= 1
        downgrades.append(
            f"Trends before go-live differed (pre-trend test p = {pretrend_p:.3f}), so the "
            "comparison group is not shown to be comparable."
        )
    else:
        reasons.append(
            f"No evidence that trends differed before go-live (pre-trend test p = "
            f"{pretrend_p:.2f})."
        )
    if n_comparison_clusters is not None and n_comparison_clusters < MIN_COMPARISON_CLUSTERS:
        level -= 1
        padlocks -= 1
        downgrades.append(
            f"Thin comparison group: only {n_comparison_clusters} comparison cluster(s)."
        )
    if breakdown_value is not None and breakdown_value < FRAGILE_BREAKDOWN:
        level -= 1
        padlocks -= 1
        downgrades.append(
            "The conclusion would change if trends after go-live departed from parallel by "
            f"more than {breakdown_value:.2f} times the largest departure seen before."
        )
    return EvidenceRating(
        maryland_level=max(level, 1),
        padlocks=max(padlocks, 0),
        reasons=tuple(reasons),
        downgrades=tuple(downgrades),
    )
