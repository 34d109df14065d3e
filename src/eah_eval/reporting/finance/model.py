"""The finance report's model: one frozen object, computed once, rendered by the sections.

:func:`eah_eval.reporting.finance.evaluate.evaluate_finance` fills :class:`FinanceEvaluation`
from the projection (:class:`eah_eval.finance.results.FinanceProjection`); the sections
render it and compute nothing, and ``results.json`` is its serialisation
(:meth:`FinanceEvaluation.to_dict`). The summaries here turn draws into what a board reads:
a median with a range (:class:`Interval`, :func:`fan`), and a year with the share of draws
in which it never comes (:func:`year_range_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.finance.results import FinanceProjection, Payback, YearRange
from eah_eval.reporting.document import Unavailable
from eah_eval.reporting.finance.effect import ProgrammeEffect
from eah_eval.reporting.finance.params import FinanceReportParams

__all__ = ["FAN_LEVELS", "FinanceEvaluation", "Interval", "at_level", "fan",
           "year_range_dict"]

#: Ranges drawn in the fan charts (central shares of the draws), narrowest first.
FAN_LEVELS: tuple[float, ...] = (0.5, 0.8, 0.95)


@dataclass(frozen=True)
class Interval:
    """The median of a set of draws and the central range holding ``level`` of them."""

    median: float
    ci_low: float
    ci_high: float
    level: float = 0.95

    @classmethod
    def of(cls, draws: np.ndarray, level: float = 0.95) -> Interval:
        """Summarise a vector of draws (NaN draws are ignored)."""
        d = np.asarray(draws, dtype=float)
        tail = (1 - level) / 2
        lo, med, hi = np.nanquantile(d, [tail, 0.5, 1 - tail])
        return cls(float(med), float(lo), float(hi), level)

    def to_dict(self) -> dict[str, float]:
        """Plain dictionary for ``results.json``."""
        return {"median": self.median, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "level": self.level}


def fan(draws: np.ndarray, years: tuple[int, ...]) -> pd.DataFrame:
    """Median and the :data:`FAN_LEVELS` ranges of ``draws`` (``n_draws x n_years``), by year.

    Returns
    -------
    pandas.DataFrame
        Long form, one row per year and level: ``year``, ``level``, ``median``, ``ci_low``,
        ``ci_high`` (the central range holding ``level`` of the draws).
    """
    d = np.asarray(draws, dtype=float)
    median = np.nanmedian(d, axis=0)
    parts = []
    for level in FAN_LEVELS:
        tail = (1 - level) / 2
        parts.append(pd.DataFrame({
            "year": list(years), "level": level, "median": median,
            "ci_low": np.nanquantile(d, tail, axis=0),
            "ci_high": np.nanquantile(d, 1 - tail, axis=0)}))
    return pd.concat(parts, ignore_index=True).sort_values(["year", "level"],
                                                             ignore_index=True)


def at_level(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    """Rows of a :func:`fan` frame at one level, one per year, in year order."""
    return frame.loc[np.isclose(frame["level"], level)].sort_values("year").reset_index(
        drop=True)


def year_range_dict(r: YearRange) -> dict[str, Any]:
    """Return a year estimated from draws as plain JSON (median, range, level, share never)."""
    return {"median": r.median, "ci_low": r.ci_low, "ci_high": r.ci_high,
            "level": float(r.level), "share_never": float(r.share_never)}


@dataclass(frozen=True)
class FinanceEvaluation:
    """Everything the finance report shows, computed once (see the module notes).

    Attributes
    ----------
    params : FinanceReportParams
    effect : ProgrammeEffect or None
        The programme's effect (None when it is unavailable).
    projection : FinanceProjection or None
        The projection (None when it is unavailable).
    payback : Payback or None
        Breakeven and payback of the scenario with the programme against the one without.
    dsg : mapping of str -> numpy.ndarray
        Cumulative DSG high-needs position by scenario, ``n_draws x n_years``.
    headline : mapping
        The first page's numbers (medians with ranges), as written to ``results.json``.
    fans : mapping of str -> mapping of str -> pandas.DataFrame
        Fan of each quantity (``plans``, ``spend_gbp``, ``dsg_gbp``) by scenario
        (:func:`fan`), after disclosure control (plans hidden where small).
    placement : mapping of str -> tuple
        Scenario -> (values, flags) of the placement-mix table after disclosure control.
    history : pandas.DataFrame
        Observed years after disclosure control of the plan counts.
    disclosure : mapping
        Policy and suppression records.
    data_fingerprint : str
        SHA-256 of the input tables.
    unavailable : tuple of Unavailable
        Parts that could not be computed, with the reason.
    """

    params: FinanceReportParams
    effect: ProgrammeEffect | None
    projection: FinanceProjection | None
    payback: Payback | None
    dsg: Mapping[str, np.ndarray]
    headline: Mapping[str, Any]
    fans: Mapping[str, Mapping[str, pd.DataFrame]]
    placement: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]]
    history: pd.DataFrame
    disclosure: Mapping[str, Any]
    data_fingerprint: str
    unavailable: tuple[Unavailable, ...] = field(default=())

    @property
    def available(self) -> bool:
        """Whether the projection (and so every section built on it) is available."""
        return self.projection is not None and self.payback is not None

    def unavailable_in(self, section: str) -> tuple[Unavailable, ...]:
        """Parts of one section that are unavailable."""
        return tuple(u for u in self.unavailable if u.section == section)

    def to_dict(self) -> dict[str, Any]:
        """Return the numbers of ``results.json`` (build adds parameters, QA and status)."""
        proj = self.projection
        out: dict[str, Any] = {
            "effect": self.effect.to_dict() if self.effect else None,
            "headline": dict(self.headline),
            "disclosure": dict(self.disclosure),
            "sections_unavailable": [u.to_dict() for u in self.unavailable],
        }
        if proj is None or self.payback is None:
            out.update({"backtest": [], "payback": None, "breakeven": None,
                        "projection": None})
            return out
        out["backtest"] = [
            {"horizon": b.horizon, "n_origins": b.n_origins, "mape_model": b.mape_model,
             "mape_naive": b.mape_naive, "spend_mape_model": b.spend_mape_model,
             "spend_mape_naive": b.spend_mape_naive,
             "model_beats_naive": bool(b.mape_model < b.mape_naive)}
            for b in proj.backtest]
        out["payback"] = year_range_dict(self.payback.payback)
        out["breakeven"] = year_range_dict(self.payback.breakeven)
        scenarios = {}
        for name, s in proj.scenarios.items():
            vals, flags = self.placement.get(name, (pd.DataFrame(), pd.DataFrame()))
            scenarios[name] = {
                "label": s.label,
                "assumptions": list(s.assumptions),
                "programme_cost_gbp": [float(x) for x in np.asarray(s.programme_cost_gbp)],
                **{q: self.fans[q][name].to_dict(orient="records") for q in self.fans
                   if name in self.fans[q]},
                "placement_mix": [
                    {"placement": str(p), "year": str(y), "plans": vals.at[p, y],
                     "flag": str(flags.at[p, y])}
                    for p in vals.index for y in vals.columns],
            }
        out["projection"] = {
            "years": list(proj.years),
            "history": self.history.to_dict(orient="records"),
            "income_gbp": [float(x) for x in np.asarray(proj.income_gbp)],
            "opening_balance_gbp": float(proj.opening_balance_gbp),
            "n_draws": proj.n_draws,
            "seed": proj.seed,
            "effect_source": proj.effect_source,
            "notes": list(proj.notes),
            "scenarios": scenarios,
        }
        return out
