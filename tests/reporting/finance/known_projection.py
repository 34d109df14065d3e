"""A finance projection made from seeded random draws, for rendering tests.

The numbers are not a model's: they are draws around stated medians, so the report's
summaries can be checked against what was put in (a known truth for the rendering layer).
"""

from __future__ import annotations

import types

import numpy as np
import pandas as pd

from eah_eval.finance import (
    PLACEMENTS,
    BacktestEntry,
    FinanceProjection,
    ScenarioProjection,
    dsg_position,
    payback,
)
from eah_eval.reporting.finance.effect import ProgrammeEffect
from eah_eval.reporting.finance.evaluate import assemble
from eah_eval.reporting.finance.model import FinanceEvaluation
from eah_eval.reporting.finance.params import FinanceReportParams
from eah_eval.reporting.impact.money_effect import choose_effect

YEARS = (2027, 2028, 2029, 2030, 2031)
N_DRAWS = 400
#: Share of plans in each placement (the last, "other", is small so that it is suppressed).
MIX = np.array([0.40, 0.10, 0.20, 0.12, 0.08, 0.05, 0.048, 0.002])


def _scenario(name: str, label: str, plans: np.ndarray, cost: np.ndarray) -> ScenarioProjection:
    spend = plans * 24_000.0
    med = np.median(plans, axis=0)
    frame = pd.DataFrame({
        "year": np.repeat(np.asarray(YEARS), len(PLACEMENTS)),
        "placement": np.tile(np.array(PLACEMENTS, dtype=object), len(YEARS)),
        "plans": (med[:, None] * MIX[None, :]).ravel(),
    })
    return ScenarioProjection(name, label, (f"{label}: stated for the test",), plans, spend,
                              cost, frame)


def known_projection(seed: int = 7) -> FinanceProjection:
    """Plans rising 6% a year without the programme, 3% with it; programme cost £1.5m a year."""
    rng = np.random.default_rng(seed)
    growth = rng.normal(0.06, 0.01, size=(N_DRAWS, 1))
    cut = rng.normal(0.03, 0.01, size=(N_DRAWS, 1))
    t = np.arange(1, len(YEARS) + 1)[None, :]
    without = 2400.0 * (1 + growth) ** t
    with_ = 2400.0 * (1 + growth - cut) ** t
    cost = np.full(len(YEARS), 1_500_000.0)
    history = pd.DataFrame({"year": [2022, 2023, 2024, 2025, 2026],
                            "plans": [1800.0, 1930.0, 2060.0, 2200.0, 2330.0],
                            "spend_gbp": [43e6, 46e6, 49e6, 53e6, 56e6],
                            "income_gbp": [45e6, 46e6, 47e6, 48e6, 49e6]})
    return FinanceProjection(
        years=YEARS, history=history, income_gbp=np.linspace(50e6, 54e6, len(YEARS)),
        opening_balance_gbp=-12e6,
        scenarios=types.MappingProxyType({
            "without": _scenario("without", "Without the programme", without,
                                 np.zeros(len(YEARS))),
            "with": _scenario("with", "With the programme", with_, cost)}),
        backtest=tuple(BacktestEntry(h, 6 - h, 2.0 * h, 4.0 * h, 2.5 * h, 4.5 * h)
                       for h in (1, 2, 3)),
        n_draws=N_DRAWS, seed=seed, effect_source="stated for the test")


def known_evaluation(params: FinanceReportParams | None = None) -> FinanceEvaluation:
    """The known projection summarised for the report (payback and DSG by the model's code)."""
    params = params or FinanceReportParams(data="unused")
    proj = known_projection()
    chosen, _ = choose_effect({"estimate": -1.5, "ci_low": -2.5, "ci_high": -0.5,
                               "window": ["2024", "2025"], "method_text": "stated for the test"},
                              None)
    effect = ProgrammeEffect.from_choice(chosen, 0.95, "stated for the test", "estimated")
    return assemble(params, effect=effect, projection=proj, payback=payback(proj),
                    dsg={n: dsg_position(proj, n) for n in proj.scenarios},
                    data_fingerprint="0" * 64)
