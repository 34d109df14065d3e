"""From records to panels: the front door :func:`compute` and :func:`rollout_panel`.

:func:`compute` runs a measure's recipe on any Ibis backend, aggregates to the requested unit
level, period and pupil group inside the backend, and returns a tidy pandas frame:

``measure_id, unit_level, unit, period, period_index, group_by, group, numerator,
denominator, value``

with ``value = numerator / denominator x multiplier`` (NaN when the denominator is zero; for a
median measure ``value`` is the median, ``numerator`` is empty and ``denominator`` the number of
records). Records are put on canonical URNs first, so a school is followed across academy
conversion, merger and amalgamation; the lineage rule is carried on the result.

Both take a :class:`~eah_eval.measures.programme.ProgrammeScope` (which schools the programme
serves): :func:`rollout_panel` keeps served schools only by default, :func:`compute` when
asked; records of other schools are excluded with a reason naming their setting. Both carry
the period coverage that flags partial periods (:mod:`eah_eval.measures.coverage`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from eah_eval.errors import OptionError
from eah_eval.measures.coverage import PARTIAL_RULE, PeriodCoverage, measure_coverage
from eah_eval.measures.definitions import (
    LEVEL_TEXT,
    Measure,
    MeasureOptions,
)
from eah_eval.measures.engine import TableSet, open_tables, period_label
from eah_eval.measures.programme import (
    DEFAULT_SCOPE,
    NOT_SERVED_PREFIX,
    ProgrammeScope,
    check_scope,
)
from eah_eval.measures.recipes import RECIPES, SCOPE_NOT_APPLIED, Ctx, Part, Spec
from eah_eval.measures.registry import get_measure
from eah_eval.measures.rollout import RULE_TEXT, cluster_rollout

FRAME_COLUMNS: tuple[str, ...] = (
    "measure_id",
    "unit_level",
    "unit",
    "period",
    "period_index",
    "group_by",
    "group",
    "numerator",
    "denominator",
    "value",
)
_KEYS = ["unit", "period_index", "group"]
NOT_SERVED_COLUMNS: tuple[str, ...] = ("urn", "reason")


def _no_schools() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in NOT_SERVED_COLUMNS})


@dataclass(frozen=True)
class MeasureResult:
    """A computed measure: the tidy frame and everything needed to read it right.

    Attributes
    ----------
    measure : Measure
        The definition computed.
    frame : pandas.DataFrame
        Tidy rows (see :data:`FRAME_COLUMNS`), sorted by unit, period and group.
    level, period : str
        Unit level and period grain.
    by : str or None
        Breakdown (``None`` = all pupils, ``group == "all"``).
    engine : str
        Backend that ran the computation (``duckdb``, ``spark``...).
    options : MeasureOptions
        Options used.
    lineage_rule : str
        URN lineage rule text (records are on canonical URNs).
    urn_changes : int
        Number of URN changes followed.
    accounting : pandas.DataFrame
        Rows read, used and excluded per source table and reason: columns ``table``,
        ``reason`` (``"used"`` for used rows) and ``rows``.
    rollout_rule : str or None
        Rollout rule text, for panels built by :func:`rollout_panel`.
    notes : tuple of str
        Further rules of the measure, and why a programme scope was not applied to it.
    scope : ProgrammeScope or None
        Programme scope applied (None: every school).
    not_served : pandas.DataFrame
        Schools whose records the scope left out: columns ``urn`` (canonical URN) and
        ``reason`` (e.g. ``"not served by the programme (special schools)"``); one row per
        school.
    coverage : PeriodCoverage or None
        The school terms the source data cover, which flag partial periods
        (:attr:`partial_periods`, :func:`eah_eval.measures.coverage.period_completeness`).
    """

    measure: Measure
    frame: pd.DataFrame
    level: str
    period: str
    by: str | None
    engine: str
    options: MeasureOptions
    lineage_rule: str
    urn_changes: int
    accounting: pd.DataFrame
    rollout_rule: str | None = None
    notes: tuple[str, ...] = field(default=())
    scope: ProgrammeScope | None = None
    not_served: pd.DataFrame = field(default_factory=_no_schools)
    coverage: PeriodCoverage | None = None

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of the tidy frame."""
        return self.frame.copy()

    @property
    def excluded_not_served(self) -> dict[str, int]:
        """Schools left out by the programme scope, counted by reason (setting)."""
        counts = self.not_served.groupby("reason", sort=True)["urn"].nunique()
        return {str(k): int(v) for k, v in counts.items()}

    @property
    def period_completeness(self) -> pd.DataFrame:
        """Terms expected and present per period of the frame, and ``complete`` (a bool).

        See :mod:`eah_eval.measures.coverage` for the rule.
        """
        coverage = self.coverage if self.coverage is not None else PeriodCoverage(terms=())
        return coverage.completeness(self.period, self.frame["period_index"].to_numpy())

    @property
    def partial_periods(self) -> tuple[str, ...]:
        """Labels of the frame's periods whose data cover only some of their terms."""
        if self.coverage is None:
            return ()
        table = self.period_completeness
        return tuple(table.loc[~table["complete"], "period"].astype(str))

    def rows_summary(self) -> list[str]:
        """One line per source table: rows read, used, excluded and why."""
        lines = []
        for table, sub in self.accounting.groupby("table", sort=False):
            read = int(sub["rows"].sum())
            used = int(sub.loc[sub["reason"] == "used", "rows"].sum())
            reasons = sub[sub["reason"] != "used"].sort_values("rows", ascending=False)
            why = "; ".join(
                f"{int(n):,} {reason}"
                for n, reason in zip(reasons["rows"], reasons["reason"], strict=True)
            )
            line = f"{table}: {read:,} rows read, {used:,} used, {read - used:,} excluded"
            lines.append(line + (f" ({why})" if why else ""))
        return lines

    @property
    def period_text(self) -> str:
        """The period grain in words, on the calendar this measure used.

        DfE's exclusions calendar for the exclusion measures unless the options chose the
        standard one (:meth:`Measure.period_text`).
        """
        return self.measure.period_text(self.period, self.options)

    def describe(self) -> str:
        """Plain-text header stating the measure, level, period, options and rules."""
        m = self.measure
        parts = [
            f"{m.title} [{m.id}], {m.unit_text}",
            f"level: {LEVEL_TEXT[self.level]}; period: {self.period_text}",
            f"breakdown: {self.by or 'none'}; engine: {self.engine}",
            f"options: {self.options.describe()}",
            f"{self.lineage_rule} URN changes followed: {self.urn_changes}.",
        ]
        if self.rollout_rule:
            parts.append(f"rollout: {self.rollout_rule}")
        if self.scope is not None:
            left = "; ".join(f"{n} {r}" for r, n in self.excluded_not_served.items())
            parts.append(f"programme scope: {self.scope.describe()}"
                         + (f" Schools left out: {left}." if left else ""))
        partial = self.partial_periods
        if partial:
            parts.append(f"partial periods (data cover only some of their terms): "
                         f"{', '.join(partial)}")
        return "\n".join(parts + self.rows_summary())

    def __str__(self) -> str:
        return self.describe() + "\n" + self.frame.to_string(max_rows=20)


