"""Parity with R did 2.5 (Callaway and Sant'Anna) on every scenario in shared/reference/r_did.

Tolerances (from the reference README): point estimates and analytic SEs 1e-6 absolute; Wald
statistic 1e-5; the Wald p-value is printed by R to 5 digits, so it is compared within 1e-5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import aggregate, att_gt
from reference_data import reference_dir

# tests/did_core/<this file> -> repository -> its parent holds shared/
REF = reference_dir() / "r_did"
pytestmark = pytest.mark.skipif(not (REF / "ref_attgt.csv").is_file(),
                                reason=f"R did reference files not found at {REF}")

SCENARIOS = {
    "mpdta_nev_dr": ("mpdta", "lemp", {"method": "dr"}),
    "mpdta_nyt_dr": ("mpdta", "lemp", {"method": "dr", "control_group": "not_yet_treated"}),
    "mpdta_nev_reg_cov": ("mpdta", "lemp", {"method": "reg", "covariates": ["lpop"]}),
    "mpdta_nev_ipw": ("mpdta", "lemp", {"method": "ipw"}),
    "sim_nev_dr": ("sim", "Y", {"method": "dr", "covariates": ["X"]}),
}
KIND = {"simple": "simple", "group": "group", "dynamic": "event", "calendar": "calendar"}


def _fit(scenario: str):
    data, outcome, opts = SCENARIOS[scenario]
    if data == "mpdta":
        df = pd.read_csv(REF / "mpdta.csv")
        return att_gt(df, outcome, "countyreal", "year", "first.treat", **opts)
    df = pd.read_csv(REF / "sim_data.csv")
    return att_gt(df, outcome, "id", "period", "G", **opts)


def test_every_reference_scenario_is_covered():
    ref = pd.read_csv(REF / "ref_attgt.csv")
    assert set(ref["scenario"]) == set(SCENARIOS)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_att_gt_and_se(scenario):
    ref = pd.read_csv(REF / "ref_attgt.csv")
    ref = ref[ref["scenario"] == scenario]
    got = _fit(scenario).to_frame()
    merged = got.merge(ref, left_on=["group", "time"], right_on=["group", "t"],
                       validate="one_to_one")
    assert len(merged) == len(ref) == len(got)
    np.testing.assert_allclose(merged["estimate"], merged["att"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(merged["std_error"], merged["se"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_wald_pretest(scenario):
    ref = pd.read_csv(REF / "ref_pretest.csv").set_index("scenario").loc[scenario]
    pre = _fit(scenario).pretest
    assert abs(pre.statistic - ref["W"]) < 1e-5
    assert abs(pre.pvalue - ref["Wpval"]) < 1e-5


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("r_type", list(KIND))
def test_aggregations(scenario, r_type):
    ref = pd.read_csv(REF / "ref_aggte.csv")
    ref = ref[(ref["scenario"] == scenario) & (ref["type"] == r_type)]
    agg = aggregate(_fit(scenario), KIND[r_type])
    assert abs(agg.overall_att - ref["overall_att"].iloc[0]) < 1e-6
    assert abs(agg.overall_se - ref["overall_se"].iloc[0]) < 1e-6
    if r_type == "simple":
        return
    frame = agg.to_frame()
    by = frame.columns[0]
    merged = frame.merge(ref, left_on=by, right_on="egt", validate="one_to_one")
    assert len(merged) == len(ref) == len(frame)
    np.testing.assert_allclose(merged["estimate"], merged["att_egt"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(merged["std_error"], merged["se_egt"], rtol=0, atol=1e-6)
