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
    # the council's rows were added from its own records (the folder holds the others only)
    assert x["council_rows"]["added"] > 0 and x["council_rows"]["replaced"] == 0
    assert x["council_rows"]["start"] == "2023-09-01"
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
    assert "computed from its own records with the same measures" in html
    later = results["decision"]["later_years"]
    assert len(later) == 2 and "this page uses the external estimate" in later[0]
    assert later[1].startswith(m["later_years"]["window"][0])
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
        "no figures for other local authorities and their programme start dates were "
        "supplied")
    assert results["external_comparison"]["unavailable"] == gone[0]["reason"]
    assert "no figures for other local authorities" in _html(report, "external")
    assert "national/" not in _html(report, "external")
    assert results["decision"]["later_years"][0].startswith(
        "No comparison with other areas was supplied")


def _inputs(data: Path) -> Any:
    from eah_eval.reporting.impact.inputs import load_inputs
    from eah_eval.reporting.impact.params import ReportParams

    return load_inputs(ReportParams(data=str(data), measures=(MEASURE,),
                                    primary_measure=MEASURE))


def test_the_council_rows_come_from_its_own_records(small_data: Path):
    import pandas as pd

    from eah_eval.data.areas import AreaData, council_area_panel, load_areas
    from eah_eval.reporting.impact.external import with_council_rows

    inputs = _inputs(small_data)
    areas = load_areas(small_data / "national")
    assert "839" not in set(areas.panel["la_code"])  # the demo folder: other authorities
    # a national file that holds the council too (as a published one would) ...
    first = areas.panel["la_code"].iloc[0]
    theirs = areas.panel[areas.panel["la_code"] == first].assign(area_code="839",
                                                                 la_code="839")
    supplied = AreaData(panel=pd.concat([areas.panel, theirs], ignore_index=True),
                        programme=areas.programme, neighbours=areas.neighbours)
    out, own = with_council_rows(supplied, inputs, "839", [MEASURE])
    # ... has those rows replaced by the council's own, from the report's measure panel
    assert own["replaced"] == len(theirs) and own["problems"] == {}
    mine = out.panel[out.panel["la_code"] == "839"].reset_index(drop=True)
    expected = council_area_panel(inputs.panel(MEASURE), "839", multiplier=100,
                                  levels=("local_authority",))
    pd.testing.assert_frame_equal(mine, expected)
    assert not mine["value"].equals(theirs["value"].reset_index(drop=True))
    start = out.programme.set_index("la_code").loc["839", "programme_start"]
    assert start == inputs.design["go_live_date"].min()
    # a measure the national panel holds at another grain is not compared, and says why
    yearly = areas.panel.assign(period_type="academic_year")
    _, own = with_council_rows(AreaData(panel=yearly, programme=areas.programme,
                                        neighbours=areas.neighbours), inputs, "839", [MEASURE])
    assert own["problems"] == {MEASURE: "the national panel holds it by academic_year; the "
                                        "report measures it by term"}


def test_decision_words_the_later_years_by_the_conclusion_rule(small_data: Path):
    import dataclasses

    from eah_eval.reporting.impact.decision import (
        cannot_answer_text,
        later_clear,
        later_years_text,
        next_evidence,
    )

    report, _ = _build(small_data)
    ev = report.evaluation
    e = ev.measures[MEASURE]
    window = ["2025/26 autumn", "2028/29 summer"]
    clear = {"window": window, "estimate": -2.0, "ci_low": -3.0, "ci_high": -1.0,
             "n_comparison": 20}
    wide = {"window": window, "estimate": -0.5, "ci_low": -2.0, "ci_high": 1.0,
            "n_comparison": 20}
    assert later_clear(clear) and not later_clear(wide) and not later_clear(None)
    base = cannot_answer_text(e, "2025/26", True)
    assert "comparison with other areas" not in base
    text = cannot_answer_text(e, "2025/26", True, clear)
    assert text.startswith(base) and text.endswith(
        "For 2025/26 autumn to 2028/29 summer the comparison with other areas gives a clear "
        "result: persistent absence fell by between 1.0 and 3.0 percentage points (an "
        "improvement); the best estimate is 2.0. It rests on other areas being a fair "
        "comparison rather than on the council's own rollout, so it answers the question for "
        "those years only on that assumption.")
    assert cannot_answer_text(e, "2025/26", True, wide).endswith(
        "The comparison with other areas does not settle it either: for 2025/26 autumn to "
        "2028/29 summer we cannot tell whether persistent absence changed: the range runs "
        "from a fall of 2.0 to a rise of 1.0 percentage points.")
    internal = {"last_comparison_period": "2024/25 summer"}
    with_wide = dataclasses.replace(ev, external={"measures": {MEASURE: {
        "title": e.title, "unit": e.unit, "internal": internal, "later_years": wide}}})
    lines = later_years_text(with_wide)
    assert lines == [
        "For the years after the council's last comparison period, which its own design "
        "cannot cover, this page uses the external estimate: the council against authorities "
        "that had not started (20). It rests on other areas being a fair comparison, not on "
        "the council's own rollout (see Comparison with other areas).",
        "2025/26 autumn to 2028/29 summer: we cannot tell whether persistent absence changed: "
        "the range runs from a fall of 2.0 to a rise of 1.0 percentage points."]
    covered = next_evidence(with_wide, [MEASURE], "")
    assert len(covered) == 1 and "the comparison with other areas now covers the later " \
        "years" in covered[0] and covered[0].endswith(
        "For persistent absence, whose range there still runs from a fall to a rise, only "
        "more years can narrow it.")
    bare = next_evidence(dataclasses.replace(ev, external={}), [MEASURE], "")
    assert "The next evidence point is a comparison with other local authorities" in bare[0]