_UNIT_COLUMN = {"school": "urn", "cluster": "cluster_id", "wave": "wave", "la": "la_code"}


def _unit_expr(rel: ir.Table, level: str) -> ir.Value:
    return rel[_UNIT_COLUMN[level]]


def _same(p: Part, q: Part) -> bool:
    if p.agg != q.agg or p.per != q.per or not p.x.equals(q.x):
        return False
    if p.d is None or q.d is None:
        return p.d is None and q.d is None
    return bool(p.d.equals(q.d))


@dataclass
class _Batch:
    """The parts of several specs, bucketed by identical base relation (one scan each)."""

    bases: list[tuple[ir.Table, list[Part]]] = field(default_factory=list)
    index: dict[Any, int] = field(default_factory=dict)
    accounting: list[tuple[str, ir.Table]] = field(default_factory=list)

    def add(self, part: Part) -> str:
        key = part.base.op()
        if key not in self.index:
            self.index[key] = len(self.bases)
            self.bases.append((part.base, []))
        b = self.index[key]
        members = self.bases[b][1]
        for i, q in enumerate(members):
            if _same(part, q):
                return f"b{b}_{i}"
        members.append(part)
        return f"b{b}_{len(members) - 1}"

    def add_accounting(self, table: str, acc: ir.Table) -> str:
        for i, (name, other) in enumerate(self.accounting):
            if name == table and acc.equals(other):
                return f"a{i}"
        self.accounting.append((table, acc))
        return f"a{len(self.accounting) - 1}"


