"""The board's report on the demo council: decision page, plain language, value for money, print.

Every element of the decision page must be generated from ``results.json`` (the numbers are
recomputed here from the estimates, not read from the page), the board-audience HTML must
show no code names, value for money must carry ranges in whole people, and the printed pack
must open on the decision page with the main body on at most 15 A4 pages.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from eah_eval.reporting.glossary import (
    code_identifiers,
    expand_abbreviations,
    normalise_abbreviations,
    visible_text,
)
from eah_eval.reporting.html import page
from eah_eval.reporting.impact.build import APPENDICES, MAIN_SECTIONS, ImpactReport
from eah_eval.reporting.impact.decision import change_unit, num, plain_name

pytestmark = pytest.mark.slow

Demo = tuple[ImpactReport, dict[str, Any], Path]


def _decision_text(report: ImpactReport) -> str:
    return normalise_abbreviations(visible_text(report.section("decision").html))


def test_decision_page_states_each_result_range_first_from_the_estimates(demo: Demo) -> None:
    report, results, _ = demo
    text = _decision_text(report)
    measures = results["estimates"]["measures"]
    conclusions = results["decision"]["conclusions"]
    assert [c["measure"] for c in conclusions] and len(conclusions) == len(measures)
    for c in conclusions:
        h = measures[c["measure"]]["headline"]
        unit = change_unit(measures[c["measure"]]["unit"])
        lo, hi = h["ci_low"], h["ci_high"]
        clear = lo > 0 or hi < 0
        assert c["clear"] == clear
        if clear:
            a, b = sorted((abs(lo), abs(hi)))
            want = f"by between {num(a)} and {num(b)} {unit}"
            assert want in c["text"] and c["text"].index(want) < c["text"].index("best estimate")
            assert f"our best estimate is {num(h['estimate'])}" in c["text"]
        else:
            mde = measures[c["measure"]]["mde"]
            assert (f"from a fall of {num(-lo)} to a rise of {num(hi)} {unit}" in c["text"])
            assert f"smaller than {num(mde)} could have gone unseen" in c["text"]
        assert " ".join(c["text"].split()) in text
        assert f"Confidence: {c['grade']}" in text and c["grade_reason"] in text
    # Clear results first, then the programme's main question.
    flags = [c["clear"] for c in conclusions]
    assert flags == sorted(flags, reverse=True)
    first_open = next(c for c in conclusions if not c["clear"])
    assert first_open["measure"] == results["parameters"]["primary_measure"]


def test_decision_page_says_what_cannot_be_answered_delivery_cost_risks_and_next(
    demo: Demo,
) -> None:
    report, results, _ = demo
    text = _decision_text(report)
    d = results["decision"]
    primary = d["primary_measure"]
    m = results["estimates"]["measures"][primary]
    name = plain_name(primary, m["title"])
    main_q = d["cannot_answer"][0]
    assert main_q.startswith(f"The programme's main question, whether it reduces {name}")
    assert f"only a change of {num(m['mde'])} or more could have been detected" in main_q
    assert f"usual level of about {num(m['baseline'])}" in main_q
    assert "no comparison cluster remained" in main_q
    # Delivery and cost, from the delivery and value-for-money numbers.
    lo, hi = results["delivery"]["summary"]["yardstick_pct_latest"]
    assert f"expert days at {lo:.0f}% to {hi:.0f}% of the 40/160 yardstick" in text
    vfm = results["estimates"]["value_for_money"]
    assert f"£{vfm['cost_per_pupil_year_gbp']:,.0f} per pupil per year" in text
    assert f"'{vfm['eef_cost_rating']}' cost on the EEF scale" in text
    # Risks: the four planted in the demo's delivery data, each worded by rule.
    kinds = {r["kind"] for r in results["delivery"]["risks"]}
    assert {"capacity", "recruitment", "variation"} <= kinds
    for line in (*d["cannot_answer"], *d["delivery"], *d["risks"], *d["next_evidence"]):
        assert " ".join(line.split()) in text
    assert "comparison with other local authorities" in d["next_evidence"][0]


def test_board_report_shows_no_code_identifiers_and_expands_abbreviations(demo: Demo) -> None:
    report, _, _ = demo
    html = report.html()
    assert code_identifiers(html) == []
    body = visible_text(html)
    first = body.index("EHC")
    assert body[max(0, first - 40):first].rstrip(" (").endswith("education, health and care")
    assert 'href="#glossary"' in html and 'id="glossary"' in html
    for sid in [*[k for k in MAIN_SECTIONS if k not in ("decision", "contents")],
                *APPENDICES]:
        anchor = sid.replace("_", "-")
        assert f'href="#{anchor}"' in html, sid
        assert f'id="{anchor}"' in html, f"contents links to #{anchor}, which is not there"


def test_code_identifier_scan_finds_code_names() -> None:
    found = code_identifiers("<p>Source: pupil_census records</p><code>x</code>")
    assert found == ["<code>x</code>", "pupil_census"]
    assert code_identifiers("<p>Persistent absence fell.</p><style>a_b{}</style>") == []


def test_abbreviations_expand_once_and_never_inside_tags() -> None:
    html = expand_abbreviations('<p title="EHC">EHC plans and EHC requests</p>'
                                "<code>EHC</code>")
    assert html.count("education, health and care") == 3  # first use + two abbr titles
    assert html.startswith('<p title="EHC">education, health and care (<abbr')
    assert html.endswith("<code>EHC</code>")


def test_value_for_money_carries_ranges_in_whole_people(demo: Demo) -> None:
    _, results, _ = demo
    vfm = results["estimates"]["value_for_money"]
    assert vfm["valued"]
    for mid, v in vfm["valued"].items():
        for key in ("estimate", "ci_low", "ci_high"):
            assert float(v[key]).is_integer(), (mid, key, v[key])
        assert v["ci_low"] <= v["estimate"] <= v["ci_high"]
        c = v["cost_per_outcome_gbp"]
        assert c["bounded"] == (v["ci_low"] > 0)
        if c["bounded"]:
            assert c["ci_low"] <= c["estimate"] <= c["ci_high"]
        else:
            assert c["ci_high"] is None
        assert "waves" in v["assumes"] or "wave" in v["assumes"]
        assert [s["outcomes_a_year"] for s in v["scenarios"]] == [
            v["ci_low"], v["estimate"], v["ci_high"]]
    be = vfm["breakeven"]["ehc_needs_assessment"]
    assert be["outcomes_a_year"] == math.ceil(vfm["annual_cost_gbp"] / be["unit_cost_gbp"])


def test_printed_pack_opens_on_the_decision_page_and_main_body_fits_15_pages(
    demo: Demo, tmp_path: Path,
) -> None:
    pypdf = pytest.importorskip("pypdf", reason="pypdf (dev extra) reads the printed PDF")
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("headless Chromium is not installed (make test installs it)")
    from eah_eval.reporting.pdf import print_pdf

    report, _, _ = demo
    html = tmp_path / "impact_report.html"
    html.write_text(page(report.html(), title="Experts at Hand: impact report"),
                    encoding="utf-8")
    pdf = print_pdf(html, tmp_path / "impact_report.pdf")
    pages = [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(pdf).pages]
    assert "Decision page" in pages[0] and "Key conclusions" in pages[0]
    assert "Next evidence point" in pages[0], "the decision page runs onto a second page"
    appendix = next(i for i, t in enumerate(pages) if t.startswith("Appendices"))
    assert appendix <= 15, f"main body is {appendix} printed pages"


def test_equality_review_reports_each_gap_and_the_effect_on_it(demo: Demo) -> None:
    report, results, _ = demo
    eq = results["estimates"]["equality"]
    estimated = [g for by_sg in eq["gaps"].values() for res in by_sg.values()
                 for g in res["gaps"] if g.get("estimated")]
    assert estimated, "no gap was estimated on the demo"
    for g in estimated:
        e = g["effect"]
        assert e["ci_low"] <= e["estimate"] <= e["ci_high"]
        assert e["method"] == results["parameters"]["inference"] or e["fallback_reason"]
        assert 0 <= e["p_value"] <= e["p_adjusted"] <= 1
        assert g["clear"] == (e["p_adjusted"] < results["parameters"]["alpha"])
    text = normalise_abbreviations(visible_text(report.section("equality_review").html))
    assert " ".join(eq["eia_paragraph"].split()) in text
    assert "Effect on the gap" in text
