"""The assurer's record (AQuA): question, assumptions, verification, limitations, provenance.

Built from the evaluation by rule and stored in ``results.json`` under ``assurance``; the
quality assurance section renders it beside the run record (:class:`~eah_eval.reporting.qa.
QARecord`). Limitations are graded by their impact on the decision:

* **high**: the report cannot answer a question it was asked (a result that is not clear,
  the programme's main question first), or the years after the last go-live are not covered;
* **medium**: what the intervals rest on (few clusters) and parts hidden or unavailable;
* **low**: partial periods at the edges of the data.
"""

from __future__ import annotations

from typing import Any

from eah_eval.reporting.assurance import VERIFICATION, assurer_record
from eah_eval.reporting.impact.decision import plain_name
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.impact.value_for_money import unit_cost_label

__all__ = ["VERIFICATION", "assurance_record"]


def assurance_record(ev: Evaluation) -> dict[str, Any]:
    """Return the assurer's record for one evaluation (module notes)."""
    p = ev.params
    d = ev.decision
    n_clusters = len(ev.design)
    assumptions = [
        {"assumption": "Parallel trends: without the programme, started and not-yet-started "
                       "clusters would have changed alike.",
         "checked": "pre-go-live trend test for every measure (robustness section); "
                    "sensitivity to departures (breakdown value) for clear results"},
        {"assumption": "No anticipation: schools did not change before their cluster's "
                       "go-live.",
         "checked": "event-study estimates before go-live (appendix)"},
        {"assumption": "No spill-over: the programme in one cluster did not change outcomes "
                       "in clusters not yet started.",
         "checked": "not testable with these data; clusters are separate groups of schools"},
        {"assumption": "Rollout order was not chosen in response to outcomes.",
         "checked": "randomisation check over rollout orders where requested"},
        {"assumption": "Unit costs: " + ", ".join(
            f"{unit_cost_label(k)} £{v:,.0f}" for k, v in p.unit_costs.items()) + ".",
         "checked": "report parameters; not estimated from the data"},
        {"assumption": "Value for money applies the average change of the evidence window to "
                       "every cluster and year.",
         "checked": "stated beside each valued outcome; not tested for later waves"},
    ]
    limits: list[dict[str, str]] = []
    for c in d.get("conclusions", []):
        if not c["clear"]:
            e = ev.measures[c["measure"]]
            what = plain_name(e.measure_id, e.title)
            limits.append({
                "impact": "high" if c.get("primary") else "medium",
                "limitation": f"No clear answer for {what}: changes smaller than "
                              f"{e.mde:.1f} could have gone unseen."})
    if any(m.sample.by_wave and not m.sample.by_wave[-1].treated_periods
           for m in ev.measures.values()):
        limits.append({"impact": "high",
                       "limitation": "Years after the last wave's go-live have no comparison "
                                     "cluster, so they are not covered by any estimate."})
    if n_clusters < 20:
        limits.append({"impact": "medium",
                       "limitation": f"Only {n_clusters} clusters: intervals use a method "
                                     "built for few clusters, and are wide."})
    for u in ev.unavailable:
        limits.append({"impact": "medium",
                       "limitation": f"{u.what} is not available: {u.reason}"})
    partial = ev.data_quality.get("partial_periods") or {}
    if partial:
        limits.append({"impact": "low",
                       "limitation": "Partial periods at the edges of the data are flagged "
                                     "and left out of before/after descriptions."})
    return assurer_record(p, assumptions=assumptions, verification=VERIFICATION,
                            limitations=limits,
                            fingerprint=str(ev.data_quality.get("fingerprint", "")))
