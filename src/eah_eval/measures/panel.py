"""From records to panels: the front door :func:`compute` and :func:`rollout_panel`.

:func:`compute` runs a measure's recipe on any Ibis backend, aggregates to the requested unit
level, period and pupil group inside the backend, and returns a tidy pandas frame:

``measure_id, unit_level, unit, period, period_index, group_by, group, numerator,
denominator, value``

with ``value = numerator / denominator x multiplier`` (NaN when the denominator is zero; for a
median measure ``value`` is the median, ``numerator`` is empty and ``denominator`` the number of
records). Records are put on canonical URNs first, so a school is followed across academy
conversion, merger and amalgamation; the lineage rule is carried on the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from eah_eval.errors import OptionError
from eah_eval.measures.definitions import (
    LEVEL_TEXT,
    PERIOD_TEXT,
    Measure,
    MeasureOptions,
)
from eah_eval.measures.engine import open_tables, period_label
from eah_eval.measures.recipes import RECIPES, Ctx, Part, Spec
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

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of the tidy frame."""
        return self.frame.copy()

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

    def describe(self) -> str:
        """Plain-text header stating the measure, level, period, options and rules."""
        m = self.measure
        parts = [
            f"{m.title} [{m.id}], {m.unit_text}",
            f"level: {LEVEL_TEXT[self.level]}; period: {PERIOD_TEXT[self.period]}",
            f"breakdown: {self.by or 'none'}; engine: {self.engine}",
            f"options: {self.options.describe()}",
            f"{self.lineage_rule} URN changes followed: {self.urn_changes}.",
        ]
        if self.rollout_rule:
            parts.append(f"rollout: {self.rollout_rule}")
        return "\n".join(parts + self.rows_summary())

    def __str__(self) -> str:
        return self.describe() + "\n" + self.frame.to_string(max_rows=20)


def _unit_expr(rel: ir.Table, level: str) -> ir.Value:
    return {
        "school": rel.urn,
        "cluster": rel.cluster_id,
        "wave": rel.wave,
        "la": rel.la_code,
    }[level]


def _aggregate(part: Part, level: str, label: str) -> ir.Table:
    """Aggregate one part to (unit, period_index, group) in the backend, in a union-ready shape."""
    rel = part.rel
    rel = rel.mutate(unit=_unit_expr(rel, level))
    rel = rel.filter(rel.unit.notnull())
    grouped = rel.group_by(_KEYS)
    if part.agg == "sum":
        out = grouped.agg(v=rel.x.sum().cast("float64"), n=ibis.null("float64"))
    elif part.agg == "nunique":
        out = grouped.agg(v=rel.key.nunique().cast("float64"), n=ibis.null("float64"))
    else:
        out = grouped.agg(
            v=rel.x.median().cast("float64"), n=rel.x.count().cast("float64")
        )
    return out.select(
        part=ibis.literal(label),
        unit=out.unit.cast("string"),
        period_index=out.period_index.cast("int64"),
        group=out.group.cast("string"),
        v=out.v,
        n=out.n,
    )


def _accounting_expr(table: str, acc: ir.Table) -> ir.Table:
    counts = acc.group_by("_reason").agg(rows=acc.count())
    return counts.select(
        part=ibis.literal("accounting"),
        unit=ibis.literal(table),
        period_index=ibis.literal(0).cast("int64"),
        group=counts._reason.fill_null("used"),
        v=ibis.null("float64"),
        n=counts.rows.cast("float64"),
    )


def _run(spec: Spec, level: str) -> dict[str, pd.DataFrame]:
    """Execute numerator, denominator and accounting in one backend query."""
    pieces = [_aggregate(spec.numerator, level, "numerator")]
    if spec.denominator is not None:
        pieces.append(_aggregate(spec.denominator, level, "denominator"))
    pieces += [_accounting_expr(table, acc) for table, acc in spec.accounting]
    frame = ibis.union(*pieces, distinct=False).to_pandas()
    frame["part"] = frame["part"].astype(object).astype(str)
    frame["unit"] = frame["unit"].astype(object).astype(str)
    frame["group"] = frame["group"].astype(object).astype(str)
    frame["period_index"] = frame["period_index"].astype("int64")
    frame["v"] = frame["v"].astype("float64")
    frame["n"] = frame["n"].astype("float64")
    return {
        name: sub.drop(columns="part").reset_index(drop=True)
        for name, sub in frame.groupby("part", sort=False)
    }


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


