"""Consistency check of a written impact report: the HTML and ``results.json`` tell one story.

:func:`check_report` reads a report folder and fails when

* a section of the report's schema is neither in the HTML nor listed as unavailable;
* a measure's headline estimate, interval or method differs between ``results.json`` and any
  table of the HTML that shows it (headline, equality and robustness tables);
* the words disagree with the interval ("clear evidence" for an interval that includes zero,
  or "no clear evidence" for one that excludes it);
* an interval comes from a method other than the report's one method without naming a
  fallback and its reason, or a table with intervals does not name its method;
* the headline table's sample sizes differ from the estimator's sample in ``results.json``;
* a suppressed value can be recovered from another table (a wave estimate shown when its only
  visible-or-hidden cluster is hidden, or exactly one hidden cluster beside a shown wave), or
  a count of people below the threshold is visible in ``results.json``.

``eah-eval check-report DIR`` runs it from the command line.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from eah_eval.errors import EahEvalError
from eah_eval.reporting.disclosure import COUNT_KEYS
from eah_eval.reporting.glossary import code_identifiers, normalise_abbreviations
from eah_eval.reporting.impact.build import SECTIONS
from eah_eval.reporting.narrative import fmt_estimate

#: Marker the runner puts at the top of a report that failed its checks.
DRAFT_MARK = "DRAFT - FAILED CHECKS"


class ReportCheckError(EahEvalError):
    """A report failed its consistency check (the message lists every failure)."""


@dataclass(frozen=True)
class Table:
    """One HTML table: caption, header cells, body rows (first cell the row header), notes."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: str = ""

    def row(self, name: str) -> dict[str, str] | None:
        """Return the row whose header cell is ``name``, as header -> cell text."""
        for r in self.rows:
            if r and r[0].strip() == name:
                return dict(zip(self.header, r, strict=False))
        return None


