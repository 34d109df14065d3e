"""Robustness checks of the impact report: each one computes or says why not (never silent)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import aggregate, att_gt
from eah_eval.reporting.impact import robustness as R


def _panel(seed: int = 3, effect: float = 2.0, first_cohort: int = 4) -> pd.DataFrame:
    """8 clusters x 3 schools x 10 periods; waves at first_cohort, +2, +4 (two clusters each)
    and two clusters never treated in the window."""
    rng = np.random.default_rng(seed)
    cohorts = [first_cohort, first_cohort, first_cohort + 2, first_cohort + 2,
               first_cohort + 4, first_cohort + 4, 0, 0]
    rows = []
    for c, g in enumerate(cohorts):
        shock = rng.normal(0, 0.5)
        for s in range(3):
            alpha = rng.normal(0, 1)
            for t in range(1, 11):
                post = g > 0 and t >= g
                rows.append({"unit": f"u{c}{s}", "cluster": f"c{c}", "period_index": t,
                             "first_treated": g, "weight": 100.0,
                             "y": 10 + alpha + shock + 0.1 * t + effect * post
                             + rng.normal(0, 0.3)})
    return pd.DataFrame(rows)


def _event(panel: pd.DataFrame, base_period: str = "universal") -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(panel, "y", "unit", "period_index", "first_treated",
                    control_group="not_yet_treated", weights="weight", cluster="cluster",
                    base_period=base_period)
        return aggregate(gt, "event")


def test_breakdown_is_computed_on_a_universal_base_event_study() -> None:
    chk = R.breakdown_check(_event(_panel()), alpha=0.05, seed=1)
    assert chk.ok and chk.value is not None and chk.value > 0
    assert "average change over periods 0 to" in chk.note
    assert chk.to_dict()["num_pre_periods"] >= 1


def test_breakdown_failure_says_why_varying_base() -> None:
    chk = R.breakdown_check(_event(_panel(), base_period="varying"), alpha=0.05, seed=1)
    assert not chk.ok and chk.value is None
    assert chk.note.startswith("could not be computed: ")
    assert "universal base period" in chk.note


def test_breakdown_failure_says_why_no_pre_periods() -> None:
    # every wave starts in the second period: only the reference period precedes go-live
    panel = _panel(first_cohort=2)
    panel = panel[panel["first_treated"].isin([2, 0])]
    chk = R.breakdown_check(_event(panel), alpha=0.05, seed=1)
    assert not chk.ok
    assert "no estimated periods before go-live other than the reference" in chk.note


def test_breakdown_on_a_wrong_object_says_what_was_expected() -> None:
    # the sensitivity layer refuses the input with a typed error, which the check reports
    chk = R.breakdown_check(object(), alpha=0.05, seed=1)
    assert not chk.ok
    assert chk.note == ("could not be computed: expected an event-study aggregation "
                        "(kind='event')")


def test_a_defect_in_a_comparator_stops_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """No silent failure: an AttributeError from our own code is not turned into a sentence."""

    def broken(*args: object, **kwargs: object) -> object:
        raise AttributeError("'TwfeResult' object has no attribute 'estimates'")

    monkeypatch.setattr(R, "twfe", broken)
    with pytest.raises(AttributeError, match="has no attribute 'estimates'"):
        R.comparators(_panel(), 0.5)


def test_breakdown_not_applicable_when_interval_includes_zero() -> None:
    chk = R.breakdown_check(_event(_panel(effect=0.0)), alpha=0.05, seed=1)
    assert chk.ok and chk.value is None
    assert chk.note.startswith("not applicable: ")


def test_pretrend_check_uses_f_reference_and_reports_failure() -> None:
    chk = R.pretrend_check(_event(_panel()), n_clusters=8)
    assert chk.ok and 0 <= chk.value <= 1
    assert chk.to_dict()["df_denominator"] == 7
    bad = R.pretrend_check(object(), n_clusters=8)
    assert not bad.ok and bad.note.startswith("could not be run: expected an event-study")


def _fits(panel: pd.DataFrame) -> R.RolloutFits:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = aggregate(R.fit_group_time(panel, "not_yet_treated"), "simple").overall_att
    return R.RolloutFits(panel, "not_yet_treated", est)


def test_rollout_fits_linear_shortcuts_match_direct_fits() -> None:
    panel = _panel()
    fits = _fits(panel)
    a = fits.observed[::-1].copy()  # another assignment of the same waves
    fits.component(a, "y")
    fits.component(a, "d_obs")
    before = fits.fits
    e0, s0 = fits.component(a, "y0")  # derived from the two above
    assert fits.fits == before  # no new fit was needed
    direct_e, direct_s = fits._fit(a, fits.y - fits.tau * fits.d_obs)
    assert e0 == pytest.approx(direct_e, abs=1e-10)
    np.testing.assert_allclose(s0, direct_s, atol=1e-10)
    e1, s1 = fits.component(a, "d_a")
    assert e1 == pytest.approx(1.0, abs=1e-8) and np.abs(s1).max() < 1e-8


def test_randomisation_runs_and_states_its_settings() -> None:
    fits = _fits(_panel())
    ri = R.randomization_check(fits, draws=49, alpha=0.05, seed=5)
    assert ri.ok and 0 < ri.value <= 1
    assert "as good as random" in ri.note and ri.detail["seed"] == 5
    assert ri.detail["ci_low"] < fits.tau < ri.detail["ci_high"]


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_the_pretrend_statistic_reads_only_its_window_and_equals_a_full_fit(seed) -> None:
    # the re-assignment statistic estimates only event times -window-1..-2; its value is
    # that of the same Wald test on a full universal-base event study, to the last bit
    panel = _panel(seed=seed)
    rng = np.random.default_rng(seed)
    cohorts = panel.drop_duplicates("cluster").set_index("cluster")["first_treated"]
    for k in range(6):
        moved = dict(zip(cohorts.index, rng.permutation(cohorts.to_numpy()) if k else cohorts,
                         strict=True))
        frame = panel.assign(first_treated=panel["cluster"].map(moved))
        full = R._pretrend_wald(_event(frame), R.BREAKDOWN_WINDOW).statistic
        assert R.pretrend_statistic(frame, "not_yet_treated") == full


def test_rollout_fits_estimate_as_the_headline_from_go_live_cells_only() -> None:
    panel = _panel()
    fits = _fits(panel)
    a = fits.observed[::-1].copy()
    est, sums = fits._fit(a, fits.y)
    frame = panel.assign(first_treated=a[fits.row_cluster].astype("int64"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = aggregate(R.fit_group_time(frame, "not_yet_treated", method=fits.method),
                         "simple")
    assert est == full.overall_att
    np.testing.assert_array_equal(sums, R.cluster_sums(full))
