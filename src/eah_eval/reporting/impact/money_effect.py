"""Which of the evaluation's estimates of the change in EHC requests is carried into the money.

The High Needs Block projection (the impact report's value-for-money section and the finance
report) applies the programme's effect on EHC needs assessment requests to the years ahead,
when every cluster is live. The impact evaluation can hold two estimates of that change:

* ``internal``: the council's own rollout (clusters that started against clusters not yet
  started). It describes the first waves in their first years; once the last wave is live it
  has nothing left to compare with.
* ``later_years``: the council against other authorities that had not started, over the years
  after the council's last comparison period (:mod:`eah_eval.reporting.impact.external`): the
  years when the programme ran everywhere in the council, as it will in every projected year.

:func:`choose_effect` is the one rule both reports follow. With ``basis="auto"`` (the default)
it carries the later-years estimate when it is there and shown, because it describes the
programme as the projection applies it, and the council's own estimate otherwise; the estimate
not chosen is returned beside it so that the reports can show what the money would be on it.
``basis="internal"`` or ``"later_years"`` asks for one of them and fails, saying why, when it
is not there. The decision page reads the later years the same way (its "Later years" block),
so the money and the decision page rest on the same estimate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from eah_eval.errors import EahEvalError, check_option
from eah_eval.reporting.impact.model import MeasureEvaluation

__all__ = ["EFFECT_BASES", "EffectBasis", "EffectChoice", "EffectChoiceError", "choose_effect",
           "internal_row", "later_years_row"]

EffectBasis = Literal["auto", "internal", "later_years"]
#: Allowed values of the ``effect_basis`` parameter.
EFFECT_BASES: tuple[str, ...] = ("auto", "internal", "later_years")

_LABELS = {
    "internal": "the council's own rollout (clusters that started against clusters not yet "
                "started)",
    "later_years": "the council against other authorities that had not started, in the years "
                   "when every cluster was live",
}
_WHY = {
    "later_years": (
        "it describes the programme running in every cluster, as it will in every projected "
        "year; it rests on the other authorities being a fair comparison"),
    "internal": (
        "no estimate against other areas for the years when every cluster was live was "
        "available; the council's own estimate describes the first waves in their first years"),
    "internal_asked": "the parameter effect_basis asks for the council's own estimate",
}


class EffectChoiceError(EahEvalError, ValueError):
    """No estimate of the requested kind can be carried into the money (the message says why)."""


@dataclass(frozen=True)
class EffectChoice:
    """An estimate of the change in EHC needs assessment requests per 1,000 pupils a year.

    Attributes
    ----------
    basis : {"internal", "later_years"}
        Which of the evaluation's estimates it is.
    estimate, ci_low, ci_high : float
        Best estimate and interval (negative = fewer requests).
    label : str
        What it compares, in words.
    window : tuple of str
        First and last period the estimate covers (empty strings when not recorded).
    method_text : str
        How its interval was made, in words.
    why : str
        Why this estimate is the one carried into the money (empty for the alternative).
    """

    basis: str
    estimate: float
    ci_low: float
    ci_high: float
    label: str
    window: tuple[str, str]
    method_text: str
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {"basis": self.basis, "estimate": self.estimate, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "label": self.label, "window": list(self.window),
                "method_text": self.method_text, "why": self.why}


def internal_row(ev: MeasureEvaluation) -> dict[str, Any]:
    """Return the council's own estimate of a measure in the form :func:`choose_effect` reads."""
    h = ev.headline
    return {"estimate": h.estimate, "ci_low": h.ci_low, "ci_high": h.ci_high, "flag": h.flag,
            "window": list(ev.sample.window), "method_text": h.method_text}


def later_years_row(external: Mapping[str, Any], measure: str) -> dict[str, Any]:
    """Return a measure's later-years estimate from the comparison with other areas.

    Parameters
    ----------
    external : mapping
        The comparison with other areas
        (:func:`eah_eval.reporting.impact.external.evaluate_external`, as in an impact
        report's ``results.json`` under ``external_comparison``).
    measure : str
        Measure id.

    Returns
    -------
    dict
        The ``later_years`` row, or ``{"unavailable": why}`` when there is none.
    """
    row = ((external.get("measures") or {}).get(measure) or {}).get("later_years")
    if row is not None:
        return dict(row)
    return {"unavailable": external.get("unavailable")
            or (external.get("problems") or {}).get(measure)
            or "the comparison with other areas does not cover this measure"}


