"""A tiny, valid council for report tests: few pupils, so disclosure control has work to do.

Independent of the synthetic-council generator so that the reporting tests exercise the
runner, suppression and accessibility even on very small clusters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

YEARS = (2021, 2022, 2023, 2024, 2025)


def write_tiny_council(out: Path, *, seed: int = 7, pupils_per_school: int = 30) -> Path:
    """Write a small council (4 clusters, 3 waves, 10 schools) as CSV files."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    clusters = pd.DataFrame(
        {
            "cluster_id": ["C1", "C2", "C3", "C4"],
            "cluster_name": ["North", "East", "South", "West"],
            "go_live_date": ["2022-09-01", "2023-09-01", "2023-09-01", "2024-09-01"],
            "rollout_wave": [1, 2, 2, 3],
        }
    )
    schools = []
    urn = 200001
    layout = {"C1": 3, "C2": 3, "C3": 1, "C4": 3}
    for cid, n in layout.items():
        for k in range(n):
            schools.append(
                {
                    "urn": str(urn),
                    "name": f"{cid} School {k + 1}",
                    "la_code": "839",
                    "phase": "primary",
                    "establishment_type": "community",
                    "cluster_id": cid,
                    "open_date": "",
                    "close_date": "",
                }
            )
            urn += 1
    schools_df = pd.DataFrame(schools)
    census, attendance, susp, ehc, finance = [], [], [], [], []
    pid = 0
    for s in schools:
        # the single-school cluster is very small
        size = 8 if s["cluster_id"] == "C3" else pupils_per_school
        pupils = [f"T{pid + i:05d}" for i in range(size)]
        pid += size
        for year in YEARS:
            for p in pupils:
                sen = rng.choice(["N", "K", "E"], p=[0.82, 0.15, 0.03])
                census.append(
                    {
                        "pupil_id": p,
                        "urn": s["urn"],
                        "census_date": f"{year + 1}-01-20",
                        "year_group": "4",
                        "age": 8,
                        "sen_provision": sen,
                        "primary_need": "" if sen == "N" else "SLCN",
                        "fsm": bool(rng.random() < 0.2),
                        "eal": bool(rng.random() < 0.1),
                        "sex": rng.choice(["F", "M"]),
                        "ethnicity_group": rng.choice(["white", "asian", "black", "mixed"]),
                    }
                )
                for term in ("autumn", "spring", "summer"):
                    possible = int(rng.integers(110, 140))
                    auth = int(rng.binomial(possible, 0.04))
                    unauth = int(rng.binomial(possible, 0.015))
                    attendance.append(
                        {
                            "pupil_id": p,
                            "urn": s["urn"],
                            "academic_year": f"{year}/{(year + 1) % 100:02d}",
                            "term": term,
                            "age": 8,
                            "possible_sessions": possible,
                            "authorised_absence": auth,
                            "unauthorised_absence": unauth,
                        }
                    )
                if rng.random() < 0.05:
                    susp.append(
                        {
                            "exclusion_id": f"X{len(susp) + 1}",
                            "pupil_id": p,
                            "urn": s["urn"],
                            "start_date": f"{year + 1}-02-10",
                            "category": "suspension",
                            "sessions": 2,
                        }
                    )
                if rng.random() < 0.03:
                    ehc.append(
                        {
                            "request_id": f"R{len(ehc) + 1}",
                            "pupil_id": p,
                            "urn": s["urn"],
                            "received_date": f"{year + 1}-03-02",
                            "decision": "assess",
                            "decision_date": f"{year + 1}-04-06",
                            "plan_issued_date": "",
                            "exception": False,
                            "outcome": "pending",
                        }
                    )
    for c in clusters["cluster_id"]:
        for year in YEARS:
            finance.append(
                {"month": f"{year + 1}-01", "cluster_id": c, "cost_line": "practitioners",
                 "amount_gbp": 25000.0}
            )
    frames = {
        "clusters": clusters,
        "schools": schools_df,
        "pupil_census": pd.DataFrame(census),
        "attendance": pd.DataFrame(attendance),
        "suspensions": pd.DataFrame(susp),
        "ehc_requests": pd.DataFrame(ehc),
        "finance": pd.DataFrame(finance),
    }
    for name, df in frames.items():
        df.to_csv(out / f"{name}.csv", index=False)
    return out
