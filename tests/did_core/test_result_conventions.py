"""Result conventions: short reprs, to_frame() and _repr_html_ on every result, R's names."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import aggregate, att_gt
from eah_eval.errors import OptionError
from eah_eval.inference.cr2 import ContrastTest
from eah_eval.inference.randomization import RandomizationResult, RandomizationTable
from eah_eval.sensitivity import PowerResult, honest_did, pretrend_test


@pytest.fixture
def gt(panel_maker):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(panel_maker(n_units=3000), "y", "id", "t", "g", cluster="cl")


def test_group_time_and_aggregate_reprs_are_short(gt):
    assert gt.influence.size > 10_000  # the matrix that made the dataclass repr huge
    for res in (gt, aggregate(gt, "event")):
        text = repr(res)
        assert len(text) < 200
        assert type(res).__name__ in text and f"{len(res.table)} rows" in text
    assert "ATT" in str(gt)  # printing still shows the table


def test_dynamic_is_r_dids_name_for_the_event_study(gt):
    dynamic, event = aggregate(gt, "dynamic"), aggregate(gt, "event")
    assert dynamic.kind == "event"
    pd.testing.assert_frame_equal(dynamic.to_frame(), event.to_frame())


def test_unknown_aggregation_lists_the_names_accepted(gt):
    with pytest.raises(OptionError, match=r"kind must be one of .*'calendar', 'dynamic'.*'dyn'"):
        aggregate(gt, "dyn")


def _html_shows(res, frame: pd.DataFrame) -> None:
    html = res._repr_html_()
    assert html.startswith(f"<p><strong>{type(res).__name__}</strong></p>")
    for column in frame.columns:
        assert str(column) in html


def test_inference_results_have_a_frame_and_html():
    one = RandomizationResult(estimate=1.5, null=0.0, pvalue=0.04, ci_low=0.2, ci_high=2.8,
                              level=0.95, n_assignments=999, total_assignments=5000,
                              exact=False, seed=7, n_clusters=10)
    frame = one.to_frame()
    assert frame.loc[0, "p_value"] == 0.04 and frame.loc[0, "seed"] == 7
    assert {"estimate", "ci_low", "ci_high", "n_assignments"} <= set(frame.columns)
    _html_shows(one, frame)

    many = RandomizationTable(estimates=np.array([1.0, 2.0]), null=0.0,
                              pvalues=np.array([0.5, 0.01]), ci_low=np.array([-1.0, 0.5]),
                              ci_high=np.array([3.0, 3.5]), level=0.95, n_assignments=99,
                              total_assignments=99, exact=True, seed=None, n_clusters=8)
    assert list(many.to_frame().columns) == ["estimate", "ci_low", "ci_high", "p_value"]
    assert len(many.to_frame()) == 2
    _html_shows(many, many.to_frame())

    test = ContrastTest(estimate=0.3, std_error=0.1, df=7.5, statistic=3.0, pvalue=0.02,
                        null=0.0, vcov_type="CR2", n_clusters=9)
    assert test.to_frame().loc[0, "df"] == 7.5
    _html_shows(test, test.to_frame())


def test_sensitivity_results_have_a_frame_and_html():
    pre = pretrend_test(np.array([0.1, -0.2]), np.eye(2) * 0.04, names=["e=-3", "e=-2"])
    assert {"statistic", "df", "p_value"} <= set(pre.to_frame().columns)
    _html_shows(pre, pre.to_frame())

    table = pd.DataFrame({"effect": [0.5, 1.0], "power": [0.3, 0.8], "mc_se": [0.02, 0.01]})
    power = PowerResult(table=table, mde=1.0, target_power=0.8, alpha=0.05, n_sims=100,
                        seed=3, waves=(1, 2), n_clusters=8)
    pd.testing.assert_frame_equal(power.to_frame(), table)
    _html_shows(power, table)

    sigma = np.diag([0.01, 0.01, 0.02])
    honest = honest_did(np.array([0.05, -0.02, 0.6]), sigma, num_pre_periods=2,
                        num_post_periods=1, restriction="smoothness", m_values=[0.0, 0.1])
    _html_shows(honest, honest.to_frame())
    assert "ci_low" in honest._repr_html_()


# ------------------------------------------------------------------ one naming of intervals
def _result_classes():
    """Every dataclass the estimation, inference, sensitivity, finance and report layers export."""
    import dataclasses
    import importlib

    modules = ["eah_eval.did", "eah_eval.inference", "eah_eval.sensitivity",
               "eah_eval.finance.results", "eah_eval.reporting.impact.model",
               "eah_eval.reporting.monitoring.model"]
    for name in modules:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", dir(module)):
            obj = getattr(module, attr)
            if isinstance(obj, type) and dataclasses.is_dataclass(obj):
                yield f"{name}.{attr}", obj


def test_no_result_field_spells_an_interval_the_old_way():
    import dataclasses

    from interval_names import is_old_interval_name

    classes = dict(_result_classes())
    assert {"eah_eval.did.AggregateResult", "eah_eval.inference.InferenceTable",
            "eah_eval.sensitivity.HonestDiDResult",
            "eah_eval.reporting.impact.model.Estimate"} <= set(classes)
    old = [f"{name}.{f.name}" for name, cls in classes.items()
           for f in dataclasses.fields(cls) if is_old_interval_name(f.name)]
    assert old == []


def test_the_finder_knows_the_old_spellings():
    from interval_names import old_interval_names

    old = {"ci_low_pointwise": 1, "ci_lower": 1, "value_ci_upper_gbp": 1, "lower": 1,
           "hi": 1, "low": 1, "ci_lo": 1}
    assert len(old_interval_names(old)) == len(old)
    new = {"ci_low": 1, "ci_high": 1, "ci_low_simultaneous": 1, "value_ci_low_gbp": 1,
           "level": 0.95, "slope": 1, "follow": 1, "highlight": 1, "direction": "lower"}
    assert old_interval_names(new) == []
    # a control chart's process limits are not an interval of an estimate
    assert old_interval_names({"points": [{"centre": 1, "lower": 0, "upper": 2}]}) == []


def test_frames_of_every_estimator_and_inference_result_use_one_interval_naming(panel_maker):
    from eah_eval.did import imputation, sun_abraham, synthdid, twfe
    from eah_eval.inference import few_cluster_inference, infer, wild_aggregate
    from interval_names import old_interval_names

    df = panel_maker(n_units=300, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(df, "y", "id", "t", "g", cluster="cl").with_bootstrap(99, rng=1)
        event = aggregate(gt, "event").with_bootstrap(99, rng=1)
        results = {
            "att_gt": gt, "event": event, "event.overall": event.overall,
            "twfe": twfe(df, "y", "id", "t", "g", cluster="cl"),
            "sun_abraham": sun_abraham(df, "y", "id", "t", "g", cluster="cl"),
            "imputation": imputation(df, "y", "id", "t", "g", cluster="cl"),
            "infer": infer(event, method="multiplier", draws=99, rng=1),
            "wild": wild_aggregate(aggregate(gt, "simple"), draws=99, rng=1),
            "few_cluster": few_cluster_inference(aggregate(gt, "simple"), df, outcome="y",
                                                 unit="id", time="t", cohort="g",
                                                 cluster="cl", draws=99, rng=1),
            "honest": honest_did(np.array([0.05, -0.02, 0.6]), np.diag([0.01, 0.01, 0.02]),
                                 num_pre_periods=2, num_post_periods=1,
                                 restriction="smoothness", m_values=[0.0, 0.1]),
        }
    areas = pd.DataFrame({"area": np.repeat(np.arange(8), 6), "year": np.tile(np.arange(6), 8)})
    areas["treated"] = ((areas["area"] == 0) & (areas["year"] >= 4)).astype(int)
    areas["y"] = 0.3 * areas["year"] + areas["area"] + np.sin(areas["area"] + areas["year"])
    sdid = synthdid(areas, "y", "area", "year", "treated", placebo=5, rng=2)
    found: list[str] = []
    for name, res in results.items():
        frame = res.to_frame()
        assert len(frame.columns) > 1, name
        found += old_interval_names(frame, name)
    frame = gt.to_frame()
    assert {"ci_low", "ci_high", "ci_low_simultaneous", "ci_high_simultaneous"} <= set(frame)
    found += old_interval_names(sdid.to_frame(), "synthdid")
    found += old_interval_names(sdid.event_effects, "synthdid.event_effects")
    found += old_interval_names(sdid.to_dict(), "synthdid.to_dict")
    assert {"ci_low", "ci_high"} <= set(sdid.event_effects.columns)
    assert found == []