def _usable(row: Mapping[str, Any] | None) -> str:
    """Return why ``row`` cannot be carried into the money, or ``""`` when it can."""
    if not row:
        return "it was not estimated"
    if row.get("unavailable"):
        return str(row["unavailable"])
    if row.get("flag"):
        return f"it is not shown (symbol {row['flag']!r})"
    values = [row.get(k) for k in ("estimate", "ci_low", "ci_high")]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return "its range is not bounded"
    est, low, high = (float(v) for v in values)  # type: ignore[arg-type]
    if not low <= est <= high:
        return f"the estimate {est} lies outside its range {low} to {high}"
    return ""


def _choice(basis: str, row: Mapping[str, Any], why: str) -> EffectChoice:
    window = tuple(str(w) for w in (row.get("window") or ("", "")))
    return EffectChoice(
        basis=basis, estimate=float(row["estimate"]), ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]), label=_LABELS[basis],
        window=(window[0], window[-1]) if window else ("", ""),
        method_text=str(row.get("method_text") or row.get("method") or ""), why=why)


def choose_effect(internal: Mapping[str, Any] | None, later_years: Mapping[str, Any] | None,
                  basis: str = "auto") -> tuple[EffectChoice, EffectChoice | None]:
    """Choose the estimate carried into the money, and return the other one beside it.

    Parameters
    ----------
    internal : mapping or None
        The council's own estimate: ``estimate``, ``ci_low``, ``ci_high``, optionally
        ``flag`` (a symbol when not shown), ``window`` and ``method_text`` or ``method``.
    later_years : mapping or None
        The later-years estimate against other areas in the same form (the impact results'
        ``external_comparison.measures[...]["later_years"]``), or ``{"unavailable": why}``.
    basis : {"auto", "internal", "later_years"}
        Which to carry (module notes).

    Returns
    -------
    chosen : EffectChoice
    alternative : EffectChoice or None
        The other estimate, when it too can be carried.

    Raises
    ------
    EffectChoiceError
        When the estimate asked for (or, with ``"auto"``, both) cannot be carried: the
        message says why.

    Examples
    --------
    >>> own = {"estimate": 0.1, "ci_low": -2.6, "ci_high": 2.9}
    >>> later = {"estimate": -1.2, "ci_low": -2.1, "ci_high": -0.3, "window": ["2026", "2028"]}
    >>> chosen, other = choose_effect(own, later)
    >>> chosen.basis, chosen.estimate, other.basis
    ('later_years', -1.2, 'internal')
    >>> choose_effect(own, {"unavailable": "no national panel"})[0].basis
    'internal'
    """
    check_option("effect_basis", basis, EFFECT_BASES)
    why_not = {"internal": _usable(internal), "later_years": _usable(later_years)}
    rows = {"internal": internal, "later_years": later_years}
    if basis == "auto":
        pick = "later_years" if not why_not["later_years"] else "internal"
        why = _WHY[pick]
    else:
        pick, why = basis, _WHY["internal_asked" if basis == "internal" else "later_years"]
    if why_not[pick]:
        if basis == "auto":
            raise EffectChoiceError(
                "neither estimate of the change in EHC needs assessment requests per 1,000 "
                f"pupils can be carried into the money: the council's own, because "
                f"{why_not['internal']}; against other areas in the later years, because "
                f"{why_not['later_years']}")
        raise EffectChoiceError(
            f"effect_basis is {basis!r}, but that estimate of the change in EHC needs "
            f"assessment requests per 1,000 pupils cannot be carried into the money: "
            f"{why_not[pick]}")
    chosen = _choice(pick, rows[pick] or {}, why)
    other = "internal" if pick == "later_years" else "later_years"
    alternative = None if why_not[other] else _choice(other, rows[other] or {}, "")
    return chosen, alternative
