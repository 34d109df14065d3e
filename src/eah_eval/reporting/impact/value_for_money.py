"""Value for money: what the programme cost and what its estimated changes are worth, with ranges.

Computed from the finance records and the headline estimates; the section that shows it is
:mod:`eah_eval.reporting.impact.sections.value_for_money`. The rules:

* **Cost per pupil per year**: all programme spending (statutory assessments excluded) over
  the months the finance records cover, divided by the pupil-years on roll in the report's
  clusters *after each cluster's go-live* over the same academic years; rated on the
  Education Endowment Foundation (EEF) Toolkit's cost scale (:data:`EEF_COST_BANDS`).
* **Outcomes, never points alone**: each valued change is carried as its estimate *and* its
  interval, in whole people (rounded, :func:`round_people`), entered in the disclosure ledger.
* **Cost per outcome with its range**: yearly cost divided by the outcomes a year at each end
  of the interval; when the interval includes no change, the ratio is unbounded and says so.
* **Breakeven**: the outcomes a year at the stated unit cost that would pay for the programme.
* **Every extrapolation labelled**: the estimate is the average change over the waves and
  years of its evidence window; applying it to every cluster's pupils is an assumption, and
  ``assumes`` says which waves, years and clusters it rests on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.impact.inputs import ReportInputs
from eah_eval.reporting.impact.model import MeasureEvaluation

#: Finance cost lines that are not Experts at Hand spending (statutory EHC needs assessments
#: are funded separately and kept out of the programme's inputs).
NOT_PROGRAMME_COSTS: frozenset[str] = frozenset({"statutory_assessment"})

#: Measures valued in the value-for-money section: (unit cost key, what one unit of change is,
#: multiplier from the measure's unit to a count per pupil, outcome word).
VALUED: dict[str, tuple[str, str, float]] = {
    "ehc_requests_per_1000": ("ehc_needs_assessment",
                              "EHC needs assessment requests avoided a year", 1 / 1000),
    "absence_persistent_pct": ("persistent_absence_case",
                               "fewer pupils persistently absent at any one time "
                               "(average term)", 1 / 100),
}

#: Unit costs in words (report parameter ``unit_costs`` keys).
UNIT_COST_LABELS: dict[str, str] = {
    "ehc_needs_assessment": "an EHC needs assessment",
    "persistent_absence_case": "a pupil's persistent absence for a year",
}


def unit_cost_label(key: str) -> str:
    """Return a unit cost's name in words (the key with spaces when it has no label)."""
    return UNIT_COST_LABELS.get(key, key.replace("_", " "))


#: EEF Teaching and Learning Toolkit cost rating: (upper bound in £ per pupil per year, label).
EEF_COST_BANDS: tuple[tuple[float, str], ...] = (
    (80.0, "very low"),
    (200.0, "low"),
    (720.0, "moderate"),
    (1200.0, "high"),
    (math.inf, "very high"),
)


def eef_cost_rating(per_pupil_year: float) -> str:
    """EEF Toolkit cost rating of a cost per pupil per year.

    Examples
    --------
    >>> eef_cost_rating(75.0), eef_cost_rating(150.0), eef_cost_rating(5000.0)
    ('very low', 'low', 'very high')
    """
    if not math.isfinite(per_pupil_year) or per_pupil_year < 0:
        raise ValueError(f"cost per pupil per year must be a non-negative number; got "
                         f"{per_pupil_year}")
    for bound, label in EEF_COST_BANDS:
        if per_pupil_year < bound:
            return label
    return EEF_COST_BANDS[-1][1]


def round_people(value: float) -> float:
    """Round an estimated number of people for print: whole people, to 2 significant figures.

    Examples
    --------
    >>> round_people(841.7), round_people(3.78), round_people(-91.6), round_people(0.4)
    (840.0, 4.0, -92.0, 0.0)
    """
    if not math.isfinite(value):
        return value
    if abs(value) < 10:
        return float(round(value))
    digits = 1 - math.floor(math.log10(abs(value)))
    return float(round(value, digits))


