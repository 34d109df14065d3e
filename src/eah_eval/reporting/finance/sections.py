"""HTML of the finance report's sections: summary first, then charts, tables, methods, record.

Each function renders one section from the frozen
:class:`~eah_eval.reporting.finance.model.FinanceEvaluation` and computes nothing; a section
whose numbers are unavailable says so, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import numpy as np
import pandas as pd

from eah_eval.finance import PLACEMENTS
from eah_eval.finance.states import fy_label
from eah_eval.reporting.assurance import assurance_section
from eah_eval.reporting.finance.effect import ProgrammeEffect
from eah_eval.reporting.finance.figures import dsg_figure, plans_figure, spend_figure
from eah_eval.reporting.finance.model import (
    FinanceEvaluation,
    Interval,
    year_range_dict,
)
from eah_eval.reporting.finance.words import (
    FINANCE_GLOSSARY,
    millions,
    money_range,
    pct,
    placement_label,
    plans,
    plans_range,
    position_words,
    sentence,
    year_words,
)
from eah_eval.reporting.glossary import words
from eah_eval.reporting.html import bullet_list, paragraph, section, unavailable
from eah_eval.reporting.narrative import change_range, money_millions
from eah_eval.reporting.qa import QARecord
from eah_eval.reporting.suppression import display_frame
from eah_eval.reporting.tables import html_table

__all__ = ["SECTION_TITLES", "render_sections"]

#: Section ids in reading order, with their headings.
SECTION_TITLES: dict[str, str] = {
    "summary": "Summary for the board",
    "plans": "EHC plans",
    "spend": "High-needs spend against income",
    "dsg": "Cumulative DSG position",
    "payback": "Breakeven and payback",
    "placements": "Placement mix",
    "backtest": "How well the model forecasts",
    "scenarios": "Scenarios and assumptions",
    "glossary": "Glossary",
    "qa": "Quality assurance record",
}


def _gone(ev: FinanceEvaluation, key: str) -> str | None:
    found = ev.unavailable_in(key)
    if not found:
        return None
    return section(SECTION_TITLES[key], "".join(unavailable(u.what, u.reason) for u in found),
                   anchor=key)


def cover(ev: FinanceEvaluation, started: str, assured: bool) -> str:
    """Title, council, what is projected, the date and whether the report is assured."""
    p = ev.params
    note = ("Quality assured (see the quality assurance record at the end)." if assured else
            "Not yet quality assured: the AQuA roles are not all recorded (see the quality "
            "assurance record at the end).")
    span = ""
    if ev.projection is not None:
        span = (f" Projected financial years {fy_label(int(ev.projection.years[0]))} to "
                f"{fy_label(int(ev.projection.years[-1]))}.")
    return (f'<header class="decision"><h1>{escape(p.title)}</h1><p>{escape(p.council)}. '
            "What Experts at Hand is projected to do to EHC plans, high-needs spend and the "
            f"council's cumulative DSG position, with its uncertainty.{escape(span)} "
            f"Generated {escape(started[:10])}.</p>"
            f'<p class="note">{escape(note)}</p></header>')


def _contents() -> str:
    items = "; ".join(f'<a href="#{k}">{escape(t)}</a>'
                      for k, t in SECTION_TITLES.items() if k != "summary")
    return (f'<nav aria-label="Contents"><p><strong>Contents:</strong> '
            f"{items}.</p></nav>")


def bottom_line(ev: FinanceEvaluation) -> str:
    """Return the summary's first sentence: does the programme pay for itself, and the DSG."""
    h = ev.headline
    assert ev.payback is not None
    pay = year_range_dict(ev.payback.payback)
    last = h["final_year_label"]
    if pay["median"] is None:
        when = (f"is not projected to pay for itself by {last} (payback within the projected "
                f"years in {pct(1 - pay['share_never'])} of draws)")
    else:
        when = f"is projected to pay for itself in {year_words(pay, h['final_year'])}"
    return (f"With its planned cost of {money_millions(h['programme_cost_total_gbp'])} over "
            f"{h['first_year_label']} to {last}, the programme {when}, and it leaves the "
            f"cumulative DSG position at the end of {last} "
            f"{change_range(h['dsg_difference_gbp'], money_millions, 'better', 'worse')}.")


def effect_words(e: ProgrammeEffect) -> str:
    """Say which of the evaluation's estimates the effect is, its years and where it came from."""
    first, last = e.choice.window
    years = f" ({first} to {last})" if first else ""
    return f"{e.choice.label}{years}, {e.source}"


