"""Other authorities drawn to sit beside a council's own data, and the council's external truth.

A real council compares itself with the published figures of the other authorities; its own
rows come from its own records, computed with the measures the rest of its report uses
(:func:`eah_eval.data.areas.council_area_panel`, added by the impact report when it runs).
:func:`make_national_for_council` draws the *other* authorities of such a comparison for a
synthetic council: about 150 authorities with their schools, several measures at the grains
the report uses (persistent and overall absence and suspensions by term, EHC needs assessment
requests by calendar year as SEN2 publishes them, SEN support and KS2 by academic year), their
programme starts and statistical neighbours. The council itself is listed in
``area_programme`` (its start is its first go-live) and among the neighbours, but has no rows
in ``area_panel``: the report adds them from the council's own tables.

Calibration (per measure, from the council's own authority-level series ``c_t`` net of its
planted effect, i.e. its path without the programme)::

    c_t = L + s_k(t) + b1 y(t) + b2 y(t)^2 + r_t      (y = year, centred)

gives the level ``L``, the seasonal pattern ``s_k`` (term of the year; none for yearly
measures), a path over the years that may bend (absence falling after the pandemic and
levelling off) and the residual spread ``sd(r)``. Authority ``a`` has level
``L (1 + rel_sd z_a) + early_a``; school ``s`` a level around its authority's; the rate of a
school in period ``t`` is its level plus the shared path ``s_k(t) + b1 y + b2 y^2`` plus an
authority-by-period shock (standard deviation ``sd(r)``, so the authority is the cluster) plus
the effect; counts are drawn binomially (shares of pupils or sessions) or from a Poisson law
(requests, suspensions). The other authorities' effect by event time is the council's planted
effect by event time (its truth, pupil-weighted, in the measure's grain): the programme is
taken to work alike everywhere, so levels differ between authorities but paths and effects do
not.

:func:`council_external_truth` turns the council's own truth (``truth.json``) into what the
council-against-other-authorities estimate targets: for each period the pupil-weighted mean of
the planted effect across the council's served schools (schools not yet started count zero),
averaged over the treated periods the estimate uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.data.areas import AREA_PERIOD_TYPES
from eah_eval.data.synthetic.national import (
    DEFAULT_NATIONAL_SEED,
    HIDDEN_STARTS,
    N_NEIGHBOURS,
    START_CHOICES,
    SyntheticNational,
)
from eah_eval.errors import OptionError

__all__ = [
    "NATIONAL_MEASURES",
    "council_effect_by_period",
    "council_external_truth",
    "council_panels",
    "make_national_for_council",
    "write_national_for_council",
]

#: Measures drawn for the other authorities, in the report's order, with how their counts
#: arise: (denominator, draw, school spread, secondary factor, spread of authority levels).
_KINDS: Mapping[str, tuple[str, str, float, float, float]] = MappingProxyType({
    "sen_support_pct": ("pupils", "binomial", 0.25, 0.9, 0.12),
    "ehc_requests_per_1000": ("pupils", "poisson", 0.35, 0.7, 0.18),
    "absence_overall_pct": ("sessions", "binomial", 0.15, 1.25, 0.10),
    "absence_persistent_pct": ("pupils", "binomial", 0.25, 1.3, 0.12),
    "suspension_rate": ("pupils", "poisson", 0.45, 3.0, 0.25),
    "ks2_rwm_expected_pct": ("year6", "binomial", 0.12, 1.0, 0.06),
})
NATIONAL_MEASURES: tuple[str, ...] = tuple(_KINDS)
#: possible sessions per pupil in autumn, spring and summer (about 70, 55 and 58 days)
_SESSIONS = (141.0, 114.0, 118.0)
TRUTH_RULE = (
    "per measure: effect_by_event_time = the council's planted effect by event time "
    "(pupil-weighted, in the measure's grain; the last one carried on), the same for every "
    "other authority; simple_others = mean of effect(t - g) over the post-start cells of the "
    "other authorities with a known start, each authority weighted equally. The council's own "
    "truth is in its truth.json: council_external_truth turns it into the estimand of the "
    "council-against-other-authorities estimate"
)


def _grain(panel: pd.DataFrame) -> str:
    return AREA_PERIOD_TYPES[str(panel.attrs.get("period", "term"))]


def _council_truth_block(truth: Mapping[str, Any], measure: str, grain: str) -> Mapping[str, Any]:
    block = truth["measures"].get(measure)
    if block is None:
        raise OptionError(f"the council's truth has no measure {measure!r}")
    if block.get("grain") == grain:
        return block
    alt = (block.get("alternative_grains") or {}).get(grain)
    if alt is None:
        raise OptionError(f"the council's truth has {measure} by {block.get('grain')}, not by "
                          f"{grain}")
    return alt


def council_effect_by_period(truth: Mapping[str, Any], measure: str,
                             panel: pd.DataFrame) -> pd.Series:
    """Return the planted effect on the council's authority-level series, period by period.

    Parameters
    ----------
    truth : mapping
        The council's ``truth.json`` (``SyntheticCouncil.truth``).
    measure : str
        Measure identifier.
    panel : pandas.DataFrame
        The council's rollout panel of the measure (``wave``, ``period_index``,
        ``denominator``; ``attrs["period"]``), as the report builds it.

    Returns
    -------
    pandas.Series
        Period index -> sum over waves of (the wave's share of the denominator) x (its
        pupil-weighted planted effect), zero for waves not yet started.

    Raises
    ------
    OptionError
        When the truth lacks the measure at the panel's grain.
    """
    grain = _grain(panel)
    block = _council_truth_block(truth, measure, grain)
    cells = pd.DataFrame(block["by_wave_event_time"])
    effect = {(int(w), int(t)): float(x) for w, t, x in zip(
        cells["wave"], cells["period_index"], cells["effect_pupil_weighted"], strict=True)}
    den = panel.groupby(["period_index", "wave"])["denominator"].sum().reset_index()
    planted = [effect.get((int(w), int(t)), 0.0)
               for w, t in zip(den["wave"], den["period_index"], strict=True)]
    shifted = (den["denominator"] * np.asarray(planted)).groupby(den["period_index"]).sum()
    total = den.groupby("period_index")["denominator"].sum()
    out = (shifted / total).rename(measure)
    out.index = out.index.astype(int)
    return out.sort_index()


def council_external_truth(truth: Mapping[str, Any], measure: str, panel: pd.DataFrame,
                           periods: Sequence[int]) -> float:
    """Return what the council-against-other-authorities estimate targets over ``periods``.

    Parameters
    ----------
    truth, measure, panel
        As for :func:`council_effect_by_period`.
    periods : sequence of int
        The treated periods the estimate averages over (for example the ``time`` of the
        ``post`` rows of ``SynthDidResult.event_effects``).

    Returns
    -------
    float
        The mean of :func:`council_effect_by_period` over ``periods``, each period weighted
        equally (as synthetic DiD weights its treated periods).
    """
    by_period = council_effect_by_period(truth, measure, panel)
    return float(by_period.reindex([int(t) for t in periods]).mean())


def council_panels(frames: Mapping[str, pd.DataFrame],
                   measures: Sequence[str] = NATIONAL_MEASURES) -> dict[str, pd.DataFrame]:
    """Return the council's rollout panels of ``measures`` as its impact report builds them.

    The report's defaults: school level, each measure's own grain, the next-full-period
    rollout rule, the schools the programme serves.

    Parameters
    ----------
    frames : mapping of str to pandas.DataFrame
        The council's input tables (``SyntheticCouncil.tables``).
    measures : sequence of str
        Measure identifiers (default :data:`NATIONAL_MEASURES`).

    Returns
    -------
    dict of str to pandas.DataFrame
        Measure -> its school x period panel (:func:`eah_eval.measures.rollout_panel`).
    """
    from eah_eval.measures import open_tables, rollout_panel  # deferred: heavy
    from eah_eval.measures.programme import ProgrammeScope

    ts = open_tables(dict(frames))
    return {m: rollout_panel(ts, m, scope=ProgrammeScope()) for m in measures}


def _periods(panel: pd.DataFrame) -> pd.DataFrame:
    partial = set(panel.attrs.get("partial_period_indexes", ()) or ())
    p = panel[~panel["period_index"].isin(partial)]
    return (p.drop_duplicates("period_index")[["period_index", "period"]]
            .sort_values("period_index").reset_index(drop=True))


def _season_year(index: np.ndarray, grain: str) -> tuple[np.ndarray, np.ndarray]:
    if grain == "term":
        return index % 3, index // 3
    return np.zeros_like(index), index


def _calibrate(series: pd.Series, grain: str) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Level, seasonal pattern (by season key), the path over the years and residual spread.

    The path is a quadratic in the year (a national path that bends, such as absence falling
    after the pandemic and levelling off), centred on the window; ``path[i]`` is its value in
    the i-th period of ``series``.
    """
    idx = series.index.to_numpy(dtype=np.int64)
    k, year = _season_year(idx, grain)
    keys = np.unique(k)
    y = (year - year.mean()).astype(float)
    x = np.column_stack([(k == j).astype(float) for j in keys] + [y, y ** 2])
    coef, *_ = np.linalg.lstsq(x, series.to_numpy(dtype=float), rcond=None)
    resid = series.to_numpy(dtype=float) - x @ coef
    season = np.zeros(3)
    season[keys] = coef[:len(keys)] - coef[:len(keys)].mean()
    years = coef[-2] * y + coef[-1] * y ** 2
    path = years - years.mean()
    level = float(series.mean())
    dof = max(len(series) - x.shape[1], 1)
    spread = float(np.sqrt((resid ** 2).sum() / dof))
    return level, season, path, max(spread, 0.01 * abs(level))


