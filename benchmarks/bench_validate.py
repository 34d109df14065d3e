"""Benchmark loading and validating a council whose pupil tables have millions of rows.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_validate.py [--pupils 1000000] [--seed 1]

Builds the small hand-made valid council used by the data tests, replaces ``pupil_census`` and
``attendance`` with ``--pupils`` generated rows each (valid codes, consistent SEN provision and
primary need, absence within possible sessions), writes the CSVs to a temporary folder, then
times :func:`eah_eval.data.load.validate_council` (every check) and prints rows per second and the
wall time of reading the same CSV files with plain ``pandas.read_csv`` (no checks) as a yardstick.
Also times :func:`~eah_eval.data.load.validate_council` after one bad code per 1,000 rows, so the
cost of collecting many problems is visible.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data"))

from council_fixture import valid_frames, write_frames  # noqa: E402

from eah_eval.data.load import validate_council  # noqa: E402


def pupil_tables(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("P", np.arange(n).astype(str))
    urn = rng.choice(["100002", "100003", "100004"], n)
    sen = rng.choice(["N", "K", "E"], n, p=[0.83, 0.14, 0.03])
    need = np.where(sen == "N", "", rng.choice(["SLCN", "ASD", "SEMH", "MLD"], n))
    census = pd.DataFrame({
        "pupil_id": ids, "urn": urn, "census_date": "2024-01-18",
        "year_group": rng.choice([str(i) for i in range(1, 12)], n),
        "age": rng.integers(5, 16, n).astype(str), "sen_provision": sen, "primary_need": need,
        "fsm": rng.choice(["true", "false"], n), "eal": rng.choice(["true", "false"], n),
        "sex": rng.choice(["F", "M"], n),
        "ethnicity_group": rng.choice(["white", "asian", "black", "mixed"], n),
    })
    possible = rng.integers(100, 141, n)
    auth = rng.integers(0, 20, n)
    attendance = pd.DataFrame({
        "pupil_id": ids, "urn": urn, "academic_year": "2023/24", "term": "autumn",
        "age": rng.integers(5, 16, n).astype(str), "possible_sessions": possible.astype(str),
        "authorised_absence": auth.astype(str),
        "unauthorised_absence": rng.integers(0, 10, n).astype(str),
    })
    return census, attendance


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    frames = valid_frames()
    frames["pupil_census"], frames["attendance"] = pupil_tables(args.pupils, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_frames(Path(tmp) / "council", frames)
        rows = sum(len(df) for df in frames.values())
        t0 = time.perf_counter()
        for name in frames:
            pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = validate_council(folder)
        t_valid = time.perf_counter() - t0
        if not report.ok:
            print("\n".join(str(p) for p in report.problems[:10]))
            return 1
        census = frames["pupil_census"]
        census.loc[::1000, "sen_provision"] = "S"
        census.loc[::1000, "primary_need"] = ""
        census.to_csv(folder / "pupil_census.csv", index=False)
        t0 = time.perf_counter()
        bad = validate_council(folder)
        t_bad = time.perf_counter() - t0
    n_bad = int(bad.accounting.set_index("table").loc["pupil_census", "rows_with_problems"])
    print(f"rows in all tables:              {rows:,}")
    print(f"plain pandas.read_csv (no checks): {t_read:6.2f} s")
    print(f"validate_council (all checks):     {t_valid:6.2f} s  "
          f"({rows / t_valid:,.0f} rows/s; {t_valid / t_read:.1f}x plain read)")
    print(f"validate_council, {n_bad:,} bad rows: {t_bad:6.2f} s  "
          f"({len(bad.problems)} problems listed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
