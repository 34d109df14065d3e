"""Experts at Hand process, input and value-for-money measures, from the council's own records.

Requests and their handling (``eah_requests``), expert days delivered (``eah_activity``) against
the DfE Schools White Paper 2026 yardstick, practitioners in post (``workforce``) and cost per
expert day (``finance``).
"""

from __future__ import annotations

from eah_eval.measures.common_terms import ABOVE_SCHOOL, ALL_LEVELS
from eah_eval.measures.definitions import Direction, Measure, Period, Scale, Statistic

_ALL_PERIODS: tuple[Period, ...] = ("term", "academic_year", "financial_year", "calendar_year")
_LOCAL_RECORDS = "Local Experts at Hand records (process measure)."
_SCHOOLS_SERVED = "Mainstream schools open in the period"
_TIMELY_ACCESS_REASON = "Lower is better: timely access is the programme's promise."
_MAINSTREAM_NOTE = (
    "Schools served by the programme: mainstream schools, i.e. not a special school (la_special, "
    "academy_special, non_maintained_special, independent_special), not a pupil referral unit "
    "and not of phase special or alternative_provision; open on at least one day of the period "
    "(open_date / close_date). Predecessor and successor URNs count as one school."
)


def _request_measure(
    *,
    id: str,
    title: str,
    description: str,
    numerator: str,
    denominator: str,
    scale: Scale,
    statistic: Statistic,
    direction: Direction,
    direction_reason: str,
    min_denominator: int,
    notes: tuple[str, ...],
) -> Measure:
    """Declare a measure of Experts at Hand requests, any period and level, by phase."""
    return Measure(
        id=id,
        title=title,
        description=description,
        numerator=numerator,
        denominator=denominator,
        scale=scale,
        statistic=statistic,
        periods=_ALL_PERIODS,
        levels=ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_requests", "schools"),
        direction=direction,
        direction_reason=direction_reason,
        min_denominator=min_denominator,
        official_definition=_LOCAL_RECORDS,
        notes=notes,
    )


#: Requests: volume, days to triage and to first support, met without escalation.
REQUEST_MEASURES: tuple[Measure, ...] = (
    _request_measure(
        id="eah_requests_per_school",
        title="Experts at Hand requests per school",
        description="Requests for Experts at Hand support received per school served.",
        numerator="Experts at Hand requests received in the period (received_date)",
        denominator=_SCHOOLS_SERVED,
        scale="count",
        statistic="ratio",
        direction="none",
        direction_reason=(
            "No direction: more requests can mean good take-up and trust (and the "
            "identification effect) as much as unmet need; compare with capacity."
        ),
        min_denominator=1,
        notes=(_MAINSTREAM_NOTE, "Requests from other schools are excluded."),
    ),
    _request_measure(
        id="eah_median_days_to_triage",
        title="Median days from request to triage",
        description="Median number of days between receiving a request and triaging it.",
        numerator="Median of (triaged_date - received_date) in days",
        denominator="Requests received in the period that have been triaged",
        scale="days",
        statistic="median",
        direction="lower_better",
        direction_reason=_TIMELY_ACCESS_REASON,
        min_denominator=10,
        notes=(
            "Requests not yet triaged are excluded (recent periods may rise as they are).",
            "The numerator column is empty for medians; the denominator is the number of "
            "requests the median is taken over.",
            "Median of an even count is the mean of the two middle values.",
        ),
    ),
    _request_measure(
        id="eah_median_days_to_first_support",
        title="Median days from request to first support",
        description="Median number of days between receiving a request and the first support.",
        numerator="Median of (first_support_date - received_date) in days",
        denominator="Requests received in the period that have received first support",
        scale="days",
        statistic="median",
        direction="lower_better",
        direction_reason=_TIMELY_ACCESS_REASON,
        min_denominator=10,
        notes=(
            "Requests without first support yet are excluded.",
            "The numerator column is empty for medians.",
        ),
    ),
    _request_measure(
        id="eah_met_without_escalation_pct",
        title="Requests met without statutory escalation (%)",
        description=(
            "Share of closed Experts at Hand requests that did not lead to an EHC needs "
            "assessment request."
        ),
        numerator="Closed requests with escalated_to_statutory = false",
        denominator="Requests closed in the period (closed_date)",
        scale="percent",
        statistic="ratio",
        direction="higher_better",
        direction_reason=(
            "Higher is better (needs met early in mainstream), though some children rightly "
            "need statutory assessment, and the identification effect can bring such needs "
            "to light sooner."
        ),
        min_denominator=10,
        notes=("Open requests are excluded: they can still escalate.",),
    ),
)

