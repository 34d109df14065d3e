"""Delivery per cluster after go-live (the dose), on the hand-made council of conftest.py.

C1 goes live on 2024-09-01 (first treated academic year 2024/25); C2 on 2025-01-15, inside
2024/25, so its first full year is 2025/26 (or 2024/25 with ``period_containing``).
"""

from __future__ import annotations

import math

import pytest

from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.measures import DEFAULT_DOSE_MEASURE, cluster_dose


def test_yardstick_dose_pools_the_years_after_go_live(tables) -> None:  # type: ignore[no-untyped-def]
    dose = cluster_dose(tables, until="2024/25").set_index("cluster")
    # C1, 2024/25: A1-A3 at 100001 = 19.5 h = 3 days; A8 (2023/24) is before go-live.
    # Yardstick: 100001 and 100003 (successor of 100002), primary, 40 days each.
    assert dose.loc["C1", ["first_year", "last_year", "n_years"]].tolist() == [
        "2024/25", "2024/25", 1]
    assert dose.loc["C1", ["numerator", "denominator"]].tolist() == [3.0, 80.0]
    assert dose.loc["C1", "dose"] == pytest.approx(3.75)
    # C2 starts in 2025/26, after `until`: no year pooled
    assert dose.loc["C2", "n_years"] == 0 and math.isnan(dose.loc["C2", "dose"])
    assert dose.loc["C2", "first_year"] == ""
    assert dose.attrs["measure_id"] == DEFAULT_DOSE_MEASURE
    assert dose.attrs["until"] == "2024/25" and "sum of numerators" in dose.attrs["rule"]
    assert cluster_dose(tables, until=2024).set_index("cluster").equals(dose)


def test_rule_and_measure_choices(tables) -> None:  # type: ignore[no-untyped-def]
    dose = cluster_dose(tables, until=2024, mid_period_rule="period_containing")
    c2 = dose.set_index("cluster").loc["C2"]
    # 2024/25 at C2: A5 6.5 h + A6 3.25 h at 100004 = 1.5 days (A4 statutory, A7 special
    # school excluded); yardstick 160 (100004 secondary) + 40 (100006 primary)
    assert (c2["numerator"], c2["denominator"]) == (1.5, 200.0)
    assert c2["dose"] == pytest.approx(0.75)
    per_school = cluster_dose(tables, measure="eah_expert_days_per_school", until=2024)
    # 3 days over 2 schools open in 2024/25 (100001, and 100002/100003 counted once)
    assert per_school.set_index("cluster").loc["C1", "dose"] == pytest.approx(1.5)
    fte = cluster_dose(tables, measure="eah_fte_in_post_pct", until=2024)
    # September and October 2024: (1 + 2) / (2 + 2)
    assert fte.set_index("cluster").loc["C1", "dose"] == pytest.approx(75.0)


def test_errors_name_what_was_expected(tables) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match="is a median, which cannot be pooled over years"):
        cluster_dose(tables, measure="eah_median_days_to_triage")
    with pytest.raises(OptionError, match="can be computed at level 'la' only"):
        cluster_dose(tables, measure="ehc_20wk_incl_exceptions_pct")
    with pytest.raises(OptionError, match="academic year must look like '2024/25'"):
        cluster_dose(tables, until="2024-25")
    with pytest.raises(OptionTypeError, match="until must be an academic year"):
        cluster_dose(tables, until=2024.0)  # type: ignore[arg-type]
