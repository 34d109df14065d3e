"""End-to-end time of the demo impact report (target: under 60 s on 2 cores).

Writes the synthetic council once (not timed), then times ``run_report`` (kernel start,
loading, measures, estimators, disclosure control, HTML export) and prints the figures.

    .venv/bin/python benchmarks/bench_report.py [--reps N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from eah_eval.data.synthetic import write_council
from eah_eval.reporting.params import ReportParams
from eah_eval.reporting.runner import run_report

TARGET_S = 60.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write_council(data, seed=20261130)
        times = []
        for k in range(args.reps):
            cpu0 = os.times()
            t0 = time.perf_counter()
            out = run_report(ReportParams(data=str(data)), Path(tmp) / f"out{k}")
            wall = time.perf_counter() - t0
            cpu1 = os.times()
            cpu = (cpu1.user - cpu0.user) + (cpu1.children_user - cpu0.children_user)
            times.append(wall)
            print(f"run {k + 1}: wall {wall:.1f} s, CPU of this process and children "
                  f"{cpu:.1f} s (kernel runs as a child), html {out.html.stat().st_size:,} bytes")
        best = min(times)
        print(f"demo impact report end to end: best {best:.1f} s; target {TARGET_S:.0f} s; "
              f"ratio {best / TARGET_S:.2f} ({os.cpu_count()} cores visible)")


if __name__ == "__main__":
    main()
