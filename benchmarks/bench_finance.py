"""Benchmark and back-test: the High Needs Block projection on synthetic councils.

For each seed, prints the back-test (mean absolute percentage error of EHC plans and of spend
one to three years ahead, the cohort model's median beside a naive straight-line trend on the
same origins) twice:

* with the **planted effect**: -20% on requests with a 95% interval of -32% to -8% (500 draws
  by default, projection seed 1), with whether the council's true expected trajectory lies
  inside the projection's 95% intervals and the time to project (target: a few seconds for
  500 draws on 2 cores);
* with **the effect the finance report uses**: the impact evaluation's estimate of the change
  in EHC needs assessment requests per 1,000 pupils that the one rule carries into the money
  (:mod:`eah_eval.reporting.impact.money_effect`: the comparison with other areas in the years
  when every cluster was live), estimated from the council's data and its synthetic national
  panel (written as ``eah-eval demo-data`` writes them) by the report's route
  (``estimate_effect`` with the report's defaults) and projected as ``eah-eval finance`` does
  (its defaults: 1,000 draws, seed 20261130); and, beside it, with the evaluation's other
  estimate (the council's own rollout). On the demo council the first is the back-test in the
  report's ``results.json``.

Then a summary over the seeds: the mean error at each horizon and the number of seeds in which
the model's plans error is below the naive trend's.

Run: .venv/bin/python benchmarks/bench_finance.py [--seeds 20261130 1 2] [--draws 500]
(the figures in docs/guide/high-needs-model.md come from
``--seeds 20261130 1 2 3 4 5 6 7 8 9``; the first seed is the demo council's)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from eah_eval.data.load import load_council
from eah_eval.data.synthetic import DEFAULT_SEED, make_council
from eah_eval.data.synthetic.national_council import write_national_for_council
from eah_eval.finance import EffectDistribution, FinanceProjection, project
from eah_eval.finance.inputs import finance_inputs_from_council
from eah_eval.reporting.finance.effect import estimate_effect
from eah_eval.reporting.finance.params import FinanceReportParams

TARGET_S = 5.0
PLANTED = (-0.2, -0.32, -0.08)


def _print_backtest(fp: FinanceProjection) -> None:
    print("    horizon  origins  plans MAPE model  naive   spend MAPE model  naive")
    for b in fp.backtest:
        print(f"    {b.horizon:>7}  {b.n_origins:>7}  {b.mape_model:>16.2f}  "
              f"{b.mape_naive:>5.2f}   {b.spend_mape_model:>16.2f}  "
              f"{b.spend_mape_naive:>5.2f}")


def _summary(label: str, runs: list[FinanceProjection]) -> None:
    model = np.array([[b.mape_model for b in fp.backtest] for fp in runs])
    naive = np.array([[b.mape_naive for b in fp.backtest] for fp in runs])
    wins = model < naive
    print(f"  {label}:")
    print("    horizon  mean plans MAPE model  naive  seeds where the model is lower")
    for h in range(model.shape[1]):
        print(f"    {h + 1:>7}  {model[:, h].mean():>21.2f}  {naive[:, h].mean():>5.2f}  "
              f"{int(wins[:, h].sum())} of {len(runs)}")
    print(f"    lower at every horizon in {int(wins.all(axis=1).sum())} of {len(runs)} seeds")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[DEFAULT_SEED])
    ap.add_argument("--draws", type=int, default=500)
    args = ap.parse_args()
    planted = EffectDistribution.from_interval(*PLANTED)
    runs_planted: list[FinanceProjection] = []
    runs_evaluation: list[FinanceProjection] = []
    runs_other: list[FinanceProjection] = []
    tmp = tempfile.TemporaryDirectory()
    for seed in args.seeds:
        council = make_council(seed)
        data = Path(tmp.name) / f"council_{seed}"
        council.write(data)
        write_national_for_council(council, data / "national")
        report = FinanceReportParams(data=str(data))
        loaded = load_council(data)
        inputs = finance_inputs_from_council(loaded)
        t0 = time.perf_counter()
        fp = project(inputs, planted, years=10, n_draws=args.draws, seed=1)
        elapsed = time.perf_counter() - t0
        runs_planted.append(fp)
        print(f"council seed {seed}: history {inputs.history_years[0]}-"
              f"{inputs.history_years[-1]}, {fp.history['plans'].iloc[-1]:.0f} plans at the "
              f"last census; projection {elapsed:.2f} s for {args.draws} draws "
              f"(target {TARGET_S:.0f} s)")
        print(f"  planted effect {PLANTED[0]:+.0%} ({PLANTED[1]:+.0%} to {PLANTED[2]:+.0%}):")
        _print_backtest(fp)
        truth = council.truth["high_needs"]["expected"]
        for name in ("without", "with"):
            for q in ("plans", "spend_gbp"):
                draws = getattr(fp.scenarios[name], q)
                lo, hi = np.percentile(draws, [2.5, 97.5], axis=0)
                t = np.asarray(truth[name][q])
                inside = int(((t >= lo) & (t <= hi)).sum())
                print(f"    truth inside 95% interval, {name:>7} {q:>9}: {inside} of {len(t)} "
                      "years")
        effect = estimate_effect(report, council=loaded)
        base = inputs.request_rate_per_1000 or 1.0
        for label, e, runs in (("the evaluation's effect, as the finance report uses it", effect,
                                runs_evaluation),
                               ("the evaluation's other estimate", effect.alternative,
                                runs_other)):
            if e is None:
                print(f"  {label}: none")
                continue
            evaluated = EffectDistribution.from_interval(
                e.estimate, e.ci_low, e.ci_high, level=e.level, scale="per_1000",
                baseline_per_1000=base, seed=report.seed)
            fe = project(inputs, evaluated, years=report.years, n_draws=report.n_draws,
                         seed=report.seed)
            runs.append(fe)
            med, lo_rel, hi_rel = evaluated.summary()
            print(f"  {label} ({e.basis}, {e.choice.window[0]} to {e.choice.window[1]}): "
                  f"{e.estimate:+.2f} per 1,000 pupils ({e.ci_low:+.2f} to {e.ci_high:+.2f}) "
                  f"against {base:.2f} before the programme, a relative change of {med:+.0%} "
                  f"({lo_rel:+.0%} to {hi_rel:+.0%}):")
            _print_backtest(fe)
    if len(args.seeds) > 1:
        print(f"summary over {len(args.seeds)} seeds ({', '.join(map(str, args.seeds))}):")
        _summary("planted effect", runs_planted)
        _summary("the evaluation's effect, as the finance report uses it", runs_evaluation)
        if runs_other:
            _summary("the evaluation's other estimate", runs_other)
    tmp.cleanup()


if __name__ == "__main__":
    main()