#: Decimal places of the exact sums of recorded fractional values (hours, pounds, FTE): the
#: same to the last bit in any row order, so from run to run and on every engine. Values
#: derived by division are converted after summing instead (:attr:`Part.per`).
SUM_PLACES = 9


def _exact_sum(x: ir.Value, per: float = 1.0) -> ir.Value:
    """Sum a column as float64 (fractional values as exact decimals), divided by ``per``."""
    if x.type().is_floating():
        x = x.cast(dt.Decimal(38, SUM_PLACES))
    total = x.sum().cast("float64")
    return total / per if per != 1.0 else total


def _bucket_pieces(b: int, base: ir.Table, members: list[Part], level: str) -> list[ir.Table]:
    """Aggregate every member of one bucket in a single group-by over its base relation."""
    values: dict[str, ir.Value] = {}
    for i, p in enumerate(members):
        values[f"_x{i}"] = p.x
        if p.d is not None:
            values[f"_d{i}"] = p.d
    rel = base.mutate(unit=_unit_expr(base, level), **values)
    aggs: dict[str, ir.Value] = {}
    for i, p in enumerate(members):
        x = rel[f"_x{i}"]
        if p.agg == "sum":
            aggs[f"v{i}"] = _exact_sum(x, p.per)
            if p.d is not None:
                aggs[f"n{i}"] = _exact_sum(rel[f"_d{i}"])
        elif p.agg == "nunique":
            aggs[f"v{i}"] = x.nunique().cast("float64")
        else:
            aggs[f"v{i}"] = x.median().cast("float64")
            aggs[f"n{i}"] = x.count().cast("float64")
    out = rel.group_by(_KEYS).aggregate(**aggs)
    out = out.filter(out.unit.notnull())
    return [
        out.select(
            part=ibis.literal(f"b{b}_{i}"),
            unit=out.unit.cast("string"),
            period_index=out.period_index.cast("int64"),
            group=out.group.cast("string"),
            v=out[f"v{i}"],
            n=out[f"n{i}"] if f"n{i}" in out.columns else ibis.null("float64"),
        )
        for i in range(len(members))
    ]


def _accounting_expr(label: str, table: str, acc: ir.Table) -> ir.Table:
    counts = acc.group_by("_reason").agg(rows=acc.count())
    return counts.select(
        part=ibis.literal(label),
        unit=ibis.literal(table),
        period_index=ibis.literal(0).cast("int64"),
        group=counts._reason.fill_null("used"),
        v=ibis.null("float64"),
        n=counts.rows.cast("float64"),
    )


def _execute(ts: TableSet, expr: ir.Table) -> pd.DataFrame:
    """Run a query; on DuckDB the SQL compiled for an identical expression is reused."""
    if ts.engine == "duckdb" and hasattr(ts.backend, "con"):
        sql = ts.memo(("sql", expr.op()), lambda: str(ts.backend.compile(expr)))
        result = ts.backend.con.sql(sql)
        arrow = result.to_arrow_table() if hasattr(result, "to_arrow_table") else result.arrow()
        return arrow.to_pandas()
    return expr.to_pandas()


