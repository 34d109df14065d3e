"""The registry: every measure eah-eval computes, declared once, assembled in catalogue order.

Definitions follow the DfE statistics methodology pages (schools, pupils and their
characteristics; special educational needs in England; pupil absence in schools in England;
suspensions and permanent exclusions in England; education, health and care plans (SEN2);
key stage 2 attainment) and, for process measures, the council's own Experts at Hand records.
The declarations live by family: :mod:`~eah_eval.measures.outcomes_census` (SEN and EHC plan
prevalence, placements), :mod:`~eah_eval.measures.statutory` (EHC requests, plans and
timeliness), :mod:`~eah_eval.measures.outcomes_attendance`,
:mod:`~eah_eval.measures.outcomes_exclusions`, :mod:`~eah_eval.measures.outcomes_attainment`
and :mod:`~eah_eval.measures.process` (Experts at Hand requests, inputs and costs).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from eah_eval.errors import OptionError
from eah_eval.measures.definitions import Measure
from eah_eval.measures.outcomes_attainment import ATTAINMENT_MEASURES
from eah_eval.measures.outcomes_attendance import ATTENDANCE_MEASURES
from eah_eval.measures.outcomes_census import PLACEMENT_MEASURES, PREVALENCE_MEASURES
from eah_eval.measures.outcomes_exclusions import EXCLUSION_MEASURES
from eah_eval.measures.process import REQUEST_MEASURES, RESOURCE_MEASURES
from eah_eval.measures.statutory import STATUTORY_MEASURES

#: Every measure, in catalogue order (the order of ``docs/measures.md``).
_MEASURES: tuple[Measure, ...] = (
    *PREVALENCE_MEASURES,
    *STATUTORY_MEASURES,
    *PLACEMENT_MEASURES,
    *ATTENDANCE_MEASURES,
    *EXCLUSION_MEASURES,
    *ATTAINMENT_MEASURES,
    *REQUEST_MEASURES,
    *RESOURCE_MEASURES,
)

#: Read-only mapping measure id -> :class:`Measure`, in catalogue order.
REGISTRY: Mapping[str, Measure] = MappingProxyType({m.id: m for m in _MEASURES})

if len(REGISTRY) != len(_MEASURES):  # pragma: no cover - guards against duplicate ids
    raise RuntimeError("duplicate measure ids in the registry")


def get_measure(measure_id: str) -> Measure:
    """Return the measure with id ``measure_id``.

    Raises
    ------
    OptionError
        If no measure has that id; the message lists the ids.
    """
    if not isinstance(measure_id, str) or measure_id not in REGISTRY:
        raise OptionError(
            f"unknown measure {measure_id!r}; known measures: {', '.join(REGISTRY)}"
        )
    return REGISTRY[measure_id]


def list_measures() -> tuple[Measure, ...]:
    """Return every registered measure, in catalogue order."""
    return tuple(REGISTRY.values())
