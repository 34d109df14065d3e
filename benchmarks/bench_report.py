"""End-to-end time of the demo impact report (target: at most 30 s on 2 cores, issue 15).

Writes the demo's data once (not timed): the synthetic council and its national panel of
other authorities, as ``make demo`` (``eah-eval demo-data``) does, so the comparison with
other areas and the High Needs Block paragraph's later-years estimate are timed too. Then
times ``run_report`` (kernel start, the data check, measures, estimators, robustness checks,
equality breakdowns, comparison with other areas, disclosure control, HTML export and the
consistency check) and prints the figures: wall-clock time, and CPU time (user + system) of this
process and its children (the kernel and the exporter run as children). On a machine shared
with other work, wall time overstates the report's own cost; the load average is printed so
the two can be read together. The build shares independent work between the kernel and
forked copies of it (``eah_eval.workers``), so it needs the second core free to gain.

    .venv/bin/python benchmarks/bench_report.py [--reps N] [--allow-draft]

``--allow-draft`` times a report whose consistency check fails (it is then written marked
DRAFT instead of stopping the run); the output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from eah_eval.data.synthetic import make_council
from eah_eval.data.synthetic.national_council import write_national_for_council
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.impact.run import run_report

TARGET_S = 30.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--allow-draft", action="store_true",
                    help="time the run even when the report fails its consistency check")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        council = make_council(20261130)
        council.write(data)
        write_national_for_council(council, data / "national")
        times: list[float] = []
        cpus: list[float] = []
        for k in range(args.reps):
            load0 = os.getloadavg()[0]
            cpu0 = os.times()
            t0 = time.perf_counter()
            out = run_report(ReportParams(data=str(data), allow_draft=args.allow_draft),
                             Path(tmp) / f"out{k}")
            wall = time.perf_counter() - t0
            cpu1 = os.times()
            cpu = sum(getattr(cpu1, a) - getattr(cpu0, a)
                      for a in ("user", "system", "children_user", "children_system"))
            build = float("nan")
            if out.results is not None:
                build = float(json.loads(out.results.read_text())["qa"]["seconds"])
            results = json.loads(out.results.read_text()) if out.results else {}
            if "unavailable" in results.get("external_comparison", {"unavailable": "none"}):
                raise SystemExit("the comparison with other areas did not run: not the demo")
            times.append(wall)
            cpus.append(cpu)
            print(f"run {k + 1}: wall {wall:.1f} s (of which the build inside the kernel "
                  f"{build:.1f} s); CPU of this process and children {cpu:.1f} s; load average "
                  f"{load0:.1f} -> {os.getloadavg()[0]:.1f}; html "
                  f"{out.html.stat().st_size:,} bytes"
                  + ("; DRAFT (failed its checks)" if "DRAFT" in out.html.read_text() else ""))
        best = min(times)
        print(f"demo impact report end to end: best wall {best:.1f} s, CPU {min(cpus):.1f} s; "
              f"target {TARGET_S:.0f} s; ratio wall {best / TARGET_S:.2f}, CPU "
              f"{min(cpus) / TARGET_S:.2f} ({os.cpu_count()} cores visible)")


if __name__ == "__main__":
    main()
