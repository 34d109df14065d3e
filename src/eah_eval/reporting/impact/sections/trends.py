"""The trends section: each measure by rollout wave around go-live and by cluster.

Renders the protected series of :mod:`eah_eval.reporting.impact.trends`. Titles describe what
the raw series show (levels before and after go-live, complete periods only), never an effect:
effects are in the estimates section.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from eah_eval.reporting.charts import Series, describe_trend, line_chart
from eah_eval.reporting.glossary import sources_words
from eah_eval.reporting.html import paragraph, section, unavailable
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.narrative import period_word, with_unit
from eah_eval.reporting.tables import html_table


def trend_title(title: str, counts: dict[str, int]) -> str:
    """Active title from the raw series: in how many waves the level was higher after go-live.

    Each wave is compared with itself (its mean after go-live against its mean before, on
    complete periods), and the title says these are levels, not effects.
    """
    n, ups, downs = counts.get("n", 0), counts.get("up", 0), counts.get("down", 0)
    if n == 0:
        return f"{title} by rollout wave around go-live"
    if ups == n:
        return f"{title}: levels higher after go-live than before in every wave (not an effect)"
    if downs == n:
        return f"{title}: levels lower after go-live than before in every wave (not an effect)"
    return (f"{title}: levels higher after go-live than before in {ups} of {n} waves "
            "(not an effect)")


def cell(value: Any, flag: str, partial: bool) -> str:
    """Format a value with its symbol; partial periods marked ``p``."""
    if flag:
        return flag
    if value is None or pd.isna(value):
        return "x"
    return f"{float(value):.1f}" + (" p" if partial else "")


def measure_trend(ev: Evaluation, measure_id: str) -> str:
    """One measure's chart by wave (with its data table) and its table by cluster."""
    data = ev.trends[measure_id]
    intro = paragraph(f"{data['description']} Which way is better: {data['direction_reason']}")
    if data.get("unavailable"):
        return section(data["title"], intro + unavailable(f"The trend in {data['title']}",
                                                          str(data["unavailable"])),
                       level=3, anchor=f"trend-{escape(measure_id)}")
    period = data["period"]
    pw = period_word(period)
    label = with_unit(data["title"], data["unit"])
    wave_rows = data["by_wave"]
    parts: list[str] = []
    partial_note = ([f"p: partial period (data for only part of it: "
                     f"{', '.join(data['partial_periods'])}), left out of the before/after "
                     "comparison in the title"] if data["partial_periods"] else [])
    if wave_rows:
        frame = pd.DataFrame(wave_rows)
        series = [Series(label=f"Wave {w}", x=list(g["event_time"]), y=list(g["value"]))
                  for w, g in frame.groupby("wave", sort=True)]
        disp = pd.DataFrame(index=sorted(frame["event_time"].unique()))
        for w, g in frame.groupby("wave", sort=True):
            by_e = {int(r["event_time"]): cell(r["value"], r["flag"], r["partial"])
                    for r in g.to_dict(orient="records")}
            disp[f"Wave {w}"] = [by_e.get(int(e), "x") for e in disp.index]
        disp.index = pd.Index([str(int(e)) for e in disp.index],
                              name=f"{pw.capitalize()} from go-live")
        table = html_table(
            disp, caption=f"{label} by rollout wave, {pw} relative to go-live; clusters in "
            "this report",
            row_header=f"{pw.capitalize()} from go-live (0 = first {pw[:-1]} counted as "
            "started)", notes=partial_note)
        first_last = describe_trend(frame, x="event_time", y="value", by="wave")
        parts.append(line_chart(
            series,
            title=trend_title(data["title"], data["before_after"]),
            xlabel=f"{pw} from go-live (0 = first {pw[:-1]} counted as started)",
            ylabel=label,
            alt=(f"Line chart of {data['title']} by rollout wave, aligned on each wave's "
                 f"go-live. First and last values shown by wave: {first_last}."),
            caption=(f"Measure: {label}, by rollout wave (levels, not effects). Source: "
                     f"{sources_words(data['sources'])} records. Population: pupils in schools the "
                     f"programme serves in the {len(ev.design)} clusters of this report. "
                     f"Geography: {ev.params.council}. Period: {data['span']}, each wave "
                     f"aligned on its go-live ({ev.rollout_rule}). Gaps are suppressed or "
                     "unavailable values."),
            vline=-0.5, vline_label="go-live", data_table=table))
    rows = pd.DataFrame(data["by_cluster"])
    keep = sorted(rows["period_index"].unique())[-6:]
    name_of = dict(zip(ev.design["cluster_id"], ev.design["cluster_name"], strict=True))
    labels = rows.drop_duplicates("period_index").set_index("period_index")["period"]
    disp_rows: dict[str, dict[str, str]] = {}
    for cl in [c for c in ev.design["cluster_id"] if c in set(rows["cluster"])]:
        sub = rows[(rows["cluster"] == cl) & rows["period_index"].isin(keep)]
        by_p = {int(r["period_index"]): cell(r["value"], r["flag"], r["partial"])
                for r in sub.to_dict(orient="records")}
        wave = int(sub["wave"].iloc[0]) if len(sub) else "?"
        disp_rows[f"{name_of.get(cl, cl)} (wave {wave})"] = {
            str(labels[k]): by_p.get(int(k), "x") for k in keep}
    parts.append(html_table(
        pd.DataFrame.from_dict(disp_rows, orient="index"),
        caption=f"{label} by cluster, latest {len(keep)} {pw}; {ev.params.council}",
        row_header="Cluster (wave)", notes=partial_note))
    return section(data["title"], intro + "\n".join(parts), level=3,
                   anchor=f"trend-{escape(measure_id)}")


def trends(ev: Evaluation) -> str:
    """Render the trends section: every measure of the report."""
    body = "\n".join(measure_trend(ev, mid) for mid in ev.trends)
    return section("Measures over time around go-live", body, anchor="trends")
