"""The finance evaluation, computed once: projection, payback and every number the report shows.

:func:`evaluate_finance` is the one downward pass from data to the frozen
:class:`~eah_eval.reporting.finance.model.FinanceEvaluation`: read the finance tables
(:func:`eah_eval.finance.load_finance_inputs`), get the programme's effect as a range
(:mod:`eah_eval.reporting.finance.effect`), project EHC plans and high-needs spend with and
without the programme (:func:`eah_eval.finance.project`), work out breakeven and payback
(:func:`eah_eval.finance.payback`) and the cumulative DSG position
(:func:`eah_eval.finance.dsg_position`), then :func:`assemble` summarises the draws and
passes every published count of EHC plans through the disclosure ledger.

A part that cannot be computed for a documented reason (no finance tables, an effect that
cannot be estimated or has no bounded range) raises an :class:`~eah_eval.errors.EahEvalError`
inside the package; it is recorded as :class:`~eah_eval.reporting.document.Unavailable` and the
sections say why. Any other error stops the run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.errors import EahEvalError
from eah_eval.finance.results import FinanceProjection, Payback
from eah_eval.finance.states import fy_label
from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.document import Unavailable
from eah_eval.reporting.finance.effect import (
    FinanceEffectError,
    ProgrammeEffect,
    programme_effect,
)
from eah_eval.reporting.finance.model import (
    FinanceEvaluation,
    Interval,
    fan,
    year_range_dict,
)
from eah_eval.reporting.finance.params import FinanceReportParams
from eah_eval.reporting.finance.scenarios import read_scenarios
from eah_eval.reporting.glossary import file_words

__all__ = ["PROJECTION_SECTIONS", "assemble", "evaluate_finance"]

logger = logging.getLogger(__name__)

#: Sections that need the projection (each is listed as unavailable when it is not there).
PROJECTION_SECTIONS: tuple[str, ...] = ("plans", "spend", "dsg", "payback", "placements",
                                        "backtest", "scenarios")


def _interval_people(ledger: DisclosureLedger, iv: Interval, key: str) -> dict[str, Any]:
    """Return a modelled number of EHC plans with its range, each end entered in the ledger."""
    out: dict[str, Any] = {"level": iv.level}
    flags = []
    for part in ("median", "ci_low", "ci_high"):
        v = getattr(iv, part)
        shown, flag = ledger.value(float(round(v)), table="EHC plans", key=f"{key} {part}",
                                   people=abs(v))
        out[part] = None if flag else shown
        flags.append(flag)
    out["flag"] = next((f for f in flags if f), "")
    return out


def _share(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, dtype=bool)))


def headline_numbers(proj: FinanceProjection, pay: Payback, dsg: Mapping[str, np.ndarray],
                     ledger: DisclosureLedger) -> dict[str, Any]:
    """Return the first page's numbers: final-year plans and spend, spend avoided, DSG position.

    Each is the median of the draws with its 95% range; differences are taken draw by draw
    (the scenarios share their parameter draws), so their ranges are those of the difference.
    Plan numbers pass through the ledger (modelled counts of EHC plans).
    """
    w, wo = proj.scenarios["with"], proj.scenarios["without"]
    plans_avoided = wo.plans[:, -1] - w.plans[:, -1]
    total_plans = float(np.nanmedian(wo.plans[:, -1]))
    avoided = Interval.of(plans_avoided)
    # A difference of modelled plans is an estimate about every plan in the council.
    avoided_shown = {k: ledger.value(float(round(getattr(avoided, k))), table="EHC plans",
                                     key=f"avoided {k}", people=total_plans)[0]
                     for k in ("median", "ci_low", "ci_high")}
    spend_gap = wo.spend_gbp - w.spend_gbp
    out: dict[str, Any] = {
        "final_year": int(proj.years[-1]),
        "final_year_label": fy_label(int(proj.years[-1])),
        "first_year_label": fy_label(int(proj.years[0])),
        "plans_without": _interval_people(ledger, Interval.of(wo.plans[:, -1]),
                                          "without final year"),
        "plans_with": _interval_people(ledger, Interval.of(w.plans[:, -1]), "with final year"),
        "plans_avoided": {**avoided_shown, "level": avoided.level},
        "spend_without_gbp": Interval.of(wo.spend_gbp[:, -1]).to_dict(),
        "spend_with_gbp": Interval.of(w.spend_gbp[:, -1]).to_dict(),
        "spend_avoided_final_year_gbp": Interval.of(spend_gap[:, -1]).to_dict(),
        "spend_avoided_cumulative_gbp": Interval.of(spend_gap.sum(axis=1)).to_dict(),
        "programme_cost_total_gbp": float(np.sum(w.programme_cost_gbp)),
        "net_saving_cumulative_gbp": Interval.of(
            pay.cumulative_net_saving_gbp[:, -1]).to_dict(),
        "dsg_without_gbp": Interval.of(dsg["without"][:, -1]).to_dict(),
        "dsg_with_gbp": Interval.of(dsg["with"][:, -1]).to_dict(),
        "dsg_difference_gbp": Interval.of(dsg["with"][:, -1] - dsg["without"][:, -1]).to_dict(),
        "deficit_share_without": _share(dsg["without"][:, -1] < 0),
        "deficit_share_with": _share(dsg["with"][:, -1] < 0),
        "opening_balance_gbp": float(proj.opening_balance_gbp),
        "income_final_year_gbp": float(np.asarray(proj.income_gbp)[-1]),
    }
    out["scenarios"] = scenario_rows(proj, dsg, ledger)
    return out


def scenario_rows(proj: FinanceProjection, dsg: Mapping[str, np.ndarray],
                  ledger: DisclosureLedger) -> list[dict[str, Any]]:
    """Return every scenario's last-year plans, spend and DSG position, and its payback.

    Each against the scenario without the programme, draw by draw; plan numbers through the
    ledger.
    """
    from eah_eval.finance import payback

    rows = []
    for name, s in proj.scenarios.items():
        row: dict[str, Any] = {
            "name": name, "label": s.label,
            "plans": _interval_people(ledger, Interval.of(s.plans[:, -1]), f"{name} last"),
            "spend_gbp": Interval.of(s.spend_gbp[:, -1]).to_dict(),
            "programme_cost_total_gbp": float(np.sum(s.programme_cost_gbp)),
            "dsg_gbp": Interval.of(dsg[name][:, -1]).to_dict(),
            "dsg_difference_gbp": Interval.of(dsg[name][:, -1] - dsg["without"][:, -1]
                                              ).to_dict(),
            "payback": None,
        }
        if name != "without":
            row["payback"] = year_range_dict(payback(proj, scenario=name,
                                                     against="without").payback)
        rows.append(row)
    return rows


def _controlled_fan(frame: pd.DataFrame, ledger: DisclosureLedger, key: str) -> pd.DataFrame:
    """Return a fan of modelled plan numbers, each value about too few plans hidden (NaN)."""
    out = frame.copy()
    for col in ("median", "ci_low", "ci_high"):
        out[col] = [ledger.value(float(v), table="EHC plans fan",
                                 key=f"{key} {y} {lv:g} {col}", people=abs(float(v)))[0]
                    for y, lv, v in zip(frame["year"], frame["level"], frame[col], strict=True)]
    return out


def _placement_table(proj: FinanceProjection, name: str,
                     ledger: DisclosureLedger) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Median plans by placement (rows) and year (columns), with totals, after suppression."""
    long = proj.scenarios[name].plans_by_placement
    value = next(c for c in long.columns if c not in ("year", "placement"))
    wide = long.pivot_table(index="placement", columns="year", values=value, aggfunc="sum")
    wide = wide.reindex(columns=list(proj.years)).round().clip(lower=0)
    out = ledger.table(wide, name=f"EHC plans by placement ({proj.scenarios[name].label})")
    return out.values, out.flags


