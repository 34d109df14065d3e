"""Staggered difference-in-differences estimators.

Group-time effects (Callaway and Sant'Anna) are estimated once and keep their influence
functions; aggregation, bootstrap and sensitivity analysis work from that store.
All estimators report through the shared table model :class:`EffectTable`.
"""

from __future__ import annotations

from eah_eval.did.results import EffectTable

__all__ = ["EffectTable"]
