"""results.json spells every interval the package's one way (``ci_low`` / ``ci_high``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eah_eval.reporting.impact.build import ImpactReport
from interval_names import old_interval_names

pytestmark = pytest.mark.slow


def test_impact_results_json_uses_the_one_interval_naming(
        demo: tuple[ImpactReport, dict[str, Any], Path]) -> None:
    _, results, _ = demo
    headline = next(iter(results["estimates"]["measures"].values()))["headline"]
    assert {"estimate", "ci_low", "ci_high"} <= set(headline)
    assert old_interval_names(results) == []


def test_the_report_prints_the_randomisation_interval_it_records(
        demo: tuple[ImpactReport, dict[str, Any], Path]) -> None:
    from eah_eval.reporting.impact.sections.estimates import fmt

    report, results, _ = demo
    measures = results["estimates"]["measures"]
    checked = {mid: m["checks"]["randomization"] for mid, m in measures.items()
               if m["checks"].get("randomization", {}).get("computed")}
    assert checked, "the demo runs randomisation inference for at least one measure"
    html = report.section("robustness").html
    for ri in checked.values():
        assert f"interval {fmt(ri['ci_low'])} to {fmt(ri['ci_high'])}" in html
