"""Outcome rates by cluster standardised for the school phase mix, before they are charted.

A cluster's suspension rate mixes primary pupils, who are rarely suspended, with secondary
pupils, who are suspended about twelve times as often. When the mix changes (a secondary roll
growing while primary rolls fall), the recorded rate moves although no pupil's chance of
being suspended has: a control chart of the recorded rate then shows a special cause that is
only a change in who is on roll. :func:`phase_standardised` removes it by indirect
standardisation to the unit's own baseline: each term's count is set against the count the
baseline's rates by phase would give on that term's rolls, and the rate charted is the
baseline rate scaled by that ratio. The baseline is the one the limits come from, so the
chart asks one question: is the rate, for pupils of the same phases, different from before?
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["STANDARDISATION_TEXT", "Standardised", "phase_standardised"]

#: What the charted value of a phase-standardised series is, for the note under its chart.
STANDARDISATION_TEXT = (
    "Standardised for the phase mix (indirect standardisation): each term's count is set "
    "against the count the unit's baseline rates for primary, secondary and special school "
    "pupils would give on that term's rolls, and the rate charted is the baseline rate times "
    "that ratio, so that a change in the mix of pupils (a secondary roll growing faster than "
    "the primary) is not read as a change in the rate; the data table gives the charted "
    "values and, below it, the recorded ones."
)


@dataclass(frozen=True)
class Standardised:
    """A tidy frame with its phase-standardised columns, and what was done.

    Attributes
    ----------
    frame : pandas.DataFrame
        The input frame with ``chart_denominator`` (the roll re-weighted to the baseline's
        phase mix) and ``chart_value`` (``numerator / chart_denominator x multiplier``); the
        recorded ``numerator``, ``denominator`` and ``value`` are unchanged.
    text : str
        The method in words (empty when no unit could be standardised).
    baseline_rates : mapping of str -> mapping of str -> float
        Unit -> phase -> baseline rate on the measure's scale.
    kept : tuple of str
        Units charted unstandardised, with the reason.
    """

    frame: pd.DataFrame
    text: str
    baseline_rates: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    kept: tuple[str, ...] = ()


def phase_standardised(
    frame: pd.DataFrame,
    by_phase: pd.DataFrame,
    baseline: pd.Series,
    *,
    multiplier: float,
) -> Standardised:
    r"""Standardise each unit's rate for its phase mix, indirectly, to its baseline.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows: ``unit``, ``period``, ``numerator``, ``denominator``, ``value``.
    by_phase : pandas.DataFrame
        The same measure by phase: ``unit``, ``period``, ``group`` (the phase),
        ``numerator``, ``denominator``.
    baseline : pandas.Series of bool
        Aligned with ``frame``: the rows of each unit's baseline (the terms its limits come
        from).
    multiplier : float
        The measure's scale (100 for a rate per 100 pupils).

    Returns
    -------
    Standardised

    Notes
    -----
    For unit :math:`u` with baseline terms :math:`B`, phases :math:`p`, counts :math:`O` and
    rolls :math:`n`:

    .. math::

        r_p = \frac{\sum_{t \in B} O_{p,t}}{\sum_{t \in B} n_{p,t}},\quad
        r = \frac{\sum_{t \in B} O_t}{\sum_{t \in B} n_t},\quad
        E_t = \sum_p r_p\, n_{p,t},\quad
        n^*_t = E_t / r,\quad
        \text{charted}_t = m\, \frac{O_t}{n^*_t} = m\, r\, \frac{O_t}{E_t}.

    :math:`n^*_t` is the roll re-weighted to the baseline's phase mix, so a Laney chart of
    :math:`O_t / n^*_t` keeps the count's own variation. Over the baseline
    :math:`\sum O = \sum E`, so the standardised baseline has the recorded baseline rate. A
    phase with no pupils in the baseline has no rate of its own and counts at :math:`r`; a
    unit with no events in its baseline is charted unstandardised (said in ``kept``).
    """
    out = frame.copy()
    out["chart_denominator"] = out["denominator"].astype(float)
    out["chart_value"] = out["value"].astype(float)
    keys = ["unit", "period"]
    base_periods = out.loc[baseline.reindex(out.index).fillna(False).astype(bool), keys]
    phase = by_phase[[*keys, "group", "numerator", "denominator"]].copy()
    phase["numerator"] = phase["numerator"].astype(float).fillna(0.0)
    phase["denominator"] = phase["denominator"].astype(float).fillna(0.0)
    in_base = phase.merge(base_periods, on=keys)
    per_phase = in_base.groupby(["unit", "group"])[["numerator", "denominator"]].sum()
    rates: dict[str, dict[str, float]] = {}
    kept: list[str] = []
    done = 0
    for unit, g in out.groupby("unit", sort=True):
        name = str(unit)
        b = baseline.reindex(g.index).fillna(False).astype(bool)
        num, den = g.loc[b, "numerator"].sum(), g.loc[b, "denominator"].sum()
        if not (den > 0 and num > 0) or name not in per_phase.index.get_level_values(0):
            kept.append(f"{name} (no events in its baseline)")
            continue
        r = num / den
        pp = per_phase.loc[name]
        r_p = (pp["numerator"] / pp["denominator"].where(pp["denominator"] > 0)).to_dict()
        rates[name] = {str(p): float(v * multiplier) for p, v in r_p.items() if v == v}
        rows = phase.loc[phase["unit"].astype(str) == name]
        weight = rows["group"].map(pd.Series(r_p, dtype=float)).fillna(r) / r
        equivalent = (rows["denominator"] * weight).groupby(rows["period"]).sum()
        star = g["period"].map(equivalent)
        ok = star.notna() & (star > 0)
        out.loc[g.index[ok], "chart_denominator"] = star[ok]
        out.loc[g.index, "chart_value"] = np.where(
            ok, g["numerator"] / star.where(ok) * multiplier, g["value"]
        )
        done += 1
    text = STANDARDISATION_TEXT if done else ""
    if done and kept:
        text += f" Not standardised: {', '.join(kept)}."
    return Standardised(frame=out, text=text, baseline_rates=rates, kept=tuple(kept))
