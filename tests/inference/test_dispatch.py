"""The inference dispatcher: one vocabulary, every row of every aggregation, named fallbacks."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eah_eval.did import aggregate, att_gt
from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.inference import (
    DEFAULT_INFERENCE,
    INFERENCE_METHODS,
    METHOD_DESCRIPTIONS,
    check_method,
    cs_simple_estimator,
    describe_method,
    few_cluster_inference,
    infer,
    infer_many,
    wild_restricted,
)
from eah_eval.inference.dispatch import PRE_TREATMENT_REASON

ALLOWED = "'wcr', 'wild', 'multiplier', 'cr2', 'randomization', 'analytic', 'small_sample_t'"


def _panel(n_clusters: int = 10, seed: int = 0, waves: tuple[int, ...] = (3, 5, 7, 0),
           schools: int = 3, terms: int = 8) -> pd.DataFrame:
    """Staggered panel with the report's column names: schools in clusters, waves by cluster."""
    rng = np.random.default_rng(seed)
    wave = rng.permutation(np.array([waves[c % len(waves)] for c in range(n_clusters)]))
    unit = np.repeat(np.arange(schools * n_clusters), terms)
    cl = unit // schools
    t = np.tile(np.arange(1, terms + 1), schools * n_clusters)
    g = wave[cl]
    d = (g > 0) & (t >= g)
    y = (rng.normal(size=unit.max() + 1)[unit] + 0.1 * t + rng.normal(0, 0.5, n_clusters)[cl]
         + 0.5 * rng.normal(size=(n_clusters, terms))[cl, t - 1] + rng.normal(size=unit.size)
         + 0.4 * d)
    return pd.DataFrame({"unit": unit, "cluster": cl, "period_index": t, "first_treated": g,
                         "y": y, "weight": 1.0 + (unit % 3) / 2,
                         "x": rng.normal(size=unit.max() + 1)[unit]})


def _fit(df: pd.DataFrame, **options: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(df, "y", "unit", "period_index", "first_treated", cluster="cluster",
                      control_group="not_yet_treated", **options)


def _aggs(df: pd.DataFrame, **options: object) -> dict[str, object]:
    gt = _fit(df, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {k: aggregate(gt, k) for k in ("simple", "event", "group", "calendar")}


@pytest.fixture(scope="module")
def council() -> tuple[pd.DataFrame, dict[str, object]]:
    df = _panel()
    return df, _aggs(df)


def test_method_names_validated_with_allowed_values(council: tuple) -> None:
    df, aggs = council
    assert DEFAULT_INFERENCE == "wcr" and set(METHOD_DESCRIPTIONS) == set(INFERENCE_METHODS)
    with pytest.raises(OptionError, match=f"method must be one of {ALLOWED}; got 'bayes'"):
        infer(aggs["simple"], df, method="bayes")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=f"method must be one of {ALLOWED}; got 'WCR'"):
        check_method("WCR")
    with pytest.raises(OptionTypeError, match="method must be a string"):
        check_method(3)
    with pytest.raises(OptionError, match="fallback must be one of 'small_sample_t', "
                                          "'analytic'; got 'wild'"):
        infer(aggs["simple"], df, fallback="wild")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="wild_weights must be one of 'rademacher', "
                                          "'mammen', 'webb'; got 'normal'"):
        infer(aggs["simple"], df, wild_weights="normal")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="'cr2' needs a linear model design"):
        infer(aggs["event"], df, method="cr2")
    with pytest.raises(OptionError, match="level must lie strictly between 0 and 1"):
        infer(aggs["simple"], df, level=95)
    with pytest.raises(OptionError, match="draws must be a positive integer"):
        infer(aggs["simple"], df, draws=0)
    with pytest.raises(OptionError, match="method 'wcr' needs panel"):
        infer(aggs["simple"])
    with pytest.raises(OptionTypeError, match="agg must be an AggregateResult"):
        infer(df, df)  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match="rng must be an int seed"):
        infer(aggs["simple"], df, rng="seven")  # type: ignore[arg-type]


