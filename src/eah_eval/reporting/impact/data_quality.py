"""Row accounting, URN changes followed and gaps in the data, for the data-quality section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from eah_eval.data.lineage import resolve_lineage
from eah_eval.reporting.disclosure import PEOPLE_TABLES, DisclosureLedger
from eah_eval.reporting.impact.inputs import ReportInputs


def protect_accounting(acc: pd.DataFrame, ledger: DisclosureLedger) -> pd.DataFrame:
    """Suppress small record counts: rows read = kept + excluded, so both parts are protected.

    Records of the tables in :data:`~eah_eval.reporting.disclosure.PEOPLE_TABLES` describe
    people, so a small count is treated like any other small count (primary suppression) and
    the row relation read = kept + excluded gets secondary suppression.
    """
    need = {"rows_read", "rows_kept", "rows_excluded"}
    if not need <= set(acc.columns):
        return acc
    out = acc.copy()
    people = out["table"].isin(PEOPLE_TABLES).to_numpy()
    for col in ("rows_kept", "rows_excluded", "rows_read"):
        out[col] = out[col].astype(float)
    if people.any():
        counts = out.loc[people, ["rows_kept", "rows_excluded"]].astype(float)
        counts.index = pd.RangeIndex(len(counts))
        st = ledger.table(counts, name="row accounting", margins=True)
        inner = st.values.iloc[: len(counts)]
        out.loc[people, "rows_kept"] = inner["rows_kept"].to_numpy()
        out.loc[people, "rows_excluded"] = inner["rows_excluded"].to_numpy()
        out.loc[people, "rows_read"] = inner["Total"].to_numpy()
    keep = [c for c in ("table", "rows_read", "rows_kept", "rows_excluded", "reason") if c in out]
    return out[keep]


def data_quality_records(inputs: ReportInputs, ledger: DisclosureLedger,
                         trends: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Row accounting, URN changes followed, schools outside the programme and gaps."""
    acc = inputs.council.accounting
    rows = []
    if isinstance(acc, pd.DataFrame) and len(acc):
        for r in protect_accounting(acc, ledger).to_dict(orient="records"):
            row = {k: (None if pd.isna(v) else v) for k, v in r.items()}
            row["describes_people"] = str(row.get("table")) in PEOPLE_TABLES
            rows.append(row)
    changes = 0
    rule = ""
    links = inputs.tables.get("school_links")
    if links is not None:
        lin = resolve_lineage(inputs.tables["schools"], links)
        changes = len(lin.changes)
        rule = lin.rule
    missing: list[str] = []
    partial: dict[str, list[str]] = {}
    for mid, data in trends.items():
        recs = data.get("by_cluster", [])
        if recs:
            periods = sorted({r["period"] for r in recs})
            clusters = {r["cluster"] for r in recs}
            have = {(r["cluster"], r["period"]) for r in recs}
            n_missing = sum((c, p) not in have for c in clusters for p in periods)
            if n_missing:
                missing.append(f"{mid}: {n_missing} cluster-period(s) with no data")
        if data.get("partial_periods"):
            partial[mid] = list(data["partial_periods"])
    schools = inputs.tables["schools"]
    served = inputs.scope.serves(schools)
    not_served = schools.loc[~served]
    by_phase = not_served.groupby("phase").size().to_dict() if len(not_served) else {}
    return {
        "fingerprint": str(inputs.council.fingerprint),
        "accounting": rows, "urn_changes_followed": changes, "lineage_rule": rule,
        "periods_missing": missing, "partial_periods": partial,
        "schools_not_served": {"scope": inputs.scope.describe(),
                               "by_phase": {str(k): int(v) for k, v in by_phase.items()}},
    }