#: Inputs and value for money: expert days (per school, against the yardstick), FTE in post,
#: cost per expert day.
RESOURCE_MEASURES: tuple[Measure, ...] = (
    Measure(
        id="eah_expert_days_per_school",
        title="Expert days delivered per school",
        description=(
            "Expert days of Experts at Hand support delivered per mainstream school "
            "(DfE yardstick by April 2029: 40 a year per primary, 160 per secondary)."
        ),
        numerator=(
            "Practitioner hours of Experts at Hand activity in the period / hours per expert "
            "day (default 6.5); statutory_assessment activity excluded"
        ),
        denominator=_SCHOOLS_SERVED,
        scale="days",
        statistic="ratio",
        periods=("academic_year", "term", "financial_year"),
        levels=ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_activity", "schools"),
        direction="higher_better",
        direction_reason=(
            "Higher is better up to the yardstick: it measures input delivered, not outcome."
        ),
        min_denominator=1,
        official_definition=(
            "DfE Schools White Paper 2026 yardstick: about 40 expert days a year per primary "
            "school and 160 per secondary by April 2029."
        ),
        notes=(
            "Statutory EHC needs assessment work is not funded by Experts at Hand and is "
            "excluded.",
            "Activity at schools outside the programme (special, AP) is excluded.",
            _MAINSTREAM_NOTE,
        ),
    ),
    Measure(
        id="eah_expert_days_vs_yardstick_pct",
        title="Expert days delivered against the 40/160 yardstick (%)",
        description=(
            "Expert days delivered to primary and secondary schools as a share of the DfE "
            "yardstick (40 days a year per primary school, 160 per secondary)."
        ),
        numerator=(
            "Expert days (hours / hours per day) delivered to primary and secondary schools; "
            "statutory_assessment activity excluded"
        ),
        denominator=(
            "Yardstick days: 40 per primary and 160 per secondary school open in the period"
        ),
        scale="percent",
        statistic="ratio",
        periods=("academic_year", "financial_year"),
        levels=ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_activity", "schools"),
        direction="higher_better",
        direction_reason="Higher is better up to 100% (the yardstick is the aim for 2029).",
        min_denominator=40,
        official_definition=(
            "DfE Schools White Paper 2026: about 40 expert days a year per primary and 160 per "
            "secondary school by April 2029."
        ),
        notes=(
            "Schools of other phases (nursery, middle, all-through, special, AP) have no "
            "yardstick and are excluded from both sides.",
            "Annual yardstick, so only annual periods are allowed.",
        ),
    ),
    Measure(
        id="eah_fte_in_post_pct",
        title="Practitioner FTE in post against plan (%)",
        description="Full-time-equivalent practitioners in post as a share of planned FTE.",
        numerator="FTE in post, summed over the months and roles of the period",
        denominator="Planned FTE, summed over the same months and roles",
        scale="percent",
        statistic="ratio",
        periods=_ALL_PERIODS,
        levels=ABOVE_SCHOOL,
        groups=(),
        source_tables=("workforce", "clusters", "schools"),
        direction="higher_better",
        direction_reason="Higher is better up to 100%: recruitment delay is a board risk.",
        min_denominator=1,
        official_definition="Local Experts at Hand workforce records (input measure).",
        notes=(
            "A ratio of sums over months, i.e. average FTE in post / average planned FTE.",
            "Clusters map to the LA of their schools.",
        ),
    ),
    Measure(
        id="eah_cost_per_expert_day",
        title="Cost per expert day (£)",
        description="Experts at Hand spend per expert day delivered.",
        numerator=(
            "Spend in pounds (finance, all cost lines except statutory_assessment; refunds "
            "net off)"
        ),
        denominator=(
            "Expert days delivered (activity hours / hours per day, statutory_assessment "
            "excluded)"
        ),
        scale="gbp",
        statistic="ratio",
        periods=("financial_year", "academic_year", "calendar_year", "term"),
        levels=ABOVE_SCHOOL,
        groups=(),
        source_tables=("finance", "eah_activity", "clusters", "schools"),
        direction="lower_better",
        direction_reason=(
            "Lower is better for value for money provided quality and reach hold; the early "
            "months carry set-up costs."
        ),
        min_denominator=10,
        official_definition="Local Experts at Hand finance and activity records (value for money).",
        notes=(
            "Statutory assessment spend and activity are excluded (not Experts at Hand money).",
            "Central costs (cluster_id 'central') count only at LA level.",
        ),
    ),
)
