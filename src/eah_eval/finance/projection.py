"""Project EHC plans, high-needs spend and the DSG position with and without the programme.

Front door: :func:`project`. The cohort model (:mod:`eah_eval.finance.cohort`) is fitted to the
council's own caseload once per bootstrap draw; each draw is paired with one draw of the
programme's effect (:class:`~eah_eval.finance.effect.EffectDistribution`) and moved forward
year by year from the last observed census. Spend is plans by placement times the unit cost
(place plus top-up) of the year; income and the programme's planned spend are as supplied.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eah_eval.errors import OptionError, OptionTypeError, check_int
from eah_eval.finance.backtest import run_backtest
from eah_eval.finance.cohort import (
    Caseload,
    CohortParameters,
    bootstrap_weights,
    estimate,
    programme_multiplier,
    read_caseload,
    step,
)
from eah_eval.finance.effect import EffectDistribution
from eah_eval.finance.inputs import FinanceInputs
from eah_eval.finance.money import DEFAULT_UPRATING, by_year, population_matrix, unit_costs
from eah_eval.finance.results import FinanceProjection, ScenarioProjection
from eah_eval.finance.scenarios import Scenario, shift_placements
from eah_eval.finance.states import PLACEMENTS, PROGRAMME_AGES, fy_label

DEFAULT_DRAWS = 500
DEFAULT_YEARS = 10
DEFAULT_SEED = 20261130

_WITHOUT_LABEL = "Without Experts at Hand: new plans follow the council's own trend"
_WITH_LABEL = ("With Experts at Hand: new plans changed as the evaluation estimates, with its "
               "uncertainty")


@dataclass(frozen=True, eq=False)
class _Run:
    """One scenario's draws: plans by draw, year, age and placement."""

    stock: np.ndarray


def simulate(
    params: CohortParameters,
    start: np.ndarray,
    years: Sequence[int],
    population: np.ndarray,
    multiplier: np.ndarray,
    scenario: Scenario | None = None,
) -> np.ndarray:
    """Move the observed stock forward through ``years``, one census a year.

    Parameters
    ----------
    params : CohortParameters
        One parameter set per draw.
    start : numpy.ndarray
        Plans at the last observed census by age and placement, ``ages x placements``.
    years : sequence of int
        Financial years to project, consecutive, starting the year after ``start``'s.
    population : numpy.ndarray
        ``years x ages``.
    multiplier : numpy.ndarray
        Multiplier of new plans (the programme, a scenario), ``draws x years x ages``.
    scenario : Scenario, optional
        Placement shifts to apply.

    Returns
    -------
    numpy.ndarray
        Plans, ``draws x years x ages x placements``.
    """
    yrs = np.asarray(list(years), dtype=int)
    stock = np.broadcast_to(start, (params.n_draws, *start.shape)).astype(float)
    out = np.zeros((params.n_draws, len(yrs), *start.shape))
    shifts = scenario.placement_shifts if scenario is not None else ()
    shares = [s.share_in(yrs, int(yrs[0])) for s in shifts] if len(yrs) else []
    for h, y in enumerate(yrs):
        new = params.new_plans(int(y), population[h]) * multiplier[:, h, :]
        entry = move = None
        if shifts:
            now = [float(s[h]) for s in shares]
            entry = shift_placements(params.entry, shifts, now, keep_diagonal=False)
            move = shift_placements(params.move, shifts, now, keep_diagonal=True)
        stock = step(stock, params, new, entry=entry, move=move)
        out[:, h] = stock
    return out


def _history(inputs: FinanceInputs, caseload: Caseload) -> pd.DataFrame:
    years = [int(y) for y in caseload.years]
    cost, _ = unit_costs(inputs, years, DEFAULT_UPRATING)
    by_place = caseload.stock.sum(axis=1)
    income, _ = by_year(inputs.income, "income_gbp", years, what="income", default=np.nan)
    return pd.DataFrame({
        "year": years,
        "plans": caseload.stock.sum(axis=(1, 2)),
        "spend_gbp": (by_place * cost).sum(axis=1),
        "income_gbp": [float(v) if np.isfinite(v) else np.nan for v in income],
    })


