"""Staggered difference-in-differences estimators.

Group-time effects (Callaway and Sant'Anna) are estimated once and keep their influence
functions; aggregation, bootstrap and sensitivity analysis work from that store.
One treated area (or block) against many: synthetic difference-in-differences and synthetic
control (:func:`synthdid`); one local authority against the authorities not yet started in a
national panel (:func:`area_synthdid`).
All estimators report through the shared table model :class:`EffectTable`.

The names below are loaded from their modules on first use, so that a caller of
:func:`att_gt` (``eah-eval did``) does not import the sparse solvers and distributions of the
other estimators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eah_eval.lazy_exports import export_lazily

if TYPE_CHECKING:
    from eah_eval.did.aggregate import AGGREGATION_KINDS, AggregateResult, aggregate
    from eah_eval.did.areas import area_synthdid
    from eah_eval.did.attgt import GroupTimeRefit, GroupTimeResult, WaldPretest, att_gt
    from eah_eval.did.bacon import bacon
    from eah_eval.did.bootstrap import WEIGHT_TYPES, BootstrapOutcome, multiplier_bootstrap
    from eah_eval.did.dose import (
        SLOPE_FROM,
        ClusterEffects,
        DoseLine,
        cluster_effects,
        dose_line,
    )
    from eah_eval.did.imputation import imputation
    from eah_eval.did.plot import plot_event_study
    from eah_eval.did.results import EffectTable
    from eah_eval.did.sun_abraham import sun_abraham
    from eah_eval.did.synthdid import SYNTH_METHODS, SynthDidResult, synthdid
    from eah_eval.did.twfe import twfe

_MODULE_OF = {
    "AGGREGATION_KINDS": "aggregate", "AggregateResult": "aggregate", "aggregate": "aggregate",
    "area_synthdid": "areas",
    "GroupTimeRefit": "attgt", "GroupTimeResult": "attgt", "WaldPretest": "attgt",
    "att_gt": "attgt",
    "bacon": "bacon",
    "WEIGHT_TYPES": "bootstrap", "BootstrapOutcome": "bootstrap",
    "multiplier_bootstrap": "bootstrap",
    "SLOPE_FROM": "dose", "ClusterEffects": "dose", "DoseLine": "dose",
    "cluster_effects": "dose", "dose_line": "dose",
    "imputation": "imputation",
    "plot_event_study": "plot",
    "EffectTable": "results",
    "sun_abraham": "sun_abraham",
    "SYNTH_METHODS": "synthdid", "SynthDidResult": "synthdid", "synthdid": "synthdid",
    "twfe": "twfe",
}

__all__ = [
    "AGGREGATION_KINDS",
    "SLOPE_FROM",
    "SYNTH_METHODS",
    "WEIGHT_TYPES",
    "AggregateResult",
    "BootstrapOutcome",
    "ClusterEffects",
    "DoseLine",
    "EffectTable",
    "GroupTimeRefit",
    "GroupTimeResult",
    "SynthDidResult",
    "WaldPretest",
    "aggregate",
    "area_synthdid",
    "att_gt",
    "bacon",
    "cluster_effects",
    "dose_line",
    "imputation",
    "multiplier_bootstrap",
    "plot_event_study",
    "sun_abraham",
    "synthdid",
    "twfe",
]

export_lazily(__name__, _MODULE_OF)