def key_points(ev: FinanceEvaluation) -> list[str]:
    """Return the summary's bullet points, each number with its range."""
    h = ev.headline
    e = ev.effect
    assert ev.projection is not None and ev.payback is not None and e is not None
    last = h["final_year_label"]
    years = f"{h['first_year_label']} to {last}"
    level = round(100 * e.level)
    out = [
        f"The programme's effect behind these numbers: {e.estimate:+.2f} EHC needs assessment "
        f"requests per 1,000 pupils a year ({level}% range {e.ci_low:+.2f} to "
        f"{e.ci_high:+.2f}), {effect_words(e)}; "
        + ("the range excludes no change." if e.clear else
           "the range includes no change, so a saving is not assured."),
        f"EHC plans in {last}: {plans_range(h['plans_with'])} with the programme, against "
        f"{plans_range(h['plans_without'])} without it: "
        f"{change_range(h['plans_avoided'], plans, 'fewer', 'more')}.",
        f"High-needs spend over {years}: "
        + change_range(h["spend_avoided_cumulative_gbp"], money_millions, "less", "more")
        + " with the programme, against its planned cost of "
        f"{money_millions(h['programme_cost_total_gbp'])}.",
        f"Cumulative DSG position at the end of {last}: with the programme "
        f"{position_words(h['dsg_with_gbp'])}; without it {position_words(h['dsg_without_gbp'])}"
        f". In deficit in {pct(h['deficit_share_with'])} of draws with the programme and "
        f"{pct(h['deficit_share_without'])} without.",
        f"Breakeven (the year's spend avoided covers the year's cost): "
        f"{year_words(year_range_dict(ev.payback.breakeven), h['final_year'])}.",
        f"Payback (spend avoided so far covers all the programme has cost so far): "
        f"{year_words(year_range_dict(ev.payback.payback), h['final_year'])}.",
    ]
    alt, other = h.get("alternative"), e.alternative
    if alt and other is not None:
        out.append(
            f"On the evaluation's other estimate, {other.choice.label} ({other.estimate:+.2f} "
            f"per 1,000 pupils, {level}% range {other.ci_low:+.2f} to {other.ci_high:+.2f}), "
            f"high-needs spend over {years} would be "
            + change_range(alt["spend_avoided_cumulative_gbp"], money_millions, "less", "more")
            + " with the programme and the cumulative DSG position at the end of "
            f"{last} "
            + change_range(alt["dsg_difference_gbp"], money_millions, "better", "worse")
            + f"; payback {year_words(alt['payback'], h['final_year'])}.")
    bt = ev.projection.backtest
    if bt:
        beats = all(b.mape_model < b.mape_naive for b in bt)
        errs = "; ".join(f"{b.horizon} year{'s' if b.horizon > 1 else ''} ahead "
                         f"{b.mape_model:.1f}% against {b.mape_naive:.1f}%" for b in bt)
        out.append(
            ("On past years the model forecast plan numbers better than a naive trend at "
             "every horizon" if beats else
             "On past years the model did not forecast plan numbers better than a naive trend "
             "at every horizon")
            + f" (average error of the model against the trend: {errs}).")
    return out


def summary(ev: FinanceEvaluation, started: str, assured: bool) -> str:
    """Render the first screen: what the programme is projected to do, and when it pays."""
    head = cover(ev, started, assured)
    gone = ev.unavailable_in("summary")
    if gone or not ev.available:
        body = "".join(unavailable(u.what, u.reason) for u in gone)
        return head + (f'<section class="decision" id="summary"><h2>'
                       f"{SECTION_TITLES['summary']}</h2>{body}{_contents()}</section>")
    h = ev.headline
    last = h["final_year_label"]
    rows = {
        f"EHC plans maintained (January {h['final_year'] + 1})": {
            "Without the programme": plans_range(h["plans_without"]),
            "With the programme": plans_range(h["plans_with"]),
            "Difference": change_range(h["plans_avoided"], plans, "fewer", "more")},
        f"High-needs spend in {last}": {
            "Without the programme": money_range(h["spend_without_gbp"]),
            "With the programme": money_range(h["spend_with_gbp"]),
            "Difference": change_range(h["spend_avoided_final_year_gbp"], money_millions, "less",
                                       "more")},
        f"Cumulative DSG position, end of {last}": {
            "Without the programme": money_range(h["dsg_without_gbp"]),
            "With the programme": money_range(h["dsg_with_gbp"]),
            "Difference": change_range(h["dsg_difference_gbp"], money_millions, "better", "worse")},
    }
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "In the last projected year"
    table = html_table(
        disp, caption=f"What the programme is projected to do by {last}: median of the draws "
        "with its 95% range", row_header="In the last projected year", numeric_columns=[],
        notes=["Differences are taken draw by draw, so their ranges are not the difference of "
               "the ranges", "Negative DSG position = deficit; the position with the "
               "programme is after its cost",
               "Plan numbers are modelled counts, rounded to whole plans"])
    body = (f'<p class="summary-box"><strong>{escape(bottom_line(ev))}</strong></p>'
            + bullet_list(key_points(ev))
            + table.replace("<table>", '<table class="compact">', 1) + _contents())
    return head + f'<section class="decision" id="summary"><h2>Summary for the board</h2>' \
                  f"{body}</section>"


