"""The demo report (synthetic council, demo seed) against the generator's known truth.

Known-truth test: where the design has the power to find an effect (the true effect is at least
the report's minimum detectable effect) or where the report claims clear evidence, the
true effect from ``truth.json`` must lie inside the reported interval. The true effect is the
generator's ``estimand`` on the report's grain (EHC requests: calendar years, under
``alternative_grains``): with clusters not yet started as the comparison and no cluster left
unstarted, periods after the last wave's go-live have no comparison, the estimator weights
schools by their pupils, and on calendar years the partly treated go-live year is its base.

Also checks that ``results.json`` carries every number shown in the report's tables and text.
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eah_eval.reporting.impact.build import ImpactReport

pytestmark = pytest.mark.slow


def _truth(data: Path, measure: str, period: str) -> float | None:
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))["measures"]
    if measure not in truth:
        return None
    block = truth[measure]
    if block["grain"] != period:
        block = (block.get("alternative_grains") or {}).get(period, block)
    effect = block["estimand"]["effect"]
    return None if effect is None else float(effect)


def test_true_effects_inside_intervals_where_the_design_has_power(
    demo: tuple[ImpactReport, dict[str, Any], Path],
) -> None:
    _, results, data = demo
    checked = []
    for mid, est in results["estimates"]["measures"].items():
        true = _truth(data, mid, est["period"])
        if true is None:
            continue
        h = est["headline"]
        mde = est["mde"]
        clear = h["ci_low"] > 0 or h["ci_high"] < 0
        powered = mde is not None and abs(true) >= mde
        if powered or clear:
            assert h["ci_low"] <= true <= h["ci_high"], (
                f"{mid}: true effect {true:.3f} outside [{h['ci_low']:.3f}, "
                f"{h['ci_high']:.3f}] (MDE {mde})"
            )
            checked.append(mid)
    # the demo has real effects on attendance that the design can find
    assert {"absence_overall_pct", "absence_persistent_pct"} <= set(checked)


class _Text(HTMLParser):
    """Text of the page outside images, one string per table cell, paragraph or list item."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th", "p", "li", "figcaption", "caption"):
            self.chunks.append("")

    def handle_data(self, data: str) -> None:
        if self.chunks:
            self.chunks[-1] += data


# Period labels, dates, versions, hashes and seeds are identifiers, not results.
_SKIP = re.compile(
    r"\d{4}/\d{2}|\d{4}-\d{2}-\d{2}(T[\d:.+]+)?|\b[0-9a-f]{12,}\b|\d+\.\d+\.\d+\S*|"
    r"\bwave \d+\b|\bWave \d+\b|\(wave \d+\)|\b\d+% (interval|level|power|pointwise)|"
    r"\bseed \d+|\bp = |\bMaryland level \d|\b\d of 5\b"
)
_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")


def _numbers(obj: Any) -> list[float]:
    out: list[float] = []
    if isinstance(obj, dict):
        for v in obj.values():
            out += _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            out += _numbers(v)
    elif isinstance(obj, bool):
        pass
    elif isinstance(obj, int | float):
        out.append(float(obj))
    elif isinstance(obj, str):
        out += [float(m.replace(",", "")) for m in _NUMBER.findall(obj)]
    return out


def test_results_json_carries_every_number_shown(
    demo: tuple[ImpactReport, dict[str, Any], Path],
) -> None:
    report, results, _ = demo
    known = [abs(v) for v in _numbers(results) if math.isfinite(v)]
    known_by_digits = {d: {round(v, d) for v in known} for d in range(5)}
    parser = _Text()
    for sid in ("decision", "headline", "delivery", "trends", "estimates", "equality",
                "robustness", "vfm", "data_quality"):
        parser.feed(report.html(sid))
    missing = []
    for chunk in parser.chunks:
        text = _SKIP.sub(" ", chunk)
        for tok in _NUMBER.findall(text):
            digits = len(tok.split(".")[1]) if "." in tok else 0
            value = abs(float(tok.replace(",", "")))
            if value in (0.0, 1.0) or digits > 4:
                continue
            if round(value, digits) not in known_by_digits[digits]:
                missing.append((tok, chunk[:80]))
    assert not missing, f"{len(missing)} numbers shown but not in results.json: {missing[:15]}"


def test_demo_report_passes_its_consistency_check(
    demo: tuple[ImpactReport, dict[str, Any], Path], tmp_path: Path,
) -> None:
    from eah_eval.reporting.html import page
    from eah_eval.reporting.impact.check import check_report

    report, _, _ = demo
    (tmp_path / "impact_report.html").write_text(page(report.html(), title="demo"),
                                                 encoding="utf-8")
    report.write_results(tmp_path)
    result = check_report(tmp_path)
    assert result.ok, result.summary()
    assert len(result.checked) > 20


def test_every_interval_comes_from_the_default_method_or_names_its_fallback(
    demo: tuple[ImpactReport, dict[str, Any], Path],
) -> None:
    _, results, _ = demo
    assert results["parameters"]["inference"] == "wcr"
    seen = 0
    for mid, m in results["estimates"]["measures"].items():
        rows = [m["headline"], *m["event_study"], *m["by_wave"]]
        for r in rows:
            if r["flag"] or r["label"] == "e=-1":
                continue
            seen += 1
            assert r["method"] == "wcr" or r["fallback_reason"], (mid, r["label"], r)
        assert m["headline"]["method"] == "wcr", mid
    for by_sg in results["estimates"]["equality"]["measures"].values():
        for out in by_sg.values():
            for g in out["groups"]:
                if "estimate" in g:
                    seen += 1
                    assert g["estimate"]["method"] == "wcr" or g["estimate"]["fallback_reason"]
    assert seen > 30


