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
