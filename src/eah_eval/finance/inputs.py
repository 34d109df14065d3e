"""The inputs of the High Needs Block projection, loaded from a council's validated tables.

The five finance tables (``ehc_plans``, ``high_needs_costs``, ``high_needs_income``,
``programme_budget``, ``population``) are optional in a council's data folder: the impact and
monitoring reports work without them. :func:`load_finance_inputs` takes what the projection
needs from a validated :class:`~eah_eval.data.load.Council` and raises
:class:`FinanceInputsMissingError` (naming the missing files) when it cannot run, so a report
can show the section as unavailable with that reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from eah_eval.data import schema as sch
from eah_eval.data.load import Council, load_council
from eah_eval.errors import DataFileNotFoundError, EahEvalError, OptionTypeError
from eah_eval.finance.states import PLACEMENTS, census_date

#: Tables the projection cannot run without.
REQUIRED_TABLES: tuple[str, ...] = ("ehc_plans", "high_needs_costs", "high_needs_income")
#: Tables it uses when supplied (and says what it assumed when not).
OPTIONAL_TABLES: tuple[str, ...] = ("programme_budget", "population")
#: Fewest observed years (January censuses) the model is fitted on.
MIN_HISTORY_YEARS = 3
#: Months from a cluster's go-live to the first plans its requests could change (a request
#: becomes a plan about 20 weeks after it is received).
PLAN_LAG_MONTHS = 6
#: Years over which a cluster's effect builds up to its full size after that lag (the
#: programme's support reaches a cluster's schools gradually).
RAMP_YEARS = 2.0
_EPOCH = dt.date(1970, 1, 1)
_MAINSTREAM_PHASES = ("nursery", "primary", "middle", "secondary", "all_through")


class FinanceInputsMissingError(EahEvalError, FileNotFoundError):
    """A table the High Needs Block projection needs was not supplied (or has no rows)."""


class FinanceInputsError(EahEvalError, ValueError):
    """The finance tables were supplied but cannot support a projection (the message says why)."""


@dataclass(frozen=True, eq=False)
class FinanceInputs:
    """What the projection reads: the caseload, unit costs, income, budget and population.

    Attributes
    ----------
    plans : pandas.DataFrame
        ``ehc_plans`` as validated (one row per placement spell).
    costs : pandas.DataFrame
        ``high_needs_costs`` (``financial_year, placement, place_gbp, top_up_gbp``).
    income : pandas.DataFrame
        ``high_needs_income`` (``financial_year, income_gbp, other_spend_gbp,
        opening_balance_gbp``).
    programme_budget : pandas.DataFrame
        ``programme_budget`` (``financial_year, planned_spend_gbp``); empty when not supplied.
    population : pandas.DataFrame
        ``population`` (``financial_year, age, population``); empty when not supplied.
    history_years : tuple of int
        Financial years observed in the caseload: from the first year with unit costs to the
        last year whose January census is on or before the latest date in ``ehc_plans``.
    live_share : pandas.Series
        Share of the programme's full effect reached, by financial year: clusters weighted by
        their mainstream pupils (latest January census), each building up linearly over
        ``ramp_years`` from :data:`PLAN_LAG_MONTHS` months after its go-live, averaged over
        the months of the year. Indexed by financial year, from the first history year to
        2100.
    request_rate_per_1000 : float or None
        EHC needs-assessment requests a year per 1,000 mainstream pupils before the first
        go-live (``None`` without ``ehc_requests`` or pre-programme years): the baseline that
        turns an effect per 1,000 pupils into a relative change.
    source : str
        Where the tables came from.
    notes : tuple of str
        What was assumed for tables not supplied.
    """

    plans: pd.DataFrame
    costs: pd.DataFrame
    income: pd.DataFrame
    programme_budget: pd.DataFrame
    population: pd.DataFrame
    history_years: tuple[int, ...]
    live_share: pd.Series
    request_rate_per_1000: float | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def last_year(self) -> int:
        """The last observed financial year (the projection starts the year after)."""
        return self.history_years[-1]


def _supplied(council: Council, table: str) -> bool:
    acc = council.accounting.set_index("table")
    rows_read = acc["rows_read"].get(table, 0)
    return bool(int(rows_read) > 0 and len(council.tables[table]) > 0)


def _live_share(council: Council, first_year: int, ramp_years: float) -> pd.Series:
    years = np.arange(first_year, 2101)
    clusters = council.tables["clusters"]
    schools = council.tables["schools"]
    census = council.tables["pupil_census"]
    mainstream = schools.loc[schools["phase"].isin(_MAINSTREAM_PHASES), ["urn", "cluster_id"]]
    if len(census) and len(mainstream):
        latest = census.loc[census["census_date"] == census["census_date"].max(), "urn"]
        pupils = latest.value_counts().rename("n").rename_axis("urn").reset_index()
        by_cluster = pupils.merge(mainstream, on="urn").groupby("cluster_id")["n"].sum()
    else:
        by_cluster = pd.Series(dtype=float)
    weights = by_cluster.reindex(clusters["cluster_id"]).fillna(0.0).to_numpy(dtype=float)
    if weights.sum() <= 0:
        weights = np.ones(len(clusters))
    share = np.zeros(len(years))
    # the middle of each month of each financial year, as days since 1970
    months = np.array([[(dt.date(int(y) + (m > 8), (m + 3) % 12 + 1, 15) - _EPOCH).days
                        for m in range(12)] for y in years], dtype=float)
    ramp = max(float(ramp_years), 1e-9) * 365.25
    for w, go in zip(weights, clusters["go_live_date"], strict=True):
        if pd.isna(go):
            continue
        start = (pd.Timestamp(go) + pd.DateOffset(months=PLAN_LAG_MONTHS)).date()
        built = np.clip((months - (start - _EPOCH).days) / ramp, 0.0, 1.0)
        share += w * built.mean(axis=1)
    return pd.Series(share / weights.sum() if len(clusters) else share, index=years,
                     name="live_share")


def _request_rate(council: Council) -> float | None:
    req = council.tables["ehc_requests"]
    census = council.tables["pupil_census"]
    go = council.tables["clusters"]["go_live_date"].dropna()
    if not len(req) or not len(census) or not len(go):
        return None
    first = pd.Timestamp(go.min())
    before = census[census["census_date"] < first]
    if not len(before):
        return None
    rates = []
    for day in sorted(before["census_date"].unique()):
        start = pd.Timestamp(day) - pd.DateOffset(months=4)  # academic year of that census
        end = start + pd.DateOffset(years=1)
        if end > first:
            continue
        n = int((before["census_date"] == day).sum())
        k = int(((req["received_date"] >= start) & (req["received_date"] < end)).sum())
        if n:
            rates.append(1000.0 * k / n)
    return float(np.mean(rates)) if rates else None


def finance_inputs_from_council(council: Council, *, ramp_years: float = RAMP_YEARS
                                ) -> FinanceInputs:
    """Take the projection's inputs from a validated council.

    Parameters
    ----------
    council : Council
        From :func:`eah_eval.data.load.load_council`.
    ramp_years : float
        Years over which a cluster's effect builds up after :data:`PLAN_LAG_MONTHS` months
        (default 2; ``0`` = at once).

    Returns
    -------
    FinanceInputs

    Raises
    ------
    FinanceInputsMissingError
        If ``ehc_plans.csv``, ``high_needs_costs.csv`` or ``high_needs_income.csv`` was not
        supplied or has no rows (the message names each missing file).
    FinanceInputsError
        If fewer than :data:`MIN_HISTORY_YEARS` January censuses are covered by both the
        caseload and the unit costs, or a history year has no unit cost for a placement type.
    """
    if not isinstance(council, Council):
        raise OptionTypeError(f"council must be a Council (eah_eval.data.load); got "
                              f"{type(council).__name__}")
    missing = [t for t in REQUIRED_TABLES if not _supplied(council, t)]
    where = f" in {council.source}" if council.source is not None else ""
    if missing:
        files = ", ".join(sch.table_file_name(t) for t in missing)
        raise FinanceInputsMissingError(
            f"the High Needs Block projection needs {files}{where}: not supplied or no rows "
            f"(expected the tables {', '.join(sch.table_file_name(t) for t in REQUIRED_TABLES)}"
            "; see data_schema/README.md)")
    plans = council.tables["ehc_plans"]
    costs = council.tables["high_needs_costs"]
    latest = max(pd.Timestamp(plans[c].max()) for c in
                 ("plan_start_date", "spell_start_date", "spell_end_date")
                 if plans[c].notna().any())
    first = int(costs["financial_year"].min())
    last = first - 1
    while pd.Timestamp(census_date(last + 1)) <= latest:
        last += 1
    years = tuple(range(first, last + 1))
    if len(years) < MIN_HISTORY_YEARS:
        raise FinanceInputsError(
            f"high_needs_costs.csv and ehc_plans.csv{where} cover {len(years)} January "
            f"census(es) (financial years from the first unit cost, {first}, to the last census "
            f"on or before the latest caseload date, {latest.date()}); expected at least "
            f"{MIN_HISTORY_YEARS}")
    have = set(zip(costs["financial_year"].astype(int), costs["placement"].astype(str),
                   strict=True))
    gaps = [(y, p) for y in years for p in PLACEMENTS if (y, p) not in have]
    if gaps:
        y, p = gaps[0]
        raise FinanceInputsError(
            f"high_needs_costs.csv{where}: expected a unit cost for every placement type in "
            f"every observed financial year {years[0]} to {years[-1]}; {len(gaps)} missing, "
            f"first financial_year {y}, placement {p!r}")
    notes: list[str] = []
    budget = council.tables["programme_budget"]
    if not _supplied(council, "programme_budget"):
        notes.append("programme_budget.csv not supplied: the programme's cost is taken as 0 "
                     "(payback cannot be judged)")
    population = council.tables["population"]
    if not _supplied(council, "population"):
        notes.append("population.csv not supplied: new plans are projected as counts by age "
                     "with the council's own trend, with no change in the population")
    return FinanceInputs(
        plans=plans,
        costs=costs,
        income=council.tables["high_needs_income"],
        programme_budget=budget,
        population=population,
        history_years=years,
        live_share=_live_share(council, years[0], ramp_years),
        request_rate_per_1000=_request_rate(council),
        source=str(council.source) if council.source is not None else "<frames>",
        notes=tuple(notes),
    )


def load_finance_inputs(data: str | Path | Council, *, ramp_years: float = RAMP_YEARS
                        ) -> FinanceInputs:
    """Load and validate a council's data and take the High Needs Block projection's inputs.

    Parameters
    ----------
    data : str, pathlib.Path or Council
        A data folder (loaded with :func:`eah_eval.data.load.load_council`, strict) or a
        council already loaded.
    ramp_years : float
        Years over which a cluster's effect builds up (see
        :func:`finance_inputs_from_council`).

    Returns
    -------
    FinanceInputs

    Raises
    ------
    FinanceInputsMissingError
        If a table the projection needs was not supplied (the message names the files).
    FinanceInputsError
        If the tables cannot support a projection (too few years, a missing unit cost).
    DataValidationError
        If the data fail validation (every problem listed with file, row and column).
    DataFileNotFoundError
        If the folder does not exist.

    Examples
    --------
    >>> inputs = load_finance_inputs("data/demo")  # doctest: +SKIP
    >>> inputs.history_years[-1]  # doctest: +SKIP
    2028
    """
    if isinstance(data, Council):
        return finance_inputs_from_council(data, ramp_years=ramp_years)
    if not isinstance(data, str | Path):
        raise OptionTypeError(f"data must be a folder path or a Council; got "
                              f"{type(data).__name__}")
    path = Path(data)
    if not path.is_dir():
        raise DataFileNotFoundError(f"data folder not found: {path}")
    return finance_inputs_from_council(load_council(path), ramp_years=ramp_years)