def round_sig(value: float, figures: int) -> float:
    """Round to significant figures (costs per outcome carry no spurious precision).

    Examples
    --------
    >>> round_sig(4759.6, 3), round_sig(33652.0, 3)
    (4760.0, 33700.0)
    """
    if value == 0 or not math.isfinite(value):
        return value
    return float(round(value, figures - 1 - math.floor(math.log10(abs(value)))))


def pupil_years(inputs: ReportInputs, first_month: str, last_month: str) -> float:
    """Pupils on roll (January census) in the report's clusters after go-live, summed over years.

    Only academic years inside ``first_month``..``last_month`` count.
    """
    panel = inputs.panel("sen_support_pct")
    live = panel[(panel["first_treated"] > 0) & (panel["period_index"] >= panel["first_treated"])]
    lo = pd.Period(first_month, freq="M")
    hi = pd.Period(last_month, freq="M")
    first_year = lo.year if lo.month >= 9 else lo.year - 1
    last_year = hi.year if hi.month >= 9 else hi.year - 1
    live = live[(live["period_index"] >= first_year) & (live["period_index"] <= last_year)]
    return float(live["denominator"].sum())


def _evidence_words(e: MeasureEvaluation) -> str:
    waves = [w.wave for w in e.sample.by_wave if w.treated_periods]
    window = e.sample.window
    span = window[0] if window[0] == window[1] else f"{window[0]} to {window[1]}"
    wave_text = ("wave " + waves[0]) if len(waves) == 1 else (
        "waves " + ", ".join(waves[:-1]) + " and " + waves[-1])
    return f"{wave_text}, {span}"


