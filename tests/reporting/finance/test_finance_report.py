"""The finance report end to end on the demo council: ``eah-eval finance`` writes it once.

Checks the issue's definition of done on the written files: fan charts with their text
equivalents, breakeven and payback, the back-test against the naive trend one to three years
ahead, the disclosure scan, plain words for a board and axe-core; and that bad parameters
stop before any kernel starts, and that missing finance tables make a report that says why.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from disclosure_scan import count_cells, small_numbers
from tiny_council import write_tiny_council

from eah_eval.cli import main
from eah_eval.reporting.accessibility import check_accessibility, find_axe, find_chromium
from eah_eval.reporting.finance.build import SECTION_IDS, build_finance_report
from eah_eval.reporting.glossary import code_identifiers

pytestmark = pytest.mark.slow

THRESHOLD = 10
SCENARIOS = """
- name: more_maintained_special
  label: With the programme and more maintained special school places
  placement_shifts:
    - {from_placement: independent_special, to_placement: maintained_special, share: 0.3,
       phase_in_years: 3}
"""


@pytest.fixture(scope="module")
def written(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo finance report, written by the command line (notebook, kernel, runner)."""
    base = tmp_path_factory.mktemp("finance")
    out = base / "out"
    scenarios = base / "scenarios.yaml"
    scenarios.write_text(SCENARIOS)
    code = main(["finance", "--data", str(demo_data), "--out", str(out),
                 "--set", f"scenarios={scenarios}",
                 "--set", "analyst=A. Analyst", "--set", "assurer=B. Assurer"])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def results(written: Path) -> dict[str, Any]:
    out: dict[str, Any] = json.loads((written / "results.json").read_text())
    return out


@pytest.fixture(scope="module")
def html(written: Path) -> str:
    return (written / "finance_report.html").read_text()


def test_report_is_written_whole(written: Path, results: dict[str, Any], html: str) -> None:
    assert results["report"] == "finance" and results["run_status"] == "final"
    assert results["status"] == "complete" and results["sections_unavailable"] == []
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in html, sid
    assert results["qa"]["data_fingerprint"] and results["qa"]["seeds"]["seed"] == 20261130
    assert results["effect"]["ci_low"] < results["effect"]["ci_high"]  # a range, not a point


def test_backtest_is_recorded_and_printed_for_one_to_three_years_ahead(
        results: dict[str, Any], html: str) -> None:
    entries = results["backtest"]
    assert [b["horizon"] for b in entries] == [1, 2, 3]
    for b in entries:
        # printed in the back-test table as the report shows them
        assert f"{b['mape_model']:.1f}%" in html and f"{b['mape_naive']:.1f}%" in html
        assert b["model_beats_naive"] == (b["mape_model"] < b["mape_naive"])
        # spend: the model beats the naive trend at every horizon on the demo
        assert b["spend_mape_model"] < b["spend_mape_naive"], b
    # plan numbers one year ahead
    assert entries[0]["mape_model"] < entries[0]["mape_naive"], entries[0]


def test_backtest_beats_the_naive_trend_on_plans_one_to_three_years_ahead(
        results: dict[str, Any]) -> None:
    """Issue 14's done-when, with the effect the report carries (the later-years estimate)."""
    assert results["effect"]["basis"] == "later_years"
    for b in results["backtest"]:
        assert b["mape_model"] < b["mape_naive"], b


def test_summary_names_the_estimate_carried_and_shows_the_other(
        results: dict[str, Any], html: str) -> None:
    e = results["effect"]
    assert e["window"] == ["2026", "2028"] and e["clear"]
    other = e["alternative"]
    assert other["basis"] == "internal" and other["alternative"] is None
    alt = results["headline"]["alternative"]
    iv = alt["spend_avoided_cumulative_gbp"]
    assert iv["ci_low"] < iv["median"] < iv["ci_high"]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert ("the council against other authorities that had not started, in the years when "
            "every cluster was live (2026 to 2028)") in text
    assert (f"On the evaluation's other estimate, the council's own rollout (clusters that "
            f"started against clusters not yet started) ({other['estimate']:+.2f} per 1,000 "
            "pupils") in text


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str] = []
        self.captions: list[str] = []
        self._cap = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.alts.append(str(dict(attrs).get("alt") or ""))
        if tag == "caption":
            self._cap = True
            self.captions.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._cap = False

    def handle_data(self, data: str) -> None:
        if self._cap:
            self.captions[-1] += data


def test_fan_charts_with_text_equivalents(html: str) -> None:
    figures = _Figures()
    figures.feed(html)
    fans = [a for a in figures.alts if a.startswith("Two fan charts of")]
    assert len(fans) == 3
    for what in ("EHC plans", "high-needs spend", "Dedicated Schools Grant"):
        assert any(what in a for a in fans), what
    for alt in fans:
        assert "95% range" in alt and "table under the chart" in alt
    tables = [c for c in figures.captions if "80% and 95% ranges" in c]
    assert len(tables) == 3
    assert "£ million" in html


