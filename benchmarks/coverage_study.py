"""Coverage study: which inference method to use when a council has few clusters.

Simulates many synthetic councils (clusters of schools with cluster-level and cluster x term
shocks, staggered waves, a constant effect of 0 or 0.5) with 6, 8, 10, 12 and 20 clusters and,
for each inference method, prints the coverage of nominal 95% intervals (effect 0 and 0.5), the
rejection rate of a true null (effect 0) and the power at 0.5. The default few-cluster method is
the one whose coverage stays within 93-97% at 8-12 clusters in both settings.

Methods (estimator in brackets; with a constant effect both estimators target the same ATT):
  analytic        [CS simple ATT] influence-function clustered SE, normal interval
  multiplier      [CS] multiplier bootstrap SE (Mammen, cluster level), normal interval
  wild-score-*    [CS] wild cluster score bootstrap (WCU), percentile-t, three weight types
  cr1             [TWFE] CR1 clustered SE, t(G-1) interval
  cr2             [TWFE] CR2 SE, Satterthwaite t interval
  wild-wcr-*      [TWFE] wild cluster bootstrap, null imposed, interval by test inversion
  randomization   [TWFE] randomisation inference over rollout order (interval by inversion)

Run:  .venv/bin/python benchmarks/coverage_study.py            (full: 200 councils per cell)
      .venv/bin/python benchmarks/coverage_study.py --quick    (20 councils per cell)
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections import defaultdict

import numpy as np
import pandas as pd
from scipy import stats

from eah_eval.did import aggregate, att_gt
from eah_eval.inference import cr2, randomization_inference, wild_aggregate, wild_linear

WAVES = (4, 6, 8, 0)  # go-live terms of waves 1-3, then never treated (0)
SCHOOLS = 4
TERMS = 8
WEIGHTS = ("rademacher", "mammen", "webb")


def make_council(n_clusters: int, effect: float, rng: np.random.Generator) -> pd.DataFrame:
    """One synthetic council: schools nested in clusters, staggered cluster waves."""
    waves = np.array([WAVES[c % 4] for c in range(n_clusters)])
    waves = rng.permutation(waves)
    c_eff = rng.normal(0, 0.5, n_clusters)
    shock = np.zeros((n_clusters, TERMS))
    shock[:, 0] = rng.normal(0, 0.5, n_clusters)
    for t in range(1, TERMS):  # cluster x term shocks, AR(1)
        shock[:, t] = 0.5 * shock[:, t - 1] + rng.normal(0, 0.5 * math.sqrt(0.75), n_clusters)
    n_units = n_clusters * SCHOOLS
    unit = np.repeat(np.arange(n_units), TERMS)
    cl = unit // SCHOOLS
    t = np.tile(np.arange(1, TERMS + 1), n_units)
    g = waves[cl]
    d = ((g > 0) & (t >= g)).astype(float)
    y = (rng.normal(0, 1, n_units)[unit] + 0.1 * t + c_eff[cl] + shock[cl, t - 1]
         + rng.normal(0, 1, unit.size) + effect * d)
    return pd.DataFrame({"unit": unit, "cl": cl, "t": t, "g": g, "d": d, "y": y})


def twfe_design(df: pd.DataFrame) -> np.ndarray:
    t_d = pd.get_dummies(df["t"], drop_first=True, dtype=float).to_numpy()
    return np.column_stack([df["d"].to_numpy(), t_d])


def twfe_fast(frame: pd.DataFrame) -> float:
    """Static TWFE by two-way demeaning of a balanced panel (rows sorted by unit, then term)."""
    y = frame["y"].to_numpy().reshape(-1, TERMS)
    g = frame["g"].to_numpy().reshape(-1, TERMS)
    tt = frame["t"].to_numpy().reshape(-1, TERMS)
    d = ((g > 0) & (tt >= g)).astype(float)

    def dm(a: np.ndarray) -> np.ndarray:
        return a - a.mean(1, keepdims=True) - a.mean(0, keepdims=True) + a.mean()

    dd = dm(d)
    return float((dd * dm(y)).sum() / (dd * dd).sum())


def one_council(df: pd.DataFrame, effect: float, draws: int, seed: int) -> dict[str, tuple]:
    """Intervals (lo, hi) per method for one council."""
    out: dict[str, tuple] = {}
    z = stats.norm.ppf(0.975)
    gt = att_gt(df, outcome="y", unit="unit", time="t", cohort="g", cluster="cl",
                control_group="never_treated")
    agg = aggregate(gt, "simple")
    est, se = agg.overall_att, agg.overall_se
    out["analytic"] = (est - z * se, est + z * se)
    mb = agg.with_bootstrap(draws, rng=seed)
    out["multiplier"] = (est - z * mb.overall_se, est + z * mb.overall_se)
    for w in WEIGHTS:
        r = wild_aggregate(agg, weight_type=w, draws=draws, rng=seed)
        out[f"wild-score-{w}"] = (float(r.ci_low[0]), float(r.ci_high[0]))
    x = twfe_design(df)
    fit = cr2(x, df["y"], df["cl"], absorb=df["unit"])
    for kind in ("CR1", "CR2"):
        lo, hi = fit.test(0, vcov_type=kind).conf_int(0.95)
        out[kind.lower()] = (lo, hi)
    xs = np.column_stack([x, pd.get_dummies(df["unit"], dtype=float).to_numpy()])
    for w in WEIGHTS:
        r = wild_linear(xs, df["y"], df["cl"], weight_type=w, draws=draws, rng=seed)
        out[f"wild-wcr-{w}"] = (float(r.ci_low[0]), float(r.ci_high[0]))
    ri = randomization_inference(df, twfe_fast, outcome="y", time="t", cohort="g",
                                 cluster="cl", max_exact=200, draws=199, rng=seed)
    out["randomization"] = (ri.ci_low, ri.ci_high)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 councils per cell")
    ap.add_argument("--reps", type=int, default=None, help="councils per cell (default 200)")
    ap.add_argument("--clusters", type=str, default="6,8,10,12,20")
    ap.add_argument("--draws", type=int, default=999)
    ap.add_argument("--seed", type=int, default=20261130)
    args = ap.parse_args()
    reps = args.reps or (20 if args.quick else 200)
    sizes = [int(s) for s in args.clusters.split(",")]
    effects = (0.0, 0.5)
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(args.seed)
    hits: dict[tuple, list[int]] = defaultdict(list)
    excl: dict[tuple, list[int]] = defaultdict(list)
    t0 = time.perf_counter()
    for g in sizes:
        for eff in effects:
            for _ in range(reps):
                df = make_council(g, eff, rng)
                seed = int(rng.integers(2**31))
                for m, (lo, hi) in one_council(df, eff, args.draws, seed).items():
                    hits[(g, m, eff)].append(int(lo <= eff <= hi))
                    excl[(g, m, eff)].append(int(not lo <= 0 <= hi))
        print(f"  ... {g} clusters done ({time.perf_counter() - t0:.0f} s)", flush=True)
    rows = []
    for (g, m, eff), h in hits.items():
        if eff != 0.0:
            continue
        rows.append({
            "clusters": g, "method": m,
            "coverage_null": 100 * np.mean(h),
            "coverage_effect": 100 * np.mean(hits[(g, m, 0.5)]),
            "reject_null": 100 * np.mean(excl[(g, m, 0.0)]),
            "power_0.5": 100 * np.mean(excl[(g, m, 0.5)]),
        })
    table = pd.DataFrame(rows)
    print(f"\nCoverage of nominal 95% intervals (%), {reps} councils per cell and effect, "
          f"{args.draws} bootstrap draws, seed {args.seed}; Monte Carlo SE about "
          f"{100 * math.sqrt(0.95 * 0.05 / reps):.1f} points at 95%\n")
    wide = table.pivot(index="method", columns="clusters",
                       values=["coverage_null", "coverage_effect"])
    print(wide.round(1).to_string())
    print("\nRejection of a true null (%), and power at effect 0.5 (%):\n")
    print(table.pivot(index="method", columns="clusters",
                      values=["reject_null", "power_0.5"]).round(1).to_string())
    few = table[table["clusters"].isin([8, 10, 12])]
    ok = few.groupby("method").apply(
        lambda d: bool(((d.coverage_null.between(93, 97)) & (d.coverage_effect.between(93, 97)))
                       .all()), include_groups=False)
    dev = few.assign(dev=(few.coverage_null - 95).abs() + (few.coverage_effect - 95).abs()
                     ).groupby("method")["dev"].mean()
    passing = [m for m in dev.sort_values().index if ok[m]]
    print("\nMethods within 93-97% at 8-12 clusters (both settings), closest to 95% first: "
          + (", ".join(passing) if passing else "none"))
    print(f"total time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
