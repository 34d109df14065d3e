"""The impact report's estimate of EHC requests per 1,000 is unbiased for the truth's estimand.

The report estimates ``ehc_requests_per_1000`` on calendar years (SEN2's grain) with clusters
not yet started as the comparison. A September go-live leaves the go-live calendar year partly
treated, and the report's next-full-period rule uses that year as untreated (its cohort's base
period, a comparison for earlier cohorts), so the estimator targets the truth's ``estimand``
(``alternative_grains.calendar_year.estimand.effect``), not ``simple`` (every post-go-live
cell, including those after the last wave started, which have no comparison).

The multi-seed check is a Monte-Carlo statement: the mean over councils of (estimate -
estimand) must lie within three Monte-Carlo standard errors of zero. Request counts are
Bernoulli draws around the generator's expected rates and the estimator is linear in the
outcome, so the count noise has mean zero exactly; the bound is not a tuned tolerance.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pytest

from eah_eval.data.synthetic import make_council
from eah_eval.did import aggregate
from eah_eval.measures import open_tables, rollout_panel
from eah_eval.measures.programme import ProgrammeScope
from eah_eval.reporting.impact import robustness
from eah_eval.reporting.impact.params import ReportParams

MEASURE = "ehc_requests_per_1000"


def _default(name: str) -> Any:
    return {f.name: f.default for f in dataclasses.fields(ReportParams)}[name]


def _report_estimate(seed: int) -> tuple[float, dict[str, Any]]:
    """The report's headline point estimate for one council and the truth on its grain."""
    council = make_council(seed)
    panel = rollout_panel(open_tables(council), MEASURE, level=_default("level"),
                          mid_period_rule=_default("mid_period_rule"), scope=ProgrammeScope())
    assert panel.attrs["period"] == "calendar_year"
    gt = robustness.fit_group_time(panel, _default("comparison_group"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = aggregate(gt, "simple").overall_att
    truth = council.truth["measures"][MEASURE]["alternative_grains"]["calendar_year"]
    return float(est), truth


def test_estimand_records_the_partly_treated_go_live_year() -> None:
    council = make_council(1, small=True)
    block = council.truth["measures"][MEASURE]
    for name, m in council.truth["measures"].items():
        # go-lives are term and academic-year starts: nothing falls in an untreated period
        assert m["estimand"]["offset"] == 0.0, name
        assert m["estimand"]["effect"] == m["estimand"]["effect_in_treated_cells"], name
    cal = block["alternative_grains"]["calendar_year"]["estimand"]
    # September to December of the go-live year is treated but used as untreated: a fall in
    # requests there is subtracted, so the estimand is smaller in size than the treated cells'
    assert cal["offset"] > 0
    assert cal["effect"] == pytest.approx(cal["effect_in_treated_cells"] + cal["offset"],
                                          abs=1e-7)
    assert cal["effect_in_treated_cells"] < cal["effect"] < 0
    null = make_council(1, small=True, effects={})
    est0 = null.truth["measures"][MEASURE]["alternative_grains"]["calendar_year"]["estimand"]
    assert est0["effect"] == 0.0 and est0["offset"] == 0.0


@pytest.mark.slow
def test_report_estimate_of_ehc_requests_is_unbiased_for_the_estimand() -> None:
    # 60 consecutive seeds (about 2 minutes): the per-council standard deviation of the
    # estimate is about 1 request per 1,000, so the Monte-Carlo standard error is about 0.13
    seeds = range(1, 61)
    diffs = []
    for seed in seeds:
        est, truth = _report_estimate(seed)
        estimand = truth["estimand"]
        # a real (negative) effect, smaller in size than the average over every treated cell
        assert float(truth["simple"]) < float(estimand["effect_in_treated_cells"]) \
            < float(estimand["effect"]) < 0, (seed, truth["simple"], estimand)
        diffs.append(est - float(estimand["effect"]))
    d = np.asarray(diffs)
    mc_se = float(d.std(ddof=1) / np.sqrt(len(d)))
    assert abs(d.mean()) < 3 * mc_se, (d.mean(), mc_se)
