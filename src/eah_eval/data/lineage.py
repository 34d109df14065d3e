"""URN lineage: follow a school across the new URNs created by conversion, merger, amalgamation.

A school is identified by its URN, and academy conversion, mergers and amalgamations give it a
new one. DfE's register records links between URNs (``school_links``); a row says what
``linked_urn`` is to ``urn``. The same change may be recorded either way round (a ``successor``
row on the old URN, a ``predecessor`` row on the new URN, or both); both forms give the same
directed change *old URN -> new URN*.

Rule ``"chain_successors"`` (the default):

* predecessor -> successor links are chained: A -> B -> C maps A, B and C to C;
* ``merged`` and ``amalgamated`` links map the closing URN into the surviving or new URN. The
  link type does not say which side survives, so the direction comes from ``schools``: the URN
  that closes first (``close_date``; blank = still open) is the old one; if both close together,
  the one that opened later is the new one; if that still does not decide, the link is reported
  as a problem;
* ``split`` links are **not** chained: every URN involved keeps its own identity (a split school's
  pupils cannot be assigned to one successor). They are listed in :attr:`Lineage.not_followed`;
* an old URN with two different successors (other than by ``split``), a link from a URN to
  itself, and a cycle (A -> B -> A) are data errors.

Rule ``"none"`` follows no links: every URN is its own canonical URN (for sensitivity checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from eah_eval.errors import DataProblem, DataValidationError, check_option

LineageRule = Literal["chain_successors", "none"]
LINEAGE_RULES: tuple[str, ...] = ("chain_successors", "none")

RULE_TEXT: Mapping[str, str] = {
    "chain_successors": (
        "URN lineage rule 'chain_successors': predecessor->successor links are chained to the "
        "latest URN (recorded either as a successor row on the old URN or a predecessor row on "
        "the new URN); merged and amalgamated URNs map into the surviving or new URN (direction "
        "from the schools' close and open dates); splits are not chained (each URN of a split "
        "stays separate)."
    ),
    "none": "URN lineage rule 'none': no URN links followed; every URN is analysed on its own.",
}

_CHANGE_COLUMNS = ["urn", "successor_urn", "link_type", "link_date", "recorded_as"]
_NOT_FOLLOWED_COLUMNS = ["urn", "linked_urn", "link_type", "link_date", "reason"]


@dataclass(frozen=True, eq=False)
class Lineage:
    """Result of :func:`resolve_lineage`.

    Attributes
    ----------
    mapping : pandas.DataFrame
        Columns ``urn`` and ``canonical_urn``: one row per URN found in ``schools`` or
        ``school_links``, sorted by ``urn``. An URN with no followed change maps to itself.
    rule : str
        Plain-English statement of the rule used (print it with every output).
    changes : pandas.DataFrame
        One row per URN change followed: ``urn`` (old), ``successor_urn`` (new), ``link_type``,
        ``link_date`` and ``recorded_as`` (how the link was recorded).
    not_followed : pandas.DataFrame
        Links deliberately not followed (splits): ``urn``, ``linked_urn``, ``link_type``,
        ``link_date``, ``reason``.
    rule_id : str
        The rule option (``"chain_successors"`` or ``"none"``).
    """

    mapping: pd.DataFrame
    rule: str
    changes: pd.DataFrame
    not_followed: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=_NOT_FOLLOWED_COLUMNS)
    )
    rule_id: str = "chain_successors"

    def as_dict(self) -> dict[str, str]:
        """Return the mapping as ``{urn: canonical_urn}``."""
        return dict(zip(self.mapping["urn"], self.mapping["canonical_urn"], strict=True))

    def canonical(self, urns: pd.Series) -> pd.Series:
        """Map a series of URNs to canonical URNs (URNs not in the mapping map to themselves)."""
        mapped = urns.map(self.as_dict())
        return mapped.where(mapped.notna(), urns)


def _dates(schools: pd.DataFrame | None) -> tuple[dict[str, pd.Timestamp], dict[str, pd.Timestamp]]:
    if schools is None or "urn" not in schools.columns:
        return {}, {}
    urns = schools["urn"].astype(str)
    opened: dict[str, pd.Timestamp] = {}
    closed: dict[str, pd.Timestamp] = {}
    if "open_date" in schools.columns:
        opened = dict(zip(urns, pd.to_datetime(schools["open_date"]), strict=True))
    if "close_date" in schools.columns:
        closed = dict(zip(urns, pd.to_datetime(schools["close_date"]), strict=True))
    return opened, closed


def _merge_direction(
    a: str,
    b: str,
    opened: Mapping[str, pd.Timestamp],
    closed: Mapping[str, pd.Timestamp],
) -> tuple[str, str] | None:
    """Return (old, new) for a merged/amalgamated pair, or None when the dates do not decide."""
    far = pd.Timestamp.max
    early = pd.Timestamp.min
    end_a = closed.get(a, pd.NaT)
    end_b = closed.get(b, pd.NaT)
    end_a = far if pd.isna(end_a) else end_a
    end_b = far if pd.isna(end_b) else end_b
    if end_a < end_b:
        return a, b
    if end_b < end_a:
        return b, a
    start_a = opened.get(a, pd.NaT)
    start_b = opened.get(b, pd.NaT)
    start_a = early if pd.isna(start_a) else start_a
    start_b = early if pd.isna(start_b) else start_b
    if start_a < start_b:
        return a, b
    if start_b < start_a:
        return b, a
    return None


def _edges(
    schools: pd.DataFrame | None, links: pd.DataFrame, file: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[DataProblem]]:
    """Turn link rows into directed changes old -> new; return (changes, not_followed, problems).

    Row numbers in problems are the frame's integer index labels plus one (the file row when
    the frame was read with a default index, even after rows were filtered out). ``changes``
    carries an extra ``row`` column (first file row recording the change).
    """
    rows = [int(i) + 1 for i in links.index] if pd.api.types.is_integer_dtype(
        links.index
    ) else list(range(1, len(links) + 1))
    problems: list[DataProblem] = []
    opened, closed = _dates(schools)
    change_rows: list[dict[str, object]] = []
    split_rows: list[dict[str, object]] = []
    urn_col = links["urn"].astype(str).tolist()
    linked_col = links["linked_urn"].astype(str).tolist()
    type_col = links["link_type"].astype(str).tolist()
    date_col = (
        pd.to_datetime(links["link_date"]).tolist()
        if "link_date" in links.columns
        else [pd.NaT] * len(links)
    )
    for row, urn, linked, kind, date in zip(
        rows, urn_col, linked_col, type_col, date_col, strict=True
    ):
        if urn == linked:
            problems.append(
                DataProblem(
                    "school_links", file, row, "linked_urn", "self_link",
                    "a linked URN different from urn", f"a link from URN {urn} to itself",
                )
            )
            continue
        if kind == "split":
            split_rows.append(
                {"urn": urn, "linked_urn": linked, "link_type": kind, "link_date": date,
                 "reason": "splits are not chained: both URNs keep their own identity"}
            )
            continue
        if kind == "successor":
            old, new, how = urn, linked, f"successor row on URN {urn}"
        elif kind == "predecessor":
            old, new, how = linked, urn, f"predecessor row on URN {urn}"
        elif kind in ("merged", "amalgamated"):
            direction = _merge_direction(urn, linked, opened, closed)
            if direction is None:
                problems.append(
                    DataProblem(
                        "school_links", file, row, "link_type", "ambiguous_merge",
                        f"schools.csv close_date/open_date telling which of URNs {urn} and "
                        f"{linked} survives the {kind} link",
                        "both have the same close and open dates",
                    )
                )
                continue
            old, new = direction
            how = f"{kind} row on URN {urn}; {old} closes first, so it maps into {new}"
        else:
            # codes outside the enum are reported by the table validator
            continue
        change_rows.append(
            {"urn": old, "successor_urn": new, "link_type": kind, "link_date": date,
             "recorded_as": how, "row": row}
        )
    changes = pd.DataFrame(change_rows, columns=[*_CHANGE_COLUMNS, "row"])
    if len(changes):
        # the same change recorded both ways round is one change
        changes = changes.drop_duplicates(subset=["urn", "successor_urn"], keep="first")
    not_followed = pd.DataFrame(split_rows, columns=_NOT_FOLLOWED_COLUMNS)
    return changes.reset_index(drop=True), not_followed, problems


def _chain(
    changes: pd.DataFrame, file: str
) -> tuple[dict[str, str], list[DataProblem]]:
    """Follow the successor pointers; return ({urn: canonical}, problems)."""
    problems: list[DataProblem] = []
    succ: dict[str, str] = {}
    row_of: dict[str, int] = {}
    for old, new, row in zip(changes["urn"], changes["successor_urn"], changes["row"],
                             strict=True):
        if old in succ and succ[old] != new:
            problems.append(
                DataProblem(
                    "school_links", file, int(row), "linked_urn", "ambiguous_successor",
                    f"one successor for URN {old} (record a split with link_type 'split')",
                    f"successors {succ[old]} and {new}",
                )
            )
            continue
        succ[old] = new
        row_of[old] = int(row)
    canonical: dict[str, str] = {}
    on_path: set[str] = set()
    reported: set[frozenset[str]] = set()
    for start in sorted(succ):
        if start in canonical:
            continue
        path: list[str] = []
        node = start
        while node in succ and node not in canonical and node not in on_path:
            on_path.add(node)
            path.append(node)
            node = succ[node]
        end: str | None
        if node in on_path:
            cycle = path[path.index(node):]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                chain = " -> ".join([*cycle, cycle[0]])
                problems.append(
                    DataProblem(
                        "school_links", file, min(row_of[u] for u in cycle), "linked_urn",
                        "lineage_cycle", "URN links without cycles", f"cycle {chain}",
                    )
                )
            end = None
        else:
            end = canonical.get(node, node)
        for u in path:
            on_path.discard(u)
            canonical[u] = u if end is None else end
    return canonical, problems


def lineage_problems(
    schools: pd.DataFrame | None,
    school_links: pd.DataFrame,
    *,
    file: str = "school_links.csv",
) -> list[DataProblem]:
    """Return the lineage problems in ``school_links`` without raising.

    Problems: a link from a URN to itself (``self_link``), a merged/amalgamated link whose
    direction the schools' dates do not decide (``ambiguous_merge``), an URN with two successors
    (``ambiguous_successor``) and cycles (``lineage_cycle``, naming the URNs).

    Parameters
    ----------
    schools : pandas.DataFrame or None
        The schools table (``urn``, ``open_date``, ``close_date``), used for merge direction.
    school_links : pandas.DataFrame
        The links table (``urn``, ``linked_urn``, ``link_type``, ``link_date``).
    file : str
        File name used in the problems.

    Returns
    -------
    list of DataProblem
        Row numbers are the index labels of ``school_links`` plus one.
    """
    if len(school_links) == 0:
        return []
    changes, _, problems = _edges(schools, school_links, file)
    _, chain_problems = _chain(changes, file)
    return problems + chain_problems


def resolve_lineage(
    schools: pd.DataFrame,
    school_links: pd.DataFrame,
    *,
    rule: LineageRule = "chain_successors",
    file: str = "school_links.csv",
) -> Lineage:
    """Map every URN to the canonical (latest) URN of the school it belongs to.

    Parameters
    ----------
    schools : pandas.DataFrame
        The schools table; needs ``urn`` and, for merged/amalgamated links, ``open_date`` and
        ``close_date``.
    school_links : pandas.DataFrame
        The links table: ``urn``, ``linked_urn``, ``link_type`` (predecessor, successor, merged,
        amalgamated, split), ``link_date``.
    rule : {"chain_successors", "none"}
        ``"chain_successors"`` follows the links as described in the module notes; ``"none"``
        maps each URN to itself.
    file : str
        File name used in error messages.

    Returns
    -------
    Lineage
        ``mapping`` (urn, canonical_urn), ``rule`` (text), ``changes``, ``not_followed``.

    Raises
    ------
    OptionError
        If ``rule`` is not an allowed value.
    DataValidationError
        For a self link, an undecidable merge direction, two successors for one URN, or a
        cycle; the message names the URNs and file rows.

    Notes
    -----
    Changes are directed old -> new. A ``successor`` row on URN ``u`` with linked URN ``v`` is
    ``u -> v``; a ``predecessor`` row on ``u`` with linked ``v`` is ``v -> u``. The canonical URN
    is the end of the chain of successors.

    Examples
    --------
    >>> import pandas as pd
    >>> schools = pd.DataFrame({"urn": ["100001", "100002", "100003"]})
    >>> links = pd.DataFrame({"urn": ["100001", "100003"], "linked_urn": ["100002", "100002"],
    ...                       "link_type": ["successor", "predecessor"],
    ...                       "link_date": pd.to_datetime(["2022-09-01", "2024-09-01"])})
    >>> resolve_lineage(schools, links).as_dict()
    {'100001': '100003', '100002': '100003', '100003': '100003'}
    """
    check_option("rule", rule, LINEAGE_RULES)
    links = school_links.reset_index(drop=True)
    universe: set[str] = set(schools["urn"].astype(str)) if "urn" in schools.columns else set()
    if len(links):
        universe |= set(links["urn"].astype(str)) | set(links["linked_urn"].astype(str))
    urns = sorted(universe)
    if rule == "none" or len(links) == 0:
        mapping = pd.DataFrame({"urn": urns, "canonical_urn": urns}, dtype=object)
        return Lineage(
            mapping=mapping,
            rule=RULE_TEXT[rule],
            changes=pd.DataFrame(columns=_CHANGE_COLUMNS),
            rule_id=rule,
        )
    changes, not_followed, problems = _edges(schools, links, file)
    canonical, chain_problems = _chain(changes, file)
    problems += chain_problems
    if problems:
        raise DataValidationError(problems)
    mapping = pd.DataFrame(
        {"urn": urns, "canonical_urn": [canonical.get(u, u) for u in urns]}, dtype=object
    )
    return Lineage(
        mapping=mapping,
        rule=RULE_TEXT[rule],
        changes=changes[_CHANGE_COLUMNS].reset_index(drop=True),
        not_followed=not_followed,
        rule_id=rule,
    )
