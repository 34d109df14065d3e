"""Inference for the ``eah-eval did --json`` object, built on :func:`eah_eval.inference.infer`.

:func:`inference_tables_json` turns the tables of :func:`eah_eval.inference.infer_many` into
``ci_low``, ``ci_high`` and ``p`` for each aggregation and each element of its ``by`` list, plus
an ``inference`` record (method, weights, draws, seed, number of clusters);
:func:`merge_inference` adds them to the ``eah-eval did --json`` object. :func:`inference_json`
does both steps from the aggregations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from eah_eval.errors import OptionError, check_option
from eah_eval.inference.dispatch import InferenceTable, infer_many
from eah_eval.inference.methods import WILD_WEIGHTS, InferenceMethod, check_method, describe_method

__all__ = ["inference_json", "inference_tables_json", "merge_inference"]

_PER_TABLE = ("kind", "fallback_rows", "note")


def _num(v: Any) -> float | None:
    x = float(v)
    return x if math.isfinite(x) else None


def _unbounded(low: Any, high: Any) -> bool:
    """Whether an interval has an infinite end (not a missing one)."""
    return bool(math.isinf(float(low)) or math.isinf(float(high)))


def _cell(table: InferenceTable, i: int) -> dict[str, Any]:
    """``ci_low``, ``ci_high``, ``p`` of the requested method (None where it did not apply).

    An infinite end is None with ``unbounded`` true, so that it cannot be read as "not
    computed".
    """
    lo, hi, p = (_num(table.ci_low[i]), _num(table.ci_high[i]), _num(table.pvalues[i]))
    unbounded = _unbounded(table.ci_low[i], table.ci_high[i])
    reason = table.fallback_reasons[i]
    if not reason:
        return {"ci_low": lo, "ci_high": hi, "p": p, "unbounded": unbounded}
    return {"ci_low": None, "ci_high": None, "p": None, "unbounded": False,
            "fallback": {"method": table.methods[i], "reason": reason, "ci_low": lo,
                         "ci_high": hi, "p": p, "unbounded": unbounded}}


def inference_tables_json(tables: Mapping[str, InferenceTable]) -> dict[str, Any]:
    """Turn inference tables into the JSON added to ``eah-eval did --json``.

    Parameters
    ----------
    tables : mapping of str to InferenceTable
        Output of :func:`eah_eval.inference.infer_many` (keys are aggregation kinds).

    Returns
    -------
    dict
        ``{"aggregations": {kind: {"ci_low", "ci_high", "p", "by": [{"ci_low", "ci_high",
        "p"}, ...]}}, "inference": {"method", "weights", "draws", "seed", "n_clusters", ...}}``.
        ``by`` follows the rows of each aggregation (absent for ``simple``); NaN and an
        unbounded end (``-inf``/``inf``, then ``p`` is not None) become None, and
        ``unbounded`` is true exactly when an end is infinite. Where the
        requested method did not apply to a row its ``ci_low``, ``ci_high`` and ``p`` are None
        and ``fallback`` gives ``{"method", "reason", "ci_low", "ci_high", "p"}``.

    Raises
    ------
    OptionError
        If ``tables`` is empty.
    """
    if not tables:
        raise OptionError("tables must not be empty")
    out: dict[str, Any] = {"aggregations": {}}
    for kind, table in tables.items():
        n = len(table.labels)
        entry = _cell(table, n - 1)
        if table.kind != "simple":
            entry["by"] = [_cell(table, i) for i in range(n - 1)]
        out["aggregations"][kind] = entry
    first = next(iter(tables.values()))
    info = {k: v for k, v in first.record.items() if k not in _PER_TABLE}
    info["fallback_rows"] = sum(int(t.record.get("fallback_rows", 0)) for t in tables.values())
    info["note"] = describe_method(info)
    out["inference"] = info
    return out


def inference_json(
    aggregations: Mapping[str, Any],
    *,
    method: InferenceMethod = "analytic",
    weights: str = "webb",
    draws: int = 9999,
    seed: int | None = None,
    level: float = 0.95,
    data: pd.DataFrame | None = None,
    reestimate: Callable[[pd.DataFrame], Mapping[str, Any]] | None = None,
    columns: Mapping[str, str] | None = None,
    never_treated_value: float = 0,
) -> dict[str, Any]:
    """Confidence intervals and p-values for each aggregation under one inference method.

    Applies :func:`eah_eval.inference.infer_many` and :func:`inference_tables_json`.

    Parameters
    ----------
    aggregations : mapping of str to AggregateResult
        Aggregations keyed by kind (``simple``, ``event``, ``group``, ``calendar``), all from
        the same group-time result (so they share units and clusters).
    method : str, default "analytic"
        One of :data:`eah_eval.inference.INFERENCE_METHODS` (see
        :func:`eah_eval.inference.infer`). ``wcr`` and ``randomization`` need ``data``,
        ``reestimate`` and ``columns``; pre-treatment event-time rows are not tested by them
        (their values are None and ``fallback`` holds the fallback's). ``cr2`` raises.
    weights : {"rademacher", "mammen", "webb"}, default "webb"
        Bootstrap weight distribution (multiplier, wild and wcr).
    draws : int, default 9999
        Bootstrap draws, or randomisation draws when the assignments are too many to enumerate.
    seed : int, optional
        Seed (recorded; a fresh one is drawn and recorded when None).
    level : float, default 0.95
        Interval level.
    data : pandas.DataFrame, optional
        The panel (``wcr``, ``randomization``).
    reestimate : callable, optional
        ``reestimate(frame) -> {kind: AggregateResult}`` (``wcr``, ``randomization``).
    columns : mapping, optional
        ``{"outcome", "time", "cohort", "cluster"}`` column names (``wcr`` also needs
        ``unit``; ``weights`` names the sampling-weight column if one was used).
    never_treated_value : float, default 0
        Cohort code of never-treated units.

    Returns
    -------
    dict
        As :func:`inference_tables_json`.

    Raises
    ------
    OptionError
        For an unknown method or weight type, ``cr2`` on aggregations, or missing inputs.
    """
    chosen = check_method(method)
    check_option("weights", weights, WILD_WEIGHTS)
    if not aggregations:
        raise OptionError("aggregations must not be empty")
    names: dict[str, Any] = {}
    if chosen in ("wcr", "randomization"):
        if data is None or reestimate is None or columns is None:
            need = "outcome, unit, time, cohort, cluster" if chosen == "wcr" else \
                "outcome, time, cohort, cluster"
            raise OptionError(f"inference {chosen!r} needs data, reestimate and columns "
                              f"({need})")
        required = {"outcome", "time", "cohort", "cluster"} | (
            {"unit"} if chosen == "wcr" else set())
        missing = required - set(columns)
        if missing:
            raise OptionError(f"columns is missing {sorted(missing)}")
        names = {k: columns[k] for k in ("outcome", "time", "cohort", "cluster")}
        names["unit"] = columns.get("unit", "unit")
        names["weights"] = columns.get("weights")
    tables = infer_many(
        aggregations, data, method=chosen, draws=draws, rng=seed, level=level,
        wild_weights=weights,  # type: ignore[arg-type]
        never_treated_value=never_treated_value, refit=reestimate, **names,
    )
    return inference_tables_json(tables)


def merge_inference(did_object: dict[str, Any], inference: dict[str, Any]) -> dict[str, Any]:
    """Add ``ci_low``, ``ci_high``, ``p`` and the ``inference`` record to a did JSON object.

    Parameters
    ----------
    did_object : dict
        Output of ``eah_eval.cli.did.did_json`` (``aggregations`` with ``att``, ``se``, ``by``).
    inference : dict
        Output of :func:`inference_tables_json` (or :func:`inference_json`) for the same
        aggregations.

    Returns
    -------
    dict
        A new object (the inputs are not modified).

    Raises
    ------
    OptionError
        If an aggregation has a different number of rows in the two objects.
    """
    merged = {**did_object, "aggregations": {}}
    for kind, entry in did_object.get("aggregations", {}).items():
        add = inference["aggregations"].get(kind, {})
        new = {**entry, **{k: v for k, v in add.items() if k != "by"}}
        if "by" in entry:
            extra = add.get("by", [{}] * len(entry["by"]))
            if len(extra) != len(entry["by"]):
                raise OptionError(f"aggregation {kind!r}: {len(entry['by'])} rows in the did "
                                  f"object but {len(extra)} in the inference object")
            new["by"] = [{**a, **b} for a, b in zip(entry["by"], extra, strict=True)]
        merged["aggregations"][kind] = new
    merged["inference"] = inference["inference"]
    return merged
