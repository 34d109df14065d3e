"""The monitoring report package (eah_eval.reporting.monitoring) and its thin notebook.

Parameters (chart conventions from the chart library, report checks), disclosure control before
any chart, the summary matrix and headline, active titles, the yardstick table, the built
report on a small synthetic council, the layering (the chart library imports no report), and
the notebook holding nothing but package calls.
"""

from __future__ import annotations

import ast
import dataclasses
import html as html_text
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eah_eval.measures.rollout import RULE_TEXT
from eah_eval.monitor.params import ChartConventions
from eah_eval.monitor.summary import charts_by_unit
from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.glossary import normalise_abbreviations
from eah_eval.reporting.monitoring.build import SECTION_IDS, build_monitoring_report
from eah_eval.reporting.monitoring.data import seasonal_note
from eah_eval.reporting.monitoring.disclosure import control_disclosure, status_of
from eah_eval.reporting.monitoring.items import active_title
from eah_eval.reporting.monitoring.model import MonitoringData, MonitorItem
from eah_eval.reporting.monitoring.params import (
    LA_UNIT,
    MonitoringDataParams,
    MonitoringReportParams,
)
from eah_eval.reporting.monitoring.tables import (
    assurance_matrix,
    headline,
    ipr_table,
    summary_matrix,
    yardstick_table,
)
from eah_eval.reporting.params import ParameterError, ParameterTypeError, parse_params
from eah_eval.reporting.suppression import DisclosurePolicy

REPO = Path(__file__).resolve().parents[3]
NOTEBOOK = REPO / "analyses" / "monitoring_report.ipynb"


# ------------------------------------------------------------------ parameters
def test_report_params_extend_the_chart_conventions_without_retyping_them() -> None:
    charts = {f.name for f in dataclasses.fields(ChartConventions)}
    data = {f.name for f in dataclasses.fields(MonitoringDataParams)}
    report = {f.name for f in dataclasses.fields(MonitoringReportParams)}
    assert charts < data < report
    assert charts == {"run_length", "two_of_three", "screen_outliers"}
    # the chart library knows no data, measure or cluster; publishing lives with the report
    assert {"data", "clusters", "outcome_measures", "targets", "mid_period_rule"} <= data - charts
    assert {"title", "disclosure_rule", "analyst", "assurer"} <= report - data


def test_every_field_parses_from_yaml_like_values() -> None:
    raw = {
        "data": "d", "clusters": ["C01"], "first_year": "2023/24",
        "outcome_measures": ["absence_overall_pct"], "equality_measure": "absence_overall_pct",
        "equality_groups": ["fsm"], "run_length": 6, "two_of_three": "nhsr",
        "screen_outliers": True, "outcome_baseline": "rebase_at_go_live",
        "ramp_up_terms": 2, "baseline_terms": 8,
        "change_points": {"C01": ["2026/27 autumn"]}, "seasonal_adjustment": "none",
        "outcome_standardisation": "none", "cost_outlier_z": 3.5, "exceptions": "narrative.csv",
        "mid_period_rule": "majority_of_period",
        "targets": {"eah_fte_in_post_pct": 90}, "title": "T", "council": "C",
        "disclosure_rule": "suppress_1_2", "disclosure_threshold": 5, "commissioner": "Co",
        "analyst": "An", "assurer": "As", "approver": "Ap", "question": "Q?",
        "decision_supported": "D", "extract_date": "2029-01-31",
        "commissioner_date": "2029-02-01", "analyst_date": "2029-02-01",
        "assurer_date": "2029-02-02", "approver_date": "2029-02-03",
    }
    assert set(raw) == {f.name for f in dataclasses.fields(MonitoringReportParams)}
    p = parse_params(MonitoringReportParams, raw)
    assert p.clusters == ("C01",) and p.targets == {"eah_fte_in_post_pct": 90.0}
    assert isinstance(p.targets["eah_fte_in_post_pct"], float)
    assert p.policy == DisclosurePolicy(rule="suppress_1_2", threshold=5)
    assert p.mid_period_rule == "majority_of_period"
    assert p.outcome_standardisation == "none"
    assert parse_params(MonitoringReportParams, {"data": "d"}).mid_period_rule == (
        "next_full_period"
    )


