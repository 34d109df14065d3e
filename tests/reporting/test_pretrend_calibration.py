"""Randomisation p-value of the report's pre-trend test (issue 6: size with few clusters)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import aggregate
from eah_eval.reporting.impact import robustness as rb
from eah_eval.reporting.impact.evidence import rate_evidence


def _panel(waves: dict[str, int], *, periods: int = 8, units: int = 3, seed: int = 0,
           trend: dict[str, float] | None = None, effect: float = 0.0) -> pd.DataFrame:
    """Unit x period panel; ``trend`` adds ``slope * t`` before go-live to chosen clusters."""
    rng = np.random.default_rng(seed)
    rows = []
    for c, g in waves.items():
        shift = rng.normal(0, 1)
        for u in range(units):
            level = shift + rng.normal(0, 0.5)
            for t in range(1, periods + 1):
                y = level + 0.3 * t + rng.normal(0, 1)
                if trend and c in trend:
                    y += trend[c] * min(t, g - 1 if g else periods)
                if g and t >= g:
                    y += effect
                rows.append({"unit": f"{c}-{u}", "cluster": c, "period_index": t,
                             "first_treated": g, "y": y, "weight": 1.0})
    return pd.DataFrame(rows)


def _fits(panel: pd.DataFrame, comparison: str = "not_yet_treated") -> rb.RolloutFits:
    gt = rb.fit_group_time(panel, comparison)
    est = float(aggregate(gt, "simple").overall_att)
    return rb.RolloutFits(panel, comparison, est)


def _event(panel: pd.DataFrame, comparison: str = "not_yet_treated") -> object:
    return aggregate(rb.fit_group_time(panel, comparison), "event")


TOY = {"A": 5, "B": 0, "C": 5, "D": 0}


def test_exact_on_hand_countable_design() -> None:
    panel = _panel(TOY, seed=3, effect=1.5)
    fits = _fits(panel)
    p, detail = rb.pretrend_randomization(fits, draws=50, seed=1)
    # 4 clusters, waves of 2 (go-live 5) and 2 (never): C(4, 2) = 6 assignments, all enumerated
    assert detail["exact"] is True
    assert detail["assignments"] == 6
    assert detail["total_assignments"] == 6
    assert math.isclose(6 * p, round(6 * p), abs_tol=1e-9)
    # the same count by hand: each assignment's statistic on y - tau * D_obs
    y0 = panel["y"] - fits.tau * ((panel["first_treated"] > 0)
                                  & (panel["period_index"] >= panel["first_treated"]))
    base = panel.assign(y=y0)
    stats_by_hand = []
    for early in itertools.combinations("ABCD", 2):
        cohort = panel["cluster"].map({c: (5 if c in early else 0) for c in "ABCD"})
        stats_by_hand.append(rb.pretrend_statistic(base.assign(first_treated=cohort),
                                                   "not_yet_treated", method=fits.method))
    observed = rb.pretrend_statistic(base, "not_yet_treated", method=fits.method)
    assert math.isclose(detail["statistic_observed"], observed, rel_tol=1e-9)
    expected = sum(s >= observed * (1 - 1e-10) for s in stats_by_hand) / 6
    assert p == pytest.approx(expected)
    # the observed statistic is the one of the headline event study (cells used are untreated)
    check = rb.pretrend_check(_event(panel), n_clusters=4, fits=fits, draws=50, seed=1)
    assert check.detail["statistic"] == pytest.approx(observed, rel=1e-8)
    assert check.value == pytest.approx(p)
    assert check.detail["reference"] == "randomization"
    assert 0 <= check.detail["p_f"] <= 1
    assert "as good as random" in check.note


def test_invariant_to_adding_a_constant() -> None:
    panel = _panel(TOY, seed=5)
    p1, d1 = rb.pretrend_randomization(_fits(panel), draws=50, seed=1)
    shifted = panel.assign(y=panel["y"] + 250.0)
    p2, d2 = rb.pretrend_randomization(_fits(shifted), draws=50, seed=1)
    assert p1 == p2
    assert d2["statistic_observed"] == pytest.approx(d1["statistic_observed"], rel=1e-6)


def test_strong_differential_pretrend_gets_small_p() -> None:
    waves = {f"c{i:02d}": (5 if i < 3 else 0) for i in range(12)}
    trend = {"c00": 1.5, "c01": 1.5, "c02": 1.5}
    panel = _panel(waves, seed=11, trend=trend)
    fits = _fits(panel)
    check = rb.pretrend_check(_event(panel), n_clusters=12, fits=fits, draws=99, seed=7)
    # C(12, 3) = 220 assignments: more than the bound, so 99 are sampled besides the observed
    assert check.detail["exact"] is False
    assert check.detail["assignments"] == 100
    assert check.detail["seed"] == 7
    assert check.value is not None and check.value < 0.05
    rating = rate_evidence(pretrend_p=check.value, n_comparison_clusters=9,
                           breakdown_value=None)
    assert any("Trends before go-live differed" in d for d in rating.downgrades)


def test_sampled_p_is_seeded_and_falls_back_to_f_without_fits() -> None:
    waves = {f"c{i:02d}": (5 if i < 3 else 0) for i in range(12)}
    panel = _panel(waves, seed=2)
    fits = _fits(panel)
    a = rb.pretrend_randomization(fits, draws=19, seed=4)
    b = rb.pretrend_randomization(fits, draws=19, seed=4)
    assert a == b
    assert 20 * a[0] == pytest.approx(round(20 * a[0]))
    only_f = rb.pretrend_check(_event(panel), n_clusters=12)
    assert only_f.detail["reference"] == "F"
    assert only_f.value == pytest.approx(only_f.detail["p_f"])
    off = rb.pretrend_check(_event(panel), n_clusters=12, fits=fits, draws=0)
    assert off.detail["reference"] == "F"
