"""Wording and level sets shared by several measure families of the registry.

Each family module (:mod:`~eah_eval.measures.outcomes_census`,
:mod:`~eah_eval.measures.statutory`, :mod:`~eah_eval.measures.outcomes_attendance`,
:mod:`~eah_eval.measures.outcomes_exclusions`, :mod:`~eah_eval.measures.outcomes_attainment`,
:mod:`~eah_eval.measures.process`) keeps the text only it uses; what two or more families state
identically lives here, so it is written once.
"""

from __future__ import annotations

from eah_eval.measures.definitions import Level

#: Every unit level.
ALL_LEVELS: tuple[Level, ...] = ("school", "cluster", "wave", "la")
#: Every level above the single school (for shares that are 0 or 100 per school, or inputs
#: recorded per cluster).
ABOVE_SCHOOL: tuple[Level, ...] = ("cluster", "wave", "la")

#: The January census headcount, the denominator of the census, SEN2 and exclusion rates.
HEADCOUNT = (
    "January census headcount: pupils on roll on the January school census day (all ages and "
    "year groups, one record per pupil) at the unit's schools"
)
#: The identification effect, quoted in direction reasons.
IDENTIFICATION = (
    "Early help may at first raise recorded need (the identification effect: needs are "
    "noticed and recorded sooner), so a rise soon after go-live is not by itself a failure"
)
#: How pupil groups are found for event-based measures (requests, plans, KS2 results).
EVENT_GROUP_NOTE = (
    "Pupil groups come from the pupil's January census record of the academic year in which "
    "the event falls; pupils without one are grouped as 'unknown'."
)
