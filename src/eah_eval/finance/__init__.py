"""High Needs Block modelling.

EHC plan and high-needs spend projections with and without the programme, carrying the impact
evaluation's uncertainty into the money.

Front door: :func:`project` (a :class:`FinanceProjection` from :class:`FinanceInputs` and an
:class:`EffectDistribution`), then :func:`payback` and :func:`dsg_position` on its draws.
Layers: ``states`` (placements, ages, bands) -> ``inputs`` (the tables) -> ``effect`` ->
``cohort`` (the multi-state model) -> ``money`` -> ``scenarios`` -> ``backtest`` ->
``projection`` -> ``payback``; ``results`` holds the frozen result types.
"""

from eah_eval.finance.effect import EffectDistribution
from eah_eval.finance.inputs import (
    FinanceInputs,
    FinanceInputsError,
    FinanceInputsMissingError,
    load_finance_inputs,
)
from eah_eval.finance.payback import dsg_position, payback
from eah_eval.finance.projection import project
from eah_eval.finance.results import (
    BacktestEntry,
    FinanceProjection,
    Payback,
    ScenarioProjection,
    YearRange,
)
from eah_eval.finance.scenarios import PlacementShift, Scenario
from eah_eval.finance.states import PLACEMENT_LABELS, PLACEMENTS

__all__ = [
    "PLACEMENTS",
    "PLACEMENT_LABELS",
    "BacktestEntry",
    "EffectDistribution",
    "FinanceInputs",
    "FinanceInputsError",
    "FinanceInputsMissingError",
    "FinanceProjection",
    "Payback",
    "PlacementShift",
    "Scenario",
    "ScenarioProjection",
    "YearRange",
    "dsg_position",
    "load_finance_inputs",
    "payback",
    "project",
]
