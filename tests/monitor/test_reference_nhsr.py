"""Reproduce every NHSRplotthedots 0.2.2 worked example in shared/reference/spc.

Tolerances (from the reference README): means and limits 1e-9 relative against the
full-precision columns; published snapshot values to half a unit in their 7th significant
digit; flags, labels and point types exact. All cases use the NHS-R conventions explicitly
(screening on, two-of-three "nhsr"), which are not this package's defaults.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.monitor import assurance_of, xmr
from eah_eval.monitor.rules import (
    label_points,
    mark_runs,
    part_of_two_in_three,
    shift_ends,
    trend_direction,
    trend_ends,
    two_in_three_windows,
)
from reference_data import reference_dir

REF = reference_dir() / "spc"
REL = 1e-9
DIRECTION = {"increase": "higher", "decrease": "lower", "neutral": "none"}
NHSR = {"screen_outliers": True, "two_of_three": "nhsr"}


def _read(name: str) -> pd.DataFrame:
    path = REF / name
    if not path.exists():
        pytest.skip(f"reference file {path} not available")
    return pd.read_csv(path)


def _half_unit_7th_digit(published: float) -> float:
    exponent = math.floor(math.log10(abs(published)))
    return 0.5 * 10.0 ** (exponent - 6)


def _chart(frame: pd.DataFrame, value: str, **kw: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xmr(frame, value, "date", improvement_direction="higher", **NHSR, **kw)


# ---------------------------------------------------------------- 1. outlier screening
def test_screen_outliers_limits_match_full_precision_and_published() -> None:
    data = _read("screen_outliers.csv")
    limits = _read("screen_outliers_limits.csv")
    charts = {}
    for row in limits.itertuples(index=False):
        chart = xmr(
            data,
            row.value_column,
            "date",
            screen_outliers=bool(row.screen_outliers),
            two_of_three="nhsr",
        )
        charts[row.variant] = chart
        seg = chart.segments.iloc[0]
        pts = chart.points.iloc[0]
        assert seg["centre"] == pytest.approx(row.mean, rel=REL)
        assert seg["mean_moving_range"] == pytest.approx(row.mean_moving_range, rel=REL)
        for ours, theirs in [
            (pts["lower"], row.lpl),
            (pts["upper"], row.upl),
            (pts["near_lower"], row.near_lpl),
            (pts["near_upper"], row.near_upl),
        ]:
            assert ours == pytest.approx(theirs, rel=REL)
        for ours, published in [
            (seg["centre"], row.mean_published),
            (pts["lower"], row.lpl_published),
            (pts["upper"], row.upl_published),
        ]:
            assert abs(ours - published) <= _half_unit_7th_digit(published)
    # the test's own assertions: all three pairs of limits differ, r3 wider than r2
    pairs = {k: (c.points["lower"].iloc[0], c.points["upper"].iloc[0]) for k, c in charts.items()}
    assert len(set(pairs.values())) == 3
    assert pairs["r3"][1] - pairs["r3"][0] > pairs["r2"][1] - pairs["r2"][0]


def test_screening_drops_the_two_moving_ranges_next_to_the_outlier() -> None:
    data = _read("screen_outliers.csv")
    chart = xmr(data, "y_with_outlier", "date", screen_outliers=True)
    dropped = chart.points.loc[
        chart.points["moving_range"].notna() & ~chart.points["moving_range_used"], "period"
    ]
    assert list(dropped) == ["2020-01-16", "2020-01-17"]  # ranges into and out of point 15
    clean = xmr(data, "y", "date", screen_outliers=True)
    assert clean.points["moving_range_used"].iloc[1:].all()


# ---------------------------------------------------------------- 2. opposite sides
def test_two_near_limit_points_on_opposite_sides_are_common_cause() -> None:
    data = _read("two_in_three_opposite_sides.csv")
    chart = _chart(data, "value")
    pts = chart.points
    assert list(pts["side"]) == list(data["relative_to_mean"])
    assert list(pts["close_to_limits"]) == list(data["close_to_limits"])
    assert list(pts["outside_limits"] != 0) == list(data["outside_limits"])
    assert list(pts["point_type"]) == list(data["expected_point_type"])
    assert chart.segments["mean_moving_range"].iloc[0] == pytest.approx(32.5 / 14, rel=REL)
    assert pts["upper"].iloc[0] == pytest.approx(2.66 * 32.5 / 14, rel=REL)


# ---------------------------------------------------------------- 3. rule helpers
HELPERS = {
    "seven_point_trend": lambda g: trend_ends(g["y"].to_numpy(), 7),
    "seven_point_one_side_mean": lambda g: shift_ends(g["relative_to_mean"].astype(int), 7),
    "part_of_seven": lambda g: mark_runs(g["flag_in"].astype(int), 7).astype(int),
    "two_in_three": lambda g: two_in_three_windows(
        g["close_to_limits"].astype(int).astype(bool), g["relative_to_mean"].astype(int)
    ).astype(int),
    "part_of_two_in_three": lambda g: part_of_two_in_three(
        g["close_to_limits"].astype(int).astype(bool), g["relative_to_mean"].astype(int)
    ).astype(int),
}


def _helper_examples() -> list[tuple[str, str]]:
    path = REF / "rule_helper_vectors.csv"
    if not path.exists():
        return [("absent", "absent")]
    frame = pd.read_csv(path)
    return list(frame[["example", "helper"]].drop_duplicates().itertuples(index=False, name=None))


@pytest.mark.parametrize(("example", "helper"), _helper_examples())
def test_rule_helper_vectors(example: str, helper: str) -> None:
    frame = _read("rule_helper_vectors.csv")
    g = frame.loc[frame["example"] == example].sort_values("position")
    got = np.asarray(HELPERS[helper](g))
    assert list(got) == list(g["expected"].astype(int)), example


# ---------------------------------------------------------------- 4. label priority
def test_label_priority_with_mocked_components() -> None:
    g = _read("label_priority.csv")
    y = g["y"].to_numpy()
    seg = np.zeros(len(g), dtype=int)
    tdir = trend_direction(y, g["part_of_trend"], seg)
    labels = label_points(
        g["relative_to_mean"],
        g["outside_limits"],
        g["part_of_trend"],
        g["part_of_two_in_three"],
        g["part_of_shift"],
        tdir,
        run_length=7,
    )
    assert list(labels.label) == list(g["expected_special_cause_type"])
    rules = [None, None, None, None, None, None, None, None]
    rules[0:2] = ["trend", "trend"]
    rules[2:4] = ["shift", "shift"]
    rules[4] = "two_of_three"
    rules[5:7] = ["outside_limits", "outside_limits"]
    assert list(labels.rule) == rules


# ---------------------------------------------------------------- 5. end-to-end A&E series
def _ae_cases() -> list[str]:
    path = REF / "ae_cases.csv"
    if not path.exists():
        return ["absent"]
    return list(pd.read_csv(path)["case"].unique())


@pytest.mark.parametrize("case", _ae_cases())
def test_ae_case_end_to_end(case: str) -> None:
    ref = _read("ae_cases.csv")
    g = ref.loc[ref["case"] == case].sort_values("period").reset_index(drop=True)
    rebase = [] if g["rebase_date"].iloc[0] == "none" else [g["rebase_date"].iloc[0]]
    fix = g["fix_after_n_points"].iloc[0]
    fix_n = None if pd.isna(fix) else int(fix)
    chart = _chart(g, "value", rebase=rebase, fix_after_n_points=fix_n)
    pts = chart.points
    np.testing.assert_allclose(pts["centre"], g["expected_mean"], rtol=REL)
    np.testing.assert_allclose(pts["lower"], g["expected_lpl"], rtol=REL)
    np.testing.assert_allclose(pts["upper"], g["expected_upl"], rtol=REL)
    assert list(pts["segment"]) == list(g["rebase_group"])
    assert list(pts["outside_limits"] != 0) == list(g["expected_outside_limits"])
    assert list(pts["side"]) == list(g["expected_relative_to_mean"])
    assert list(pts["close_to_limits"]) == list(g["expected_close_to_limits"])
    assert list(pts["label"]) == list(g["special_cause_type_current_rules"])
    assert list(pts["point_type"]) == list(g["point_type_current_rules"])
    # the stored 0.1 point types differ only where the README says the rule changed
    changed = g["expected_point_type_v0_1"] != g["point_type_current_rules"]
    if case == "ae_rl4_type1_attendances":
        assert list(g.loc[changed, "period"]) == [34, 36]
    else:
        assert not changed.any()


def test_ae_rebase_segments_have_their_own_limits() -> None:
    ref = _read("ae_cases.csv")
    g = ref.loc[ref["case"] == "ae_all_attendances_rebase"].reset_index(drop=True)
    chart = _chart(g, "value", rebase=["2017-04-01"])
    assert list(chart.segments["n_points"]) == [12, 24]
    assert chart.segments["trial_limits"].tolist() == [True, False]
    assert chart.trial_limits


# ---------------------------------------------------------------- 6. assurance
def test_assurance_reference() -> None:
    g = _read("assurance.csv")
    for row in g.itertuples(index=False):
        got = assurance_of(row.lpl, row.upl, row.target, DIRECTION[row.improvement_direction])
        expected = row.expected_assurance_type
        if isinstance(expected, float) and math.isnan(expected):
            assert got is None
        else:
            assert got == {
                "consistent_pass": "consistently_passes",
                "consistent_fail": "consistently_fails",
                "inconsistent": "hit_and_miss",
            }[expected]
