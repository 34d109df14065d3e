"""Statutory EHC process measures (SEN2): requests, new plans and their timeliness.

Definitions follow DfE's SEN2 collection and the SEND Regulations 2014. Every measure here
reads EHC needs assessment requests (``ehc_requests``) with the January census for pupil groups
and headcounts, by calendar (or academic) year.
"""

from __future__ import annotations

from eah_eval.measures.common_terms import ALL_LEVELS, EVENT_GROUP_NOTE, HEADCOUNT, IDENTIFICATION
from eah_eval.measures.definitions import PUPIL_GROUPS, Direction, Level, Measure, Scale

_TWENTY_WEEKS_REASON = "Higher is better: the statutory limit is 20 weeks."


def _sen2_measure(
    *,
    id: str,
    title: str,
    description: str,
    numerator: str,
    denominator: str,
    scale: Scale,
    levels: tuple[Level, ...],
    direction: Direction,
    direction_reason: str,
    official_definition: str,
    notes: tuple[str, ...],
) -> Measure:
    """Declare a ratio over EHC requests by calendar or academic year, any pupil group."""
    return Measure(
        id=id,
        title=title,
        description=description,
        numerator=numerator,
        denominator=denominator,
        scale=scale,
        statistic="ratio",
        periods=("calendar_year", "academic_year"),
        levels=levels,
        groups=PUPIL_GROUPS,
        source_tables=("ehc_requests", "pupil_census", "schools"),
        direction=direction,
        direction_reason=direction_reason,
        min_denominator=10,
        official_definition=official_definition,
        notes=notes,
        pupil_based=True,
    )


#: EHC requests, new plans and timeliness, in catalogue order.
STATUTORY_MEASURES: tuple[Measure, ...] = (
    _sen2_measure(
        id="ehc_requests_per_1000",
        title="EHC needs assessment requests per 1,000 pupils",
        description=(
            "Requests for an EHC needs assessment received by the LA, per 1,000 pupils on roll."
        ),
        numerator=(
            "EHC needs assessment requests received in the period (received_date), linked to "
            "the school the child attended when the request was received (URN)"
        ),
        denominator=(
            HEADCOUNT + " in January of the same calendar year (for academic years: the "
            "January census of that academic year)"
        ),
        scale="per_1000",
        levels=ALL_LEVELS,
        direction="lower_better",
        direction_reason=(
            "Lower is better (needs met without statutory escalation), but "
            + IDENTIFICATION.lower()
            + " and requests can rise at first."
        ),
        official_definition=(
            "DfE SEN2 (person-level since 2023): initial requests for an EHC needs assessment "
            "received in the calendar year; rate per 1,000 pupils on the January census."
        ),
        notes=(
            "SEN2 publishes counts of requests for all children and young people aged 0-25; "
            "the rate per 1,000 pupils on roll is this package's construction, counting only "
            "requests linked to a school by URN so that numerator and denominator cover the "
            "same schools.",
            EVENT_GROUP_NOTE,
        ),
    ),
    _sen2_measure(
        id="ehc_new_plans_per_1000",
        title="New EHC plans issued per 1,000 pupils",
        description="New EHC plans issued by the LA in the period, per 1,000 pupils on roll.",
        numerator="EHC plans issued in the period (plan_issued_date) for requests from the unit",
        denominator=HEADCOUNT + " in January of the same calendar (or academic) year",
        scale="per_1000",
        levels=ALL_LEVELS,
        direction="lower_better",
        direction_reason=(
            "Lower is better if needs are met earlier without a plan; the identification "
            "effect can raise it at first."
        ),
        official_definition=(
            "DfE SEN2: new EHC plans made during the calendar year; rate per 1,000 pupils on "
            "the January census."
        ),
        notes=(EVENT_GROUP_NOTE,),
    ),
    _sen2_measure(
        id="ehc_decided_within_6wk_pct",
        title="EHC needs assessment requests decided within 6 weeks (%)",
        description=(
            "Share of decisions whether to assess made within 6 weeks (42 days) of the request."
        ),
        numerator="Decisions (assess or not assess) made within 42 days of received_date",
        denominator=(
            "Decisions (assess or not assess) made in the period (decision_date); pending and "
            "withdrawn requests are excluded"
        ),
        scale="percent",
        levels=ALL_LEVELS,
        direction="higher_better",
        direction_reason=(
            "Higher is better: the SEND Regulations 2014 require the decision by week 6."
        ),
        official_definition=(
            "SEND Regulations 2014 / SEND Code of Practice: decide whether to assess within "
            "6 weeks of the request."
        ),
        notes=("A decision on day 42 counts as within 6 weeks.", EVENT_GROUP_NOTE),
    ),
    _sen2_measure(
        id="ehc_20wk_incl_exceptions_pct",
        title="New EHC plans issued within 20 weeks, including exceptions (%)",
        description=(
            "Share of new EHC plans issued within 20 weeks (140 days) of the request; all plans."
        ),
        numerator="New plans issued within 140 days of received_date",
        denominator="New plans issued in the period (plan_issued_date), exceptions included",
        scale="percent",
        levels=("la",),
        direction="higher_better",
        direction_reason=_TWENTY_WEEKS_REASON,
        official_definition=(
            "DfE SEN2 'EHC plans issued within 20 weeks, including exceptions': plans issued "
            "within 20 weeks / all new plans issued in the calendar year x 100 (published "
            "fields plans_issued_within_20_weeks / plans_issued_den)."
        ),
        notes=(
            "Local-authority level only: timeliness is the LA's statutory process, not a "
            "cluster outcome.",
            "Clock: decide by week 6, draft by week 16, final plan by week 20.",
            EVENT_GROUP_NOTE,
        ),
    ),
    _sen2_measure(
        id="ehc_20wk_excl_exceptions_pct",
        title="New EHC plans issued within 20 weeks, excluding exceptions (%)",
        description=(
            "Share of new EHC plans issued within 20 weeks, leaving out cases where an "
            "exception to the time limit applies (SEND Regulations 2014, reg. 13(3))."
        ),
        numerator="New plans without an exception issued within 140 days of received_date",
        denominator="New plans issued in the period (plan_issued_date) without an exception",
        scale="percent",
        levels=("la",),
        direction="higher_better",
        direction_reason=_TWENTY_WEEKS_REASON,
        official_definition=(
            "DfE SEN2 'EHC plans issued within 20 weeks, excluding exceptions': plans without "
            "an exception issued within 20 weeks / new plans issued in the calendar year "
            "without an exception x 100 (fields plans_issued_20_weeks_ex / "
            "plans_issued_den_ex)."
        ),
        notes=(
            "Local-authority level only.",
            "Plans where an exception applies are removed from numerator and denominator.",
            EVENT_GROUP_NOTE,
        ),
    ),
)