def test_every_event_and_group_row_gets_wcr_or_a_named_fallback(council: tuple) -> None:
    df, aggs = council
    ev = infer(aggs["event"], df, rng=3)
    frame = ev.to_frame()
    assert list(frame.columns) == ["estimate", "ci_low", "ci_high", "p_value", "method",
                                   "fallback_reason"]
    assert frame.index.name == "event_time" and frame.index[-1] == "overall"
    event_times = frame.index[:-1].to_numpy(dtype=float)
    assert (event_times < 0).any() and (event_times >= 0).any()
    post = np.r_[event_times >= 0, True]  # the overall row averages post-treatment rows
    assert (frame["method"][post] == "wcr").all()
    assert (frame["fallback_reason"][post] == "").all()
    assert (frame["method"][~post] == "small_sample_t").all()
    assert (frame["fallback_reason"][~post] == PRE_TREATMENT_REASON).all()
    assert np.isfinite(frame["p_value"].to_numpy(dtype=float)).all()
    assert ((frame["ci_low"] < frame["estimate"]) & (frame["estimate"] < frame["ci_high"])).all()
    # e = 4 and 5 come from wave 3 only: 3 treated and 2 never-treated clusters inform them,
    # so the 2 x 2^5 draws constant on those 5 clusters tie with the sample, p >= 2/2^5 > 0.05
    # at every null and the honest interval is the whole line (exactly, not a rounding end)
    wide = frame.loc[[4, 5]]
    assert (wide["ci_low"] == -np.inf).all() and (wide["ci_high"] == np.inf).all()
    assert (wide["p_value"] >= 2 / 2**5).all() and (wide["method"] == "wcr").all()
    bounded = frame.drop(index=[4, 5])
    assert np.isfinite(bounded[["ci_low", "ci_high"]].to_numpy(dtype=float)).all()
    # the fallback rows are the small-sample t interval of the row (G = 10, t with 9 df)
    se = np.asarray(aggs["event"].analytic_std_errors)[~post[:-1]] * np.sqrt(10 / 9)
    q = stats.t.ppf(0.975, 9)
    est = frame["estimate"][~post].to_numpy(dtype=float)
    np.testing.assert_allclose(frame["ci_low"][~post].to_numpy(dtype=float), est - q * se,
                               rtol=1e-12)
    assert ev.record["fallback_rows"] == int((~post).sum())
    assert "rows use clustered standard error times sqrt(G/(G-1))" in ev.caption()
    gr = infer(aggs["group"], df, rng=3).to_frame()
    assert (gr["method"] == "wcr").all() and (gr["fallback_reason"] == "").all()
    assert gr.index.name == "group" and len(gr) == len(aggs["group"].estimates) + 1
    # the analytic fallback is the normal interval
    ana = infer(aggs["event"], df, rng=3, fallback="analytic").to_frame()
    z = stats.norm.ppf(0.975)
    se_a = np.asarray(aggs["event"].analytic_std_errors)[~post[:-1]]
    np.testing.assert_allclose(ana["ci_high"][~post].to_numpy(dtype=float), est + z * se_a,
                               rtol=1e-12)
    assert (ana["method"][~post] == "analytic").all()
    np.testing.assert_array_equal(ana["ci_low"][post], frame["ci_low"][post])


def test_overall_matches_few_cluster_inference_and_wild_restricted(council: tuple) -> None:
    df, aggs = council
    # 2^10 = 1024 > 999 draws: sampled, so the seed matters
    tab = infer(aggs["simple"], df, draws=999, rng=7)
    fc = few_cluster_inference(aggs["simple"], df, outcome="y", unit="unit",
                               time="period_index", cohort="first_treated", cluster="cluster",
                               method="wcr", draws=999, rng=7)
    one = wild_restricted(
        df, cs_simple_estimator(outcome="y", unit="unit", time="period_index",
                                cohort="first_treated", cluster="cluster",
                                control_group="not_yet_treated"),
        outcome="y", unit="unit", time="period_index", cohort="first_treated",
        cluster="cluster", draws=999, rng=7)
    o = tab.overall
    assert o.method == "wcr" and o.fallback_reason == "" and o.label == "overall"
    assert (o.estimate, o.ci_low, o.ci_high, o.p_value) == (
        fc.estimate, fc.ci_low, fc.ci_high, fc.pvalue)
    assert (o.ci_low, o.ci_high, o.p_value) == (
        float(one.ci_low[0]), float(one.ci_high[0]), float(one.pvalues[0]))
    assert tab.record["seed"] == 7 and tab.record["draws"] == 999
    assert tab.record["enumerated"] is False and fc.record["seed"] == 7
    # the event aggregation's overall row is the same computation on its own rows
    ev = infer(aggs["event"], df, draws=999, rng=7)
    assert ev.overall.estimate == pytest.approx(float(aggs["event"].overall_att), abs=1e-12)