class _Tables(HTMLParser):
    """Collects tables (caption, header, rows) and the notes paragraph right after each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.ids: set[str] = set()
        self._caption: list[str] = []
        self._header: list[str] = []
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_caption = False
        self._in_thead = False
        self._expect_notes = False
        self._notes: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if attr.get("id"):
            self.ids.add(str(attr["id"]))
        if self._expect_notes:
            self._expect_notes = False
            if tag == "p" and "table-notes" in str(attr.get("class", "")):
                self._notes = []
                return
        if tag == "table":
            self._caption, self._header, self._rows = [], [], []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_thead = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.tables.append(Table(" ".join("".join(self._caption).split()),
                                     tuple(self._header), tuple(tuple(r) for r in self._rows)))
            self._expect_notes = True
        elif tag == "p" and self._notes is not None:
            t = self.tables[-1]
            self.tables[-1] = Table(t.caption, t.header, t.rows,
                                    " ".join("".join(self._notes).split()))
            self._notes = None
        elif tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_thead = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._in_thead:
                self._header = self._row
            else:
                self._rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._notes is not None:
            self._notes.append(data)


def read_tables(html: str) -> tuple[list[Table], set[str]]:
    """Every table of an HTML page (caption, header, rows, the notes after it) and its ids."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables, parser.ids


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check_report`: what was checked and every failure."""

    folder: Path
    checked: tuple[str, ...]
    failures: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (written into ``results.json`` by the runner)."""
        return {"passed": self.ok, "checked": list(self.checked),
                "failures": list(self.failures)}

    def summary(self) -> str:
        """Plain-text summary, one line per failure."""
        head = (f"{self.folder}: consistency check "
                f"{'passed' if self.ok else 'FAILED'} ({len(self.checked)} checks)")
        return "\n".join([head, *(f"  - {f}" for f in self.failures)])


def _clear(lo: float | None, hi: float | None) -> bool:
    return lo is not None and hi is not None and (lo > 0 or hi < 0)


def _walk_counts(obj: Any, path: str, threshold: int, out: list[str]) -> None:
    if isinstance(obj, dict):
        if obj.get("describes_people") is False:  # records of schools, clusters, money
            return
        for k, v in obj.items():
            if k in COUNT_KEYS and isinstance(v, int | float) and not isinstance(v, bool):
                if not math.isnan(float(v)) and 0 < float(v) < threshold:
                    out.append(f"results.json {path}.{k} = {v} is a visible count of people "
                               f"below the threshold {threshold}")
            else:
                _walk_counts(v, f"{path}.{k}", threshold, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _walk_counts(v, f"{path}[{i}]", threshold, out)


def check_report(folder: str | Path) -> CheckResult:
    """Check that a written impact report's sections agree (see the module notes).

    Parameters
    ----------
    folder : path
        Folder holding ``impact_report.html`` (or one ``*.html``) and ``results.json``.

    Returns
    -------
    CheckResult
        ``ok`` when every check passed; ``failures`` says where and what otherwise.

    Raises
    ------
    ReportCheckError
        If the folder lacks the HTML or ``results.json``.
    """
    root = Path(folder)
    res_path = root / "results.json"
    htmls = [root / "impact_report.html"] if (root / "impact_report.html").is_file() else sorted(
        root.glob("*.html"))
    if not res_path.is_file() or not htmls:
        found = sorted(p.name for p in root.iterdir()) if root.is_dir() else "no folder"
        raise ReportCheckError(f"{root}: expected impact_report.html and results.json; "
                               f"found {found}")
    results = json.loads(res_path.read_text(encoding="utf-8"))
    html = htmls[0].read_text(encoding="utf-8")
    tables, ids = read_tables(html)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    failures: list[str] = []
    checked: list[str] = []
    params = results.get("parameters", {})
    method = str(params.get("inference", ""))
    level = round(100 * (1 - float(params.get("alpha", 0.05))))

    # 1. every section present or unavailable
    checked.append("sections")
    unavailable = {u.get("section") for u in results.get("sections_unavailable", [])}
    for sid in results.get("report", {}).get("sections", list(SECTIONS)):
        anchor = sid.replace("_", "-")
        if anchor not in ids and sid not in ids and sid not in unavailable:
            failures.append(f"section {sid!r} is neither in the HTML nor listed as unavailable")

    measures = results.get("estimates", {}).get("measures", {})
    headline = next((t for t in tables if t.caption.startswith("Estimated change after")),
                    None)
    robust = next((t for t in tables if t.caption.startswith("Headline change beside")), None)
    for mid, m in measures.items():
        h = m["headline"]
        title = m["title"]
        est, lo, hi = h["estimate"], h["ci_low"], h["ci_high"]
        shown_est = fmt_estimate(est)
        shown_int = (f"{fmt_estimate(lo)} to {fmt_estimate(hi)}" if lo is not None
                     and hi is not None else "unbounded")
        # 2. the same estimate and interval wherever shown
        checked.append(f"{mid}: estimate identical wherever shown")
        if headline is None:
            failures.append("the headline table is missing from the HTML")
        else:
            row = headline.row(title)
            if row is None:
                failures.append(f"{title}: no row in the headline table")
            else:
                if row.get("Best estimate") != shown_est:
                    failures.append(f"{title}: headline table shows change "
                                    f"{row.get('Best estimate')}"
                                    f", results.json {shown_est}")
                if row.get(f"{level}% interval") != shown_int:
                    failures.append(f"{title}: headline table shows interval "
                                    f"{row.get(f'{level}% interval')}, results.json {shown_int}")
                # 5. sample sizes from the estimator
                checked.append(f"{mid}: headline sample = estimator's sample")
                s = m["sample"]
                want = f"{s['n_schools_treated']}; {s['n_schools_comparison']}"
                if row.get("Schools (started; comparison)") != want:
                    failures.append(f"{title}: headline table schools "
                                    f"{row.get('Schools (started; comparison)')}, estimator's "
                                    f"sample {want}")
        if robust is not None:
            r = robust.row(title)
            if r is not None and r.get("Headline (group-time)") != shown_est:
                failures.append(f"{title}: robustness table shows "
                                f"{r.get('Headline (group-time)')}, headline {shown_est}")
        eq_table = next((t for t in tables if t.caption.startswith(f"{title} by pupil group")),
                        None)
        if eq_table is not None:
            r = eq_table.row("All pupils")
            want = f"{shown_est} ({shown_int})"
            if r is not None and r.get(f"Change after go-live ({level}% interval)") != want:
                failures.append(f"{title}: equality table 'All pupils' shows "
                                f"{r.get(f'Change after go-live ({level}% interval)')}, "
                                f"headline {want}")
        # 3. words agree with the interval
        checked.append(f"{mid}: words agree with the interval")
        finding = str(m.get("finding", ""))
        clear = _clear(lo, hi)
        if ("clear evidence of" in finding and "no clear evidence" not in finding) != clear:
            failures.append(f"{title}: finding {finding!r} disagrees with the interval "
                            f"{shown_int}")
        if finding and finding not in text:
            failures.append(f"{title}: the finding in results.json is not in the HTML")
        # 4. every interval from the one method, or a named fallback
        checked.append(f"{mid}: one inference method")
        rows = [("headline", h), *(("event study " + r["label"], r) for r in m["event_study"]),
                *(("wave " + r["label"], r) for r in m["by_wave"])]
        for where, r in rows:
            if r.get("flag") or r.get("method") == "none":
                continue
            if r.get("method") != method and not r.get("fallback_reason"):
                failures.append(f"{title} {where}: interval by {r.get('method')!r}, not the "
                                f"report's {method!r}, and no fallback named")
        # 6. no hidden cluster recoverable from its wave
        checked.append(f"{mid}: hidden clusters not recoverable from waves")
        by_wave = {r["label"]: r for r in m["by_wave"]}
        for wlab, w in by_wave.items():
            first = next((s for s in m["sample"]["by_wave"]
                          if str(s["first_treated"]) == wlab), None)
            if first is None:
                continue
            waves = set(first["wave"].split(", "))
            members = [c for c in m["by_cluster"] if str(c.get("wave")) in waves]
            hidden = [c for c in members if c["flag"] == "c"]
            visible = [c for c in members if not c["flag"]]
            if hidden and not w["flag"] and (not visible or len(hidden) == 1):
                failures.append(f"{title}: wave {wlab} estimate is shown although cluster(s) "
                                f"{', '.join(c['label'] for c in hidden)} are hidden and "
                                "could be worked out from it")
    # 4b. every table with intervals names its method
    checked.append("every table with intervals names its method")
    for t in tables:
        shows = any("interval" in h.lower() and "no interval" not in h.lower()
                    for h in t.header[1:])
        if shows and "Intervals:" not in t.notes:
            failures.append(f"table {t.caption[:70]!r} shows intervals without naming the "
                            "method")
    # 7. the decision page says what results.json says
    checked.append("decision page generated from results.json")
    plain = normalise_abbreviations(unescape(text))
    decision = results.get("decision", {})
    for c in decision.get("conclusions", []):
        if " ".join(str(c["text"]).split()) not in plain:
            failures.append(f"decision page: conclusion {c['number']} is not the text in "
                            "results.json")
    for key in ("cannot_answer", "later_years", "delivery", "risks", "next_evidence"):
        for line in decision.get(key, []):
            if " ".join(str(line).split()) not in plain:
                failures.append(f"decision page: a line of {key!r} is not in the HTML")
    # 8. no code names in a board report
    if params.get("audience") == "board":
        checked.append("no code identifiers in board text")
        found = code_identifiers(html)
        if found:
            failures.append("board text shows code identifiers: " + ", ".join(found[:10]))
    # 6b. no visible small count of people
    checked.append("no visible count of people below the threshold")
    thr = int(results.get("disclosure", {}).get("threshold", 10))
    small: list[str] = []
    _walk_counts({k: v for k, v in results.items() if k not in ("parameters", "qa")}, "",
                 thr, small)
    failures.extend(small[:20])
    return CheckResult(folder=root, checked=tuple(checked), failures=tuple(failures))
