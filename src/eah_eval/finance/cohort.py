r"""The multi-state cohort model of the EHC plan caseload: states observed, parameters estimated.

The caseload is read at each January census (SEN2's count date) as a state per person: not
holding a plan, or holding one at an age (0 to 25) in one of the placement types of
:data:`~eah_eval.finance.states.PLACEMENTS`. Between two censuses a person with a plan

1. **ceases** with probability :math:`q_b` that depends on the age band :math:`b` (ages 25 and
   over always cease: plans end at 25);
2. otherwise ages one year and **moves** from placement :math:`p` to :math:`p'` with probability
   :math:`M_{b}[p, p']` (rows sum to one; age bands put the phase transfers at 10-11 and
   15-16 in bands of their own);

and people without a plan at one census who hold one at the next are **new plans**: at age
:math:`a` in year :math:`y`

.. math:: N_{a,y} = \text{pop}_{a,y}\, r_a\, e^{\alpha + g (y - \bar y)}\, m_{a,y},

with age profile :math:`r_a` (new plans per head of population pooled over the fitted years),
a log-linear trend :math:`\alpha + g(y - \bar y)` in the standardised rate, and the
programme's multiplier :math:`m_{a,y} = 1 + \delta\, s_y` on the ages it reaches (``delta`` the
relative effect, ``s_y`` the share of pupils in live clusters); new plans start in placement
:math:`p` with probability :math:`E_{b}[p]` by entry age band. Counts observed in years when the
programme was live are divided by :math:`m_{a,y}` before fitting, so the rates describe the
council without the programme.

Every parameter is a maximum-likelihood share or rate (counts over people at risk), estimated
once per bootstrap draw with the people resampled with replacement (all of a person's records
go together), so a draw's parameters carry the caseload's sampling uncertainty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from eah_eval.finance.states import (
    CEASE_BANDS,
    ENTRY_BANDS,
    MAX_AGE,
    MOVE_BANDS,
    N_AGES,
    N_PLACEMENTS,
    PLACEMENTS,
    PROGRAMME_AGES,
    age_in,
    band_of,
    census_date,
)

_CB = band_of(np.arange(N_AGES), CEASE_BANDS)
_MB = band_of(np.arange(N_AGES), MOVE_BANDS)
_EB = band_of(np.arange(N_AGES), ENTRY_BANDS)
_NCB, _NMB, _NEB = len(CEASE_BANDS), len(MOVE_BANDS), len(ENTRY_BANDS)
_P = N_PLACEMENTS


@dataclass(frozen=True, eq=False)
class Caseload:
    """The caseload read at each census of the fitted years.

    Attributes
    ----------
    years : numpy.ndarray
        Financial years observed (each holds one January census).
    stock : numpy.ndarray
        Plans by year, age and placement, ``years x ages x placements``.
    n_persons : int
        People with a plan at one of the censuses.
    records : scipy.sparse.csr_matrix
        People x record keys: how many of each kind of record each person contributes
        (ceasing or staying by cease band; moves by move band and placements; new plans by
        entry band and placement; new plans by year and age). The bootstrap multiplies it by
        the people's resampling weights.
    """

    years: np.ndarray
    stock: np.ndarray
    n_persons: int
    records: sparse.csr_matrix


# record keys, in sections
_K_CEASE = 0                                   # cease band x {stayed, ceased}
_K_MOVE = _K_CEASE + _NCB * 2                  # move band x from x to
_K_ENTRY = _K_MOVE + _NMB * _P * _P            # entry band x placement


def _k_new(n_years: int) -> int:
    return _K_ENTRY + _NEB * _P                 # year x age (new plans)


def read_caseload(plans: pd.DataFrame, years: Sequence[int] | np.ndarray) -> Caseload:
    """Read the census states of every person in the caseload and their records.

    Parameters
    ----------
    plans : pandas.DataFrame
        ``ehc_plans`` as validated (one row per placement spell).
    years : sequence of int
        Consecutive financial years to read (their January censuses).

    Returns
    -------
    Caseload

    Notes
    -----
    A spell is live at a census when it started on or before the count date and has not ended
    by it. A person with two live spells at one census (overlapping records) counts once, in
    the spell that started last. People aged over 25 at a census are not counted.
    """
    yrs = np.asarray(years, dtype=int)
    person_codes, persons = pd.factorize(plans["person_id"].astype(str), sort=True)
    n_persons = len(persons)
    cohort = np.full(n_persons, 0, dtype=int)
    cohort[person_codes] = plans["birth_cohort"].to_numpy(dtype=int)
    place_code = pd.Categorical(plans["placement"].astype(str),
                                categories=list(PLACEMENTS)).codes.astype(int)
    start = plans["spell_start_date"].to_numpy(dtype="datetime64[ns]")
    end = plans["spell_end_date"].to_numpy(dtype="datetime64[ns]")
    order = np.argsort(start, kind="stable")
    state = np.full((len(yrs), n_persons), -1, dtype=int)
    for i, y in enumerate(yrs):
        day = np.datetime64(census_date(int(y)), "ns")
        live = (start <= day) & (np.isnat(end) | (end > day))
        idx = order[live[order]]  # by start date: the last-starting spell wins
        state[i, person_codes[idx]] = place_code[idx]
    ages = age_in(yrs[:, None], cohort[None, :])
    state[(ages < 0) | (ages > MAX_AGE)] = -1
    # only people with a plan at one of these censuses are resampled
    seen = (state >= 0).any(axis=0)
    state, ages = state[:, seen], ages[:, seen]
    n_persons = int(seen.sum())
    stock = np.zeros((len(yrs), N_AGES, _P))
    for i in range(len(yrs)):
        on = state[i] >= 0
        np.add.at(stock[i], (ages[i, on], state[i, on]), 1.0)

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    k_new = _k_new(len(yrs))
    for i in range(len(yrs) - 1):
        a0 = ages[i]
        was = state[i] >= 0
        now = state[i + 1] >= 0
        # people of 25 always cease: they carry no information on ceasing or moving
        risk = np.flatnonzero(was & (a0 < MAX_AGE))
        ceased = ~now[risk]
        rows.append(risk)
        cols.append(_K_CEASE + _CB[a0[risk]] * 2 + ceased)
        stay = risk[~ceased]
        rows.append(stay)
        cols.append(_K_MOVE + (_MB[a0[stay]] * _P + state[i, stay]) * _P + state[i + 1, stay])
        new = np.flatnonzero(~was & now)
        a1 = ages[i + 1, new]
        rows.append(new)
        cols.append(_K_ENTRY + _EB[a1] * _P + state[i + 1, new])
        rows.append(new)
        cols.append(k_new + (i + 1) * N_AGES + a1)
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=int)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=int)
    n_keys = k_new + len(yrs) * N_AGES
    records = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_persons, n_keys))
    records.sum_duplicates()
    return Caseload(yrs, stock, n_persons, records)


@dataclass(frozen=True, eq=False)
class CohortParameters:
    """Parameters of the cohort model, one set per draw (leading axis).

    Attributes
    ----------
    cease : numpy.ndarray
        Probability of ceasing before the next census, ``draws x ages`` (1 at age 25).
    move : numpy.ndarray
        Placement next year given a continuing plan, ``draws x ages x placements x
        placements`` (rows sum to one; age = age at the earlier census).
    entry : numpy.ndarray
        Placement a new plan starts in, ``draws x ages x placements`` (age at its first census).
    rate : numpy.ndarray
        New plans per head of population by age, pooled over the fitted years, with the
        programme's effect removed, ``draws x ages``.
    alpha, growth : numpy.ndarray
        Level and yearly log growth of the standardised new-plan rate, ``draws``.
    year_ref : float
        Centre of the fitted years (the trend's origin).
    fit_years : tuple of int
        Years whose new plans were fitted.
    """

    cease: np.ndarray
    move: np.ndarray
    entry: np.ndarray
    rate: np.ndarray
    alpha: np.ndarray
    growth: np.ndarray
    year_ref: float
    fit_years: tuple[int, ...]

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.cease.shape[0])

    def new_plans(self, year: int, population: np.ndarray) -> np.ndarray:
        """Return the expected new plans by age without the programme, ``draws x ages``."""
        level = np.exp(self.alpha + self.growth * (year - self.year_ref))
        return population[None, :] * self.rate * level[:, None]


def programme_multiplier(effect: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Multiplier of new plans by draw, year and age: ``1 + effect x share`` on the ages reached.

    Parameters
    ----------
    effect : numpy.ndarray
        Relative effect on new plans, one per draw.
    share : numpy.ndarray
        Share of pupils in live clusters, one per year.

    Returns
    -------
    numpy.ndarray
        ``draws x years x ages``.
    """
    reach = np.zeros(N_AGES)
    reach[PROGRAMME_AGES[0]:PROGRAMME_AGES[1] + 1] = 1.0
    return 1.0 + effect[:, None, None] * np.asarray(share)[None, :, None] * reach[None, None, :]


def _shares(counts: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Normalise the last axis; rows with no counts take ``fallback`` (broadcast)."""
    total = counts.sum(axis=-1, keepdims=True)
    out = np.where(total > 0, counts / np.where(total > 0, total, 1.0), 0.0)
    return np.where(total > 0, out, np.broadcast_to(fallback, out.shape))


def estimate(
    caseload: Caseload,
    weights: np.ndarray,
    population: np.ndarray,
    history_multiplier: np.ndarray,
) -> CohortParameters:
    """Estimate the parameters once per row of ``weights``.

    Parameters
    ----------
    caseload : Caseload
        From :func:`read_caseload`.
    weights : numpy.ndarray
        ``draws x people``: how many times each person is counted (all ones for the fit on
        the data as they are; multinomial counts for a bootstrap draw).
    population : numpy.ndarray
        Population by fitted year and age, ``years x ages`` (all ones: rates are counts).
    history_multiplier : numpy.ndarray
        The programme's multiplier of new plans in the fitted years, ``draws x years x ages``
        (ones where it was not live).

    Returns
    -------
    CohortParameters
    """
    w = np.asarray(weights, dtype=float)
    n_draws = w.shape[0]
    n_years = len(caseload.years)
    counts = np.asarray((caseload.records.T @ w.T).T)  # draws x keys
    c = counts[:, _K_CEASE:_K_MOVE].reshape(n_draws, _NCB, 2)
    at_risk = c.sum(axis=2)
    q_band = np.where(at_risk > 0, c[:, :, 1] / np.where(at_risk > 0, at_risk, 1.0), 0.0)
    cease = q_band[:, _CB]
    cease[:, MAX_AGE] = 1.0
    m = counts[:, _K_MOVE:_K_ENTRY].reshape(n_draws, _NMB, _P, _P)
    move_band = _shares(m, np.eye(_P)[None, None, :, :])
    move = move_band[:, _MB]
    e = counts[:, _K_ENTRY:_k_new(n_years)].reshape(n_draws, _NEB, _P)
    pooled_entry = e.sum(axis=1, keepdims=True)
    entry_band = _shares(e, _shares(pooled_entry, np.full(_P, 1.0 / _P)))
    entry = entry_band[:, _EB]
    new = counts[:, _k_new(n_years):].reshape(n_draws, n_years, N_AGES)[:, 1:, :]
    mult = np.asarray(history_multiplier)[:, 1:, :]
    adjusted = new / np.where(mult > 0, mult, 1.0)
    pop = np.asarray(population, dtype=float)[1:, :]
    fit_years = caseload.years[1:]
    head = pop.sum(axis=0)
    rate = np.where(head > 0, adjusted.sum(axis=1) / np.where(head > 0, head, 1.0), 0.0)
    expected = np.einsum("ya,da->dy", pop, rate)
    observed = adjusted.sum(axis=2)
    year_ref = float(fit_years.mean()) if len(fit_years) else 0.0
    x = fit_years - year_ref
    # weighted least squares of the log ratio on the year, weights = expected counts
    ok = expected > 0
    wts = np.where(ok, expected, 0.0)
    logr = np.log(np.where(ok, (observed + 0.5) / np.where(ok, expected + 0.5, 1.0), 1.0))
    sw = wts.sum(axis=1)
    sw_safe = np.where(sw > 0, sw, 1.0)
    xbar = (wts * x).sum(axis=1) / sw_safe
    ybar = (wts * logr).sum(axis=1) / sw_safe
    sxx = (wts * (x - xbar[:, None]) ** 2).sum(axis=1)
    sxy = (wts * (x - xbar[:, None]) * (logr - ybar[:, None])).sum(axis=1)
    growth = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    alpha = ybar - growth * xbar
    return CohortParameters(cease, move, entry, rate, alpha, growth, year_ref,
                            tuple(int(y) for y in fit_years))


def bootstrap_weights(n_persons: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Person resampling counts, ``draws x people`` (each row sums to ``n_persons``)."""
    if n_persons == 0:
        return np.zeros((n_draws, 0))
    return rng.multinomial(n_persons, np.full(n_persons, 1.0 / n_persons), size=n_draws).astype(
        float)


def step(
    stock: np.ndarray,
    params: CohortParameters,
    new: np.ndarray,
    entry: np.ndarray | None = None,
    move: np.ndarray | None = None,
) -> np.ndarray:
    """Move the stock on one census: cease, move and age one year, add new plans.

    Parameters
    ----------
    stock : numpy.ndarray
        Plans by draw, age and placement, ``draws x ages x placements``.
    params : CohortParameters
        Ceasing, moves and entry placements.
    new : numpy.ndarray
        New plans by draw and age at the next census, ``draws x ages``.
    entry, move : numpy.ndarray, optional
        Replacements of ``params.entry`` and ``params.move`` (scenarios that shift
        placements).

    Returns
    -------
    numpy.ndarray
        The stock at the next census, same shape.
    """
    moves = params.move if move is None else move
    starts = params.entry if entry is None else entry
    stay = stock * (1.0 - params.cease)[:, :, None]
    moved = np.einsum("dap,dapq->daq", stay, moves)
    out = np.zeros_like(stock)
    out[:, 1:, :] = moved[:, :-1, :]
    out += new[:, :, None] * starts
    return out
