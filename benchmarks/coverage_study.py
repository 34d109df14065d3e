"""Coverage study: which inference method to use when a council has few clusters.

Simulates many synthetic councils with 6, 8, 10, 12 and 20 clusters (schools nested in clusters,
cluster effects and AR(1) cluster x term shocks, staggered waves with a quarter of the clusters
never treated, effects that differ by wave and grow with time since go-live) and, for each
inference method, prints the coverage of nominal 95% intervals for the average effect on the
treated (zero and non-zero effects), with its Monte Carlo SE, the rejection rate of a true null
and the power. The few-cluster default is the method whose coverage stays within 93-97% at
8-12 clusters.

Methods (estimator first):
  cs-nt-analytic / cs-nyt-analytic   Callaway-Sant'Anna simple ATT, never-treated / not-yet-
                                     treated comparison; influence-function SE, normal interval
  cs-*-t                             same SE times sqrt(G/(G-1)), t(G-1) interval
  cs-nyt-wild-score                  wild cluster score bootstrap (WCU, Rademacher)
  cs-nyt-wcr                         restricted wild cluster bootstrap (Rademacher), inversion
  cs-nyt-ri                          randomisation inference over rollout order, inversion
  imp-analytic                       imputation (Borusyak-Jaravel-Spiess), conservative SE,
                                     normal interval
  imp-t                              same SE times sqrt(G/(G-1)), t(G-1) interval
  imp-cr2                            CR2 SE of w'y, Satterthwaite t interval
  imp-wcr-rademacher / imp-wcr-webb  restricted wild cluster bootstrap, BJS-studentised,
                                     interval by test inversion
  imp-ri                             randomisation inference over rollout order, inversion
  twfe-cr1 / twfe-cr2 / twfe-wcr     static two-way fixed effects (a different weighted average
                                     of the effects when they vary: shown for reference)

Run:  .venv/bin/python benchmarks/coverage_study.py            (400 councils per cell at 8-12
                                                                clusters, 60 at 6 and 20)
      .venv/bin/python benchmarks/coverage_study.py --quick    (40 / 20 councils per cell)
"""

from __future__ import annotations

import argparse
import math
import os
import time
import warnings
from collections import defaultdict
from multiprocessing import Pool
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from eah_eval.did import aggregate, att_gt, imputation
from eah_eval.inference import cr2, randomization_inference, wild_aggregate, wild_linear
from eah_eval.inference.cr2 import cr2_imputation
from eah_eval.inference.restricted import (
    cs_simple_estimator,
    wild_imputation_restricted,
    wild_restricted,
)

WAVES = (4, 6, 8, 0)  # go-live terms of waves 1-3, then never treated (0)
WAVE_SIZE = (1.3, 1.0, 0.7)  # effect multiplier of waves 1-3
SCHOOLS = 4
TERMS = 8
EFFECT = 0.5


def effect_of(wave: np.ndarray, e: np.ndarray, size: float) -> np.ndarray:
    """True effect at event time ``e >= 0``: ``size * m_wave * (0.6 + 0.2 e)``."""
    mult = np.select([wave == 4, wave == 6, wave == 8], WAVE_SIZE, 0.0)
    return np.where(e >= 0, size * mult * (0.6 + 0.2 * e), 0.0)


def make_council(n_clusters: int, size: float, rng: np.random.Generator
                 ) -> tuple[pd.DataFrame, float]:
    """One synthetic council and its true average effect on the treated observations."""
    waves = rng.permutation(np.array([WAVES[c % 4] for c in range(n_clusters)]))
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
    tau = np.where(d > 0, effect_of(g, t - g, size), 0.0)
    y = (rng.normal(0, 1, n_units)[unit] + 0.1 * t + c_eff[cl] + shock[cl, t - 1]
         + rng.normal(0, 1, unit.size) + tau)
    frame = pd.DataFrame({"unit": unit, "cl": cl, "t": t, "g": g, "d": d, "y": y})
    return frame, float(tau[d > 0].mean())