def alternative_numbers(proj: FinanceProjection) -> dict[str, Any]:
    """Return the money on the evaluation's other estimate: spend avoided, DSG, payback.

    Each is the median of the draws with its 95% range, taken draw by draw against the
    projection's own scenario without the programme.
    """
    from eah_eval.finance import dsg_position, payback

    w, wo = proj.scenarios["with"], proj.scenarios["without"]
    dsg_gap = np.asarray(dsg_position(proj, "with")) - np.asarray(dsg_position(proj, "without"))
    return {
        "spend_avoided_cumulative_gbp": Interval.of(
            (wo.spend_gbp - w.spend_gbp).sum(axis=1)).to_dict(),
        "dsg_difference_gbp": Interval.of(dsg_gap[:, -1]).to_dict(),
        "payback": year_range_dict(payback(proj, scenario="with", against="without").payback),
    }


def assemble(params: FinanceReportParams, *, effect: ProgrammeEffect | None,
             projection: FinanceProjection | None, payback: Payback | None,
             dsg: Mapping[str, np.ndarray], data_fingerprint: str,
             unavailable: tuple[Unavailable, ...] = (),
             alternative: FinanceProjection | None = None) -> FinanceEvaluation:
    """Summarise a projection for the report, through the disclosure ledger.

    Parameters
    ----------
    params : FinanceReportParams
    effect : ProgrammeEffect or None
    projection : FinanceProjection or None
        None when the projection is unavailable (then ``unavailable`` says why).
    payback : Payback or None
    dsg : mapping of str -> numpy.ndarray
        Cumulative DSG position by scenario, ``n_draws x n_years``.
    data_fingerprint : str
    unavailable : tuple of Unavailable
    alternative : FinanceProjection or None
        The projection on the evaluation's other estimate of the effect (its money goes in
        ``headline["alternative"]``).

    Returns
    -------
    FinanceEvaluation
    """
    ledger = DisclosureLedger(params.policy)
    headline: dict[str, Any] = {}
    fans: dict[str, dict[str, pd.DataFrame]] = {}
    placement: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    history = pd.DataFrame(columns=["year", "plans", "spend_gbp", "income_gbp"])
    if projection is not None and payback is not None:
        years = tuple(int(y) for y in projection.years)
        headline = headline_numbers(projection, payback, dsg, ledger)
        headline["alternative"] = (None if alternative is None
                                   else alternative_numbers(alternative))
        fans = {"plans": {}, "spend_gbp": {}, "dsg_gbp": {}}
        for name, s in projection.scenarios.items():
            fans["plans"][name] = _controlled_fan(fan(s.plans, years), ledger, name)
            fans["spend_gbp"][name] = fan(s.spend_gbp, years)
            if name in dsg:
                fans["dsg_gbp"][name] = fan(dsg[name], years)
            placement[name] = _placement_table(projection, name, ledger)
        history = projection.history[["year", "plans", "spend_gbp", "income_gbp"]].copy()
        history["plans"] = [ledger.people(float(v), table="EHC plans observed",
                                          key=str(y))[0]
                            for y, v in zip(history["year"], history["plans"], strict=True)]
    ledger.resolve()
    disclosure = {"policy": params.policy.to_dict(), "records": list(ledger.records())}
    return FinanceEvaluation(
        params=params, effect=effect, projection=projection, payback=payback, dsg=dict(dsg),
        headline=headline, fans=fans, placement=placement, history=history,
        disclosure=disclosure, data_fingerprint=data_fingerprint, unavailable=unavailable)


