"""The multi-area panel made ready for estimation: cohorts from start dates, one area vs many.

The long multi-area panel (``data_schema/area_panel.schema.json``) and the authorities' start
dates (``area_programme``) become:

* :func:`area_cohorts`: each authority's first treated period, with the authorities that cannot
  be used and why (no start date, treated from the first period);
* :func:`one_area_panel`: one authority against the authorities that never start inside the
  window, as the balanced panel :func:`eah_eval.did.synthdid` takes;
* :func:`area_synthdid`: that comparison by synthetic difference-in-differences, synthetic
  control or plain DiD.

The staggered estimator across all authorities, with the authority as cluster, is
:func:`eah_eval.inference.area_staggered`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from eah_eval.did.synthdid import SynthDidResult, SynthMethod, synthdid
from eah_eval.errors import EstimationError, OptionError, check_option
from eah_eval.measures.rollout import MID_PERIOD_RULES, RULE_TEXT, first_treated_period

__all__ = [
    "AREA_COLUMNS",
    "UNKNOWN_START",
    "AreaCohorts",
    "area_cohorts",
    "area_synthdid",
    "one_area_panel",
    "select_series",
]

#: columns of the multi-area panel the estimators read
AREA_COLUMNS: tuple[str, ...] = ("level", "area_code", "la_code", "period_type", "period_index",
                                 "measure", "value", "denominator")
#: what to do with an authority whose start is not known
UNKNOWN_START: tuple[str, ...] = ("exclude", "never_treated")


@dataclass(frozen=True)
class AreaCohorts:
    """Each usable authority's first treated period.

    Attributes
    ----------
    cohorts : Mapping[str, int]
        LA code -> first treated period index (0 = not treated inside the window).
    excluded : Mapping[str, tuple[str, ...]]
        Reason -> the LA codes left out for it.
    first_period, last_period : int
        The panel's window.
    period_type : str
        The panel's period grain.
    timing_rule : str
        How a start date becomes the first treated period, in words.
    unknown_start : str
        What was done with authorities without a start date.
    """

    cohorts: Mapping[str, int]
    excluded: Mapping[str, tuple[str, ...]]
    first_period: int
    last_period: int
    period_type: str
    timing_rule: str = ""
    unknown_start: str = "exclude"

    def excluded_counts(self) -> dict[str, int]:
        """Return the number of authorities left out, by reason."""
        return {k: len(v) for k, v in self.excluded.items()}


def _check_columns(name: str, frame: pd.DataFrame, cols: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise OptionError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise OptionError(f"{name} lacks the column(s) {', '.join(missing)}; expected the "
                          f"columns {', '.join(cols)}")


def _one(panel: pd.DataFrame, column: str, chosen: str | None) -> str:
    values = sorted(map(str, panel[column].unique()))
    if not values:
        raise EstimationError(f"the panel has no rows (column {column!r} is empty)")
    if chosen is None:
        if len(values) != 1:
            raise OptionError(f"the panel holds several {column} values ({', '.join(values)}); "
                              f"choose one with {column}=...")
        return values[0]
    if chosen not in values:
        raise OptionError(f"{column} must be one of {', '.join(values)} (found in the panel); "
                          f"got {chosen!r}")
    return chosen


def select_series(panel: pd.DataFrame, *, measure: str | None = None,
                  level: str | None = None) -> tuple[pd.DataFrame, str, str]:
    """Return the rows of one measure at one level, with the measure and level chosen.

    Parameters
    ----------
    panel : pandas.DataFrame
        Multi-area panel.
    measure, level : str, optional
        Needed when the panel holds several.

    Returns
    -------
    rows : pandas.DataFrame
    measure, level : str

    Raises
    ------
    OptionError
        For a missing column, or several measures or levels and no choice (the message lists
        them), or a choice not in the panel.
    """
    _check_columns("panel", panel, AREA_COLUMNS)
    measure = _one(panel, "measure", measure)
    level = _one(panel, "level", level)
    rows = panel[(panel["measure"] == measure) & (panel["level"] == level)]
    return rows, measure, level


def area_cohorts(
    rows: pd.DataFrame,
    programme: pd.DataFrame,
    *,
    mid_period_rule: str = "next_full_period",
    unknown_start: Literal["exclude", "never_treated"] = "exclude",
) -> AreaCohorts:
    """Return each authority's first treated period in a one-measure, one-level panel.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of one measure at one level (see :func:`select_series`).
    programme : pandas.DataFrame
        ``la_code`` and ``programme_start`` (NaT when not known).
    mid_period_rule : str, default "next_full_period"
        How a start inside a period is placed (:mod:`eah_eval.measures.rollout`).
    unknown_start : {"exclude", "never_treated"}, default "exclude"
        Authorities without a start date (blank, or absent from ``programme``): left out, or
        taken as never treated.

    Returns
    -------
    AreaCohorts

    Raises
    ------
    OptionError
        For an unknown option value, a missing column, or more than one period type.
    """
    check_option("mid_period_rule", mid_period_rule, MID_PERIOD_RULES)
    check_option("unknown_start", unknown_start, UNKNOWN_START)
    _check_columns("programme", programme, ("la_code", "programme_start"))
    period_type = _one(rows, "period_type", None)
    first, last = int(rows["period_index"].min()), int(rows["period_index"].max())
    cohorts: dict[str, int] = {}
    unknown: set[str] = set()
    for code, start in zip(programme["la_code"].astype(str), programme["programme_start"],
                           strict=True):
        if pd.isna(start):
            unknown.add(code)
            continue
        g = first_treated_period(pd.Timestamp(start), period_type, rule=mid_period_rule)
        cohorts[code] = 0 if g > last else g
    in_panel = set(rows["la_code"].astype(str).unique())
    no_start = sorted((unknown & in_panel) | (in_panel - set(cohorts) - unknown))
    excluded: dict[str, tuple[str, ...]] = {}
    if unknown_start == "never_treated":
        cohorts.update({c: 0 for c in no_start})
    elif no_start:
        excluded["no programme start known"] = tuple(no_start)
    always = sorted(c for c, g in cohorts.items() if 0 < g <= first and c in in_panel)
    if always:
        excluded["treated from the first period (no pre-period)"] = tuple(always)
    usable = {c: cohorts[c] for c in sorted(in_panel) if c in cohorts and c not in always}
    return AreaCohorts(cohorts=MappingProxyType(usable), excluded=MappingProxyType(excluded),
                       first_period=first, last_period=last, period_type=period_type,
                       timing_rule=RULE_TEXT[mid_period_rule], unknown_start=unknown_start)


def one_area_panel(
    panel: pd.DataFrame,
    programme: pd.DataFrame,
    la_code: str,
    *,
    measure: str | None = None,
    controls: Sequence[str] | None = None,
    mid_period_rule: str = "next_full_period",
    post_from: int | None = None,
) -> tuple[pd.DataFrame, AreaCohorts]:
    """Return one authority and its comparison authorities as a balanced panel for synthdid.

    Parameters
    ----------
    panel : pandas.DataFrame
        Multi-area panel (its local-authority rows are used).
    programme : pandas.DataFrame
        ``la_code`` and ``programme_start``.
    la_code : str
        The treated authority (it must start inside the window, after the first period).
    measure : str, optional
        Needed when the panel holds several.
    controls : sequence of str, optional
        Candidate comparison authorities (e.g. the statistical neighbours); default every
        authority. Only those never treated inside the window are kept.
    mid_period_rule : str, default "next_full_period"
        How the start date is placed.
    post_from : int, optional
        Keep only the treated periods from this period index on (the periods before the
        start are all kept): the estimate then averages the effect over those later periods,
        e.g. the years a council's own comparison no longer covers.

    Returns
    -------
    frame : pandas.DataFrame
        ``la_code``, ``period_index``, ``value``, ``treated`` (1 for the authority from its
        first treated period), one row per authority and period, periods every authority has.
    cohorts : AreaCohorts

    Raises
    ------
    OptionError
        For a missing column or an unknown authority.
    EstimationError
        When the authority does not start inside the window or fewer than two comparison
        authorities remain.
    """
    rows, _, _ = select_series(panel, measure=measure, level="local_authority")
    cohorts = area_cohorts(rows, programme, mid_period_rule=mid_period_rule)
    la_code = str(la_code)
    if la_code not in set(rows["la_code"].astype(str)):
        raise OptionError(f"la_code {la_code!r} has no local-authority rows in the panel")
    g = cohorts.cohorts.get(la_code)
    if not g:
        raise EstimationError(f"authority {la_code} does not start inside the panel's window "
                              f"(periods {cohorts.first_period} to {cohorts.last_period}, "
                              "after the first); nothing to compare")
    pool = set(cohorts.cohorts) if controls is None else set(map(str, controls))
    comparison = sorted(c for c in pool if cohorts.cohorts.get(c, -1) == 0 and c != la_code)
    if len(comparison) < 2:
        raise EstimationError(f"authority {la_code}: {len(comparison)} comparison authorities "
                              "never treated inside the window; at least 2 are needed")
    keep = rows[rows["la_code"].astype(str).isin([*comparison, la_code])]
    if post_from is not None:
        if post_from > cohorts.last_period:
            raise EstimationError(f"post_from {post_from} is after the panel's last period "
                                  f"({cohorts.last_period}): no treated period is left")
        index = keep["period_index"]
        keep = keep[(index < g) | (index >= max(int(post_from), g))]
    wide = keep.pivot_table(index="la_code", columns="period_index", values="value",
                            aggfunc="first").dropna(axis=1)
    frame = pd.DataFrame({"value": wide.stack()}).reset_index()
    frame["la_code"] = frame["la_code"].astype(str)
    frame["treated"] = ((frame["la_code"] == la_code)
                        & (frame["period_index"] >= g)).astype(np.int64)
    return frame, cohorts


def area_synthdid(
    panel: pd.DataFrame,
    programme: pd.DataFrame,
    la_code: str,
    *,
    measure: str | None = None,
    method: SynthMethod = "sdid",
    controls: Sequence[str] | None = None,
    placebo: int = 200,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    post_from: int | None = None,
) -> SynthDidResult:
    """Compare one authority with the authorities not yet started, by (synthetic) DiD.

    Parameters
    ----------
    panel, programme : pandas.DataFrame
        Multi-area panel and start dates (see :func:`one_area_panel`).
    la_code : str
        The treated authority.
    measure : str, optional
        Needed when the panel holds several.
    method : {"sdid", "sc", "did"}, default "sdid"
        Estimator of :func:`eah_eval.did.synthdid`.
    controls : sequence of str, optional
        Candidate comparison authorities (default all; e.g. its statistical neighbours).
    placebo : int, default 200
        Placebo draws of the standard error.
    rng : int, numpy.random.Generator or None
        Seed of the placebo draws (recorded).
    level : float, default 0.95
        Confidence level.
    post_from : int, optional
        Average the effect over the treated periods from this period index on only (see
        :func:`one_area_panel`).

    Returns
    -------
    SynthDidResult
        Its ``event_effects`` give the effect by event time; ``unit_weights`` the weight of each
        comparison authority.

    Examples
    --------
    >>> from eah_eval.data.synthetic.national import make_national
    >>> nat = make_national(n_authorities=60, seed=3)
    >>> res = area_synthdid(nat.panel, nat.programme, "839", placebo=20, rng=1)
    >>> res.treated_units, res.n_placebo
    (('839',), 20)
    """
    frame, _ = one_area_panel(panel, programme, la_code, measure=measure, controls=controls,
                              post_from=post_from)
    return synthdid(frame, "value", "la_code", "period_index", "treated", method=method,
                    placebo=placebo, rng=rng, level=level)
