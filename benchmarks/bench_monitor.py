"""End-to-end time of the full-size monitoring report (target: under 60 s on 2 cores).

Writes the demo council once (seed 20261130, not timed), then times ``eah-eval monitor`` run
as a child process (parameter check, kernel start, measures, control charts, disclosure
control, figures, HTML export). Prints the wall-clock time, the CPU time (user + system) of
the children (the command, its kernel and the exporter), the time of the notebook's build
cell, and the load average. On a machine shared with other work, wall time overstates the
report's own cost; CPU time is what an otherwise idle machine needs, roughly, since the run
is mostly single-threaded.

    .venv/bin/python benchmarks/bench_monitor.py [--data DIR] [--reps N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eah_eval.data.synthetic import write_council

TARGET_S = 60.0


def _run(data: Path, out: Path) -> tuple[float, float, float]:
    cli = Path(sys.executable).with_name("eah-eval")
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run([str(cli), "monitor", "--data", str(data), "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    nb = json.loads((out / "monitoring_report.ipynb").read_text(encoding="utf-8"))
    build = max(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
                for c in nb["cells"])
    return wall, cpu, build


def main() -> None:
    """Time the monitoring report and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", help="existing demo data folder (default: write one)")
    ap.add_argument("--reps", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "data"
        if not args.data:
            write_council(data, seed=20261130)
        for k in range(args.reps):
            load = os.getloadavg()[0]
            wall, cpu, build = _run(data, Path(tmp) / f"out{k}")
            print(
                f"monitoring report run {k + 1}: wall {wall:.1f} s, CPU (children) {cpu:.1f} s, "
                f"build cell {build:.1f} s, load average {load:.1f} on {os.cpu_count()} cores; "
                f"CPU / target {cpu / TARGET_S:.2f}, wall / target {wall / TARGET_S:.2f}"
            )


if __name__ == "__main__":
    main()
