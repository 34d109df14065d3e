"""Pupil-level outcomes of the synthetic council: census, attendance, suspensions, KS2.

Each outcome is drawn from a pupil-level probability or rate. The programme effect enters as a
multiplier on the probabilities of the pupils in a treated school-period *cell*, chosen so that
the cell's expected measure moves by the stated amount; the expected shift of every cell is kept
for ``truth.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binom

from eah_eval.data.synthetic.effects import EffectSpec
from eah_eval.data.synthetic.layout import TERM_SESSIONS, Calendar, Layout, weekday_days
from eah_eval.data.synthetic.population import ETHNICITY, Population, need_codes

YEAR_LABELS = np.array(["R"] + [str(i) for i in range(1, 15)], dtype=object)
#: Council-wide rise of every pupil's suspension rate per academic year since the first
#: (x 1.21 by the eighth year), before any programme effect.
SUSPENSION_TREND_PER_YEAR = 0.03


def background_trends(first_year: int, n_years: int) -> dict[str, dict[str, object]]:
    """Council-wide changes built into the outcomes that are neither effects nor risks.

    Recorded in ``truth.json`` under ``background_trends``: the impact evaluation's
    comparison group removes them, but a chart of one cluster against its own terms before
    go-live sees them, so the monitoring report may show them.
    """
    last = first_year + n_years - 1
    return {
        "suspension_rate": {
            "what": "every pupil's suspension rate rises by "
                    f"{SUSPENSION_TREND_PER_YEAR:.0%} of its first-year level each academic "
                    f"year in every school (x {1 + SUSPENSION_TREND_PER_YEAR * (n_years - 1):.2f}"
                    f" by {last}/{(last + 1) % 100:02d}), before the programme effect",
            "relative_per_year": SUSPENSION_TREND_PER_YEAR,
        },
        "absence_overall_pct": {
            "what": "absence falls after the pandemic: a year effect of 0.12 exp(-year / 2) "
                    "- 0.03 on the logit of every pupil's absence, year 0 the first",
        },
        "phase_mix": {
            "what": "each secondary school starts with the council's average roll per year "
                    "group and then takes its year 7 from its cluster's primary schools, so a "
                    "cluster's share of secondary pupils moves towards its primary intake over "
                    "the first years; suspensions and absence differ by phase, so a "
                    "cluster's recorded rates move with its mix",
        },
    }


@dataclass(frozen=True)
class Outcomes:
    """Pupil-level frames (internal form, dates as day numbers) and truth cells."""

    census: pd.DataFrame
    attendance: pd.DataFrame
    suspensions: pd.DataFrame
    attainment: pd.DataFrame
    cells: dict[str, pd.DataFrame]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _cell_effect(spec: EffectSpec | None, tp: np.ndarray, lin: np.ndarray,
                 layout: Layout) -> np.ndarray:
    """Effect size on the measure scale (or proportion) for each (lin, tp) row; 0 untreated."""
    if spec is None:
        return np.zeros(len(tp))
    s = layout.schools
    cluster = s["cluster"].to_numpy()[lin]
    g = layout.clusters["g_tp"].to_numpy()[cluster]
    wave = layout.clusters["wave"].to_numpy()[cluster]
    main = (s["phase"].to_numpy()[lin] != "special")
    e = tp - g
    out = spec.size * spec.fraction(e) * spec.wave_multiplier(wave)
    return np.where(main & (e >= 0), out, 0.0)


def _group_sum(keys: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=n_groups)


def draw_outcomes(
    rng: np.random.Generator,
    cal: Calendar,
    layout: Layout,
    pop: Population,
    effects: dict[str, EffectSpec],
    *,
    cluster_sd: float = 0.0,
) -> Outcomes:
    """Draw census, attendance, suspensions and attainment from the pupil-year rows.

    ``cluster_sd`` is the standard deviation of a cluster x term shock shared by every school
    of a cluster (logit scale for absence, log scale for suspensions): it makes outcomes within
    a cluster correlated, so that inference has to respect clustering.
    """
    py = pop.py
    pu = pop.pupils
    s = layout.schools
    n_lin = len(s)
    n_terms = cal.n_terms
    school_eff = rng.normal(0.0, 0.15, n_lin)
    school_susp = rng.lognormal(0.0, 0.35, n_lin)
    school_ks2 = rng.normal(0.0, 0.2, n_lin)
    n_cl = len(layout.clusters)
    shock = rng.normal(0.0, 1.0, (n_cl, n_terms, 2)) * cluster_sd
    cl_of = s["cluster"].to_numpy()
    cells: dict[str, pd.DataFrame] = {}

    # ---------------- census with the identification effect ----------------
    lin = py["lin"].to_numpy()
    a = py["a"].to_numpy()
    pid = py["pid"].to_numpy()
    sen_cf = py["sen_cf"].to_numpy()
    n_rows = len(py)
    key_ya = lin * cal.n_years + a
    n_ya = n_lin * cal.n_years
    head = np.bincount(key_ya, minlength=n_ya)
    census_tp = 3 * a + 1
    eff = _cell_effect(effects.get("sen_support_pct"), census_tp, lin, layout)
    sen = sen_cf.copy()
    shift_rows = np.zeros(n_rows)
    if "sen_support_pct" in effects:
        spec = effects["sen_support_pct"]
        share_k = _group_sum(key_ya, (sen_cf == 1).astype(float), n_ya) / np.maximum(head, 1)
        share_n = _group_sum(key_ya, (sen_cf == 0).astype(float), n_ya) / np.maximum(head, 1)
        delta = eff / 100.0 if spec.scale == "absolute" else eff * share_k[key_ya]
        up = delta > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(up, delta / share_n[key_ya], -delta / share_k[key_ya])
        q = np.clip(np.nan_to_num(q), 0.0, 1.0)
        u = pu["u_ident"][pid]
        flip_up = up & (sen_cf == 0) & (u < q)
        flip_down = ~up & (delta < 0) & (sen_cf == 1) & (u < q)
        sen = np.where(flip_up, 1, np.where(flip_down, 0, sen_cf)).astype(np.int8)
        shift_rows = np.where(up & (sen_cf == 0), q, 0.0) - np.where(~up & (sen_cf == 1), q, 0.0)
    present = head > 0
    cells["sen_support_pct"] = pd.DataFrame({
        "lin": np.flatnonzero(present) // cal.n_years,
        "tp": 3 * (np.flatnonzero(present) % cal.n_years) + 1,
        "n": head[present],
        "shift": 100.0 * _group_sum(key_ya, shift_rows, n_ya)[present] / head[present],
    })
    ygl = YEAR_LABELS[py["yg"].to_numpy()]
    special_row = ~py["mainstream"].to_numpy()
    ygl = np.where(special_row & pu["x_year"][pid], "X", ygl)
    census = pd.DataFrame({
        "pid": pid, "lin": lin, "tp": census_tp, "census_day": cal.census_day[a],
        "year_group": ygl, "age": py["age"].to_numpy(), "sen": sen,
        "primary_need": need_codes(pu["u_need"][pid], sen),
        "fsm": py["fsm"].to_numpy(), "eal": pu["eal"][pid],
        "sex": np.where(pu["male"][pid], "M", "F"),
        "ethnicity_group": np.array(ETHNICITY, dtype=object)[pu["eth"][pid]],
    })

    # ---------------- attendance ----------------
    rep = np.repeat(np.arange(n_rows), 3)
    k = np.tile(np.arange(3), n_rows)
    t_lin = lin[rep]
    t_a = a[rep]
    tp = 3 * t_a + k
    t_pid = pid[rep]
    yg = py["yg"].to_numpy()[rep]
    age = yg + 4
    t_sen = sen_cf[rep]
    t_fsm = py["fsm"].to_numpy()[rep]
    main = py["mainstream"].to_numpy()[rep]
    m_t = len(rep)
    full = np.array(TERM_SESSIONS)[k]
    u = rng.random((m_t, 3))
    possible = np.where(u[:, 0] < 0.04, full - 2 * np.floor(u[:, 1] * full * 0.3), full)
    possible = np.where(u[:, 2] < 0.0015, 0, possible).astype(np.int64)
    year_eff = 0.12 * np.exp(-t_a / 2.0) - 0.03
    term_eff = np.array([-0.06, 0.03, 0.02])[k]
    severe = pu["severe"][t_pid]
    logit = (
        -3.42 + 0.25 * (yg >= 7) + 0.15 * (yg >= 10) + 0.45 * (t_sen == 1)
        + 0.6 * (t_sen == 2) + 0.45 * t_fsm + school_eff[t_lin] + year_eff + term_eff
        + 0.3 * ~main + shock[cl_of[t_lin], tp, 0]
        + 0.8 * (0.8 * pu["abs_lat"][t_pid] + 0.6 * rng.standard_normal(m_t))
        + 4.0 * severe
    )
    p = np.minimum(_sigmoid(logit), 0.97)
    elig = (age >= 5) & (age <= 15) & (possible > 0)
    key_t = t_lin * n_terms + tp
    n_t = n_lin * n_terms
    pos_el = np.where(elig, possible, 0).astype(float)
    sum_pos = _group_sum(key_t, pos_el, n_t)
    mult = np.ones(m_t)
    spec_abs = effects.get("absence_overall_pct")
    if spec_abs is not None:
        eff = _cell_effect(spec_abs, tp, t_lin, layout)
        if spec_abs.scale == "absolute":
            pbar = _group_sum(key_t, pos_el * p, n_t) / np.maximum(sum_pos, 1.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                mult = np.where(pbar[key_t] > 0, 1.0 + eff / 100.0 / pbar[key_t], 1.0)
        else:
            mult = 1.0 + eff
        mult = np.maximum(mult, 0.0)
    p1 = np.minimum(p * mult, 0.99)
    # absence comes in whole days: sessions absent = 2 x Binomial(possible days, p)
    absent = 2 * rng.binomial(possible // 2, p1)
    q_un = _sigmoid(-0.9 + 0.8 * pu["unauth_lat"][t_pid] + 0.8 * severe + 0.4 * t_fsm
                    + 0.3 * (yg >= 7))
    unauth = rng.binomial(absent, q_un)
    n_el = _group_sum(key_t, elig.astype(float), n_t)
    pres_t = n_el > 0
    treated_rows = mult != 1.0
    shift_abs = 100.0 * _group_sum(key_t, pos_el * (p1 - p), n_t) / np.maximum(sum_pos, 1.0)
    # expected change of the persistent / severe indicators, over the binomial draw only
    pa_shift = np.zeros(m_t)
    sa_shift = np.zeros(m_t)
    tr = np.flatnonzero(treated_rows & elig)
    if len(tr):
        nn = possible[tr]
        days = nn // 2
        # 2X >= 0.1 n  <=>  X >= ceil(0.05 n) with X ~ Binomial(n / 2, p)
        k10 = np.ceil(0.05 * nn - 1e-9)
        k50 = np.ceil(0.25 * nn - 1e-9)
        pa_shift[tr] = binom.sf(k10 - 1, days, p1[tr]) - binom.sf(k10 - 1, days, p[tr])
        sa_shift[tr] = binom.sf(k50 - 1, days, p1[tr]) - binom.sf(k50 - 1, days, p[tr])
    idx_t = np.flatnonzero(pres_t)
    base = {"lin": idx_t // n_terms, "tp": idx_t % n_terms, "n": n_el[pres_t]}
    cells["absence_overall_pct"] = pd.DataFrame({**base, "shift": shift_abs[pres_t]})
    cells["absence_persistent_pct"] = pd.DataFrame(
        {**base, "shift": 100.0 * _group_sum(key_t, pa_shift, n_t)[pres_t] / n_el[pres_t]})
    cells["absence_severe_pct"] = pd.DataFrame(
        {**base, "shift": 100.0 * _group_sum(key_t, sa_shift, n_t)[pres_t] / n_el[pres_t]})
    auth = absent - unauth
    attendance = pd.DataFrame({
        "pid": t_pid, "lin": t_lin, "tp": tp, "age": age, "possible": possible,
        "auth": auth, "unauth": unauth,
    })

    # ---------------- suspensions ----------------
    male = pu["male"][t_pid]
    base_rate = np.where(yg >= 12, 0.012, np.where(yg >= 7, 0.024, 0.0024))
    base_rate = np.where(main, base_rate, 0.008)
    lam = (base_rate * np.exp(0.9 * (t_sen == 1) + 1.1 * (t_sen == 2) + 0.7 * t_fsm
                              + 0.55 * male)
           * pu["frail"][t_pid] * school_susp[t_lin] * (1.0 + SUSPENSION_TREND_PER_YEAR * t_a)
           * np.array([1.0, 1.1, 0.9])[k] * np.exp(shock[cl_of[t_lin], tp, 1]))
    all_key_sum = _group_sum(key_t, np.ones(m_t), n_t)
    smult = np.ones(m_t)
    spec_s = effects.get("suspension_rate")
    if spec_s is not None:
        eff = _cell_effect(spec_s, tp, t_lin, layout)
        if spec_s.scale == "relative":
            smult = 1.0 + eff
        else:
            lbar = _group_sum(key_t, lam, n_t) / np.maximum(all_key_sum, 1.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                smult = np.where(lbar[key_t] > 0, 1.0 + eff / 100.0 / lbar[key_t], 1.0)
        smult = np.maximum(smult, 0.0)
    lam1 = lam * smult
    count = rng.poisson(lam1)
    pres_all = all_key_sum > 0
    idx_all = np.flatnonzero(pres_all)
    head_cell = _group_sum(key_t, np.ones(m_t), n_t)  # roll in the term = January headcount
    cells["suspension_rate"] = pd.DataFrame({
        "lin": idx_all // n_terms, "tp": idx_all % n_terms, "n": head_cell[pres_all],
        "shift": 100.0 * _group_sum(key_t, lam1 - lam, n_t)[pres_all] / head_cell[pres_all],
    })
    ev = np.repeat(np.arange(m_t), count)
    n_ev = len(ev)
    start = weekday_days(rng, cal.school_lo[tp[ev]], cal.school_hi[tp[ev]])
    u_s = rng.random(n_ev)
    sessions = np.where(u_s < 0.1, 1, 2 * (1 + np.minimum(rng.poisson(0.7, n_ev), 14)))
    susp = pd.DataFrame({
        "pid": t_pid[ev], "lin": t_lin[ev], "tp": tp[ev], "start": start,
        "category": "suspension", "sessions": sessions.astype(float),
    })
    # permanent exclusions: pupils who do not return to the school next year, not at a
    # phase end; dated in the summer term
    nxt = py[["pid", "a", "lin"]].copy()
    nxt["a"] = nxt["a"] - 1
    nxt = nxt.rename(columns={"lin": "lin_next"})
    cont = py[["pid", "a", "lin"]].merge(nxt, on=["pid", "a"], how="left")
    returns = cont["lin_next"].to_numpy() == cont["lin"].to_numpy()
    yg_r = py["yg"].to_numpy()
    phase_end = (yg_r == 6) | (yg_r == 11) | (yg_r >= 13)
    last_year = a == cal.n_years - 1
    closing = s["close_a"].to_numpy()[lin] == a
    cand = ~returns & ~phase_end & ~last_year & ~closing
    p_pex = np.where(~py["mainstream"].to_numpy(), 0.01, np.where(yg_r >= 7, 0.03, 0.004))
    pex = np.flatnonzero(cand & (rng.random(n_rows) < p_pex))
    tp_pex = 3 * a[pex] + 2
    pex_start = weekday_days(rng, cal.school_lo[tp_pex], cal.school_hi[tp_pex] - 30)
    pexf = pd.DataFrame({
        "pid": pid[pex], "lin": lin[pex], "tp": tp_pex, "start": pex_start,
        "category": "permanent_exclusion", "sessions": np.nan,
    })
    suspensions = pd.concat([susp, pexf], ignore_index=True)

    # ---------------- KS2 attainment ----------------
    y6 = (yg_r == 6) & np.isin(cal.first_year + a, [2019, 2020], invert=True)
    ri = np.flatnonzero(y6)
    ab = (pu["ability"][pid[ri]] - 0.9 * (sen_cf[ri] == 1) - 1.9 * (sen_cf[ri] == 2)
          - 0.35 * py["fsm"].to_numpy()[ri] + school_ks2[lin[ri]] + 0.01 * a[ri])
    z = rng.standard_normal((len(ri), 3))
    read = ab + 0.6 * z[:, 0] > -1.08
    write = ab + 0.6 * z[:, 1] > -1.0
    maths = ab + 0.6 * z[:, 2] > -1.06
    rwm = read & write & maths
    key_k = lin[ri] * cal.n_years + a[ri]
    n_k = np.bincount(key_k, minlength=n_ya).astype(float)
    kshift = np.zeros(len(ri))
    spec_k = effects.get("ks2_rwm_expected_pct")
    if spec_k is not None:
        eff = _cell_effect(spec_k, 3 * a[ri] + 2, lin[ri], layout)
        share = _group_sum(key_k, rwm.astype(float), n_ya) / np.maximum(n_k, 1.0)
        delta = eff / 100.0 if spec_k.scale == "absolute" else eff * share[key_k]
        up = delta > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(up, delta / (1.0 - share[key_k]), -delta / share[key_k])
        q = np.clip(np.nan_to_num(q), 0.0, 1.0)
        uk = pu["u_ks2"][pid[ri]]
        lift = up & ~rwm & (uk < q)
        drop = (delta < 0) & rwm & (uk < q)
        read = read | lift
        write = write | lift
        maths = (maths | lift) & ~drop
        kshift = np.where(up & ~rwm, q, 0.0) - np.where((delta < 0) & rwm, q, 0.0)
    pres_k = n_k > 0
    idx_k = np.flatnonzero(pres_k)
    cells["ks2_rwm_expected_pct"] = pd.DataFrame({
        "lin": idx_k // cal.n_years, "tp": 3 * (idx_k % cal.n_years) + 2, "n": n_k[pres_k],
        "shift": 100.0 * _group_sum(key_k, kshift, n_ya)[pres_k] / n_k[pres_k],
    })
    attainment = pd.DataFrame({
        "pid": pid[ri], "lin": lin[ri], "tp": 3 * a[ri] + 2, "a": a[ri],
        "reading": read, "writing": write, "maths": maths,
    })
    return Outcomes(census=census, attendance=attendance, suspensions=suspensions,
                    attainment=attainment, cells=cells)
