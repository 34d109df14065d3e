"""The one vocabulary of inference methods: names, the few-cluster default, plain words.

Every door that chooses inference (:func:`eah_eval.inference.infer`,
:func:`eah_eval.inference.few_cluster_inference`, ``eah-eval did --inference`` and the reports)
takes a name from :data:`INFERENCE_METHODS`, validates it with :func:`check_method` and words it
with :func:`describe_method`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal, cast

from eah_eval.errors import check_option

__all__ = [
    "DEFAULT_INFERENCE",
    "FALLBACK_METHODS",
    "INFERENCE_METHODS",
    "METHOD_DESCRIPTIONS",
    "WILD_WEIGHTS",
    "FallbackMethod",
    "InferenceMethod",
    "WildWeights",
    "check_method",
    "describe_method",
]

InferenceMethod = Literal["wcr", "wild", "multiplier", "cr2", "randomization", "analytic",
                          "small_sample_t"]
INFERENCE_METHODS: tuple[str, ...] = ("wcr", "wild", "multiplier", "cr2", "randomization",
                                      "analytic", "small_sample_t")

WildWeights = Literal["rademacher", "mammen", "webb"]
WILD_WEIGHTS: tuple[str, ...] = ("rademacher", "mammen", "webb")
"""Weights of the wild and restricted wild bootstraps (and ``--wild-weights``)."""

FallbackMethod = Literal["small_sample_t", "analytic"]
FALLBACK_METHODS: tuple[str, ...] = ("small_sample_t", "analytic")

DEFAULT_INFERENCE: InferenceMethod = "wcr"
"""Default inference with few (8-12) clusters: the restricted wild cluster bootstrap.

Chosen by the coverage study in ``docs/inference.md``: its 95% intervals covered 93.8-96.8% at
8-12 clusters (imputation estimator, and Callaway-Sant'Anna simple ATT with a not-yet-treated
comparison), where the analytic, multiplier and unrestricted wild intervals covered 78-91%.
"""

METHOD_DESCRIPTIONS: Mapping[str, str] = MappingProxyType({
    "wcr": "restricted wild cluster bootstrap (null imposed, interval by test inversion)",
    "wild": "wild cluster score bootstrap of the influence function (null not imposed, "
            "percentile-t interval)",
    "multiplier": "multiplier bootstrap standard error (cluster level), normal interval",
    "cr2": "CR2 bias-reduced standard error, Satterthwaite t interval",
    "randomization": "randomisation inference over rollout order (Fisher p-value, interval "
                     "by test inversion)",
    "analytic": "clustered standard error, normal interval",
    "small_sample_t": "clustered standard error times sqrt(G/(G-1)), t interval with G-1 "
                      "degrees of freedom",
})
"""Plain words for each method, for table captions and method notes."""

_RESAMPLING = ("wcr", "wild", "multiplier", "randomization")
_WITH_WEIGHTS = {
    "wcr": "restricted wild cluster bootstrap (null imposed, {w} weights, interval by test "
           "inversion)",
    "wild": "wild cluster score bootstrap of the influence function (null not imposed, {w} "
            "weights, percentile-t interval)",
    "multiplier": "multiplier bootstrap standard error (cluster level, {w} weights), normal "
                  "interval",
}


def check_method(method: object, name: str = "method") -> InferenceMethod:
    """Validate an inference method name.

    Parameters
    ----------
    method : object
        Value received.
    name : str, default "method"
        Argument name used in the message.

    Returns
    -------
    str
        The method, unchanged.

    Raises
    ------
    OptionError
        If ``method`` is not one of :data:`INFERENCE_METHODS` (the message lists them).
    OptionTypeError
        If ``method`` is not a string.

    Examples
    --------
    >>> check_method("wcr")
    'wcr'
    """
    return cast(InferenceMethod, check_option(name, method, INFERENCE_METHODS))


def _draws_phrase(record: Mapping[str, Any]) -> str:
    method = record.get("method")
    draws = record.get("draws")
    g = record.get("n_clusters")
    if method == "randomization":
        total = record.get("total_assignments")
        if record.get("exact"):
            return f"all {total} assignments of clusters to waves"
        return (f"{draws} of {total} assignments of clusters to waves sampled, seed "
                f"{record.get('seed')}")
    if draws is None:
        return ""
    if record.get("enumerated"):
        base = 2 if str(record.get("weights")) == "rademacher" else 6
        pattern = "sign" if base == 2 else "weight"
        return f"all {base}^{g} = {draws} {pattern} patterns"
    return f"{draws} draws, seed {record.get('seed')}"


def describe_method(record: Mapping[str, Any]) -> str:
    """Word an inference record for a table caption or method note.

    Parameters
    ----------
    record : mapping
        An inference record (``InferenceTable.record``, ``FewClusterInference.record``): reads
        ``method``, ``weights``, ``draws``, ``enumerated``, ``seed``, ``n_clusters``,
        ``level``, and when present ``df``, ``total_assignments``, ``exact``, ``assumption``,
        ``fallback`` and ``fallback_rows``.

    Returns
    -------
    str
        One sentence, e.g. "restricted wild cluster bootstrap (null imposed, Rademacher
        weights, interval by test inversion); all 2^10 = 1024 sign patterns; 10 clusters; 95%
        intervals." Weights and draws are worded only for the methods that use them, so a
        table's record with ``method`` replaced by a row's fallback words that row.

    Raises
    ------
    OptionError
        If the record's method is not one of :data:`INFERENCE_METHODS`.
    """
    method = check_method(record.get("method"), "record['method']")
    weights = record.get("weights")
    if method in _WITH_WEIGHTS and weights:
        words = _WITH_WEIGHTS[method].format(w=str(weights).capitalize())
    else:
        words = METHOD_DESCRIPTIONS[method]
    parts = [words]
    draws = _draws_phrase(record) if method in _RESAMPLING else ""
    if draws:
        parts.append(draws)
    if record.get("df") is not None and method == "cr2":
        parts.append(f"{float(record['df']):.1f} degrees of freedom")
    if record.get("n_clusters") is not None:
        parts.append(f"{record['n_clusters']} clusters")
    if record.get("level") is not None:
        parts.append(f"{100 * float(record['level']):g}% intervals")
    text = "; ".join(parts) + "."
    n_fallback = int(record.get("fallback_rows") or 0)
    fallback = record.get("fallback")
    if n_fallback and fallback in METHOD_DESCRIPTIONS and fallback != method:
        rows = "1 row uses" if n_fallback == 1 else f"{n_fallback} rows use"
        text += (f" {rows} {METHOD_DESCRIPTIONS[str(fallback)]} instead, where the method "
                 "does not apply (the table says why).")
    if method == "randomization" and record.get("assumption"):
        text += f" {record['assumption']}"
    return text
