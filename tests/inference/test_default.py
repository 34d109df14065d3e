"""The few-cluster default: one constant, one function, records."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import eah_eval.inference as inf
from eah_eval.did import aggregate, att_gt, imputation
from eah_eval.errors import EstimationWarning, OptionError
from eah_eval.inference.default import few_cluster_inference


def _council(seed: int, n_clusters: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    waves = rng.permutation(np.array([(3, 5, 0)[c % 3] for c in range(n_clusters)]))
    unit = np.repeat(np.arange(3 * n_clusters), 6)
    cl, t = unit // 3, np.tile(np.arange(1, 7), 3 * n_clusters)
    g = waves[cl]
    y = (rng.normal(size=unit.max() + 1)[unit] + rng.normal(size=n_clusters)[cl] + 0.1 * t
         + rng.normal(size=unit.size) + 0.3 * ((g > 0) & (t >= g)))
    return pd.DataFrame({"unit": unit, "cl": cl, "t": t, "g": g, "y": y})


def _fits(df: pd.DataFrame) -> tuple[object, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = imputation(df, "y", "unit", "t", "g", cluster="cl")
        cs = aggregate(att_gt(df, "y", "unit", "t", "g", cluster="cl",
                              control_group="not_yet_treated"), "simple")
    return imp, cs


def test_constant_is_exported_and_valid() -> None:
    assert inf.DEFAULT_FEW_CLUSTER_INFERENCE == inf.DEFAULT_INFERENCE == "wcr"
    assert inf.DEFAULT_INFERENCE in inf.INFERENCE_METHODS
    assert set(inf.IMPUTATION_METHODS) <= set(inf.INFERENCE_METHODS)
    assert inf.DEFAULT_FEW_CLUSTER_ESTIMATOR in ("imputation", "callaway_santanna")
    assert inf.few_cluster_inference is few_cluster_inference


def test_default_on_imputation_records_everything() -> None:
    df = _council(1)
    imp, _ = _fits(df)
    res = few_cluster_inference(imp, df, outcome="y", unit="unit", time="t", rng=3)
    direct = inf.wild_imputation_restricted(imp, df, outcome="y", unit="unit", time="t",
                                            draws=9999, rng=3)
    assert res.record["method"] == inf.DEFAULT_FEW_CLUSTER_INFERENCE
    if res.record["method"] == "wcr":
        assert (res.ci_low, res.ci_high, res.pvalue) == pytest.approx(
            (direct.ci_low[0], direct.ci_high[0], direct.pvalues[0]))
        assert res.record["enumerated"] and res.record["draws"] == 256
    info = res.info()
    assert {"method", "estimator", "weights", "draws", "seed", "n_clusters"} <= set(info)
    assert info["n_clusters"] == 8
    assert res.ci_low < res.estimate < res.ci_high
    assert "interval" in str(res)


def test_small_sample_t_and_cr2_and_analytic() -> None:
    df = _council(2)
    imp, cs = _fits(df)
    r = few_cluster_inference(cs, method="small_sample_t")
    se = cs.analytic_overall_se * math.sqrt(8 / 7)
    q = stats.t.ppf(0.975, 7)
    assert (r.ci_low, r.ci_high) == pytest.approx((cs.overall_att - q * se,
                                                    cs.overall_att + q * se))
    assert r.record["df"] == 7
    a = few_cluster_inference(imp, method="analytic", level=0.9)
    z = stats.norm.ppf(0.95)
    assert a.ci_high - a.ci_low == pytest.approx(2 * z * imp.overall.std_errors[0])
    c = few_cluster_inference(imp, df, outcome="y", unit="unit", time="t", method="cr2")
    assert c.record["df"] > 0 and c.ci_low < c.estimate < c.ci_high


def test_wcr_on_cs_simple_uses_recorded_options() -> None:
    df = _council(4)
    _, cs = _fits(df)
    r = few_cluster_inference(cs, df, outcome="y", unit="unit", time="t", cohort="g",
                              cluster="cl", method="wcr", draws=999, rng=1)
    assert r.estimate == pytest.approx(cs.overall_att)
    assert r.ci_low < r.estimate < r.ci_high and r.record["weights"] == "rademacher"
    assert "not_yet_treated" in r.record["estimator"]


def test_errors() -> None:
    df = _council(5)
    imp, cs = _fits(df)
    with pytest.raises(OptionError, match="method"):
        few_cluster_inference(imp, method="bootstrap")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="needs data, outcome"):
        few_cluster_inference(imp, method="wcr")
    with pytest.raises(OptionError, match="cohort, cluster"):
        few_cluster_inference(cs, df, outcome="y", unit="unit", time="t", method="wcr")
    with pytest.raises(OptionError, match="imputation estimator"):
        few_cluster_inference(cs, df, outcome="y", unit="unit", time="t", method="cr2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = aggregate(att_gt(df, "y", "unit", "t", "g", cluster="cl"), "event")
    with pytest.raises(OptionError, match="simple"):
        few_cluster_inference(ev, method="analytic")


def test_never_treated_comparison_warns() -> None:
    df = _council(6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cs_nt = aggregate(att_gt(df, "y", "unit", "t", "g", cluster="cl",
                                 control_group="never_treated"), "simple")
    with pytest.warns(EstimationWarning, match="not-yet-treated"):
        few_cluster_inference(cs_nt, method="small_sample_t")


def test_one_vocabulary_and_the_note() -> None:
    df = _council(7)
    imp, cs = _fits(df)
    with pytest.raises(OptionError, match="method for an imputation fit must be one of 'wcr', "
                                          "'cr2', 'small_sample_t', 'analytic', 'wild'; got "
                                          "'multiplier'"):
        few_cluster_inference(imp, method="multiplier")
    w = few_cluster_inference(imp, method="wild", draws=999, rng=2)
    direct = inf.wild_imputation(imp, draws=999, rng=2)
    assert (w.ci_low, w.ci_high, w.pvalue) == (direct.ci_low[0], direct.ci_high[0],
                                               direct.pvalues[0])
    assert w.record["note"] == inf.describe_method(w.record)
    assert w.record["note"].startswith("wild cluster score bootstrap")
    # a CS simple aggregation goes through the dispatcher: identical numbers
    m = few_cluster_inference(cs, method="multiplier", draws=199, rng=4)
    tab = inf.infer(cs, method="multiplier", draws=199, rng=4)
    assert (m.ci_low, m.ci_high, m.pvalue) == (tab.overall.ci_low, tab.overall.ci_high,
                                               tab.overall.p_value)
    assert m.record["seed"] == 4 and m.record["method"] == "multiplier"
