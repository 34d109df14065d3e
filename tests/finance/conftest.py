"""Shared finance fixtures: the demo council's finance inputs, built once per session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from eah_eval.data.load import Council
from eah_eval.data.synthetic import DEFAULT_SEED, SyntheticCouncil, make_council
from eah_eval.finance import EffectDistribution, FinanceInputs, FinanceProjection, project
from eah_eval.finance.inputs import finance_inputs_from_council

#: The effect the demo projections use: the planted effect on requests (-20%) with an
#: interval as wide as the impact evaluation's on the demo council (about +-12 points).
DEMO_EFFECT = (-0.2, -0.32, -0.08)


@pytest.fixture(scope="session")
def demo_council() -> SyntheticCouncil:
    return make_council(DEFAULT_SEED)


@pytest.fixture(scope="session")
def demo_inputs(demo_council: SyntheticCouncil) -> FinanceInputs:
    return finance_inputs_from_council(Council.from_frames(demo_council.tables))


@pytest.fixture(scope="session")
def demo_truth(demo_council: SyntheticCouncil) -> Mapping[str, Any]:
    return demo_council.truth["high_needs"]


@pytest.fixture(scope="session")
def demo_projection(demo_inputs: FinanceInputs) -> FinanceProjection:
    effect = EffectDistribution.from_interval(*DEMO_EFFECT)
    return project(demo_inputs, effect, years=10, n_draws=500, seed=1)
