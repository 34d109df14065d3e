"""The finance report's fan charts, each with its alternative text and its table of numbers.

Each function takes the frozen :class:`~eah_eval.reporting.finance.model.FinanceEvaluation`
and draws one fan chart with :func:`eah_eval.reporting.charts.fan_chart`: the scenario without
the programme on the left, with it on the right (the other's median beside it, dotted),
observed years before the fan, which starts from the last observed value. After each chart a
table gives every plotted year's median and its 80% and 95% ranges (the text equivalent);
plan numbers are those left after disclosure control.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from eah_eval.finance.states import fy_label
from eah_eval.reporting.charts import Fan, Series, fan_chart
from eah_eval.reporting.finance.model import FAN_LEVELS, FinanceEvaluation, at_level
from eah_eval.reporting.finance.words import millions, plans
from eah_eval.reporting.narrative import money_millions
from eah_eval.reporting.tables import html_table

__all__ = ["dsg_figure", "plans_figure", "spend_figure"]

#: Scenario order and panel titles of every fan chart.
PANELS: tuple[tuple[str, str], ...] = (("without", "Without the programme"),
                                       ("with", "With the programme"))


def _fans(frames: Mapping[str, pd.DataFrame], scale: float) -> list[Fan]:
    out = []
    for name, label in PANELS:
        f = frames[name]
        bands = []
        for lv in sorted(FAN_LEVELS, reverse=True):
            r = at_level(f, lv)
            bands.append((lv, (r["ci_low"] / scale).tolist(), (r["ci_high"] / scale).tolist()))
        m = at_level(f, FAN_LEVELS[0])
        out.append(Fan(label, m["year"].tolist(), (m["median"] / scale).tolist(), bands))
    return out


def _table(ev: FinanceEvaluation, frames: Mapping[str, pd.DataFrame], fmt: Callable[
        [float | None], str], *, observed: pd.Series | None, caption: str,
        counts: bool) -> str:
    rows: dict[str, dict[str, str]] = {}
    if observed is not None:
        for y, v in zip(observed.index, observed.tolist(), strict=True):
            rows[fy_label(int(y))] = {"Observed": fmt(None if pd.isna(v) else float(v))}
    for name, _ in PANELS:
        short = "Without" if name == "without" else "With"
        for lv in (0.8, 0.95):
            for r in at_level(frames[name], lv).to_dict(orient="records"):
                row = rows.setdefault(fy_label(int(r["year"])), {})
                if observed is not None:
                    row.setdefault("Observed", "")
                row[f"{short}: median"] = fmt(r["median"])
                row[f"{short}: {round(100 * lv)}% range"] = (f"{fmt(r['ci_low'])} to "
                                                            f"{fmt(r['ci_high'])}")
    disp = pd.DataFrame.from_dict(rows, orient="index").fillna("")
    disp.index.name = "Financial year"
    html = html_table(disp, caption=caption, row_header="Financial year",
                      count_columns=list(disp.columns) if counts else (),
                      notes=["The 50% ranges drawn in the chart are in results.json"])
    return html.replace("<table>", '<table class="compact">', 1)


def _none(v: float | None) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def _start(observed: pd.Series, scale: float) -> tuple[float, float] | None:
    """Return the last observed value, where the fans start (None when it is hidden)."""
    if not len(observed) or pd.isna(observed.iloc[-1]):
        return None
    return float(observed.index[-1]), float(observed.iloc[-1]) / scale


def _median(frames: Mapping[str, pd.DataFrame], scale: float) -> Series:
    """Return the median of the scenario without the programme, drawn beside the other."""
    m = at_level(frames["without"], FAN_LEVELS[0])
    return Series("Median without the programme", m["year"].tolist(),
                  (m["median"] / scale).tolist())


def _ticks(ev: FinanceEvaluation) -> dict[float, str]:
    years = [int(y) for y in ev.history["year"]] + [int(y) for y in ev.fans["plans"]["with"]
                                                     ["year"]]
    return {float(y): fy_label(y) for y in years}


def _span(ev: FinanceEvaluation) -> str:
    h = ev.history["year"]
    p = ev.fans["plans"]["with"]["year"]
    seen = f"observed {fy_label(int(h.min()))} to {fy_label(int(h.max()))}, " if len(h) else ""
    return f"{seen}projected {fy_label(int(p.min()))} to {fy_label(int(p.max()))}"


def _alt(what: str, ev: FinanceEvaluation, frames: Mapping[str, pd.DataFrame],
         fmt: Callable[[float | None], str]) -> str:
    parts = []
    for name, label in PANELS:
        f = at_level(frames[name], 0.95)
        first, last = f.iloc[0], f.iloc[-1]
        parts.append(f"{label.lower()}, the median goes from {fmt(_none(first['median']))} "
                     f"in {fy_label(int(first['year']))} to {fmt(_none(last['median']))} "
                     f"in {fy_label(int(last['year']))} (95% range {fmt(_none(last['ci_low']))} "
                     f"to {fmt(_none(last['ci_high']))})")
    return (f"Two fan charts of {what}, {_span(ev)}. " + "; ".join(parts).capitalize()
            + ". The numbers are in the table under the chart.")


def plans_figure(ev: FinanceEvaluation) -> str:
    """Fan chart of EHC plans maintained, with and without the programme."""
    frames = ev.fans["plans"]
    observed = ev.history.set_index("year")["plans"]
    h = ev.headline
    title = (f"EHC plans in {h['final_year_label']}: {plans(h['plans_with']['median'])} with "
             f"the programme, {plans(h['plans_without']['median'])} without")
    return fan_chart(
        _fans(frames, 1.0),
        title=title, xlabel="Financial year", ylabel="EHC plans maintained (January)",
        alt=_alt("the number of EHC plans maintained each January", ev, frames, plans),
        caption=("EHC plans maintained at the January census of each financial year; the "
                 f"council's caseload records and the cohort model's projection ({_span(ev)}); "
                 "shaded: the middle 50%, 80% and 95% of draws."),
        observed=Series("Observed", observed.index.tolist(), observed.tolist()),
        compare_median=_median(frames, 1.0),
        tick_labels=_ticks(ev),
        start=_start(observed, 1.0),
    ) + _table(ev, frames, plans, observed=observed, counts=True,
               caption="EHC plans maintained: observed, and projected median with its 80% and "
                       "95% ranges, by financial year")


def spend_figure(ev: FinanceEvaluation) -> str:
    """Fan chart of high-needs spend against High Needs Block income."""
    frames = ev.fans["spend_gbp"]
    p = ev.projection
    assert p is not None
    observed = ev.history.set_index("year")["spend_gbp"]
    income_x = ev.history["year"].tolist() + [int(y) for y in p.years]
    income_y = (ev.history["income_gbp"].tolist() + [float(v) for v in np.asarray(p.income_gbp)])
    h = ev.headline
    title = (f"High-needs spend in {h['final_year_label']}: "
             f"{money_millions(h['spend_with_gbp']['median'])} with the programme, "
             f"{money_millions(h['spend_without_gbp']['median'])} without, against income of "
             f"{money_millions(h['income_final_year_gbp'])}")
    return fan_chart(
        _fans(frames, 1e6),
        title=title, xlabel="Financial year", ylabel="£ million a year",
        alt=_alt("high-needs spend on EHC plans and placements a year, against High Needs "
                 "Block income (dashed)", ev, frames, money_millions),
        caption=("High-needs spend on places and top-up funding for EHC plans, pounds a "
                 f"year; High Needs Block income as supplied (dashed) ({_span(ev)}); shaded: "
                 "the middle 50%, 80% and 95% of draws."),
        observed=Series("Observed spend", observed.index.tolist(),
                        (observed / 1e6).tolist()),
        references=[Series("High Needs Block income", income_x,
                           [v / 1e6 for v in income_y])],
        compare_median=_median(frames, 1e6),
        tick_labels=_ticks(ev),
        start=_start(observed, 1e6),
    ) + _table(ev, frames, millions, observed=observed, counts=False,
               caption="High-needs spend, £ million: observed, and projected median with its 80% "
                       "and 95% ranges, by financial year")


def dsg_figure(ev: FinanceEvaluation) -> str:
    """Fan chart of the cumulative DSG high-needs position (negative = deficit)."""
    frames = ev.fans["dsg_gbp"]
    h = ev.headline
    first = int(frames["with"]["year"].iloc[0])
    title = (f"Cumulative DSG position at the end of {h['final_year_label']}: "
             f"{money_millions(h['dsg_with_gbp']['median'])} with the programme, "
             f"{money_millions(h['dsg_without_gbp']['median'])} without")
    return fan_chart(
        _fans(frames, 1e6),
        title=title, xlabel="Financial year", ylabel="£ million (negative = deficit)",
        alt=_alt("the cumulative Dedicated Schools Grant high-needs position at each year end "
                 "(negative means a deficit)", ev, frames, money_millions),
        caption=("Cumulative high-needs position at the end of each financial year: the "
                 f"opening balance of {money_millions(h['opening_balance_gbp'])} plus income minus "
                 f"spend and the programme's cost ({_span(ev)}); the line at zero is "
                 "balance; shaded: the middle 50%, 80% and 95% of draws."),
        compare_median=_median(frames, 1e6),
        hline=0.0,
        start=((float(first - 1), h["opening_balance_gbp"] / 1e6)),
        tick_labels={float(y): fy_label(int(y)) for y in [first - 1, *frames["with"]["year"]]},
    ) + _table(ev, frames, millions, observed=None, counts=False,
               caption="Cumulative DSG position at the end of each year, £ million: median with "
                       "its 80% and 95% ranges (negative = deficit)")
