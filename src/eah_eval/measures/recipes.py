"""How each measure is computed: the record-level Ibis expressions, written once.

A recipe turns the input tables of a :class:`~eah_eval.measures.engine.TableSet` into a
:class:`Spec`: a numerator :class:`Part` and (for ratios) a denominator part. A part is a
*base* relation of used records carrying the unit keys ``urn, cluster_id, wave, la_code``, the
``period_index`` and the ``group``, plus the per-record contribution ``x`` (and, for a ratio
whose numerator and denominator come from the same records, the denominator contribution ``d``,
so both are summed in one pass). Each Spec also lists, for every source table read, the rows
with a ``_reason`` column (null when the row is used) so that rows read, used and excluded can
be reported with reasons. Aggregation to the requested level and the final ratio happen in
:mod:`eah_eval.measures.panel`, which aggregates parts sharing an identical base relation
together (one scan for several measures, e.g. persistent and severe absence).

Nothing here depends on the backend: the same expressions run on DuckDB, Spark or any Ibis
backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from eah_eval.data.periods import academic_year_label
from eah_eval.measures.definitions import MeasureOptions
from eah_eval.measures.engine import (
    EXCLUSION_CALENDAR_YEARS,
    TableSet,
    period_bounds,
    period_index_expr,
)
from eah_eval.measures.programme import (
    ALTERNATIVE_PROVISION_TYPES,
    SPECIAL_TYPES,
    ProgrammeScope,
)

Agg = Literal["sum", "nunique", "median"]
Reason = tuple[ir.BooleanValue, str | ir.StringValue]

R_URN = "URN not in the schools table"
R_CLUSTER = "cluster not in the clusters table"
R_NOT_JANUARY = "not a January census"
R_AGE = "age outside 5-15"
R_ZERO = "zero possible sessions"
R_NOT_MAINSTREAM = "school not served by the programme (special, PRU or AP)"
R_STATUTORY = "statutory_assessment (not Experts at Hand)"
R_NO_DATE = "no date for the period"
R_OUTSIDE_EXCLUSION_CALENDAR = (
    "start date outside the exclusions calendar (academic years "
    f"{academic_year_label(EXCLUSION_CALENDAR_YEARS[0])} to "
    f"{academic_year_label(EXCLUSION_CALENDAR_YEARS[1])})"
)


@dataclass(frozen=True)
class Part:
    """One side of a measure: the base relation of used records and what to aggregate.

    Attributes
    ----------
    base : ibis Table
        Used records with the unit keys, ``period_index`` and ``group``.
    x : ibis Value
        Per-record contribution: summed (``sum``), counted distinct ignoring nulls
        (``nunique``) or the quantity whose median is taken (``median``).
    agg : {"sum", "nunique", "median"}
        How ``x`` is aggregated.
    d : ibis Value or None
        Per-record denominator contribution summed in the same pass (a *joint* part: the
        measure's numerator and denominator come from the same records).
    fan_terms : bool
        ``period_index`` holds an academic-year start that applies to each of its three terms
        (the January headcount used for termly rates).
    per : float
        A unit conversion applied after summing: the sum of ``x`` is divided by ``per``
        (hours summed, then divided by the hours in an expert day). Recorded values then add
        exactly (see :data:`eah_eval.measures.panel.SUM_PLACES`); converted ones would not.
    """

    base: ir.Table
    x: ir.Value
    agg: Agg = "sum"
    d: ir.Value | None = None
    fan_terms: bool = False
    per: float = 1.0


@dataclass(frozen=True)
class Spec:
    """A measure's computation: numerator, optional denominator, and row accounting.

    ``denominator`` is None for a joint numerator (``numerator.d`` set) and for medians.
    """

    numerator: Part
    denominator: Part | None
    accounting: tuple[tuple[str, ir.Table], ...]


@dataclass(frozen=True)
class Ctx:
    """What a recipe needs: the tables, the period grain, level, breakdown and options.

    ``scope`` (None = every school) keeps the records of schools the programme serves; the
    others are excluded with a reason naming their setting.
    """

    ts: TableSet
    period: str
    level: str
    by: str | None
    options: MeasureOptions
    scope: ProgrammeScope | None = None


#: Measures a programme scope does not apply to, and why (they cover every school).
SCOPE_NOT_APPLIED: Mapping[str, str] = MappingProxyType({
    "ehc_special_placement_pct": (
        "the measure counts EHC plans placed in special settings, so it covers every school"
    ),
    "ehc_independent_special_placement_pct": (
        "the measure counts EHC plans placed in independent special settings, so it covers "
        "every school"
    ),
    "eah_fte_in_post_pct": "workforce records belong to clusters, not to schools",
    "eah_cost_per_expert_day": (
        "costs are recorded per cluster, not per school, so expert days of every school count"
    ),
})


def _null() -> ir.StringValue:
    return ibis.literal(None, type="string")


def _reasons(*pairs: Reason) -> ir.StringValue:
    return ibis.cases(*pairs, else_=_null())


def _scope_reasons(ctx: Ctx, t: ir.Table) -> list[Reason]:
    """Exclude the records of schools outside the programme scope (nothing without one)."""
    if ctx.scope is None:
        return []
    return [(~ctx.scope.served_expr(t.phase, t.establishment_type),
             ctx.scope.reason_expr(t.phase, t.establishment_type))]


def _one() -> ir.IntegerValue:
    return ibis.literal(1).cast("int64")


def _count(cond: ir.BooleanValue) -> ir.IntegerValue:
    # 1/0 (null stays null) without casting a boolean to bigint, which PostgreSQL refuses
    return ibis.cases((cond, 1), (~cond, 0)).cast("int64")


def _split(acc: ir.Table) -> ir.Table:
    return acc.filter(acc._reason.isnull())


# ---------------------------------------------------------------------------- pupil groups


def _census_group(t: ir.Table, by: str | None) -> ir.StringValue:
    """Group label from census columns on the same row."""
    if by is None:
        return ibis.literal("all")
    if by == "phase":
        return t.phase.fill_null("unknown")
    if by == "fsm":
        return ibis.ifelse(t.fsm, "fsm", "not_fsm")
    if by == "primary_need":
        return t.primary_need.fill_null("none")
    return t[by].cast("string")


def _with_chars(ctx: Ctx, t: ir.Table, ay: ir.IntegerValue) -> ir.Table:
    """Left-join the pupil's January census characteristics for academic year ``ay``."""
    t = t.mutate(_ev_ay=ay)
    k = ctx.ts.characteristics()
    j = t.left_join(k, (t.pupil_id == k._k_pupil) & (t._ev_ay == k._k_ay))
    return j.mutate(_k_matched=j._k_pupil.notnull()).drop("_k_pupil", "_k_ay", "_ev_ay")


def _event_group(t: ir.Table, by: str | None) -> ir.StringValue:
    """Group label for an event row carrying ``k_*`` characteristics from :func:`_with_chars`."""
    if by is None:
        return ibis.literal("all")
    if by == "phase":
        return t.phase.fill_null("unknown")
    if by == "fsm":
        value: ir.StringValue = ibis.ifelse(t.k_fsm, "fsm", "not_fsm")
    elif by == "primary_need":
        value = t.k_primary_need.fill_null("none")
    else:
        value = t[f"k_{by}"].cast("string")
    return ibis.ifelse(t._k_matched, value, "unknown")


def _needs_chars(by: str | None) -> bool:
    return by is not None and by != "phase"


def _academic_year(date: ir.DateValue) -> ir.IntegerValue:
    return period_index_expr(date, "academic_year")


# ---------------------------------------------------------------------------- census


def _census(ctx: Ctx, extra: tuple[Reason, ...] = ()) -> tuple[ir.Table, ir.Table]:
    """January census rows: (accounting relation, used rows with period_index and group).

    For ``term`` the period index is the academic-year start (fanned out to its terms later).
    """
    t = ctx.ts.school_table("pupil_census")
    pairs = (
        (t.cluster_id.isnull(), R_URN),
        *_scope_reasons(ctx, t),
        (t.census_date.month() != 1, R_NOT_JANUARY),
        *extra,
    )
    acc = t.mutate(_reason=_reasons(*pairs))
    used = _split(acc)
    grain = "academic_year" if ctx.period == "term" else ctx.period
    used = used.mutate(
        period_index=period_index_expr(used.census_date, grain), group=_census_group(used, ctx.by)
    )
    return acc, used


def _headcount(ctx: Ctx) -> tuple[Part, ir.Table]:
    acc, used = _census(ctx)
    part = Part(used, _one(), fan_terms=ctx.period == "term")
    return part, acc


def _census_share(code: str) -> Callable[[Ctx], Spec]:
    def recipe(ctx: Ctx) -> Spec:
        acc, used = _census(ctx)
        return Spec(Part(used, _count(used.sen_provision == code), d=_one()), None,
                    (("pupil_census", acc),))

    return recipe


def _placement(types: tuple[str, ...]) -> Callable[[Ctx], Spec]:
    def recipe(ctx: Ctx) -> Spec:
        probe = ctx.ts.school_table("pupil_census")
        acc, _ = _census(ctx, ((probe.sen_provision != "E", "no EHC plan (provision N or K)"),))
        # the same base as the census shares (one scan for all census measures); the
        # restriction to EHC plans is in the contributions
        _, used = _census(ctx)
        plan = used.sen_provision == "E"
        num = _count(plan & used.establishment_type.isin(types))
        return Spec(Part(used, num, d=_count(plan)), None, (("pupil_census", acc),))

    return recipe


# ---------------------------------------------------------------------------- EHC requests


def _ehc(
    date_col: str, kind: Literal["count", "6wk", "20wk", "20wk_excl"]
) -> Callable[[Ctx], Spec]:
    def recipe(ctx: Ctx) -> Spec:
        t = ctx.ts.school_table("ehc_requests")
        date = t[date_col]
        pairs: list[Reason] = [(t.cluster_id.isnull(), R_URN), *_scope_reasons(ctx, t)]
        if kind == "6wk":
            undecided = ~t.decision.isin(("assess", "not_assess"))
            pairs.append((undecided, "no decision (pending or withdrawn)"))
            pairs.append((date.isnull(), "no decision date"))
        elif date_col == "plan_issued_date":
            pairs.append((date.isnull(), "no plan issued"))
        else:
            pairs.append((date.isnull(), R_NO_DATE))
        if kind == "20wk_excl":
            pairs.append((t.exception, "exception to the 20-week limit applies"))
        acc = t.mutate(_reason=_reasons(*pairs))
        used = _split(acc)
        used = used.mutate(period_index=period_index_expr(used[date_col], ctx.period))
        if _needs_chars(ctx.by):
            used = _with_chars(ctx, used, _academic_year(used[date_col]))
        used = used.mutate(group=_event_group(used, ctx.by))
        accounting: list[tuple[str, ir.Table]] = [("ehc_requests", acc)]
        if kind == "count":
            num = Part(used, _one())
            den, cacc = _headcount(ctx)
            accounting.append(("pupil_census", cacc))
            return Spec(num, den, tuple(accounting))
        days = used[date_col].delta(used.received_date, unit="day")
        limit = 42 if kind == "6wk" else 140
        return Spec(Part(used, _count(days <= limit), d=_one()), None, tuple(accounting))

    return recipe


# ---------------------------------------------------------------------------- absence


def _absence(kind: Literal["overall", "persistent", "severe"]) -> Callable[[Ctx], Spec]:
    def recipe(ctx: Ctx) -> Spec:
        t = ctx.ts.school_table("attendance")
        acc = t.mutate(
            _reason=_reasons(
                (t.cluster_id.isnull(), R_URN),
                *_scope_reasons(ctx, t),
                ((t.age < 5) | (t.age > 15), R_AGE),
                (t.possible_sessions <= 0, R_ZERO),
            )
        )
        used = _split(acc)
        ay = used.academic_year.substr(0, 4).cast("int64")
        k = ibis.cases((used.term == "autumn", 0), (used.term == "spring", 1), else_=2)
        used = used.mutate(_ay=ay, _k=k.cast("int64"))
        if _needs_chars(ctx.by):
            used = _with_chars(ctx, used, used._ay)
        used = used.mutate(
            group=_event_group(used, ctx.by),
            _abs=(used.authorised_absence + used.unauthorised_absence).cast("int64"),
            _poss=used.possible_sessions.cast("int64"),
        )
        if ctx.period == "academic_year":
            used = used.mutate(period_index=used._ay)
        elif ctx.options.absence_basis == "termly":
            used = used.mutate(period_index=used._ay * 3 + used._k)
        else:
            # cumulative: each term's sessions count towards that term and the later terms
            # of the same academic year, up to the last term present in the data
            last = used.aggregate(_last=(used._ay * 3 + used._k).max())
            offsets = ctx.ts.memtable(
                "term_offsets", _frame({"_target_k": [0, 1, 2]})
            )
            used = used.cross_join(offsets).cross_join(last)
            used = used.filter(used._target_k >= used._k)
            used = used.mutate(period_index=used._ay * 3 + used._target_k)
            used = used.filter(used.period_index <= used._last)
        termly = ctx.period == "term" and ctx.options.absence_basis == "termly"
        if kind == "overall" and not termly:
            # sums need no enrolment grouping
            return Spec(Part(used, used._abs, d=used._poss), None, (("attendance", acc),))
        # by term the enrolment relation is nearly free (records are enrolments), so overall
        # absence reads it too and all three absence measures share one scan
        enrol = _enrolments(ctx, used)
        if kind == "overall":
            return Spec(Part(enrol, enrol._abs, d=enrol._poss), None, (("attendance", acc),))
        factor = 10 if kind == "persistent" else 2
        flag = _count(enrol._abs * factor >= enrol._poss)
        return Spec(Part(enrol, flag, d=_one()), None, (("attendance", acc),))

    return recipe


_UNIT_COLUMN = {"school": "urn", "cluster": "cluster_id", "wave": "wave", "la": "la_code"}
_ENROLMENT_COLUMNS = ("urn", "cluster_id", "wave", "la_code", "period_index", "group", "_abs",
                      "_poss")


def _enrolments(ctx: Ctx, used: ir.Table) -> ir.Table:
    """Enrolments (pupil x school x period) with their absence and possible sessions.

    By term on the termly basis an attendance record already is one enrolment (the table's
    primary key is pupil, URN, academic year and term), so only the records of schools that
    took over a predecessor URN, where one pupil can have a record under each URN in the same
    term, are grouped; all other records are used as they are, with no large grouping. By
    academic year and on the cumulative basis the terms of each enrolment are summed.
    """
    keys = ["pupil_id", "urn", "period_index", "group"]
    if ctx.level != "school":
        # only the unit column of the requested level is carried through the grouping; the
        # others are functions of urn
        keys.append(_UNIT_COLUMN[ctx.level])
    nulls = {c: _null() for c in ("cluster_id", "wave", "la_code") if c not in keys}

    def grouped(rel: ir.Table) -> ir.Table:
        e = rel.group_by(keys).agg(_abs=rel._abs.sum(), _poss=rel._poss.sum())
        return e.mutate(**nulls).select(*_ENROLMENT_COLUMNS)

    if ctx.period == "term" and ctx.options.absence_basis == "termly":
        single = used.filter(~used._merged).select(*_ENROLMENT_COLUMNS)
        return single.union(grouped(used.filter(used._merged)), distinct=False)
    return grouped(used)


def _frame(data: dict[str, list[int]]) -> pd.DataFrame:
    return pd.DataFrame(data)


# ---------------------------------------------------------------------------- suspensions


def _exclusion_year(ctx: Ctx, date: ir.DateValue) -> ir.IntegerValue:
    """Academic-year start of an exclusion date on the calendar chosen in the options.

    DfE's exclusions calendar: 1 August to 31 July; the standard one: 1 September to 31 August.
    """
    if ctx.options.exclusion_calendar == "standard":
        return _academic_year(date)
    y = date.year()
    return ibis.ifelse(date.month() >= 8, y, y - 1).cast("int64")


def _outside_exclusion_calendar(ctx: Ctx, date: ir.DateValue) -> ir.BooleanValue | None:
    """Dates beyond the exclusions calendar table (termly DfE terms only), else None."""
    if ctx.options.exclusion_calendar == "standard" or ctx.period != "term":
        return None
    ay = _exclusion_year(ctx, date)
    lo, hi = EXCLUSION_CALENDAR_YEARS
    return (ay < lo) | (ay > hi)


def _exclusion_period(ctx: Ctx, used: ir.Table) -> ir.Table:
    """Add ``period_index`` to exclusion records by their ``start_date``.

    On DfE's exclusions calendar a term is found by joining the per-academic-year boundary
    dates (:meth:`TableSet.exclusion_calendar`) on the academic year and comparing the date
    with 1 January and Easter Monday: autumn before 1 January, spring up to Easter Sunday,
    summer from Easter Monday.
    """
    date = used.start_date
    if ctx.options.exclusion_calendar == "standard":
        return used.mutate(period_index=period_index_expr(date, ctx.period))
    ay = _exclusion_year(ctx, date)
    if ctx.period == "academic_year":
        return used.mutate(period_index=ay)
    used = used.mutate(_x_key=ay)
    cal = ctx.ts.exclusion_calendar()
    j = used.inner_join(cal, used._x_key == cal._x_ay)
    k = ibis.cases((j.start_date < j._x_spring, 0), (j.start_date < j._x_summer, 1), else_=2)
    j = j.mutate(period_index=(j._x_key * 3 + k).cast("int64"))
    return j.drop("_x_key", "_x_ay", "_x_spring", "_x_summer")


def _suspension(category: str, distinct: bool) -> Callable[[Ctx], Spec]:
    def recipe(ctx: Ctx) -> Spec:
        t = ctx.ts.school_table("suspensions")
        other = "permanent exclusion" if category == "suspension" else "suspension"
        pairs: list[Reason] = [(t.cluster_id.isnull(), R_URN)]
        keep = t.cluster_id.notnull()
        if ctx.scope is not None:
            pairs += _scope_reasons(ctx, t)
            keep = keep & ctx.scope.served_expr(t.phase, t.establishment_type)
        outside = _outside_exclusion_calendar(ctx, t.start_date)
        if outside is not None:
            pairs.append((outside, R_OUTSIDE_EXCLUSION_CALENDAR))
            keep = keep & ~outside
        pairs.append((t.category != category, f"{other} (not counted in this measure)"))
        acc = t.mutate(_reason=_reasons(*pairs))
        # one base for the three suspension measures (aggregated in one pass when computed
        # together); the category is selected in the contribution
        used = _exclusion_period(ctx, t.filter(keep))
        if _needs_chars(ctx.by):
            used = _with_chars(ctx, used, _exclusion_year(ctx, used.start_date))
        used = used.mutate(group=_event_group(used, ctx.by))
        hit = used.category == category
        if distinct:
            num = Part(used, ibis.ifelse(hit, used.pupil_id, _null()), "nunique")
        else:
            num = Part(used, _count(hit))
        den, cacc = _headcount(ctx)
        return Spec(num, den, (("suspensions", acc), ("pupil_census", cacc)))

    return recipe


# ---------------------------------------------------------------------------- attainment

_NO_KS2 = ("2019/20", "2020/21")


def _ks2(sen_only: bool) -> Callable[[Ctx], Spec]:
    def recipe(ctx: Ctx) -> Spec:
        t = ctx.ts.school_table("attainment")
        t = t.mutate(_ay=t.academic_year.substr(0, 4).cast("int64"))
        if sen_only or _needs_chars(ctx.by):
            t = _with_chars(ctx, t, t._ay)
        pairs: list[Reason] = [
            (t.cluster_id.isnull(), R_URN),
            *_scope_reasons(ctx, t),
            (t.academic_year.isin(_NO_KS2), "no KS2 assessments that year (COVID-19)"),
        ]
        if sen_only:
            pairs.append((~t._k_matched, "no January census record that year (SEN unknown)"))
            pairs.append((t.k_sen_provision == "N", "no SEN (provision N)"))
        acc = t.mutate(_reason=_reasons(*pairs))
        used = _split(acc)
        used = used.mutate(period_index=used._ay, group=_event_group(used, ctx.by))
        met = _count(used.reading_expected & used.writing_expected & used.maths_expected)
        return Spec(Part(used, met, d=_one()), None, (("attainment", acc),))

    return recipe


# ---------------------------------------------------------------------------- EaH process


def _mainstream(t: ir.Table) -> ir.BooleanValue:
    non_mainstream = (*SPECIAL_TYPES, *ALTERNATIVE_PROVISION_TYPES)
    return ~t.establishment_type.isin(non_mainstream) & ~t.phase.isin(
        ("special", "alternative_provision")
    )


def _served(ctx: Ctx, t: ir.Table) -> ir.BooleanValue:
    """Schools counted by the per-school process measures: the scope's, else mainstream."""
    if ctx.scope is None:
        return _mainstream(t)
    return ctx.scope.served_expr(t.phase, t.establishment_type)


def _not_served(ctx: Ctx, t: ir.Table) -> list[Reason]:
    """Exclusion of schools the per-school process measures do not count."""
    if ctx.scope is None:
        return [(~_mainstream(t), R_NOT_MAINSTREAM)]
    return _scope_reasons(ctx, t)


def _period_range(rel: ir.Table) -> tuple[int, int] | None:
    frame = rel.aggregate(lo=rel.period_index.min(), hi=rel.period_index.max()).to_pandas()
    lo, hi = frame["lo"].iloc[0], frame["hi"].iloc[0]
    if lo is None or hi is None or lo != lo or hi != hi:
        return None
    return int(lo), int(hi)


def _open_schools(ctx: Ctx, rng: tuple[int, int] | None, weight: str) -> Part:
    """Schools open in each period of ``rng`` (canonical URNs counted once).

    ``weight``: ``"school"`` (1 per mainstream school) or ``"yardstick"`` (40 per primary,
    160 per secondary).
    """
    lo, hi = rng if rng is not None else (0, -1)
    rows = [(i, *period_bounds(ctx.period, i)) for i in range(lo, hi + 1)]
    periods = pd.DataFrame(rows, columns=["period_index", "_p_start", "_p_end"])
    periods["_p_start"] = pd.to_datetime(periods["_p_start"])
    periods["_p_end"] = pd.to_datetime(periods["_p_end"])
    p = ctx.ts.memtable("periods", periods)
    p = p.mutate(_p_start=p._p_start.cast("date"), _p_end=p._p_end.cast("date"))
    s = ctx.ts.canonical(ctx.ts.raw("schools"))
    j = s.cross_join(p)
    is_open = (j.open_date.isnull() | (j.open_date <= j._p_end)) & (
        j.close_date.isnull() | (j.close_date >= j._p_start)
    )
    open_ = j.filter(is_open).select("urn", "period_index").distinct()
    a = ctx.ts.school_attributes()
    o = open_.inner_join(a, open_.urn == a._a_urn).drop("_a_urn")
    o = o.mutate(group=_event_group(o, ctx.by) if ctx.by == "phase" else ibis.literal("all"))
    if weight == "school":
        o = o.filter(_served(ctx, o))
        x: ir.Value = ibis.literal(1).cast("int64")
    else:
        yardstick = o.phase.isin(("primary", "secondary"))
        if ctx.scope is not None:
            yardstick = yardstick & ctx.scope.served_expr(o.phase, o.establishment_type)
        o = o.filter(yardstick)
        x = ibis.ifelse(o.phase == "primary", 40, 160).cast("int64")
    return Part(o, x)


def _eah_requests(
    kind: Literal["per_school", "triage", "support", "no_escalation"],
) -> Callable[[Ctx], Spec]:
    def recipe(ctx: Ctx) -> Spec:
        t = ctx.ts.school_table("eah_requests")
        pairs: list[Reason] = [(t.cluster_id.isnull(), R_URN)]
        date = t.received_date
        if kind == "per_school":
            pairs += _not_served(ctx, t)
        else:
            pairs += _scope_reasons(ctx, t)
        if kind == "triage":
            pairs.append((t.triaged_date.isnull(), "not yet triaged"))
        elif kind == "support":
            pairs.append((t.first_support_date.isnull(), "no first support yet"))
        elif kind == "no_escalation":
            pairs.append((t.closed_date.isnull(), "request still open"))
            date = t.closed_date
        acc = t.mutate(_reason=_reasons(*pairs), _date=date)
        used = _split(acc)
        used = used.mutate(
            period_index=period_index_expr(used._date, ctx.period), group=_event_group(used, ctx.by)
        )
        accounting = (("eah_requests", acc.drop("_date")),)
        if kind == "per_school":
            num = Part(used, _one())
            return Spec(num, _open_schools(ctx, _period_range(used), "school"), accounting)
        if kind in ("triage", "support"):
            end = used.triaged_date if kind == "triage" else used.first_support_date
            days = end.delta(used.received_date, unit="day").cast("float64")
            return Spec(Part(used, days, "median"), None, accounting)
        num = _count(~used.escalated_to_statutory)
        return Spec(Part(used, num, d=_one()), None, accounting)

    return recipe


def _activity(
    ctx: Ctx, schools: Literal["mainstream", "yardstick", "all"]
) -> tuple[ir.Table, ir.Table]:
    t = ctx.ts.school_table("eah_activity")
    pairs: list[Reason] = [
        (t.cluster_id.isnull(), R_URN),
        (t.activity_type == "statutory_assessment", R_STATUTORY),
    ]
    if schools == "mainstream":
        pairs += _not_served(ctx, t)
    elif schools == "yardstick":
        pairs += _scope_reasons(ctx, t)
        pairs.append((~t.phase.isin(("primary", "secondary")), "no yardstick for this phase"))
    acc = t.mutate(_reason=_reasons(*pairs))
    used = _split(acc)
    used = used.mutate(
        period_index=period_index_expr(used.activity_date, ctx.period),
        group=_event_group(used, ctx.by),
        _hours=used.hours.cast("float64"),
    )
    return acc, used


def _expert_days_part(ctx: Ctx, used: ir.Table) -> Part:
    """Expert days: the hours of the used activity summed, then divided by a day's hours."""
    return Part(used, used._hours, per=float(ctx.options.hours_per_day))


def _expert_days(weight: Literal["school", "yardstick"]) -> Callable[[Ctx], Spec]:
    def recipe(ctx: Ctx) -> Spec:
        acc, used = _activity(ctx, "mainstream" if weight == "school" else "yardstick")
        num = _expert_days_part(ctx, used)
        return Spec(num, _open_schools(ctx, _period_range(used), weight), (("eah_activity", acc),))

    return recipe


def _month_date(t: ir.Table) -> ir.DateValue:
    return (t.month + "-01").cast("date")


def _fte(ctx: Ctx) -> Spec:
    t = ctx.ts.cluster_table("workforce")
    acc = t.mutate(_reason=_reasons((t.wave.isnull(), R_CLUSTER)))
    used = _split(acc)
    used = used.mutate(
        period_index=period_index_expr(_month_date(used), ctx.period), group=ibis.literal("all")
    )
    num = Part(used, used.fte_in_post.cast("float64"), d=used.planned_fte.cast("float64"))
    return Spec(num, None, (("workforce", acc),))


def _cost_per_day(ctx: Ctx) -> Spec:
    t = ctx.ts.cluster_table("finance")
    central = t.wave.isnull()
    pairs: list[Reason] = [(t.cost_line == "statutory_assessment", R_STATUTORY)]
    la = ctx.ts.single_la() if ctx.level == "la" else None
    if la is None:
        pairs.append((central, "central or unknown cluster (counted at LA level only)"))
    acc = t.mutate(_reason=_reasons(*pairs))
    used = _split(acc)
    if la is not None:
        used = used.mutate(la_code=used.la_code.fill_null(la))
    used = used.mutate(
        period_index=period_index_expr(_month_date(used), ctx.period), group=ibis.literal("all")
    )
    num = Part(used, used.amount_gbp.cast("float64"))
    aacc, act = _activity(ctx, "all")
    den = _expert_days_part(ctx, act)
    return Spec(num, den, (("finance", acc), ("eah_activity", aacc)))


#: measure id -> recipe
RECIPES: dict[str, Callable[[Ctx], Spec]] = {
    "sen_support_pct": _census_share("K"),
    "ehc_plan_pct": _census_share("E"),
    "ehc_requests_per_1000": _ehc("received_date", "count"),
    "ehc_new_plans_per_1000": _ehc("plan_issued_date", "count"),
    "ehc_decided_within_6wk_pct": _ehc("decision_date", "6wk"),
    "ehc_20wk_incl_exceptions_pct": _ehc("plan_issued_date", "20wk"),
    "ehc_20wk_excl_exceptions_pct": _ehc("plan_issued_date", "20wk_excl"),
    "ehc_special_placement_pct": _placement(SPECIAL_TYPES),
    "ehc_independent_special_placement_pct": _placement(("independent_special",)),
    "absence_overall_pct": _absence("overall"),
    "absence_persistent_pct": _absence("persistent"),
    "absence_severe_pct": _absence("severe"),
    "suspension_rate": _suspension("suspension", distinct=False),
    "suspension_one_plus_rate": _suspension("suspension", distinct=True),
    "permanent_exclusion_rate": _suspension("permanent_exclusion", distinct=False),
    "ks2_rwm_expected_pct": _ks2(sen_only=False),
    "ks2_rwm_expected_sen_pct": _ks2(sen_only=True),
    "eah_requests_per_school": _eah_requests("per_school"),
    "eah_median_days_to_triage": _eah_requests("triage"),
    "eah_median_days_to_first_support": _eah_requests("support"),
    "eah_met_without_escalation_pct": _eah_requests("no_escalation"),
    "eah_expert_days_per_school": _expert_days("school"),
    "eah_expert_days_vs_yardstick_pct": _expert_days("yardstick"),
    "eah_fte_in_post_pct": _fte,
    "eah_cost_per_expert_day": _cost_per_day,
}
