"""Monitoring that surfaces real risks (issue 12).

Known truth: the synthetic council plants three risks in its delivery records (truth.json,
``planted_risks``) and the report must list each as an exception, and no other cluster in
those measures. Invariances of the chart logic: pure seasonality gives no signal once
adjusted, a shift on top of it does; a step change after ramp-up is flagged; assurance is
judged from the current limits. A council without Experts at Hand tables gets a report that
says which sections are unavailable and why.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eah_eval.data.synthetic import write_council
from eah_eval.errors import DataValidationError
from eah_eval.monitor.seasonal import seasonal_adjustment
from eah_eval.monitor.summary import charts_by_unit
from eah_eval.monitor.xmr import xmr
from eah_eval.reporting.monitoring.build import build_monitoring_report
from eah_eval.reporting.monitoring.exceptions import (
    NO_NARRATIVE,
    read_narrative,
    with_narrative,
)
from eah_eval.reporting.monitoring.params import (
    DEMAND_PER_FTE,
    LA_UNIT,
    YARDSTICK_TERMLY,
    MonitoringDataParams,
)
from eah_eval.reporting.monitoring.phases import process_phases

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tiny_council import write_tiny_council

DEMO_SEED = 20261130
TERMS = ("autumn", "spring", "summer")


def _terms(n: int, first_year: int = 2020) -> list[str]:
    return [f"{first_year + k // 3}/{(first_year + k // 3 + 1) % 100:02d} {TERMS[k % 3]}"
            for k in range(n)]


# ------------------------------------------------------------------ seasonality
def _seasonal(n: int, shift_from: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(3)
    season = np.tile([10.0, 14.0, 8.0], n // 3 + 1)[:n]
    x = season + rng.normal(0.0, 0.3, n)
    if shift_from is not None:
        x[shift_from:] += 2.0
    return x


def test_pure_seasonality_gives_no_signal_once_adjusted() -> None:
    x = _seasonal(24)
    seasons = [TERMS[k % 3] for k in range(24)]
    raw = xmr(x, trial_threshold=2)
    adj = seasonal_adjustment(x, seasons, baseline=np.arange(24) < 12)
    chart = xmr(adj.adjusted, trial_threshold=2)
    assert chart.points["rule"].isna().all()
    # the raw limits span the seasonal swing, so they are useless for a change of 2
    assert raw.points["upper"].iloc[-1] - raw.points["lower"].iloc[-1] > 8
    assert chart.points["upper"].iloc[-1] - chart.points["lower"].iloc[-1] < 3


def test_a_shift_on_top_of_seasonality_is_flagged_once_adjusted() -> None:
    x = _seasonal(24, shift_from=15)
    seasons = [TERMS[k % 3] for k in range(24)]
    adj = seasonal_adjustment(x, seasons, baseline=np.arange(24) < 12)
    chart = xmr(adj.adjusted, fix_after_n_points=12, trial_threshold=2)
    assert chart.points["rule"].iloc[15:].notna().all()
    assert chart.points["rule"].iloc[:15].isna().all()
    # true factors 10, 14, 8 minus their mean; the noise (sd 0.3, 4 baseline points a term)
    # gives each estimate a standard error of about 0.17, so 0.5 is three of them
    true = pd.Series({"autumn": -2 / 3, "spring": 10 / 3, "summer": -8 / 3})
    assert (adj.factors - true).abs().max() < 0.5


def test_seasonal_factors_need_two_baseline_points_per_season() -> None:
    with pytest.raises(Exception, match="at least 2 baseline points per season; summer has 1"):
        seasonal_adjustment([1.0, 2.0, 3.0, 1.0, 2.0], ["autumn", "spring", "summer"] * 1
                            + ["autumn", "spring"])


# ------------------------------------------------------------------ phases
def _process_frame(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for unit, vals in values.items():
        for k, v in enumerate(vals):
            rows.append({"unit": unit, "period": _terms(len(vals))[k], "period_index": 6060 + k,
                         "value": v})
    return pd.DataFrame(rows)


def test_a_step_change_after_ramp_up_is_flagged() -> None:
    rng = np.random.default_rng(11)
    ramp = [1.0, 2.5, 4.0]
    steady = list(6.0 + rng.normal(0.0, 0.2, 8))
    step = list(8.0 + rng.normal(0.0, 0.2, 4))
    frame = _process_frame({"C01": [*ramp, *steady, *step], "C02": [*ramp, *steady, *steady[:4]]})
    params = MonitoringDataParams(data="x")
    phases = process_phases(frame, params)
    assert phases.rebase["C01"] == ["2021/22 autumn"]
    charts = charts_by_unit(frame, measure="m", rebase=phases.rebase,
                            baseline_points=phases.baseline_points,
                            improvement_direction="lower", trial_threshold=2)
    stepped, steady_chart = charts.charts["C01"], charts.charts["C02"]
    assert stepped.variation == "special_cause_concern"
    assert stepped.points["rule"].iloc[11:].notna().all()
    assert steady_chart.variation == "common_cause"
    # without the phases the start-up terms make every later point look like a change
    whole = charts_by_unit(frame, measure="m", improvement_direction="lower",
                           trial_threshold=2)
    assert whole.charts["C02"].variation != "common_cause"


def test_assurance_is_judged_from_the_current_limits() -> None:
    rng = np.random.default_rng(5)
    vals = [20.0, 50.0, 80.0, *(97.0 + rng.normal(0.0, 0.5, 12))]
    frame = _process_frame({"C01": vals})
    phases = process_phases(frame, MonitoringDataParams(data="x"))
    opts = {"improvement_direction": "higher", "target": 95.0, "trial_threshold": 2}
    phased = charts_by_unit(frame, measure="m", rebase=phases.rebase,
                            baseline_points=phases.baseline_points, **opts)
    whole = charts_by_unit(frame, measure="m", **opts)
    assert phased.charts["C01"].assurance == "consistently_passes"
    assert whole.charts["C01"].assurance == "hit_and_miss"


# ------------------------------------------------------------------ a council without EaH
def test_a_council_without_experts_at_hand_tables_says_what_is_unavailable(
        tmp_path: Path) -> None:
    data = write_tiny_council(tmp_path / "tiny")
    report = build_monitoring_report({"data": str(data)})
    gone = {u["section"]: u["reason"] for u in report.results["sections_unavailable"]}
    assert set(gone) == {"demand", "capacity", "waits", "delivery", "escalation", "spend"}
    assert gone["delivery"] == (
        "The council's data have no eah_activity records (table absent or empty), so there "
        "is nothing to chart."
    )
    html = report.html("delivery")
    assert "is not available in this report" in html and "eah_activity" in html
    # the outcome charts are still there
    assert report.status["measure"].str.contains("absence", case=False).any()


# ------------------------------------------------------------------ exceptions file
def test_the_narrative_file_is_checked_against_its_schema(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("measure,unit,cause,action,owner,due_date,extra\n"
                   "eah_requests_per_fte,C02,Demand up,Triage hub,Head of service,"
                   "31/03/2029,x\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="unknown_column: expected one of measure"):
        read_narrative(bad)
    bad.write_text("measure,unit,cause,action,owner,due_date\n"
                   "eah_requests_per_fte,C02,Demand up,Triage hub,,31/03/2029\n",
                   encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"row 1, column 'due_date': bad_date"):
        read_narrative(bad)
    with pytest.raises(DataValidationError, match=r"row 1, column 'owner': missing_value"):
        read_narrative(bad)


def test_exceptions_carry_the_narrative_or_say_none_was_supplied(tmp_path: Path) -> None:
    file = tmp_path / "narrative.csv"
    file.write_text("measure,unit,cause,action,owner,due_date\n"
                    "eah_requests_per_fte,C02,New estate,Second triage clinic,Head of SEND,"
                    "2029-03-31\n", encoding="utf-8")
    found = pd.DataFrame({"key": [DEMAND_PER_FTE, DEMAND_PER_FTE],
                          "measure": ["Requests per FTE"] * 2, "unit": ["C02", "C05"],
                          "kind": ["special_cause_concern"] * 2, "shows": ["s", "s"],
                          "since": ["2027/28 summer"] * 2})
    out = with_narrative(found, read_narrative(file)).set_index("unit")
    assert out.loc["C02", "owner"] == "Head of SEND"
    assert out.loc["C02", "due_date"] == "2029-03-31"
    assert out.loc["C05", "cause"] == NO_NARRATIVE


# ------------------------------------------------------------------ planted risks (demo)
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    data = write_council(tmp_path_factory.mktemp("demo"), seed=DEMO_SEED)
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    report = build_monitoring_report({"data": str(data)})
    return truth, report.results


def _flagged(results: dict, key: str, kind: str) -> set[str]:
    return {e["unit"] for e in results["exceptions"]
            if e["key"] == key and e["kind"] == kind and e["unit"] != LA_UNIT}


def test_each_planted_risk_is_flagged_and_no_other_cluster(demo: tuple[dict, dict]) -> None:
    truth, results = demo
    planted = {k: v["cluster_id"] for k, v in truth["planted_risks"].items()}
    assert planted == {"demand_above_capacity": "C02", "yardstick_shortfall": "C03",
                       "cost_outlier": "C07"}
    assert _flagged(results, YARDSTICK_TERMLY, "target_missed") == {
        planted["yardstick_shortfall"]}
    assert _flagged(results, "eah_cost_per_expert_day", "cost_outlier") == {
        planted["cost_outlier"]}
    assert _flagged(results, DEMAND_PER_FTE, "special_cause_concern") == {
        planted["demand_above_capacity"]}
    # each is a concern on the first screen: the summary opens with the exceptions
    kinds = {(e["key"], e["unit"]) for e in results["exceptions"]}
    assert (YARDSTICK_TERMLY, "C03") in kinds and (DEMAND_PER_FTE, "C02") in kinds


#: Every signal the demo raises besides the three planted risks, with why it is there. The
#: first five follow from the planted demand: the generator lengthens C02's waits with the
#: pressure, and the all-clusters series add C02's extra requests. The last two were
#: investigated (the note in docs/guide/monitoring.md gives the numbers): C05's suspension
#: rate rises because its pupil mix changes (secondary roll up from 27% to 37% of pupils,
#: and secondary pupils are suspended about twelve times as often: the 2021/22 phase rates
#: on the later mix give 2.3 rising to 2.9 per 100, as observed); C10's rise in 2028/29 is
#: chance (its mix moves the rate by 5% and the generator plants nothing there; with 33
#: outcome series a latest-term signal by chance is expected now and then).
EXPLAINED_SIGNALS: dict[tuple[str, str, str], str] = {
    ("eah_median_days_to_triage", "C02", "special_cause_concern"): "planted demand",
    ("eah_median_days_to_first_support", "C02", "special_cause_concern"): "planted demand",
    (DEMAND_PER_FTE, LA_UNIT, "special_cause_concern"): "planted demand (C02 in the total)",
    ("eah_requests_per_school", "C02", "special_cause_neutral_high"): "planted demand",
    ("eah_requests_per_school", LA_UNIT, "special_cause_neutral_high"): "planted demand",
    ("suspension_rate", "C05", "special_cause_concern"): "pupil mix (more secondary pupils)",
    ("suspension_rate", "C10", "special_cause_concern"): "chance",
}


def test_nothing_else_is_flagged_in_any_monitored_series(demo: tuple[dict, dict]) -> None:
    """Every series of the demo: a signal is a planted risk or one of EXPLAINED_SIGNALS."""
    _, results = demo
    keys = {e["measure"]: e["key"] for e in results["exceptions"]}
    keys.update({"Experts at Hand requests per school": "eah_requests_per_school"})
    planted = {(YARDSTICK_TERMLY, "C03", "consistently_fails"),
               (DEMAND_PER_FTE, "C02", "special_cause_concern")}
    signals = set()
    for s in results["status"]:
        key = keys.get(s["measure"], s["measure"])
        if s["variation"] not in ("common_cause", "special_cause_improvement", "not_charted"):
            signals.add((key, s["unit"], s["variation"]))
        if s["assurance"] == "consistently_fails":
            signals.add((key, s["unit"], "consistently_fails"))
    assert signals == planted | set(EXPLAINED_SIGNALS)
    # medians of whole days: a one-day step within rounding is not a signal (C07, all
    # clusters), a growing wait is (C02)
    waits = {(e["key"], e["unit"]) for e in results["exceptions"]
             if e["key"].startswith("eah_median_days")}
    assert waits == {("eah_median_days_to_triage", "C02"),
                     ("eah_median_days_to_first_support", "C02")}
    kinds = {(e["key"], e["unit"], e["kind"]) for e in results["exceptions"]}
    assert kinds == {
        (YARDSTICK_TERMLY, "C03", "target_missed"),
        ("eah_cost_per_expert_day", "C07", "cost_outlier"),
        *((k, u, w) for k, u, w in planted | set(EXPLAINED_SIGNALS)
          if w == "special_cause_concern"),
    }


def test_the_demo_report_records_baselines_and_its_qa(demo: tuple[dict, dict]) -> None:
    _, results = demo
    assert results["baselines"][DEMAND_PER_FTE]["by_unit"]["C02"].startswith("start-up to")
    qa = results["qa"]
    assert qa["versions"]["eah-eval"] and qa["parameters"]["ramp_up_terms"] == 3
    assert qa["seeds"] and qa["data_fingerprint"]