def test_mde_agrees_with_the_headline_interval(
    demo: tuple[ImpactReport, dict[str, Any], Path],
) -> None:
    """MDE is (z 0.975 + z 0.8) = 2.80 standard errors of the headline estimate."""
    _, results, _ = demo
    for mid, m in results["estimates"]["measures"].items():
        h = m["headline"]
        half = (h["ci_high"] - h["ci_low"]) / 2
        assert m["mde"] / m["std_error"] == pytest.approx(2.8016, rel=0.10), mid
        assert m["mde"] / half == pytest.approx(2.8016 / 1.959964, rel=0.01), mid


def test_headline_counts_are_the_estimators_sample(
    demo: tuple[ImpactReport, dict[str, Any], Path],
) -> None:
    """Schools counted as started or comparison are those the group-time cells use."""
    report, results, _ = demo
    ev = report.evaluation
    for mid, m in results["estimates"]["measures"].items():
        s = m["sample"]
        design = ev.design
        last = design["go_live_date"].max()
        # the last wave has no not-yet-started comparison: it never counts as started
        last_waves = set(design.loc[design["go_live_date"] == last, "rollout_wave"].astype(str))
        for w in s["by_wave"]:
            if set(w["wave"].split(", ")) <= last_waves:
                assert w["n_schools_treated"] == 0 and not w["treated_periods"], (mid, w)
        assert s["n_schools_treated"] == sum(w["n_schools_treated"] for w in s["by_wave"])
        assert s["n_schools_treated"] < sum(w["n_schools"] for w in s["by_wave"])
        # no special school is in the sample (the programme serves mainstream schools)
        assert s["excluded"], mid


def _recount(panel: Any) -> tuple[set[Any], set[Any]]:
    """Started and comparison schools, counted from the panel alone (not the estimator).

    A group-time cell (g, t), t >= g, is estimable when the period before go-live (g - 1,
    the universal base) and t are both observed for some school of cohort g and for some
    school not yet started at t (never started, or starting after t). Its started schools
    are cohort g's observed at both; its comparison schools are those not yet started.
    """
    obs = panel[np.isfinite(panel["y"].to_numpy(dtype=float)) & (panel["weight"] > 0)]
    seen = obs.groupby("unit")["period_index"].agg(set)
    cohort = obs.drop_duplicates("unit").set_index("unit")["first_treated"]
    times = sorted(obs["period_index"].unique())
    started: set[Any] = set()
    comparison: set[Any] = set()
    for g in sorted(c for c in cohort.unique() if c > 0):
        for t in (t for t in times if t >= g):
            both = [u for u in cohort.index if g - 1 in seen[u] and t in seen[u]]
            treat = [u for u in both if cohort[u] == g]
            comp = [u for u in both if cohort[u] == 0 or cohort[u] > t]
            if treat and comp:
                started.update(treat)
                comparison.update(comp)
    return started, comparison


def test_headline_counts_agree_with_an_independent_recount_from_the_panel(
    demo: tuple[ImpactReport, dict[str, Any], Path],
) -> None:
    report, results, _ = demo
    from eah_eval.reporting.impact.inputs import load_inputs

    inputs = load_inputs(report.params)
    for mid, m in results["estimates"]["measures"].items():
        started, comparison = _recount(inputs.panel(mid))
        s = m["sample"]
        assert (s["n_schools_treated"], s["n_schools_comparison"],
                s["n_schools_both"]) == (len(started), len(comparison),
                                         len(started & comparison)), mid


def test_external_estimates_hold_the_councils_own_planted_truth(
    demo: tuple[ImpactReport, dict[str, Any], Path],
) -> None:
    """The council's rows come from its own records, so its truth is its own truth.json."""
    from eah_eval.data.synthetic.national_council import council_external_truth
    from eah_eval.reporting.impact.decision import external_later, later_clear, plain_name

    report, results, data = demo
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    x = results["external_comparison"]
    # every headline measure the national panel holds, in the report's order
    assert list(x["measures"]) == [m for m in report.params.measures
                                   if m != "ehc_plan_pct"], list(x["measures"])
    assert "ehc_requests_per_1000" in x["measures"] and x["council_rows"]["added"] > 0
    inputs = _inputs(data)
    for mid, m in x["measures"].items():
        panel = inputs.panel(mid)
        index = dict(zip(panel["period"].astype(str), panel["period_index"], strict=False))
        for key in ("external_council", "later_years"):
            row = m[key]
            first, last = (index[w] for w in row["window"])
            periods = sorted(t for t in set(index.values()) if first <= t <= last)
            true = council_external_truth(truth, mid, panel, periods)
            assert row["ci_low"] <= true <= row["ci_high"], (mid, key, true, row)
    # the decision page does not list a measure as open for the later years when the
    # comparison with other areas gives a clear result there
    also = [c for c in results["decision"]["cannot_answer"] if c.startswith("Also not yet")]
    for mid in x["measures"]:
        later = external_later(report.evaluation, mid)
        if later_clear(later) and also:
            assert plain_name(mid, x["measures"][mid]["title"]) not in also[0], mid


def _inputs(data: Path) -> Any:
    from eah_eval.reporting.impact.inputs import load_inputs
    from eah_eval.reporting.impact.params import ReportParams

    return load_inputs(ReportParams(data=str(data)))
