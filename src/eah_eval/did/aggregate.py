"""Aggregate ATT(g, t) into summary effects, from stored influence functions only.

Four aggregations (Callaway and Sant'Anna 2021, sec. 3.1), each a weighted average of
ATT(g, t) with weights proportional to cohort shares ``p_g = mean(w_i 1{G_i = g})``:

* ``"simple"``: all post-treatment cells (``g <= t <= g + max_e``);
* ``"event"``: by event time ``e = t - g`` (dynamic effects), overall = mean over ``e >= 0``;
* ``"group"``: by cohort (mean over its post-treatment cells), overall weighted by ``p_g``;
* ``"calendar"``: by period over cohorts already treated, overall = mean over periods.

Standard errors include the estimation effect of the cohort shares in the weights (R ``did``'s
``wif``): for weights ``p_k / S`` over cells ``k`` with ``S = sum p_k``, the influence function
of the aggregate gains ``sum_k att_k [(c_ik / S) - (sum_l c_il) p_k / S**2]`` with
``c_ik = w_i 1{G_i = g_k} - p_k``.

Every aggregate's influence function is therefore a fixed linear combination
``psi L + U c`` of the group-time influence functions ``psi`` and the cohort columns
``U_ig = w_i 1{G_i = g}``. After a multiplier bootstrap of the group-time result (which draws
``psi`` and ``U`` with the same multipliers), an aggregation inherits the draws ``b L + b_U c``
instead of drawing again: the same multipliers serve the group-time effects and every
aggregation of them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from eah_eval.did.attgt import GroupTimeResult
from eah_eval.did.bootstrap import (
    BootstrapOutcome,
    WeightType,
    analytic_se,
    bootstrap_influence,
    summarise_draws,
)
from eah_eval.did.results import EffectTable
from eah_eval.did.table_delegation import TableAccess
from eah_eval.errors import EstimationError, EstimationWarning, OptionError, check_option

AggregationKind = Literal["simple", "event", "group", "calendar"]
AGGREGATION_KINDS: tuple[AggregationKind, ...] = ("simple", "event", "group", "calendar")
#: other names accepted for a kind: R ``did``'s ``aggte(type = "dynamic")`` is the event study
AGGREGATION_ALIASES: dict[str, AggregationKind] = {"dynamic": "event"}
_BY_NAME = {"simple": "aggregation", "event": "event_time", "group": "group",
            "calendar": "time"}

__all__ = ["AGGREGATION_ALIASES", "AGGREGATION_KINDS", "AggregateResult", "AggregationKind",
           "aggregate"]


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False, repr=False)  # short repr from TableAccess
class AggregateResult(TableAccess):
    """Immutable aggregated effects with their influence functions.

    Attributes
    ----------
    kind : {"simple", "event", "group", "calendar"}
        Aggregation.
    table : EffectTable
        Effects by event time, group or period (one ``"overall"`` row for ``"simple"``).
    overall : EffectTable
        The overall summary effect (one row).
    influence : ndarray, shape (n_units, n_rows)
        Influence functions of the rows of ``table``.
    overall_influence : ndarray, shape (n_units,)
        Influence function of the overall effect.
    unit_ids : pandas.Index
        Units of the influence-function rows.
    cluster_codes : ndarray or None
        Cluster of each unit.
    analytic_std_errors : ndarray
        Influence-function standard errors of the rows.
    analytic_overall_se : float
        Influence-function standard error of the overall effect.
    bootstrap : BootstrapOutcome or None
        Record of the multiplier bootstrap, when one was run.
    metadata : mapping
        Options used (inherited from the group-time result, plus the aggregation's own).
    """

    kind: str
    table: EffectTable
    overall: EffectTable
    influence: np.ndarray
    overall_influence: np.ndarray
    unit_ids: pd.Index
    cluster_codes: np.ndarray | None
    analytic_std_errors: np.ndarray
    analytic_overall_se: float
    bootstrap: BootstrapOutcome | None = None
    metadata: MappingProxyType[str, Any] = field(
        default_factory=lambda: MappingProxyType({}))

    @property
    def overall_att(self) -> float:
        """Overall summary effect."""
        return float(self.overall.estimates[0])

    @property
    def overall_se(self) -> float:
        """Standard error of the overall effect."""
        return float(self.overall.std_errors[0])

    def conf_int(self, level: float = 0.95, *, simultaneous: bool = False) -> pd.DataFrame:
        """Confidence intervals by row (see :meth:`EffectTable.conf_int`)."""
        return self.table.conf_int(level, simultaneous=simultaneous)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy frame of the rows (use ``overall.to_frame()`` for the overall effect)."""
        return self.table.to_frame(level)

    def summary(self, level: float = 0.95) -> str:
        """Text summary: overall effect, then the rows and the method notes."""
        o = self.overall.to_frame(level).iloc[0]
        head = (f"Overall ({self.kind}): {o['estimate']:.4f} (SE {o['std_error']:.4f}; "
                f"{level:.0%} CI {o['ci_low']:.4f} to {o['ci_high']:.4f})")
        return f"{head}\n{self.table.summary(level)}"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        o = self.overall
        head = (f"<p>Overall ({self.kind}): {o.estimates[0]:.4f} "
                f"(SE {o.std_errors[0]:.4f})</p>")
        return head + self.table._repr_html_()

    def with_bootstrap(self, n_draws: int = 999, *, weight_type: WeightType = "mammen",
                       rng: int | np.random.Generator | None = None,
                       level: float = 0.95) -> AggregateResult:
        """Return a copy with multiplier-bootstrap standard errors and a sup-t band.

        The rows and the overall effect share the same draws; the band covers the rows.

        Parameters
        ----------
        n_draws : int, default 999
            Bootstrap draws.
        weight_type : {"mammen", "rademacher", "webb"}, default "mammen"
            Multiplier distribution.
        rng : int, numpy.random.Generator or None
            Randomness; recorded.
        level : float, default 0.95
            Level of the simultaneous band.

        Returns
        -------
        AggregateResult
            New result.
        """
        psi = np.column_stack([self.influence, self.overall_influence])
        analytic = np.r_[self.analytic_std_errors, self.analytic_overall_se]
        boot = bootstrap_influence(psi, self.cluster_codes, n_draws=n_draws,
                                   weight_type=weight_type, rng=rng, level=level,
                                   band_columns=self._band(), columns=~np.isnan(analytic))
        return self._with_outcome(boot)

    def _band(self) -> np.ndarray:
        """Columns of the simultaneous band: the rows, not the overall effect."""
        return np.r_[np.ones(self.influence.shape[1], dtype=bool), False]

    def _with_outcome(self, boot: BootstrapOutcome) -> AggregateResult:
        """Copy with the bootstrap ``boot`` of the rows then the overall effect."""
        analytic = np.r_[self.analytic_std_errors, self.analytic_overall_se]
        level = boot.level
        se = np.where(np.isnan(analytic), np.nan, boot.std_errors)
        crit = boot.critical_value if np.isfinite(boot.critical_value) else None
        table = self.table.with_inference(se[:-1], critical_value=crit,
                                          simultaneous_level=level if crit else None,
                                          metadata=boot.metadata())
        overall = self.overall.with_inference(se[-1:], metadata=boot.metadata())
        meta = dict(self.metadata)
        meta.update(boot.metadata())
        return replace(self, table=table, overall=overall, bootstrap=boot,
                       metadata=MappingProxyType(meta))


class _Row(NamedTuple):
    """One aggregate: estimate, influence function and its loadings.

    The influence function is ``psi @ load + U @ coef``: a linear combination of the
    group-time columns (all of them; left-out cells have zero loading) and the cohort columns
    ``U_ig = w_i 1{G_i = g}``.
    """

    est: float
    inf: np.ndarray
    load: np.ndarray
    coef: np.ndarray


def _combine(rows: list[_Row], wts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the loadings of ``sum_r wts_r row_r`` (group-time columns, cohort columns)."""
    load = np.column_stack([r.load for r in rows]) @ wts
    coef = np.column_stack([r.coef for r in rows]) @ wts
    return load, coef


class _Aggregator:
    """Weighted averages of ATT(g, t) columns with the weight-estimation influence term."""

    def __init__(self, gt: GroupTimeResult, keep: np.ndarray) -> None:
        self.columns = np.flatnonzero(keep)
        self.n_cells = keep.size
        self.att = gt.estimates[keep]
        self.psi = gt.influence if keep.all() else gt.influence[:, keep]
        self.groups = gt.groups[keep]
        self.times = gt.times[keep]
        glist = np.asarray(gt.cohort_shares.index, dtype=np.float64)
        self.glist = glist
        self.pg_group = gt.cohort_shares.to_numpy()
        self.g_cell = np.searchsorted(glist, self.groups)
        self.pg = self.pg_group[self.g_cell]
        pos = np.searchsorted(glist, gt.unit_cohort)
        pos = np.minimum(pos, glist.size - 1)
        # cohort index of each unit; never-treated (and untreated cohorts) -> extra slot glist.size
        self.g_unit = np.where(glist[pos] == gt.unit_cohort, pos, glist.size)
        self.w_unit = np.asarray(gt.unit_weights, dtype=np.float64)

    def weight_influence(self, att: np.ndarray, g_idx: np.ndarray, pg: np.ndarray) -> np.ndarray:
        """``wif @ att`` of R did for cells with cohort indices ``g_idx`` and shares ``pg``.

        With ``c_ik = w_i 1{G_i = g_k} - p_k`` and ``S = sum_k p_k``, R's
        ``sum_k att_k [c_ik / S - (sum_l c_il) p_k / S**2]`` simplifies (the ``p_k`` terms
        cancel) to ``w_i [A(G_i) / S - N(G_i) (p . att) / S**2]``, where ``A(g)`` and ``N(g)``
        are the sum of ``att_k`` and the number of cells over the cells of cohort ``g``.
        """
        coef = np.append(self.weight_coef(att, g_idx, pg), 0.0)
        return np.asarray(self.w_unit * coef[self.g_unit])

    def weight_coef(self, att: np.ndarray, g_idx: np.ndarray, pg: np.ndarray) -> np.ndarray:
        """Coefficients ``A(g) / S - N(g) (p . att) / S**2`` of the cohort columns."""
        total = pg.sum()
        n_groups = self.glist.size
        att_by_g = np.bincount(g_idx, weights=att, minlength=n_groups)
        count_by_g = np.bincount(g_idx, minlength=n_groups).astype(np.float64)
        return np.asarray(att_by_g / total - count_by_g * float(pg @ att) / total**2)

    def load(self, idx: np.ndarray, wts: np.ndarray) -> np.ndarray:
        """Return loadings on all group-time columns: ``wts`` on the kept cells ``idx``."""
        out = np.zeros(self.n_cells)
        out[self.columns[idx]] = wts
        return out

    def cells(self, which: np.ndarray) -> _Row:
        """Share-weighted average of the selected cells and its influence function."""
        idx = np.flatnonzero(which)
        if idx.size == 0:
            return _Row(np.nan, np.zeros(self.psi.shape[0]), np.zeros(self.n_cells),
                        np.zeros(self.glist.size))
        pg = self.pg[idx]
        wts = pg / pg.sum()
        est = float(wts @ self.att[idx])
        inf = self.weight_influence(self.att[idx], self.g_cell[idx], pg)
        return _Row(est, self.add_columns(inf, idx, wts), self.load(idx, wts),
                    self.weight_coef(self.att[idx], self.g_cell[idx], pg))

    def mean(self, which: np.ndarray) -> _Row:
        """Unweighted mean of the selected cells (a cohort's post-treatment cells)."""
        idx = np.flatnonzero(which)
        wts = np.full(idx.size, 1.0 / idx.size)
        return _Row(float(self.att[idx].mean()), self.psi[:, idx].mean(axis=1),
                    self.load(idx, wts), np.zeros(self.glist.size))

    def add_columns(self, out: np.ndarray, idx: np.ndarray, wts: np.ndarray) -> np.ndarray:
        """``out += psi[:, idx] @ wts`` column by column (no n x len(idx) copy)."""
        buf = np.empty_like(out)
        for j, wj in zip(idx.tolist(), wts.tolist(), strict=True):
            np.multiply(self.psi[:, j], wj, out=buf)
            out += buf
        return out


def _inherit_bootstrap(gt: GroupTimeResult, n_draws: int | None,
                       weight_type: WeightType | None,
                       rng: int | np.random.Generator | None) -> dict[str, Any] | None:
    if n_draws is None and gt.bootstrap is None:
        return None
    boot = gt.bootstrap
    return {
        "n_draws": n_draws if n_draws is not None else (boot.n_draws if boot else 999),
        "weight_type": weight_type or (boot.weight_type if boot else "mammen"),
        "rng": rng if rng is not None else (
            boot.seed if boot is not None and isinstance(boot.seed, int) else None),
        "level": boot.level if boot is not None else 0.95,
    }


def aggregate(
    gt: GroupTimeResult,
    kind: AggregationKind | Literal["dynamic"] = "simple",
    *,
    min_e: float | None = None,
    max_e: float | None = None,
    balance_e: int | None = None,
    n_draws: int | None = None,
    weight_type: WeightType | None = None,
    rng: int | np.random.Generator | None = None,
) -> AggregateResult:
    """Aggregate group-time effects into summary effects.

    Parameters
    ----------
    gt : GroupTimeResult
        Output of :func:`att_gt`.
    kind : {"simple", "event", "group", "calendar"}, default "simple"
        Aggregation. ``"dynamic"`` (R ``did``'s name) is accepted for ``"event"``; the result
        says ``"event"``.
    min_e, max_e : float, optional
        Event-time window. ``max_e`` also limits the post-treatment cells used by ``"simple"``
        and ``"group"`` (as R ``did``); ``min_e`` applies to ``"event"`` only.
    balance_e : int, optional
        ``"event"`` only: keep cohorts observed for at least ``balance_e`` periods after
        treatment, so event-time effects up to ``balance_e`` come from the same cohorts.
    n_draws : int, optional
        Multiplier-bootstrap draws. Default: none, unless ``gt`` was bootstrapped, in which case
        its draws, weight type, seed and level are reused.
    weight_type : {"mammen", "rademacher", "webb"}, optional
        Multiplier distribution (default Mammen, or ``gt``'s).
    rng : int, numpy.random.Generator or None
        Randomness for the bootstrap (default ``gt``'s recorded seed).

    Returns
    -------
    AggregateResult
        Rows, overall effect and their influence functions.

    Raises
    ------
    OptionError
        If an option does not apply to ``kind`` or no cell falls in the requested window.

    Warns
    -----
    EstimationWarning
        When ATT(g, t) cells that could not be estimated are left out.

    Notes
    -----
    Cells whose ATT(g, t) is NaN are dropped before aggregating (R ``did``'s ``na.rm = TRUE``).
    Post-treatment means ``t >= g``.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021), sec. 3.1 and 4.

    Examples
    --------
    >>> # es = aggregate(att_gt(df, "y", "id", "t", "g"), "event", min_e=-3, max_e=3)
    """
    if not isinstance(gt, GroupTimeResult):
        raise OptionError(f"gt must be a GroupTimeResult from att_gt(); got {type(gt).__name__}")
    check_option("kind", kind, (*AGGREGATION_KINDS, *AGGREGATION_ALIASES))
    kind = AGGREGATION_ALIASES.get(kind, kind)
    if kind != "event" and (min_e is not None or balance_e is not None):
        raise OptionError(f"min_e and balance_e apply only to kind='event'; got kind={kind!r}")
    if kind == "calendar" and max_e is not None:
        raise OptionError("max_e does not apply to kind='calendar'")
    if balance_e is not None and (isinstance(balance_e, bool) or
                                  not isinstance(balance_e, int | np.integer) or balance_e < 0):
        raise OptionError(f"balance_e must be a non-negative integer; got {balance_e!r}")
    lo = -np.inf if min_e is None else float(min_e)
    hi = np.inf if max_e is None else float(max_e)

    keep = ~np.isnan(gt.estimates)
    if not keep.all():
        dropped = ", ".join(f"({g:g}, {t:g})" for g, t in
                            zip(gt.groups[~keep], gt.times[~keep], strict=True))
        warnings.warn(f"ATT(g,t) cells not estimated and left out of the {kind} aggregation: "
                      f"{dropped}", EstimationWarning, stacklevel=2)
    if not keep.any():
        raise EstimationError("no ATT(g,t) cell was estimated; nothing to aggregate")
    agg = _Aggregator(gt, keep)
    g, t = agg.groups, agg.times
    n = gt.n_units
    labels: list[float] = []
    rows: list[_Row] = []

    if kind == "simple":
        rows.append(agg.cells((g <= t) & (t <= g + hi)))
        overall_est, overall_inf = rows[0].est, rows[0].inf
        overall_load, overall_coef = rows[0].load, rows[0].coef
        labels = ["overall"]  # type: ignore[list-item]
    elif kind == "group":
        present = np.unique(g[(g <= t) & (t <= g + hi)])
        for grp in present:
            rows.append(agg.mean((g == grp) & (grp <= t) & (t <= grp + hi)))
            labels.append(float(grp))
        att_g = np.array([r.est for r in rows])
        gidx = np.searchsorted(agg.glist, present)
        pgg = agg.pg_group[gidx]
        psi_g = np.column_stack([r.inf for r in rows])
        overall_est = float(pgg @ att_g / pgg.sum())
        overall_inf = psi_g @ (pgg / pgg.sum()) + agg.weight_influence(att_g, gidx, pgg)
        overall_load, overall_coef = _combine(rows, pgg / pgg.sum())
        overall_coef = overall_coef + agg.weight_coef(att_g, gidx, pgg)
    elif kind == "event":
        e_cell = t - g
        include = np.ones(t.size, dtype=bool)
        eseq = np.unique(e_cell)
        if balance_e is not None:
            t_max, t_min = float(gt.times.max()), float(gt.periods.min())
            include = (t_max - g) >= balance_e
            eseq = np.unique(e_cell[include])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - t_max + t_min)]
        eseq = eseq[(eseq >= lo) & (eseq <= hi)]
        if eseq.size == 0:
            raise OptionError("no event times fall within min_e/max_e (and balance_e)")
        for e in eseq:
            rows.append(agg.cells((e_cell == e) & include))
            labels.append(float(e))
        post = eseq >= 0
        if post.any():
            overall_est = float(np.mean([r.est for r, p in zip(rows, post, strict=True) if p]))
            overall_inf = np.zeros(n)
            for r, p in zip(rows, post, strict=True):
                if p:
                    overall_inf += r.inf
            overall_inf /= int(post.sum())
        else:
            overall_est, overall_inf = np.nan, np.zeros(n)
        overall_load, overall_coef = _combine(rows, post / max(int(post.sum()), 1))
    else:  # calendar
        tl = np.unique(t[(t >= g.min()) & (g <= t)])
        for tt in tl:
            rows.append(agg.cells((t == tt) & (g <= t)))
            labels.append(float(tt))
        overall_est = float(np.mean([r.est for r in rows]))
        overall_inf = np.column_stack([r.inf for r in rows]).mean(axis=1)
        overall_load, overall_coef = _combine(rows, np.full(len(rows), 1.0 / len(rows)))

    psi_rows = np.column_stack([r.inf for r in rows])
    est_rows = np.array([r.est for r in rows])
    se_rows = analytic_se(psi_rows, gt.cluster_codes)
    se_overall = float(analytic_se(overall_inf[:, None], gt.cluster_codes)[0])
    meta = dict(gt.metadata)
    meta.pop("preprocessing", None)
    meta["aggregation"] = kind
    meta["aggregation_weights"] = "cohort shares; SEs include estimated-weight influence"
    for name, val in (("min_e", min_e), ("max_e", max_e), ("balance_e", balance_e)):
        if val is not None:
            meta[name] = val
    by_name = _BY_NAME[kind]
    index: pd.Index = pd.Index(labels, name=by_name)
    if kind != "simple":
        index = pd.Index(np.asarray(labels, dtype=np.float64), name=by_name)
        if np.all(np.mod(index.to_numpy(), 1) == 0):
            index = pd.Index(index.to_numpy().astype(np.int64), name=by_name)
    title = {"simple": "Overall ATT (simple)", "event": "Event-study ATT by event time",
             "group": "ATT by cohort", "calendar": "ATT by calendar period"}[kind]
    table = EffectTable(index=index, estimates=est_rows, std_errors=se_rows, title=title,
                        metadata=meta)
    overall = EffectTable(index=pd.Index(["overall"], name="aggregation"),
                          estimates=np.array([overall_est]),
                          std_errors=np.array([se_overall]),
                          title=f"Overall ATT ({kind})", metadata=meta)
    result = AggregateResult(
        kind=kind, table=table, overall=overall, influence=_readonly(psi_rows),
        overall_influence=_readonly(np.asarray(overall_inf, dtype=np.float64)),
        unit_ids=gt.unit_ids, cluster_codes=gt.cluster_codes,
        analytic_std_errors=_readonly(se_rows.copy()), analytic_overall_se=se_overall,
        metadata=MappingProxyType(meta),
    )
    if n_draws is None and weight_type is None and rng is None and gt.bootstrap is not None \
            and gt.bootstrap.draws is not None and gt.bootstrap.cohort_draws is not None:
        load = np.column_stack([*(r.load for r in rows), overall_load])
        coef = np.column_stack([*(r.coef for r in rows), overall_coef])
        return result._with_outcome(_shared_draws(result, gt.bootstrap, load, coef))
    boot = _inherit_bootstrap(gt, n_draws, weight_type, rng)
    if boot is not None:
        result = result.with_bootstrap(**boot)
    return result


def _shared_draws(result: AggregateResult, gt_boot: BootstrapOutcome, load: np.ndarray,
                  coef: np.ndarray) -> BootstrapOutcome:
    """Carry the group-time bootstrap's draws to the rows and overall effect of ``result``.

    ``load`` (cells x columns) and ``coef`` (cohorts x columns) give each column's influence
    function as ``psi @ load + U @ coef``; its draws are then ``b @ load + b_U @ coef`` with the
    group-time draws ``b`` and cohort-column draws ``b_U`` of the same multipliers.
    """
    assert gt_boot.draws is not None and gt_boot.cohort_draws is not None
    draws = gt_boot.draws @ load + gt_boot.cohort_draws @ coef
    analytic = np.r_[result.analytic_std_errors, result.analytic_overall_se]
    se, crit = summarise_draws(draws, level=gt_boot.level, columns=~np.isnan(analytic),
                               band_columns=result._band())
    return BootstrapOutcome(std_errors=se, critical_value=crit, level=gt_boot.level,
                            n_draws=gt_boot.n_draws, weight_type=gt_boot.weight_type,
                            seed=gt_boot.seed, n_clusters=gt_boot.n_clusters, draws=draws)
