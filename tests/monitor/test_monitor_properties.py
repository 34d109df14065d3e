"""Invariances of the charts (hypothesis): what must not change, and what must change how."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from eah_eval.errors import TrialLimitsWarning
from eah_eval.monitor import RULES, p_prime, xmr

FLAGS = ["flag_outside_limits", "flag_trend", "flag_two_of_three", "flag_shift"]
SWAP = {
    "special_cause_improvement": "special_cause_concern",
    "special_cause_concern": "special_cause_improvement",
    "common_cause": "common_cause",
}

# small integers make sums and means exact, so no comparison sits on a rounding edge
series = st.lists(st.integers(-20, 20), min_size=2, max_size=40)
options = st.fixed_dictionaries(
    {
        "run_length": st.sampled_from([6, 7]),
        "two_of_three": st.sampled_from(["nhse_2023", "nhsr"]),
        "screen_outliers": st.booleans(),
    }
)


def _xmr(values, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialLimitsWarning)
        return xmr([float(v) for v in values], **kw)


@settings(max_examples=60, deadline=None)
@given(series, st.integers(-1000, 1000), options)
def test_adding_a_constant_shifts_centre_and_limits_and_keeps_flags(values, shift, opts):
    a = _xmr(values, **opts)
    b = _xmr([v + shift for v in values], **opts)
    for col in ("centre", "lower", "upper", "near_lower", "near_upper"):
        np.testing.assert_allclose(b.points[col], a.points[col] + shift, atol=1e-9)
    for col in [*FLAGS, "rule", "label", "point_type"]:
        assert list(a.points[col]) == list(b.points[col])


@settings(max_examples=60, deadline=None)
@given(series, st.sampled_from([0.25, 0.5, 2.0, 8.0]), options)
def test_positive_scaling_keeps_flags(values, factor, opts):
    a = _xmr(values, **opts)
    b = _xmr([v * factor for v in values], **opts)
    np.testing.assert_allclose(b.points["upper"], a.points["upper"] * factor, atol=1e-9)
    assert list(a.points["rule"]) == list(b.points["rule"])


@settings(max_examples=60, deadline=None)
@given(series, options)
def test_reversing_the_direction_swaps_improvement_and_concern(values, opts):
    up = _xmr(values, improvement_direction="higher", **opts)
    down = _xmr(values, improvement_direction="lower", **opts)
    assert [SWAP[t] for t in up.points["point_type"]] == list(down.points["point_type"])
    assert SWAP[up.variation] == down.variation
    neutral = _xmr(values, improvement_direction="none", **opts)
    special = neutral.points["rule"].notna()
    assert list(special) == list(up.points["point_type"] != "common_cause")


@settings(max_examples=60, deadline=None)
@given(series, options)
def test_mirroring_values_mirrors_the_flags(values, opts):
    a = _xmr(values, improvement_direction="higher", **opts)
    b = _xmr([-v for v in values], improvement_direction="lower", **opts)
    assert list(a.points["point_type"]) == list(b.points["point_type"])
    assert list(a.points["rule"]) == list(b.points["rule"])


@settings(max_examples=60, deadline=None)
@given(series, options, st.data())
def test_rule_is_the_highest_priority_flag_and_runs_stay_in_segments(values, opts, data):
    rebase = []
    if len(values) >= 4:
        cut = data.draw(st.integers(3, len(values) - 1))
        rebase = [cut]
    chart = _xmr(values, rebase=rebase, **opts)
    p = chart.points
    for row in p.itertuples(index=False):
        fired = [r for r, f in zip(RULES, [getattr(row, c) for c in FLAGS], strict=True) if f]
        assert row.rule == (fired[0] if fired else None)
    # a marked run never needs points from another segment: each segment alone gives the same
    for _s, seg in p.groupby("segment"):
        alone = _xmr(seg["value"].tolist(), **opts)
        assert list(alone.points["flag_trend"]) == list(seg["flag_trend"])
        assert list(alone.points["flag_shift"]) == list(seg["flag_shift"])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 60), st.integers(100, 400)), min_size=3, max_size=25),
    st.sampled_from([2, 4]),
)
def test_laney_limits_invariant_to_scaling_counts(rows, k):
    frame = pd.DataFrame(rows, columns=["x", "n"])
    scaled = frame * k
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialLimitsWarning)
        a = p_prime(frame, "x", "n")
        b = p_prime(scaled, "x", "n")
    for col in ("centre", "lower", "upper"):
        np.testing.assert_allclose(a.points[col], b.points[col], rtol=1e-12, atol=1e-15)
    assert list(a.points["rule"]) == list(b.points["rule"])
