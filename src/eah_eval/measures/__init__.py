"""Measures: SEND outcome and process measures, from records to tidy panels.

Definitions are declarative (:mod:`~eah_eval.measures.registry`); computations are written once
in Ibis (:mod:`~eah_eval.measures.recipes`) and run on DuckDB by default, on PySpark, or on any
Ibis backend where a council's data live. :class:`ProgrammeScope` says which schools the
programme serves (panels keep those by default); :func:`partial_periods` flags periods whose
data cover only some of their terms.
"""

from __future__ import annotations

from eah_eval.measures.coverage import PeriodCoverage, partial_periods, period_completeness
from eah_eval.measures.definitions import (
    GROUPS,
    LEVELS,
    PERIODS,
    Measure,
    MeasureOptions,
)
from eah_eval.measures.dose import DEFAULT_DOSE_MEASURE, cluster_dose
from eah_eval.measures.engine import TableSet, open_tables
from eah_eval.measures.panel import (
    FRAME_COLUMNS,
    MeasureResult,
    compute,
    compute_many,
    rollout_panel,
)
from eah_eval.measures.programme import DEFAULT_SCOPE, ProgrammeScope, school_scope
from eah_eval.measures.registry import REGISTRY, get_measure, list_measures
from eah_eval.measures.rollout import MID_PERIOD_RULES, first_treated_period

__all__ = [
    "DEFAULT_DOSE_MEASURE",
    "DEFAULT_SCOPE",
    "FRAME_COLUMNS",
    "GROUPS",
    "LEVELS",
    "MID_PERIOD_RULES",
    "PERIODS",
    "REGISTRY",
    "Measure",
    "MeasureOptions",
    "MeasureResult",
    "PeriodCoverage",
    "ProgrammeScope",
    "TableSet",
    "cluster_dose",
    "compute",
    "compute_many",
    "first_treated_period",
    "get_measure",
    "list_measures",
    "open_tables",
    "partial_periods",
    "period_completeness",
    "rollout_panel",
    "school_scope",
]