def chart_section(ev: FinanceEvaluation, key: str, figure: Callable[[FinanceEvaluation], str],
                  intro: str) -> str:
    """Render a section holding one fan chart (or why it is unavailable)."""
    gone = _gone(ev, key)
    if gone is not None:
        return gone
    return section(SECTION_TITLES[key], paragraph(intro) + figure(ev), anchor=key)


def plans_section(ev: FinanceEvaluation) -> str:
    """Fan chart of EHC plans, with and without the programme."""
    return chart_section(ev, "plans", plans_figure, (
        "How many EHC plans the council is projected to maintain each January. The darker the "
        "band, the more likely the values in it; the solid line is the median. The programme "
        "changes the number of new plans through its effect on EHC needs assessment requests."))


def spend_section(ev: FinanceEvaluation) -> str:
    """Fan chart of high-needs spend against income."""
    return chart_section(ev, "spend", spend_figure, (
        "High-needs spend on EHC plans each year (place and top-up funding by placement type) "
        "against the High Needs Block income supplied. Where the spend is above the dashed "
        "income line, the year adds to the deficit."))


def dsg_section(ev: FinanceEvaluation) -> str:
    """Fan chart of the cumulative DSG position."""
    return chart_section(ev, "dsg", dsg_figure, (
        "The cumulative high-needs position carried forward at the end of each year, with "
        "the programme's own cost charged to the scenario with the programme. Below the zero "
        "line the council is in deficit."))


def payback_section(ev: FinanceEvaluation) -> str:
    """Spend avoided, programme cost and net saving by year; breakeven and payback."""
    gone = _gone(ev, "payback")
    if gone is not None:
        return gone
    p, pay = ev.projection, ev.payback
    assert p is not None and pay is not None
    w, wo = p.scenarios["with"], p.scenarios["without"]
    avoided = wo.spend_gbp - w.spend_gbp
    rows = {}
    for j, y in enumerate(p.years):
        row = {}
        for what, draws in (("Spend avoided", avoided[:, j]),
                            ("Net saving in the year", pay.net_saving_gbp[:, j]),
                            ("Net saving so far", pay.cumulative_net_saving_gbp[:, j])):
            iv = Interval.of(draws)
            row[f"{what}: median"] = millions(iv.median)
            row[f"{what}: 95% range"] = f"{millions(iv.ci_low)} to {millions(iv.ci_high)}"
            if what == "Spend avoided":
                row["Programme cost"] = millions(float(np.asarray(w.programme_cost_gbp)[j]))
        rows[fy_label(int(y))] = row
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "Financial year"
    last = int(p.years[-1])
    body = (
        bullet_list([
            f"Breakeven year (the first year whose spend avoided covers that year's programme "
            f"cost): {year_words(year_range_dict(pay.breakeven), last)}.",
            f"Payback year (the first year by which the spend avoided so far covers all the "
            f"programme has cost so far): {year_words(year_range_dict(pay.payback), last)}."])
        + html_table(disp, caption="Spend avoided, programme cost and net saving by "
                     "financial year, £ million: median with its 95% range",
                     row_header="Financial year",
                     notes=["Net saving = spend avoided minus the programme's planned cost; "
                            "negative = the programme costs more than it saves that year",
                            "The programme's cost is its planned spend, taken as known"]
                     ).replace("<table>", '<table class="compact">', 1))
    return section(SECTION_TITLES["payback"], body, anchor="payback")


