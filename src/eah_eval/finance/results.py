"""What a High Needs Block projection returns: immutable results the finance report renders.

The projection model (:mod:`eah_eval.finance.projection`) fills these; the finance report
(``eah_eval.reporting.finance``) and the impact report's value-for-money section only read
them. Years are **financial years labelled by the calendar year they start in** (2027 means
April 2027 to March 2028); plan numbers are the EHC plans maintained at the January census
that falls inside that financial year (SEN2's count date).

Every projected quantity is carried as a matrix of draws (``n_draws x n_years``) from the
parameter bootstrap combined with the programme effect's distribution, never as a point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ScenarioProjection:
    """One scenario's projected EHC plans, high-needs spend and programme cost.

    Attributes
    ----------
    name : str
        Key (``"without"``, ``"with"``, or a user scenario's name).
    label : str
        What the scenario is, in words for a board.
    assumptions : tuple of str
        Each assumption the scenario adds to the base model, in words.
    plans : numpy.ndarray
        EHC plans maintained, ``n_draws x n_years``.
    spend_gbp : numpy.ndarray
        High-needs spend on EHC plans and placements (place plus top-up), pounds,
        ``n_draws x n_years``.
    programme_cost_gbp : numpy.ndarray
        The programme's planned spend charged to the scenario, pounds, ``n_years``
        (zeros for the scenario without the programme).
    plans_by_placement : pandas.DataFrame
        Median plans by ``year`` and ``placement`` (long form), for the placement-mix table.
    """

    name: str
    label: str
    assumptions: tuple[str, ...]
    plans: np.ndarray
    spend_gbp: np.ndarray
    programme_cost_gbp: np.ndarray
    plans_by_placement: pd.DataFrame


@dataclass(frozen=True)
class BacktestEntry:
    """Out-of-sample error of plan numbers (and spend) ``horizon`` years ahead.

    Mean absolute percentage errors over every forecast origin in the held-out years, for the
    cohort model's median and for the naive linear-trend forecast on the same origins.
    """

    horizon: int
    n_origins: int
    mape_model: float
    mape_naive: float
    spend_mape_model: float
    spend_mape_naive: float


@dataclass(frozen=True)
class FinanceProjection:
    """The projection of EHC plans, high-needs spend and the DSG position, by scenario.

    Attributes
    ----------
    years : tuple of int
        Projected financial years (labelled by their starting calendar year).
    history : pandas.DataFrame
        Observed years: ``year``, ``plans``, ``spend_gbp``, ``income_gbp``.
    income_gbp : numpy.ndarray
        High Needs Block income for each projected year, pounds (as supplied; not uncertain).
    opening_balance_gbp : float
        Cumulative DSG high-needs position at the start of the first projected year
        (negative = deficit).
    scenarios : Mapping[str, ScenarioProjection]
        ``"without"`` and ``"with"`` always; user scenarios after them.
    backtest : tuple of BacktestEntry
        One entry per horizon (1, 2, 3 years ahead).
    n_draws : int
        Number of draws in every matrix.
    seed : int
        Seed of the random generator the draws came from.
    effect_source : str
        Where the programme's effect came from, in words (for example "impact evaluation,
        EHC needs assessment requests per 1,000 pupils, 999 bootstrap draws").
    notes : tuple of str
        What the projection assumed where the inputs were silent (uprated costs, income held
        flat, an opening balance rolled forward).
    other_spend_gbp : numpy.ndarray or None
        High-needs spend outside EHC plan placements for each projected year, pounds (as
        supplied; ``None`` = not supplied, counted as 0 in the DSG position).
    """

    years: tuple[int, ...]
    history: pd.DataFrame
    income_gbp: np.ndarray
    opening_balance_gbp: float
    scenarios: Mapping[str, ScenarioProjection]
    backtest: tuple[BacktestEntry, ...]
    n_draws: int
    seed: int
    effect_source: str
    notes: tuple[str, ...] = field(default=())
    other_spend_gbp: np.ndarray | None = None


@dataclass(frozen=True)
class YearRange:
    """A year estimated from draws.

    The median and an interval holding ``level`` of the draws (``ci_low`` to ``ci_high``, the
    package's names for an interval), with the share of draws in which it never happens within
    the projected years (then the year is ``None`` in those draws).
    """

    median: int | None
    ci_low: int | None
    ci_high: int | None
    share_never: float
    level: float = 0.95


@dataclass(frozen=True)
class Payback:
    """When the programme pays for itself in high-needs spend, from paired draws.

    Attributes
    ----------
    scenario, against : str
        The scenario with the programme and the one it is compared with.
    net_saving_gbp : numpy.ndarray
        Spend avoided minus programme cost, each year, ``n_draws x n_years``.
    cumulative_net_saving_gbp : numpy.ndarray
        Its running total, ``n_draws x n_years``.
    breakeven : YearRange
        First year in which the year's spend avoided covers the year's programme cost.
    payback : YearRange
        First year in which cumulative spend avoided covers cumulative programme cost.
    """

    scenario: str
    against: str
    net_saving_gbp: np.ndarray
    cumulative_net_saving_gbp: np.ndarray
    breakeven: YearRange
    payback: YearRange
