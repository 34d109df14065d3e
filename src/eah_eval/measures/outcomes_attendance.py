"""Attendance measures: overall, persistent and severe absence.

Definitions follow DfE 'Pupil absence in schools in England'. Every measure here is a
percentage read from the ``attendance`` table (with the January census for pupil groups), by
term or academic year, lower being better.
"""

from __future__ import annotations

from eah_eval.measures.common_terms import ALL_LEVELS
from eah_eval.measures.definitions import PUPIL_GROUPS, Measure

_ABSENCE_NOTES = (
    "Ages 5 to 15 (age on 31 August before the academic year), as in DfE absence statistics, "
    "which cover pupils of compulsory school age for overall, persistent and severe absence "
    "alike (4-year-olds and pupils aged 16 and over are excluded).",
    "Enrolments with zero possible sessions are excluded.",
    "By term the basis is an option: 'termly' (each term alone) or 'cumulative' (academic "
    "year to date); by academic year the whole year is used.",
    "Pupil groups come from the pupil's January census record of the same academic year; "
    "pupils without one are grouped as 'unknown'.",
)
_ENROLMENTS = (
    "Enrolments (pupil x school x period) aged 5-15 with more than zero possible sessions"
)


def _absence_measure(
    *,
    id: str,
    title: str,
    description: str,
    numerator: str,
    denominator: str,
    direction_reason: str,
    official_definition: str,
    notes: tuple[str, ...],
) -> Measure:
    """Declare an absence percentage (lower is better) by term or academic year."""
    return Measure(
        id=id,
        title=title,
        description=description,
        numerator=numerator,
        denominator=denominator,
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year"),
        levels=ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("attendance", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason=direction_reason,
        min_denominator=10,
        official_definition=official_definition,
        notes=notes,
        pupil_based=True,
    )


#: Overall, persistent and severe absence, in catalogue order.
ATTENDANCE_MEASURES: tuple[Measure, ...] = (
    _absence_measure(
        id="absence_overall_pct",
        title="Overall absence rate (%)",
        description=(
            "Sessions missed (authorised and unauthorised) as a share of possible sessions."
        ),
        numerator="Authorised plus unauthorised absence sessions",
        denominator="Possible sessions (2 a day)",
        direction_reason="Lower is better: attendance is an aim of the programme.",
        official_definition=(
            "DfE 'Pupil absence in schools in England': overall absence = absence sessions / "
            "possible sessions x 100."
        ),
        notes=_ABSENCE_NOTES,
    ),
    _absence_measure(
        id="absence_persistent_pct",
        title="Persistent absence (%)",
        description=(
            "Share of enrolments missing 10% or more of their own possible sessions."
        ),
        numerator="Enrolments with absence sessions >= 10% of their possible sessions",
        denominator=_ENROLMENTS,
        direction_reason="Lower is better.",
        official_definition=(
            "DfE 'Pupil absence in schools in England': persistent absentees miss 10% or more "
            "of their own possible sessions; enrolment-based."
        ),
        notes=(
            *_ABSENCE_NOTES,
            "A pupil at two schools is two enrolments; a URN change keeps one enrolment.",
            "By term each attendance record (pupil, URN, academic year, term: the table's "
            "primary key) is one enrolment; a pupil's records under a predecessor and a "
            "successor URN in one term are summed into one enrolment before the 10% test.",
        ),
    ),
    _absence_measure(
        id="absence_severe_pct",
        title="Severe absence (%)",
        description="Share of enrolments missing 50% or more of their own possible sessions.",
        numerator="Enrolments with absence sessions >= 50% of their possible sessions",
        denominator=_ENROLMENTS,
        direction_reason="Lower is better.",
        official_definition=(
            "DfE 'Pupil absence in schools in England': severely absent pupils miss 50% or "
            "more of their own possible sessions; enrolment-based."
        ),
        notes=(
            *_ABSENCE_NOTES,
            "Enrolments as for persistent absence (a URN change keeps one enrolment).",
        ),
    ),
)
