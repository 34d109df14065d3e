"""Few-cluster inference: CR2, wild cluster bootstrap, randomisation inference."""

from __future__ import annotations

from eah_eval.inference.cr2 import ContrastTest, CR2Fit, cr2, cr2_twfe
from eah_eval.inference.randomization import (
    ASSUMPTION,
    RandomizationResult,
    count_assignments,
    randomization_inference,
)
from eah_eval.inference.wild import (
    WILD_WEIGHTS,
    WildBootstrapResult,
    wild_aggregate,
    wild_draws,
    wild_influence,
    wild_linear,
    wild_twfe,
)

__all__ = [
    "ASSUMPTION",
    "WILD_WEIGHTS",
    "CR2Fit",
    "ContrastTest",
    "RandomizationResult",
    "WildBootstrapResult",
    "count_assignments",
    "cr2",
    "cr2_twfe",
    "randomization_inference",
    "wild_aggregate",
    "wild_draws",
    "wild_influence",
    "wild_linear",
    "wild_twfe",
]
