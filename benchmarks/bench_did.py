"""Benchmark eah-eval's Callaway-Sant'Anna estimator against the Python ports csdid and differences.

Usage (from the repository root)::

    bash benchmarks/setup_peers.sh          # once: peers go into benchmarks/.envs/peers
    .venv/bin/python benchmarks/bench_did.py [--sizes 2500x5,20000x10,100000x10]
                                             [--draws 999] [--timeout 600] [--repeats 3]
    .venv/bin/python benchmarks/bench_did.py --startup-only   # start-up time only

It first prints the start-up time of the command line (whole ``eah-eval --version``
processes; target under 0.3 s).

Whole processes, as users meet them: for each panel, ``eah-eval did --data panel.csv ... --json``
(with ``--bootstrap N --seed 1`` in bootstrap mode) is timed from outside, start to exit, beside
the peers' worker processes timed the same way (interpreter start, imports, CSV read,
estimation, output). The command line computes more than the peers' workers (all four
aggregations and the Wald pre-test), so its ratio is conservative. Each process is run
``--repeats`` times and the fastest run is kept, for every tool alike.

For each generated staggered panel (units x periods) and each tool, a fresh subprocess loads
the panel, then times ATT(g,t) (doubly robust, never-treated comparison, no covariates) plus the
simple and event-study aggregations, once with analytic standard errors and once with a
multiplier bootstrap of ``--draws`` draws. Each worker reports wall time and peak memory: the
peak resident set size of the process and its growth over the level reached after loading the
data (``ru_maxrss``). Results are compared (largest absolute difference in ATT(g,t), simple and
event-time effects, analytic SEs) and ratios to the fastest / leanest peer are printed.
A peer that is missing, fails or exceeds the timeout is reported as such and skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER_PYTHON = HERE / ".envs" / "peers" / "bin" / "python"
OUT = HERE / "output"
TOOLS = ("eah-eval", "csdid", "differences")


def make_panel(n_units: int, n_periods: int, seed: int = 0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    first = max(2, n_periods // 2 - 1)
    cohorts = np.array([0, *range(first, n_periods + 1, max(1, (n_periods - first) // 3))])
    g = rng.choice(cohorts, size=n_units)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    gg = np.repeat(g, n_periods)
    e = t - gg
    effect = np.where((gg > 0) & (e >= 0), 1.0 + 0.3 * e, 0.0)
    y = (np.repeat(rng.normal(size=n_units), n_periods) + 0.2 * t + effect
         + rng.normal(size=n_units * n_periods))
    return pd.DataFrame({"id": np.repeat(np.arange(1, n_units + 1), n_periods), "t": t,
                         "g": gg, "y": y})


# ---------------------------------------------------------------------------- workers
def _f(x) -> float:
    return float(np.asarray(x, dtype=float).ravel()[0])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def import_tool(tool: str) -> None:
    """Import a tool before timing, so wall times measure estimation, not imports."""
    if tool == "eah-eval":
        sys.path.insert(0, str(ROOT / "src"))
        # the package loads its names on first use: load the ones the worker calls
        from eah_eval.did import aggregate, att_gt  # noqa: F401
    elif tool == "csdid":
        import csdid.att_gt  # noqa: F401
    else:
        import differences  # noqa: F401


def work_eah(df, draws: int) -> dict:
    from eah_eval.did import aggregate, att_gt

    gt = att_gt(df, "y", "id", "t", "g", method="dr", control_group="never_treated")
    if draws:
        gt = gt.with_bootstrap(draws, rng=1)
    simple = aggregate(gt, "simple")
    event = aggregate(gt, "event")
    return {
        "attgt": [[float(g), float(t), float(a), float(s)] for g, t, a, s in
                  zip(gt.groups, gt.times, gt.estimates, gt.std_errors, strict=True)],
        "simple": [simple.overall_att, simple.overall_se],
        "event": [[float(e), float(a), float(s)] for e, a, s in
                  zip(event.table.index, event.estimates, event.std_errors, strict=True)],
    }


def work_csdid(df, draws: int) -> dict:
    from csdid.att_gt import ATTgt

    kw = {"biters": draws} if draws else {}
    m = ATTgt(yname="y", gname="g", idname="id", tname="t", data=df,
              control_group="nevertreated", **kw)
    m.fit(est_method="dr", bstrap=bool(draws))
    r = m.results
    out = {"attgt": [[_f(g), _f(t), _f(a), _f(s)] for g, t, a, s in
                     zip(np.ravel(r["group"]), np.ravel(r["year"]), np.ravel(r["att"]),
                         np.ravel(r["se"]), strict=True)]}
    m.aggte(typec="simple", bstrap=bool(draws))
    out["simple"] = [_f(m.atte["overall_att"]), _f(m.atte["overall_se"])]
    m.aggte(typec="dynamic", bstrap=bool(draws))
    a = m.atte
    out["event"] = [[_f(e), _f(x), _f(s)] for e, x, s in
                    zip(np.ravel(a["egt"]), np.ravel(a["att_egt"]), np.ravel(a["se_egt"]),
                        strict=True)]
    return out


def work_differences(df, draws: int) -> dict:
    from differences import ATTgt

    d = df.assign(g=df["g"].where(df["g"] > 0)).set_index(["id", "t"])
    att = ATTgt(data=d, cohort_column="g")
    res = att.fit(formula="y", est_method="dr", control_group="never_treated",
                  boot_iterations=draws, random_state=1 if draws else None,
                  progress_bar=False, n_jobs=1)
    frame = res if hasattr(res, "reset_index") else att.results()
    flat = frame.copy()
    flat.columns = ["|".join(map(str, c)) if isinstance(c, tuple) else str(c)
                    for c in flat.columns]
    flat = flat.reset_index()
    est_col = next(c for c in flat.columns if c.endswith("ATT"))
    se_col = next(c for c in flat.columns if c.endswith("std_error"))
    g_col = next(c for c in flat.columns if c.startswith("cohort"))
    t_col = next(c for c in flat.columns if c.startswith("time") or c == "t")
    out = {"attgt": [[float(g), float(t), float(a), float(s)] for g, t, a, s in
                     zip(flat[g_col], flat[t_col], flat[est_col], flat[se_col], strict=True)]}
    simple = att.aggregate("simple", boot_iterations=draws, random_state=1 if draws else None)
    sf = simple.copy()
    sf.columns = ["|".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in sf.columns]
    out["simple"] = [float(sf[next(c for c in sf.columns if c.endswith("ATT"))].iloc[0]),
                     float(sf[next(c for c in sf.columns if c.endswith("std_error"))].iloc[0])]
    ev = att.aggregate("event", boot_iterations=draws, random_state=1 if draws else None)
    ef = ev.copy()
    ef.columns = ["|".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in ef.columns]
    ef = ef.reset_index()
    e_col = ef.columns[0]
    out["event"] = [[float(e), float(a), float(s)] for e, a, s in zip(
        ef[e_col], ef[next(c for c in ef.columns if c.endswith("ATT"))],
        ef[next(c for c in ef.columns if c.endswith("std_error"))], strict=True)]
    return out


def worker(tool: str, data_path: str, draws: int) -> None:
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    df = pd.read_csv(data_path)
    import_tool(tool)
    base = _peak_mb()
    fn = {"eah-eval": work_eah, "csdid": work_csdid, "differences": work_differences}[tool]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(df, draws)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _peak_mb()
    out.update({"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak, "peak_growth_mb": peak - base})
    print("RESULT " + json.dumps(out))


# ---------------------------------------------------------------------------- driver
_ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def _timed(cmd: list[str], timeout: float) -> tuple[subprocess.CompletedProcess[str] | None,
                                                    float, float]:
    """Run a whole process; return it (None on timeout), its wall time and its CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_ENV,
                              check=False)
    except subprocess.TimeoutExpired:
        return None, float("nan"), float("nan")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, wall, cpu


