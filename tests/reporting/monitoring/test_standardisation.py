"""Outcome rates standardised for the phase mix (reporting/monitoring/standardisation.py).

Known truth: a series whose rates by phase never change but whose secondary roll grows has a
rising recorded rate; standardised to its baseline it shows no signal, while a real rise
within a phase still does. Invariance: over the baseline the standardised rate is the recorded
one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eah_eval.monitor.laney import u_prime
from eah_eval.reporting.monitoring.standardisation import phase_standardised

N = 24
BASE = 12
RATE = {"primary": 0.005, "secondary": 0.06}  # suspensions per pupil per term


def _series(rise_from: int | None = None, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One unit: 3,000 primary pupils, a secondary roll growing from 1,000 to 2,000."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(N):
        rolls = {"primary": 3000.0, "secondary": 1000.0 + 1000.0 * t / (N - 1)}
        for phase, roll in rolls.items():
            rate = RATE[phase] * (1.3 if rise_from is not None and t >= rise_from
                                  and phase == "secondary" else 1.0)
            rows.append({"unit": "C01", "period": f"t{t:02d}", "period_index": t,
                         "group": phase, "numerator": float(rng.poisson(rate * roll)),
                         "denominator": roll})
    by_phase = pd.DataFrame(rows)
    total = (by_phase.groupby(["unit", "period", "period_index"], as_index=False)
             [["numerator", "denominator"]].sum())
    total["value"] = 100 * total["numerator"] / total["denominator"]
    return total, by_phase


def _chart(frame: pd.DataFrame, denominator: str) -> pd.DataFrame:
    chart = u_prime(frame, "numerator", denominator, "period", multiplier=100,
                    fix_after_n_points=BASE, improvement_direction="lower", trial_threshold=2)
    return chart.points


def test_a_change_in_phase_mix_alone_is_not_a_signal_once_standardised() -> None:
    total, by_phase = _series()
    baseline = pd.Series(total["period_index"] < BASE, index=total.index)
    std = phase_standardised(total, by_phase, baseline, multiplier=100)
    recorded = _chart(total, "denominator")
    charted = _chart(std.frame, "chart_denominator")
    # the recorded rate climbs with the secondary share (1.9 to 2.7 per 100 expected) and
    # leaves its baseline limits
    assert recorded["rule"].iloc[BASE:].notna().sum() >= 6
    assert charted["rule"].isna().all()
    # the baseline rates by phase recovered (per 100 pupils), within Poisson error: about
    # 18,000 primary and 15,000 secondary pupil-terms give standard errors of 0.05 and 0.2
    rates = std.baseline_rates["C01"]
    assert abs(rates["primary"] - 0.5) < 0.15 and abs(rates["secondary"] - 6.0) < 0.6
    assert std.text.startswith("Standardised for the phase mix")


def test_a_rise_within_a_phase_still_shows_after_standardising() -> None:
    total, by_phase = _series(rise_from=16)
    baseline = pd.Series(total["period_index"] < BASE, index=total.index)
    charted = _chart(phase_standardised(total, by_phase, baseline, multiplier=100).frame,
                     "chart_denominator")
    # the baseline is clean; from the rise on every point is special cause (a run of points
    # above the centre may start a term or two before it, as runs do)
    assert charted["rule"].iloc[:BASE].isna().all()
    assert charted["rule"].iloc[16:].notna().all()
    assert (charted["point_type"].iloc[16:] == "special_cause_concern").all()


def test_the_standardised_baseline_keeps_the_recorded_rate() -> None:
    total, by_phase = _series(seed=4)
    baseline = pd.Series(total["period_index"] < BASE, index=total.index)
    out = phase_standardised(total, by_phase, baseline, multiplier=100).frame
    base = out.loc[baseline]
    recorded = base["numerator"].sum() / base["denominator"].sum()
    assert abs(base["numerator"].sum() / base["chart_denominator"].sum() - recorded) < 1e-12
    # the recorded columns are untouched
    pd.testing.assert_frame_equal(out[total.columns], total)


def test_a_phase_absent_from_the_baseline_counts_at_the_unit_rate() -> None:
    total, by_phase = _series(seed=2)
    opened = by_phase["period_index"] >= BASE
    extra = by_phase.loc[opened & (by_phase["group"] == "primary")].assign(
        group="special", numerator=5.0, denominator=100.0)
    by_phase = pd.concat([by_phase, extra], ignore_index=True)
    total = total.set_index("period")
    added = extra.set_index("period")
    total.loc[added.index, "numerator"] += added["numerator"]
    total.loc[added.index, "denominator"] += added["denominator"]
    total["value"] = 100 * total["numerator"] / total["denominator"]
    total = total.reset_index()[["unit", "period", "period_index", "numerator", "denominator",
                                 "value"]]
    baseline = pd.Series(total["period_index"] < BASE, index=total.index)
    std = phase_standardised(total, by_phase, baseline, multiplier=100)
    assert "special" not in std.baseline_rates["C01"]
    # without the special school the equivalent roll is the same as before it opened
    base = std.frame.loc[baseline]
    r = base["numerator"].sum() / base["denominator"].sum()
    last = std.frame.iloc[-1]
    rows = by_phase.loc[by_phase["period"] == last["period"]].set_index("group")
    rates = {p: v / 100 for p, v in std.baseline_rates["C01"].items()}
    expected = (sum(rows.loc[p, "denominator"] * rates[p] for p in ("primary", "secondary"))
                / r + rows.loc["special", "denominator"])
    assert abs(last["chart_denominator"] - expected) < 1e-9
