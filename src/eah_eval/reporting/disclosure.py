"""The disclosure ledger: every count, rate and estimate a report publishes passes through it.

:mod:`eah_eval.reporting.suppression` holds the rules and the table algorithms (primary and
secondary suppression within one table). This module holds the *ledger* a report keeps while
it computes: each published cell is entered under a table name and a key, with the number of
people it is about, and the ledger

* applies the policy to single counts of people (:meth:`DisclosureLedger.people`);
* hides a rate or estimate about fewer people than the threshold, whatever its denominator
  counts (sessions, results, records), and a rate whose denominator is below the measure's
  ``min_denominator`` (:meth:`DisclosureLedger.value`);
* runs the table algorithms and keeps their records (:meth:`DisclosureLedger.rows`,
  :meth:`DisclosureLedger.table`);
* applies complementary suppression **across tables** (:meth:`DisclosureLedger.link` then
  :meth:`DisclosureLedger.resolve`): a value built from other published cells (a wave's
  estimate from its clusters', a total from its parts) is hidden when it would reveal a hidden
  part (a wave with one cluster), and when exactly one part of a visible whole is hidden, the
  smallest visible part is hidden too, so no subtraction recovers it.

:data:`COUNT_KEYS` lists the ``results.json`` keys that hold counts of people; the report's
consistency check (:mod:`eah_eval.reporting.impact.check`) scans them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from eah_eval.reporting.suppression import (
    DisclosurePolicy,
    SuppressedFrame,
    SuppressedTable,
    SuppressionRecord,
    suppress_rows,
    suppress_table,
)

#: Keys in ``results.json`` whose values are counts of people.
COUNT_KEYS: frozenset[str] = frozenset(
    {
        "numerator",
        "denominator",
        "pupils",
        "n_pupils_treated",
        "n_pupils_comparison",
        "rows_read",
        "rows_kept",
        "rows_excluded",
        "records_per_period",
    }
)

#: Input tables whose records describe people (pupils, their requests, staff): their record
#: counts get disclosure control. Records of schools, clusters, links, money and activity do
#: not describe people and are shown as they are.
PEOPLE_TABLES: frozenset[str] = frozenset({
    "pupil_census", "attendance", "suspensions", "ehc_requests", "eah_requests", "workforce",
    "attainment",
})

Key = tuple[str, str]


@dataclass(frozen=True)
class Link:
    """A published whole and the published parts it is built from (across tables)."""

    whole: Key
    parts: tuple[Key, ...]


class DisclosureLedger:
    """Collects every published cell of one report and applies the disclosure policy.

    Parameters
    ----------
    policy : DisclosurePolicy
        The rules (threshold, DfE's 1-and-2 rule, zeros, secondary suppression).

    Notes
    -----
    The ledger is the one mutable object of a report's computation: cells are entered while
    the evaluation is computed, :meth:`resolve` is called once at the end, and the frozen
    evaluation then reads each cell's final flag with :meth:`flag`. Records of what was
    suppressed are returned by :meth:`records` for ``results.json``.
    """

    def __init__(self, policy: DisclosurePolicy) -> None:
        self.policy = policy
        self._records: list[SuppressionRecord] = []
        self._flags: dict[Key, str] = {}
        self._people: dict[Key, float] = {}
        self._links: list[Link] = []
        self._resolved = False

    # -- single cells ---------------------------------------------------------------------

    def people(self, n: float, *, table: str, key: str) -> tuple[float, str]:
        """Enter a count of people; return ``(value, flag)`` with the value NaN when hidden.

        Counts below the threshold (policy rule) are hidden with flag ``"c"``; a missing
        count gets ``"x"``.
        """
        if n is None or (isinstance(n, float) and not math.isfinite(n)):
            return self._enter((table, key), float("nan"), "x", n)
        if self.policy.is_small(n):
            return self._enter((table, key), float("nan"), "c", n)
        return self._enter((table, key), float(round(n)), "", n)

    def value(
        self,
        v: float,
        *,
        table: str,
        key: str,
        people: float,
        denominator: float | None = None,
        min_denominator: int = 0,
    ) -> tuple[float, str]:
        """Enter a rate, mean or estimate about ``people`` people; return ``(value, flag)``.

        Hidden (``"c"``) when ``people`` is below the threshold, whatever the denominator
        counts, or when ``denominator`` is below ``min_denominator`` (the measure's smallest
        publishable denominator); ``"x"`` when the value is missing.
        """
        small = people is None or not math.isfinite(float(people)) or (
            self.policy.is_small(float(people)) if float(people) > 0 else False)
        if denominator is not None and math.isfinite(float(denominator)) and (
                float(denominator) < min_denominator):
            small = True
        if small:
            return self._enter((table, key), float("nan"), "c", people)
        if v is None or not math.isfinite(float(v)):
            return self._enter((table, key), float("nan"), "x", people)
        return self._enter((table, key), float(v), "", people)

    def _enter(self, key: Key, v: float, flag: str, people: float | None) -> tuple[float, str]:
        self._flags[key] = flag
        self._people[key] = float(people) if people is not None and math.isfinite(
            float(people)) else float("inf")
        return v, flag

    # -- whole tables ---------------------------------------------------------------------

    def rows(
        self,
        frame: pd.DataFrame,
        *,
        counts: Sequence[str],
        name: str,
        derived: Mapping[str, Sequence[str]] | None = None,
        table_by: tuple[str, str] | None = None,
        row_groups: Mapping[Any, Any] | None = None,
    ) -> SuppressedFrame:
        """Apply :func:`~eah_eval.reporting.suppression.suppress_rows` and keep its record."""
        out = suppress_rows(frame, counts=counts, derived=derived, policy=self.policy,
                            table_by=table_by, row_groups=row_groups, name=name)
        self._records.append(out.record)
        return out

    def table(self, counts: pd.DataFrame, *, name: str, margins: bool = True) -> SuppressedTable:
        """Apply :func:`~eah_eval.reporting.suppression.suppress_table` and keep its record."""
        out = suppress_table(counts, policy=self.policy, name=name, margins=margins)
        self._records.append(out.record)
        return out

    # -- across tables --------------------------------------------------------------------

    def link(self, whole: Key, parts: Sequence[Key]) -> None:
        """Declare that the published cell ``whole`` is built from the published ``parts``."""
        self._links.append(Link(whole, tuple(parts)))

    def part(self) -> DisclosureLedger:
        """Return an empty ledger with the same policy, for one part computed elsewhere.

        A part of the evaluation computed in another process enters its cells here; the
        ledger is then added with :meth:`merge` where that part would have been computed.
        """
        return DisclosureLedger(self.policy)

    def merge(self, part: DisclosureLedger) -> None:
        """Add the cells, links and records of a :meth:`part`, as if entered here now."""
        if self._resolved or part._resolved:
            raise RuntimeError("a ledger part is merged before the ledger is resolved")
        for key, flag in part._flags.items():
            self._flags[key] = flag
            self._people[key] = part._people[key]
        self._links.extend(part._links)
        self._records.extend(part._records)

    def resolve(self) -> list[str]:
        """Apply complementary suppression across the linked cells; return what was done.

        Repeated until nothing changes: a whole with a hidden part and no other part (or
        whose other parts are all hidden already) is hidden; a visible whole with exactly one
        hidden part among several gets the visible part about the fewest people hidden too.
        """
        actions: list[str] = []
        changed = True
        while changed:
            changed = False
            for link in self._links:
                parts = [p for p in link.parts if p in self._flags]
                hidden = [p for p in parts if self._flags[p] == "c"]
                if not hidden or self._flags.get(link.whole, "") == "c":
                    continue
                visible = [p for p in parts if self._flags[p] == ""]
                if not visible:
                    self._flags[link.whole] = "c"
                    actions.append(f"{link.whole[0]} {link.whole[1]}: hidden, its only "
                                   f"part(s) {', '.join(h[1] for h in hidden)} are hidden")
                    changed = True
                elif len(hidden) == 1:
                    pick = min(visible, key=lambda p: (self._people.get(p, math.inf), p))
                    self._flags[pick] = "c"
                    actions.append(f"{pick[0]} {pick[1]}: hidden so that "
                                   f"{hidden[0][1]} cannot be worked out from "
                                   f"{link.whole[0]} {link.whole[1]}")
                    changed = True
        self._resolved = True
        if actions:
            self._records.append(SuppressionRecord(
                table="across tables", policy=self.policy.to_dict(),
                n_cells=len(self._flags), n_primary=0, n_secondary=len(actions),
                n_derived=0))
        self._actions = actions
        return actions

    def flag(self, table: str, key: str) -> str:
        """Return an entered cell's final flag (``""`` shown, ``"c"`` hidden, ``"x"`` missing)."""
        return self._flags.get((table, key), "")

    def records(self) -> tuple[dict[str, Any], ...]:
        """Return what suppression did, table by table, for ``results.json``."""
        return tuple(r.to_dict() for r in self._records)