def run_tool(tool: str, path: Path, draws: int, timeout: float) -> dict:
    python = sys.executable if tool == "eah-eval" else str(PEER_PYTHON)
    if tool != "eah-eval" and not PEER_PYTHON.exists():
        return {"status": "not installed (run benchmarks/setup_peers.sh)"}
    cmd = [python, str(Path(__file__).resolve()), "--worker", tool, "--data", str(path),
           "--draws", str(draws)]
    proc, wall, cpu = _timed(cmd, timeout)
    if proc is None:
        return {"status": f"timeout after {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            res.update(status="ok", process_s=wall, process_cpu_s=cpu)
            return res
    err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"status": f"failed: {err[:200]}"}


def run_cli(path: Path, draws: int, timeout: float) -> dict:
    """Time one whole ``eah-eval did`` process on the panel (same estimator as the workers)."""
    script = Path(sys.executable).parent / "eah-eval"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "eah_eval"]
    cmd = [*command, "did", "--data", str(path), "--outcome", "y", "--unit", "id", "--time",
           "t", "--cohort", "g", "--method", "dr", "--control-group", "never_treated", "--json"]
    if draws:
        cmd += ["--bootstrap", str(draws), "--seed", "1"]
    proc, wall, cpu = _timed(cmd, timeout)
    if proc is None:
        return {"status": f"timeout after {timeout:.0f} s"}
    if proc.returncode != 0:
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"failed: {err[:200]}"}
    obj = json.loads(proc.stdout)

    def num(v: float | None) -> float:
        return float("nan") if v is None else float(v)

    return {"status": "ok", "process_s": wall, "process_cpu_s": cpu,
            "attgt": [[num(r["group"]), num(r["time"]), num(r["att"]), num(r["se"])]
                      for r in obj["att_gt"]]}


