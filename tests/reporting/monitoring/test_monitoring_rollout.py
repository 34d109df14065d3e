"""One rollout rule: the monitoring report places a cluster's go-live in the term the impact
evaluation treats first (eah_eval.measures.rollout), for a go-live in the middle of a term.

The council is the small synthetic one of the other monitoring tests (the reporting tests'
tiny council has no Experts at Hand activity, which the monitoring report charts), with one
cluster's go-live moved to 15 October 2023, inside the 2023/24 autumn term.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.data.periods import term_label
from eah_eval.measures import rollout_panel
from eah_eval.measures.rollout import first_treated_period
from eah_eval.reporting.monitoring.data import monitoring_data
from eah_eval.reporting.monitoring.model import MonitoringData

MID_TERM = dt.date(2023, 10, 15)
CLUSTER = "C02"


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from eah_eval.data.synthetic import write_council

    data = tmp_path_factory.mktemp("monitor_rollout") / "data"
    write_council(data, seed=5, n_clusters=4, n_schools=16, start="2022/23", end="2026/27")
    clusters = pd.read_csv(data / "clusters.csv", dtype=str)
    assert CLUSTER in set(clusters["cluster_id"])
    clusters.loc[clusters["cluster_id"] == CLUSTER, "go_live_date"] = MID_TERM.isoformat()
    clusters.to_csv(data / "clusters.csv", index=False)
    return data


@pytest.fixture(scope="module")
def monitored(council: Path) -> MonitoringData:
    return monitoring_data({"data": str(council)})


def _row(data: MonitoringData) -> pd.Series:
    gl = data.go_live.set_index("cluster_id")
    return gl.loc[CLUSTER]


def test_first_treated_term_follows_the_one_rollout_rule(council: Path,
                                                          monitored: MonitoringData) -> None:
    row = _row(monitored)
    expected = first_treated_period(MID_TERM, "term")
    assert row["go_live_date"] == MID_TERM
    assert row["first_treated"] == expected
    assert row["first_treated_term"] == term_label(expected) == "2023/24 spring"
    # the impact evaluation's panel gives the same first treated term for this cluster
    panel = rollout_panel(council, "absence_overall_pct", level="cluster")
    assert set(panel.loc[panel["cluster"] == CLUSTER, "first_treated"]) == {expected}
    assert panel.attrs["rollout_rule"] == monitored.rollout_rule


def test_outcome_limits_restart_at_the_first_treated_term(council: Path) -> None:
    data = monitoring_data({"data": str(council), "outcome_baseline": "rebase_at_go_live"})
    item = data.item("absence_overall_pct")
    assert item.chart_options["rebase"][CLUSTER] == ["2023/24 spring"]
    chart = item.charts.charts[CLUSTER]
    assert chart.settings.rebase == ("2023/24 spring",)


def test_outcome_limits_come_from_the_terms_before_go_live(monitored: MonitoringData) -> None:
    item = monitored.item("absence_overall_pct")
    chart = item.charts.charts[CLUSTER]
    before = int((pd.Series(chart.points["period"]).astype(str) < "2023/24 spring").sum())
    # one set of limits, from the terms before the first treated term, extended after it
    assert chart.settings.rebase == ()
    assert chart.settings.fix_after_n_points == before >= 2
    assert chart.points["baseline"].sum() == before
    assert item.phases[CLUSTER] == f"limits from the {before} terms before 2023/24 spring"


def test_the_mid_period_rule_is_a_report_parameter(council: Path) -> None:
    data = monitoring_data({"data": str(council), "mid_period_rule": "period_containing"})
    row = _row(data)
    assert row["first_treated"] == first_treated_period(MID_TERM, "term",
                                                        rule="period_containing")
    assert row["first_treated_term"] == "2023/24 autumn"
    panel = rollout_panel(council, "absence_overall_pct", level="cluster",
                          mid_period_rule="period_containing")
    assert set(panel.loc[panel["cluster"] == CLUSTER, "first_treated"]) == {
        row["first_treated"]
    }