# ---- fast estimators on the cluster x term means (clusters have equal sizes and a shared wave,
# so both estimators give the same numbers on cluster means as on schools; checked in main()).
# Both are linear in the outcome: each returns its weights on the cluster x term means.
def cs_nyt_weights(waves: np.ndarray) -> np.ndarray:
    """CS simple ATT (not-yet-treated comparison, varying base period) as weights."""
    w = np.zeros((waves.size, TERMS))
    cells = [(gv, t) for gv in np.unique(waves[waves > 0]) for t in range(gv, TERMS + 1)]
    den = sum(int((waves == gv).sum()) for gv, _ in cells)
    for gv, t in cells:
        tr = waves == gv
        ctrl = (waves == 0) | (waves > t)
        c = tr.sum() / den
        for rows, sign in ((tr, 1.0), (ctrl, -1.0)):
            w[rows, t - 1] += sign * c / rows.sum()
            w[rows, gv - 2] -= sign * c / rows.sum()
    return w


def imputation_weights(waves: np.ndarray) -> np.ndarray:
    """Imputation overall effect (cluster and term effects fitted on untreated) as weights."""
    n_cl = waves.size
    tt = np.arange(1, TERMS + 1)[None, :]
    treated = (waves[:, None] > 0) & (tt >= waves[:, None])

    def design(ci: np.ndarray, ti: np.ndarray) -> np.ndarray:
        x = np.zeros((ci.size, n_cl + TERMS - 1))
        x[np.arange(ci.size), ci] = 1.0
        keep = ti > 0
        x[np.flatnonzero(keep), n_cl + ti[keep] - 1] = 1.0
        return x

    c0, t0 = np.nonzero(~treated)
    c1, t1 = np.nonzero(treated)
    w = np.zeros((n_cl, TERMS))
    w[c1, t1] = 1.0 / c1.size
    w[c0, t0] = -(design(c1, t1).sum(axis=0) / c1.size) @ np.linalg.pinv(design(c0, t0))
    return w


def means_estimator(weights_of: Any) -> Any:
    """``estimator(frame)`` for randomisation inference on the cluster x term means."""
    cache: dict[bytes, np.ndarray] = {}

    def est(frame: pd.DataFrame) -> float:
        ybar = frame["y"].to_numpy().reshape(-1, TERMS)
        waves = frame["g"].to_numpy().reshape(-1, TERMS)[:, 0].astype(int)
        key = waves.tobytes()
        if key not in cache:
            cache[key] = weights_of(waves)
        return float(np.sum(cache[key] * ybar))
    return est


def twfe_design(df: pd.DataFrame) -> np.ndarray:
    t_d = pd.get_dummies(df["t"], drop_first=True, dtype=float).to_numpy()
    return np.column_stack([df["d"].to_numpy(), t_d])


def one_council(df: pd.DataFrame, draws: int, ri_draws: int, seed: int
                ) -> dict[str, tuple[float, float]]:
    """Intervals (lo, hi) per method for one council."""
    out: dict[str, tuple[float, float]] = {}
    z = stats.norm.ppf(0.975)
    n_cl = int(df["cl"].nunique())
    tq = stats.t.ppf(0.975, n_cl - 1) * math.sqrt(n_cl / (n_cl - 1))
    cols = {"outcome": "y", "unit": "unit", "time": "t", "cohort": "g", "cluster": "cl"}
    for tag, cg in (("nt", "never_treated"), ("nyt", "not_yet_treated")):
        agg = aggregate(att_gt(df, **cols, control_group=cg), "simple")  # type: ignore[arg-type]
        est, se = agg.overall_att, agg.overall_se
        out[f"cs-{tag}-analytic"] = (est - z * se, est + z * se)
        out[f"cs-{tag}-t"] = (est - tq * se, est + tq * se)
        if tag == "nyt":
            r = wild_aggregate(agg, weight_type="rademacher", draws=draws, rng=seed)
            out["cs-nyt-wild-score"] = (float(r.ci_low[0]), float(r.ci_high[0]))
            r = wild_restricted(df, cs_simple_estimator(**cols, control_group=cg),
                                **cols, draws=draws, rng=seed)
            out["cs-nyt-wcr"] = (float(r.ci_low[0]), float(r.ci_high[0]))
    fit = imputation(df, "y", "unit", "t", "g", cluster="cl")
    est, se = float(fit.overall.estimates[0]), float(fit.overall.std_errors[0])
    out["imp-analytic"] = (est - z * se, est + z * se)
    out["imp-t"] = (est - tq * se, est + tq * se)
    out["imp-cr2"] = cr2_imputation(fit, df, outcome="y", unit="unit", time="t").conf_int()
    for w in ("rademacher", "webb"):
        r = wild_imputation_restricted(fit, df, outcome="y", unit="unit", time="t",
                                       weight_type=w, draws=draws, rng=seed)
        out[f"imp-wcr-{w}"] = (float(r.ci_low[0]), float(r.ci_high[0]))
    means = df.groupby(["cl", "t"], as_index=False)[["y", "g"]].mean()
    for name, fun in (("cs-nyt-ri", cs_nyt_weights), ("imp-ri", imputation_weights)):
        ri = randomization_inference(means, means_estimator(fun), outcome="y", time="t",
                                     cohort="g", cluster="cl", max_exact=0, draws=ri_draws,
                                     rng=seed)
        out[name] = (ri.ci_low, ri.ci_high)
    x = twfe_design(df)
    tw = cr2(x, df["y"], df["cl"], absorb=df["unit"])
    for kind in ("CR1", "CR2"):
        out[f"twfe-{kind.lower()}"] = tw.test(0, vcov_type=kind).conf_int(0.95)
    xs = np.column_stack([x, pd.get_dummies(df["unit"], dtype=float).to_numpy()])
    r = wild_linear(xs, df["y"], df["cl"], weight_type="rademacher", draws=draws, rng=seed)
    out["twfe-wcr"] = (float(r.ci_low[0]), float(r.ci_high[0]))
    return out


