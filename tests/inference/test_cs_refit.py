"""Re-estimating aggregations: only the cells they read, each as in the original fit."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import aggregate, att_gt
from eah_eval.inference.cs_refit import att_gt_options, cells_read, cs_refit


def _panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    waves = np.array([3, 3, 5, 5, 7, 7, 0, 0])
    unit = np.repeat(np.arange(24), 8)
    cl = unit // 3
    t = np.tile(np.arange(1, 9), 24)
    g = waves[cl]
    y = rng.normal(size=unit.size) + 0.2 * t + 1.5 * ((g > 0) & (t >= g)) + cl * 0.1
    return pd.DataFrame({"unit": unit, "cl": cl, "t": t, "g": g, "y": y,
                         "w": 1.0 + (unit % 4)})


def _aggregations(df: pd.DataFrame, **aggs: dict) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(df, "y", "unit", "t", "g", cluster="cl", weights="w",
                    control_group="not_yet_treated", base_period="universal")
        return {name: aggregate(gt, **spec) for name, spec in aggs.items()}


@pytest.mark.parametrize("aggs, window", [
    ({"s": {"kind": "simple"}}, (0.0, math.inf)),
    ({"s": {"kind": "simple", "max_e": 2}}, (0.0, 2.0)),
    ({"g": {"kind": "group"}, "c": {"kind": "calendar"}}, (0.0, math.inf)),
    ({"e": {"kind": "event", "min_e": -3, "max_e": 1}}, (-3.0, 1.0)),
    ({"e": {"kind": "event", "min_e": -3}, "s": {"kind": "simple", "max_e": 2}},
     (-3.0, math.inf)),
    ({"e": {"kind": "event"}, "s": {"kind": "simple"}}, None),
])
def test_refits_read_only_their_cells_and_match_the_original(aggs, window):
    df = _panel()
    fitted = _aggregations(df, **aggs)
    kinds = {n: (a.kind, {k: a.metadata[k] for k in ("min_e", "max_e", "balance_e")
                          if k in a.metadata}) for n, a in fitted.items()}
    assert cells_read(kinds, None) == window
    refit = cs_refit(fitted, outcome="y", unit="unit", time="t", cohort="g", cluster="cl")
    again = refit(df)  # the same frame: the same numbers, to the last bit
    for name, agg in fitted.items():
        assert again[name].metadata.get("event_window") == window  # the cells re-estimated
        np.testing.assert_array_equal(again[name].estimates, agg.estimates)
        np.testing.assert_array_equal(again[name].overall_influence, agg.overall_influence)
        assert again[name].overall_att == agg.overall_att or (
            np.isnan(again[name].overall_att) and np.isnan(agg.overall_att))
    other = df.assign(y=df["y"] + np.sin(np.arange(len(df))))  # another outcome, same design
    refit_other = refit(other)
    direct = _aggregations(other, **aggs)
    for name in fitted:
        np.testing.assert_array_equal(refit_other[name].estimates, direct[name].estimates)


def test_a_fit_made_on_a_window_is_refitted_within_it():
    df = _panel(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(df, "y", "unit", "t", "g", cluster="cl", control_group="not_yet_treated",
                    event_window=(0, 1))
        simple = aggregate(gt, "simple")
    assert att_gt_options(simple)["event_window"] == (0.0, 1.0)
    kinds = {"s": ("simple", {})}
    assert cells_read(kinds, (0.0, 1.0)) == (0.0, 1.0)  # not every cell from go-live on
    again = cs_refit({"s": simple}, outcome="y", unit="unit", time="t", cohort="g",
                     cluster="cl")(df)["s"]
    assert again.overall_att == simple.overall_att
