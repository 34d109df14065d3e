"""Pre-trend tests, Rambachan-Roth sensitivity bounds, power and minimum detectable effect."""

from __future__ import annotations

from eah_eval.sensitivity.honest import (
    HonestDiDResult,
    breakdown_value,
    honest_did,
    identified_set_rm,
    original_ci,
    relative_magnitudes_ci,
    smoothness_flci,
)

__all__ = [
    "HonestDiDResult",
    "breakdown_value",
    "honest_did",
    "identified_set_rm",
    "original_ci",
    "relative_magnitudes_ci",
    "smoothness_flci",
]
