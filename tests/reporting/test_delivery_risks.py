"""Delivery risks are worded by rule from the figures by cluster."""

from __future__ import annotations

from typing import Any

from eah_eval.reporting.impact.delivery import delivery_risks


def _row(cl: str, yard: float, fte: float = 90.0, first: float = 3.0, latest: float = 3.5,
         cost: float = 1000.0) -> dict[str, Any]:
    return {"cluster": cl, "cluster_name": f"Cluster {cl}", "yardstick_pct_latest": yard,
            "fte_before_go_live_pct": fte, "requests_per_school_first_year": first,
            "requests_per_school_latest_year": latest, "cost_per_expert_day_latest": cost,
            "cost_year": "2028-29"}


def test_no_risk_when_delivery_meets_the_rules() -> None:
    assert delivery_risks([_row("A", 100), _row("B", 95), _row("C", 110)], "2028/29") == []


def test_every_cluster_short_of_the_yardstick_is_one_capacity_risk_with_the_range() -> None:
    risks = delivery_risks([_row("A", 52), _row("B", 70)], "2028/29")
    assert [r["kind"] for r in risks] == ["capacity"]
    assert risks[0]["text"] == ("Capacity: in 2028/29 expert days delivered were 52% to 70% of "
                                "the 40/160 yardstick in every cluster (lowest: Cluster A, 52%).")


def test_one_cluster_short_is_named_beside_the_others_range() -> None:
    risks = delivery_risks([_row("A", 58), _row("B", 100), _row("C", 143)], "2028/29")
    assert risks[0]["clusters"] == ["A"]
    assert "in 1 of 3 clusters (Cluster A 58%; the others 100% to 143%)" in risks[0]["text"]


def test_demand_cost_outlier_and_recruitment_each_flagged_with_their_clusters() -> None:
    rows = [_row("A", 100, fte=20, first=2.0, latest=4.0, cost=1600),
            _row("B", 100, first=3.0, latest=3.2, cost=1000),
            _row("C", 100, first=3.0, latest=3.1, cost=1050)]
    risks = {r["kind"]: r for r in delivery_risks(rows, "2028/29")}
    assert set(risks) == {"demand", "variation", "recruitment"}
    assert risks["demand"]["clusters"] == ["A"]
    assert risks["demand"]["text"].startswith("Demand: requests per school a term rose")
    assert risks["variation"]["clusters"] == ["A"]
    assert "£1,600 against a median of £1,025 elsewhere" in risks["variation"]["text"]
    assert risks["recruitment"]["clusters"] == ["A"]
