"""The equality review's gaps: the within-school gap panel and the triple difference on it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import aggregate
from eah_eval.reporting.glossary import group_label
from eah_eval.reporting.impact.equality import gap_panel
from eah_eval.reporting.impact.robustness import fit_group_time


def _frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["unit", "cluster", "first_treated", "period_index", "period", "group",
            "numerator", "denominator"]
    return pd.DataFrame(rows, columns=cols)


def test_gap_panel_is_group_rate_minus_other_pupils_rate_hand_computed() -> None:
    frame = _frame([
        ("s1", "C1", 3, 1, "2021/22", "fsm", 2.0, 10.0),
        ("s1", "C1", 3, 1, "2021/22", "not_fsm", 3.0, 30.0),
        ("s2", "C1", 3, 1, "2021/22", "not_fsm", 5.0, 50.0),  # no FSM pupils: dropped
    ])
    out = gap_panel(frame, "fsm", 100.0)
    assert list(out["unit"]) == ["s1"]
    assert out["y"].iloc[0] == pytest.approx(100 * (2 / 10 - 3 / 30))
    assert out["weight"].iloc[0] == pytest.approx(10 * 30 / 40)


def test_triple_difference_recovers_a_planted_change_in_the_gap() -> None:
    rng = np.random.default_rng(7)
    rows = []
    for c in range(10):
        cohort = 0 if c < 2 else 3 + c % 4  # two never-started clusters, four waves
        for s in range(5):
            school = rng.normal(0, 0.03)
            for t in range(1, 9):
                base = 0.20 + school + 0.01 * t
                treated = cohort > 0 and t >= cohort
                # Both groups gain 4 points from the programme; the group gains 3 fewer.
                other = base - (0.04 if treated else 0.0)
                group = base + 0.05 - (0.01 if treated else 0.0)
                rows += [(f"C{c}S{s}", f"C{c}", cohort, t, str(t), "fsm", 400 * group, 400.0),
                         (f"C{c}S{s}", f"C{c}", cohort, t, str(t), "not_fsm", 600 * other,
                          600.0)]
    gp = gap_panel(_frame(rows), "fsm", 100.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = aggregate(fit_group_time(gp, "not_yet_treated"), "simple")
    assert float(est.table.estimates[0]) == pytest.approx(3.0, abs=1e-8)


def test_group_labels_are_words_for_every_code_the_measures_return() -> None:
    assert group_label("fsm") == "Eligible for free school meals"
    assert group_label("SEMH") == "Social, emotional and mental health"
    assert group_label("Semh") == "Social, emotional and mental health"
    assert group_label("None") == "No identified special educational need"
    assert group_label("mixed_other") == "Mixed other"