def test_seeded_run_reproduces_bit_for_bit(council: tuple) -> None:
    df, aggs = council
    picks = {k: aggs[k] for k in ("simple", "event", "group")}
    for method in ("wcr", "wild", "multiplier"):
        first = infer_many(picks, df, method=method, draws=199, rng=11)
        second = infer_many(picks, df, method=method, draws=199, rng=11)
        for k in picks:
            pd.testing.assert_frame_equal(first[k].to_frame(), second[k].to_frame(),
                                          check_exact=True)
            assert first[k].record == second[k].record
            assert first[k].record["seed"] == 11
    # a generator is turned into one recorded seed, which reproduces the run
    gen_run = infer(aggs["event"], df, draws=199, rng=np.random.default_rng(5))
    seed = gen_run.record["seed"]
    assert isinstance(seed, int)
    again = infer(aggs["event"], df, draws=199, rng=seed)
    pd.testing.assert_frame_equal(gen_run.to_frame(), again.to_frame(), check_exact=True)


def test_infer_many_equals_infer_row_for_row(council: tuple) -> None:
    df, aggs = council
    many = infer_many(aggs, df, draws=999, rng=2)
    for k, agg in aggs.items():
        alone = infer(agg, df, draws=999, rng=2)
        pd.testing.assert_frame_equal(many[k].to_frame(), alone.to_frame(), check_exact=True)


def test_enumeration_recorded_and_described() -> None:
    df = _panel(n_clusters=8)
    tab = infer(_aggs(df)["simple"], df, rng=1)
    assert tab.record["enumerated"] is True and tab.record["draws"] == 256
    assert tab.record["seed"] is None and tab.record["n_clusters"] == 8
    text = tab.caption()
    assert text.startswith("restricted wild cluster bootstrap (null imposed, Rademacher "
                           "weights, interval by test inversion)")
    assert "all 2^8 = 256 sign patterns; 8 clusters; 95% intervals." in text
    assert tab.record["note"] == text and text in str(tab)
    assert "<p>restricted wild" in tab._repr_html_()


def test_results_are_immutable(council: tuple) -> None:
    df, aggs = council
    tab = infer(aggs["group"], df, method="analytic")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tab.level = 0.9  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        tab.ci_low[0] = 0.0
    with pytest.raises(TypeError):
        tab.record["method"] = "wild"  # type: ignore[index]


def test_analytic_and_small_sample_t_rows(council: tuple) -> None:
    _, aggs = council
    agg = aggs["calendar"]
    frame = infer(agg, method="analytic", level=0.9).to_frame()
    z = stats.norm.ppf(0.95)
    est = np.r_[agg.estimates, agg.overall_att]
    se = np.r_[agg.analytic_std_errors, agg.analytic_overall_se]
    np.testing.assert_allclose(frame["ci_low"].to_numpy(dtype=float), est - z * se, rtol=1e-12)
    np.testing.assert_allclose(frame["p_value"].to_numpy(dtype=float),
                               2 * stats.norm.sf(np.abs(est / se)), rtol=1e-12)
    t = infer(agg, method="small_sample_t")
    assert t.record["df"] == 9 and (t.to_frame()["method"] == "small_sample_t").all()


def test_report_settings_weights_and_universal_base_period() -> None:
    df = _panel(seed=4)
    aggs = _aggs(df, weights="weight", base_period="universal")
    tab = infer(aggs["event"], df, rng=1)
    frame = tab.to_frame()
    assert (frame.loc[[0, "overall"], "method"] == "wcr").all()
    with pytest.raises(OptionError, match="fitted with sampling weights 'weight'"):
        infer(aggs["event"], df, weights="x")


