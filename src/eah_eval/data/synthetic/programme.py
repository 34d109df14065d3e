"""Experts at Hand records of the synthetic council: workforce, requests, activity and finance.

Nothing here happens in a cluster before its go-live date, except that posts are planned (and
recruited to) from three months before, and no activity is recorded at a school after it
closes. Statutory EHC needs-assessment work appears in the
activity records as ``statutory_assessment`` rows (and in finance as its own cost line) so that
the measures can show they keep it out of Experts at Hand input counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eah_eval.data.synthetic.layout import Calendar, Layout, to_date, weekday_days
from eah_eval.data.synthetic.population import Population

ROLES: tuple[str, ...] = ("educational_psychologist", "speech_language_therapist",
                          "occupational_therapist", "specialist_teacher", "school_practitioner",
                          "inclusion_lead")
#: planned FTE per 1,000 mainstream pupils; months to fill half the gap; annual cost (GBP)
_FTE_PER_1000 = np.array([0.35, 0.35, 0.2, 0.5, 0.6, 0.4])
_LAG = np.array([9.0, 7.0, 6.0, 4.0, 3.0, 2.0])
_COST = np.array([70000.0, 55000.0, 52000.0, 50000.0, 38000.0, 52000.0])
NEED_AREAS: tuple[str, ...] = ("communication_interaction", "cognition_learning", "semh",
                               "sensory_physical")
_NEED_P = np.array([0.35, 0.25, 0.30, 0.10])
#: lead role by need area (rows: need areas; columns: ROLES)
_ROLE_BY_NEED = np.array([
    [0.10, 0.60, 0.00, 0.20, 0.10, 0.00],
    [0.35, 0.00, 0.00, 0.45, 0.20, 0.00],
    [0.35, 0.00, 0.00, 0.15, 0.40, 0.10],
    [0.00, 0.10, 0.70, 0.20, 0.00, 0.00],
])
SUPPORT_TYPES: tuple[str, ...] = ("consultation", "coaching", "training", "modelling",
                                  "specialist_advice", "targeted_activity")
_SUPPORT_P = np.array([0.30, 0.15, 0.10, 0.10, 0.20, 0.15])
_HOURS = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 6.5])
_HOURS_P = np.array([0.15, 0.2, 0.25, 0.1, 0.15, 0.05, 0.1])


#: Risks planted in the delivery records for the monitoring report to find (cluster index ->
#: what is planted); recorded in ``truth.json`` under ``planted_risks``. Each changes only
#: workforce, requests, activity or finance, drawn after every outcome. ``exception`` is what
#: the monitoring report must list for the cluster (series and kind); ``moves`` every series
#: the monitoring report charts that the risk moves in that cluster, and which way
#: (``in_council_totals``: in the all-clusters series too).
PLANTED_RISKS: dict[str, dict[str, object]] = {
    "demand_above_capacity": {
        "cluster": 1,
        "what": "requests grow by 15% of the usual level each term from the start of the "
                "fourth academic year after the first go-live while posts stay at plan; "
                "waits lengthen with the pressure",
        "from_year_offset": 4,
        "growth_per_term": 0.15,
        "exception": {"series": "eah_requests_per_fte", "kind": "special_cause_concern"},
        "moves": {
            "eah_requests_per_school": "up", "eah_requests_per_fte": "up",
            "eah_waiting_at_term_end": "up", "eah_median_days_to_triage": "up",
            "eah_median_days_to_first_support": "up", "eah_expert_days_per_school": "up",
            "eah_expert_days_vs_yardstick_termly_pct": "up",
            "eah_met_without_escalation_pct": "up", "eah_cost_per_request": "down",
        },
        "in_council_totals": True,
    },
    "yardstick_shortfall": {
        "cluster": 2,
        "what": "posts planned at 55% of the usual ratio and whole-school work at a third of "
                "the usual rate: delivery near half the 40/160 yardstick at a usual cost per "
                "day",
        "plan_factor": 0.55,
        "whole_school_factor": 0.33,
        "exception": {"series": "eah_expert_days_vs_yardstick_termly_pct",
                      "kind": "target_missed"},
        "moves": {
            "eah_expert_days_per_school": "down",
            "eah_expert_days_vs_yardstick_termly_pct": "down", "eah_requests_per_fte": "up",
        },
        "in_council_totals": True,
    },
    "cost_outlier": {
        "cluster": 6,
        "what": "practitioner pay costs 45% more (agency staff) from go-live",
        "cost_factor": 1.45,
        "exception": {"series": "eah_cost_per_expert_day", "kind": "cost_outlier"},
        "moves": {"eah_cost_per_expert_day": "up", "eah_cost_per_request": "up"},
        "in_council_totals": True,
    },
}
#: Whole-school work per month relative to the original design, so that delivery meets the
#: 40/160 yardstick once a cluster has ramped up; posts are planned in proportion.
_WHOLE_SCHOOL_FACTOR = 2.6
_PLAN_FACTOR = 1.7


def _planted(risk: str, key: str, n_clusters: int) -> tuple[int, float]:
    """Cluster index (-1 when the council is too small) and the factor of a planted risk."""
    spec = PLANTED_RISKS[risk]
    c = int(spec["cluster"])  # type: ignore[call-overload]
    return (c if c < n_clusters else -1), float(spec[key])  # type: ignore[arg-type]


@dataclass(frozen=True)
class Programme:
    """Experts at Hand frames in internal form (dates as day numbers)."""

    workforce: pd.DataFrame
    requests: pd.DataFrame
    activity: pd.DataFrame
    finance: pd.DataFrame


def _month_key(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 of day numbers."""
    d = np.asarray(days, dtype="datetime64[D]")
    return d.astype("datetime64[M]").astype(np.int64)


