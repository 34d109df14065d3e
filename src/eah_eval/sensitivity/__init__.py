"""Pre-trend tests, Rambachan-Roth sensitivity bounds, power and minimum detectable effect."""

from __future__ import annotations

from eah_eval.sensitivity.honest import (
    HonestDiDResult,
    breakdown_value,
    honest_did,
    honest_did_event,
    identified_set_rm,
    original_ci,
    relative_magnitudes_ci,
    smoothness_flci,
)
from eah_eval.sensitivity.power import PowerResult, simulate_power
from eah_eval.sensitivity.pretrends import (
    PretrendTest,
    event_study_inputs,
    pretrend_test,
    pretrend_test_event,
)

__all__ = [
    "HonestDiDResult",
    "PowerResult",
    "PretrendTest",
    "breakdown_value",
    "event_study_inputs",
    "honest_did",
    "honest_did_event",
    "identified_set_rm",
    "original_ci",
    "pretrend_test",
    "pretrend_test_event",
    "relative_magnitudes_ci",
    "simulate_power",
    "smoothness_flci",
]