def test_wcr_with_covariates_falls_back_with_the_reason() -> None:
    df = _panel(seed=2)
    aggs = _aggs(df, covariates=["x"], method="reg")
    frame = infer(aggs["group"], df, rng=1).to_frame()
    assert (frame["method"] == "small_sample_t").all()
    assert frame["fallback_reason"].str.contains("without covariates; this fit adjusts for "
                                                 r"\['x'\]").all()
    with pytest.raises(Exception, match="could not be applied to the overall effect"):
        few_cluster_inference(aggs["simple"], df, outcome="y", unit="unit",
                              time="period_index", cohort="first_treated",
                              cluster="cluster", method="wcr")


def test_randomization_rows_and_too_few_assignments() -> None:
    df = _panel(n_clusters=6, waves=(3, 5, 0), seed=5)
    aggs = _aggs(df)
    # 6 clusters in three waves of 2: 6!/(2!2!2!) = 90 assignments, all enumerated
    ev = infer(aggs["event"], df, method="randomization")
    frame = ev.to_frame()
    pre = np.r_[frame.index[:-1].to_numpy(dtype=float) < 0, False]
    assert (frame["method"][~pre] == "randomization").all()
    assert (frame["method"][pre] == "small_sample_t").all()
    assert ev.record["exact"] is True and ev.record["total_assignments"] == 90
    assert "as good as random" in ev.caption()
    # 4 clusters in two waves of 2: 6 assignments, the smallest p-value 1/6 > 0.05
    small = _panel(n_clusters=4, waves=(3, 0), seed=6)
    tab = infer(_aggs(small)["simple"], small, method="randomization")
    assert tab.overall.method == "small_sample_t"
    assert tab.overall.fallback_reason.startswith(
        "only 6 assignments of clusters to waves: the smallest attainable p-value, 1/6, "
        "exceeds 0.05")


def test_panel_must_reproduce_the_aggregation(council: tuple) -> None:
    df, aggs = council
    other = df.assign(y=df["y"] + np.random.default_rng(0).normal(size=len(df)))
    with pytest.raises(OptionError, match="does not reproduce the aggregation's estimates"):
        infer(aggs["simple"], other, rng=1)
    with pytest.raises(OptionError, match="column 'school' not found in panel"):
        infer(aggs["simple"], df, unit="school", rng=1)
    with pytest.raises(OptionError, match="has 10 clusters but column 'unit' of panel"):
        infer(aggs["simple"], df, cluster="unit", rng=1)


def test_describe_method_words_each_record() -> None:
    assert describe_method({"method": "analytic", "n_clusters": 9, "level": 0.9}) == (
        "clustered standard error, normal interval; 9 clusters; 90% intervals.")
    wild = describe_method({"method": "wild", "weights": "webb", "draws": 999,
                            "enumerated": False, "seed": 4, "n_clusters": 12})
    assert wild == ("wild cluster score bootstrap of the influence function (null not imposed, "
                    "Webb weights, percentile-t interval); 999 draws, seed 4; 12 clusters.")
    ri = describe_method({"method": "randomization", "draws": 199, "exact": False,
                          "total_assignments": 113400, "seed": 3, "n_clusters": 10})
    assert "199 of 113400 assignments of clusters to waves sampled, seed 3" in ri
    # a table's record with the method replaced by a row's fallback words that row
    tab_record = {"method": "small_sample_t", "weights": "rademacher", "draws": 1024,
                  "enumerated": True, "seed": None, "n_clusters": 10, "level": 0.95,
                  "fallback": "small_sample_t", "fallback_rows": 5}
    assert describe_method(tab_record) == (
        "clustered standard error times sqrt(G/(G-1)), t interval with G-1 degrees of "
        "freedom; 10 clusters; 95% intervals.")
    with pytest.raises(OptionError, match=r"record\['method'\] must be one of"):
        describe_method({"method": "restricted_wild_bootstrap"})