def _first(start: str | None, grain: str, last: int) -> int:
    from eah_eval.measures.rollout import first_treated_period

    if start is None:
        return 0
    g = first_treated_period(pd.Timestamp(start), grain)
    return 0 if g > last else int(g)


def _shift(date: str | None, years: int) -> str | None:
    if date is None:
        return None
    d = dt.date.fromisoformat(date)
    return d.replace(year=d.year + years).isoformat()


def make_national_for_council(
    panels: Mapping[str, pd.DataFrame],
    truth: Mapping[str, Any],
    *,
    la_code: str,
    start: str,
    n_authorities: int = 150,
    schools_per_authority: float = 100.0,
    seed: int = DEFAULT_NATIONAL_SEED,
) -> SyntheticNational:
    """Draw the other authorities of a council's comparison, calibrated to its own data.

    Parameters
    ----------
    panels : mapping of str to pandas.DataFrame
        The council's rollout panels by measure (:func:`council_panels`); each measure's grain
        and complete periods become the national panel's.
    truth : mapping
        The council's truth (its planted effect, removed before calibrating, and the other
        authorities' effect by event time).
    la_code, start : str
        The council's LA code and programme start (its first go-live, ``YYYY-MM-DD``).
    n_authorities : int, default 150
        Authorities, the council included.
    schools_per_authority : float, default 100
        Mean schools per authority (at least 3 each).
    seed : int
        Seed of the generator's own random numbers (the council's tables do not change).

    Returns
    -------
    SyntheticNational
        ``panel`` holds the other authorities only (local-authority rows); ``programme`` and
        ``neighbours`` list the council too; ``truth["measures"]`` the truth by measure
        (:data:`TRUTH_RULE`).

    Raises
    ------
    OptionError
        For fewer than 20 authorities, fewer than three schools per authority, an LA code that
        is not three digits, a start that is not a date, no panels, or a measure the council's
        truth lacks at its grain.

    Notes
    -----
    Start dates follow :func:`eah_eval.data.synthetic.national.make_national` (74% start on
    term starts over four years, 20% after the window, 6% with no start recorded although
    they started), moved by whole years so that the window's last year is followed by the
    late starters' year.
    """
    if n_authorities < 20:
        raise OptionError(f"n_authorities must be at least 20; got {n_authorities}")
    if schools_per_authority < 3:
        raise OptionError(f"schools_per_authority must be at least 3; got "
                          f"{schools_per_authority}")
    if not (isinstance(la_code, str) and len(la_code) == 3 and la_code.isdigit()):
        raise OptionError(f"la_code must be three digits such as '839'; got {la_code!r}")
    try:
        dt.date.fromisoformat(start)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"start must be a date YYYY-MM-DD; got {start!r}") from exc
    if not panels:
        raise OptionError("panels must hold at least one measure's panel")
    rng = np.random.default_rng(seed)
    others = rng.choice(np.setdiff1d(np.arange(201, 939), [int(la_code)]),
                        size=n_authorities - 1, replace=False)
    codes = np.sort(np.r_[int(la_code), others]).astype(str)
    council = codes == la_code
    last_year = max(int(str(p["period"].max())[:4]) for p in panels.values()
                    if _grain(p) in ("term", "academic_year"))
    shift = last_year - 2027
    pick = rng.choice(len(START_CHOICES), size=n_authorities, p=[p for _, p in START_CHOICES])
    starts = np.array([_shift(START_CHOICES[i][0], shift) for i in pick], dtype=object)
    starts[council] = start
    hidden = np.array([s is None for s in starts])
    hidden_starts = np.array([_shift(s, shift) for s in
                              rng.choice(HIDDEN_STARTS, size=n_authorities)], dtype=object)
    true_start = np.where(hidden, hidden_starts, starts)
    z = rng.normal(0.0, 1.0, n_authorities)
    z[council] = 0.0
    n_schools = np.maximum(3, rng.poisson(schools_per_authority, n_authorities))
    n_schools[council] = 0
    school_la = np.repeat(np.arange(n_authorities), n_schools)
    n_s = len(school_la)
    secondary = rng.random(n_s) < 0.17
    enrol = np.round(np.where(secondary, rng.lognormal(np.log(950), 0.3, n_s),
                              rng.lognormal(np.log(260), 0.35, n_s))).astype(np.int64)
    other = np.flatnonzero(~council)
    rows: list[pd.DataFrame] = []
    measures_truth: dict[str, Any] = {}
    for k, (mid, panel) in enumerate(panels.items()):
        if mid not in _KINDS:
            raise OptionError(f"no national model for measure {mid!r}; expected one of "
                              f"{', '.join(_KINDS)}")
        sub = np.random.default_rng([seed, k + 1])
        grain = _grain(panel)
        periods = _periods(panel)
        t_idx = periods["period_index"].to_numpy(dtype=np.int64)
        last = int(t_idx.max())
        den_kind, draw, school_sd, sec_factor, la_sd = _KINDS[mid]
        multiplier = float(panel.attrs.get("multiplier", 0) or 0) or _multiplier(mid)
        la_rows = panel.groupby("period_index")[["numerator", "denominator"]].sum()
        observed = multiplier * la_rows["numerator"] / la_rows["denominator"]
        planted = council_effect_by_period(truth, mid, panel)
        without = (observed - planted.reindex(observed.index).fillna(0.0)).reindex(t_idx)
        level, season, years, spread = _calibrate(without, grain)
        key, _ = _season_year(t_idx, grain)
        path = season[key] + years
        block = _council_truth_block(truth, mid, grain)
        by_e = {int(r["event_time"]): float(r["effect_pupil_weighted"])
                for r in block["by_event_time"] if r["effect_pupil_weighted"] is not None}
        top = max(by_e)
        g = np.array([_first(s, grain, last) for s in true_start])
        g[council] = _first(start, grain, last)
        early = np.where(g > 0, (last - g) / max(len(t_idx), 1), 0.0)
        la_level = level * (1 + la_sd * (0.6 * z + 0.8 * sub.normal(0, 1, n_authorities))
                            + 0.05 * early)
        f = np.exp(sub.normal(0.0, school_sd, n_s)) * np.where(secondary, sec_factor, 1.0)
        wmean = np.bincount(school_la, weights=f * enrol, minlength=n_authorities) / np.maximum(
            np.bincount(school_la, weights=enrol, minlength=n_authorities), 1)
        mu = la_level[school_la] * f / wmean[school_la]
        shock = sub.normal(0.0, spread, (n_authorities, len(t_idx)))
        e = t_idx[None, :] - g[school_la][:, None]
        treated = (g[school_la][:, None] > 0) & (e >= 0)
        by_step = np.array([by_e.get(i, 0.0) for i in range(top + 1)])
        eff = np.where(treated, by_step[np.clip(e, 0, top)], 0.0)
        rate = np.clip(mu[:, None] + path[None, :] + shock[school_la] + eff, 0.0, multiplier)
        if den_kind == "sessions":
            den = enrol[:, None] * np.array(_SESSIONS)[key][None, :]
        elif den_kind == "year6":
            den = np.where(secondary, 0, np.round(enrol / 7.0))[:, None] * np.ones(len(t_idx))
        else:
            den = enrol[:, None] * np.ones(len(t_idx))
        den = den.astype(np.int64)
        if draw == "binomial":
            num = sub.binomial(den, rate / multiplier)
        else:
            num = sub.poisson(rate * den / multiplier)
        la_num = np.zeros((n_authorities, len(t_idx)))
        la_den = np.zeros((n_authorities, len(t_idx)))
        np.add.at(la_num, school_la, num)
        np.add.at(la_den, school_la, den)
        frame = pd.DataFrame({
            "level": "local_authority", "area_code": np.repeat(codes[other], len(t_idx)),
            "la_code": np.repeat(codes[other], len(t_idx)), "period_type": grain,
            "period": np.tile(periods["period"].astype(str).to_numpy(dtype=object),
                              len(other)),
            "period_index": np.tile(t_idx, len(other)), "measure": mid,
            "numerator": la_num[other].ravel(), "denominator": la_den[other].ravel()})
        frame["value"] = multiplier * frame["numerator"] / frame["denominator"]
        rows.append(frame)
        known = other[~hidden[other] & (g[other] > 0)]
        cells = [by_e.get(min(int(t - g[a]), top), 0.0) for a in known for t in t_idx
                 if t >= g[a]]
        measures_truth[mid] = MappingProxyType({
            "grain": grain,
            "effect_by_event_time": MappingProxyType(by_e),
            "simple_others": float(np.mean(cells)) if cells else None,
            "first_treated": MappingProxyType(
                {str(c): int(x) for c, x, h in zip(codes, g, hidden, strict=True) if not h}),
            "hidden_first_treated": MappingProxyType(
                {str(c): int(x) for c, x, h in zip(codes, g, hidden, strict=True) if h}),
            "calibration": MappingProxyType({
                "level": level, "season": [float(x) for x in season],
                "path_by_period": {int(t): float(v) for t, v in zip(t_idx, years, strict=True)},
                "shock_sd": spread}),
        })
    panel_out = pd.concat(rows, ignore_index=True).sort_values(
        ["measure", "area_code", "period_index"], kind="stable").reset_index(drop=True)
    programme = pd.DataFrame({
        "la_code": codes,
        "la_name": [("Synthetic council" if c else "Synthetic authority") + f" {x}"
                    for x, c in zip(codes, council, strict=True)],
        "new_la_code": [f"E{6000000 + i + 1:08d}" for i in range(n_authorities)],
        "programme_start": pd.to_datetime(pd.Series(starts, dtype=object), format="%Y-%m-%d"),
        "start_source": np.where(hidden, "", np.where(council, "council clusters",
                                                        "synthetic")),
    })
    dist = np.abs(z[:, None] - z[None, :])
    np.fill_diagonal(dist, np.inf)
    near = np.argsort(dist, axis=1, kind="stable")[:, :N_NEIGHBOURS]
    neighbours = pd.DataFrame({
        "la_code": np.repeat(codes, N_NEIGHBOURS),
        "neighbour_la_code": codes[near.ravel()],
        "rank": np.tile(np.arange(1, N_NEIGHBOURS + 1), n_authorities).astype(np.int64),
    })
    out_truth = MappingProxyType({
        "council_la_code": la_code,
        "council_rows": "not in area_panel: the impact report adds them from the council's "
                        "own tables; the council's truth is in its truth.json",
        "measures": MappingProxyType(measures_truth),
        "rule": TRUTH_RULE,
    })
    parameters = MappingProxyType({
        "la_code": la_code, "start": start, "n_authorities": n_authorities,
        "schools_per_authority": schools_per_authority, "measures": list(panels),
        "start_shift_years": shift, "n_schools": int(n_s)})
    return SyntheticNational(panel=panel_out, programme=programme, neighbours=neighbours,
                             truth=out_truth, seed=seed, parameters=parameters)


