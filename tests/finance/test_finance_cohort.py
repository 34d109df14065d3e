"""The cohort model on a tiny caseload, every number worked out by hand.

Five people, censuses of financial years 2020, 2021 and 2022 (15 January 2021, 2022, 2023).
Ages are ``year - birth_cohort - 1``.

* A, cohort 2010: mainstream from 2019-09-01, continuing. Ages 9, 10, 11; mainstream throughout.
* B, cohort 2010: mainstream 2019-05-01 to 2021-06-01, then maintained special. Ages 9, 10, 11:
  mainstream at 2020, maintained special at 2021 and 2022.
* C, cohort 2005: academy special 2018-01-01 to 2021-07-20, ceased. Age 14 at 2020; gone at 2021.
* D, cohort 2015: new plan 2021-03-01 in mainstream. First census 2021 at age 5; age 6 at 2022.
* E, cohort 2012: new plan 2022-03-01 in resourced provision. First census 2022 at age 9.

Stock: 2020 = 3 (A, B mainstream at 9; C academy special at 14); 2021 = 3; 2022 = 4.

Ceasing (bands 0-3, 4-10, 11-14, ...): ages 4-10 at risk 5 times (A and B at 2020 and 2021, D at
2021), none ceased: q = 0; ages 11-14 at risk once (C), ceased: q = 1.
Moves (bands 0-3, 4-9, 10, 11-14, ...): ages 4-9 from mainstream three times (A stays, B moves
to maintained special, D stays): mainstream -> mainstream 2/3, -> maintained special 1/3. Age
10: A stays in mainstream, B stays in maintained special. Rows never seen stay where they are.
Entry (bands 0-3, 4-10, ...): D (5, mainstream) and E (9, resourced provision): half each in
band 4-10; bands never seen take the pooled shares, the same half and half.
New plans, population 100 at every age: 1 at age 5 (2021) and 1 at age 9 (2022), so the rates
are 1/200 = 0.005 at ages 5 and 9. Expected new plans each year 100 x (0.005 + 0.005) = 1,
observed 1: no trend (g = 0).

Projecting 2023 from the 2022 stock: A and B are 11 (band 11-14, q = 1) and cease. D (6,
mainstream) moves with the ages 4-9 row: 2/3 mainstream and 1/3 maintained special at 7.
E (9, resourced provision, row never seen) stays: 1 at 10. New plans 0.5 at 5 and 0.5 at 9,
each half mainstream and half resourced provision. Total 2/3 + 1/3 + 1 + 0.5 + 0.5 = 3:
mainstream 2/3 + 0.5, maintained special 1/3, resourced provision 1 + 0.5.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from eah_eval.finance.cohort import estimate, programme_multiplier, read_caseload
from eah_eval.finance.projection import simulate
from eah_eval.finance.states import PLACEMENTS

YEARS = (2020, 2021, 2022)
MS, RP, MSP, ASP = (PLACEMENTS.index(p) for p in
                    ("mainstream", "resourced_provision", "maintained_special",
                     "academy_special"))


def _tiny() -> pd.DataFrame:
    rows = [
        ("S1", "A", 2010, "2019-09-01", "mainstream", "2019-09-01", None, None),
        ("S2", "B", 2010, "2019-05-01", "mainstream", "2019-05-01", "2021-06-01",
         "placement_change"),
        ("S3", "B", 2010, "2019-05-01", "maintained_special", "2021-06-01", None, None),
        ("S4", "C", 2005, "2018-01-01", "academy_special", "2018-01-01", "2021-07-20",
         "ceased_left_education"),
        ("S5", "D", 2015, "2021-03-01", "mainstream", "2021-03-01", None, None),
        ("S6", "E", 2012, "2022-03-01", "resourced_provision", "2022-03-01", None, None),
    ]
    frame = pd.DataFrame(rows, columns=["spell_id", "person_id", "birth_cohort",
                                        "plan_start_date", "placement", "spell_start_date",
                                        "spell_end_date", "end_reason"])
    for c in ("plan_start_date", "spell_start_date", "spell_end_date"):
        frame[c] = pd.to_datetime(frame[c])
    frame["primary_need"] = "ASD"
    return frame


def _fit(effect: float = 0.0, share: tuple[float, ...] = (0.0, 0.0, 0.0)):
    caseload = read_caseload(_tiny(), YEARS)
    pop = np.full((3, 26), 100.0)
    mult = programme_multiplier(np.array([effect]), np.array(share))
    params = estimate(caseload, np.ones((1, caseload.n_persons)), pop, mult)
    return caseload, params


def test_stock_read_at_each_census() -> None:
    caseload, _ = _fit()
    assert caseload.stock.sum(axis=(1, 2)).tolist() == [3.0, 3.0, 4.0]
    assert caseload.stock[0, 9, MS] == 2.0 and caseload.stock[0, 14, ASP] == 1.0
    assert caseload.stock[1, 10, MSP] == 1.0 and caseload.stock[1, 5, MS] == 1.0
    assert caseload.stock[2, 9, RP] == 1.0 and caseload.stock[2, 11, MS] == 1.0
    assert caseload.n_persons == 5


def test_parameters_by_hand() -> None:
    _, p = _fit()
    assert p.cease[0, 4:11].tolist() == [0.0] * 7
    assert p.cease[0, 11:15].tolist() == [1.0] * 4
    assert p.cease[0, 25] == 1.0
    assert p.move[0, 7, MS, MS] == pytest.approx(2 / 3)
    assert p.move[0, 7, MS, MSP] == pytest.approx(1 / 3)
    assert p.move[0, 10, MS, MS] == 1.0 and p.move[0, 10, MSP, MSP] == 1.0
    assert p.move[0, 7, RP, RP] == 1.0  # never seen: stays
    assert p.entry[0, 5, MS] == 0.5 and p.entry[0, 5, RP] == 0.5
    assert p.entry[0, 17, MS] == 0.5 and p.entry[0, 17, RP] == 0.5  # pooled fallback
    assert p.rate[0, 5] == pytest.approx(0.005) and p.rate[0, 9] == pytest.approx(0.005)
    assert p.rate[0].sum() == pytest.approx(0.01)
    assert p.growth[0] == pytest.approx(0.0) and p.alpha[0] == pytest.approx(0.0)
    assert p.year_ref == 2021.5


def test_one_year_projection_by_hand() -> None:
    caseload, p = _fit()
    pop = np.full((1, 26), 100.0)
    out = simulate(p, caseload.stock[-1], [2023], pop, np.ones((1, 1, 26)))
    by_place = out[0, 0].sum(axis=0)
    assert out[0, 0].sum() == pytest.approx(3.0)
    assert by_place[MS] == pytest.approx(2 / 3 + 0.5)
    assert by_place[MSP] == pytest.approx(1 / 3)
    assert by_place[RP] == pytest.approx(1.5)
    assert out[0, 0, 7, MS] == pytest.approx(2 / 3) and out[0, 0, 10, RP] == pytest.approx(1.0)
    assert out[0, 0, 11:].sum() == 0.0  # A and B ceased at 11


def test_programme_halves_new_plans_at_school_ages() -> None:
    # effect -0.5 at full share in 2023: the 0.5 + 0.5 new plans (ages 5 and 9) become 0.25 each
    caseload, p = _fit()
    mult = programme_multiplier(np.array([-0.5]), np.array([1.0]))
    out = simulate(p, caseload.stock[-1], [2023], np.full((1, 26), 100.0), mult)
    assert out[0, 0].sum() == pytest.approx(2.5)


def test_programme_removed_from_history_before_fitting() -> None:
    # effect -0.5 live in 2022 only: the one new plan at 9 stands for 1 / 0.5 = 2 without the
    # programme, so r_9 = 2/200 = 0.01; expected 100 x (0.005 + 0.01) = 1.5 each year against
    # adjusted counts 1 (2021) and 2 (2022); log ratios with the +0.5 continuity correction
    # log(1.5/2) and log(2.5/2), one year apart: g = log(2.5 / 1.5)
    _, p = _fit(effect=-0.5, share=(0.0, 0.0, 1.0))
    assert p.rate[0, 9] == pytest.approx(0.01)
    assert p.growth[0] == pytest.approx(math.log(2.5 / 1.5))


def test_bootstrap_weights_count_people() -> None:
    # a person counted twice doubles every record: C twice makes ages 11-14 at risk 2, ceased 2
    caseload = read_caseload(_tiny(), YEARS)
    w = np.ones((1, caseload.n_persons))
    w[0, 2] = 2.0  # persons sorted: A, B, C, D, E
    pop = np.full((3, 26), 100.0)
    p = estimate(caseload, w, pop, np.ones((1, 3, 26)))
    assert p.cease[0, 12] == 1.0
    w = np.ones((1, caseload.n_persons))
    w[0, 1] = 0.0  # without B nobody moves at 4-9
    p = estimate(caseload, w, pop, np.ones((1, 3, 26)))
    assert p.move[0, 7, MS, MS] == 1.0
