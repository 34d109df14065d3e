"""``twfe`` fits each model once (PanelOLS); the exact solver runs only when inference asks."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest
from dc_sim import staggered_panel

from eah_eval.did.twfe import twfe
from eah_eval.errors import EstimationError

# the module, not the function that eah_eval.did exports under the same name
twfe_module = importlib.import_module("eah_eval.did.twfe")

KW = {"outcome": "y", "unit": "unit", "time": "time", "cohort": "cohort"}


@pytest.fixture
def solver_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the exact two-way solvers built by :mod:`eah_eval.did.twfe`."""
    calls: list[int] = []
    real = twfe_module.TwoWayFE

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(twfe_module, "TwoWayFE", counting)
    return calls


def test_fit_uses_no_second_solver_and_design_is_computed_on_demand(solver_calls):
    df = staggered_panel(n_units=60, n_periods=6, cohorts=(0, 3, 5), seed=4, n_clusters=6)
    df = df.sample(frac=1, random_state=2)  # rows out of order: residuals must stay aligned
    res = twfe(df, kind="event", cluster="cluster", **KW)
    assert solver_calls == []
    d = res.design
    np.testing.assert_allclose(d.y - d.x @ d.params, d.residuals, atol=1e-10)
    np.testing.assert_allclose(d.cluster_robust_cov(), res.covariance, rtol=1e-8, atol=1e-14)
    assert d.x is d.x and solver_calls == [1]  # computed once, then kept


def test_collinearity_found_by_the_one_fit_still_names_the_rank():
    df = staggered_panel(n_units=90, n_periods=8, cohorts=(3, 5, 6), seed=6)
    with pytest.raises(EstimationError, match=r"collinear .*rank \d+ < \d+ columns"):
        twfe(df, kind="event", **KW)