@pytest.mark.parametrize(
    ("raw", "error", "match"),
    [
        ({"data": "d", "analyst": "A", "assurer": " A"}, ParameterError,
         "'assurer' must not be the analyst"),
        ({"data": "d", "disclosure_threshold": 0}, ParameterError,
         "'disclosure_threshold' must be at least 1; got 0"),
        ({"data": "d", "disclosure_rule": "round"}, ParameterError,
         "'disclosure_rule' must be one of 'threshold', 'suppress_1_2'; got 'round'"),
        ({"data": "d", "two_of_three": 3}, ParameterTypeError, "'two_of_three' must be one of"),
        ({"data": "d", "titel": "x"}, ParameterError, "did you mean 'title'"),
        ({"title": "x"}, ParameterError, "missing required report parameter.*'data'"),
        ({"data": "d", "run_length": 8}, ParameterError, "'run_length' must be 7 or 6; got 8"),
        ({"data": "d", "mid_period_rule": "term_containing"}, ParameterError,
         "'mid_period_rule' must be one of 'next_full_period', 'period_containing', "
         "'majority_of_period'; got 'term_containing'"),
        ({"data": "d", "mid_period_rule": 1}, ParameterTypeError,
         "'mid_period_rule' must be one of"),
    ],
)
def test_bad_report_parameters_are_refused_by_name(raw, error, match) -> None:
    with pytest.raises(error, match=match):
        parse_params(MonitoringReportParams, raw)


def test_the_chart_library_imports_no_measure_and_no_report() -> None:
    src = REPO / "src" / "eah_eval" / "monitor"
    offenders = []
    for path in sorted(src.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [f"{path.name}: {n}" for n in names
                          if n.startswith(("eah_eval.reporting", "eah_eval.cli",
                                           "eah_eval.measures"))]
    assert offenders == []


def test_the_report_package_init_re_exports_nothing() -> None:
    init = REPO / "src" / "eah_eval" / "reporting" / "monitoring" / "__init__.py"
    body = ast.parse(init.read_text(encoding="utf-8")).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr)  # the docstring only


# ------------------------------------------------------------------ disclosure control
def _item(key: str = "k", section: str = "demand", title: str = "Requests",
          values: dict[str, list[float]] | None = None,
          target: float | None = None) -> MonitorItem:
    rng = np.random.default_rng(7)
    values = values or {}
    rows = []
    for unit in ("C01", "C02", LA_UNIT):
        for t in range(14):
            num = values.get(unit, [float(rng.integers(30, 60))] * 14)[t]
            rows.append({"unit": unit, "period": f"2030/31 T{t:02d}", "period_index": t,
                         "numerator": num, "denominator": 400.0})
    frame = pd.DataFrame(rows)
    la = frame["unit"] == LA_UNIT
    frame.loc[la, "numerator"] = (
        frame.loc[~la].groupby("period_index")["numerator"].sum().to_numpy()
    )
    frame["value"] = frame["numerator"] / frame["denominator"] * 100
    opts = {"chart": "xmr", "improvement_direction": "higher", "rebase": None,
            "target": target}
    return MonitorItem(key=key, section=section, title=title, unit_text="%",
                       direction="higher", direction_reason="More is better.", target=target,
                       frame=frame, people_counts=("numerator",),
                       charts=charts_by_unit(frame, measure=title, **opts), caption="cap",
                       chart_options=opts)


def _data(*items: MonitorItem) -> MonitoringData:
    go_live = pd.DataFrame({
        "cluster_id": ["C01", "C02"], "cluster_name": ["North", "South"],
        "go_live_date": [None, None], "first_treated": [6072, 6075],
        "first_treated_term": ["2024/25 autumn", "2025/26 autumn"], "rollout_wave": [1, 2],
    })
    yard = pd.DataFrame({"unit": ["C01", "C01", "C02", "C02"],
                         "period": ["2024/25", "2025/26", "2024/25", "2025/26"],
                         "value": [40.0, 55.0, 0.0, 61.0]})
    return MonitoringData(
        params=MonitoringDataParams(data="x"), items=items, go_live=go_live,
        activity_mix=pd.DataFrame(columns=["unit", "academic_year", "activity_type", "hours",
                                           "share_pct"]),
        yardstick=yard, chart_settings="settings",
    )


