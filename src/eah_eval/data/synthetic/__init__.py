"""A synthetic council with known Experts at Hand effects, for demos and for testing estimators.

Front door: :func:`make_council` (tables and truth in memory) and :func:`write_council` (a
self-describing data package on disk: seventeen CSV files, ``truth.json``,
``datapackage.json`` and the table schemas). The command line is ``eah-eval demo-data``.

Modules, in the order the generator runs: ``layout`` (calendar, clusters, schools, URNs),
``population`` (pupils year by year, SEN status, statutory requests), ``outcomes`` (census,
attendance, suspensions, KS2), ``programme`` (Experts at Hand workforce, requests, activity,
finance), ``tables`` (schema-exact frames), ``high_needs`` (EHC plan caseload, high-needs
costs, income, programme budget and population, from a generator of its own), ``truth`` (true
effects), ``council`` (front door).
"""

from __future__ import annotations

from eah_eval.data.synthetic.council import (
    DEFAULT_SEED,
    DEFAULT_WAVES,
    SyntheticCouncil,
    make_council,
    write_council,
)
from eah_eval.data.synthetic.effects import (
    DEFAULT_EFFECTS,
    MEASURES,
    SETTABLE,
    EffectSpec,
    resolve_effects,
)

__all__ = [
    "DEFAULT_EFFECTS",
    "DEFAULT_SEED",
    "DEFAULT_WAVES",
    "MEASURES",
    "SETTABLE",
    "EffectSpec",
    "SyntheticCouncil",
    "make_council",
    "resolve_effects",
    "write_council",
]