def _opening_balance(inputs: FinanceInputs, history: pd.DataFrame) -> tuple[float, list[str]]:
    """Return the DSG balance at the start of the first projected year, rolled forward if needed."""
    inc = inputs.income
    given = inc.dropna(subset=["opening_balance_gbp"]) if len(inc) else inc
    first = inputs.last_year + 1
    if not len(given):
        return 0.0, ["no opening DSG balance supplied: the position starts at 0"]
    given = given[given["financial_year"] <= first]
    if not len(given):
        return 0.0, [f"no opening DSG balance for {fy_label(first)} or earlier: the position "
                     "starts at 0"]
    latest = given.sort_values("financial_year").iloc[-1]
    y0 = int(latest["financial_year"])
    balance = float(latest["opening_balance_gbp"])
    if y0 == first:
        return balance, []
    years = list(range(y0, first))
    hist = history.set_index("year")
    other, _ = by_year(inc, "other_spend_gbp", years, what="other high-needs spend")
    income, _ = by_year(inc, "income_gbp", years, what="income")
    cost, _ = by_year(inputs.programme_budget, "planned_spend_gbp", years,
                      what="programme spend")
    spend = np.array([float(hist["spend_gbp"].get(y, 0.0)) for y in years])
    balance += float((income - other - spend - cost).sum())
    return balance, [f"opening DSG balance of {fy_label(y0)} rolled forward to "
                     f"{fy_label(first)} with the observed income less the modelled spend on "
                     "plans, other high-needs spend and the programme's planned spend"]


def _scenario_result(name: str, label: str, assumptions: tuple[str, ...], stock: np.ndarray,
                     cost: np.ndarray, programme_cost: np.ndarray, years: Sequence[int]
                     ) -> ScenarioProjection:
    by_place = stock.sum(axis=2)  # draws x years x placements
    spend = np.einsum("dyp,yp->dy", by_place, cost)
    median = np.median(by_place, axis=0)
    frame = pd.DataFrame({
        "year": np.repeat(np.asarray(years, dtype=int), len(PLACEMENTS)),
        "placement": np.tile(np.array(PLACEMENTS, dtype=object), len(years)),
        "plans": median.ravel(),
    })
    return ScenarioProjection(name, label, assumptions, by_place.sum(axis=2), spend,
                              programme_cost, frame)


