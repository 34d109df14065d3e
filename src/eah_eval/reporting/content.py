"""Report sections that describe the design, the data and the method (from the data).

Everything here is generated from the loaded tables, the parameters and the results; fixed
text is limited to explaining methods and the theory of change.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eah_eval.reporting.html import bullet_list, paragraph, section
from eah_eval.reporting.params import ReportParams
from eah_eval.reporting.qa import QARecord
from eah_eval.reporting.robustness import PRETREND_RI_ASSUMPTION
from eah_eval.reporting.tables import html_table

if TYPE_CHECKING:  # pragma: no cover
    from eah_eval.reporting.estimates import Estimates
    from eah_eval.reporting.impact import _Context


def cover(params: ReportParams, qa: QARecord) -> str:
    """Title block: title, council, audience, date and assurance status."""
    status = (
        "Quality assured (see the QA record at the end)."
        if qa.assured
        else "Not yet quality assured: the AQuA roles are not all recorded "
        "(see the QA record at the end)."
    )
    return (
        f"<header><h1>{escape(params.title)}</h1>"
        f"<p>{escape(params.council)}. Prepared for: "
        f"{'the board' if params.audience == 'board' else 'technical readers'}. "
        f"Generated {escape(qa.started[:10])}.</p>"
        f'<p class="note">{escape(status)}</p></header>'
    )


def summary(ctx: _Context, est: Estimates) -> str:
    """One-page plain-English summary: what was done, what changed, how sure, what it means."""
    p = ctx.params
    n_clusters = len(ctx.design)
    waves = sorted(ctx.design["rollout_wave"].unique())
    first = pd.Timestamp(ctx.design["go_live_date"].min()).strftime("%B %Y")
    last = pd.Timestamp(ctx.design["go_live_date"].max()).strftime("%B %Y")
    did = (
        f"We compared {n_clusters} clusters that started Experts at Hand in {len(waves)} "
        f"wave{'s' if len(waves) != 1 else ''} between {first} and {last}. For each measure "
        "we compared the change in clusters after they started with the change, over the "
        "same periods, in clusters that had not started yet (a staggered difference-in-"
        "differences design)."
    )
    items = [f.headline for f in est.findings] or [
        "Estimates of change are not available in this report; only the trends over time "
        "are shown, which cannot by themselves show what the programme changed."
    ]
    sure = est.certainty_text
    means = _meaning(est.results.get("measures", {}), ctx.params.alpha)
    body = (
        '<div class="summary-box">'
        + section("What was done", paragraph(did), level=3)
        + section("What changed", bullet_list(items), level=3)
        + section("How sure we are", paragraph(sure), level=3)
        + section("What it means for the board", bullet_list(means), level=3)
        + "</div>"
        + paragraph(
            f"Small numbers are protected: {ctx.policy.describe()} Symbols: c = suppressed, "
            "x = not available, z = not applicable, low = rounds to zero."
        )
    )
    del p
    return section("Summary", body, anchor="summary")


def _meaning(measures: dict[str, Any], alpha: float) -> list[str]:
    """Say what the results mean, worded by rule from the estimates and their checks."""
    from eah_eval.measures import get_measure

    better, worse, unjudged, unclear, fragile, pretrend = [], [], [], [], [], []
    for mid, e in measures.items():
        title = e["title"]
        clear = e["ci_lower"] > 0 or e["ci_upper"] < 0
        direction = get_measure(mid).direction
        if clear:
            up = e["ci_lower"] > 0
            if direction == "none":
                unjudged.append(title)
            elif (direction == "higher_better") == up:
                better.append(title)
            else:
                worse.append(title)
            bd = e.get("checks", {}).get("breakdown", {}).get("value")
            if bd is not None and bd < 1:
                fragile.append(title)
        else:
            unclear.append(title)
        p = e.get("pretrend_p")
        if p is not None and p < alpha:
            pretrend.append(title)
    out = []
    if better:
        out.append("Clear evidence of improvement after go-live: " + ", ".join(better) + ".")
    if worse:
        out.append("Clear evidence of worsening after go-live: " + ", ".join(worse) + ".")
    if unjudged:
        out.append("Clear change where the good direction is not judged (early help can first "
                   "raise recorded need): " + ", ".join(unjudged) + ".")
    if unclear:
        out.append("No clear change: " + ", ".join(unclear) + ". This does not show the "
                   "programme had no effect there, only that any effect was smaller than this "
                   "design can reliably detect (see each result's smallest detectable change).")
    if pretrend:
        out.append("Treat with caution: for " + ", ".join(pretrend) + ", schools in started "
                   "and not-yet-started clusters were already moving differently before go-live, "
                   "so part of the change may not be due to the programme.")
    if fragile:
        out.append("Sensitive to assumptions: the conclusion for " + ", ".join(fragile)
                   + " would change if trends after go-live departed from parallel by less "
                   "than the largest departure seen before go-live (breakdown value below 1).")
    if not out:
        out.append("No estimates are available, so the report cannot say what changed.")
    return out


def design_records(ctx: _Context) -> list[dict[str, Any]]:
    """Cluster, wave, go-live date and number of schools (schools are not people)."""
    out = []
    for r in ctx.design.to_dict(orient="records"):
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


def design_section(ctx: _Context) -> str:
    """Rollout table: cluster, wave, go-live and number of schools."""
    recs = design_records(ctx)
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
        "serve as part of the comparison for clusters that have started."
    )
    return section(
        "How the programme was rolled out",
        text
        + html_table(
            disp,
            caption="Clusters in this report, their rollout wave, go-live date and schools",
            numeric_columns=["Wave", "Schools"],
        ),
        anchor="design",
    )


def data_quality_records(ctx: _Context) -> dict[str, Any]:
    """Row accounting, URN changes followed and periods missing, for results.json."""
    cached: dict[str, Any] | None = getattr(ctx, "_data_quality", None)
    if cached is not None:
        return cached
    acc = getattr(ctx.council, "accounting", None)
    rows = []
    if isinstance(acc, pd.DataFrame) and len(acc):
        acc = _protect_accounting(acc, ctx)
        for r in acc.to_dict(orient="records"):
            row = {k: (None if pd.isna(v) else v) for k, v in r.items()}
            row["describes_people"] = str(row.get("table")) in PEOPLE_TABLES
            rows.append(row)
    changes = 0
    rule = ""
    try:
        from eah_eval.data.lineage import resolve_lineage

        links = ctx.tables.get("school_links")
        if links is not None:
            lin = resolve_lineage(ctx.tables["schools"], links)
            changes = len(lin.changes)
            rule = lin.rule
    except ImportError:  # pragma: no cover - the lineage module ships with the data layer
        rule = "URN lineage not available"
    missing: list[str] = []
    for mid, data in ctx.measures.items():
        if data:
            periods = sorted({r["period"] for r in data.get("by_cluster", [])})
            clusters = {r["cluster"] for r in data.get("by_cluster", [])}
            have = {(r["cluster"], r["period"]) for r in data.get("by_cluster", [])}
            n_missing = sum((c, p) not in have for c in clusters for p in periods)
            if n_missing:
                missing.append(f"{mid}: {n_missing} cluster-period(s) with no data")
    out = {"accounting": rows, "urn_changes_followed": changes, "lineage_rule": rule,
           "periods_missing": missing}
    ctx._data_quality = out
    return out


#: Input tables whose records describe people (pupils, their requests, staff): their record
#: counts get disclosure control. Records of schools, clusters, links, money and activity do
#: not describe people and are shown as they are.
PEOPLE_TABLES: frozenset[str] = frozenset({
    "pupil_census", "attendance", "suspensions", "ehc_requests", "eah_requests", "workforce",
    "attainment",
})


def _protect_accounting(acc: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """Suppress small record counts: rows read = kept + excluded, so both parts are protected.

    Records of the tables in :data:`PEOPLE_TABLES` describe people, so a small count is treated
    like any other small count (primary suppression) and the row relation read = kept +
    excluded gets secondary suppression.
    """
    from eah_eval.reporting.suppression import suppress_table

    need = {"rows_read", "rows_kept", "rows_excluded"}
    if not need <= set(acc.columns):
        return acc
    out = acc.copy()
    people = out["table"].isin(PEOPLE_TABLES).to_numpy() if "table" in out else np.ones(
        len(out), dtype=bool)
    if people.any():
        counts = out.loc[people, ["rows_kept", "rows_excluded"]].astype(float)
        st = suppress_table(counts, policy=ctx.policy, name="row accounting", margins=True)
        ctx.records.append(st.record)
        inner = st.values.iloc[: len(counts)]
        out["rows_kept"] = out["rows_kept"].astype(float)
        out["rows_excluded"] = out["rows_excluded"].astype(float)
        out["rows_read"] = out["rows_read"].astype(float)
        out.loc[people, "rows_kept"] = inner["rows_kept"].to_numpy()
        out.loc[people, "rows_excluded"] = inner["rows_excluded"].to_numpy()
        out.loc[people, "rows_read"] = inner["Total"].to_numpy()
    keep = [c for c in ("table", "rows_read", "rows_kept", "rows_excluded", "reason") if c in out]
    return out[keep]


def data_quality(ctx: _Context) -> str:
    """Rows read, used and excluded with reasons; URN changes; periods missing."""
    rec = data_quality_records(ctx)
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
            f"Rule: {(rec['lineage_rule'] or 'not stated').rstrip('.')}."
        )
    )
    if rec["periods_missing"]:
        parts.append(paragraph("Periods with no data:") + bullet_list(rec["periods_missing"]))
    else:
        parts.append(paragraph("No cluster is missing a period for the measures shown."))
    return section("Data quality", "\n".join(parts), anchor="data-quality")


def methods(ctx: _Context) -> str:
    """Methods appendix and theory of change."""
    p = ctx.params
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
            f"Intervals: {p.inference.replace('_', ' ')} with {p.bootstrap_reps} replications, "
            f"seed {p.seed}, {round(100 * (1 - p.alpha))}% level, clustered by cluster "
            "(the few-cluster default).",
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
            f"Smallest detectable change: {p.power_sims} simulated rollouts on the council's "
            "own panel (estimated change removed, clusters re-assigned at random to the "
            "observed waves, an effect added, the headline estimator re-run, tested with the "
            "cluster-robust t on clusters - 1 degrees of freedom); the change detected with 80% "
            f"power at the {100 * p.alpha:g}% level; seed {p.seed}.",
            f"Randomisation inference ({', '.join(p.randomization_measures) or 'none'}): the "
            f"headline estimator re-run over {p.randomization_draws} re-orderings of which "
            "clusters went live in which wave (all of them when there are no more); valid if "
            "the rollout order was as good as random; the interval also assumes a constant "
            "effect.",
            "Other estimators under robustness: Borusyak-Jaravel-Spiess imputation, two-way "
            "fixed effects and its Goodman-Bacon decomposition.",
            f"Equality breakdowns ({', '.join(p.equality_measures) or 'none'}): the headline "
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
            f"Disclosure control: {ctx.policy.describe()} Secondary suppression is checked "
            "so that no hidden value can be worked out exactly from published totals; it does "
            "not minimise the cells hidden.",
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


def qa_section(qa: QARecord) -> str:
    """Render the AQuA record as a table."""
    d = qa.to_dict()
    rows = {
        "Commissioner": d["commissioner"] or "not recorded",
        "Analyst": d["analyst"] or "not recorded",
        "Assurer": d["assurer"] or "not recorded",
        "Approver": d["approver"] or "not recorded",
        "eah-eval version": d["versions"].get("eah-eval", ""),
        "Python": d["versions"].get("python", ""),
        "Code version (git commit)": d["git_commit"],
        "Data fingerprint (SHA-256)": d["data_fingerprint"] or "not available",
        "Data source": d["data_source"],
        "Seeds": ", ".join(f"{k} {v}" for k, v in d["seeds"].items()),
        "Run started (UTC)": d["started"],
        "Run time (seconds)": f"{d['seconds']:.1f}",
    }
    disp = pd.DataFrame({"Value": list(rows.values())}, index=pd.Index(rows, name="Item"))
    libs = ", ".join(f"{k} {v}" for k, v in d["versions"].items() if k not in ("eah-eval",))
    return section(
        "Quality assurance record",
        html_table(disp, caption="AQuA quality assurance record", numeric_columns=[])
        + paragraph(f"Library versions: {libs}. The full parameters are in results.json."),
        anchor="qa",
    )
