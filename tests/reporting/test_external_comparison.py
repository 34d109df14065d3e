"""The impact report's comparison with other areas: side by side when supplied, else unavailable.

A small synthetic council with one measure keeps the builds short; the national panel is the
one ``eah-eval demo-data`` writes beside the council (``national/``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from eah_eval.cli import main
from eah_eval.reporting.document import jsonable
from eah_eval.reporting.impact.build import build_impact_report

MEASURE = "absence_persistent_pct"


def _build(data: Path) -> tuple[Any, dict[str, Any]]:
    report = build_impact_report({"data": str(data), "measures": [MEASURE],
                                  "primary_measure": MEASURE,
                                  "randomization_measures": [], "equality_measures": []})
    return report, json.loads(json.dumps(jsonable(report.results)))


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("external") / "data"
    assert main(["-q", "demo-data", "--out", str(out), "--seed", "4", "--small"]) == 0
    return out


def _html(report: Any, sid: str) -> str:
    return next(s.html for s in report.sections if s.id == sid)


def test_internal_and_external_estimates_side_by_side(small_data: Path):
    report, results = _build(small_data)
    x = results["external_comparison"]
    assert x["la_code"] == "839" and x["folder"] == "national/"
    m = x["measures"][MEASURE]
    for key in ("internal", "external_council", "later_years", "external_national"):
        row = m[key]
        for field in ("estimate", "window", "comparison", "assumptions", "method"):
            assert row[field] not in (None, "", []), (key, field)
        assert {"ci_low", "ci_high"} <= set(row)
    # four clusters: the internal interval may be unbounded; the external ones are not
    for key in ("external_council", "later_years", "external_national"):
        assert m[key]["ci_low"] <= m[key]["estimate"] <= m[key]["ci_high"]
    internal = results["estimates"]["measures"][MEASURE]["headline"]
    assert m["internal"]["estimate"] == internal["estimate"]
    assert m["internal"]["window"] == results["estimates"]["measures"][MEASURE]["sample"][
        "window"]
    # the later years start after the internal design's last comparison period
    assert m["internal"]["last_comparison_period"] < m["later_years"]["window"][0]
    assert "The authority is the cluster" in m["external_national"]["method"]
    html = _html(report, "external")
    assert "Internal and external estimates side by side" in html
    assert "Intervals: This council" in html  # the check requires the methods named
    later = results["decision"]["later_years"]
    assert len(later) == 1 and "this page uses the external estimate" in later[0]
    assert m["later_years"]["window"][0] in later[0]
    decision = re.sub(r"\s+", " ", _html(report, "decision"))
    assert "Later years: comparison with other areas" in decision
    assert not [u for u in results["sections_unavailable"] if u["section"] == "external"]


def test_without_a_national_panel_the_section_says_why(small_data: Path, tmp_path: Path):
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in small_data.iterdir():
        if f.is_file():
            (bare / f.name).write_bytes(f.read_bytes())
    report, results = _build(bare)
    gone = [u for u in results["sections_unavailable"] if u["section"] == "external"]
    assert len(gone) == 1 and gone[0]["reason"].startswith(
        "no national panel supplied: the data folder has no national/ folder")
    assert results["external_comparison"]["unavailable"] == gone[0]["reason"]
    assert "no national panel supplied" in _html(report, "external")
    assert results["decision"]["later_years"][0].startswith(
        "No comparison with other areas was supplied")
