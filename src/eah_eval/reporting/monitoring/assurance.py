"""The monitoring report's assurer's record (AQuA), built by rule from the controlled data.

The same record as the impact report's (:mod:`eah_eval.reporting.assurance` describes its
fields and renders it): the commissioning question and decision, the assumptions the charts
rest on, the checks this version of the package passed, limitations graded by their impact on
the decision, data provenance and sign-off. Limitations are graded:

* **high**: a monitoring area the board cannot see (its data were not supplied);
* **medium**: series hidden by disclosure control, limits still trial limits, exceptions
  without the service's narrative, and what an outcome chart cannot say (effects);
* **low**: recent terms that may move as records are completed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from eah_eval.reporting.assurance import VERIFICATION, assurer_record
from eah_eval.reporting.monitoring.model import MonitoringData
from eah_eval.reporting.monitoring.params import MonitoringReportParams

__all__ = ["MONITORING_VERIFICATION", "monitoring_assurance"]

#: Checks of the test suite that concern the monitoring report (with the shared
#: control-chart reference check of :data:`eah_eval.reporting.assurance.VERIFICATION`).
MONITORING_VERIFICATION: tuple[tuple[str, str], ...] = (
    *(v for v in VERIFICATION if v[1].startswith("tests/monitor/")),
    ("The demo council's planted risks (demand above capacity, a yardstick shortfall, an "
     "outlying cost per expert day) are each flagged for their cluster and no other, every "
     "other signal on the demo is a series the demo's truth file says a planted risk moves, "
     "but for one listed with its reason",
     "tests/reporting/monitoring/test_monitoring_risks.py"),
    ("A change in the phase mix alone gives no signal once outcome rates are standardised, "
     "a rise within a phase does",
     "tests/reporting/monitoring/test_standardisation.py"),
    ("Pure seasonality gives no signal once adjusted, a shift on top of it does; a step "
     "change after start-up is flagged; assurance is judged from the current limits",
     "tests/reporting/monitoring/test_monitoring_risks.py"),
    ("Hand-worked charts for every special-cause rule and for medians of whole days",
     "tests/monitor/test_rules_handworked.py"),
)

_ASSUMPTIONS: tuple[dict[str, str], ...] = (
    {"assumption": "The terms each set of limits comes from (after start-up for process "
                   "measures, before go-live for outcomes) show only common-cause variation.",
     "checked": "the baseline is stated under each chart; special causes inside it show on "
                "the chart"},
    {"assumption": "Terms are independent apart from a real change: a value does not carry "
                   "over into the next term.",
     "checked": "not tested; termly patterns are seasonally adjusted where clear (methods)"},
    {"assumption": "A seasonal pattern is additive and the same each year.",
     "checked": "factors estimated from the baseline terms only; stated under each adjusted "
                "chart"},
    {"assumption": "An outcome rate changes with the mix of primary, secondary and special "
                   "school pupils only through the mix, which standardisation removes; "
                   "other changes in who is on roll (year groups, needs) are not removed.",
     "checked": "rates standardised for the phase mix to the baseline of the limits; stated "
                "under each outcome chart"},
    {"assumption": "Each measure's improvement direction is as stated.",
     "checked": "from the measure definitions; stated under each chart"},
    {"assumption": "Medians of whole days move in steps of a day, so their limits are moved "
                   "out by one day.",
     "checked": "hand-worked test; stated under each waiting-time chart"},
)


def monitoring_assurance(
    params: MonitoringReportParams, data: MonitoringData, status: pd.DataFrame,
    found: pd.DataFrame, has_narrative: bool,
) -> dict[str, Any]:
    """Return the assurer's record of one monitoring report (module notes).

    Parameters
    ----------
    params : MonitoringReportParams
        The report's parameters (question, decision, extract date, roles and dates).
    data : MonitoringData
        The report's data (unavailable sections, fingerprint).
    status : pandas.DataFrame
        Status of every series after disclosure control
        (:func:`~eah_eval.reporting.monitoring.disclosure.status_of`).
    found : pandas.DataFrame
        The exceptions (:func:`~eah_eval.reporting.monitoring.exceptions.exceptions`).
    has_narrative : bool
        Whether an exceptions file was given.

    Returns
    -------
    dict
        The record, ready for ``results.json`` (fields in
        :mod:`eah_eval.reporting.assurance`).
    """
    limits: list[dict[str, str]] = [
        {"impact": "high", "limitation": f"{u.what} is not available: {u.reason}"}
        for u in data.unavailable
    ]
    hidden = int(status["suppressed"].sum())
    if hidden:
        limits.append({"impact": "medium", "limitation": (
            f"{hidden} series are not charted: small numbers leave too few terms to show "
            "(c in the tables), so a change there cannot be seen here.")})
    charted = status.loc[status["n_points"] > 0]
    trial = int(charted["trial_limits"].fillna(False).astype(bool).sum())
    if trial:
        limits.append({"impact": "medium", "limitation": (
            f"{trial} of {len(charted)} series have trial limits (fewer than 13 terms behind "
            "them): their signals are provisional.")})
    if len(found) and not has_narrative:
        limits.append({"impact": "medium", "limitation": (
            f"No service narrative was supplied for the {len(found)} exceptions: cause, "
            "action, owner and date are missing.")})
    if params.outcome_measures:
        limits.append({"impact": "medium", "limitation": (
            "Outcome charts show each cluster's own rate, not the programme's effect: a "
            "change in the pupil mix (for example a growing secondary roll, which raises a "
            "suspension rate) or a trend shared by every cluster shows as special cause. The "
            "impact report estimates the effect against a comparison group.")})
    limits.append({"impact": "low", "limitation": (
        "The latest terms may move as records are completed: requests not yet triaged or "
        "supported are left out of the waiting times.")})
    return assurer_record(params, assumptions=_ASSUMPTIONS,
                            verification=MONITORING_VERIFICATION, limitations=limits,
                            fingerprint=data.data_fingerprint)
