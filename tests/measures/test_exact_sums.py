"""Recorded fractional values add exactly, so a measure is the same to the last bit every run.

A parallel engine adds a large table's rows in a different order from run to run, and a
floating-point sum depends on the order: before sums of hours, pounds and FTE were made
exact, the demo's expert-days measures changed in the 13th-14th digit between two runs.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from eah_eval.measures import MeasureOptions, compute, open_tables

#: Enough rows for DuckDB to aggregate in parallel (its row groups hold 122,880 rows).
ROWS = 600_000


def _many_activities(frames: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], Decimal]:
    """The hand-made council with 600,000 consultations at school 100001 in 2024/25.

    Hours have one decimal place (0.1 to 8.0), which binary floating point does not hold
    exactly. Returns the frames and the exact total of the hours.
    """
    rng = np.random.default_rng(20261205)
    tenths = rng.integers(1, 81, size=ROWS)
    activity = pd.DataFrame({
        "activity_id": [f"M{i:07d}" for i in range(ROWS)],
        "activity_date": pd.Timestamp("2024-10-01")
        + pd.to_timedelta(rng.integers(0, 180, size=ROWS), unit="D"),
        "urn": "100001",
        "practitioner_role": "educational_psychologist",
        "activity_type": "consultation",
        "hours": tenths / 10,
    })
    out = dict(frames)
    out["eah_activity"] = activity
    return out, Decimal(int(tenths.sum())) / 10


def test_expert_days_are_the_exact_hours_over_a_days_hours_every_time(frames) -> None:  # type: ignore[no-untyped-def]
    many, hours = _many_activities(frames)
    tables = open_tables(many)
    options = MeasureOptions(hours_per_day=6.5)
    # the exact total of the recorded hours, divided once by the hours in a day
    expected = float(hours) / 6.5
    runs = []
    for _ in range(3):
        res = compute(tables, "eah_expert_days_per_school", level="school", options=options)
        f = res.frame
        sel = f[(f["unit"] == "100001") & (f["period"] == "2024/25")]
        assert len(sel) == 1
        runs.append(float(sel["numerator"].iloc[0]))
    assert runs == [expected] * 3