def test_breakeven_and_payback_with_their_ranges(results: dict[str, Any], html: str) -> None:
    for key in ("breakeven", "payback"):
        r = results[key]
        assert {"median", "ci_low", "ci_high", "share_never", "level"} <= set(r)
        assert 0 <= r["share_never"] <= 1
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Breakeven" in text and "Payback" in text
    if results["payback"]["median"] is None:
        assert "not within the projected years" in text


def test_disclosure_scan_passes(results: dict[str, Any], html: str) -> None:
    cells = count_cells(html)
    assert cells, "plan counts should be marked as counts"
    assert [c for c in cells if small_numbers(c, THRESHOLD)] == []
    for name, s in results["projection"]["scenarios"].items():
        for row in s["placement_mix"]:
            v = row["plans"]
            assert v is None or v == 0 or v >= THRESHOLD, (name, row)
    for row in results["projection"]["history"]:
        assert row["plans"] is None or row["plans"] >= THRESHOLD


def test_board_words(html: str) -> None:
    assert code_identifiers(html) == []
    assert "<script" not in html and "read_parameters" not in html


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None or find_axe() is None,
                    reason="headless Chromium or axe-core not installed")
def test_axe_core_finds_no_wcag22_aa_violations(written: Path) -> None:
    result = check_accessibility(written / "finance_report.html")
    assert result.ok, result.summary()


# ------------------------------------------------------------------ doors
@pytest.mark.parametrize(("extra", "match"), [
    (["--set", "years=0"], "'years' must be at least 1; got 0"),
    (["--set", "yeras=5"], "unknown report parameter.*did you mean 'years'"),
    (["--set", "n_draws=many"], "'n_draws' must be int"),
    (["--set", "analyst=A", "--set", "assurer=A"], "must not be the analyst"),
    (["--set", "inference=guess"], "'inference' must be one of"),
])
def test_bad_parameters_stop_before_the_kernel(tmp_path: Path, capsys, extra, match) -> None:
    code = main(["finance", "--data", str(tmp_path), "--out", str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert re.search(match, err[0]), err[0]
    assert not (tmp_path / "o").exists()


def test_user_scenario_is_projected_beside_the_others(results: dict[str, Any],
                                                     html: str) -> None:
    names = [r["name"] for r in results["headline"]["scenarios"]]
    assert names == ["without", "with", "more_maintained_special"]
    user = results["projection"]["scenarios"]["more_maintained_special"]
    assert any("maintained special" in a.lower() for a in user["assumptions"])
    assert "With the programme and more maintained special school places" in html


@pytest.mark.parametrize(("text", "match"), [
    ("- {name: a}", "scenario 1: missing 'label'"),
    ("- {name: a, label: A, colour: red}", "unknown key\\(s\\) 'colour'"),
    ("- {name: a, label: A, placement_shifts: [{from_placement: mainstream, "
     "to_placement: nowhere, share: 0.1}]}", "scenario 'a', placement shift 1: to_placement"),
    ("- {name: with, label: A}", "scenario 'with': scenario name must not be"),
    ("name: a", "must hold a list of scenarios"),
])
def test_bad_scenario_file_stops_before_the_kernel(tmp_path: Path, capsys, text, match) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    code = main(["finance", "--data", str(tmp_path), "--out", str(tmp_path / "o"),
                 "--set", f"scenarios={f}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert re.search(match, err[0]), err[0]
    assert not (tmp_path / "o").exists()


def test_without_finance_tables_every_part_says_why(tmp_path: Path) -> None:
    data = write_tiny_council(tmp_path / "data")
    report = build_finance_report({"data": str(data)})
    res = report.results
    assert res["status"] == "unavailable" and res["backtest"] == [] and res["payback"] is None
    listed = {u["section"] for u in res["sections_unavailable"]}
    assert {"summary", "plans", "spend", "dsg", "payback", "placements", "backtest"} <= listed
    assert all("the education, health and care plan caseload" in u["reason"]
               for u in res["sections_unavailable"])
    page = report.html()
    assert page.count("is not available in this report") >= 7
    assert code_identifiers(page) == []


def test_effect_from_an_impact_report_moves_the_money_its_way(demo_data: Path,
                                                             tmp_path: Path) -> None:
    """A clear fall in requests, read from an impact report's file, means fewer plans."""
    impact = tmp_path / "results.json"
    impact.write_text(json.dumps({"parameters": {"alpha": 0.05}, "estimates": {"measures": {
        "ehc_requests_per_1000": {"headline": {
            "estimate": -3.0, "ci_low": -4.0, "ci_high": -2.0, "flag": "",
            "method_text": "stated for the test"}}}}}))
    report = build_finance_report({"data": str(demo_data), "impact_results": str(impact),
                                   "n_draws": 200})
    res = report.results
    assert res["effect"]["origin"] == "impact_results" and res["effect"]["clear"]
    assert res["status"] == "complete"
    h = res["headline"]
    assert h["plans_avoided"]["median"] > 0  # fewer requests, fewer plans
    assert h["spend_avoided_cumulative_gbp"]["median"] > 0
    assert "impact report" in report.html("summary")