def _assemble(measure: Measure, spec: Spec, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = _run(spec, level)
    empty = pd.DataFrame(
        {"unit": pd.Series([], dtype=object), "period_index": pd.Series([], dtype="int64"),
         "group": pd.Series([], dtype=object), "v": pd.Series([], dtype="float64"),
         "n": pd.Series([], dtype="float64")}
    )
    num = parts.get("numerator", empty)
    accounting = _accounting(parts.get("accounting"))
    if spec.denominator is None:
        out = num.rename(columns={"v": "value", "n": "denominator"})
        out["numerator"] = np.nan
        return out, accounting
    num = num.drop(columns="n")
    den = parts.get("denominator", empty).drop(columns="n")
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
        Hours per expert day, absence basis, URN lineage rule.

    Returns
    -------
    MeasureResult
        ``.frame`` is the tidy panel; ``.accounting`` the rows read and excluded.

    Raises
    ------
    OptionError
        For an unknown measure, or a level, period or breakdown the measure does not allow
        (the message lists the allowed values).

    Notes
    -----
    For ratio measures ``value = numerator / denominator * m`` with m = 100 (per cent),
    1,000 (per 1,000) or 1; sums are taken over the unit's records, so cluster, wave and LA
    values are ratios of sums, never means of school ratios. Zero denominators give NaN.

    Examples
    --------
    >>> from eah_eval.data.synthetic import make_council          # doctest: +SKIP
    >>> res = compute(make_council(1).frames, "absence_overall_pct")  # doctest: +SKIP
    >>> res.frame.head()                                            # doctest: +SKIP
    """
    measure = get_measure(measure_id)
    level_ = measure.check_level(level)
    period_ = measure.check_period(period)
    by_ = measure.check_group(by)
    opts = options if options is not None else MeasureOptions()
    if not isinstance(opts, MeasureOptions):
        raise OptionError(f"options must be a MeasureOptions; got {type(opts).__name__}")
    ts = open_tables(data, engine=engine, lineage_rule=opts.lineage_rule)
    if ts.lineage.rule_id != opts.lineage_rule:
        raise OptionError(
            f"the TableSet was opened with URN lineage rule {ts.lineage.rule_id!r}; "
            f"open it again with lineage_rule={opts.lineage_rule!r}"
        )
    spec = RECIPES[measure.id](Ctx(ts, period_, level_, by_, opts))
    out, accounting = _assemble(measure, spec, level_)
    out["measure_id"] = measure.id
    out["unit_level"] = level_
    out["group_by"] = by_ or "all"
    out["period"] = [period_label(period_, i) for i in out["period_index"]]
    out = out.sort_values(["unit", "period_index", "group"], kind="stable").reset_index(drop=True)
    frame = out[list(FRAME_COLUMNS)].astype(
        {"numerator": "float64", "denominator": "float64", "value": "float64"}
    )
    changes = ts.lineage.changes
    return MeasureResult(
        measure=measure,
        frame=frame,
        level=level_,
        period=period_,
        by=by_,
        engine=ts.engine,
        options=opts,
        lineage_rule=ts.lineage.rule
        + " Measures are computed on canonical URNs (records of a predecessor URN count for "
        "the school's latest URN).",
        urn_changes=len(changes),
        accounting=accounting,
        notes=measure.notes,
    )


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

    Returns
    -------
    pandas.DataFrame
        Columns ``unit, cluster, wave, period, period_index, first_treated, y, weight,
        numerator, denominator``; ``first_treated`` is the first treated period index, 0 when
        the cluster goes live after the panel's last period (never treated in the window).
        ``attrs`` carries ``measure_id``, ``rollout_rule``, ``lineage_rule``, ``options``,
        ``period``, ``level``, ``rows_dropped`` and ``accounting``.

    Raises
    ------
    OptionError
        For a level other than school or cluster, or an unknown rule.

    Examples
    --------
    >>> panel = rollout_panel(frames, "absence_overall_pct")  # doctest: +SKIP
    >>> att_gt(panel, outcome="y", unit="unit", time="period_index",
    ...        cohort="first_treated", weights="weight", cluster="cluster")  # doctest: +SKIP
    """
    if level not in ("school", "cluster"):
        raise OptionError(f"rollout_panel level must be one of 'school', 'cluster'; got {level!r}")
    if mid_period_rule not in RULE_TEXT:
        raise OptionError(
            f"mid_period_rule must be one of {', '.join(map(repr, RULE_TEXT))}; "
            f"got {mid_period_rule!r}"
        )
    opts = options if options is not None else MeasureOptions()
    ts = open_tables(data, engine=engine, lineage_rule=opts.lineage_rule)
    res = compute(ts, measure_id, level=level, period=period, engine=engine, options=opts)
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
    }
    panel.attrs.update(meta)
    return panel