def evaluate_value_for_money(inputs: ReportInputs, ledger: DisclosureLedger,
                             done: Mapping[str, MeasureEvaluation]) -> dict[str, Any]:
    """Programme cost, cost per pupil, and each valued change with its interval.

    Returns
    -------
    dict
        Costs and the period they cover, ``cost_per_pupil_year`` with its EEF rating, unit
        costs and ``valued`` (measure id -> outcomes a year with interval, value, cost per
        outcome with interval, breakeven and what the extrapolation assumes); or
        ``unavailable`` with the reason.
    """
    p = inputs.params
    fin = inputs.tables.get("finance")
    if fin is None or fin.empty:
        return {"unavailable": "there is no finance table in the data",
                "unit_costs": dict(p.unit_costs), "valued": {}}
    all_clusters = set(inputs.tables["clusters"]["cluster_id"])
    chosen = set(inputs.design["cluster_id"])
    spend = fin[~fin["cost_line"].isin(NOT_PROGRAMME_COSTS)]
    excluded = float(fin.loc[fin["cost_line"].isin(NOT_PROGRAMME_COSTS), "amount_gbp"].sum())
    cluster_cost = float(spend.loc[spend["cluster_id"].isin(chosen), "amount_gbp"].sum())
    shared = float(spend.loc[~spend["cluster_id"].isin(all_clusters), "amount_gbp"].sum())
    schools = inputs.tables["schools"]
    share = (float(schools["cluster_id"].isin(chosen).sum())
             / max(float(schools["cluster_id"].isin(all_clusters).sum()), 1.0))
    total = cluster_cost + share * shared
    months = pd.PeriodIndex(spend["month"].astype(str), freq="M")
    years = max((months.max() - months.min()).n + 1, 1) / 12.0
    annual = total / years
    first_month, last_month = str(months.min()), str(months.max())
    served_years = pupil_years(inputs, first_month, last_month)
    per_pupil = total / served_years if served_years > 0 else float("nan")
    out: dict[str, Any] = {
        "programme_cost_gbp": total, "cluster_costs_gbp": cluster_cost,
        "shared_costs_gbp": share * shared, "shared_share": share,
        "excluded_statutory_gbp": excluded, "years": years, "annual_cost_gbp": annual,
        # As printed in sentences (millions to one decimal).
        "programme_cost_gbp_million": round(total / 1e6, 1),
        "annual_cost_gbp_million": round(annual / 1e6, 1),
        "first_month": first_month, "last_month": last_month,
        "pupil_years": served_years,
        "cost_per_pupil_year_gbp": round(per_pupil) if math.isfinite(per_pupil) else None,
        "eef_cost_rating": eef_cost_rating(per_pupil) if math.isfinite(per_pupil) else None,
        "eef_cost_bands": [[b if math.isfinite(b) else None, lab] for b, lab in EEF_COST_BANDS],
        "unit_costs": dict(p.unit_costs), "valued": {},
        "breakeven": {},
    }
    for key, unit_cost in p.unit_costs.items():
        if unit_cost > 0:
            out["breakeven"][key] = {"unit_cost_gbp": float(unit_cost),
                                     "outcomes_a_year": math.ceil(annual / float(unit_cost))}
    n_clusters = len(chosen)
    for mid, e in done.items():
        if mid not in VALUED or e.sample.pupils_flag_treated or not e.headline.shown:
            continue
        key, what, per_pupil_unit = VALUED[mid]
        panel = inputs.panel(mid)
        records = float(panel.groupby("period_index")["denominator"].sum().mean())
        if not records >= p.disclosure_threshold:
            continue  # too few pupils to value without showing a small count
        scale = records * per_pupil_unit
        h = e.headline
        # A fall in the measure is an outcome avoided: low end, estimate, high end.
        raw = sorted(-v * scale for v in (h.ci_low, h.estimate, h.ci_high))
        lo, mid_v, hi = raw[0], -h.estimate * scale, raw[2]
        # Modelled numbers of people about every pupil in the clusters: entered in the
        # ledger as estimates about ``records`` pupils (hidden when those are too few).
        people = [ledger.value(round_people(v), table="value for money",
                               key=f"{mid} {which}", people=records)
                  for v, which in ((lo, "low"), (mid_v, "estimate"), (hi, "high"))]
        shown = [v for v, _ in people]
        flag = next((f for _, f in people if f), "")
        unit_cost = float(p.unit_costs.get(key, 0.0))
        value = ([v * unit_cost for v in shown] if unit_cost > 0 and not flag
                 else [None, None, None])

        def per_outcome(n: float) -> float | None:
            return round_sig(annual / n, 3) if n > 0 and math.isfinite(n) else None

        cost_per = {"estimate": per_outcome(shown[1]),
                    # More outcomes -> lower cost each: the high end bounds it below.
                    "ci_low": per_outcome(shown[2]),
                    "ci_high": per_outcome(shown[0]),
                    "bounded": bool(shown[0] > 0)}
        out["valued"][mid] = {
            "what": what,
            "estimate": shown[1], "ci_low": shown[0], "ci_high": shown[2], "flag": flag,
            "clear": h.clear,
            "records_per_period": records,
            "unit_cost_gbp": unit_cost if unit_cost > 0 else None,
            "value_gbp": value[1], "value_ci_low_gbp": value[0], "value_ci_high_gbp": value[2],
            "cost_per_outcome_gbp": cost_per,
            "scenarios": [{"name": name, "outcomes_a_year": n,
                           "value_gbp": n * unit_cost if unit_cost > 0 and not flag else None}
                          for name, n in (("low end of the range", shown[0]),
                                          ("best estimate", shown[1]),
                                          ("high end of the range", shown[2]))],
            "assumes": (
                f"the average change estimated for {_evidence_words(e)} holds for the pupils "
                f"of all {n_clusters} clusters in the report (about "
                f"{round_people(records):,.0f} pupils) in every year; later waves and years "
                "were not part of the estimate"),
            "method_text": h.method_text,
        }
    return out
