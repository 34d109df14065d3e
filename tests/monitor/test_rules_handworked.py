"""Hand-worked XmR examples for each rule and the edge cases NHS-R resolved.

Most series start with a 14-point baseline alternating 11, 9: mean 10, every moving range 2,
so limits are 10 +/- 2.66 x 2 = [4.68, 15.32] and near-limit lines 10 +/- 3.5467
= [6.4533, 13.5467]. ``fix_after_n_points=14`` keeps those limits whatever follows.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.errors import EstimationError, OptionError, OptionTypeError, TrialLimitsWarning
from eah_eval.monitor import xmr

BASE = [11.0, 9.0] * 7
FIX = {"fix_after_n_points": 14}


def test_baseline_limits_by_hand() -> None:
    chart = xmr([*BASE, 10.0, 10.5], **FIX)
    p = chart.points
    assert np.allclose(p["centre"], 10.0)
    assert np.allclose(p["upper"], 10 + 2.66 * 2)
    assert np.allclose(p["lower"], 10 - 2.66 * 2)
    assert np.allclose(p["near_upper"], 10 + 2.66 * 2 * 2 / 3)
    assert np.allclose(p["near_lower"], 10 - 2.66 * 2 * 2 / 3)
    assert p["baseline"].sum() == 14
    assert chart.segments["mean_moving_range"].iloc[0] == 2.0
    assert p["rule"].isna().all()
    assert chart.variation == "common_cause"


def test_limits_from_all_points_by_hand() -> None:
    values = [10.0, 12.0] * 6 + [30.0]
    chart = xmr(values)
    centre = 162 / 13
    mean_mr = (11 * 2 + 18) / 12
    p = chart.points
    assert p["centre"].iloc[0] == pytest.approx(centre)
    assert p["upper"].iloc[0] == pytest.approx(centre + 2.66 * mean_mr)
    assert p["lower"].iloc[0] == pytest.approx(centre - 2.66 * mean_mr)
    assert p["rule"].iloc[-1] == "outside_limits"
    assert p["label"].iloc[-1] == "Above UCL"
    # the outlier lifts the mean to 12.46, so all twelve earlier points sit below it: a shift
    assert (p["rule"].iloc[:-1] == "shift").all()
    assert (p["label"].iloc[:-1] == "7 Points Below CL").all()


def test_outside_limits_below() -> None:
    chart = xmr([*BASE, 4.0], improvement_direction="higher", **FIX)
    last = chart.latest
    assert last["rule"] == "outside_limits"
    assert last["outside_limits"] == -1
    assert last["label"] == "Below LCL"
    assert last["point_type"] == "special_cause_concern"
    assert chart.variation == "special_cause_concern"


def test_point_on_the_limit_is_not_outside() -> None:
    # 15.32 computed the same way as the limit: equal, so not strictly outside
    chart = xmr([*BASE, 10 + 2.66 * 2.0], **FIX)
    assert chart.latest["outside_limits"] == 0


def test_trend_of_seven_increasing() -> None:
    trend = [9.0, 9.5, 10.0, 10.5, 11.0, 11.5, 12.0]  # the tie with 9.0 starts it
    chart = xmr(BASE + trend, improvement_direction="lower", **FIX)
    p = chart.points.iloc[14:]
    assert p["flag_trend"].all()
    assert list(p["rule"].iloc[:1]) == ["trend"]
    assert (p["rule"] == "trend").all()
    assert (p["label"] == "7 Point Trend (Increasing)").all()
    assert (p["point_type"] == "special_cause_concern").all()
    assert not chart.points["flag_trend"].iloc[:14].any()


def test_six_point_trend_needs_run_length_six() -> None:
    trend = [9.0, 9.5, 10.0, 10.5, 11.0, 11.5]
    seven = xmr(BASE + trend, **FIX)
    six = xmr(BASE + trend, run_length=6, **FIX)
    assert not seven.points["flag_trend"].any()
    assert six.points["flag_trend"].iloc[14:].all()
    assert six.latest["label"] == "6 Point Trend (Increasing)"
    assert six.latest["point_type"] == "special_cause_neutral_high"


def test_trend_broken_by_a_tie() -> None:
    values = [*BASE, 9.5, 10.0, 10.5, 10.5, 11.0, 11.5, 12.0, 12.5]
    chart = xmr(values, **FIX)
    assert not chart.points["flag_trend"].any()


def test_decreasing_trend_label() -> None:
    chart = xmr([*BASE, 12.5, 12.0, 11.5, 11.0, 10.5, 10.0, 9.5], **FIX)
    assert (chart.points["label"].iloc[14:] == "7 Point Trend (Decreasing)").all()
    assert chart.latest["rule_direction"] == "low"


def test_shift_of_seven_above() -> None:
    chart = xmr(BASE + [11.0, 11.5] * 3 + [11.0], improvement_direction="higher", **FIX)
    p = chart.points.iloc[14:]
    assert p["flag_shift"].all()
    assert (p["rule"] == "shift").all()
    assert (p["label"] == "7 Points Above CL").all()
    assert chart.variation == "special_cause_improvement"


def test_six_on_one_side_is_not_a_shift_unless_run_length_six() -> None:
    values = BASE + [11.0, 11.5] * 3
    assert not xmr(values, **FIX).points["flag_shift"].any()
    assert xmr(values, run_length=6, **FIX).points["flag_shift"].iloc[14:].all()


def test_run_broken_by_a_point_on_the_mean() -> None:
    broken = BASE + [11.0] * 6 + [10.0] + [11.0] * 6
    chart = xmr(broken, **FIX)
    assert chart.points["side"].iloc[20] == 0
    assert not chart.points["flag_shift"].any()
    unbroken = BASE + [11.0] * 13
    assert xmr(unbroken, **FIX).points["flag_shift"].iloc[14:].all()


def test_point_both_outside_limits_and_part_of_a_shift() -> None:
    values = [*BASE, 11.0, 11.5, 11.0, 11.5, 11.0, 11.5, 20.0]
    chart = xmr(values, improvement_direction="higher", **FIX)
    p = chart.points
    last = p.iloc[-1]
    assert last["flag_shift"] and last["flag_outside_limits"]
    assert last["rule"] == "outside_limits"  # priority 1 beats priority 4
    assert last["label"] == "Above UCL"
    assert (p["rule"].iloc[14:20] == "shift").all()
    assert chart.variation == "special_cause_improvement"


def test_two_of_three_close_points_same_side_both_conventions() -> None:
    values = [*BASE, 14.0, 12.0, 14.0, 9.0, 11.0]
    for convention in ("nhsr", "nhse_2023"):
        p = xmr(values, two_of_three=convention, **FIX).points
        assert list(p["flag_two_of_three"].iloc[14:]) == [True, False, True, False, False]
        assert p["label"].iloc[14] == "2 in 3 Above CL"


def test_two_of_three_with_a_point_beyond_the_limit() -> None:
    # 14 is close to the upper limit, 16 is beyond it
    values = [*BASE, 10.5, 14.0, 16.0, 9.0, 11.0]
    nhsr = xmr(values, two_of_three="nhsr", **FIX).points
    nhse = xmr(values, two_of_three="nhse_2023", **FIX).points
    # NHS-R: a point beyond the limit is not "close", so 14 has no partner
    assert not nhsr["flag_two_of_three"].any()
    assert nhsr["rule"].iloc[15] is None
    assert nhsr["rule"].iloc[16] == "outside_limits"
    # NHS England 2023: points beyond the limit count, so 14 and 16 form a pair
    assert list(nhse["flag_two_of_three"].iloc[14:]) == [False, True, True, False, False]
    assert nhse["rule"].iloc[15] == "two_of_three"
    assert nhse["rule"].iloc[16] == "outside_limits"


def test_two_of_three_with_middle_point_on_other_side() -> None:
    values = [*BASE, 14.0, 9.0, 14.0, 9.5, 10.5]
    nhsr = xmr(values, two_of_three="nhsr", **FIX).points
    nhse = xmr(values, two_of_three="nhse_2023", **FIX).points
    assert not nhsr["flag_two_of_three"].any()
    assert list(nhse["flag_two_of_three"].iloc[14:17]) == [True, False, True]


def test_two_of_three_low_side_and_opposite_sides() -> None:
    low = xmr([*BASE, 6.0, 8.0, 6.0, 11.0], improvement_direction="higher", **FIX)
    assert low.points["label"].iloc[16] == "2 in 3 Below CL"
    assert low.points["point_type"].iloc[16] == "special_cause_concern"
    opposite = xmr([*BASE, 14.0, 6.0, 11.0], **FIX)
    assert not opposite.points["flag_two_of_three"].any()


def test_trends_do_not_run_across_a_rebase() -> None:
    a = [10.0, 12.0] * 5 + [10.0, 10.5, 11.0, 11.5]
    b = [12.0, 12.5, 13.0, 13.5] + [11.0, 13.0] * 5
    values = a + b
    joined = xmr(values)
    assert joined.points["flag_trend"].iloc[10:18].all()  # 8 strictly increasing points
    rebased = xmr(values, rebase=[15])
    assert list(rebased.points["segment"]) == [0] * 14 + [1] * 14
    assert not rebased.points["flag_trend"].any()


def test_shifts_do_not_run_across_a_rebase() -> None:
    a = [11.0, 9.0] * 5 + [11.0] * 4
    b = [11.0] * 4 + [13.0, 11.0] * 5
    rebased = xmr(a + b, rebase=[15])
    # 8 points in a row are at 11, but each segment judges them against its own mean
    seg_a = rebased.points.iloc[:14]
    assert not seg_a["flag_shift"].any()
    assert rebased.segments["centre"].iloc[0] == pytest.approx((11 * 9 + 9 * 5) / 14)


def test_rebase_gives_each_segment_its_own_limits() -> None:
    values = [10.0, 12.0] * 7 + [20.0, 24.0] * 7
    chart = xmr(values, rebase=[15])
    p = chart.points
    assert p["centre"].iloc[0] == 11.0 and p["centre"].iloc[-1] == 22.0
    assert p["upper"].iloc[0] == pytest.approx(11 + 2.66 * 2)
    assert p["upper"].iloc[-1] == pytest.approx(22 + 2.66 * 4)
    assert p["moving_range"].iloc[14] != p["moving_range"].iloc[14]  # NaN: no range across
    assert p["rule"].isna().all()
    assert "Limits recalculated from 15." in chart.notes()


def test_fewer_than_13_points_gives_trial_limits() -> None:
    with pytest.warns(TrialLimitsWarning, match=r"12 points \(fewer than 13\): trial limits"):
        chart = xmr([10.0, 12.0] * 6)
    assert chart.trial_limits
    assert chart.points["trial_limits"].all()
    assert any(n.startswith("Trial limits") for n in chart.notes())
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrialLimitsWarning)
        full = xmr([10.0, 12.0] * 6 + [11.0])
    assert not full.trial_limits
    assert not any(n.startswith("Trial limits") for n in full.notes())


def test_trial_limits_follow_the_baseline_length() -> None:
    with pytest.warns(TrialLimitsWarning):
        chart = xmr([10.0, 12.0] * 10, fix_after_n_points=8)
    assert chart.segments["n_baseline"].iloc[0] == 8
    assert chart.trial_limits


def test_screening_is_off_by_default_and_recorded() -> None:
    values = [10.0, 11.0] * 8 + [40.0, 10.0, 11.0]
    off = xmr(values)
    on = xmr(values, screen_outliers=True)
    assert off.settings.screen_outliers is False
    assert off.points["moving_range_used"].iloc[1:].all()
    assert on.points["moving_range_used"].iloc[1:].sum() == len(values) - 3
    assert on.segments["mean_moving_range"].iloc[0] == pytest.approx(1.0)
    assert "not screened" in off.settings.describe()
    assert "screened at 3.267" in on.settings.describe()


def test_settings_state_the_two_of_three_convention() -> None:
    assert "NHS England 2023" in xmr(BASE).settings.describe()
    assert "NHSRplotthedots" in xmr(BASE, two_of_three="nhsr").settings.describe()


def test_constant_series_has_no_signals() -> None:
    chart = xmr([5.0] * 15)
    assert (chart.points["side"] == 0).all()
    assert chart.points["rule"].isna().all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"improvement_direction": "up"}, OptionError, "improvement_direction must be one of"),
        ({"run_length": 8}, OptionError, "run_length must be one of 7, 6; got 8"),
        ({"run_length": "7"}, OptionTypeError, "run_length must be an integer"),
        ({"two_of_three": "western"}, OptionError, "'nhse_2023', 'nhsr'"),
        ({"screen_outliers": "yes"}, OptionTypeError, "screen_outliers must be True or False"),
        ({"target": "high"}, OptionTypeError, "target must be a number"),
        ({"fix_after_n_points": 1}, OptionError, "fix_after_n_points must be at least 2"),
        ({"rebase": [99]}, OptionError, "rebase period 99 is not one of"),
        ({"rebase": "15"}, OptionTypeError, "rebase must be a list"),
    ],
)
def test_bad_options_are_named(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        xmr(BASE, **kwargs)


def test_bad_data() -> None:
    with pytest.raises(EstimationError, match="missing or infinite at period"):
        xmr([1.0, np.nan, 3.0])
    with pytest.raises(EstimationError, match="at least 2 points"):
        xmr([1.0])
    with pytest.raises(EstimationError, match="has 1 point"):
        xmr([1.0, 2.0, 3.0], rebase=[3])
    with pytest.raises(OptionError, match="increasing order"):
        xmr(pd.Series([1.0, 2.0, 3.0], index=[3, 1, 2]))

    with pytest.raises(OptionError, match="unique"):
        xmr(pd.Series([1.0, 2.0, 3.0], index=["a", "a", "b"]))
    with pytest.raises(OptionError, match="not in data"):
        xmr(pd.DataFrame({"y": [1.0, 2.0]}), "x")


def test_resolution_moves_limits_out_by_one_increment() -> None:
    # medians of whole days: a steady wait of 9 days gives moving ranges of 0 and limits
    # that collapse onto 9, so one day more (within rounding) would be special cause
    steady = [9.0] * 12
    plain = xmr([*steady, 10.0, 10.0], fix_after_n_points=12)
    assert plain.points["rule"].iloc[-1] == "outside_limits"
    chart = xmr([*steady, 10.0, 10.0, 11.0], fix_after_n_points=12, resolution=1)
    p = chart.points
    assert np.allclose(p["upper"], 10.0) and np.allclose(p["lower"], 8.0)
    assert np.allclose(p["near_upper"], 10.0)
    assert p["rule"].iloc[12:14].isna().all()
    assert p["rule"].iloc[-1] == "outside_limits"
    assert "values recorded to 1: limits moved out by that increment" in (
        chart.settings.describe())
    # with moving ranges the plain half-width comes first, then the increment
    wide = xmr(BASE, resolution=0.5)
    assert np.allclose(wide.points["upper"], 10 + 2.66 * 2 + 0.5)
    assert np.allclose(wide.points["near_lower"], 10 - 2.66 * 2 * 2 / 3 - 0.5)


@pytest.mark.parametrize(("value", "error", "message"), [
    (0, OptionError, "resolution must be a positive finite number; got 0"),
    ("1", OptionTypeError, "resolution must be a positive number or None; got '1'"),
    (True, OptionTypeError, "resolution must be a positive number or None; got True"),
])
def test_resolution_is_checked(value: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        xmr(BASE, resolution=value)  # type: ignore[arg-type]
