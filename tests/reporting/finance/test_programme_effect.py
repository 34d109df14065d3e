"""The programme's effect carried into the money: the impact report's numbers, as a range.

* Estimated here, the effect and the one beside it equal the impact report's later-years
  estimate against other areas and its headline for EHC needs assessment requests per 1,000
  pupils on the same data (one evaluation, one set of numbers).
* Read from an impact report's ``results.json``, it is the estimate the one rule chooses
  (:mod:`eah_eval.reporting.impact.money_effect`) at that report's level; files that cannot
  give a bounded range are refused with a message naming the file.
* The impact report's value-for-money section shows the High Needs Block consequence with
  its range when the finance tables are present.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from eah_eval.reporting.finance.effect import (
    FinanceEffectError,
    effect_from_results,
    estimate_effect,
)
from eah_eval.reporting.finance.params import EFFECT_MEASURE, FinanceReportParams


def _results(path: Path, headline: dict[str, Any], alpha: float = 0.1,
             later: dict[str, Any] | None = None) -> Path:
    res: dict[str, Any] = {"parameters": {"alpha": alpha}, "estimates": {"measures": {
        EFFECT_MEASURE: {"headline": headline, "sample": {"window": ["2024", "2025"]}}}}}
    if later is not None:
        res["external_comparison"] = {"measures": {EFFECT_MEASURE: {"later_years": later}}}
    path.write_text(json.dumps(res))
    return path


LATER = {"estimate": -1.2, "ci_low": -2.1, "ci_high": -0.3, "flag": "",
         "window": ["2026", "2028"], "method": "synthetic difference-in-differences"}


def test_effect_read_from_impact_results(tmp_path: Path) -> None:
    f = _results(tmp_path / "results.json", {"estimate": -1.5, "ci_low": -2.4, "ci_high": -0.6,
                                              "method_text": "wild", "flag": ""})
    e = effect_from_results(f)
    assert (e.estimate, e.ci_low, e.ci_high) == (-1.5, -2.4, -0.6)
    assert e.level == pytest.approx(0.9) and e.clear and e.origin == "impact_results"
    # no comparison with other areas in the file: the council's own estimate, alone
    assert e.basis == "internal" and e.alternative is None
    assert e.choice.window == ("2024", "2025") and e.method_text == "wild"


def test_effect_read_from_impact_results_carries_the_later_years(tmp_path: Path) -> None:
    f = _results(tmp_path / "results.json", {"estimate": 0.1, "ci_low": -2.6, "ci_high": 2.9,
                                              "method_text": "wild", "flag": ""}, later=LATER)
    e = effect_from_results(f)
    assert (e.basis, e.estimate, e.ci_low, e.ci_high) == ("later_years", -1.2, -2.1, -0.3)
    assert e.choice.window == ("2026", "2028") and "every cluster was live" in e.choice.label
    assert e.method_text == "synthetic difference-in-differences" and e.level == 0.9
    assert e.alternative is not None and e.alternative.basis == "internal"
    assert e.alternative.estimate == 0.1 and not e.alternative.clear
    d = e.to_dict()
    assert d["basis"] == "later_years" and d["alternative"]["basis"] == "internal"
    own = effect_from_results(f, "internal")
    assert own.basis == "internal" and own.estimate == 0.1 and own.alternative.estimate == -1.2


def test_later_years_asked_for_but_not_in_the_file(tmp_path: Path) -> None:
    f = _results(tmp_path / "results.json", {"estimate": 0.1, "ci_low": -2.6, "ci_high": 2.9,
                                              "flag": ""},
                 later={"unavailable": "the national panel has no period after 2025"})
    with pytest.raises(FinanceEffectError,
                       match=r"effect_basis is 'later_years', but .* cannot be carried into the "
                             r"money: the national panel has no period after 2025"):
        effect_from_results(f, "later_years")
    assert effect_from_results(f).basis == "internal"


@pytest.mark.parametrize(("headline", "match"), [
    ({"estimate": 0.1, "ci_low": None, "ci_high": 2.0, "flag": ""}, "range is not bounded"),
    ({"estimate": 0.1, "ci_low": 0.5, "ci_high": 2.0, "flag": ""}, "lies outside its range"),
    ({"estimate": None, "ci_low": None, "ci_high": None, "flag": "c"}, "is not shown"),
])
def test_effect_refused_when_not_a_bounded_range(tmp_path: Path, headline, match) -> None:
    f = _results(tmp_path / "results.json", headline)
    with pytest.raises(FinanceEffectError, match=match):
        effect_from_results(f)


def test_impact_results_without_the_measure_or_missing(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"estimates": {"measures": {}}}))
    with pytest.raises(FinanceEffectError, match=r"r\.json holds no estimate for "
                                                 "'ehc_requests_per_1000'"):
        effect_from_results(f)
    with pytest.raises(FinanceEffectError, match="impact results file not found"):
        effect_from_results(tmp_path / "nope.json")
    f.write_text("{not json")
    with pytest.raises(FinanceEffectError, match="is not JSON"):
        effect_from_results(f)


@pytest.mark.slow
def test_estimated_effect_is_the_impact_reports_estimates(demo) -> None:
    _, results, data = demo
    head = results["estimates"]["measures"][EFFECT_MEASURE]["headline"]
    later = results["external_comparison"]["measures"][EFFECT_MEASURE]["later_years"]
    e = estimate_effect(FinanceReportParams(data=str(data)))
    # same panels, estimators, inference methods, draws and seeds: the same numbers
    assert e.basis == "later_years" and e.choice.window == tuple(later["window"])
    assert e.estimate == pytest.approx(later["estimate"], rel=1e-12)
    assert e.ci_low == pytest.approx(later["ci_low"], rel=1e-9)
    assert e.ci_high == pytest.approx(later["ci_high"], rel=1e-9)
    assert e.method_text == later["method"]
    other = e.alternative
    assert other is not None and other.basis == "internal"
    assert other.estimate == pytest.approx(head["estimate"], rel=1e-12)
    assert other.ci_low == pytest.approx(head["ci_low"], rel=1e-9)
    assert other.ci_high == pytest.approx(head["ci_high"], rel=1e-9)
    assert other.method_text == head["method_text"]
    # the impact report's High Needs Block paragraph carries the same estimate
    hn = results["estimates"]["value_for_money"]["high_needs"]
    assert hn["effect"]["basis"] == "later_years"
    assert hn["effect"]["estimate"] == pytest.approx(e.estimate, rel=1e-12)
    assert hn["alternative"]["effect"]["estimate"] == pytest.approx(other.estimate, rel=1e-12)


@pytest.mark.slow
def test_impact_report_shows_the_high_needs_block_consequence(demo) -> None:
    report, results, _ = demo
    hn = results["estimates"]["value_for_money"]["high_needs"]
    assert "unavailable" not in hn, hn.get("unavailable")
    for key in ("spend_avoided_last_year_gbp", "spend_avoided_total_gbp", "dsg_with_gbp",
                "dsg_without_gbp", "dsg_difference_gbp"):
        iv = hn[key]
        assert iv["ci_low"] <= iv["median"] <= iv["ci_high"], key
        assert iv["ci_low"] < iv["ci_high"], key  # a range, never a point
    text = html.unescape(re.sub(r"<[^>]+>", "", report.section("vfm").html))
    assert "High Needs Block consequence" in text
    last = hn["last_year"]
    assert f"High-needs spend in {last}-{(last + 1) % 100:02d} with the programme:" in text
    assert re.search(r"Cumulative Dedicated Schools Grant \(DSG\) position at the end of "
                     r"\d{4}-\d{2}: -?£[\d.,]+ million \(95% range", text)
    assert ("The estimate carried is the council against other authorities that had not "
            "started, in the years when every cluster was live, 2026 to 2028") in text
    assert "On the other estimate, the council's own rollout" in text


def test_high_needs_consequence_says_why_without_finance_tables(tmp_path: Path) -> None:
    from tiny_council import write_tiny_council

    from eah_eval.reporting.glossary import code_identifiers
    from eah_eval.reporting.impact.high_needs import evaluate_high_needs
    from eah_eval.reporting.impact.inputs import load_inputs
    from eah_eval.reporting.impact.params import ReportParams

    inputs = load_inputs(ReportParams(data=str(write_tiny_council(tmp_path / "data"))))
    out = evaluate_high_needs(inputs, {}, {})
    assert set(out) == {"unavailable"}
    assert "the education, health and care plan caseload" in out["unavailable"]
    assert code_identifiers(f"<p>{out['unavailable']}</p>") == []  # words for a board
