"""The finance report rendered from a projection of known draws: numbers, disclosure, words.

The projection (``known_projection.py``) is made of seeded draws around stated medians, so
every summary the report prints can be checked against the draws it came from.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from disclosure_scan import count_cells, small_numbers
from known_projection import known_evaluation, known_projection

from eah_eval.finance import payback
from eah_eval.finance.states import fy_label
from eah_eval.reporting.document import jsonable
from eah_eval.reporting.finance.build import SECTION_IDS, report_from_evaluation
from eah_eval.reporting.finance.model import Interval, at_level, fan
from eah_eval.reporting.finance.words import year_words
from eah_eval.reporting.glossary import code_identifiers
from eah_eval.reporting.narrative import money_millions


@pytest.fixture(scope="module")
def report():
    return report_from_evaluation(known_evaluation())


def test_headline_numbers_are_the_draws_summaries(report) -> None:
    proj = known_projection()
    h = report.results["headline"]
    w, wo = proj.scenarios["with"], proj.scenarios["without"]
    assert h["plans_without"]["median"] == round(float(np.median(wo.plans[:, -1])))
    lo, hi = np.quantile(wo.plans[:, -1] - w.plans[:, -1], [0.025, 0.975])
    assert h["plans_avoided"]["ci_low"] == round(lo) and h["plans_avoided"]["ci_high"] == round(hi)
    gap = (wo.spend_gbp - w.spend_gbp).sum(axis=1)
    assert h["spend_avoided_cumulative_gbp"]["median"] == pytest.approx(np.median(gap))
    # the DSG difference is the cumulative net saving, draw by draw (same opening and income)
    assert h["dsg_difference_gbp"]["median"] == pytest.approx(
        h["net_saving_cumulative_gbp"]["median"])
    assert h["programme_cost_total_gbp"] == pytest.approx(7_500_000.0)


def test_fan_holds_nested_ranges_around_the_median() -> None:
    draws = np.random.default_rng(3).normal(100, 10, size=(2000, 4))
    f = fan(draws, (2027, 2028, 2029, 2030))
    assert sorted(set(f["level"])) == [0.5, 0.8, 0.95] and len(f) == 12
    for a, b in ((0.5, 0.8), (0.8, 0.95)):
        inner, outer = at_level(f, a), at_level(f, b)
        assert list(inner["year"]) == [2027, 2028, 2029, 2030]
        assert (outer["ci_low"] <= inner["ci_low"]).all()
        assert (inner["ci_high"] <= outer["ci_high"]).all()
    assert np.allclose(at_level(f, 0.8)["median"], np.median(draws, axis=0))
    assert np.allclose(at_level(f, 0.95)["ci_low"], np.quantile(draws, 0.025, axis=0))
    iv = Interval.of(draws[:, 0])
    assert iv.ci_low == pytest.approx(np.quantile(draws[:, 0], 0.025))


def test_results_carry_backtest_payback_and_every_section(report) -> None:
    res = report.results
    assert [b["horizon"] for b in res["backtest"]] == [1, 2, 3]
    for b in res["backtest"]:
        assert {"mape_model", "mape_naive", "spend_mape_model", "spend_mape_naive"} <= set(b)
    pay = payback(known_projection())
    assert res["payback"]["median"] == pay.payback.median
    assert res["breakeven"]["ci_high"] == pay.breakeven.ci_high
    assert res["status"] == "complete" and res["sections_unavailable"] == []
    html = report.html()
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in html, sid


def test_small_placement_counts_are_suppressed_with_their_complements(report) -> None:
    values, flags = report.evaluation.placement["without"]
    # "other" holds 0.2% of about 2,500 plans: below 10, hidden, and one more cell per year
    assert (flags.loc["other"].drop("Total") != "").all()
    for year in values.columns:
        assert int((flags[year] != "").sum()) >= 2 or flags[year].eq("").all()
    html = report.html()
    leaks = [(c, small_numbers(c, 10)) for c in count_cells(html) if small_numbers(c, 10)]
    assert count_cells(html) and leaks == []
    written = json.loads(json.dumps(jsonable(report.results)))  # as results.json holds it
    rows = written["projection"]["scenarios"]["without"]["placement_mix"]
    shown = [r["plans"] for r in rows if r["flag"] == ""]
    assert all(v == 0 or v >= 10 for v in shown)
    assert all(r["plans"] is None for r in rows if r["flag"])


def test_board_words_no_code_names_and_charts_with_text_equivalents(report) -> None:
    html = report.html()
    assert code_identifiers(html) == []
    assert html.count("<img ") == 3
    assert html.count("Two fan charts of") == 3  # alt text
    assert html.count("80% range</th>") >= 6  # the table after each chart
    assert "Dedicated Schools Grant (<abbr" in html  # DSG expanded at first use
    assert "£ million" in html


def test_year_words_say_when_a_year_never_comes() -> None:
    r = {"median": None, "ci_low": 2030, "ci_high": None, "level": 0.95, "share_never": 0.62}
    assert year_words(r, 2031) == "not within the projected years (to 2031-32) in 62% of draws"
    r = {"median": 2029, "ci_low": 2028, "ci_high": None, "level": 0.95, "share_never": 0.1}
    assert year_words(r, 2031) == ("2029-30 (95% range 2028-29 to after 2031-32); not within "
                                   "the projected years in 10% of draws")
    assert fy_label(2029) == "2029-30" and money_millions(-2_340_000) == "-£2.3 million"
