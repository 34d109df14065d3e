r"""Breakeven, payback and the cumulative DSG position, from paired draws.

Draw :math:`d` of every scenario comes from the same bootstrap resample and the same effect
draw, so differences between scenarios are taken draw by draw (paired) and their spread is
the spread of the difference, not of two independent projections.
"""

from __future__ import annotations

import numpy as np

from eah_eval.errors import OptionError
from eah_eval.finance.results import FinanceProjection, Payback, YearRange


def _scenario(projection: FinanceProjection, name: str, role: str) -> None:
    if name not in projection.scenarios:
        raise OptionError(f"{role} must be one of the projection's scenarios "
                          f"{', '.join(map(repr, projection.scenarios))}; got {name!r}")


def first_year(hit: np.ndarray, years: tuple[int, ...], *, level: float = 0.95) -> YearRange:
    """Find the first year each draw meets a condition, summarised over draws.

    Parameters
    ----------
    hit : numpy.ndarray
        ``draws x years`` booleans.
    years : tuple of int
        The years of the columns.
    level : float
        Share of the draws the interval holds.

    Returns
    -------
    YearRange
        Median and interval of the first year (draws that never meet it count as later than
        every projected year, so a bound beyond the horizon is ``None``), and the share of
        draws that never meet it.

    Notes
    -----
    Quantiles are order statistics of the draws (``inverted_cdf``), so they are years.
    """
    h = np.asarray(hit, dtype=bool)
    ever = h.any(axis=1)
    idx = np.where(ever, h.argmax(axis=1), len(years))
    tail = (1 - level) / 2
    q = np.quantile(idx, [0.5, tail, 1 - tail], method="inverted_cdf")

    def year(i: float) -> int | None:
        return int(years[int(i)]) if int(i) < len(years) else None

    return YearRange(median=year(q[0]), ci_low=year(q[1]), ci_high=year(q[2]),
                     share_never=float(1.0 - ever.mean()), level=level)


def payback(projection: FinanceProjection, scenario: str = "with", against: str = "without"
            ) -> Payback:
    r"""When a scenario's spend avoided covers its extra cost, draw by draw.

    Parameters
    ----------
    projection : FinanceProjection
        From :func:`~eah_eval.finance.projection.project`.
    scenario : str
        The scenario with the programme (default ``"with"``).
    against : str
        The scenario it is compared with (default ``"without"``).

    Returns
    -------
    Payback

    Raises
    ------
    OptionError
        If either name is not a scenario of ``projection``.

    Notes
    -----
    Net saving in year :math:`y` of draw :math:`d`:
    :math:`(S^{against}_{d,y} - S^{scenario}_{d,y}) - (C^{scenario}_y - C^{against}_y)` with
    :math:`S` the high-needs spend and :math:`C` the programme cost. **Breakeven** is the first
    year the year's net saving is at least 0; **payback** the first year its running total is
    at least 0.
    """
    _scenario(projection, scenario, "scenario")
    _scenario(projection, against, "against")
    a = projection.scenarios[scenario]
    b = projection.scenarios[against]
    cost = np.asarray(a.programme_cost_gbp, dtype=float) - np.asarray(b.programme_cost_gbp,
                                                                       dtype=float)
    net = (b.spend_gbp - a.spend_gbp) - cost[None, :]
    cumulative = np.cumsum(net, axis=1)
    return Payback(
        scenario=scenario,
        against=against,
        net_saving_gbp=net,
        cumulative_net_saving_gbp=cumulative,
        breakeven=first_year(net >= 0, projection.years),
        payback=first_year(cumulative >= 0, projection.years),
    )


def dsg_position(projection: FinanceProjection, scenario: str) -> np.ndarray:
    r"""Return the cumulative high-needs DSG position at the end of each projected year, per draw.

    Parameters
    ----------
    projection : FinanceProjection
        From :func:`~eah_eval.finance.projection.project`.
    scenario : str
        A scenario of ``projection``.

    Returns
    -------
    numpy.ndarray
        ``draws x years``, pounds (negative = deficit).

    Raises
    ------
    OptionError
        If ``scenario`` is not a scenario of ``projection``.

    Notes
    -----
    :math:`B_{d,y} = B_0 + \sum_{t \le y} (I_t - O_t - S_{d,t} - C_t)`: opening balance, plus
    income, less other high-needs spend, spend on EHC plan placements and the programme's
    cost.
    """
    _scenario(projection, scenario, "scenario")
    s = projection.scenarios[scenario]
    other = (np.zeros(len(projection.years)) if projection.other_spend_gbp is None
             else np.asarray(projection.other_spend_gbp, dtype=float))
    flow = (np.asarray(projection.income_gbp, dtype=float)[None, :] - other[None, :]
            - s.spend_gbp - np.asarray(s.programme_cost_gbp, dtype=float)[None, :])
    return projection.opening_balance_gbp + np.cumsum(flow, axis=1)
