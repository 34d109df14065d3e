"""A small, hand-made, valid council covering every table; tests break one thing at a time.

Imported by the data tests and by ``benchmarks/bench_validate.py`` (a uniquely named module, so
that it never clashes with another folder's ``conftest``).
"""
# ruff: noqa: E501  (CSV text is clearer on one line per row)

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

VALID_CSV: dict[str, str] = {
    "clusters": """cluster_id,cluster_name,go_live_date,rollout_wave
C1,North,2023-09-01,1
C2,South,2024-09-01,2
""",
    "schools": """urn,name,la_code,phase,establishment_type,cluster_id,open_date,close_date
100001,Old Primary,839,primary,community,C1,,2023-08-31
100002,Old Primary Academy,839,primary,academy,C1,2023-09-01,
100003,South Secondary,839,secondary,academy,C2,,
100004,South Special,839,special,la_special,C2,2010-01-05,
""",
    "school_links": """urn,linked_urn,link_type,link_date
100001,100002,successor,2023-09-01
100002,100001,predecessor,2023-09-01
""",
    "pupil_census": """pupil_id,urn,census_date,year_group,age,sen_provision,primary_need,fsm,eal,sex,ethnicity_group
P001,100002,2024-01-18,3,7,N,,false,false,F,white
P002,100002,2024-01-18,5,9,K,SLCN,true,false,M,asian
P003,100003,2024-01-18,9,13,E,ASD,false,true,M,black
P004,100003,2024-01-18,10,14,K,SEMH,true,false,F,mixed
P005,100002,2024-01-18,6,10,N,,false,false,F,white
P006,100004,2024-01-18,X,12,E,PMLD,true,false,M,unclassified
""",
    "attendance": """pupil_id,urn,academic_year,term,age,possible_sessions,authorised_absence,unauthorised_absence
P001,100002,2023/24,autumn,7,140,6,2
P002,100002,2023/24,autumn,9,140,10,4
P003,100003,2023/24,autumn,13,130,20,5
P004,100003,2023/24,spring,14,120,0,0
P006,100004,2023/24,autumn,12,0,0,0
""",
    "suspensions": """exclusion_id,pupil_id,urn,start_date,category,sessions
S1,P004,100003,2024-02-05,suspension,2
S2,P003,100003,2024-03-11,permanent_exclusion,
""",
    "ehc_requests": """request_id,pupil_id,urn,received_date,decision,decision_date,plan_issued_date,exception,outcome
R1,P002,100002,2023-10-02,assess,2023-11-06,2024-02-12,false,plan_issued
R2,P004,100003,2024-03-04,pending,,,false,pending
R3,P001,100002,2023-11-20,not_assess,2023-12-18,,false,no_plan
""",
    "eah_requests": """request_id,urn,pupil_id,received_date,triaged_date,first_support_date,closed_date,need_area,support_type,practitioner_role,escalated_to_statutory
E1,100002,P002,2023-09-11,2023-09-13,2023-09-20,2023-12-01,communication_interaction,consultation,speech_language_therapist,false
E2,100003,,2024-09-09,,,,semh,training,educational_psychologist,false
""",
    "eah_activity": """activity_id,activity_date,urn,practitioner_role,activity_type,hours
A1,2023-09-20,100002,speech_language_therapist,consultation,1.5
A2,2023-10-04,100002,educational_psychologist,coaching,3
A3,2024-09-16,100003,specialist_teacher,training,6.5
""",
    "workforce": """cluster_id,role,month,planned_fte,fte_in_post
C1,educational_psychologist,2023-09,1.0,0.8
C1,speech_language_therapist,2023-09,0.5,0.5
C2,educational_psychologist,2024-09,1.0,0
""",
    "attainment": """pupil_id,urn,academic_year,reading_expected,writing_expected,maths_expected
P005,100002,2023/24,true,true,false
""",
    "finance": """month,cluster_id,cost_line,amount_gbp
2023-09,C1,practitioners,10250.50
2023-09,central,management,1200
2023-10,C1,training,-150
""",
    "ehc_plans": """spell_id,person_id,birth_cohort,primary_need,plan_start_date,placement,spell_start_date,spell_end_date,end_reason
S1,P005,2013,ASD,2022-03-01,mainstream,2022-03-01,2024-06-30,placement_change
S2,P005,2013,ASD,2022-03-01,maintained_special,2024-06-30,,
""",
    "high_needs_costs": """financial_year,placement,place_gbp,top_up_gbp
2024,mainstream,0,9000
2024,maintained_special,10000,17000
""",
    "high_needs_income": """financial_year,income_gbp,other_spend_gbp,opening_balance_gbp
2024,25000000,3000000,-1500000
2025,26000000,,
""",
    "programme_budget": """financial_year,planned_spend_gbp
2024,1500000
""",
    "population": """financial_year,age,population
2024,9,2100
2024,10,2080.5
""",
}


def valid_frames() -> dict[str, pd.DataFrame]:
    """The valid council as text frames (blank = missing), one per table."""
    return {
        t: pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        for t, text in VALID_CSV.items()
    }


def write_frames(directory: Path, frames: dict[str, pd.DataFrame]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for table, df in frames.items():
        df.to_csv(directory / f"{table}.csv", index=False)
    return directory
