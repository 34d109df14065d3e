"""What the impact report is computed from: validated data, the design and each measure's panel.

:class:`ReportInputs` is built once per report (:func:`load_inputs`) and handed down the
evaluation. Panels are built on first use and cached (:meth:`ReportInputs.panel`), so the
trends, estimates, robustness checks and equality breakdowns all read the same numbers, with
the same programme scope and the same rollout rule.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from eah_eval.data.lineage import resolve_lineage
from eah_eval.data.load import Council, load_council
from eah_eval.data.periods import academic_year_start
from eah_eval.data.snapshot import handed_over
from eah_eval.measures import get_measure, open_tables, rollout_panel
from eah_eval.measures.programme import ProgrammeScope
from eah_eval.measures.rollout import RULE_TEXT
from eah_eval.reporting.impact.params import ReportParams

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportInputs:
    """Data and settings of one impact report.

    Attributes
    ----------
    params : ReportParams
    council : Council
        Validated input tables with their row accounting.
    tableset : TableSet
        The measures layer's view of the tables (DuckDB by default).
    design : pandas.DataFrame
        ``cluster_id, cluster_name, go_live_date, rollout_wave, n_schools`` for the clusters
        in the report (schools served by the programme; a school that changed URN counts
        once, as in the estimation panels).
    scope : ProgrammeScope
        Which schools the programme serves.
    """

    params: ReportParams
    council: Any
    tableset: Any
    design: pd.DataFrame
    scope: ProgrammeScope
    _panels: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """The validated input tables."""
        tables: Mapping[str, pd.DataFrame] = self.council.tables
        return tables

    @property
    def rollout_rule(self) -> str:
        """The rollout rule in words (the same for every panel and chart)."""
        return RULE_TEXT[self.params.mid_period_rule]

    def panel(self, measure_id: str) -> pd.DataFrame:
        """Return the measure's school x period rollout panel for the report's clusters."""
        if measure_id not in self._panels:
            panel = rollout_panel(self.tableset, measure_id, level=self.params.level,
                                  mid_period_rule=self.params.mid_period_rule,
                                  scope=self.scope)
            keep = panel["cluster"].isin(self.design["cluster_id"])
            if self.params.first_year or self.params.last_year:
                keep &= year_mask(panel, self.params)
            out = panel[keep].reset_index(drop=True)
            out.attrs.update(panel.attrs)
            self._panels[measure_id] = out
        return self._panels[measure_id]

    def sources(self, measure_id: str) -> tuple[str, ...]:
        """Input tables a measure is computed from."""
        return tuple(get_measure(measure_id).source_tables)

    def span(self, measure_id: str) -> str:
        """First and last period of a measure's panel, as labels."""
        panel = self.panel(measure_id)
        if panel.empty:
            return "no periods"
        ordered = panel.drop_duplicates("period_index").sort_values("period_index")
        return f"{ordered['period'].iloc[0]} to {ordered['period'].iloc[-1]}"


def year_mask(frame: pd.DataFrame, params: ReportParams) -> pd.Series:
    """Rows whose period falls in the report's academic years (``first_year``..``last_year``)."""
    lo = academic_year_start(params.first_year) if params.first_year else -10**9
    hi = academic_year_start(params.last_year) if params.last_year else 10**9
    start = frame["period"].astype(str).str.slice(0, 4).astype(int)
    return (start >= lo) & (start <= hi)


def load_inputs(params: ReportParams, council: Council | None = None) -> ReportInputs:
    """Load and validate the council's data and fix the design the report covers.

    ``council`` is the data already loaded and validated from ``params.data`` (default: the
    council the report runner loaded and handed over, :func:`eah_eval.data.snapshot.handed_over`,
    or else loaded here).
    """
    if council is None:
        council = handed_over(params.data)
        if council is None:
            logger.info("impact evaluation: loading the data in %s", params.data)
            council = load_council(params.data)
        else:
            logger.info("impact evaluation: the data in %s, as the report runner loaded and "
                        "checked them while the kernel started", params.data)
    scope = ProgrammeScope(phases=params.programme_phases)
    tables = council.tables
    clusters = tables["clusters"].copy()
    schools = tables["schools"]
    served = schools[scope.serves(schools)]
    # A school that changed URN (academy conversion, merger) is one school: count canonical
    # URNs, as the estimation panels do.
    lineage = resolve_lineage(schools, tables["school_links"])
    canonical = served.assign(unit=lineage.canonical(served["urn"].astype(str)))
    n_schools = canonical.groupby("cluster_id")["unit"].nunique().rename("n_schools")
    design = clusters.merge(n_schools, left_on="cluster_id", right_index=True, how="left")
    design["n_schools"] = design["n_schools"].fillna(0).astype(int)
    if params.clusters:
        design = design[design["cluster_id"].isin(params.clusters)]
    if params.waves:
        design = design[design["rollout_wave"].isin(params.waves)]
    design = design.sort_values(["rollout_wave", "go_live_date", "cluster_id"]).reset_index(
        drop=True)
    return ReportInputs(params=params, council=council, tableset=open_tables(council),
                        design=design, scope=scope)