def _not_served_expr(label: str, acc: ir.Table) -> ir.Table:
    """Schools (canonical URNs) whose rows the programme scope excluded, with the reason."""
    out = acc.filter(acc._reason.startswith(NOT_SERVED_PREFIX)).select(
        unit=acc.urn.cast("string"), group=acc._reason
    ).distinct()
    return out.select(
        part=ibis.literal(label),
        unit=out.unit,
        period_index=ibis.literal(0).cast("int64"),
        group=out.group,
        v=ibis.null("float64"),
        n=ibis.null("float64"),
    )


def _run(
    ts: TableSet, specs: list[Spec], level: str, scoped: list[bool]
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Execute the parts and accounting of all ``specs`` in one backend query.

    For the specs marked in ``scoped`` the schools left out by the programme scope are listed
    too. Returns the long result frame and, per spec, the labels of its pieces in that frame.
    """
    batch = _Batch()
    labels: list[dict[str, Any]] = []
    listed: set[int] = set()
    for spec, with_scope in zip(specs, scoped, strict=True):
        lab: dict[str, Any] = {"numerator": batch.add(spec.numerator)}
        if spec.denominator is not None:
            lab["denominator"] = batch.add(spec.denominator)
        lab["accounting"] = [batch.add_accounting(t, a) for t, a in spec.accounting]
        lab["not_served"] = []
        if with_scope:
            for (_, acc), a in zip(spec.accounting, lab["accounting"], strict=True):
                if "urn" in acc.columns:
                    listed.add(int(a[1:]))
                    lab["not_served"].append("s" + a[1:])
        labels.append(lab)
    pieces: list[ir.Table] = []
    for b, (base, members) in enumerate(batch.bases):
        pieces += _bucket_pieces(b, base, members, level)
    pieces += [_accounting_expr(f"a{i}", t, a) for i, (t, a) in enumerate(batch.accounting)]
    pieces += [_not_served_expr(f"s{i}", batch.accounting[i][1]) for i in sorted(listed)]
    frame = _execute(ts, ibis.union(*pieces, distinct=False))
    frame = pd.DataFrame(
        {
            "part": frame["part"].astype(object).astype(str),
            "unit": frame["unit"].astype(object).astype(str),
            "period_index": frame["period_index"].astype("int64"),
            "group": frame["group"].astype(object).astype(str),
            "v": frame["v"].astype("float64"),
            "n": frame["n"].astype("float64"),
        }
    )
    return frame, labels


def _fan_terms(frame: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """Give an academic-year value to each of its terms within ``[lo, hi]``."""
    pieces = []
    for k in range(3):
        piece = frame.copy()
        piece["period_index"] = piece["period_index"] * 3 + k
        pieces.append(piece)
    out = pd.concat(pieces, ignore_index=True)
    return out[(out["period_index"] >= lo) & (out["period_index"] <= hi)]


def _accounting(acc: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["table", "reason", "rows"]
    if acc is None or not len(acc):
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {"table": acc["unit"], "reason": acc["group"], "rows": acc["n"].astype("int64")}
    )
    return frame.sort_values(["table", "reason"], kind="stable").reset_index(drop=True)


_EMPTY = pd.DataFrame(
    {"unit": pd.Series([], dtype=object), "period_index": pd.Series([], dtype="int64"),
     "group": pd.Series([], dtype=object), "v": pd.Series([], dtype="float64"),
     "n": pd.Series([], dtype="float64")}
)


def _not_served(parts: dict[str, pd.DataFrame], labels: list[str]) -> pd.DataFrame:
    found = [parts[x] for x in labels if x in parts]
    if not found:
        return _no_schools()
    both = pd.concat(found, ignore_index=True)
    out = pd.DataFrame({"urn": both["unit"].astype(object), "reason": both["group"].astype(object)})
    out = out.drop_duplicates().sort_values(["reason", "urn"], kind="stable")
    return out.reset_index(drop=True)


def _assemble(
    measure: Measure, spec: Spec, parts: dict[str, pd.DataFrame], lab: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    def get(label: str) -> pd.DataFrame:
        return parts.get(label, _EMPTY)

    num = get(lab["numerator"])
    accounting = _accounting(pd.concat([get(a) for a in lab["accounting"]], ignore_index=True))
    if spec.numerator.agg == "median":
        out = num.rename(columns={"v": "value", "n": "denominator"})
        out["numerator"] = np.nan
        return out, accounting
    if spec.denominator is None:
        out = num.rename(columns={"v": "numerator", "n": "denominator"})
    else:
        num = num.drop(columns="n")
        den = get(lab["denominator"]).drop(columns="n")
        if spec.denominator.fan_terms:
            if len(num):
                lo, hi = int(num["period_index"].min()), int(num["period_index"].max())
                den = _fan_terms(den, lo, hi)
            else:
                den = den.iloc[0:0]
        out = num.rename(columns={"v": "numerator"}).merge(
            den.rename(columns={"v": "denominator"}), on=_KEYS, how="outer"
        )
    out["numerator"] = out["numerator"].fillna(0.0)
    out["denominator"] = out["denominator"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["numerator"].to_numpy() / out["denominator"].to_numpy()
    ratio = np.where(out["denominator"].to_numpy() > 0, ratio * measure.multiplier, np.nan)
    out["value"] = ratio
    return out, accounting


def compute(
    data: object,
    measure_id: str,
    *,
    level: str = "school",
    period: str | None = None,
    by: str | None = None,
    engine: object = "duckdb",
    options: MeasureOptions | None = None,
    scope: ProgrammeScope | None = None,
) -> MeasureResult:
    """Compute one measure for every unit, period (and pupil group).

    Parameters
    ----------
    data : Council, dict of DataFrame, dict of Ibis tables, TableSet, str or Path
        The council's tables (typed as in ``data_schema/``); see
        :func:`eah_eval.measures.engine.open_tables`. Pass a :class:`TableSet` to compute many
        measures without moving the data again.
    measure_id : str
        A registry id (``eah-eval measures list``).
    level : {"school", "cluster", "wave", "la"}
        Unit level; each measure declares the levels it allows.
    period : {"term", "academic_year", "calendar_year", "financial_year", "census"}, optional
        Period grain; default the measure's natural grain.
    by : {"sen_provision", "primary_need", "fsm", "sex", "ethnicity_group", "phase"}, optional
        Breakdown by pupil group (pupil-based measures) or school phase.
    engine : {"duckdb", "spark"}, Ibis backend or SparkSession
        Where to run (ignored for a TableSet or Ibis tables, which carry their backend).
    options : MeasureOptions, optional
        Hours per expert day, absence basis, URN lineage rule, and the calendar placing
        suspensions and exclusions in terms (DfE's exclusions calendar by default).
    scope : ProgrammeScope, optional
        Keep only the records of schools the programme serves, so cluster and LA series,
        charts and counts describe the population the estimates use (pass the scope given to
        :func:`rollout_panel`). Default None: every school (the measure's own definition).
        Records of other schools are excluded with the reason ``"not served by the programme
        (<setting>)"``, and the schools are listed in ``.not_served``. Not applied to the
        measures of special placements, FTE in post and cost per expert day, which cover
        every school (``.scope`` is then None and ``.notes`` says why).

    Returns
    -------
    MeasureResult
        ``.frame`` is the tidy panel; ``.accounting`` the rows read and excluded;
        ``.coverage`` the school terms the data cover, and ``.partial_periods`` the labels of
        the frame's periods that the data cover only in part (for example ``"2029"`` when
        the data end in August 2029; rule: :mod:`eah_eval.measures.coverage`).

    Raises
    ------
    OptionError
        For an unknown measure, or a level, period or breakdown the measure does not allow
        (the message lists the allowed values).
    OptionTypeError
        If ``scope`` is not a ProgrammeScope or None.

    Notes
    -----
    For ratio measures ``value = numerator / denominator * m`` with m = 100 (per cent),
    1,000 (per 1,000) or 1; sums are taken over the unit's records, so cluster, wave and LA
    values are ratios of sums, never means of school ratios. Zero denominators give NaN.

    Examples
    --------
    >>> from eah_eval.data.synthetic import make_council
    >>> res = compute(make_council(1, small=True).frames, "absence_overall_pct")
    >>> res.frame[["unit", "period", "numerator", "denominator", "value"]].head(2).round(2)
         unit          period  numerator  denominator  value
    0  123679  2021/22 autumn      300.0       3954.0   7.59
    1  123679  2021/22 spring      276.0       3248.0   8.50
    """
    return compute_many(
        data, (measure_id,), level=level, period=period, by=by, engine=engine, options=options,
        scope=scope,
    )[measure_id]


def compute_many(
    data: object,
    measure_ids: Iterable[str],
    *,
    level: str = "school",
    period: str | None = None,
    by: str | None = None,
    engine: object = "duckdb",
    options: MeasureOptions | None = None,
    scope: ProgrammeScope | None = None,
) -> dict[str, MeasureResult]:
    """Compute several measures at one level in one backend query.

    Measures whose records come from the same base relation (for example persistent and
    severe absence, or the three suspension measures, or their shared January headcount) are
    aggregated in a single pass over it. Each result is exactly what :func:`compute` returns
    for that measure (which is this function with one id).

    Parameters
    ----------
    data, level, by, engine, options, scope
        As for :func:`compute`; ``level`` and ``by`` must be allowed for every measure.
    measure_ids : iterable of str
        Registry ids (duplicates are computed once).
    period : str, optional
        Period grain for every measure; default each measure's natural grain.

    Returns
    -------
    dict of str to MeasureResult
        Keyed by measure id, in the order given.

    Raises
    ------
    OptionError
        For an unknown measure, or a level, period or breakdown a measure does not allow.
    OptionTypeError
        If ``scope`` is not a ProgrammeScope or None.
    """
    ids = list(dict.fromkeys(measure_ids))
    if not ids:
        raise OptionError("measure_ids must name at least one measure")
    opts = options if options is not None else MeasureOptions()
    if not isinstance(opts, MeasureOptions):
        raise OptionError(f"options must be a MeasureOptions; got {type(opts).__name__}")
    scope_ = check_scope(scope)
    chosen = []
    for mid in ids:
        measure = get_measure(mid)
        chosen.append(
            (measure, measure.check_level(level), measure.check_period(period),
             measure.check_group(by))
        )
    ts = open_tables(data, engine=engine, lineage_rule=opts.lineage_rule)
    if ts.lineage.rule_id != opts.lineage_rule:
        raise OptionError(
            f"the TableSet was opened with URN lineage rule {ts.lineage.rule_id!r}; "
            f"open it again with lineage_rule={opts.lineage_rule!r}"
        )
    scopes = [None if m.id in SCOPE_NOT_APPLIED else scope_ for m, *_ in chosen]
    specs = [
        ts.memo(
            ("spec", m.id, lv, p, b, opts, sc),
            lambda m=m, lv=lv, p=p, b=b, sc=sc: RECIPES[m.id](  # type: ignore[misc]
                Ctx(ts, p, lv, b, opts, sc)
            ),
        )
        for (m, lv, p, b), sc in zip(chosen, scopes, strict=True)
    ]
    frame, labels = _run(ts, specs, chosen[0][1], [sc is not None for sc in scopes])
    parts: dict[str, pd.DataFrame] = {
        str(name): sub.drop(columns="part").reset_index(drop=True)
        for name, sub in frame.groupby("part", sort=False)
    }
    lineage_rule = (
        ts.lineage.rule + " Measures are computed on canonical URNs (records of a predecessor "
        "URN count for the school's latest URN)."
    )
    coverages: dict[str, PeriodCoverage] = {}
    for m, *_ in chosen:
        coverages[m.id] = ts.memo(
            ("measure_coverage", m.id, opts), partial(measure_coverage, ts, m, opts)
        )
    results: dict[str, MeasureResult] = {}
    for (measure, level_, period_, by_), spec, lab, sc in zip(
        chosen, specs, labels, scopes, strict=True
    ):
        out, accounting = _assemble(measure, spec, parts, lab)
        out["measure_id"] = measure.id
        out["unit_level"] = level_
        out["group_by"] = by_ or "all"
        out["period"] = [period_label(period_, i) for i in out["period_index"]]
        out = out.sort_values(["unit", "period_index", "group"], kind="stable")
        frame_ = out.reset_index(drop=True)[list(FRAME_COLUMNS)].astype(
            {"numerator": "float64", "denominator": "float64", "value": "float64"}
        )
        results[measure.id] = MeasureResult(
            measure=measure,
            frame=frame_,
            level=level_,
            period=period_,
            by=by_,
            engine=ts.engine,
            options=opts,
            lineage_rule=lineage_rule,
            urn_changes=len(ts.lineage.changes),
            accounting=accounting,
            notes=measure.notes + (
                (f"programme scope not applied: {SCOPE_NOT_APPLIED[measure.id]}",)
                if scope_ is not None and sc is None else ()
            ),
            scope=sc,
            not_served=_not_served(parts, lab["not_served"]),
            coverage=coverages[measure.id],
        )
    return results


def rollout_panel(
    data: object,
    measure_id: str,
    *,
    level: str = "school",
    period: str | None = None,
    mid_period_rule: str = "next_full_period",
    engine: object = "duckdb",
    options: MeasureOptions | None = None,
    drop_missing: bool = True,
    scope: ProgrammeScope | None = DEFAULT_SCOPE,
) -> pd.DataFrame:
    """Build a unit x period panel of one measure with rollout timing, ready for ``att_gt``.

    Parameters
    ----------
    data : Council, dict of DataFrame, TableSet...
        As for :func:`compute`.
    measure_id : str
        Measure to use as the outcome ``y``.
    level : {"school", "cluster"}
        Panel unit.
    period : str, optional
        Period grain (default the measure's natural grain, e.g. term for absence).
    mid_period_rule : {"next_full_period", "period_containing", "majority_of_period"}
        Which period counts as the first treated one when go-live falls inside a period.
    engine, options
        As for :func:`compute`.
    drop_missing : bool
        Drop unit-periods whose outcome is undefined (zero denominator); their number is in
        ``attrs["rows_dropped"]``.
    scope : ProgrammeScope or None
        Schools the programme serves (default :data:`~eah_eval.measures.programme.
        DEFAULT_SCOPE`, mainstream primary and secondary schools): only their records enter
        the panel, at school and at cluster level. None keeps every school.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit, cluster, wave, period, period_index, first_treated, y, weight,
        numerator, denominator``; ``first_treated`` is the first treated period index, 0 when
        the cluster goes live after the panel's last period (never treated in the window).
        ``attrs`` carries ``measure_id``, ``rollout_rule``, ``lineage_rule``, ``options``,
        ``period``, ``level``, ``rows_dropped`` and ``accounting`` (rows read and excluded
        per table and reason, including ``"not served by the programme (special schools)"``
        and the like), and:

        * ``scope``: the scope's ``to_dict()`` (None without one); ``scope_text``: its
          sentence;
        * ``excluded_not_served``: ``{reason: number of schools}`` left out by the scope (for
          example ``{"not served by the programme (special schools)": 5}``), counting
          schools with records in the measure's tables once across URN changes;
          ``rows_not_served``: ``{reason: rows}`` of those schools' records, summed over the
          measure's tables; ``not_served_urns``: their canonical URNs;
        * ``partial_periods``: labels (as in the ``period`` column) of the panel's periods
          that the data cover only in part, and ``partial_period_indexes`` their indexes
          (rule: :mod:`eah_eval.measures.coverage`); ``coverage``: the
          :class:`~eah_eval.measures.coverage.PeriodCoverage` behind them, read by
          :func:`~eah_eval.measures.coverage.period_completeness`.

    Raises
    ------
    OptionError
        For a level other than school or cluster, or an unknown rule.
    OptionTypeError
        If ``scope`` is not a ProgrammeScope or None.

    Examples
    --------
    >>> from eah_eval.data.synthetic import make_council
    >>> from eah_eval.did import att_gt
    >>> panel = rollout_panel(make_council(1, small=True).frames, "absence_overall_pct")
    >>> gt = att_gt(panel, outcome="y", unit="unit", time="period_index",
    ...             cohort="first_treated", weights="weight", cluster="cluster",
    ...             control_group="not_yet_treated")
    >>> sorted(panel.columns)[:4]
    ['cluster', 'denominator', 'first_treated', 'numerator']
    """
    if level not in ("school", "cluster"):
        raise OptionError(f"rollout_panel level must be one of 'school', 'cluster'; got {level!r}")
    if mid_period_rule not in RULE_TEXT:
        raise OptionError(
            f"mid_period_rule must be one of {', '.join(map(repr, RULE_TEXT))}; "
            f"got {mid_period_rule!r}"
        )
    opts = options if options is not None else MeasureOptions()
    scope_ = check_scope(scope)
    ts = open_tables(data, engine=engine, lineage_rule=opts.lineage_rule)
    res = compute(ts, measure_id, level=level, period=period, engine=engine, options=opts,
                  scope=scope_)
    frame = res.frame
    clusters = ts.raw("clusters").to_pandas()
    timing = cluster_rollout(clusters, res.period, rule=mid_period_rule)
    if level == "school":
        attrs = ts.school_attributes().select("_a_urn", "cluster_id").to_pandas()
        attrs = attrs.rename(columns={"_a_urn": "unit"})
        panel = frame.merge(attrs, on="unit", how="left")
    else:
        panel = frame.assign(cluster_id=frame["unit"])
    panel = panel.merge(timing, on="cluster_id", how="left")
    last = int(panel["period_index"].max()) if len(panel) else 0
    ft = panel["first_treated"].astype("float64")
    never = ft.isna() | (ft > last)
    panel["first_treated"] = np.where(never, 0, ft.fillna(0)).astype("int64")
    panel = panel.rename(columns={"cluster_id": "cluster", "value": "y"})
    panel["weight"] = panel["denominator"]
    n_before = len(panel)
    if drop_missing:
        panel = panel[np.isfinite(panel["y"].to_numpy(dtype="float64"))]
    cols = [
        "unit",
        "cluster",
        "wave",
        "period",
        "period_index",
        "first_treated",
        "y",
        "weight",
        "numerator",
        "denominator",
    ]
    panel = panel[cols].reset_index(drop=True)
    completeness = res.period_completeness
    completeness = completeness[
        ~completeness["complete"] & completeness["period_index"].isin(panel["period_index"])
    ]
    acc = res.accounting
    not_served_rows = acc[acc["reason"].astype(str).str.startswith(NOT_SERVED_PREFIX)]
    meta: dict[str, Any] = {
        "measure_id": res.measure.id,
        "level": level,
        "period": res.period,
        "rollout_rule": RULE_TEXT[mid_period_rule],
        "mid_period_rule": mid_period_rule,
        "lineage_rule": res.lineage_rule,
        "options": res.options.describe(),
        "rows_dropped": n_before - len(panel),
        "accounting": res.accounting,
        "never_treated_value": 0,
        "scope": res.scope.to_dict() if res.scope is not None else None,
        "scope_text": (res.scope.describe() if res.scope is not None
                       else "every school (no programme scope)"),
        "excluded_not_served": res.excluded_not_served,
        "rows_not_served": {
            str(k): int(v)
            for k, v in not_served_rows.groupby("reason", sort=True)["rows"].sum().items()
        },
        "not_served_urns": sorted(res.not_served["urn"].astype(str).unique().tolist()),
        "partial_periods": completeness["period"].astype(str).tolist(),
        "partial_period_indexes": completeness["period_index"].astype(int).tolist(),
        "partial_rule": PARTIAL_RULE,
        "coverage": res.coverage,
    }
    panel.attrs.update(meta)
    return panel