def test_small_counts_are_hidden_with_their_complements_before_any_chart() -> None:
    series = [40.0] * 14
    series[3] = 4.0  # a small count in C01's fourth term
    item = _item(values={"C01": series})
    ledger = DisclosureLedger(DisclosurePolicy(threshold=10))
    out = control_disclosure(_data(item), ledger)
    values, flags = out.values["k"], out.flags["k"]
    c01 = (values["unit"] == "C01") & (values["period_index"] == 3)
    assert flags.loc[c01, "numerator"].item() == "primary"
    assert math.isnan(values.loc[c01, "numerator"].item())
    assert math.isnan(values.loc[c01, "value"].item())  # the rate built on it too
    # the term total is published (all clusters), so another cluster is hidden alongside
    c02 = (values["unit"] == "C02") & (values["period_index"] == 3)
    assert flags.loc[c02, "numerator"].item() == "secondary"
    assert not flags.loc[values["unit"] == LA_UNIT, "value"].isin(["primary"]).any()
    chart = out.item("k").charts.charts["C01"]
    assert list(chart.points["period"]) == [f"2030/31 T{t:02d}" for t in range(4, 14)]
    # the report's one disclosure ledger keeps the record of every table
    assert {r["table"] for r in ledger.records()} == {"k:clusters", "k:all"}
    assert sum(r["n_primary"] for r in ledger.records()) == 1


def test_units_without_hidden_values_keep_their_chart_object() -> None:
    series = [40.0] * 14
    series[12] = 3.0
    item = _item(values={"C01": series})
    hidden = (item.frame["unit"] == "C01") & (item.frame["period_index"] == 12)
    out = item.restrict(hidden)
    assert out.charts.charts[LA_UNIT] is item.charts.charts[LA_UNIT]
    assert "C01" not in out.charts.charts
    assert out.charts.skipped["C01"].startswith("suppressed")


# ------------------------------------------------------------------ tables and words
def _status() -> pd.DataFrame:
    concern = [50.0] * 13 + [90.0]
    item = _item(values={"C01": concern})
    series = [40.0] * 14
    series[11] = 2.0
    hidden_item = _item(key="h", title="Escalation", values={"C02": series}, target=1.0)
    out = control_disclosure(_data(item, hidden_item),
                             DisclosureLedger(DisclosurePolicy(threshold=10)))
    return status_of(out.items)


def test_summary_matrix_marks_hidden_and_missing_series_and_puts_all_clusters_first() -> None:
    status = _status()
    matrix = summary_matrix(status)
    assert matrix.columns[0] == LA_UNIT
    assert matrix.loc["Escalation", "C02"] == "c"
    cell = matrix.loc["Requests", "C01"]
    assert cell.startswith("◆\u00a0IMP H")  # symbol and code never wrap apart
    assert (matrix != "").all().all()


def test_assurance_matrix_only_for_measures_with_a_target() -> None:
    matrix = assurance_matrix(_status())
    assert list(matrix.index) == ["Escalation"]
    assert matrix.columns[0] == LA_UNIT
    assert matrix.loc["Escalation", "C02"] == "c"
    assert matrix.loc["Escalation", "C01"] == "c"  # the complement of C02's small count
    # every shown value lies far above a target of 1%: consistently met
    assert matrix.loc["Escalation", LA_UNIT] == "✔\u00a0P"
    assert assurance_matrix(_status().assign(target=np.nan)).empty


def test_headline_names_where_special_causes_show() -> None:
    lines = headline(_status())
    assert lines[0] == "Latest term charted: 2030/31 T13."
    assert "Special-cause improvement in the latest term" in lines[2]
    assert "Requests (" in lines[2] and "C01" in lines[2]
    assert lines[1].endswith("(0 series): none.")
    assert any("not charted because small numbers" in s for s in lines)