def _unavailable_everywhere(what: str, reason: str) -> tuple[Unavailable, ...]:
    return (Unavailable("summary", what, reason),
            *(Unavailable(s, what, reason) for s in PROJECTION_SECTIONS))


def evaluate_finance(params: FinanceReportParams) -> FinanceEvaluation:
    """Compute everything the finance report shows (see the module notes).

    Parameters
    ----------
    params : FinanceReportParams

    Returns
    -------
    FinanceEvaluation
        With the projection, or with every projection section unavailable and the reason.

    Raises
    ------
    DataValidationError
        When the council's input tables fail validation.
    """
    from eah_eval.data.load import load_council
    from eah_eval.finance import (
        EffectDistribution,
        dsg_position,
        load_finance_inputs,
        payback,
        project,
    )

    logger.info("finance report: reading the data in %s", params.data)
    council = load_council(params.data)
    fingerprint = str(council.fingerprint)
    try:
        inputs = load_finance_inputs(council)
    except EahEvalError as exc:
        return assemble(params, effect=None, projection=None, payback=None, dsg={},
                        data_fingerprint=fingerprint,
                        unavailable=_unavailable_everywhere(
                            "The High Needs Block projection", file_words(str(exc))))
    logger.info("finance report: the programme's effect on EHC needs assessment requests")
    try:
        effect = programme_effect(params, council=council)
        if inputs.request_rate_per_1000 is None:
            raise FinanceEffectError(
                "the data hold no EHC needs assessment requests from before the first go-live, "
                "so an effect per 1,000 pupils cannot be turned into a change in new plans")
    except EahEvalError as exc:
        return assemble(params, effect=None, projection=None, payback=None, dsg={},
                        data_fingerprint=fingerprint,
                        unavailable=_unavailable_everywhere(
                            "The projection with the programme", file_words(str(exc))))
    def distribution(e: ProgrammeEffect) -> EffectDistribution:
        level = round(100 * e.level)
        return EffectDistribution.from_interval(
            e.estimate, e.ci_low, e.ci_high, level=e.level, scale="per_1000",
            baseline_per_1000=inputs.request_rate_per_1000, seed=params.seed,
            description=(f"{e.source}, {e.choice.label}: {e.estimate:+.2f} EHC needs "
                         f"assessment requests per 1,000 pupils a year ({level}% range "
                         f"{e.ci_low:+.2f} to {e.ci_high:+.2f}), against "
                         f"{inputs.request_rate_per_1000:.1f} a year before the programme"))

    logger.info("finance report: projecting %d years with %d draws", params.years,
                params.n_draws)
    user = read_scenarios(params.scenarios) if params.scenarios else ()
    projection = project(inputs, distribution(effect), years=params.years, scenarios=user,
                         n_draws=params.n_draws, seed=params.seed)
    pay = payback(projection, scenario="with", against="without")
    dsg = {name: np.asarray(dsg_position(projection, name), dtype=float)
           for name in projection.scenarios}
    alternative = None
    if effect.alternative is not None:
        logger.info("finance report: projecting on the evaluation's other estimate")
        alternative = project(inputs, distribution(effect.alternative), years=params.years,
                              n_draws=params.n_draws, seed=params.seed, backtest=False)
    return assemble(params, effect=effect, projection=projection, payback=pay, dsg=dsg,
                    data_fingerprint=fingerprint, alternative=alternative)
