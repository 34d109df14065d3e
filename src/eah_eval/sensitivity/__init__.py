"""Pre-trend tests, Rambachan-Roth sensitivity bounds, power and minimum detectable effect."""

from __future__ import annotations

from eah_eval.sensitivity.honest import (
    HonestDiDResult,
    breakdown_value,
    honest_did,
    honest_did_event,
)
from eah_eval.sensitivity.honest_inputs import original_ci
from eah_eval.sensitivity.plot import plot_sensitivity
from eah_eval.sensitivity.power import (
    PowerResult,
    mde_from_interval,
    mde_from_se,
    se_from_interval,
    simulate_power,
)
from eah_eval.sensitivity.pretrends import (
    PretrendTest,
    event_study_inputs,
    pretrend_test,
    pretrend_test_event,
)
from eah_eval.sensitivity.relative_magnitudes import identified_set_rm, relative_magnitudes_ci
from eah_eval.sensitivity.smoothness import smoothness_flci

__all__ = [
    "HonestDiDResult",
    "PowerResult",
    "PretrendTest",
    "breakdown_value",
    "event_study_inputs",
    "honest_did",
    "honest_did_event",
    "identified_set_rm",
    "mde_from_interval",
    "mde_from_se",
    "original_ci",
    "plot_sensitivity",
    "pretrend_test",
    "pretrend_test_event",
    "relative_magnitudes_ci",
    "se_from_interval",
    "simulate_power",
    "smoothness_flci",
]
