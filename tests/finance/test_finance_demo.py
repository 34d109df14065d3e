"""The projection on the demo council: known truth, back-test, scenarios, reproducibility.

The demo council (``make_council()``, seed 20261130) simulates its caseload with the model's
own structure and records the expected trajectory of plans and spend from the last observed
census, with and without the programme (``truth.json`` -> ``high_needs.expected``). The
projection's effect is the planted -20% on requests with an interval of +-12 points.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from eah_eval.errors import OptionError
from eah_eval.finance import (
    EffectDistribution,
    FinanceInputs,
    FinanceProjection,
    PlacementShift,
    Scenario,
    payback,
    project,
)


def test_years_and_shapes(demo_projection: FinanceProjection,
                          demo_truth: Mapping[str, Any]) -> None:
    assert list(demo_projection.years) == demo_truth["projected_years"]
    assert list(demo_projection.scenarios) == ["without", "with"]
    for s in demo_projection.scenarios.values():
        assert s.plans.shape == s.spend_gbp.shape == (500, 10)
    assert demo_projection.history["plans"].iloc[-1] == demo_truth["stock_last_year"]


@pytest.mark.parametrize("scenario", ["without", "with"])
@pytest.mark.parametrize("quantity", ["plans", "spend_gbp"])
def test_true_trajectory_inside_95_intervals(demo_projection: FinanceProjection,
                                             demo_truth: Mapping[str, Any], scenario: str,
                                             quantity: str) -> None:
    draws = getattr(demo_projection.scenarios[scenario], quantity)
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    truth = np.asarray(demo_truth["expected"][scenario][quantity])
    inside = (truth >= low) & (truth <= high)
    assert inside.all(), f"outside in years {np.asarray(demo_projection.years)[~inside]}"


def test_programme_lowers_plans_draw_by_draw(demo_projection: FinanceProjection,
                                             demo_truth: Mapping[str, Any]) -> None:
    w = demo_projection.scenarios["with"].plans
    wo = demo_projection.scenarios["without"].plans
    # effect draws from -0.2 +- 0.12 (95%) are negative in all but a tiny share
    assert (w[:, -1] < wo[:, -1]).mean() > 0.99
    # the paired ratio with / without holds the true ratio in its 95% range every year
    ratio = w / wo
    low, high = np.percentile(ratio, [2.5, 97.5], axis=0)
    exp = demo_truth["expected"]
    truth = np.asarray(exp["with"]["plans"]) / np.asarray(exp["without"]["plans"])
    assert ((truth >= low) & (truth <= high)).all()


def test_backtest_beats_naive_trend(demo_projection: FinanceProjection) -> None:
    entries = {b.horizon: b for b in demo_projection.backtest}
    assert sorted(entries) == [1, 2, 3]
    for b in entries.values():
        assert b.n_origins == 8 - b.horizon  # origins 2021 to 2028 - horizon
        assert b.mape_model < b.mape_naive, b
        assert b.spend_mape_model < b.spend_mape_naive, b


def test_same_seed_same_draws(demo_inputs: FinanceInputs) -> None:
    effect = EffectDistribution.from_interval(-0.2, -0.32, -0.08)
    a = project(demo_inputs, effect, years=3, n_draws=50, seed=7, backtest=False)
    b = project(demo_inputs, effect, years=3, n_draws=50, seed=7, backtest=False)
    c = project(demo_inputs, effect, years=3, n_draws=50, seed=8, backtest=False)
    assert np.array_equal(a.scenarios["with"].plans, b.scenarios["with"].plans)
    assert not np.array_equal(a.scenarios["with"].plans, c.scenarios["with"].plans)
    assert a.seed == 7 and a.n_draws == 50


def test_no_effect_means_no_difference(demo_inputs: FinanceInputs) -> None:
    fp = project(demo_inputs, EffectDistribution.none(), years=3, n_draws=20, seed=1,
                 backtest=False)
    assert np.allclose(fp.scenarios["with"].plans, fp.scenarios["without"].plans)


def test_placement_shift_moves_new_independent_placements(demo_inputs: FinanceInputs) -> None:
    shift = Scenario("more_local", "More local special places",
                     placement_shifts=(PlacementShift("independent_special",
                                                      "maintained_special", 0.5),))
    fp = project(demo_inputs, EffectDistribution.none(), years=5, n_draws=30, seed=2,
                 scenarios=[shift], backtest=False)
    base = fp.scenarios["with"].plans_by_placement.set_index(["year", "placement"])["plans"]
    moved = fp.scenarios["more_local"].plans_by_placement.set_index(
        ["year", "placement"])["plans"]
    last = fp.years[-1]
    assert moved[(last, "independent_special")] < base[(last, "independent_special")]
    assert moved[(last, "maintained_special")] > base[(last, "maintained_special")]
    # only placements change: the same plans in total, draw by draw
    assert np.allclose(fp.scenarios["more_local"].plans, fp.scenarios["with"].plans)
    # independent places cost more: less spend in every draw
    assert (fp.scenarios["more_local"].spend_gbp[:, -1] <
            fp.scenarios["with"].spend_gbp[:, -1]).all()
    assert "50% of new placements in independent or non-maintained special school made in " \
           "maintained special school instead" in " ".join(fp.scenarios["more_local"].assumptions)


def test_payback_on_demo_is_summarised(demo_projection: FinanceProjection) -> None:
    pb = payback(demo_projection)
    assert pb.net_saving_gbp.shape == (500, 10)
    assert 0.0 <= pb.payback.share_never <= 1.0
    # the saving grows as fewer plans accumulate: later years save more, draw by draw on median
    med = np.median(pb.net_saving_gbp, axis=0)
    assert (np.diff(med) > 0).all()


def test_option_errors(demo_inputs: FinanceInputs) -> None:
    effect = EffectDistribution.none()
    with pytest.raises(OptionError, match=r"n_draws must be at least 1; got 0"):
        project(demo_inputs, effect, n_draws=0)
    with pytest.raises(OptionError, match=r"scenario name must not be one of the built-in "
                                          r"scenarios 'without', 'with'; got 'with'"):
        Scenario("with", "again")
    with pytest.raises(OptionError, match=r"from_placement must be one of .*got 'special'"):
        PlacementShift("special", "mainstream", 0.1)
    with pytest.raises(OptionError, match=r"share must be from 0 to 1; got 1.5"):
        PlacementShift("mainstream", "other", 1.5)
    with pytest.raises(OptionError, match=r"scenario names must be distinct; got \['a', 'a'\]"):
        project(demo_inputs, effect, scenarios=[Scenario("a", "A"), Scenario("a", "A")])


def test_user_scenario_from_without(demo_inputs: FinanceInputs) -> None:
    fewer = Scenario("fewer", "Ten per cent fewer new plans, no programme", base="without",
                     new_plans_change=-0.1)
    fp = project(demo_inputs, EffectDistribution.from_interval(-0.2, -0.32, -0.08), years=4,
                 n_draws=40, seed=3, scenarios=[fewer], backtest=False)
    assert list(fp.scenarios) == ["without", "with", "fewer"]
    assert (fp.scenarios["fewer"].plans < fp.scenarios["without"].plans).all()
    assert (fp.scenarios["fewer"].programme_cost_gbp == 0).all()
    assert (fp.scenarios["with"].programme_cost_gbp > 0).all()
    assert fp.scenarios["fewer"].assumptions[-1] == \
        "new plans -10% from the first projected year"
