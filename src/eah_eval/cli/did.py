"""`eah-eval did`: group-time effects and their aggregations from a panel CSV.

Parses arguments, calls :func:`eah_eval.did.att_gt` and :func:`eah_eval.did.aggregate`, and
prints either a text summary or (``--json``) one JSON object::

    {"att_gt": [{"group", "time", "att", "se"}, ...],
     "aggregations": {"simple": {"att", "se"},
                      "event": {"att", "se", "by": [{"event_time", "att", "se"}, ...]},
                      "group": {"att", "se", "by": [{"group", "att", "se"}, ...]},
                      "calendar": {"att", "se", "by": [{"time", "att", "se"}, ...]}},
     "pretest": {"W", "p"}}

NaN becomes ``null``. :func:`did_json` builds that object from result objects, so other doors
(for example an ``--inference`` option) can reuse it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from eah_eval.cli.options import add_data_argument
from eah_eval.did.aggregate import AGGREGATION_KINDS, AggregateResult, aggregate
from eah_eval.did.attgt import GroupTimeResult, att_gt
from eah_eval.did.bootstrap import WEIGHT_TYPES
from eah_eval.did.preprocess import BASE_PERIODS, CONTROL_GROUPS, METHODS
from eah_eval.errors import DataFileNotFoundError, EstimationError
from eah_eval.inference.budget import check_draw_budget, check_seed
from eah_eval.inference.methods import INFERENCE_METHODS, WILD_WEIGHTS, WildWeights

__all__ = ["add_parser", "did_json", "run"]

_BY_KEY = {"event": "event_time", "group": "group", "calendar": "time"}


def _label(value: Any) -> float | int | None:
    v = float(value)
    if not math.isfinite(v):
        return None
    return int(v) if v.is_integer() else v


def _stat(value: Any) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def did_json(gt: GroupTimeResult, aggregations: dict[str, AggregateResult]) -> dict[str, Any]:
    """Build the ``eah-eval did --json`` object.

    Parameters
    ----------
    gt : GroupTimeResult
        Group-time effects.
    aggregations : dict of str to AggregateResult
        Aggregations keyed by kind (``simple``, ``event``, ``group``, ``calendar``).

    Returns
    -------
    dict
        JSON-ready object; NaN values are ``None``.
    """
    out: dict[str, Any] = {
        "att_gt": [
            {"group": _label(g), "time": _label(t), "att": _stat(a), "se": _stat(s)}
            for g, t, a, s in zip(gt.groups, gt.times, gt.estimates, gt.std_errors,
                                  strict=True)
        ],
        "aggregations": {},
    }
    for kind, agg in aggregations.items():
        entry: dict[str, Any] = {"att": _stat(agg.overall_att), "se": _stat(agg.overall_se)}
        if kind in _BY_KEY:
            key = _BY_KEY[kind]
            entry["by"] = [
                {key: _label(lab), "att": _stat(a), "se": _stat(s)}
                for lab, a, s in zip(agg.table.index, agg.estimates, agg.std_errors,
                                     strict=True)
            ]
        out["aggregations"][kind] = entry
    out["pretest"] = {"W": _stat(gt.pretest.statistic), "p": _stat(gt.pretest.pvalue)}
    return out


def _one_line_error(parser: argparse.ArgumentParser) -> None:
    def error(message: str) -> NoReturn:
        print(f"{parser.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)

    parser.error = error  # type: ignore[method-assign]


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register ``eah-eval did``."""
    p = sub.add_parser(
        name, help=summary,
        description="Estimate ATT(g,t) (Callaway and Sant'Anna 2021) and the simple, event, "
                    "group and calendar aggregations from a long panel CSV.")
    add_data_argument(p, metavar="FILE.csv", help="panel CSV, one row per unit and period")
    p.add_argument("--outcome", required=True, help="outcome column")
    p.add_argument("--unit", required=True, help="unit identifier column")
    p.add_argument("--time", required=True, help="period column (numeric)")
    p.add_argument("--cohort", required=True, help="first treated period column")
    p.add_argument("--never-treated-value", type=float, default=0.0,
                   help="cohort value for never-treated units")
    p.add_argument("--control-group", choices=CONTROL_GROUPS, default="never_treated",
                   help="comparison units: never treated, or also those not yet treated")
    p.add_argument("--method", choices=METHODS, default="dr",
                   help="doubly robust, inverse probability weighting or outcome regression")
    p.add_argument("--covariates", default=None, help="comma-separated covariate columns")
    p.add_argument("--base-period", choices=BASE_PERIODS, default="varying",
                   help="pre-period comparisons against the period before (varying) or "
                        "against the last period before treatment (universal)")
    p.add_argument("--anticipation", type=int, default=0,
                   help="periods before the first treated period in which effects may start")
    p.add_argument("--cluster", default=None, help="cluster column for clustered SEs")
    p.add_argument("--weights", default=None, help="sampling-weight column")
    p.add_argument("--bootstrap", type=int, default=None, metavar="N",
                   help="multiplier-bootstrap draws (default: analytic SEs)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the --bootstrap or --inference draws (default: fresh entropy)")
    p.add_argument("--bootstrap-weights", choices=WEIGHT_TYPES, default="mammen",
                   help="multiplier weights for --bootstrap")
    p.add_argument("--inference", choices=INFERENCE_METHODS, default=None,
                   help="add ci_low, ci_high and p to every aggregation under this method "
                        "(see docs/inference.md for which method covers with few clusters)")
    p.add_argument("--wild-weights", choices=WILD_WEIGHTS, default=None,
                   help="bootstrap weights for --inference (default: rademacher for wcr, as "
                        "in the coverage study; webb for wild and multiplier)")
    p.add_argument("--draws", type=int, default=9999,
                   help="bootstrap or randomisation draws for --inference")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _one_line_error(p)