def placements_section(ev: FinanceEvaluation) -> str:
    """Median plans by placement type and year, without and with the programme."""
    gone = _gone(ev, "placements")
    if gone is not None:
        return gone
    p = ev.projection
    assert p is not None
    parts = [paragraph(
        "Where children and young people with EHC plans are projected to be educated, which "
        "drives the cost of each plan. Medians of the draws, rounded to whole plans; numbers "
        "about too few plans are hidden (c), with other cells hidden where needed so that "
        "they cannot be worked out from the totals.")]
    for name in p.scenarios:
        values, flags = ev.placement[name]
        order = [i for i in PLACEMENTS if i in values.index]
        order += [i for i in values.index if i not in order]
        disp = display_frame(values.loc[order], flags.loc[order], "{:,.0f}")
        disp.index = pd.Index([placement_label(i) if str(i) != "Total" else "Total"
                               for i in disp.index], name="Placement")
        disp.columns = pd.Index([fy_label(int(c)) if str(c) != "Total" else "All years"
                                 for c in disp.columns])
        disp = disp.drop(columns="All years", errors="ignore")
        parts.append(keep_together(html_table(
            disp, caption=f"EHC plans by placement type ({p.scenarios[name].label}): "
            "median by financial year", row_header="Placement",
            count_columns=list(disp.columns),
            notes=["Totals are the sums of the placements' medians, so they can differ by a "
                   "few plans from the median total in the EHC plans chart"],
        ).replace("<table>", '<table class="compact">', 1)))
    return section(SECTION_TITLES["placements"], "".join(parts), anchor="placements")


def keep_together(html: str) -> str:
    """Keep a short table (caption, header, rows and notes) on one printed page."""
    return f'<div style="break-inside: avoid">{html}</div>'


def backtest_section(ev: FinanceEvaluation) -> str:
    """Render the back-test: model against naive trend, one to three years ahead."""
    gone = _gone(ev, "backtest")
    if gone is not None:
        return gone
    p = ev.projection
    assert p is not None
    if not p.backtest:
        return section(SECTION_TITLES["backtest"], unavailable(
            "The back-test", "the data hold too few years to hold some back"), anchor="backtest")
    rows = {}
    for b in p.backtest:
        rows[f"{b.horizon} year{'s' if b.horizon > 1 else ''} ahead"] = {
            "Forecasts compared": f"{b.n_origins}",
            "Plans: model": f"{b.mape_model:.1f}%",
            "Plans: naive trend": f"{b.mape_naive:.1f}%",
            "Spend: model": f"{b.spend_mape_model:.1f}%",
            "Spend: naive trend": f"{b.spend_mape_naive:.1f}%",
            "Model better on plans": "yes" if b.mape_model < b.mape_naive else "no",
        }
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "Horizon"
    body = paragraph(
        "The model was fitted on the years up to each of several past years and asked to "
        "forecast the next one to three years, which it had not seen; a naive forecast (a "
        "straight line through the same past years) was made from the same points. The table "
        "gives the average error of each, as a percentage of what happened (mean absolute "
        "percentage error): lower is better.") + keep_together(html_table(
        disp, caption="Average error of forecasts of EHC plan numbers and high-needs spend, "
        "by years ahead: the model against a naive trend", row_header="Horizon",
        numeric_columns=["Forecasts compared", "Plans: model", "Plans: naive trend",
                         "Spend: model", "Spend: naive trend"],
        notes=["The model's forecast is the median of its draws"]))
    return section(SECTION_TITLES["backtest"], body, anchor="backtest")