def project(
    inputs: FinanceInputs,
    effect: EffectDistribution,
    *,
    years: int = DEFAULT_YEARS,
    scenarios: Sequence[Scenario] = (),
    n_draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    uprating: float = DEFAULT_UPRATING,
    backtest: bool = True,
) -> FinanceProjection:
    r"""Project EHC plans, high-needs spend and the programme's cost, with and without it.

    Parameters
    ----------
    inputs : FinanceInputs
        From :func:`~eah_eval.finance.inputs.load_finance_inputs`.
    effect : EffectDistribution
        The programme's effect on EHC needs-assessment requests (an interval or draws).
    years : int
        Financial years to project after the last observed one (default 10).
    scenarios : sequence of Scenario
        User-defined scenarios, projected after ``"without"`` and ``"with"``.
    n_draws : int
        Draws: bootstrap resamples of the caseload, each paired with one effect draw
        (default 500).
    seed : int
        Seed of the random generator (recorded on the result).
    uprating : float
        Yearly uprating of unit costs beyond the last year supplied (default 0.02).
    backtest : bool
        Run the back-test on held-out years (default ``True``).

    Returns
    -------
    FinanceProjection

    Raises
    ------
    OptionError, OptionTypeError
        For an option outside its allowed values, or two scenarios with the same name.

    Notes
    -----
    The cohort model and its estimation are described in :mod:`eah_eval.finance.cohort`.
    Draw :math:`d` uses the parameters fitted to bootstrap resample :math:`d` of the people in
    the caseload and effect draw :math:`\delta_d`; the scenario with the programme multiplies
    new plans at ages 4 to 15 by :math:`1 + \delta_d s_y` (:math:`s_y` the share of pupils in
    live clusters), assuming the change in new plans is proportional to the change in
    requests. Spend in year :math:`y` is :math:`\sum_p \text{plans}_{y,p} c_{y,p}` with
    :math:`c` the unit cost (place plus top-up): plans at the census in the year, each funded
    for the whole year.

    Examples
    --------
    >>> from eah_eval.finance import EffectDistribution, load_finance_inputs, project
    >>> inputs = load_finance_inputs("data/demo")  # doctest: +SKIP
    >>> effect = EffectDistribution.from_interval(-0.2, -0.32, -0.08)
    >>> fp = project(inputs, effect, years=10, n_draws=500, seed=1)  # doctest: +SKIP
    """
    if not isinstance(inputs, FinanceInputs):
        raise OptionTypeError(f"inputs must be FinanceInputs (load_finance_inputs); got "
                              f"{type(inputs).__name__}")
    if not isinstance(effect, EffectDistribution):
        raise OptionTypeError(f"effect must be an EffectDistribution; got "
                              f"{type(effect).__name__}")
    horizon = check_int("years", years, 1)
    n = check_int("n_draws", n_draws, 1)
    seed = check_int("seed", seed, 0)
    if isinstance(uprating, bool) or not isinstance(uprating, int | float) or \
            not -0.5 < uprating < 1:
        raise OptionError(f"uprating must be a yearly rate between -0.5 and 1; got {uprating!r}")
    user = tuple(scenarios)
    names = [s.name for s in user if isinstance(s, Scenario)]
    if len(names) != len(user):
        raise OptionTypeError("scenarios must be Scenario objects (eah_eval.finance)")
    if len(set(names)) != len(names):
        raise OptionError(f"scenario names must be distinct; got {names}")

    boot_rng, effect_rng, backtest_rng = (np.random.default_rng(s) for s in
                                          np.random.SeedSequence(seed).spawn(3))
    hist_years = list(inputs.history_years)
    future = list(range(inputs.last_year + 1, inputs.last_year + 1 + horizon))
    caseload = read_caseload(inputs.plans, hist_years)
    pop_hist, notes = population_matrix(inputs, hist_years)
    pop_future, more = population_matrix(inputs, future)
    notes += more
    delta = effect.sample(n, effect_rng)
    share_hist = inputs.live_share.reindex(hist_years).fillna(0.0).to_numpy()
    share_future = inputs.live_share.reindex(future).ffill().fillna(0.0).to_numpy()
    weights = bootstrap_weights(caseload.n_persons, n, boot_rng)
    params = estimate(caseload, weights, pop_hist, programme_multiplier(delta, share_hist))
    start = caseload.stock[-1]
    cost, cost_notes = unit_costs(inputs, future, float(uprating))
    budget, budget_notes = by_year(inputs.programme_budget, "planned_spend_gbp", future,
                                   what="the programme's planned spend")
    income, income_notes = by_year(inputs.income, "income_gbp", future,
                                   what="High Needs Block income")
    other, other_notes = by_year(inputs.income, "other_spend_gbp", future,
                                 what="other high-needs spend")
    notes += cost_notes + budget_notes + income_notes + other_notes
    without_mult = np.ones((n, horizon, len(pop_future[0])))
    with_mult = programme_multiplier(delta, share_future)
    med, lo, hi = effect.summary()
    with_assumptions = (
        f"new plans at ages {PROGRAMME_AGES[0]} to {PROGRAMME_AGES[1]} change in proportion to "
        f"the programme's effect on EHC needs-assessment requests: median {med:+.1%} (95% "
        f"range {lo:+.1%} to {hi:+.1%})",
        "the effect is phased in by the share of mainstream pupils in clusters live for at "
        "least six months (requests become plans about 20 weeks later)",
        "the programme's planned spend is charged in full",
    )
    without_assumptions = (
        "new plans per head of population by age follow the council's own trend, with the "
        "programme's estimated effect removed from the years it was live",
        "ceasing and moves between placements by age band as observed",
    )
    scenarios_out: dict[str, ScenarioProjection] = {}
    runs = {"without": simulate(params, start, future, pop_future, without_mult),
            "with": simulate(params, start, future, pop_future, with_mult)}
    zero = np.zeros(horizon)
    scenarios_out["without"] = _scenario_result(
        "without", _WITHOUT_LABEL, without_assumptions, runs["without"], cost, zero, future)
    scenarios_out["with"] = _scenario_result(
        "with", _WITH_LABEL, without_assumptions + with_assumptions, runs["with"], cost,
        budget, future)
    for s in user:
        base_mult = with_mult if s.base == "with" else without_mult
        stock = simulate(params, start, future, pop_future,
                         base_mult * (1.0 + s.new_plans_change), scenario=s)
        base_assumptions = scenarios_out[s.base].assumptions
        scenarios_out[s.name] = _scenario_result(
            s.name, s.label, base_assumptions + s.assumptions(), stock, cost,
            budget if s.base == "with" else zero, future)
    history = _history(inputs, caseload)
    opening, balance_notes = _opening_balance(inputs, history)
    notes += balance_notes
    entries = run_backtest(inputs, caseload, pop_hist, delta, share_hist, backtest_rng,
                           n_draws=min(n, 200)) if backtest else ()
    return FinanceProjection(
        years=tuple(future),
        history=history,
        income_gbp=income,
        opening_balance_gbp=opening,
        scenarios=types.MappingProxyType(scenarios_out),
        backtest=tuple(entries),
        n_draws=n,
        seed=seed,
        effect_source=effect.description,
        notes=tuple(inputs.notes) + tuple(dict.fromkeys(notes)),
        other_spend_gbp=other,
    )
