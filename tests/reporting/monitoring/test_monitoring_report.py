"""The monitoring report: parameters refused before the kernel, disclosure-safe re-charting,
and an end-to-end run on a small synthetic council (disclosure scan, structure, axe-core)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from disclosure_scan import count_cells, small_numbers

from eah_eval.cli import main
from eah_eval.errors import OptionError
from eah_eval.monitor.summary import charts_by_unit
from eah_eval.reporting.accessibility import check_accessibility, find_axe, find_chromium
from eah_eval.reporting.monitoring.model import MonitorItem
from eah_eval.reporting.monitoring.params import MonitoringDataParams

THRESHOLD = 10


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--set", "run_lenght=6"], "unknown report parameter.*did you mean 'run_length'"),
        (["--set", "run_length=seven"], "'run_length' must be int"),
        (["--set", "run_length=5"], "'run_length' must be 7 or 6"),
        (["--set", "two_of_three=western"], "'two_of_three' must be one of"),
        (["--set", "mid_period_rule=whole_term"], "'mid_period_rule' must be one of"),
        (["--set", "outcome_measures=[nope]"], "unknown measure"),
        (["--set", "analyst=A", "--set", "assurer=A"], "must not be the analyst"),
        (["--set", "assurer_date=31/03/2029"],
         "'assurer_date' must be a date YYYY-MM-DD; got '31/03/2029'"),
    ],
)
def test_bad_parameters_stop_before_the_kernel(tmp_path: Path, capsys, extra, match) -> None:
    code = main(["monitor", "--data", str(tmp_path), "--out", str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert re.search(match, err[0]), err[0]
    assert not (tmp_path / "o").exists()  # nothing ran


def test_missing_data_parameter(tmp_path: Path, capsys) -> None:
    code = main(["monitor", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and "missing required report parameter(s): 'data'" in err


def test_params_validate_in_one_place() -> None:
    with pytest.raises(OptionError, match="'equality_groups' allows"):
        MonitoringDataParams(data="x", equality_groups=("height",))
    with pytest.raises(OptionError, match="first_year"):
        MonitoringDataParams(data="x", first_year="2024")
    with pytest.raises(OptionError, match="'mid_period_rule' must be one of 'next_full_period'"):
        MonitoringDataParams(data="x", mid_period_rule="whole_term")


# ------------------------------------------------------------------ disclosure re-charting
def _item() -> MonitorItem:
    rng = np.random.default_rng(4)
    rows = []
    for unit in ("A", "B"):
        for t in range(16):
            rows.append({"unit": unit, "period": f"T{t:02d}", "period_index": t,
                         "numerator": float(rng.integers(20, 40)), "denominator": 100.0})
    frame = pd.DataFrame(rows)
    frame["value"] = frame["numerator"]
    opts = {"chart": "xmr", "improvement_direction": "higher", "rebase": None}
    return MonitorItem(key="k", section="demand", title="T", unit_text="n", direction="higher",
                       direction_reason="", target=None, frame=frame,
                       people_counts=("numerator",),
                       charts=charts_by_unit(frame, measure="T", **opts), caption="",
                       chart_options=opts)


def test_restrict_charts_only_terms_after_the_last_hidden_value() -> None:
    item = _item()
    hidden = pd.Series(False, index=item.frame.index)
    a = item.frame.index[(item.frame["unit"] == "A") & item.frame["period_index"].isin([1, 4])]
    b = item.frame.index[(item.frame["unit"] == "B") & (item.frame["period_index"] == 12)]
    hidden[a] = True
    hidden[b] = True
    out = item.restrict(hidden, min_points=6)
    chart_a = out.charts.charts["A"]
    assert list(chart_a.points["period"]) == [f"T{t:02d}" for t in range(5, 16)]
    # the limits come from the shown terms only
    shown = item.frame.loc[(item.frame["unit"] == "A") & (item.frame["period_index"] >= 5)]
    assert chart_a.segments["centre"].iloc[0] == pytest.approx(shown["value"].mean())
    assert "B" not in out.charts.charts  # 3 terms left after T12
    assert "suppressed" in out.charts.skipped["B"]
    assert any("charted from the term after" in n for n in out.notes)
    unchanged = item.restrict(pd.Series(False, index=item.frame.index))
    assert list(unchanged.charts.charts) == ["A", "B"]


# ------------------------------------------------------------------ end to end
class _Structure(HTMLParser):
    """Images, heading levels and scripts of a written page."""

    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[dict[str, str | None]] = []
        self.headings: list[int] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "img":
            self.imgs.append(dict(attrs))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "script":
            self.scripts += 1


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from eah_eval.data.synthetic import write_council

    base = tmp_path_factory.mktemp("monitor")
    write_council(base / "data", seed=5, n_clusters=4, n_schools=16, start="2022/23",
                  end="2026/27")
    code = main(["monitor", "--data", str(base / "data"), "--out", str(base / "out"),
                 "--set", "analyst=A. Analyst", "--set", "assurer=B. Assurer"])
    assert code == 0
    return base / "out"


@pytest.mark.slow
def test_report_files_and_results(small_report: Path) -> None:
    html = (small_report / "monitoring_report.html").read_text()
    res = json.loads((small_report / "results.json").read_text())
    assert res["report"] == "monitoring"
    assert "NHS England 2023" in res["chart_settings"]
    assert sum(r["n_primary"] for r in res["disclosure"]["records"]) > 0  # small council
    variations = {s["variation"] for s in res["status"]}
    assert variations <= {"common_cause", "special_cause_improvement", "special_cause_concern",
                          "special_cause_neutral_high", "special_cause_neutral_low",
                          "not_charted"}
    for section in ("Demand", "Capacity", "Waits", "Delivery", "Statutory escalation",
                    "Outcome measures by cluster", "Equality gaps", "Spend against outputs",
                    "Activity mix by support type", "Integrated performance"):
        assert section in html


@pytest.mark.slow
def test_disclosure_scan(small_report: Path) -> None:
    """The page prints hidden values as ``c`` and publishes no count of people.

    Every monitoring series is a rate, median, percentage or average: no table marks a count
    cell (``data-kind="count"``), and the counts behind the values, which disclosure control
    works on, are not printed. The values built on a hidden count are printed as the symbol.
    """
    html = (small_report / "monitoring_report.html").read_text()
    # no table publishes a count of people; a table that starts to must mark its count cells,
    # and this scan then checks them against the threshold
    cells = count_cells(html)
    assert [c for c in cells if small_numbers(c, THRESHOLD)] == [] and cells == []
    assert html.count('<td class="num">c</td>') > 0  # a small council has hidden values
    res = json.loads((small_report / "results.json").read_text())
    # series left too short by suppression are not charted and publish no value
    for s in res["status"]:
        if s["variation"] == "not_charted":
            assert s["latest_value"] is None and s["centre"] is None


@pytest.mark.slow
def test_structure_alt_text_and_hidden_code(small_report: Path) -> None:
    html = (small_report / "monitoring_report.html").read_text()
    scan = _Structure()
    scan.feed(html)
    assert scan.scripts == 0
    assert scan.imgs and all(i.get("alt") for i in scan.imgs)
    assert scan.headings[0] == 1 and scan.headings.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(scan.headings, scan.headings[1:], strict=False))
    assert "monitoring_data(" not in html and "<caption>" in html


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None or find_axe() is None,
                    reason="headless Chromium or axe-core not installed")
def test_axe_core_finds_no_wcag22_aa_violations(small_report: Path) -> None:
    result = check_accessibility(small_report / "monitoring_report.html")
    assert result.ok, result.summary()


# ------------------------------------------------------------------ print and the record
def _print_figures() -> list:
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from eah_eval.errors import TrialLimitsWarning
    from eah_eval.monitor import xmr
    from eah_eval.monitor.plot import overview, small_multiples

    rng = np.random.default_rng(1)
    terms = [f"{2021 + k // 3}/{(22 + k // 3) % 100:02d} {('autumn', 'spring', 'summer')[k % 3]}"
             for k in range(24)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialLimitsWarning)
        charts = {f"Cluster name {k}": xmr(pd.Series(rng.normal(10, 1, 24), index=terms),
                                            improvement_direction="lower", target=9.0,
                                            rebase=[terms[3]])
                  for k in range(10)}
    first = next(iter(charts.values()))
    return [overview(first, title="All clusters", value_label="median days"),
            small_multiples(charts, value_label="median days")]


def test_printed_text_is_at_least_8_points() -> None:
    """Figures are drawn at the printed width of A4 with 14 mm margins (182 mm), so they
    print at their own size; every text in them is then at least 8 pt on paper."""
    import matplotlib.pyplot as plt

    from eah_eval.monitor.plot import A4_CONTENT_WIDTH, printed_font_sizes

    assert A4_CONTENT_WIDTH == pytest.approx((210 - 2 * 14) / 25.4)
    for fig in _print_figures():
        try:
            assert fig.get_figwidth() == pytest.approx(A4_CONTENT_WIDTH)
            sizes = printed_font_sizes(fig)
            assert sizes and min(sizes) >= 8.0
            # a figure and its caption fit on one A4 page (267 mm of content height)
            assert fig.get_figheight() <= 9.5
            # a figure twice as wide would print at half size: the check would see it
            assert min(printed_font_sizes(fig, A4_CONTENT_WIDTH / 2)) < 8.0
        finally:
            plt.close(fig)


def test_report_figures_print_at_their_own_size_with_words_and_icons(
        small_report: Path) -> None:
    html = (small_report / "monitoring_report.html").read_text()
    imgs = re.findall(r"<img [^>]*>", html)
    widths = {m.group(1) if (m := re.search(r"max-width:([0-9.]+)in", i)) else None
              for i in imgs}
    assert imgs and widths == {"7.17"}
    # drawn MDC icons beside their codes, hidden from screen readers (the code is the text)
    icons = re.findall(r'(<svg [^>]*class="mdc-icon"[^>]*>).*?</svg>[\u00a0 ](CC|IMP|CON)',
                       html)
    assert icons and all('aria-hidden="true"' in tag for tag, _ in icons)
    # data tables are printed: not folded away
    details = re.findall(r"<details[^>]*>", html)
    assert details and all(re.search(r"\bopen\b", d) for d in details)
    # no panel titled with a code and glyphs
    assert not re.search(r"C\d\d: [\u25c6\u25cf\u2716]", html)


def test_the_assurers_record_matches_the_impact_reports(small_report: Path) -> None:
    results = json.loads((small_report / "results.json").read_text())
    record = results["assurance"]
    assert set(record) == {"question", "decision_supported", "assumptions", "verification",
                           "limitations", "provenance", "sign_off"}
    assert [r["role"] for r in record["sign_off"]] == ["commissioner", "analyst", "assurer",
                                                       "approver"]
    assert record["sign_off"][1] == {"role": "analyst", "name": "A. Analyst",
                                     "date": "not recorded"}
    grades = [x["impact"] for x in record["limitations"]]
    assert grades == sorted(grades, key=["high", "medium", "low"].index)
    assert record["provenance"]["extract_date"] == "not recorded"
    html = (small_report / "monitoring_report.html").read_text()
    for heading in ("Commissioning question and decision", "Assumptions log",
                    "Verification performed", "Limitations, by impact on the decision",
                    "Data provenance", "Sign-off", "Run record"):
        assert heading in html