def test_headline_names_each_cluster_with_an_exception() -> None:
    found = pd.DataFrame({"kind": ["special_cause_concern", "special_cause_concern",
                                   "cost_outlier"],
                          "measure": ["Waits", "Waits", "Cost per expert day (£)"],
                          "unit": ["C02", LA_UNIT, "C07"]})
    lines = headline(_status(), found, {"C02": "Harbourside", "C07": "Eastbrook"})
    assert lines[0] == ("Concern: special cause of concern in the latest term (2): Waits "
                        f"(Harbourside (C02), {LA_UNIT}).")
    assert lines[1] == ("Concern: cost per expert day an outlier (1): Cost per expert day (£) "
                        "(Eastbrook (C07)).")
    assert headline(_status(), found)[1].endswith("(£) (C07).")  # codes without names


def test_ipr_table_has_one_row_per_measure_for_all_clusters() -> None:
    table = ipr_table(_status())
    assert list(table.index) == ["Requests", "Escalation"]
    assert table.loc["Requests", "Latest term"] == "2030/31 T13"
    assert re.fullmatch(r"[\d,]+\.\d to [\d,]+\.\d", table.loc["Requests", "Process limits"])
    assert table.loc["Requests", "Assurance"] == "– no target set"
    assert table.loc["Escalation", "Assurance"] == "✔ Target consistently met"


def test_active_title_states_the_finding() -> None:
    status = _status()
    item = _item()
    assert active_title(item, status, ["C01", "C02"]) == (
        "Requests: improvement in C01 in the latest term"
    )
    flat = status.assign(variation="common_cause")
    assert active_title(item, flat, ["C01"]).endswith("common-cause variation only in the "
                                                     "latest term")
    mixed = status.copy()
    mixed.loc[(mixed["measure"] == "Requests") & (mixed["unit"] == "C02"),
              "variation"] = "special_cause_neutral_low"
    assert active_title(item, mixed, ["C01", "C02"]) == (
        "Requests: improvement in C01; lower than usual in C02 in the latest term"
    )


def test_yardstick_table_says_not_live_before_go_live() -> None:
    table = yardstick_table(_data(_item()))
    assert table.loc["C02", "2024/25"] == "not live"
    assert table.loc["C02", "2025/26"] == "61%"
    assert table.loc["C01", "2024/25"] == "40%"


# ------------------------------------------------------------------ the built report
@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    from eah_eval.data.synthetic import write_council

    base = tmp_path_factory.mktemp("monitor_build")
    write_council(base / "data", seed=5, n_clusters=4, n_schools=16, start="2022/23",
                  end="2026/27")
    return build_monitoring_report({"data": str(base / "data"), "analyst": "A. Analyst",
                                    "assurer": "B. Assurer"}), base


def test_built_report_sections_and_results(built) -> None:
    report, base = built
    assert tuple(s.id for s in report.sections) == SECTION_IDS
    html = report.html()
    assert html.count("<h1>") == 1 and "monitoring_data(" not in html
    for s in report.sections[1:]:
        # abbreviations in a heading are marked (and written in full at their first use)
        heading = re.search(r"<h2>(.*?)</h2>", s.html, re.S)
        assert heading is not None, s.id
        assert normalise_abbreviations(
            html_text.unescape(re.sub(r"<[^>]+>", "", heading.group(1)))) == s.title
    assert report.html("cover").startswith("<header><h1>Experts at Hand: monitoring report")
    with pytest.raises(KeyError, match="no section"):
        report.html("nope")
    path = report.write_results(base / "out")
    res = json.loads(path.read_text(encoding="utf-8"), parse_constant=pytest.fail)
    assert res["report"] == "monitoring"
    assert res["parameters"]["analyst"] == "A. Analyst"
    assert res["qa"]["assurer"] == "B. Assurer" and not res["qa"]["assured"]
    assert res["qa"]["seconds"] > 0
    assert re.fullmatch(r"[0-9a-f]{64}", res["qa"]["data_fingerprint"])
    assert res["qa"]["data_fingerprint"] in report.html("qa")
    assert res["disclosure"]["policy"]["threshold"] == 10
    assert len(res["status"]) == len(report.status)
    # the go-live rule is the package's one rollout rule, stated where the rebasing is
    assert res["rollout_rule"] == RULE_TEXT["next_full_period"]
    assert RULE_TEXT["next_full_period"] in html_text.unescape(report.html("methods"))
    assert "First treated term" in report.html("summary")


