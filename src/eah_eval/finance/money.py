"""Money and people by year: unit costs (with uprating), income, programme budget, population.

Each turns one finance table into an array over a run of financial years, and says in words
what it assumed for years the table does not cover.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from eah_eval.finance.inputs import FinanceInputs
from eah_eval.finance.states import N_AGES, PLACEMENTS, fy_label, fy_span

#: Yearly uprating of unit costs beyond the last year supplied (2%: about the Bank of
#: England's inflation target; high-needs top-up rates are often frozen, so this leans high).
DEFAULT_UPRATING = 0.02


def unit_costs(inputs: FinanceInputs, years: Sequence[int], uprating: float
               ) -> tuple[np.ndarray, list[str]]:
    """Place plus top-up per plan a year, ``years x placements``, and what was assumed.

    A year after the last one supplied for a placement takes that year's cost uprated by
    ``uprating`` a year (compound).
    """
    c = inputs.costs.assign(unit=inputs.costs["place_gbp"] + inputs.costs["top_up_gbp"])
    wide = c.pivot_table(index="financial_year", columns="placement", values="unit",
                         aggfunc="sum").reindex(columns=list(PLACEMENTS))
    out = np.zeros((len(years), len(PLACEMENTS)))
    uprated: set[int] = set()
    for j, p in enumerate(PLACEMENTS):
        col = wide[p].dropna()
        if not len(col):
            continue
        last_year = int(col.index.max())
        for i, y in enumerate(years):
            if y in col.index:
                out[i, j] = float(col.loc[y])
            elif y > last_year:
                out[i, j] = float(col.loc[last_year]) * (1 + uprating) ** (y - last_year)
                uprated.add(y)
            else:
                out[i, j] = float(col.loc[col.index[col.index >= y].min()]) \
                    if (col.index >= y).any() else float(col.iloc[-1])
    notes = []
    if uprated:
        notes.append(f"unit costs for {fy_span(min(uprated), max(uprated))} are the last "
                     f"supplied uprated by {uprating:.1%} a year")
    return out, notes


def by_year(frame: pd.DataFrame, column: str, years: Sequence[int], *, what: str,
            default: float = 0.0) -> tuple[np.ndarray, list[str]]:
    """One column of a yearly table over ``years``: later years hold the last value given.

    Years before the first value, or with no value at all, take ``default``.
    """
    s = frame.set_index("financial_year")[column].dropna() if len(frame) else pd.Series(
        dtype=float)
    out = np.full(len(years), float(default))
    held: list[int] = []
    for i, y in enumerate(years):
        if y in s.index:
            out[i] = float(s.loc[y])
        elif len(s) and y > int(s.index.max()):
            out[i] = float(s.loc[int(s.index.max())])
            held.append(int(y))
    notes = []
    if held:
        notes.append(f"{what} for {fy_span(min(held), max(held))} held at the last value "
                     f"supplied ({fy_label(int(s.index.max()))})")
    return out, notes


def population_matrix(inputs: FinanceInputs, years: Sequence[int]
                      ) -> tuple[np.ndarray, list[str]]:
    """Return the population by year and age, ``years x ages`` (ones when none was supplied).

    A year outside the table takes the nearest year supplied.
    """
    pop = inputs.population
    if not len(pop):
        return np.ones((len(years), N_AGES)), []
    wide = pop.pivot_table(index="financial_year", columns="age", values="population",
                           aggfunc="sum").reindex(columns=range(N_AGES)).fillna(0.0)
    have = wide.index.to_numpy(dtype=int)
    out = np.zeros((len(years), N_AGES))
    held: list[int] = []
    for i, y in enumerate(years):
        nearest = int(have[np.argmin(np.abs(have - y))])
        if nearest != y:
            held.append(int(y))
        out[i] = wide.loc[nearest].to_numpy(dtype=float)
    notes = []
    if held:
        notes.append(f"population for {fy_span(min(held), max(held))} not supplied: the "
                     "nearest year's is used")
    return out, notes
