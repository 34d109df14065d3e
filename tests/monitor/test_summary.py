"""Charts per unit and the integrated-performance status matrix."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.errors import OptionError, TrialLimitsWarning
from eah_eval.monitor import xmr
from eah_eval.monitor.summary import (
    STATUS_COLUMNS,
    charts_by_unit,
    matrix_legend,
    status_matrix,
    status_table,
)

BASE = [11.0, 9.0] * 7


def _frame() -> pd.DataFrame:
    rows = []
    series = {"A": [*BASE, 20.0], "B": [*BASE, 10.5], "C": [5.0]}
    for unit, values in series.items():
        for i, v in enumerate(values):
            rows.append({"unit": unit, "period": f"P{i:02d}", "period_index": i, "value": v,
                         "numerator": v * 10, "denominator": 400.0})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # order must come from the index


def test_charts_by_unit_sorts_by_period_and_skips_short_series() -> None:
    cs = charts_by_unit(_frame(), measure="Requests", improvement_direction="higher",
                        fix_after_n_points=14)
    assert list(cs.charts) == ["A", "B"]
    assert "1 usable point(s)" in cs.skipped["C"]
    a = cs.charts["A"]
    assert a.measure == "Requests: A"
    expected = xmr([*BASE, 20.0], improvement_direction="higher", fix_after_n_points=14)
    assert list(a.points["rule"]) == list(expected.points["rule"])
    assert a.variation == "special_cause_improvement"


def test_status_table_and_matrix() -> None:
    cs = charts_by_unit(_frame(), measure="Requests", improvement_direction="higher",
                        target=3.0, fix_after_n_points=14)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialLimitsWarning)
        cs2 = charts_by_unit(_frame(), measure="Proportion", chart="p_prime")
    table = status_table([cs, cs2])
    assert list(table.columns) == list(STATUS_COLUMNS)
    row = table.set_index(["measure", "unit"]).loc[("Requests", "A")]
    assert row["variation"] == "special_cause_improvement"
    assert row["variation_text"] == "Special cause: improvement (higher)"
    assert row["assurance"] == "consistently_passes"
    assert row["latest_value"] == 20.0
    matrix = status_matrix(table)
    assert list(matrix.index) == ["Requests", "Proportion"]
    assert list(matrix.columns) == ["A", "B", "C"]
    assert matrix.loc["Requests", "A"] == "◆ IMP H | ✔ P"
    assert matrix.loc["Requests", "B"] == "● CC | ✔ P"
    assert matrix.loc["Requests", "C"] == "– not charted"
    legend = matrix_legend()
    assert {"◆", "✖", "●", "▲", "▼"} <= set(legend["symbol"])


def test_rebase_per_unit_and_bad_columns() -> None:
    frame = _frame()
    with pytest.warns(TrialLimitsWarning):
        cs = charts_by_unit(frame, measure="m", rebase={"A": ["P07"], "B": ["P99"]})
    assert cs.charts["A"].points["segment"].max() == 1
    assert cs.charts["B"].points["segment"].max() == 0  # a period the unit lacks is ignored
    with pytest.raises(OptionError, match="'nope' not in the frame"):
        charts_by_unit(frame, measure="m", value="nope")
    with pytest.raises(OptionError, match="chart must be one of"):
        charts_by_unit(frame, measure="m", chart="c")


def test_units_with_estimation_problems_are_skipped_with_reason() -> None:
    frame = pd.DataFrame({"unit": ["X"] * 3, "period": [1, 2, 3], "period_index": [1, 2, 3],
                          "numerator": [0, 0, 0], "denominator": [10, 10, 10],
                          "value": np.zeros(3)})
    cs = charts_by_unit(frame, measure="m", chart="p_prime")
    assert not cs.charts and "events and non-events" in cs.skipped["X"]
