"""Few-cluster inference: CR2, wild cluster bootstrap, randomisation inference."""

from __future__ import annotations

from eah_eval.inference.apply import INFERENCE_METHODS, inference_json, merge_inference
from eah_eval.inference.cr2 import (
    ContrastTest,
    CR2Fit,
    LinearEstimatorTest,
    cr2,
    cr2_imputation,
    cr2_linear,
    cr2_twfe,
)
from eah_eval.inference.default import (
    DEFAULT_FEW_CLUSTER_ESTIMATOR,
    DEFAULT_FEW_CLUSTER_INFERENCE,
    FEW_CLUSTER_METHODS,
    FewClusterInference,
    few_cluster_inference,
)
from eah_eval.inference.randomization import (
    ASSUMPTION,
    RandomizationResult,
    RandomizationTable,
    count_assignments,
    randomization_inference,
    randomization_inference_many,
)
from eah_eval.inference.restricted import (
    cs_simple_estimator,
    wild_imputation_restricted,
    wild_restricted,
)
from eah_eval.inference.wild import (
    WILD_WEIGHTS,
    WildBootstrapResult,
    wild_aggregate,
    wild_draws,
    wild_imputation,
    wild_influence,
    wild_linear,
    wild_twfe,
)

__all__ = [
    "ASSUMPTION",
    "DEFAULT_FEW_CLUSTER_ESTIMATOR",
    "DEFAULT_FEW_CLUSTER_INFERENCE",
    "FEW_CLUSTER_METHODS",
    "INFERENCE_METHODS",
    "WILD_WEIGHTS",
    "CR2Fit",
    "ContrastTest",
    "FewClusterInference",
    "LinearEstimatorTest",
    "RandomizationResult",
    "RandomizationTable",
    "WildBootstrapResult",
    "count_assignments",
    "cr2",
    "cr2_imputation",
    "cr2_linear",
    "cr2_twfe",
    "cs_simple_estimator",
    "few_cluster_inference",
    "inference_json",
    "merge_inference",
    "randomization_inference",
    "randomization_inference_many",
    "wild_aggregate",
    "wild_draws",
    "wild_imputation",
    "wild_imputation_restricted",
    "wild_influence",
    "wild_linear",
    "wild_restricted",
    "wild_twfe",
]
