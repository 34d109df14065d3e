"""The decision page (first printed page) and the report's navigation: contents and glossary.

Rendered from ``Evaluation.decision`` (:mod:`eah_eval.reporting.impact.decision`), which is
what ``results.json`` holds under ``decision``; nothing here computes a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from eah_eval.reporting.glossary import ABBREVIATIONS, glossary_entries
from eah_eval.reporting.html import bullet_list, section
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.qa import QARecord


def decision_page(ev: Evaluation, params: ReportParams, qa: QARecord) -> str:
    """Title block and the decision page: conclusions, grades, gaps, delivery, risks, next."""
    d = ev.decision
    status = ("Quality assured." if qa.assured else
              "Not yet quality assured: the assurance roles are not all recorded.")
    items = []
    for c in d.get("conclusions", []):
        items.append(
            f'<li value="{int(c["number"])}">{escape(c["text"])} '
            f'<span class="grade">Confidence: {escape(c["grade"])}</span> '
            f'<span class="grade-reason">({escape(c["grade_reason"])})</span></li>')
    conclusions = ('<ol class="conclusions">' + "".join(items) + "</ol>" if items else
                   "<p>No estimates could be computed, so the report cannot say what "
                   "changed.</p>")

    def block(title: str, lines: Sequence[str]) -> str:
        return (f'<div class="decision-block"><h3>{escape(title)}</h3>'
                + bullet_list(list(lines)) + "</div>") if lines else ""

    return (
        '<header id="cover" class="decision">'
        f"<h1>{escape(params.title)}</h1>"
        f'<p class="meta">{escape(params.council)}. Prepared for '
        f"{'the board' if params.audience == 'board' else 'technical readers'}. "
        f"Generated {escape(qa.started[:10])}. {escape(status)}</p></header>"
        '<section id="decision" class="decision"><h2>Decision page</h2>'
        "<h3>Key conclusions</h3>" + conclusions
        + block("What we cannot yet answer, and why", d.get("cannot_answer", []))
        + block("Later years: comparison with other areas", d.get("later_years", []))
        + block("What was delivered and what it cost", d.get("delivery", []))
        + block("Risks seen in delivery", d.get("risks", []))
        + block("Next evidence point", d.get("next_evidence", []))
        + '<p class="small">Ranges are 95% intervals. Confidence grades follow the '
        '<a href="#glossary">glossary</a>. Contents: <a href="#contents">next page</a>.</p>'
        "</section>"
    )


def contents(entries: Sequence[tuple[str, str]], appendices: Sequence[tuple[str, str]]) -> str:
    """Return a linked table of contents (main body, then appendices)."""
    def link(sid: str, title: str) -> str:
        # Section ids use underscores, their HTML anchors hyphens (``data_quality``).
        return f'<li><a href="#{escape(sid.replace("_", "-"))}">{escape(title)}</a></li>'

    main = "".join(link(a, t) for a, t in entries)
    app = "".join(link(a, t) for a, t in appendices)
    return section("Contents", f"<ol>{main}</ol><h3>Appendices</h3><ol>{app}</ol>",
                   anchor="contents")


def glossary() -> str:
    """Return the glossary: abbreviations and terms, in plain words."""
    def term(t: str) -> str:
        # An abbreviation's own entry is marked up already, so it is not expanded again.
        short = t.split(" (")[0]
        if short in ABBREVIATIONS:
            full = escape(ABBREVIATIONS[short], quote=True)
            return f'<abbr title="{full}">{escape(short)}</abbr> ({escape(t[len(short) + 2:-1])})'
        return escape(t)

    rows = "".join(f"<dt>{term(t)}</dt><dd>{escape(x)}</dd>" for t, x in glossary_entries())
    return section("Glossary", f'<dl class="glossary">{rows}</dl>', anchor="glossary")
