"""Rollout timing: each cluster's (and so each school's) first treated period from its go-live.

A go-live date rarely falls on the first day of a term. Which term counts as the first treated
one is a choice, made with ``mid_period_rule`` and printed with every panel:

* ``"next_full_period"`` (default): the first period that starts on or after go-live, so every
  treated period is fully exposed; the go-live period itself is treated only if go-live is its
  first day.
* ``"period_containing"``: the period containing the go-live date is treated (partly exposed
  periods count as treated).
* ``"majority_of_period"``: the period containing go-live is treated if go-live falls on or
  before its midpoint (exposed for at least half of it), otherwise the next period.

Timing uses the package's standard calendar (:mod:`eah_eval.data.periods`) for every measure,
including the suspension and exclusion measures that place events on DfE's exclusions calendar:
both calendars number the same school terms alike, and on the exclusions calendar (autumn from
1 August) the usual 1 September go-live would fall inside autumn, making spring the first full
period although every autumn school day is exposed.

``first_treated = 0`` means never treated within the panel's window (go-live after its last
period), the convention of :func:`eah_eval.did.att_gt`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import pandas as pd

from eah_eval.errors import OptionError, check_option
from eah_eval.measures.engine import period_bounds

MidPeriodRule = Literal["next_full_period", "period_containing", "majority_of_period"]
MID_PERIOD_RULES: tuple[str, ...] = get_args(MidPeriodRule)

RULE_TEXT: dict[str, str] = {
    "next_full_period": (
        "first treated period = the first period starting on or after the cluster's go-live "
        "date (mid-period go-live: the next full period)"
    ),
    "period_containing": (
        "first treated period = the period containing the cluster's go-live date (partly "
        "exposed periods count as treated)"
    ),
    "majority_of_period": (
        "first treated period = the period containing go-live if go-live is on or before its "
        "midpoint, otherwise the next period"
    ),
}

_ROLLOUT_PERIODS: tuple[str, ...] = ("term", "academic_year", "calendar_year", "financial_year")


def _containing(date: dt.date, period: str) -> int:
    from eah_eval.data.periods import term_index, term_of

    if period == "term":
        ay, term = term_of(date)
        return term_index(ay, term)
    if period == "academic_year":
        return date.year if date.month >= 9 else date.year - 1
    if period == "financial_year":
        return date.year if date.month >= 4 else date.year - 1
    return date.year


def first_treated_period(
    go_live: dt.date | pd.Timestamp, period: str, *, rule: str = "next_full_period"
) -> int:
    """Return the index of the first treated period for a go-live date.

    Parameters
    ----------
    go_live : date
        Go-live date of the cluster.
    period : {"term", "academic_year", "calendar_year", "financial_year"}
        Period grain (``"census"`` is treated as ``"academic_year"``).
    rule : {"next_full_period", "period_containing", "majority_of_period"}
        Rule for a go-live inside a period (see the module notes).

    Returns
    -------
    int
        Period index as in :func:`eah_eval.measures.engine.period_index_expr`.

    Raises
    ------
    OptionError
        For an unknown rule or period.

    Examples
    --------
    >>> import datetime as dt
    >>> first_treated_period(dt.date(2024, 10, 15), "term")  # autumn 2024 -> spring 2025
    6073
    >>> first_treated_period(dt.date(2024, 10, 15), "term", rule="period_containing")
    6072
    """
    check_option("mid_period_rule", rule, MID_PERIOD_RULES)
    grain = "academic_year" if period == "census" else period
    check_option("period", grain, _ROLLOUT_PERIODS)
    if isinstance(go_live, pd.Timestamp):
        go_live = go_live.date()
    if not isinstance(go_live, dt.date):
        raise OptionError(f"go_live must be a date; got {go_live!r}")
    index = _containing(go_live, grain)
    start, end = period_bounds(grain, index)
    if rule == "period_containing" or go_live == start:
        return index
    if rule == "next_full_period":
        return index + 1
    midpoint = start + (end - start) / 2
    return index if go_live <= midpoint else index + 1


def cluster_rollout(
    clusters: pd.DataFrame, period: str, *, rule: str = "next_full_period"
) -> pd.DataFrame:
    """First treated period of every cluster.

    Parameters
    ----------
    clusters : pandas.DataFrame
        The clusters table (``cluster_id``, ``go_live_date``, ``rollout_wave``).
    period : str
        Period grain.
    rule : str
        Mid-period rule.

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster_id``, ``wave`` (string), ``go_live_date``, ``first_treated``.
    """
    rows = [
        (
            str(c),
            str(w),
            pd.Timestamp(g),
            first_treated_period(pd.Timestamp(g), period, rule=rule),
        )
        for c, w, g in zip(
            clusters["cluster_id"], clusters["rollout_wave"], clusters["go_live_date"], strict=True
        )
    ]
    return pd.DataFrame(rows, columns=["cluster_id", "wave", "go_live_date", "first_treated"])