def run_task(task: tuple[int, float, int, int, int, int]) -> list[tuple[Any, ...]]:
    """Councils ``start..stop`` of one cell; seeds derive from (seed, clusters, effect, rep)."""
    g, size, start, stop, seed, draws = task
    warnings.simplefilter("ignore")
    rows = []
    for rep in range(start, stop):
        ss = np.random.SeedSequence([seed, g, int(size * 1000), rep])
        rng = np.random.default_rng(ss)
        df, truth = make_council(g, size, rng)
        bseed = int(rng.integers(2**31))
        for m, (lo, hi) in one_council(df, draws, 199, bseed).items():
            rows.append((g, size, rep, m, truth, lo, hi))
    return rows


def check_fast_estimators(seed: int) -> None:
    """The cluster-mean estimators used for randomisation inference equal the package's."""
    warnings.simplefilter("ignore")
    for g in (6, 10):
        df, _ = make_council(g, EFFECT, np.random.default_rng(seed + g))
        means = df.groupby(["cl", "t"], as_index=False)[["y", "g"]].mean()
        a = aggregate(att_gt(df, "y", "unit", "t", "g", cluster="cl",
                             control_group="not_yet_treated"), "simple").overall_att
        b = float(imputation(df, "y", "unit", "t", "g", cluster="cl").overall.estimates[0])
        fa = means_estimator(cs_nyt_weights)(means)
        fb = means_estimator(imputation_weights)(means)
        if abs(a - fa) > 1e-9 or abs(b - fb) > 1e-9:
            raise SystemExit(f"fast estimators disagree: CS {a} vs {fa}, imputation {b} vs {fb}")
    print("cluster-mean estimators match eah_eval.did (CS not-yet-treated, imputation) to 1e-9")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="40 councils per cell (20 at 6, 20)")
    ap.add_argument("--reps", type=int, default=None, help="councils per cell at 8-12 clusters")
    ap.add_argument("--edge-reps", type=int, default=None, help="councils per cell at 6 and 20")
    ap.add_argument("--clusters", type=str, default="6,8,10,12,20")
    ap.add_argument("--draws", type=int, default=999)
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--out", type=str, default=None, help="write the per-council CSV here")
    ap.add_argument("--summarize", type=str, default=None,
                    help="print the tables from a per-council CSV written by --out")
    args = ap.parse_args()
    reps = args.reps or (40 if args.quick else 400)
    edge = args.edge_reps or (20 if args.quick else 60)
    sizes = [int(s) for s in args.clusters.split(",")]
    if not args.summarize:
        check_fast_estimators(args.seed)
    tasks = []
    for start in range(0, max(reps, edge), 10):  # round-robin: every cell advances together
        for g in sizes:
            n = reps if g in (8, 10, 12) else edge
            for size in (0.0, EFFECT):
                if start < n:
                    tasks.append((g, size, start, min(n, start + 10), args.seed, args.draws))
    t0 = time.perf_counter()
    cols = ["clusters", "size", "rep", "method", "truth", "ci_low", "ci_high"]
    if args.summarize:
        # files written before the one interval naming call the ends lo and hi
        res = pd.read_csv(args.summarize).rename(columns={"lo": "ci_low", "hi": "ci_high"})
    else:
        rows: list[tuple[Any, ...]] = []
        if args.out:
            pd.DataFrame(columns=cols).to_csv(args.out, index=False)
        with Pool(args.workers) as pool:
            for k, chunk in enumerate(pool.imap(run_task, tasks)):
                rows.extend(chunk)
                if args.out:  # progressively, so a long run can be summarised part-way
                    pd.DataFrame(chunk, columns=cols).to_csv(args.out, mode="a", header=False,
                                                             index=False)
                if (k + 1) % max(1, len(tasks) // 20) == 0:
                    print(f"  ... {k + 1}/{len(tasks)} chunks ({time.perf_counter() - t0:.0f} s)",
                          flush=True)
        res = pd.DataFrame(rows, columns=cols)
    reps_seen = res.groupby(["clusters", "size", "method"]).size()
    reps = int(reps_seen.loc[[g for g in sizes if g in (8, 10, 12)]].min()) if any(
        g in (8, 10, 12) for g in sizes) else 0
    edge = int(reps_seen.loc[[g for g in sizes if g not in (8, 10, 12)]].min()) if any(
        g not in (8, 10, 12) for g in sizes) else 0
    res["cover"] = (res.ci_low <= res.truth) & (res.truth <= res.ci_high)
    res["reject0"] = ~((res.ci_low <= 0) & (0 <= res.ci_high))
    summary: dict[str, dict[tuple[str, int], float]] = defaultdict(dict)
    for (m, g, size), d in res.groupby(["method", "clusters", "size"]):
        cov = 100 * d.cover.mean()
        key = "null" if size == 0 else "effect"
        summary[f"coverage_{key}"][(m, g)] = cov
        summary[f"mcse_{key}"][(m, g)] = 100 * math.sqrt(max(cov / 100 * (1 - cov / 100),
                                                              1e-12) / len(d))
        summary["reject_null" if size == 0 else "power"][(m, g)] = 100 * d.reject0.mean()
        summary["n_" + key][(m, g)] = len(d)
        unbounded = ~np.isfinite(d.ci_low) | ~np.isfinite(d.ci_high)
        summary["unbounded_" + key][(m, g)] = 100 * unbounded.mean()
    tab = pd.DataFrame(summary)
    tab.index = pd.MultiIndex.from_tuples(tab.index, names=["method", "clusters"])
    print(f"\n{reps} councils per cell and effect at 8-12 clusters, {edge} at 6 and 20; "
          f"{args.draws} bootstrap draws, 199 randomisation draws, seed {args.seed}; "
          f"effect size {EFFECT} (varies by wave and event time); truth = average effect on "
          "the treated observations of each council\n")
    for col, title in (("coverage_null", "Coverage (%) of 95% intervals, no effect"),
                       ("coverage_effect", f"Coverage (%) of 95% intervals, effect {EFFECT}"),
                       ("mcse_effect", "Monte Carlo SE of coverage (points), effect"),
                       ("reject_null", "Rejection (%) of the true null of no effect"),
                       ("power", f"Power (%) against no effect at effect {EFFECT}"),
                       ("unbounded_effect", "Unbounded intervals (%), effect")):
        print(title)
        print(tab[col].unstack("clusters").round(1).to_string(), "\n")
    few = tab.reset_index()
    few = few[few.clusters.isin([8, 10, 12])]
    lo_ok = (few.coverage_null >= 93) & (few.coverage_effect >= 93)
    hi_ok = (few.coverage_null <= 97) & (few.coverage_effect <= 97)
    strict = few.assign(ok=lo_ok & hi_ok).groupby("method")["ok"].all()
    tol_lo = (few.coverage_null + 2 * few.mcse_null >= 93) & (
        few.coverage_effect + 2 * few.mcse_effect >= 93)
    tol_hi = (few.coverage_null - 2 * few.mcse_null <= 97) & (
        few.coverage_effect - 2 * few.mcse_effect <= 97)
    loose = few.assign(ok=tol_lo & tol_hi).groupby("method")["ok"].all()
    dev = few.assign(dev=(few.coverage_null - 95).abs() + (few.coverage_effect - 95).abs()
                     ).groupby("method")["dev"].mean().sort_values()
    print("Within 93-97% in every cell at 8-12 clusters (closest to 95% first): "
          + (", ".join(m for m in dev.index if strict[m]) or "none"))
    print("Within 93-97% allowing 2 Monte Carlo SE: "
          + (", ".join(m for m in dev.index if loose[m]) or "none"))
    print(f"total time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
