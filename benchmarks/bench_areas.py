"""Benchmark: the staggered estimator across areas on a school-level national panel.

The multi-area estimator (:func:`eah_eval.inference.areas.area_staggered`: ATT(g, t) with the
not-yet-started authorities as comparison, simple and event-time aggregations, clustered
standard errors by authority) on the synthetic national panel at school level: by default
about 20,000 schools in 150 authorities x 30 terms (about 600,000 rows). Target (issue 16):
under 10 s on 2 cores for the estimate with its intervals. Also prints, untimed by the target,
drawing the panel and reading plus validating it from CSV (``load_areas``).

Run: .venv/bin/python benchmarks/bench_areas.py [--schools-per-authority 133] [--repeats 3]
                                                [--authorities 150] [--skip-load]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from eah_eval.data.areas import load_areas
from eah_eval.data.synthetic.national import make_national
from eah_eval.inference.areas import area_staggered

TARGET_S = 10.0
T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schools-per-authority", type=float, default=133.0)
    ap.add_argument("--authorities", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-load", action="store_true", help="do not time the CSV round trip")
    args = ap.parse_args()
    nat, wall, cpu = _timed(lambda: make_national(
        level="school", n_authorities=args.authorities,
        schools_per_authority=args.schools_per_authority))
    n_schools = nat.parameters["n_schools"]
    n_terms = nat.panel["period_index"].nunique()
    print(f"panel: {n_schools:,} schools in {args.authorities} authorities x {n_terms} terms = "
          f"{len(nat.panel):,} rows (drawn in {wall:.2f} s wall, {cpu:.2f} s CPU)")
    if not args.skip_load:
        with tempfile.TemporaryDirectory() as tmp:
            folder = nat.write(Path(tmp) / "national")
            _, wall, cpu = _timed(lambda: load_areas(folder))
        print(f"read + validate from CSV (load_areas): {wall:.2f} s wall, {cpu:.2f} s CPU")
    walls, cpus = [], []
    res = None
    for _ in range(args.repeats):
        res, wall, cpu = _timed(lambda: area_staggered(nat.panel, nat.programme,
                                                       kinds=("simple", "event")))
        walls.append(wall)
        cpus.append(cpu)
    assert res is not None
    o = res.overall
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"area_staggered (ATT(g,t) by outcome regression, not-yet-treated comparison, simple "
          f"+ event aggregations, analytic SEs clustered by authority): "
          f"{len(res.group_time.groups)} group-time cells, {res.n_clusters} clusters")
    print(f"  median of {args.repeats}: {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"(all: {', '.join(f'{w:.2f}' for w in walls)} s wall)")
    print(f"  target < {TARGET_S:.0f} s: {'met' if wall < TARGET_S else 'NOT met'} "
          f"(wall / target = {wall / TARGET_S:.2f}; cost per 1,000 school-terms "
          f"{1000 * wall / len(nat.panel) * 1000:.2f} ms)")
    print(f"  overall effect {o['estimate']:.3f} (95% interval {o['ci_low']:.3f} to "
          f"{o['ci_high']:.3f}); truth {nat.truth['simple']:.3f}")


if __name__ == "__main__":
    main()
