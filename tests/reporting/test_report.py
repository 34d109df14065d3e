"""The impact report end to end on a tiny council: disclosure scan, accessibility, PDF."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from disclosure_scan import count_cells, small_numbers
from tiny_council import write_tiny_council

from eah_eval.reporting.accessibility import check_accessibility, find_axe, find_chromium
from eah_eval.reporting.disclosure import COUNT_KEYS
from eah_eval.reporting.impact.check import check_report
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.impact.run import run_report
from eah_eval.reporting.runner import ReportOutputs

THRESHOLD = 10


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory: pytest.TempPathFactory) -> ReportOutputs:
    base = tmp_path_factory.mktemp("tiny")
    data = write_tiny_council(base / "data")
    params = ReportParams(
        data=str(data),
        measures=("sen_support_pct", "ehc_requests_per_1000", "absence_overall_pct"),
        bootstrap_reps=99,
        analyst="A. Analyst",
        assurer="B. Assurer",
        commissioner="C. Commissioner",
        approver="D. Approver",
    )
    return run_report(params, base / "out")


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[dict[str, str | None]] = []
        self.headings: list[int] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "script" or (tag == "link" and a.get("rel") == "stylesheet"):
            self.scripts += 1


def _walk(obj: Any, path: str = "") -> list[tuple[str, Any]]:
    found = []
    if isinstance(obj, dict):
        if obj.get("describes_people") is False:  # records of schools, clusters, money...
            return found
        for k, v in obj.items():
            if k in COUNT_KEYS and not isinstance(v, dict | list):
                found.append((f"{path}.{k}", v))
            found += _walk(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found += _walk(v, f"{path}[{i}]")
    return found


def test_report_files_and_results(tiny_report: ReportOutputs) -> None:
    assert tiny_report.html.is_file()
    assert tiny_report.results is not None
    res = json.loads(tiny_report.results.read_text())
    for key in ("parameters", "disclosure", "suppression", "qa", "versions", "data_quality"):
        assert key in res
    assert res["parameters"]["bootstrap_reps"] == 99
    assert res["qa"]["assured"] is True and res["qa"]["data_fingerprint"]
    # the tiny council has small counts, so suppression must have happened
    assert sum(r["n_primary"] for r in res["suppression"]) > 0


def test_disclosure_scan_html_and_json(tiny_report: ReportOutputs) -> None:
    html = tiny_report.html.read_text()
    cells = count_cells(html)
    assert cells, "the report should mark count cells"
    leaks = [(c, small_numbers(c, THRESHOLD)) for c in cells if small_numbers(c, THRESHOLD)]
    assert leaks == []
    assert tiny_report.results is not None
    res = json.loads(tiny_report.results.read_text())
    counts = _walk(res)
    assert counts, "results.json should hold counts"
    bad = [(p, v) for p, v in counts if isinstance(v, int | float) and 0 < v < THRESHOLD]
    assert bad == []


def test_every_robustness_check_is_shown_or_its_failure_explained(
    tiny_report: ReportOutputs,
) -> None:
    """No silent failures: each check has a value, or the report says why it has none."""
    import html as html_lib

    assert tiny_report.results is not None
    res = json.loads(tiny_report.results.read_text())
    page = html_lib.unescape(tiny_report.html.read_text())
    measures = res["estimates"]["measures"]
    assert measures, "the tiny council should give at least one estimate"
    for mid, est in measures.items():
        checks = est["checks"]
        assert {"pretrend", "breakdown"} <= set(checks), mid
        assert est["mde_note"], mid
        for name, chk in checks.items():
            assert chk["note"], (mid, name)
            if chk["value"] is None:
                # the reason is printed in the robustness section
                assert chk["note"] in page, (mid, name, chk["note"])
    # not-estimated measures and unavailable sections are stated too
    for mid, why in res["estimates"]["not_estimated"].items():
        assert why in page, mid
    for item in res["sections_unavailable"]:
        assert item["reason"] in page


def test_equality_groups_are_estimated_only_where_numbers_allow(
    tiny_report: ReportOutputs,
) -> None:
    assert tiny_report.results is not None
    res = json.loads(tiny_report.results.read_text())
    eq = res["estimates"]["equality"]
    assert eq, "equality breakdowns should be attempted"
    groups = [g for by_sg in eq["measures"].values() for out in by_sg.values()
              for g in out["groups"] if g["group"] != "All pupils"]
    assert groups
    for g in groups:
        if g["estimated"]:
            e = g["estimate"]
            assert e["ci_low"] <= e["estimate"] <= e["ci_high"]
        else:
            assert g["reason"]
    # the tiny council's groups are far below 100 pupils per period in a wave
    assert not any(g["estimated"] for g in groups)
    assert any(g["reason"].startswith("numbers too small") for g in groups)
    # a level built on a count below the threshold is suppressed, never shown
    assert all(g["level"] is None for g in groups if g["level_flag"] == "c")
    page = tiny_report.html.read_text()
    assert "not estimated: numbers too small" in page


def test_html_is_self_contained_and_structured(tiny_report: ReportOutputs) -> None:
    html = tiny_report.html.read_text()
    parser = _Structure()
    parser.feed(html)
    assert parser.scripts == 0  # nothing loaded from elsewhere, no code
    assert parser.imgs and all(str(i.get("src", "")).startswith("data:image/png;base64,")
                               for i in parser.imgs)
    assert all(i.get("alt") for i in parser.imgs)
    assert parser.headings[0] == 1 and parser.headings.count(1) == 1
    # headings never skip a level on the way down
    assert all(b <= a + 1 for a, b in zip(parser.headings, parser.headings[1:], strict=False))
    assert "build_impact_report" not in html  # code hidden
    assert "<caption>" in html and 'scope="col"' in html


needs_browser = pytest.mark.skipif(
    find_chromium() is None or find_axe() is None,
    reason="headless Chromium or axe-core not installed (run 'make browser' and install "
    "the dev extra)",
)


@pytest.mark.browser
@needs_browser
def test_axe_core_finds_no_wcag22_aa_violations(tiny_report: ReportOutputs) -> None:
    result = check_accessibility(tiny_report.html)
    assert result.ok, result.summary()
    assert result.n_passes > 5


@pytest.mark.browser
@needs_browser
def test_axe_core_detects_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>t</title></head><body>'
                   '<img src="data:image/png;base64,iVBORw0KGgo="></body></html>')
    result = check_accessibility(bad)
    ids = {v["id"] for v in result.violations}
    assert {"image-alt", "html-has-lang"} <= ids


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="headless Chromium not installed")
def test_pdf_printed_from_the_same_html(tiny_report: ReportOutputs, tmp_path: Path) -> None:
    from eah_eval.reporting.pdf import print_pdf

    pdf = print_pdf(tiny_report.html, tmp_path / "board.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_tiny_council_report_passes_its_consistency_check(tiny_report: ReportOutputs) -> None:
    """Tiny clusters and a single-cluster wave: the written report tells one story."""
    result = check_report(tiny_report.html.parent)
    assert result.ok, result.summary()
    res = json.loads(tiny_report.results.read_text()) if tiny_report.results else {}
    assert res["status"] == "final" and res["checks"]["passed"] is True


def test_hidden_cluster_is_not_readable_from_its_wave(tiny_report: ReportOutputs) -> None:
    """C3 (8 pupils) is hidden; its wave's estimate or a second cluster is hidden with it."""
    assert tiny_report.results is not None
    res = json.loads(tiny_report.results.read_text())
    for mid, m in res["estimates"]["measures"].items():
        flags = {c["label"]: c["flag"] for c in m["by_cluster"]}
        assert flags.get("C3") == "c", (mid, flags)
        wave2 = [w for w in m["by_wave"] if w["label"] in {
            str(s["first_treated"]) for s in m["sample"]["by_wave"] if s["wave"] == "2"}]
        for w in wave2:
            assert w["flag"] == "c" or flags.get("C2") == "c", (mid, w, flags)
