r"""Back-test: forecast held-out years from every origin, beside a naive linear trend.

For each origin year :math:`t` with at least :data:`MIN_FIT_YEARS` censuses up to it, the
cohort model is fitted to the caseload up to :math:`t` only (people resampled as in the
projection) and moved forward to :math:`t + h`, :math:`h = 1, 2, 3`, with the programme as it
actually was (live clusters' share of pupils in each year); its median is compared with the
plans observed at :math:`t + h`. The naive forecast is the least-squares straight line through
the plans (and the spend) of the same years up to :math:`t`, extended to :math:`t + h`. Both
errors are mean absolute percentage errors over the origins,
:math:`100 \cdot \text{mean}_t |\hat x_{t+h} - x_{t+h}| / x_{t+h}`. Spend uses each year's
actual unit costs, so the comparison is of plans by placement, not of cost forecasts.
"""

from __future__ import annotations

import numpy as np

from eah_eval.finance.cohort import (
    Caseload,
    bootstrap_weights,
    estimate,
    programme_multiplier,
    read_caseload,
    step,
)
from eah_eval.finance.inputs import FinanceInputs
from eah_eval.finance.money import DEFAULT_UPRATING, unit_costs
from eah_eval.finance.results import BacktestEntry

#: Horizons reported (years ahead).
HORIZONS: tuple[int, ...] = (1, 2, 3)
#: Fewest censuses a back-test fit uses (two years of moves and new plans).
MIN_FIT_YEARS = 5


def naive_trend(values: np.ndarray, ahead: int) -> float:
    """Extend the least-squares line through ``values`` (one a year) ``ahead`` years."""
    x = np.arange(len(values), dtype=float)
    if len(values) < 2:
        return float(values[-1])
    slope, intercept = np.polyfit(x, np.asarray(values, dtype=float), 1)
    return float(intercept + slope * (len(values) - 1 + ahead))


def _mape(pred: list[float], actual: list[float]) -> float:
    p = np.asarray(pred, dtype=float)
    a = np.asarray(actual, dtype=float)
    ok = a > 0
    if not ok.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs(p[ok] - a[ok]) / a[ok]))


def run_backtest(
    inputs: FinanceInputs,
    caseload: Caseload,
    population: np.ndarray,
    effect: np.ndarray,
    share: np.ndarray,
    rng: np.random.Generator,
    *,
    n_draws: int = 200,
) -> list[BacktestEntry]:
    """Back-test the cohort model against a naive trend on the observed years.

    Parameters
    ----------
    inputs : FinanceInputs
        The caseload and unit costs.
    caseload : Caseload
        The caseload read over all observed years (for the observed plans).
    population : numpy.ndarray
        Population by observed year and age.
    effect : numpy.ndarray
        Relative effect draws (paired with the bootstrap draws; the first ``n_draws`` used).
    share : numpy.ndarray
        Share of pupils in live clusters by observed year.
    rng : numpy.random.Generator
        Source of the bootstrap resamples.
    n_draws : int
        Bootstrap draws per origin.

    Returns
    -------
    list of BacktestEntry
        One per horizon with at least one origin (empty if none).
    """
    years = [int(y) for y in caseload.years]
    cost, _ = unit_costs(inputs, years, DEFAULT_UPRATING)
    observed = caseload.stock.sum(axis=(1, 2))
    spend = (caseload.stock.sum(axis=1) * cost).sum(axis=1)
    d = min(n_draws, len(effect))
    delta = effect[:d]
    errors: dict[int, tuple[list[float], list[float], list[float], list[float], list[float],
                            list[float]]] = {h: ([], [], [], [], [], []) for h in HORIZONS}
    mult_all = programme_multiplier(delta, share)
    for i in range(MIN_FIT_YEARS - 1, len(years) - 1):
        fit = read_caseload(inputs.plans, years[: i + 1])
        weights = bootstrap_weights(fit.n_persons, d, rng)
        params = estimate(fit, weights, population[: i + 1], mult_all[:, : i + 1])
        stock = np.broadcast_to(fit.stock[-1], (d, *fit.stock[-1].shape)).astype(float)
        for h in range(1, max(HORIZONS) + 1):
            j = i + h
            if j >= len(years):
                break
            new = params.new_plans(years[j], population[j]) * mult_all[:, j, :]
            stock = step(stock, params, new)
            if h not in errors:
                continue
            plans_pred = float(np.median(stock.sum(axis=(1, 2))))
            spend_pred = float(np.median((stock.sum(axis=1) * cost[j]).sum(axis=1)))
            e = errors[h]
            e[0].append(plans_pred)
            e[1].append(naive_trend(observed[: i + 1], h))
            e[2].append(float(observed[j]))
            e[3].append(spend_pred)
            e[4].append(naive_trend(spend[: i + 1], h))
            e[5].append(float(spend[j]))
    out = []
    for h in HORIZONS:
        model, naive, actual, s_model, s_naive, s_actual = errors[h]
        if not actual:
            continue
        out.append(BacktestEntry(
            horizon=h, n_origins=len(actual),
            mape_model=_mape(model, actual), mape_naive=_mape(naive, actual),
            spend_mape_model=_mape(s_model, s_actual), spend_mape_naive=_mape(s_naive, s_actual),
        ))
    return out
