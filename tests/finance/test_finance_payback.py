"""Breakeven, payback and the DSG position on a constructed projection with known answers.

Five years 2030-2034, three draws, spend without the programme 100 a year, programme cost 20 a
year, opening balance -50, income 100 a year, no other spend.

* draw 0 saves 0, 10, 20, 30, 40: net -20, -10, 0, 10, 20 (breakeven 2032); running total
  -20, -30, -30, -20, 0 (payback 2034);
* draw 1 saves twice as much: net -20, 0, 20, 40, 60 (breakeven 2031); running total
  -20, -20, 0, 40, 100 (payback 2032);
* draw 2 saves nothing: never.

First-year indices (never = 5): breakeven 2, 1, 5 -> median 2032, 2.5% 2031, 97.5% never;
payback 4, 2, 5 -> median 2034, 2.5% 2032, 97.5% never; a third of the draws never.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eah_eval.errors import OptionError
from eah_eval.finance import FinanceProjection, ScenarioProjection, dsg_position, payback

YEARS = (2030, 2031, 2032, 2033, 2034)


def _scenario(name: str, spend: np.ndarray, cost: float) -> ScenarioProjection:
    return ScenarioProjection(name, name, (), spend / 1000, spend, np.full(5, cost),
                              pd.DataFrame(columns=["year", "placement", "plans"]))


@pytest.fixture()
def constructed() -> FinanceProjection:
    saving = np.array([[0, 10, 20, 30, 40], [0, 20, 40, 60, 80], [0, 0, 0, 0, 0]], dtype=float)
    without = np.full((3, 5), 100.0)
    return FinanceProjection(
        years=YEARS, history=pd.DataFrame(), income_gbp=np.full(5, 100.0),
        opening_balance_gbp=-50.0,
        scenarios={"without": _scenario("without", without, 0.0),
                   "with": _scenario("with", without - saving, 20.0)},
        backtest=(), n_draws=3, seed=0, effect_source="constructed")


def test_net_saving_and_running_total(constructed: FinanceProjection) -> None:
    pb = payback(constructed)
    assert pb.net_saving_gbp[0].tolist() == [-20, -10, 0, 10, 20]
    assert pb.cumulative_net_saving_gbp[1].tolist() == [-20, -20, 0, 40, 100]


def test_breakeven_and_payback_years(constructed: FinanceProjection) -> None:
    pb = payback(constructed)
    assert (pb.breakeven.median, pb.breakeven.ci_low, pb.breakeven.ci_high) == (2032, 2031,
                                                                                 None)
    assert (pb.payback.median, pb.payback.ci_low, pb.payback.ci_high) == (2034, 2032, None)
    assert pb.breakeven.share_never == pytest.approx(1 / 3)
    assert pb.payback.share_never == pytest.approx(1 / 3)


def test_dsg_position(constructed: FinanceProjection) -> None:
    # draw 0 with the programme: flow 100 - spend - 20 = -20, -10, 0, 10, 20 from -50
    pos = dsg_position(constructed, "with")
    assert pos[0].tolist() == [-70, -80, -80, -70, -50]
    # without: flow 0 every year
    assert dsg_position(constructed, "without")[2].tolist() == [-50.0] * 5


def test_payback_against_itself_is_immediate(constructed: FinanceProjection) -> None:
    pb = payback(constructed, "without", "without")
    assert pb.payback.median == 2030 and pb.payback.share_never == 0.0


def test_unknown_scenario_named(constructed: FinanceProjection) -> None:
    with pytest.raises(OptionError, match=r"against must be one of .*'without', 'with'.*"
                                          r"got 'baseline'"):
        payback(constructed, against="baseline")
    with pytest.raises(OptionError, match=r"scenario must be one of .* got 'x'"):
        dsg_position(constructed, "x")
