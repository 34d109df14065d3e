"""Benchmark and back-test: the High Needs Block projection on synthetic councils.

Prints, for each seed, the back-test (mean absolute percentage error of EHC plans and of
spend one to three years ahead, the cohort model's median beside a naive straight-line
trend on the same origins), whether the council's true expected trajectory lies inside the
projection's 95% intervals, and the time to project (target: a few seconds for 500 draws on
2 cores). The effect is the planted -20% on requests with a 95% interval of -32% to -8%.

Run: .venv/bin/python benchmarks/bench_finance.py [--seeds 20261130 1 2] [--draws 500]
(the figures in docs/guide/high-needs-model.md come from the default seed, 20261130, the
demo council's)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from eah_eval.data.load import Council
from eah_eval.data.synthetic import DEFAULT_SEED, make_council
from eah_eval.finance import EffectDistribution, project
from eah_eval.finance.inputs import finance_inputs_from_council

TARGET_S = 5.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[DEFAULT_SEED])
    ap.add_argument("--draws", type=int, default=500)
    args = ap.parse_args()
    effect = EffectDistribution.from_interval(-0.2, -0.32, -0.08)
    for seed in args.seeds:
        council = make_council(seed)
        inputs = finance_inputs_from_council(Council.from_frames(council.tables))
        t0 = time.perf_counter()
        fp = project(inputs, effect, years=10, n_draws=args.draws, seed=1)
        elapsed = time.perf_counter() - t0
        print(f"council seed {seed}: history {inputs.history_years[0]}-"
              f"{inputs.history_years[-1]}, {fp.history['plans'].iloc[-1]:.0f} plans at the "
              f"last census; projection {elapsed:.2f} s for {args.draws} draws "
              f"(target {TARGET_S:.0f} s)")
        print("  horizon  origins  plans MAPE model  naive   spend MAPE model  naive")
        for b in fp.backtest:
            print(f"  {b.horizon:>7}  {b.n_origins:>7}  {b.mape_model:>16.2f}  "
                  f"{b.mape_naive:>5.2f}   {b.spend_mape_model:>16.2f}  "
                  f"{b.spend_mape_naive:>5.2f}")
        truth = council.truth["high_needs"]["expected"]
        for name in ("without", "with"):
            for q in ("plans", "spend_gbp"):
                draws = getattr(fp.scenarios[name], q)
                lo, hi = np.percentile(draws, [2.5, 97.5], axis=0)
                t = np.asarray(truth[name][q])
                inside = int(((t >= lo) & (t <= hi)).sum())
                print(f"  truth inside 95% interval, {name:>7} {q:>9}: {inside} of {len(t)} "
                      "years")


if __name__ == "__main__":
    main()