def _multiplier(measure: str) -> float:
    from eah_eval.measures import get_measure

    return float(get_measure(measure).multiplier)


def write_national_for_council(council: Any, out_dir: str | Path,
                               seed: int = DEFAULT_NATIONAL_SEED, **kwargs: Any,
                               ) -> SyntheticNational:
    """Draw the other authorities beside a synthetic council and write them to ``out_dir``.

    What ``eah-eval demo-data`` writes as ``national/``: the council's LA code (from its
    schools) and first go-live (from its clusters), its panels built as its report builds
    them (:func:`council_panels`), the other authorities drawn beside them.

    Parameters
    ----------
    council : SyntheticCouncil
        The council (its ``tables`` and ``truth``).
    out_dir : str or pathlib.Path
        Folder to write (``area_panel.csv``, ``area_programme.csv``,
        ``statistical_neighbours.csv``, ``truth.json``).
    seed : int
        Seed of the national draw.
    **kwargs
        Any other :func:`make_national_for_council` parameter.

    Returns
    -------
    SyntheticNational
        What was written.
    """
    tables = council.tables
    la_code = str(tables["schools"]["la_code"].iloc[0])
    start = pd.Timestamp(tables["clusters"]["go_live_date"].min()).strftime("%Y-%m-%d")
    nat = make_national_for_council(council_panels(tables), council.truth, la_code=la_code,
                                    start=start, seed=seed, **kwargs)
    nat.write(out_dir)
    return nat
