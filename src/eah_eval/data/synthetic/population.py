"""Pupils of the synthetic council, year by year: rolls, SEN status and statutory requests.

One loop over academic years (vectorised inside) moves pupils through year groups, from primary
to secondary, between schools, into special schools and out of the council, and draws the
statutory EHC needs-assessment requests whose issued plans turn SEN support into EHC plans at
the next January census. Everything else pupil-level (attendance, suspensions, attainment) is
drawn afterwards from the pupil-year rows made here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from eah_eval.data.synthetic.effects import EffectSpec
from eah_eval.data.synthetic.layout import Calendar, Layout, weekday_days

NEVER = np.int64(10**7)  # a day number far beyond any window
ETHNICITY: tuple[str, ...] = ("white", "mixed", "asian", "black", "chinese", "other",
                              "unclassified")
_ETH_P = np.array([0.80, 0.06, 0.05, 0.025, 0.005, 0.02, 0.04])
_EAL_P = np.array([0.05, 0.15, 0.6, 0.4, 0.7, 0.6, 0.1])
#: SEN support share by year group 0 (reception) .. 13 in mainstream, before the yearly drift.
_K_TARGET = np.array([0.08, 0.11, 0.13, 0.15, 0.16, 0.17, 0.17, 0.15, 0.14, 0.13, 0.12, 0.115,
                      0.07, 0.06, 0.06])
#: Primary need codes and their shares among SEN support (K) and EHC plan (E) pupils.
NEEDS: tuple[str, ...] = ("SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD",
                          "ASD", "OTH", "NSA")
_NEED_K = np.array([11, 18, 1, 0.3, 20, 24, 1.5, 1, 0.2, 3, 10, 5, 5.0])
_NEED_E = np.array([3, 7, 8, 2, 15, 17, 2, 1, 0.5, 4, 33, 3, 4.5])
_NEED_K_CDF = np.cumsum(_NEED_K) / _NEED_K.sum()
_NEED_E_CDF = np.cumsum(_NEED_E) / _NEED_E.sum()
YG_RANGE = {"primary": (0, 6), "secondary": (7, 13), "special": (1, 14)}


@dataclass(frozen=True)
class Population:
    """Pupil-year rows, pupil attributes and statutory requests."""

    py: pd.DataFrame
    pupils: dict[str, np.ndarray]
    ehc: pd.DataFrame
    ehc_cells: pd.DataFrame  # truth cells for ehc_requests_per_1000


def _new_pupils(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    eth = rng.choice(len(ETHNICITY), size=n, p=_ETH_P / _ETH_P.sum())
    u = rng.random((n, 8))
    z = rng.standard_normal((n, 6))
    return {
        "male": u[:, 0] < 0.51,
        "eth": eth,
        "eal": u[:, 1] < _EAL_P[eth],
        "need": z[:, 0],
        "fsm_lat": z[:, 1],
        "abs_lat": z[:, 2],
        "severe": u[:, 2] < 0.018,
        "frail": rng.gamma(0.35, 1 / 0.35, n),
        "ability": z[:, 3] - 0.4 * z[:, 0],
        "unauth_lat": z[:, 4],
        "u_ident": u[:, 3],
        "u_ks2": u[:, 4],
        "u_need": u[:, 5],
        "x_year": u[:, 6] < 0.25,
        "plan_day": np.full(n, NEVER, dtype=np.int64),
        "next_ok": np.full(n, -NEVER, dtype=np.int64),
    }


def _e_prior(yg: np.ndarray) -> np.ndarray:
    """Share with an EHC plan at entry, mainstream, by year group."""
    return np.minimum(0.03, 0.006 + 0.0032 * yg)


def _choose_in(rng: np.random.Generator, candidates: list[np.ndarray], key: np.ndarray,
               fallback: np.ndarray) -> np.ndarray:
    """For each element pick uniformly from ``candidates[key]`` (or ``fallback`` if empty)."""
    u = rng.random(len(key))
    if len(fallback):
        out = fallback[np.minimum((u * len(fallback)).astype(np.int64), len(fallback) - 1)]
    else:
        out = np.full(len(key), -1, dtype=np.int64)
    for c in range(len(candidates)):
        m = key == c
        if not m.any():
            continue
        pool = candidates[c] if len(candidates[c]) else fallback
        out[m] = pool[np.minimum((u[m] * len(pool)).astype(np.int64), len(pool) - 1)]
    return out


def simulate_population(
    rng: np.random.Generator,
    cal: Calendar,
    layout: Layout,
    *,
    ehc_effect: EffectSpec | None,
    ehc_request_rate: float,
) -> Population:
    """Run the academic-year loop.

    Parameters
    ----------
    rng : numpy.random.Generator
        The council's generator.
    cal, layout : Calendar, Layout
        Window, clusters and schools.
    ehc_effect : EffectSpec or None
        True effect on EHC needs-assessment requests (None = no effect).
    ehc_request_rate : float
        Untreated requests per 1,000 mainstream pupils per year (approximate target).
    """
    s = layout.schools
    n_lin = len(s)
    phase = s["phase"].to_numpy()
    cluster = s["cluster"].to_numpy()
    cohort = s["cohort"].to_numpy()
    sixth = s["sixth_form"].to_numpy()
    open_a = s["open_a"].to_numpy()
    close_a = s["close_a"].to_numpy()
    mainstream = phase != "special"
    wave_of_lin = layout.clusters["wave"].to_numpy()[cluster]
    g_of_lin = layout.clusters["g_tp"].to_numpy()[cluster]
    n_cl = len(layout.clusters)
    prim = np.flatnonzero(phase == "primary")
    sec = np.flatnonzero(phase == "secondary")
    spec = np.flatnonzero(phase == "special")
    # request hazard for SEN support pupils, scaled to the target rate (about 14% on support)
    h_k = ehc_request_rate / 1000.0 / 0.16
    h_n = h_k / 30.0

    pupils: dict[str, np.ndarray] = {}
    n_pupils = 0

    def add_pupils(lin_new: np.ndarray, yg_new: np.ndarray) -> np.ndarray:
        nonlocal pupils, n_pupils
        k = len(lin_new)
        attrs = _new_pupils(rng, k)
        is_spec = phase[lin_new] == "special"
        prior = np.where(is_spec, 0.93, _e_prior(yg_new))
        attrs["plan_day"] = np.where(
            np.where(is_spec, attrs["u_need"] < prior, attrs["need"] > norm.ppf(1 - prior)),
            np.int64(-1), NEVER,
        )
        if is_spec.any():  # special school pupils have high needs
            attrs["need"] = np.where(is_spec, np.abs(attrs["need"]) + 1.0, attrs["need"])
        ids = np.arange(n_pupils, n_pupils + k)
        n_pupils += k
        pupils = {key: np.concatenate([pupils[key], v]) if pupils else v
                  for key, v in attrs.items()}
        return ids

    # initial roll
    tot_primary_cohort = cohort[prim].sum()
    sec_cohort = 0.92 * tot_primary_cohort / max(1, len(sec))
    lins, ygs = [], []
    for i in range(n_lin):
        if open_a[i] > 0:
            continue
        lo, hi = YG_RANGE[phase[i]]
        for yg in range(lo, hi + 1):
            if phase[i] == "secondary":
                mean = sec_cohort * (0.55 if yg >= 12 else 1.0)
                if yg >= 12 and not sixth[i]:
                    continue
            else:
                mean = cohort[i]
            k = int(rng.poisson(mean))
            lins.append(np.full(k, i))
            ygs.append(np.full(k, yg))
    cur_lin = np.concatenate(lins).astype(np.int64)
    cur_yg = np.concatenate(ygs).astype(np.int64)
    cur_pid = add_pupils(cur_lin, cur_yg)

    rows: list[pd.DataFrame] = []
    req_parts: list[dict[str, np.ndarray]] = []
    cell_parts: list[pd.DataFrame] = []
    for a in range(cal.n_years):
        n_rows = len(cur_pid)
        census = cal.census_day[a]
        is_main = mainstream[cur_lin]
        # FSM: persistent latent with yearly churn and a rising trend
        fsm = (0.9 * pupils["fsm_lat"][cur_pid] + 0.436 * rng.standard_normal(n_rows)
               > norm.ppf(1 - (0.21 + 0.008 * a)))
        male = pupils["male"][cur_pid]
        e_now = pupils["plan_day"][cur_pid] <= census
        score = (0.8 * pupils["need"][cur_pid] + 0.6 * rng.standard_normal(n_rows)
                 + 0.25 * male + 0.35 * fsm)
        target = _K_TARGET[np.minimum(cur_yg, 14)] + 0.001 * a
        e_share = _e_prior(cur_yg)
        thr = 0.205 + 1.02 * norm.ppf(np.clip(1 - target - e_share, 0.01, 0.99))
        k_now = ~e_now & np.where(is_main, score > thr, True)
        sen = np.where(e_now, 2, np.where(k_now, 1, 0)).astype(np.int8)
        rows.append(pd.DataFrame({
            "pid": cur_pid, "lin": cur_lin, "a": np.full(n_rows, a), "yg": cur_yg,
            "sen_cf": sen, "fsm": fsm,
        }))

        # statutory requests, term by term
        headcount = np.bincount(cur_lin, minlength=n_lin)
        yg_factor = np.where(cur_yg <= 6, 1.15, np.where(cur_yg <= 11, 0.8, 0.3))
        for k in range(3):
            tp = 3 * a + k
            t0 = cal.term_start[tp]
            pd_now = pupils["plan_day"][cur_pid]
            ok = is_main & (pd_now > t0) & (pupils["next_ok"][cur_pid] <= t0)
            h = np.where(ok, np.where(sen == 1, h_k, h_n) * yg_factor / 3.0, 0.0)
            mult = np.ones(n_rows)
            shift_cell = np.zeros(n_lin)
            if ehc_effect is not None:
                e_lin = tp - g_of_lin
                treated_lin = mainstream & (e_lin >= 0)
                eff = np.where(
                    treated_lin,
                    ehc_effect.size * ehc_effect.fraction(e_lin)
                    * ehc_effect.wave_multiplier(wave_of_lin),
                    0.0,
                )
                hsum = np.bincount(cur_lin, weights=h, minlength=n_lin)
                if ehc_effect.scale == "relative":
                    m_lin = 1.0 + eff
                else:  # size in requests per 1,000 pupils per year
                    with np.errstate(divide="ignore", invalid="ignore"):
                        hbar = np.where(headcount > 0, hsum / np.maximum(headcount, 1), 0.0)
                        m_lin = np.where(hbar > 0, 1.0 + eff / 3000.0 / hbar, 1.0)
                m_lin = np.maximum(m_lin, 0.0)
                mult = m_lin[cur_lin]
                shift_cell = 1000.0 * np.bincount(
                    cur_lin, weights=h * (mult - 1.0), minlength=n_lin
                ) / np.maximum(headcount, 1)
            present = headcount > 0
            cell_parts.append(pd.DataFrame({
                "lin": np.flatnonzero(present), "tp": tp,
                "n": headcount[present], "shift": shift_cell[present],
            }))
            hit = rng.random(n_rows) < h * mult
            idx = np.flatnonzero(hit)
            m = len(idx)
            if m == 0:
                continue
            pid = cur_pid[idx]
            received = weekday_days(rng, np.full(m, cal.school_lo[tp]),
                                    np.full(m, cal.school_hi[tp]))
            u = rng.random((m, 4))
            decision = np.where(u[:, 0] < 0.72, 0, np.where(u[:, 0] < 0.96, 1, 2))
            decision_day = received + 14 + np.round(rng.gamma(4.0, 6.0, m)).astype(np.int64)
            exception = u[:, 1] < 0.06
            weeks = np.exp(rng.normal(np.log(20.3), 0.22, m)) * np.where(exception, 1.4, 1.0)
            plan_day = np.maximum(received + np.round(7 * weeks).astype(np.int64),
                                  decision_day + 14)
            plan = (decision == 0) & (u[:, 2] < 0.9)
            req_parts.append({
                "pid": pid, "lin": cur_lin[idx], "tp": np.full(m, tp), "received": received,
                "decision": decision, "decision_day": decision_day, "plan": plan,
                "plan_day": plan_day, "exception": exception,
            })
            pupils["plan_day"][pid] = np.where(plan, plan_day, pupils["plan_day"][pid])
            pupils["next_ok"][pid] = received + 365

        if a == cal.n_years - 1:
            break
        # ---- year end: move everyone on ----
        nxt = a + 1
        yg1 = cur_yg + 1
        u = rng.random((n_rows, 4))
        ph = phase[cur_lin]
        stay = u[:, 0] >= 0.03  # 3% leave the council each year
        dest = cur_lin.copy()
        end_primary = (ph == "primary") & (yg1 == 7)
        end_sec = (ph == "secondary") & ((yg1 == 14) | ((yg1 == 12) & ~(sixth[cur_lin]
                                                                         & (u[:, 1] < 0.55))))
        end_spec = (ph == "special") & (yg1 > 14)
        stay &= ~end_sec & ~end_spec
        # primary leavers: to a secondary, mostly in their cluster
        to_sec = stay & end_primary & (u[:, 1] < 0.92)
        stay &= ~end_primary | to_sec
        plan_now = pupils["plan_day"][cur_pid] <= cal.term_end[3 * a + 2]
        to_spec = stay & (ph != "special") & plan_now & (u[:, 2] < np.where(end_primary, 0.25,
                                                                              0.06))
        to_spec &= len(spec) > 0
        open_next = (open_a <= nxt) & (close_a >= nxt)
        sec_by_cl = [sec[(cluster[sec] == c) & open_next[sec]] for c in range(n_cl)]
        sec_open = sec[open_next[sec]]
        same_cl = u[:, 3] < 0.85
        key = np.where(same_cl, cluster[cur_lin], -1)
        dest = np.where(to_sec, _choose_in(rng, sec_by_cl, key, sec_open), dest)
        spec_open = spec[open_next[spec]] if len(spec) else spec
        if len(spec_open):
            dest = np.where(to_spec, spec_open[rng.integers(0, len(spec_open), n_rows)], dest)
        # moves within the council (same phase) and pupils of a closing school
        mover = stay & ~to_sec & ~to_spec & (rng.random(n_rows) < 0.015)
        mover |= stay & ~to_sec & ~to_spec & (close_a[cur_lin] == a)
        prim_by_cl = [prim[(cluster[prim] == c) & open_next[prim]] for c in range(n_cl)]
        prim_open = prim[open_next[prim]]
        mp = mover & (ph == "primary")
        dest = np.where(mp, _choose_in(rng, prim_by_cl, np.where(rng.random(n_rows) < 0.6,
                                                                  cluster[cur_lin], -1),
                                       prim_open), dest)
        ms = mover & (ph == "secondary")
        if len(sec_open):
            dest = np.where(ms, sec_open[rng.integers(0, len(sec_open), n_rows)], dest)
        keep = stay
        nxt_pid = cur_pid[keep]
        nxt_lin = dest[keep]
        nxt_yg = yg1[keep]
        # intake and arrivals
        lins, ygs = [], []
        decline = 1.0 - 0.01 * nxt  # falling primary rolls
        for i in range(n_lin):
            if not open_next[i]:
                continue
            lo, hi = YG_RANGE[phase[i]]
            for yg in range(lo, hi + 1):
                if phase[i] == "primary":
                    if open_a[i] == nxt:
                        mean = cohort[i] * 0.6 if yg <= 2 else 0.0
                    elif yg == 0:
                        mean = cohort[i] * decline
                    else:
                        mean = cohort[i] * 0.035
                elif phase[i] == "secondary":
                    if yg >= 12 and not sixth[i]:
                        continue
                    mean = cohort[i] * (0.15 if yg == 7 else 0.1 if yg == 12 else 0.035)
                else:
                    mean = cohort[i] * 0.05
                k = int(rng.poisson(mean)) if mean > 0 else 0
                if k:
                    lins.append(np.full(k, i))
                    ygs.append(np.full(k, yg))
        if lins:
            new_lin = np.concatenate(lins).astype(np.int64)
            new_yg = np.concatenate(ygs).astype(np.int64)
            new_pid = add_pupils(new_lin, new_yg)
            nxt_pid = np.concatenate([nxt_pid, new_pid])
            nxt_lin = np.concatenate([nxt_lin, new_lin])
            nxt_yg = np.concatenate([nxt_yg, new_yg])
        cur_pid, cur_lin, cur_yg = nxt_pid, nxt_lin, nxt_yg

    py = pd.concat(rows, ignore_index=True)
    py["age"] = py["yg"] + 4
    py["mainstream"] = mainstream[py["lin"].to_numpy()]
    if req_parts:
        ehc = pd.DataFrame({k: np.concatenate([p[k] for p in req_parts]) for k in req_parts[0]})
    else:
        ehc = pd.DataFrame({k: np.array([], dtype=np.int64) for k in
                            ["pid", "lin", "tp", "received", "decision", "decision_day",
                             "plan", "plan_day", "exception"]})
    return Population(py=py, pupils=pupils, ehc=ehc,
                      ehc_cells=pd.concat(cell_parts, ignore_index=True))


def need_codes(u_need: np.ndarray, sen: np.ndarray) -> np.ndarray:
    """Primary need code for pupils with SEN support (1) or a plan (2); "" for none (0)."""
    codes = np.array(NEEDS, dtype=object)
    k = np.minimum(np.searchsorted(_NEED_K_CDF, u_need), len(NEEDS) - 1)
    e = np.minimum(np.searchsorted(_NEED_E_CDF, u_need), len(NEEDS) - 1)
    return np.where(sen == 2, codes[e], np.where(sen == 1, codes[k], ""))
