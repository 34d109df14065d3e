"""Known truth on the synthetic council: a -1 point absence effect from go-live is recovered."""

from __future__ import annotations

import warnings

import pytest

from eah_eval.did import aggregate, att_gt


@pytest.mark.slow
def test_recovers_absence_effect_on_synthetic_council():
    synthetic = pytest.importorskip("eah_eval.data.synthetic")
    panel_mod = pytest.importorskip("eah_eval.measures.panel")
    council = synthetic.make_council(
        seed=7, effects={"absence_overall_pct": {"size": -1.0, "ramp_terms": 1}})
    panel = panel_mod.rollout_panel(council, "absence_overall_pct")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(panel, "y", "unit", "period_index", "first_treated", cluster="cluster",
                    weights="weight", control_group="not_yet_treated")
    simple = aggregate(gt, "simple")
    # the effect acts on mainstream schools; the few special schools in live clusters add 0
    assert abs(simple.overall_att - (-1.0)) < 3 * simple.overall_se
    assert simple.overall_att < 0 and simple.overall_att + 1.96 * simple.overall_se < 0
    event = aggregate(gt, "event", min_e=0, max_e=3)
    for est, se in zip(event.estimates, event.std_errors, strict=True):
        assert abs(est - (-1.0)) < 3.5 * se
