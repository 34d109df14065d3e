"""A synthetic national panel: about 150 authorities starting Experts at Hand at different dates.

The council's own clusters stop being a comparison once its last wave goes live; other
authorities, starting later, can take over. :func:`make_national` draws a panel of England-like
authorities (the demo council among them, under its LA code and its first go-live date) with
their schools, a measure by term, staggered programme starts, statistical neighbours and a
known effect by event time. It uses its own random generator, so the council's tables do not
change when it is drawn.

Model (school ``s`` in authority ``a``, term ``t``, first treated term ``g_a``)::

    rate_st = mu_s + gamma_t + u_at + e_st + effect(t - g_a) 1{t >= g_a}

``mu_s`` = authority level + school deviation (authorities starting earlier start higher: levels
may differ, trends may not); ``gamma_t`` a national path (seasonality, a pandemic bump, a
trend); ``u_at`` an authority-by-term shock shared by its schools (so the authority is the
cluster); ``e_st`` school noise shrinking with enrolment; ``effect(e) = effect_start +
effect_slope x min(e, effect_cap)``. Counts are ``numerator = round(rate x enrolment / 100)``
and the published value is ``100 x numerator / enrolment``. The authority rows are the
enrolment-weighted aggregates of their schools (sums of numerators and denominators).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from eah_eval import __version__
from eah_eval.data.periods import term_index, term_label, term_of
from eah_eval.errors import OptionError, check_option

__all__ = [
    "DEFAULT_NATIONAL_SEED",
    "HIDDEN_STARTS",
    "NATIONAL_LEVELS",
    "N_NEIGHBOURS",
    "START_CHOICES",
    "SyntheticNational",
    "make_national",
    "write_national",
]

DEFAULT_NATIONAL_SEED = 20261204
NATIONAL_LEVELS: tuple[str, ...] = ("local_authority", "school")
NationalLevel = Literal["local_authority", "school"]
#: start dates other authorities draw from (first days of terms), with their chances; None =
#: not known to the analyst (a hidden start is drawn and recorded in the truth)
START_CHOICES: tuple[tuple[str | None, float], ...] = (
    ("2024-09-01", 0.14), ("2025-01-01", 0.08), ("2025-09-01", 0.16), ("2026-04-01", 0.08),
    ("2026-09-01", 0.16), ("2027-09-01", 0.12), ("2028-09-01", 0.20), (None, 0.06),
)
#: start dates drawn for the authorities whose start is not recorded
HIDDEN_STARTS = ("2025-09-01", "2026-09-01")
#: statistical neighbours listed per authority (DfE lists ten)
N_NEIGHBOURS = 10
TRUTH_RULE = (
    "event = effect(e) for every cohort (effects depend on event time only); simple = mean of "
    "effect(t - g) over the post-start cells (g, t) inside the window, each cohort weighted by "
    "its number of units at the panel's level, over the authorities with a known start (what "
    "the group-time estimator's 'simple' aggregation targets with equal unit weights)"
)


@dataclass(frozen=True)
class SyntheticNational:
    """A synthetic national panel with its programme starts, neighbours and truth.

    Attributes
    ----------
    panel : pandas.DataFrame
        ``area_panel`` layout (``data_schema/area_panel.schema.json``).
    programme : pandas.DataFrame
        ``area_programme`` layout: one row per authority, ``programme_start`` blank (NaT) where
        not known.
    neighbours : pandas.DataFrame
        ``statistical_neighbours`` layout: ten per authority, closest first.
    truth : Mapping[str, Any]
        ``effect_by_event_time`` (event time -> effect), ``simple`` (see :data:`TRUTH_RULE`),
        ``first_treated`` (LA code -> first treated period index, 0 = not within the window),
        ``hidden_first_treated`` (authorities whose start is not in ``programme``), the rule.
    seed : int
        The seed; the same seed and parameters give the same tables.
    parameters : Mapping[str, Any]
        Every generation parameter.
    """

    panel: pd.DataFrame
    programme: pd.DataFrame
    neighbours: pd.DataFrame
    truth: Mapping[str, Any]
    seed: int
    parameters: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def write(self, out_dir: str | Path) -> Path:
        """Write the three tables as CSV files and ``truth.json`` to ``out_dir``; return it."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.panel.to_csv(out / "area_panel.csv", index=False, lineterminator="\n",
                          float_format="%.6g")
        prog = self.programme.copy()
        prog["programme_start"] = prog["programme_start"].dt.strftime("%Y-%m-%d")
        prog.to_csv(out / "area_programme.csv", index=False, lineterminator="\n")
        self.neighbours.to_csv(out / "statistical_neighbours.csv", index=False,
                               lineterminator="\n")
        record = {"seed": self.seed, "generator": f"eah-eval {__version__}",
                  "parameters": dict(self.parameters), **_jsonable(self.truth)}
        (out / "truth.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _effect(e: np.ndarray, start: float, slope: float, cap: int) -> np.ndarray:
    return np.where(e >= 0, start + slope * np.minimum(np.maximum(e, 0), cap), 0.0)


def _first_term(date: str) -> int:
    ay, term = term_of(dt.date.fromisoformat(date))
    return term_index(ay, term)


def make_national(
    *,
    level: NationalLevel = "local_authority",
    n_authorities: int = 150,
    schools_per_authority: float = 20.0,
    first_year: int = 2018,
    n_years: int = 10,
    measure: str = "absence_persistent_pct",
    demo_la_code: str = "839",
    demo_start: str = "2023-09-01",
    effect_start: float = -1.0,
    effect_slope: float = -0.15,
    effect_cap: int = 6,
    authority_shock_sd: float = 0.6,
    seed: int = DEFAULT_NATIONAL_SEED,
) -> SyntheticNational:
    """Draw a synthetic national panel of authorities (or their schools) by term.

    Parameters
    ----------
    level : {"local_authority", "school"}, default "local_authority"
        Rows of the panel: one per authority and term, or one per school and term.
    n_authorities : int, default 150
        Authorities, the demo council included.
    schools_per_authority : float, default 20
        Mean schools per authority (at least 3 each; about 133 gives 20,000 schools).
    first_year, n_years : int
        Academic years ``first_year/..`` for ``n_years`` years, three terms each (default
        2018/19 to 2027/28, 30 terms).
    measure : str, default "absence_persistent_pct"
        Measure identifier written in the panel (a percentage near 15).
    demo_la_code, demo_start : str
        The demo council's LA code and programme start (its first cluster's go-live).
    effect_start, effect_slope : float
        Effect in percentage points at event time 0 and its change per term after.
    effect_cap : int
        Event time after which the effect stops growing.
    authority_shock_sd : float
        Standard deviation of the authority-by-term shock shared by its schools.
    seed : int
        Seed of the generator's own ``numpy.random.Generator``.

    Returns
    -------
    SyntheticNational

    Raises
    ------
    OptionError
        For a level not in :data:`NATIONAL_LEVELS`, fewer than 20 authorities, fewer than three
        schools per authority, a demo LA code that is not three digits, a demo start outside
        the window or not a date, or fewer than 4 years.

    Notes
    -----
    Starts of the other authorities are drawn from the first days of terms between 2024 and
    2028 (2028-09-01 is after the default window: never treated within it); 6% have no start
    in ``programme`` (not known to the analyst) although they start in 2025 or 2026 (recorded
    under ``hidden_first_treated``), so counting them as never treated would bias an estimate.
    The truth is recorded by event time and for the simple aggregation (:data:`TRUTH_RULE`).

    Examples
    --------
    >>> nat = make_national(n_authorities=30, seed=1)
    >>> nat.panel.columns.tolist()[:4], nat.truth["effect_by_event_time"][0]
    (['level', 'area_code', 'la_code', 'period_type'], -1.0)
    >>> nat.programme.loc[nat.programme.la_code == "839", "programme_start"].iloc[0].date()
    datetime.date(2023, 9, 1)
    """
    check_option("level", level, NATIONAL_LEVELS)
    if n_authorities < 20:
        raise OptionError(f"n_authorities must be at least 20; got {n_authorities}")
    if schools_per_authority < 3:
        raise OptionError(f"schools_per_authority must be at least 3; got "
                          f"{schools_per_authority}")
    if n_years < 4:
        raise OptionError(f"n_years must be at least 4; got {n_years}")
    if not (isinstance(demo_la_code, str) and len(demo_la_code) == 3 and demo_la_code.isdigit()):
        raise OptionError(f"demo_la_code must be three digits such as '839'; got "
                          f"{demo_la_code!r}")
    first_t = 3 * first_year
    n_terms = 3 * n_years
    last_t = first_t + n_terms - 1
    try:
        demo_g = _first_term(demo_start)
    except ValueError as exc:
        raise OptionError(f"demo_start must be a date YYYY-MM-DD; got {demo_start!r}") from exc
    if not first_t < demo_g <= last_t:
        raise OptionError(f"demo_start must fall after the first term and inside the window "
                          f"({term_label(first_t)} to {term_label(last_t)}); got {demo_start}")
    rng = np.random.default_rng(seed)
    others = rng.choice(np.setdiff1d(np.arange(201, 939), [int(demo_la_code)]),
                        size=n_authorities - 1, replace=False)
    codes = np.r_[int(demo_la_code), np.sort(others)].astype(str)
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    demo = codes == demo_la_code
    pick = rng.choice(len(START_CHOICES), size=n_authorities, p=[p for _, p in START_CHOICES])
    starts = np.array([START_CHOICES[i][0] for i in pick], dtype=object)
    starts[demo] = demo_start
    hidden = np.array([s is None for s in starts])
    hidden_starts = rng.choice(HIDDEN_STARTS, size=n_authorities)
    true_start = np.where(hidden, hidden_starts, starts)
    g = np.array([_first_term(str(s)) for s in true_start])
    g = np.where(g > last_t, 0, g)
    # earlier starters start higher: levels may differ with timing, trends may not
    early = np.where(g > 0, (last_t - g) / n_terms, 0.0)
    la_level = 15.0 + rng.normal(0.0, 2.0, n_authorities) + 2.0 * early
    n_schools = np.maximum(3, rng.poisson(schools_per_authority, n_authorities))
    school_la = np.repeat(np.arange(n_authorities), n_schools)
    n_s = len(school_la)
    urns = (100000 + rng.choice(900000, size=n_s, replace=False)).astype(str)
    secondary = rng.random(n_s) < 0.17
    enrol = np.round(np.where(secondary, rng.lognormal(np.log(950), 0.3, n_s),
                              rng.lognormal(np.log(260), 0.35, n_s))).astype(np.int64)
    mu = la_level[school_la] + rng.normal(0.0, 3.0, n_s) + 4.0 * secondary
    t_idx = np.arange(first_t, last_t + 1)
    k = np.arange(n_terms)
    gamma = (np.array([0.0, -1.5, 1.0])[t_idx % 3] + 0.05 * k
             + np.where((t_idx >= 3 * 2020 + 1) & (t_idx <= 3 * 2022 + 2), 4.0, 0.0))
    shock = rng.normal(0.0, authority_shock_sd, (n_authorities, n_terms))
    noise = rng.normal(0.0, 1.0, (n_s, n_terms)) * 2.0 * np.sqrt(250.0 / enrol)[:, None]
    gs = g[school_la]
    e = t_idx[None, :] - gs[:, None]
    treated = (gs[:, None] > 0) & (e >= 0)
    eff = np.where(treated, _effect(e, effect_start, effect_slope, effect_cap), 0.0)
    rate = np.clip(mu[:, None] + gamma[None, :] + shock[school_la] + noise + eff, 0.5, 95.0)
    num = np.round(rate * enrol[:, None] / 100.0)
    labels = pd.Series([term_label(int(t)) for t in t_idx]).to_numpy(dtype=object)
    if level == "school":
        panel = pd.DataFrame({
            "level": "school",
            "area_code": np.repeat(urns, n_terms),
            "la_code": np.repeat(codes[school_la], n_terms),
            "period_type": "term",
            "period": np.tile(labels, n_s),
            "period_index": np.tile(t_idx, n_s).astype(np.int64),
            "measure": measure,
            "numerator": num.ravel(),
            "denominator": np.repeat(enrol, n_terms).astype(float),
        })
        units_per_la = n_schools
    else:
        la_num = np.zeros((n_authorities, n_terms))
        np.add.at(la_num, school_la, num)
        la_den = np.bincount(school_la, weights=enrol, minlength=n_authorities)
        panel = pd.DataFrame({
            "level": "local_authority",
            "area_code": np.repeat(codes, n_terms),
            "la_code": np.repeat(codes, n_terms),
            "period_type": "term",
            "period": np.tile(labels, n_authorities),
            "period_index": np.tile(t_idx, n_authorities).astype(np.int64),
            "measure": measure,
            "numerator": la_num.ravel(),
            "denominator": np.repeat(la_den, n_terms),
        })
        units_per_la = np.ones(n_authorities, dtype=np.int64)
    panel["value"] = 100.0 * panel["numerator"] / panel["denominator"]
    panel = panel.sort_values(["area_code", "period_index"], kind="stable").reset_index(drop=True)
    programme = pd.DataFrame({
        "la_code": codes,
        "la_name": [("Synthetic council" if d else "Synthetic authority") + f" {c}"
                    for c, d in zip(codes, demo, strict=True)],
        "new_la_code": [f"E{6000000 + i + 1:08d}" for i in range(n_authorities)],
        "programme_start": pd.to_datetime(pd.Series(starts, dtype=object), format="%Y-%m-%d"),
        "start_source": np.where(hidden, "", "synthetic"),
    })
    # neighbours: the ten authorities closest in level (a stand-in for DfE's similarity score)
    dist = np.abs(la_level[:, None] - la_level[None, :])
    np.fill_diagonal(dist, np.inf)
    near = np.argsort(dist, axis=1, kind="stable")[:, :N_NEIGHBOURS]
    neighbours = pd.DataFrame({
        "la_code": np.repeat(codes, N_NEIGHBOURS),
        "neighbour_la_code": codes[near.ravel()],
        "rank": np.tile(np.arange(1, N_NEIGHBOURS + 1), n_authorities).astype(np.int64),
    })
    known = ~hidden
    post_weights: dict[int, float] = {}
    for a in np.flatnonzero(known & (g > 0)):
        for ev in range(0, last_t - g[a] + 1):
            post_weights[ev] = post_weights.get(ev, 0.0) + float(units_per_la[a])
    ev_all = np.arange(0, n_terms)
    effects = _effect(ev_all, effect_start, effect_slope, effect_cap)
    simple = (sum(w * effects[ev] for ev, w in post_weights.items())
              / sum(post_weights.values()))
    truth = MappingProxyType({
        "measure": measure,
        "level": level,
        "effect_by_event_time": MappingProxyType(
            {int(ev): float(x) for ev, x in zip(ev_all, effects, strict=True)}),
        "simple": float(simple),
        "first_treated": MappingProxyType(
            {str(c): int(x) for c, x, h in zip(codes, g, hidden, strict=True) if not h}),
        "hidden_first_treated": MappingProxyType(
            {str(c): int(x) for c, x, h in zip(codes, g, hidden, strict=True) if h}),
        "demo_la_code": demo_la_code,
        "demo_first_treated": int(g[demo][0]),
        "rule": TRUTH_RULE,
    })
    parameters = MappingProxyType({
        "level": level, "n_authorities": n_authorities,
        "schools_per_authority": schools_per_authority, "first_year": first_year,
        "n_years": n_years, "measure": measure, "demo_la_code": demo_la_code,
        "demo_start": demo_start, "effect_start": effect_start, "effect_slope": effect_slope,
        "effect_cap": effect_cap, "authority_shock_sd": authority_shock_sd,
        "n_schools": int(n_s),
    })
    return SyntheticNational(panel=panel, programme=programme, neighbours=neighbours,
                             truth=truth, seed=seed, parameters=parameters)


def write_national(out_dir: str | Path, seed: int = DEFAULT_NATIONAL_SEED,
                   **kwargs: Any) -> Path:
    """Draw a national panel (see :func:`make_national`) and write it to ``out_dir``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder to write: ``area_panel.csv``, ``area_programme.csv``,
        ``statistical_neighbours.csv`` and ``truth.json``.
    seed : int
        Seed.
    **kwargs
        Any other :func:`make_national` parameter.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    return make_national(seed=seed, **kwargs).write(out_dir)