def _month_label(m: int) -> str:
    return f"{1970 + m // 12:04d}-{m % 12 + 1:02d}"


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a probability matrix."""
    cdf = np.cumsum(probs, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def make_programme(rng: np.random.Generator, cal: Calendar, layout: Layout,
                   pop: Population) -> Programme:
    """Draw workforce, requests, activity and finance."""
    s = layout.schools
    cl = layout.clusters
    n_cl = len(cl)
    phase = s["phase"].to_numpy()
    cluster = s["cluster"].to_numpy()
    main = phase != "special"
    end_day = cal.end_day
    end_month = int(_month_key(np.array([end_day]))[0])

    # ---------------- workforce ----------------
    py = pop.py
    last_a = py["a"].max()
    mp = py[(py["a"] == min(2, last_a)) & py["mainstream"]]
    pupils_cl = np.bincount(cluster[mp["lin"].to_numpy()], minlength=n_cl).astype(float)
    # posts are planned for the cluster's 40/160 yardstick (same total as planning by pupils)
    yard = np.where(phase == "primary", 40.0, np.where(phase == "secondary", 160.0, 0.0))
    yard_cl = np.bincount(cluster, weights=yard * main, minlength=n_cl)
    plan_base = yard_cl * (pupils_cl.sum() / yard_cl.sum()) if yard_cl.sum() > 0 else pupils_cl
    go_month = _month_key(cl["go_live"].to_numpy())
    cl_speed = rng.uniform(0.7, 1.3, n_cl)
    wf_rows = []
    ratio = np.ones((n_cl, end_month + 1 - int(go_month.min()) + 3))
    m0 = int(go_month.min()) - 3
    short_c, short_plan = _planted("yardstick_shortfall", "plan_factor", n_cl)
    for c in range(n_cl):
        months = np.arange(int(go_month[c]) - 3, end_month + 1)
        since = months - go_month[c]
        plan_factor = _PLAN_FACTOR * (short_plan if c == short_c else 1.0)
        planned = np.round(plan_base[c] / 1000.0 * plan_factor * _FTE_PER_1000[None, :]
                           * np.ones((len(months), 1)), 1)
        planned = np.maximum(planned, 0.1)
        fill = 1.0 - np.exp(-(since[:, None] + 3.0) / (_LAG[None, :] * cl_speed[c]))
        noise = rng.normal(0.0, 0.06, planned.shape)
        in_post = np.clip(np.round(planned * np.clip(fill + noise, 0.0, 1.08), 1), 0.0, None)
        for r, role in enumerate(ROLES):
            wf_rows.append(pd.DataFrame({
                "cluster": c, "role": role, "month": months,
                "planned": planned[:, r], "in_post": in_post[:, r],
            }))
        tot_plan = planned.sum(axis=1)
        ratio[c, months - m0] = np.where(tot_plan > 0, in_post.sum(axis=1) / tot_plan, 1.0)
    workforce = pd.concat(wf_rows, ignore_index=True)

    # ---------------- requests ----------------
    g_tp = cl["g_tp"].to_numpy()
    lins, tps = [], []
    propensity = rng.gamma(4.0, 0.25, len(s))
    roll = np.bincount(py["lin"].to_numpy() * cal.n_years + py["a"].to_numpy(),
                       minlength=len(s) * cal.n_years).reshape(len(s), cal.n_years)
    demand_c, growth = _planted("demand_above_capacity", "growth_per_term", n_cl)
    growth_from = 3 * (int(PLANTED_RISKS["demand_above_capacity"]["from_year_offset"])  # type: ignore[call-overload]
                       + int(g_tp[g_tp >= 0].min()) // 3) if n_cl else 0
    for i in np.flatnonzero(main):
        g = g_tp[cluster[i]]
        for tp in range(max(g, 0), cal.n_terms):
            if roll[i, tp // 3] == 0:
                continue
            e = tp - g
            lam = (3.5 if phase[i] == "primary" else 9.0) * min(1.0, 0.4 + 0.2 * e)
            if cluster[i] == demand_c and tp >= growth_from:
                lam *= 1.0 + growth * (tp - growth_from + 1)
            k = int(rng.poisson(lam * propensity[i]))
            lins.append(np.full(k, i))
            tps.append(np.full(k, tp))
    r_lin = np.concatenate(lins).astype(np.int64) if lins else np.zeros(0, np.int64)
    r_tp = np.concatenate(tps).astype(np.int64) if tps else np.zeros(0, np.int64)
    n_r = len(r_lin)
    received = weekday_days(rng, cal.school_lo[r_tp], cal.school_hi[r_tp])
    # a pupil from the school's roll in that year for most requests; blank = whole school
    py_sorted = py.sort_values(["lin", "a", "pid"], kind="stable")
    key_sorted = (py_sorted["lin"] * cal.n_years + py_sorted["a"]).to_numpy()
    pid_sorted = py_sorted["pid"].to_numpy()
    key = r_lin * cal.n_years + r_tp // 3
    lo = np.searchsorted(key_sorted, key, side="left")
    hi = np.searchsorted(key_sorted, key, side="right")
    pick = lo + np.floor(rng.random(n_r) * np.maximum(hi - lo, 1)).astype(np.int64)
    r_pid = np.where((rng.random(n_r) < 0.7) & (hi > lo), pid_sorted[np.minimum(
        pick, len(pid_sorted) - 1)], -1)
    escalated = np.zeros(n_r, dtype=bool)
    # requests that were escalated: linked to a later statutory request for the same pupil
    ehc = pop.ehc
    e_lin = ehc["lin"].to_numpy()
    go_live_lin = cl["go_live"].to_numpy()[cluster[e_lin]]
    lead = rng.integers(21, 121, len(ehc))
    e_rec = ehc["received"].to_numpy() - lead
    wd = (e_rec + 3) % 7  # 5 = Saturday, 6 = Sunday: move on to Monday
    e_rec = e_rec + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))
    tp_all = np.searchsorted(cal.term_end, e_rec)
    same_year = tp_all // 3 == ehc["tp"].to_numpy() // 3
    link = (main[e_lin] & (e_rec >= go_live_lin) & same_year
            & (rng.random(len(ehc)) < 0.4))
    li = np.flatnonzero(link)
    if len(li):
        tp_link = tp_all[li]
        r_lin = np.concatenate([r_lin, e_lin[li]])
        r_tp = np.concatenate([r_tp, tp_link])
        received = np.concatenate([received, e_rec[li]])
        r_pid = np.concatenate([r_pid, ehc["pid"].to_numpy()[li]])
        escalated = np.concatenate([escalated, np.ones(len(li), dtype=bool)])
    n_r = len(r_lin)
    need = rng.choice(len(NEED_AREAS), size=n_r, p=_NEED_P)
    role_idx = _choice_rows(rng, _ROLE_BY_NEED[need])
    support = rng.choice(len(SUPPORT_TYPES), size=n_r, p=_SUPPORT_P)
    rm = np.clip(_month_key(received) - m0, 0, ratio.shape[1] - 1)
    cap = ratio[cluster[r_lin], rm]
    pressure = np.clip(1.0 - cap, 0.0, 1.0)
    # planted: demand above capacity lengthens waits in proportion to the extra demand
    extra = np.where(cluster[r_lin] == demand_c,
                     growth * np.clip(r_tp - growth_from + 1, 0, None), 0.0)
    pressure = pressure + extra / (1.0 + extra)
    triaged = received + 3 + rng.poisson(6.0 + 8.0 * pressure)
    signposted = rng.random(n_r) < 0.06
    first = triaged + 10 + rng.poisson(10.0 * (1.0 + 1.5 * pressure))
    closed = np.where(signposted, triaged + rng.integers(1, 10, n_r),
                      first + 20 + np.round(rng.gamma(2.0, 25.0, n_r)).astype(np.int64))
    requests = pd.DataFrame({
        "lin": r_lin, "tp": r_tp, "pid": r_pid, "received": received,
        "triaged": np.where(triaged <= end_day, triaged, -1),
        "first": np.where(~signposted & (first <= end_day), first, -1),
        "closed": np.where(closed <= end_day, closed, -1),
        "need": np.array(NEED_AREAS, dtype=object)[need],
        "support": np.array(SUPPORT_TYPES, dtype=object)[support],
        "role": np.array(ROLES, dtype=object)[role_idx],
        "escalated": escalated,
    })
    requests = requests.sort_values(["received", "lin", "pid"], kind="stable").reset_index(
        drop=True)

    # ---------------- activity ----------------
    sup = requests[requests["first"] >= 0]
    n_sess = 1 + rng.poisson(2.0, len(sup))
    rep = np.repeat(np.arange(len(sup)), n_sess)
    f = sup["first"].to_numpy()[rep]
    c_end = sup["closed"].to_numpy()[rep]
    span = np.where(c_end >= 0, c_end - f, 90)
    offs = np.floor(rng.random(len(rep)) * np.maximum(span, 1)).astype(np.int64)
    first_of = np.r_[True, rep[1:] != rep[:-1]]
    offs = np.where(first_of, 0, offs)
    a_day = weekday_days(rng, f + offs, f + offs)
    a_day = np.maximum(a_day, f)
    same_role = rng.random(len(rep)) < 0.85
    a_role = np.where(same_role, sup["role"].to_numpy()[rep], "inclusion_lead")
    same_type = rng.random(len(rep)) < 0.7
    a_type = np.where(same_type, sup["support"].to_numpy()[rep],
                      np.array(SUPPORT_TYPES, dtype=object)[
                          rng.choice(len(SUPPORT_TYPES), size=len(rep), p=_SUPPORT_P)])
    a_hours = rng.choice(_HOURS, size=len(rep), p=_HOURS_P)
    parts = [pd.DataFrame({"day": a_day, "lin": sup["lin"].to_numpy()[rep], "role": a_role,
                           "type": a_type, "hours": a_hours})]
    # whole-school work each month after go-live
    _, short_ws = _planted("yardstick_shortfall", "whole_school_factor", n_cl)
    w_lin, w_month = [], []
    for i in np.flatnonzero(main):
        g_month = int(go_month[cluster[i]])
        for m in range(g_month, end_month + 1):
            if m % 12 == 7:
                continue  # August: no school-based work
            lam = (3.5 if phase[i] == "primary" else 14.0) * min(1.0, 0.4 + 0.04 * (m - g_month))
            lam *= _WHOLE_SCHOOL_FACTOR * (short_ws if cluster[i] == short_c else 1.0)
            k = int(rng.poisson(lam))
            w_lin.append(np.full(k, i))
            w_month.append(np.full(k, m))
    if w_lin:
        wl = np.concatenate(w_lin).astype(np.int64)
        wm = np.concatenate(w_month).astype(np.int64)
        m_start = (np.array(wm, dtype="datetime64[M]").astype("datetime64[D]")
                   .astype(np.int64))
        m_end = ((np.array(wm + 1, dtype="datetime64[M]").astype("datetime64[D]")
                  .astype(np.int64)) - 1)
        wd = weekday_days(rng, m_start + 2, m_end - 2)
        w_role = np.array(ROLES, dtype=object)[rng.choice(
            len(ROLES), size=len(wl), p=[0.15, 0.1, 0.05, 0.2, 0.15, 0.35])]
        w_type = np.array(["training", "coaching", "consultation", "modelling"], dtype=object)[
            rng.choice(4, size=len(wl), p=[0.3, 0.3, 0.3, 0.1])]
        parts.append(pd.DataFrame({"day": wd, "lin": wl, "role": w_role, "type": w_type,
                                   "hours": rng.choice(_HOURS, size=len(wl), p=_HOURS_P)}))
    # statutory assessment work recorded by the same practitioners (excluded from EaH inputs)
    assess = ehc[(ehc["decision"] == 0)]
    al = assess["lin"].to_numpy()
    live = main[al] & (assess["decision_day"].to_numpy() >= go_live_lin[
        (ehc["decision"] == 0).to_numpy()])
    asl = assess[live]
    if len(asl):
        n_a = 1 + (rng.random(len(asl)) < 0.5)
        rep_a = np.repeat(np.arange(len(asl)), n_a)
        d0 = asl["decision_day"].to_numpy()[rep_a]
        sd = weekday_days(rng, d0 + 7, d0 + 60)
        parts.append(pd.DataFrame({
            "day": sd, "lin": asl["lin"].to_numpy()[rep_a],
            "role": np.array(["educational_psychologist", "speech_language_therapist",
                              "occupational_therapist"], dtype=object)[
                rng.choice(3, size=len(rep_a), p=[0.8, 0.12, 0.08])],
            "type": "statutory_assessment",
            "hours": rng.choice(np.array([3.0, 4.0, 5.0, 6.0]), size=len(rep_a)),
        }))
    activity = pd.concat(parts, ignore_index=True)
    # nothing is delivered to a school after it closes (a closure without a successor: a
    # conversion carries on under the new URN); dropped after every draw, so the random
    # stream, and with it every other table, is the same as without this rule
    close_a = s["close_a"].to_numpy()
    last_day = np.where(close_a < cal.n_years - 1,
                        cal.term_end[np.minimum(3 * close_a + 2, cal.n_terms - 1)], end_day)
    activity = activity[activity["day"] <= np.minimum(last_day[activity["lin"].to_numpy()],
                                                      end_day)]
    activity = activity.sort_values(["day", "lin", "role", "type", "hours"],
                                    kind="stable").reset_index(drop=True)

    # ---------------- finance ----------------
    fin = []
    wfm = workforce.copy()
    wfm["cost"] = wfm["in_post"] * _COST[wfm["role"].map({r: i for i, r in
                                                           enumerate(ROLES)}).to_numpy()] / 12
    wfm["line"] = np.where(wfm["role"] == "inclusion_lead", "inclusion_leads", "practitioners")
    grp = wfm.groupby(["cluster", "month", "line"], sort=True)["cost"].sum().reset_index()
    grp["cost"] = grp["cost"] * rng.normal(1.0, 0.02, len(grp))
    cost_c, cost_factor = _planted("cost_outlier", "cost_factor", n_cl)
    agency = (grp["cluster"] == cost_c) & (grp["line"] == "practitioners")
    grp.loc[agency, "cost"] = grp.loc[agency, "cost"] * cost_factor
    fin.append(pd.DataFrame({"cluster": grp["cluster"], "month": grp["month"],
                             "line": grp["line"], "amount": grp["cost"]}))
    n_main_cl = np.bincount(cluster[main], minlength=n_cl)
    for c in range(n_cl):
        months = np.arange(int(go_month[c]), end_month + 1)
        is_term_start = np.isin((months % 12) + 1, [9, 1, 4])
        fin.append(pd.DataFrame({
            "cluster": c, "month": months[is_term_start], "line": "targeted_funding",
            "amount": 2500.0 * n_main_cl[c] * rng.normal(1.0, 0.05, int(is_term_start.sum()))
            * (short_plan if c == short_c else 1.0),
        }))
        tr = rng.random(len(months)) < 0.35
        amt = rng.gamma(2.0, 900.0, len(months))
        amt = np.where(rng.random(len(months)) < 0.05, -rng.uniform(50, 400, len(months)), amt)
        fin.append(pd.DataFrame({"cluster": c, "month": months[tr], "line": "training",
                                 "amount": amt[tr] * (short_plan if c == short_c else 1.0)}))
    months = np.arange(int(go_month.min()) - 6, end_month + 1)
    fin.append(pd.DataFrame({"cluster": -1, "month": months, "line": "management",
                             "amount": 18000.0 * rng.normal(1.0, 0.05, len(months))}))
    dec_month = _month_key(assess["decision_day"].to_numpy())
    counts = np.array([(dec_month == m).sum() for m in months])
    stat = counts > 0
    fin.append(pd.DataFrame({"cluster": -1, "month": months[stat], "line": "statutory_assessment",
                             "amount": 1800.0 * counts[stat]}))
    finance = pd.concat(fin, ignore_index=True)
    finance["month_label"] = [_month_label(int(m)) for m in finance["month"]]
    workforce["month_label"] = [_month_label(int(m)) for m in workforce["month"]]
    return Programme(workforce=workforce, requests=requests, activity=activity, finance=finance)


def describe_month(m: int) -> str:
    """Label of a month number (months since January 1970), e.g. ``2024-09``."""
    return _month_label(m)


def planted_risks(cluster_ids: list[str]) -> dict[str, dict[str, object]]:
    """Return the planted risks with cluster ids, for ``truth.json`` (absent clusters left out)."""
    out: dict[str, dict[str, object]] = {}
    for risk, spec in PLANTED_RISKS.items():
        c = int(spec["cluster"])  # type: ignore[call-overload]
        if c < len(cluster_ids):
            out[risk] = {**{k: v for k, v in spec.items() if k != "cluster"},
                         "cluster_id": cluster_ids[c]}
    return out


__all__ = ["PLANTED_RISKS", "ROLES", "Programme", "describe_month", "make_programme",
           "planted_risks", "to_date"]