def scenarios_section(ev: FinanceEvaluation) -> str:
    """Each scenario with its assumptions, the programme's effect and the model's notes."""
    gone = _gone(ev, "scenarios")
    if gone is not None:
        return gone
    parts = []
    p, e = ev.projection, ev.effect
    if e is not None:
        level = round(100 * e.level)
        parts.append(section("The programme's effect", paragraph(
            f"The scenario with the programme changes EHC needs assessment requests by the "
            f"programme's estimated effect: {e.estimate:+.2f} requests per 1,000 pupils a year "
            f"({level}% range {e.ci_low:+.2f} to {e.ci_high:+.2f}), {effect_words(e)}. It is "
            f"the estimate carried because {e.choice.why}. The range, not "
            "only the best estimate, is carried into every draw, so the money's ranges include "
            f"the uncertainty about the effect. How the range was made: {e.method_text}."),
            level=3))
    if p is not None:
        parts.append(_scenario_table(ev))
        for s in p.scenarios.values():
            items = [sentence(a) for a in s.assumptions] or [
                "No assumption beyond the base model."]
            parts.append(section(s.label, bullet_list(items), level=3))
        base = [
            f"{p.n_draws:,} draws, random seed {p.seed}; each draw combines one parameter "
            "bootstrap of the cohort model with one value of the programme's effect.",
            f"Opening cumulative DSG high-needs position: {money_millions(p.opening_balance_gbp)} "
            "(negative = deficit).",
            "High Needs Block income is taken as supplied for each year, without uncertainty.",
            *(sentence(n) for n in p.notes),
        ]
        parts.append(section("Common to every scenario", bullet_list(base), level=3))
    return section(SECTION_TITLES["scenarios"], "".join(parts), anchor="scenarios")


def _scenario_table(ev: FinanceEvaluation) -> str:
    h = ev.headline
    last = h["final_year_label"]
    rows = {}
    for r in h["scenarios"]:
        rows[r["label"]] = {
            f"EHC plans, January {h['final_year'] + 1}": plans_range(r["plans"]),
            f"High-needs spend in {last}": money_range(r["spend_gbp"]),
            f"Cumulative DSG position, end of {last}": money_range(r["dsg_gbp"]),
            "Against the scenario without the programme": (
                "" if r["name"] == "without" else
                change_range(r["dsg_difference_gbp"], money_millions, "better", "worse")),
            "Payback year": ("" if r["payback"] is None else
                             year_words(r["payback"], h["final_year"])),
        }
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "Scenario"
    return html_table(
        disp, caption=f"Every scenario in {last}: median of the draws with its 95% range",
        row_header="Scenario", numeric_columns=[],
        count_columns=[f"EHC plans, January {h['final_year'] + 1}"],
        notes=["Negative DSG position = deficit; each scenario's position is after its own "
               "programme cost"]).replace("<table>", '<table class="compact">', 1)


def glossary_section() -> str:
    """Render the terms of the finance report in plain words."""
    rows = "".join(f"<dt>{escape(t)}</dt><dd>{escape(x)}</dd>"
                   for t, x in sorted(FINANCE_GLOSSARY.items(), key=lambda t: t[0].lower()))
    return section(SECTION_TITLES["glossary"], f'<dl class="glossary">{rows}</dl>',
                   anchor="glossary")


#: Parameters shown in the run record: those that shape the numbers.
SHOWN_PARAMETERS: tuple[str, ...] = (
    "years", "n_draws", "seed", "impact_results", "scenarios", "comparison_group",
    "inference", "bootstrap_reps", "alpha", "programme_phases", "mid_period_rule",
    "disclosure_rule", "disclosure_threshold")


def qa_section(ev: FinanceEvaluation, qa: QARecord, record: dict[str, object]) -> str:
    """Render the assurer's record and the run record, with the parameters behind the numbers."""
    p = ev.params
    rows = {}
    for name in SHOWN_PARAMETERS:
        value = getattr(p, name)
        if isinstance(value, tuple):
            value = ", ".join(map(str, value))
        text = ("not given" if value is None else str(value) if name in p.path_parameters
                else words(str(value)))
        rows[words(name).capitalize()] = {"Value": text}
    table = html_table(pd.DataFrame.from_dict(rows, orient="index").rename_axis("Parameter"),
                       caption="Parameters behind the numbers", row_header="Parameter",
                       numeric_columns=[])
    return assurance_section(record, qa, provenance=[f"Data folder: {p.data}"],
                             run_note="Every parameter and every projected number are in "
                                      "results.json.", after=table)


def render_sections(ev: FinanceEvaluation, *, started: str, qa: QARecord,
                    record: dict[str, object]) -> dict[str, str]:
    """Render every section, by id in reading order (:data:`SECTION_TITLES`)."""
    return {
        "summary": summary(ev, started, qa.assured),
        "plans": plans_section(ev),
        "spend": spend_section(ev),
        "dsg": dsg_section(ev),
        "payback": payback_section(ev),
        "placements": placements_section(ev),
        "backtest": backtest_section(ev),
        "scenarios": scenarios_section(ev),
        "glossary": glossary_section(),
        "qa": qa_section(ev, qa, record),
    }