def best_of(runs: list[dict], key: str) -> dict:
    """The fastest successful run by ``key`` (the first failure when none succeeded)."""
    ok = [r for r in runs if r["status"] == "ok"]
    return min(ok, key=lambda r: r[key]) if ok else runs[0]


def _max_diff(a: dict, b: dict, key: str, col: int) -> float:
    ka = {tuple(r[:-2]) if key != "simple" else (): r for r in
          (a[key] if key != "simple" else [a[key]])}
    kb = {tuple(r[:-2]) if key != "simple" else (): r for r in
          (b[key] if key != "simple" else [b[key]])}
    diffs = [abs(ka[k][col] - kb[k][col]) for k in ka if k in kb
             and np.isfinite(ka[k][col]) and np.isfinite(kb[k][col])]
    return max(diffs) if diffs else float("nan")


def compare(ours: dict, peer: dict) -> str:
    parts = []
    for key, label in (("attgt", "ATT(g,t)"), ("simple", "simple"), ("event", "event")):
        est_col = -2
        parts.append(f"{label} {_max_diff(ours, peer, key, est_col):.1e}")
    parts.append(f"ATT(g,t) SE {_max_diff(ours, peer, 'attgt', -1):.1e}")
    return "max |diff|: " + ", ".join(parts)


def startup_seconds(repeats: int = 5) -> list[float]:
    """Wall times of whole ``eah-eval --version`` processes (the installed console script)."""
    script = Path(sys.executable).parent / "eah-eval"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "eah_eval"]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([*command, "--version"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def print_startup() -> None:
    times = sorted(startup_seconds())
    print("== start-up: eah-eval --version, whole process (target < 0.3 s) ==")
    print(f"  best {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s "
          f"over {len(times)} runs", flush=True)


#: panel size of the whole-process targets (issue 15): >= 4x analytic, >= 15x bootstrap
TARGET_SIZE = (100_000, 10)


def print_processes(processes: dict[str, dict], ours: dict, draws: int, repeats: int,
                    size: tuple[int, int]) -> None:
    """Print the whole-process times and the ratio to the fastest peer."""
    target = 15.0 if draws else 4.0
    print(f"  whole processes (start, imports, CSV read, estimation, output; best of "
          f"{repeats}):")
    for tool, res in processes.items():
        if res["status"] != "ok":
            print(f"    {tool:12s} {res['status']}")
            continue
        label = "eah-eval did" if tool == "eah-eval" else tool
        line = f"    {label:12s} wall {res['process_s']:8.2f} s  cpu {res['process_cpu_s']:8.2f} s"
        if tool == "eah-eval" and ours.get("status") == "ok":
            line += ("   command line vs in-process ATT(g,t): max |diff| "
                     f"{_max_diff(res, ours, 'attgt', -2):.1e}")
        print(line)
    cli = processes.get("eah-eval", {})
    peers = {k: v for k, v in processes.items() if k != "eah-eval" and v["status"] == "ok"}
    if cli.get("status") == "ok" and peers:
        fastest = min(peers, key=lambda k: peers[k]["process_s"])
        ratio = peers[fastest]["process_s"] / cli["process_s"]
        cpu_fastest = min(peers, key=lambda k: peers[k]["process_cpu_s"])
        cpu_ratio = peers[cpu_fastest]["process_cpu_s"] / cli["process_cpu_s"]
        verdict = ""
        if size == TARGET_SIZE:
            verdict = f"; target >= {target:.0f}x: {'met' if ratio >= target else 'NOT met'}"
        print(f"  -> whole process: eah-eval did is {ratio:.1f}x faster (wall) than the fastest "
              f"peer ({fastest}) and {cpu_ratio:.1f}x (CPU time, {cpu_fastest}){verdict}",
              flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=TOOLS)
    parser.add_argument("--data")
    parser.add_argument("--sizes", default="2500x5,20000x10,100000x10")
    parser.add_argument("--draws", type=int, default=999)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--modes", default="analytic,bootstrap",
                        help="which SE modes to run: analytic, bootstrap or both")
    parser.add_argument("--startup-only", action="store_true",
                        help="only time eah-eval --version (no peers needed)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of every process; the fastest is kept")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.draws)
        return 0
    print_startup()
    if args.startup_only:
        return 0
    OUT.mkdir(exist_ok=True)
    tools = [t for t in args.tools.split(",") if t]
    summary: dict[str, dict] = {}
    for size in args.sizes.split(","):
        n_units, n_periods = (int(v) for v in size.lower().split("x"))
        # the panels are "units x periods" with periods counted as rows per unit
        path = OUT / f"panel_{n_units}x{n_periods}.csv"
        if not path.exists():
            make_panel(n_units, n_periods).to_csv(path, index=False)
        modes = [(0, "analytic"), (args.draws, f"bootstrap {args.draws}")]
        for draws, mode in modes:
            if mode.split()[0] not in args.modes.split(","):
                continue
            print(f"\n== {n_units:,} units x {n_periods} periods, {mode} SEs ==", flush=True)
            runs: dict[str, list[dict]] = {tool: [] for tool in tools}
            cli_runs: list[dict] = []
            for _ in range(max(1, args.repeats)):
                for tool in tools:
                    runs[tool].append(run_tool(tool, path, draws, args.timeout))
                    if tool == "eah-eval":
                        cli_runs.append(run_cli(path, draws, args.timeout))
            results = {tool: best_of(r, "wall_s") for tool, r in runs.items()}
            processes = {tool: best_of(r, "process_s") for tool, r in runs.items()}
            if cli_runs:
                processes["eah-eval"] = best_of(cli_runs, "process_s")
            summary[f"{size} {mode}"] = results
            summary[f"{size} {mode} whole process"] = processes
            ok_peers = {k: v for k, v in results.items() if k != "eah-eval"
                        and v["status"] == "ok"}
            ours = results.get("eah-eval", {})
            for tool, res in results.items():
                if res["status"] != "ok":
                    print(f"  {tool:12s} {res['status']}")
                    continue
                line = (f"  {tool:12s} wall {res['wall_s']:8.2f} s  cpu {res['cpu_s']:8.2f} s  "
                        f"peak RSS "
                        f"{res['peak_rss_mb']:7.0f} MB   growth {res['peak_growth_mb']:7.0f} MB")
                if tool != "eah-eval" and ours.get("status") == "ok":
                    line += "   " + compare(ours, res)
                print(line, flush=True)
            if ours.get("status") == "ok" and ok_peers:
                fastest = min(ok_peers, key=lambda k: ok_peers[k]["wall_s"])
                leanest = min(ok_peers, key=lambda k: ok_peers[k]["peak_growth_mb"])
                speed = ok_peers[fastest]["wall_s"] / ours["wall_s"]
                cpu_fastest = min(ok_peers, key=lambda k: ok_peers[k]["cpu_s"])
                cpu_speed = ok_peers[cpu_fastest]["cpu_s"] / ours["cpu_s"]
                mem = ours["peak_growth_mb"] / max(ok_peers[leanest]["peak_growth_mb"], 1e-9)
                rss = ours["peak_rss_mb"] / ok_peers[leanest]["peak_rss_mb"]
                print(f"  -> eah-eval is {speed:.1f}x faster (wall) than the fastest peer "
                      f"({fastest}) and {cpu_speed:.1f}x (CPU time, {cpu_fastest}); "
                      f"memory growth {mem:.2f}x and peak RSS {rss:.2f}x of the leanest "
                      f"({leanest})")
            print_processes(processes, ours, draws, len(cli_runs), (n_units, n_periods))
    # scaling: cost per unit-period across sizes (eah-eval). CPU time is reported beside wall
    # time because on a shared machine wall time mostly measures the queue for a core.
    print("\n== scaling of eah-eval (cost per 1,000 unit-periods) ==")
    for mode in ("analytic", f"bootstrap {args.draws}"):
        rows = []
        for size in args.sizes.split(","):
            n_units, n_periods = (int(v) for v in size.lower().split("x"))
            res = summary.get(f"{size} {mode}", {}).get("eah-eval", {})
            if res.get("status") == "ok":
                cells = n_units * n_periods / 1000
                rows.append((size, res["wall_s"] / cells, res["cpu_s"] / cells))
        if not rows:
            continue
        print(f"  {mode}: " + ", ".join(f"{s}: wall {w * 1000:.3f} ms, cpu {c * 1000:.3f} ms"
                                         for s, w, c in rows))
        if len(rows) >= 2:
            growth = rows[-1][2] / rows[-2][2]
            verdict = "about linear or better" if growth < 1.5 else "SUPERLINEAR"
            print(f"  CPU cost per unit-period, {rows[-1][0]} vs {rows[-2][0]}: "
                  f"x{growth:.2f} ({verdict})")
    (OUT / "bench_did.json").write_text(json.dumps(summary, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