def test_built_report_publishes_nothing_that_disclosure_control_hid(built) -> None:
    report, _ = built
    status = report.status
    hidden = status.loc[status["suppressed"]]
    assert len(hidden) > 0  # a small council has small numbers
    assert hidden["latest_value"].isna().all() and hidden["centre"].isna().all()
    assert "c" in summary_matrix(status).to_numpy()


def test_process_series_start_at_first_activity(built) -> None:
    report, _ = built
    demand = report.status.loc[report.status["measure"] == "Experts at Hand requests per "
                               "school"]
    charted = demand.loc[demand["n_points"] > 0]
    assert len(charted) > 0
    html = report.section("demand").html
    assert "first term of Experts at Hand activity" in html


# ------------------------------------------------------------------ the notebook is thin
def test_notebook_holds_only_parameters_and_package_calls() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    for node in ast.parse("".join(params[0]["source"])).body:
        # one line per parameter, a literal default (tests/reporting/test_notebook_parameters.py
        # checks the cell against the schema)
        assert isinstance(node, ast.AnnAssign) and node.value is not None
        ast.literal_eval(node.value)
    shown: list[str] = []
    calls: list[str] = []
    for cell in code:
        if cell is params[0]:
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.ImportFrom):
                assert str(node.module).startswith("eah_eval.reporting.")
                continue
            if isinstance(node, ast.Assign):
                assert isinstance(node.value, ast.Call)
                calls.append(ast.unparse(node.value))
                continue
            if isinstance(node, ast.If):  # the page of a run by hand
                assert ast.unparse(node) == "if write_html:\n    write_report(report, out)"
                continue
            assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            func = node.value.func
            assert isinstance(func, ast.Attribute) and ast.unparse(func.value) == "report"
            assert func.attr in ("show", "write_results")
            if func.attr == "show":
                shown += [ast.literal_eval(a) for a in node.value.args]
    assert calls == ["read_parameters(MonitoringReportParams, globals())",
                     "output_folder(output_dir)", "build_monitoring_report(params)"]
    assert tuple(shown) == SECTION_IDS  # every section, once, in reading order


def test_equality_groups_are_named_in_words_as_in_the_impact_report(built) -> None:
    from eah_eval.reporting.glossary import GROUP_LABEL

    report, _ = built
    gaps = report.status.loc[report.status["measure"].str.contains("gap to all pupils")]
    fsm = gaps.loc[gaps["measure"].str.endswith("by free school meals")]
    assert set(fsm["unit"]) == {GROUP_LABEL["fsm"], GROUP_LABEL["not_fsm"]}
    assert GROUP_LABEL["fsm"] == "Eligible for free school meals"
    sen = gaps.loc[gaps["measure"].str.endswith("by SEN provision"), "unit"]
    assert set(sen) <= {GROUP_LABEL["N"], GROUP_LABEL["K"], GROUP_LABEL["E"]}
    assert len(sen) > 0


def test_a_clear_seasonal_pattern_is_pointed_out() -> None:
    terms = ("autumn", "spring", "summer")
    rows = [{"unit": LA_UNIT, "period": f"20{20 + y}/{21 + y} {t}", "value": v + 0.1 * y}
            for y in range(5) for t, v in zip(terms, (15.0, 21.0, 21.5), strict=True)]
    note = seasonal_note(pd.DataFrame(rows))
    assert len(note) == 1 and "autumn 15.2, spring 21.2, summer 21.7" in note[0]
    flat = pd.DataFrame(rows).assign(value=lambda f: 20 + 0.3 * np.sin(np.arange(len(f))))
    assert seasonal_note(flat) == ()
    assert seasonal_note(pd.DataFrame(rows).assign(unit="C01")) == ()  # all clusters only
