"""Turn the generator's internal frames into the input tables, exactly as the schemas say.

Column names and order come from the Frictionless schemas (``eah_eval.data.schema``); a frame
that does not match its schema is a bug in the generator and raises at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eah_eval.data.schema import TABLES, field_names
from eah_eval.data.synthetic.layout import Calendar, Layout, link_rows, school_rows, urn_at
from eah_eval.data.synthetic.outcomes import Outcomes
from eah_eval.data.synthetic.population import Population
from eah_eval.data.synthetic.programme import Programme

TERM_NAMES = np.array(["autumn", "spring", "summer"], dtype=object)
_SEN = np.array(["N", "K", "E"], dtype=object)
_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


def dates(days: Any) -> pd.Series:
    """Day numbers to a datetime64 series; negative numbers become NaT."""
    d = np.asarray(days, dtype=np.int64)
    arr = d.astype("datetime64[D]")
    arr = np.where(d < 0, np.datetime64("NaT"), arr).astype("datetime64[D]")
    return pd.Series(pd.to_datetime(arr), dtype="datetime64[ns]")


def _strings(values: Any) -> pd.Series:
    """Object array to a pandas string series; "" becomes missing."""
    s = pd.Series(np.asarray(values, dtype=object))
    s = s.where(s != "", None)
    return s.astype("str") if _PANDAS_MAJOR >= 3 else s


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.array([f"{prefix}{i + 1:07d}" for i in range(n)], dtype=object)


def _conform(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    names = list(field_names(table))
    if sorted(frame.columns) != sorted(names):
        raise RuntimeError(  # pragma: no cover - generator bug
            f"synthetic {table}: columns {sorted(frame.columns)} differ from schema {names}")
    return frame[names].reset_index(drop=True)


def build_tables(cal: Calendar, layout: Layout, pop: Population, out: Outcomes,
                 prog: Programme) -> dict[str, pd.DataFrame]:
    """Return every table but the high-needs ones in schema form (see the module docstring)."""
    n_pupils = len(pop.pupils["male"])
    pupil_ids = np.array([f"P{i:07d}" for i in range(n_pupils)], dtype=object)
    ay_labels = np.array([cal.ay_label(a) for a in range(cal.n_years)], dtype=object)
    cl = layout.clusters
    cluster_ids = cl["cluster_id"].to_numpy()
    tables: dict[str, pd.DataFrame] = {}

    tables["clusters"] = pd.DataFrame({
        "cluster_id": _strings(cluster_ids),
        "cluster_name": _strings(cl["cluster_name"].to_numpy()),
        "go_live_date": dates(cl["go_live"].to_numpy()),
        "rollout_wave": cl["wave"].to_numpy().astype(np.int64),
    })
    sr = school_rows(layout, cal)
    tables["schools"] = pd.DataFrame({
        "urn": _strings(sr["urn"]), "name": _strings(sr["name"]),
        "la_code": _strings(sr["la_code"]), "phase": _strings(sr["phase"]),
        "establishment_type": _strings(sr["establishment_type"]),
        "cluster_id": _strings(sr["cluster_id"]),
        "open_date": dates(sr["open_date"].to_numpy()),
        "close_date": dates(sr["close_date"].to_numpy()),
    })
    lr = link_rows(layout, cal)
    tables["school_links"] = pd.DataFrame({
        "urn": _strings(lr["urn"]), "linked_urn": _strings(lr["linked_urn"]),
        "link_type": _strings(lr["link_type"]),
        "link_date": dates(lr["link_date"].to_numpy(dtype=np.int64)),
    })

    c = out.census
    tables["pupil_census"] = pd.DataFrame({
        "pupil_id": _strings(pupil_ids[c["pid"].to_numpy()]),
        "urn": _strings(urn_at(layout, c["lin"].to_numpy(), c["tp"].to_numpy())),
        "census_date": dates(c["census_day"].to_numpy()),
        "year_group": _strings(c["year_group"].to_numpy()),
        "age": c["age"].to_numpy().astype(np.int64),
        "sen_provision": _strings(_SEN[c["sen"].to_numpy()]),
        "primary_need": _strings(c["primary_need"].to_numpy()),
        "fsm": c["fsm"].to_numpy().astype(bool),
        "eal": c["eal"].to_numpy().astype(bool),
        "sex": _strings(c["sex"].to_numpy()),
        "ethnicity_group": _strings(c["ethnicity_group"].to_numpy()),
    })

    t = out.attendance
    tp = t["tp"].to_numpy()
    tables["attendance"] = pd.DataFrame({
        "pupil_id": _strings(pupil_ids[t["pid"].to_numpy()]),
        "urn": _strings(urn_at(layout, t["lin"].to_numpy(), tp)),
        "academic_year": _strings(ay_labels[tp // 3]),
        "term": _strings(TERM_NAMES[tp % 3]),
        "age": t["age"].to_numpy().astype(np.int64),
        "possible_sessions": t["possible"].to_numpy().astype(np.int64),
        "authorised_absence": t["auth"].to_numpy().astype(np.int64),
        "unauthorised_absence": t["unauth"].to_numpy().astype(np.int64),
    })

    sp = out.suspensions.sort_values(["start", "lin", "pid", "category"], kind="stable")
    tables["suspensions"] = pd.DataFrame({
        "exclusion_id": _strings(_ids("X", len(sp))),
        "pupil_id": _strings(pupil_ids[sp["pid"].to_numpy()]),
        "urn": _strings(urn_at(layout, sp["lin"].to_numpy(), sp["tp"].to_numpy())),
        "start_date": dates(sp["start"].to_numpy()),
        "category": _strings(sp["category"].to_numpy()),
        "sessions": sp["sessions"].to_numpy(dtype=float),
    })

    e = pop.ehc.sort_values(["received", "lin", "pid"], kind="stable")
    end = cal.end_day
    dec = e["decision"].to_numpy()
    dday = e["decision_day"].to_numpy()
    pday = e["plan_day"].to_numpy()
    plan = e["plan"].to_numpy()
    decided = (dday <= end) & (dec != 2)
    decision = np.where(dec == 2, "withdrawn",
                        np.where(~decided, "pending", np.where(dec == 0, "assess",
                                                               "not_assess")))
    issued = plan & decided & (pday <= end)
    outcome = np.where(dec == 2, "withdrawn", np.where(
        ~decided, "pending", np.where(dec == 1, "no_plan", np.where(
            issued, "plan_issued", np.where(plan, "pending", "no_plan"))))).astype(object)
    tables["ehc_requests"] = pd.DataFrame({
        "request_id": _strings(_ids("R", len(e))),
        "pupil_id": _strings(pupil_ids[e["pid"].to_numpy()]),
        "urn": _strings(urn_at(layout, e["lin"].to_numpy(), e["tp"].to_numpy())),
        "received_date": dates(e["received"].to_numpy()),
        "decision": _strings(decision.astype(object)),
        "decision_date": dates(np.where(decided, dday, -1)),
        "plan_issued_date": dates(np.where(issued, pday, -1)),
        "exception": e["exception"].to_numpy().astype(bool) & (outcome != "withdrawn"),
        "outcome": _strings(outcome),
    })

    r = prog.requests
    pid_r = r["pid"].to_numpy()
    tables["eah_requests"] = pd.DataFrame({
        "request_id": _strings(_ids("S", len(r))),
        "urn": _strings(urn_at(layout, r["lin"].to_numpy(), r["tp"].to_numpy())),
        "pupil_id": _strings(np.where(pid_r >= 0, pupil_ids[np.maximum(pid_r, 0)], "")),
        "received_date": dates(r["received"].to_numpy()),
        "triaged_date": dates(r["triaged"].to_numpy()),
        "first_support_date": dates(r["first"].to_numpy()),
        "closed_date": dates(r["closed"].to_numpy()),
        "need_area": _strings(r["need"].to_numpy()),
        "support_type": _strings(r["support"].to_numpy()),
        "practitioner_role": _strings(r["role"].to_numpy()),
        "escalated_to_statutory": r["escalated"].to_numpy().astype(bool),
    })

    act = prog.activity
    a_tp = np.searchsorted(cal.term_end, act["day"].to_numpy())
    tables["eah_activity"] = pd.DataFrame({
        "activity_id": _strings(_ids("A", len(act))),
        "activity_date": dates(act["day"].to_numpy()),
        "urn": _strings(urn_at(layout, act["lin"].to_numpy(), a_tp)),
        "practitioner_role": _strings(act["role"].to_numpy()),
        "activity_type": _strings(act["type"].to_numpy()),
        "hours": act["hours"].to_numpy(dtype=float),
    })

    w = prog.workforce.sort_values(["cluster", "role", "month"], kind="stable")
    tables["workforce"] = pd.DataFrame({
        "cluster_id": _strings(cluster_ids[w["cluster"].to_numpy()]),
        "role": _strings(w["role"].to_numpy()),
        "month": _strings(w["month_label"].to_numpy()),
        "planned_fte": w["planned"].to_numpy(dtype=float),
        "fte_in_post": w["in_post"].to_numpy(dtype=float),
    })

    k = out.attainment
    tables["attainment"] = pd.DataFrame({
        "pupil_id": _strings(pupil_ids[k["pid"].to_numpy()]),
        "urn": _strings(urn_at(layout, k["lin"].to_numpy(), k["tp"].to_numpy())),
        "academic_year": _strings(ay_labels[k["a"].to_numpy()]),
        "reading_expected": k["reading"].to_numpy().astype(bool),
        "writing_expected": k["writing"].to_numpy().astype(bool),
        "maths_expected": k["maths"].to_numpy().astype(bool),
    })

    f = prog.finance.sort_values(["month", "cluster", "line"], kind="stable")
    fc = f["cluster"].to_numpy()
    tables["finance"] = pd.DataFrame({
        "month": _strings(f["month_label"].to_numpy()),
        "cluster_id": _strings(np.where(fc >= 0, cluster_ids[np.maximum(fc, 0)], "central")),
        "cost_line": _strings(f["line"].to_numpy()),
        "amount_gbp": np.round(f["amount"].to_numpy(dtype=float), 2),
    })
    return {name: _conform(name, tables[name]) for name in TABLES if name in tables}
