"""Few-cluster inference: one vocabulary, one dispatcher, and the methods behind it.

Start with :func:`infer` (every row of a Callaway-Sant'Anna aggregation under one method of
:data:`INFERENCE_METHODS`; default :data:`DEFAULT_INFERENCE`, the restricted wild cluster
bootstrap) or :func:`few_cluster_inference` (the overall effect of an imputation fit or a CS
simple aggregation). :func:`describe_method` words a result's record for a table caption and
:func:`adjust_pvalues` adjusts a family of p-values. :func:`dose_response` estimates the slope of
the clusters' changes on the programme delivered to them, with the same default.
:func:`area_staggered` estimates across local authorities, the authority as the cluster.

The names below are loaded from their modules on first use (:mod:`eah_eval.lazy_exports`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eah_eval.lazy_exports import export_lazily

if TYPE_CHECKING:
    from eah_eval.inference.apply import inference_json, inference_tables_json, merge_inference
    from eah_eval.inference.areas import area_staggered
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
        IMPUTATION_METHODS,
        FewClusterInference,
        few_cluster_inference,
    )
    from eah_eval.inference.dispatch import (
        InferenceRow,
        InferenceTable,
        infer,
        infer_many,
        recorded_seed,
    )
    from eah_eval.inference.dose import (
        DOSE_ASSUMPTIONS,
        DOSE_METHODS,
        DoseMethod,
        DosePoint,
        DoseResponse,
        dose_response,
        dose_slope,
    )
    from eah_eval.inference.methods import (
        DEFAULT_INFERENCE,
        FALLBACK_METHODS,
        INFERENCE_METHODS,
        METHOD_DESCRIPTIONS,
        FallbackMethod,
        InferenceMethod,
        check_method,
        describe_method,
    )
    from eah_eval.inference.multiplicity import PVALUE_ADJUSTMENTS, PValueAdjustment, adjust_pvalues
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
        WildWeights,
        wild_aggregate,
        wild_draws,
        wild_imputation,
        wild_influence,
        wild_linear,
        wild_twfe,
    )

_MODULE_OF = {
    "area_staggered": "areas",
    "inference_json": "apply",
    "inference_tables_json": "apply",
    "merge_inference": "apply",
    "ContrastTest": "cr2",
    "CR2Fit": "cr2",
    "LinearEstimatorTest": "cr2",
    "cr2": "cr2",
    "cr2_imputation": "cr2",
    "cr2_linear": "cr2",
    "cr2_twfe": "cr2",
    "DEFAULT_FEW_CLUSTER_ESTIMATOR": "default",
    "DEFAULT_FEW_CLUSTER_INFERENCE": "default",
    "IMPUTATION_METHODS": "default",
    "FewClusterInference": "default",
    "few_cluster_inference": "default",
    "InferenceRow": "dispatch",
    "InferenceTable": "dispatch",
    "infer": "dispatch",
    "infer_many": "dispatch",
    "recorded_seed": "dispatch",
    "DOSE_ASSUMPTIONS": "dose",
    "DOSE_METHODS": "dose",
    "DoseMethod": "dose",
    "DosePoint": "dose",
    "DoseResponse": "dose",
    "dose_response": "dose",
    "dose_slope": "dose",
    "DEFAULT_INFERENCE": "methods",
    "FALLBACK_METHODS": "methods",
    "INFERENCE_METHODS": "methods",
    "METHOD_DESCRIPTIONS": "methods",
    "FallbackMethod": "methods",
    "InferenceMethod": "methods",
    "check_method": "methods",
    "describe_method": "methods",
    "PVALUE_ADJUSTMENTS": "multiplicity",
    "PValueAdjustment": "multiplicity",
    "adjust_pvalues": "multiplicity",
    "ASSUMPTION": "randomization",
    "RandomizationResult": "randomization",
    "RandomizationTable": "randomization",
    "count_assignments": "randomization",
    "randomization_inference": "randomization",
    "randomization_inference_many": "randomization",
    "cs_simple_estimator": "restricted",
    "wild_imputation_restricted": "restricted",
    "wild_restricted": "restricted",
    "WILD_WEIGHTS": "methods",
    "WildBootstrapResult": "wild",
    "WildWeights": "methods",
    "wild_aggregate": "wild",
    "wild_draws": "wild",
    "wild_imputation": "wild",
    "wild_influence": "wild",
    "wild_linear": "wild",
    "wild_twfe": "wild",
}

__all__ = [
    "ASSUMPTION",
    "DEFAULT_FEW_CLUSTER_ESTIMATOR",
    "DEFAULT_FEW_CLUSTER_INFERENCE",
    "DEFAULT_INFERENCE",
    "DOSE_ASSUMPTIONS",
    "DOSE_METHODS",
    "FALLBACK_METHODS",
    "IMPUTATION_METHODS",
    "INFERENCE_METHODS",
    "METHOD_DESCRIPTIONS",
    "PVALUE_ADJUSTMENTS",
    "WILD_WEIGHTS",
    "CR2Fit",
    "ContrastTest",
    "DoseMethod",
    "DosePoint",
    "DoseResponse",
    "FallbackMethod",
    "FewClusterInference",
    "InferenceMethod",
    "InferenceRow",
    "InferenceTable",
    "LinearEstimatorTest",
    "PValueAdjustment",
    "RandomizationResult",
    "RandomizationTable",
    "WildBootstrapResult",
    "WildWeights",
    "adjust_pvalues",
    "area_staggered",
    "check_method",
    "count_assignments",
    "cr2",
    "cr2_imputation",
    "cr2_linear",
    "cr2_twfe",
    "cs_simple_estimator",
    "describe_method",
    "dose_response",
    "dose_slope",
    "few_cluster_inference",
    "infer",
    "infer_many",
    "inference_json",
    "inference_tables_json",
    "merge_inference",
    "randomization_inference",
    "randomization_inference_many",
    "recorded_seed",
    "wild_aggregate",
    "wild_draws",
    "wild_imputation",
    "wild_imputation_restricted",
    "wild_influence",
    "wild_linear",
    "wild_restricted",
    "wild_twfe",
]

export_lazily(__name__, _MODULE_OF)
