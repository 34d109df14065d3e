"""Sections that frame the impact report.

Rollout design, data quality, methods and the QA record. Each renders from
the frozen evaluation and computes nothing.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import pandas as pd

from eah_eval.measures import get_measure
from eah_eval.reporting.assurance import assurance_section
from eah_eval.reporting.glossary import table_words
from eah_eval.reporting.html import bullet_list, paragraph, section
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.impact.robustness import PRETREND_RI_ASSUMPTION
from eah_eval.reporting.qa import QARecord
from eah_eval.reporting.tables import html_table


def titles(measure_ids: tuple[str, ...]) -> str:
    """Return measure titles for a sentence (``none`` when there are none)."""
    return "; ".join(get_measure(m).title for m in measure_ids) or "none"


def rule_words(rule: str | None) -> str:
    """Return a rule statement without its option code (``'chain_successors'``)."""
    text = re.sub(r"\s*'[a-z0-9]+(?:_[a-z0-9]+)+'", "", rule or "not stated")
    return text.rstrip(".")


def design_records(design: pd.DataFrame) -> list[dict[str, Any]]:
    """Cluster, wave, go-live date and number of schools served (schools are not people)."""
    out = []
    for r in design.to_dict(orient="records"):
        row: dict[Any, Any] = dict(r)
        out.append(
            {
                "cluster": row["cluster_id"],
                "cluster_name": row["cluster_name"],
                "wave": int(row["rollout_wave"]),
                "go_live": pd.Timestamp(row["go_live_date"]).date().isoformat(),
                "n_schools": int(row["n_schools"]),
            }
        )
    return out


def design_section(ev: Evaluation) -> str:
    """Rollout table: cluster, wave, go-live and number of schools served."""
    recs = design_records(ev.design)
    disp = pd.DataFrame(
        {
            "Wave": [str(r["wave"]) for r in recs],
            "Go-live": [r["go_live"] for r in recs],
            "Schools": [str(r["n_schools"]) for r in recs],
        },
        index=pd.Index([r["cluster_name"] for r in recs], name="Cluster"),
    )
    text = paragraph(
        "Experts at Hand started cluster by cluster. Until a cluster starts, its schools "
        "serve as part of the comparison for clusters that have started. "
        f"First period counted as started: {ev.rollout_rule}."
    )
    return section(
        "How the programme was rolled out",
        text
        + html_table(
            disp,
            caption="Clusters in this report, their rollout wave, go-live date and the schools "
            "the programme serves in each",
            numeric_columns=["Wave", "Schools"],
            notes=[f"Schools: {ev.scope.get('description', '')}"],
        ),
        anchor="design",
    )


def data_quality(ev: Evaluation) -> str:
    """Rows read, used and excluded with reasons; URN changes; gaps; partial periods."""
    rec = ev.data_quality
    parts = []
    if rec["accounting"]:
        full = pd.DataFrame(rec["accounting"])
        for people, caption, note in (
            (True, "Records about people (pupils, their requests, staff): rows read, kept and "
             "excluded for each input table, with reasons",
             "Counts of records in the input files; small counts are suppressed"),
            (False, "Other records (schools, clusters, links, activity, money): rows read, "
             "kept and excluded for each input table, with reasons",
             "These records do not describe people, so their counts are shown as they are"),
        ):
            acc = full[full["describes_people"] == people]
            if acc.empty:
                continue
            cols = [c for c in ("table", "rows_read", "rows_kept", "rows_excluded", "reason")
                    if c in acc.columns]
            acc = acc[cols].copy()
            for c in ("rows_read", "rows_kept", "rows_excluded"):
                if c in acc.columns:
                    acc[c] = acc[c].map(
                        lambda v: f"{int(v):,}" if v is not None and not pd.isna(v) else "c"
                    )
            acc["reason"] = acc.get("reason", pd.Series(dtype=str)).fillna("").replace(
                "", "none")
            acc["table"] = acc["table"].map(lambda t: table_words(str(t)).capitalize())
            acc = acc.set_index("table")
            acc.columns = [c.replace("_", " ").capitalize() for c in acc.columns]
            numeric = ["Rows read", "Rows kept", "Rows excluded"]
            parts.append(
                html_table(
                    acc,
                    caption=caption,
                    row_header="Table",
                    numeric_columns=numeric,
                    count_columns=numeric if people else (),
                    notes=[note],
                )
            )
    else:
        parts.append(paragraph("The data loader did not report row accounting."))
    parts.append(
        paragraph(
            f"School identifier (URN) changes followed: {rec['urn_changes_followed']}. "
            f"Rule: {rule_words(rec['lineage_rule'])}."
        )
    )
    if rec["periods_missing"]:
        parts.append(paragraph("Periods with no data:") + bullet_list(rec["periods_missing"]))
    else:
        parts.append(paragraph("No cluster is missing a period for the measures shown."))
    ns = rec.get("schools_not_served", {})
    if ns.get("by_phase"):
        parts.append(paragraph(
            "Schools left out because the programme does not serve them ("
            + escape(str(ns.get("scope", ""))) + "): "
            + ", ".join(f"{k} {v}" for k, v in ns["by_phase"].items()) + "."))
    if rec.get("partial_periods"):
        parts.append(paragraph(
            "Partial periods (data for only part of the period): flagged in every table and "
            "chart and left out of before/after descriptions:")
            + bullet_list([f"{get_measure(k).title}: {', '.join(v)}"
                           for k, v in rec["partial_periods"].items()]))
    return section("Data quality", "\n".join(parts), anchor="data-quality")


def methods(ev: Evaluation) -> str:
    """Methods appendix and theory of change."""
    p = ev.params
    toc = bullet_list(
        [
            "Inputs: specialist practitioners (educational psychologists, speech and language "
            "therapists, occupational therapists, specialist teachers), Inclusion Leads, "
            "targeted funding for each cluster.",
            "Activities: requests from schools, triage, coaching, training, modelling, "
            "consultation, specialist advice and targeted work.",
            "Outputs: requests met, expert days delivered per school, time from request to "
            "support.",
            "Outcomes: needs met earlier in mainstream schools, fewer escalations to "
            "statutory plans, better attendance and inclusion (fewer suspensions).",
            "Impact: better outcomes for children with SEND and a sustainable local system.",
        ]
    )
    method = bullet_list(
        [
            "Headline estimator: Callaway and Sant'Anna group-time difference-in-differences "
            f"(doubly robust, no covariates), comparison group: "
            f"{p.comparison_group.replace('_', ' ')} clusters; unit: {p.level} x period, "
            "weighted by each school's count (pupils, enrolments or sessions); overall change = "
            "the 'simple' average of the group-time estimates after go-live; event study with "
            "a universal base period (the period before go-live).",
            f"Intervals: every interval in this report (headline, event study, waves, pupil "
            f"groups) comes from one method: {ev.inference.get('text', '')}; "
            f"{round(100 * (1 - p.alpha))}% level, clustered by cluster. Where the method "
            "cannot apply to an estimate, the table says which method was used instead and "
            "why. Cluster estimates are points without intervals (one cluster is too few).",
            f"Pupil-group families: p-values adjusted with the {p.family_adjustment} method "
            "within each measure and characteristic, and a group's change is called clear "
            "only when its adjusted p-value is below the test level.",
            f"Programme scope: {ev.scope.get('description', '')} First period counted as "
            f"started: {ev.rollout_rule}.",
            "Pre-trend test: joint Wald test of the event-study coefficients from five to two "
            "periods before go-live. Its p-value, which drives the evidence rating, comes from "
            f"re-assigning clusters to the observed wave sizes (up to {p.randomization_draws} "
            f"assignments, seed {p.seed}) and asking how often a re-assigned rollout shows a "
            "statistic at least as large; an F reference on (clusters - 1) degrees of freedom "
            "is shown beside it, but with about ten clusters it rejects far more often than its "
            "nominal level (25% at 5% in our check on the demo council, against 2% for the "
            "re-assignment p-value). " + PRETREND_RI_ASSUMPTION,
            "Breakdown value (Rambachan and Roth, relative magnitudes): the largest multiple of "
            "the biggest pre-go-live departure from parallel trends that post-go-live trends "
            "could show before the interval for the average change over the first periods "
            "after go-live includes zero (conditional least-favourable hybrid interval, 200 "
            f"simulated draws, seed {p.seed}).",
            f"Smallest detectable change: (z(1 - alpha/2) + z(power)) times the standard error "
            "implied by the headline interval (its half-width divided by z(1 - alpha/2)), "
            f"about 2.8 standard errors at {round(100 * p.power)}% power and the "
            f"{100 * p.alpha:g}% level, so it describes the headline estimate with the "
            "headline test (Bloom 1995).",
            f"Randomisation inference ({titles(p.randomization_measures)}): the "
            f"headline estimator re-run over {p.randomization_draws} re-orderings of which "
            "clusters went live in which wave (all of them when there are no more); valid if "
            "the rollout order was as good as random; the interval also assumes a constant "
            "effect.",
            "Other estimators under robustness: Borusyak-Jaravel-Spiess imputation, two-way "
            "fixed effects and its Goodman-Bacon decomposition.",
            f"Equality breakdowns ({titles(p.equality_measures)}): the headline "
            "estimator for each pupil group's own rate, where the group has at least "
            f"{p.equality_min_pupils} records per period in every wave.",
            "Value for money: programme costs from the finance records (statutory EHC needs "
            "assessment costs excluded; central costs shared by schools) against the "
            "estimated changes, at the unit costs given as report parameters.",
            "Evidence strength: Maryland Scientific Methods Scale (level 3 for a difference-"
            "in-differences design whose comparison group is shown comparable) with the EEF "
            "padlock scale; downgrades for failed pre-trend tests, thin comparison groups, and "
            "conclusions that change under small departures from parallel trends.",
            "Months' progress is reported for attainment only, from the EEF conversion table.",
            f"Disclosure control: {ev.disclosure.get('description', '')} Secondary "
            "suppression is checked so that no hidden value can be worked out exactly from "
            "published totals, within a table and across tables (a wave's estimate is hidden "
            "when it would reveal a hidden cluster's); rates about fewer pupils than the "
            "threshold are hidden whatever their denominator counts; it does not minimise the "
            "cells hidden.",
            "Limitations: clusters that started early may differ from later ones (selection "
            "into early waves); effects may spill over between neighbouring schools; other "
            "programmes ran at the same time; some data arrive with a lag.",
        ]
    )
    return section(
        "Methods and theory of change",
        section("Theory of change", toc, level=3) + section("Methods", method, level=3),
        anchor="methods",
    )


def qa_section(qa: QARecord, ev: Evaluation) -> str:
    """Render the assurer's record (AQuA): question, assumptions, checks, limits, sign-off."""
    return assurance_section(
        ev.assurance, qa,
        provenance=["Rows read, kept and excluded: see the data quality appendix"])
