"""Staggered difference-in-differences estimators.

Group-time effects (Callaway and Sant'Anna) are estimated once and keep their influence
functions; aggregation, bootstrap and sensitivity analysis work from that store.
One treated area (or block) against many: synthetic difference-in-differences and synthetic
control (:func:`synthdid`).
All estimators report through the shared table model :class:`EffectTable`.
"""

from __future__ import annotations

from eah_eval.did.aggregate import AGGREGATION_KINDS, AggregateResult, aggregate
from eah_eval.did.attgt import GroupTimeResult, WaldPretest, att_gt
from eah_eval.did.bacon import bacon
from eah_eval.did.bootstrap import WEIGHT_TYPES, BootstrapOutcome, multiplier_bootstrap
from eah_eval.did.dose import SLOPE_FROM, ClusterEffects, DoseLine, cluster_effects, dose_line
from eah_eval.did.imputation import imputation
from eah_eval.did.plot import plot_event_study
from eah_eval.did.results import EffectTable
from eah_eval.did.sun_abraham import sun_abraham
from eah_eval.did.synthdid import SYNTH_METHODS, SynthDidResult, synthdid
from eah_eval.did.twfe import twfe

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
    "GroupTimeResult",
    "SynthDidResult",
    "WaldPretest",
    "aggregate",
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