def _read(path_text: str) -> pd.DataFrame:
    path = Path(path_text)
    if not path.is_file():
        raise DataFileNotFoundError(f"--data file not found: {path}")
    try:
        return pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise EstimationError(f"could not read {path} as CSV: {exc}") from exc


def run(args: argparse.Namespace) -> int:
    """Run ``eah-eval did``; returns the exit status."""
    if args.bootstrap is not None and args.bootstrap < 2:
        raise EstimationError(f"--bootstrap must be at least 2; got {args.bootstrap}")
    if args.seed is not None and args.bootstrap is None and args.inference is None:
        raise EstimationError("--seed needs --bootstrap N or --inference METHOD")
    if args.draws < 2:
        raise EstimationError(f"--draws must be at least 2; got {args.draws}")
    if args.seed is not None:
        check_seed(args.seed, name="--seed")
    if args.inference == "randomization" and args.cluster is None:
        raise EstimationError("--inference randomization permutes clusters: give --cluster C")
    if args.inference == "wcr" and args.cluster is None:
        raise EstimationError("--inference wcr resamples clusters: give --cluster C")
    data = _read(args.data)
    covariates = [c.strip() for c in args.covariates.split(",") if c.strip()] \
        if args.covariates else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gt = att_gt(data, args.outcome, args.unit, args.time, args.cohort,
                    control_group=args.control_group, method=args.method,
                    covariates=covariates, anticipation=args.anticipation,
                    base_period=args.base_period, weights=args.weights,
                    cluster=args.cluster, never_treated_value=args.never_treated_value)
        if args.bootstrap is not None:
            check_draw_budget(args.bootstrap, data[args.unit].nunique() + len(gt.estimates),
                              name="--bootstrap")
            gt = gt.with_bootstrap(args.bootstrap, weight_type=args.bootstrap_weights,
                                   rng=args.seed)
        aggs: dict[str, AggregateResult] = {k: aggregate(gt, k) for k in AGGREGATION_KINDS}
    seen: set[str] = set()
    for w in caught:
        text = " ".join(str(w.message).split())
        if text not in seen:
            seen.add(text)
            print(f"eah-eval did: warning: {text}", file=sys.stderr)
    for note in gt.metadata.get("preprocessing", ()):
        if note not in seen:  # e.g. rows with a missing or non-finite outcome, counted
            print(f"eah-eval did: note: {note}", file=sys.stderr)
    obj = did_json(gt, aggs)
    if args.inference is not None:
        # the dispatcher and its resamplers are imported only when --inference asks for them
        from eah_eval.inference.apply import merge_inference

        obj = merge_inference(obj, _inference(args, data, aggs))
    if args.json:
        print(json.dumps(obj, allow_nan=False))
    else:
        print(gt.summary())
        for agg in aggs.values():
            print()
            print(agg.summary())
        if args.inference is not None:
            print()
            print(json.dumps({"inference": obj["inference"]}, indent=2, allow_nan=False))
    return 0


def _inference(args: argparse.Namespace, data: pd.DataFrame,
               aggs: dict[str, AggregateResult]) -> dict[str, Any]:
    """Apply ``--inference`` to every aggregation (one call of the dispatcher)."""
    from eah_eval.inference.apply import inference_tables_json
    from eah_eval.inference.dispatch import infer_many

    weights: WildWeights = args.wild_weights or (
        "rademacher" if args.inference == "wcr" else "webb")
    tables = infer_many(
        aggs, data, method=args.inference, outcome=args.outcome, unit=args.unit,
        time=args.time, cohort=args.cohort, cluster=args.cluster or args.unit,
        weights=args.weights, never_treated_value=args.never_treated_value, draws=args.draws,
        rng=args.seed, wild_weights=weights,
    )
    return inference_tables_json(tables)
