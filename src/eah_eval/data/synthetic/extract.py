"""A synthetic pupil-level national extract: several synthetic councils in one set of tables.

National pupil-level data (an NPD-style extract of the school census and attendance for many
authorities) has the council tables' columns, with many local authorities in them.
:func:`make_national_extract` draws that shape from synthetic councils (each with its own LA
code, seed and go-live dates) and stacks them, so that the measures' engines, Spark included,
can turn pupil records into the school-level multi-area panel end to end.

Keys are made unique across councils: the first digit of every URN becomes the council's
position (1-9; a council's URNs all start with 1, so they stay distinct within it), and pupil,
cluster, exclusion and request identifiers are prefixed with the LA code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from eah_eval.data.synthetic.council import make_council
from eah_eval.errors import OptionError

__all__ = ["EXTRACT_TABLES", "NationalExtract", "make_national_extract"]

#: the tables of the extract (what a pupil-level national extract holds)
EXTRACT_TABLES: tuple[str, ...] = ("schools", "school_links", "clusters", "pupil_census",
                                   "attendance", "suspensions")
_URN_COLUMNS = ("urn", "linked_urn")
_PREFIXED = ("pupil_id", "cluster_id", "exclusion_id")
_DEFAULT_CODES = ("839", "340", "886", "919")
_DEFAULT_WAVES: tuple[tuple[str, ...], ...] = (
    ("2023-09-01", "2024-09-01", "2025-09-01"),
    ("2024-09-01", "2025-09-01"),
    ("2025-09-01", "2026-09-01"),
    ("2029-09-01",),
)


@dataclass(frozen=True)
class NationalExtract:
    """Several synthetic councils stacked into one pupil-level extract.

    Attributes
    ----------
    frames : Mapping[str, pandas.DataFrame]
        One frame per table of :data:`EXTRACT_TABLES`, the council tables' columns.
    programme : pandas.DataFrame
        ``area_programme`` layout: each council's first go-live as its programme start.
    truth : Mapping[str, Mapping[str, Any]]
        Each council's ``truth`` (see :func:`~eah_eval.data.synthetic.make_council`), by LA code.
    seeds : Mapping[str, int]
        Each council's seed, by LA code.
    """

    frames: Mapping[str, pd.DataFrame]
    programme: pd.DataFrame
    truth: Mapping[str, Mapping[str, Any]]
    seeds: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


def _remap(frame: pd.DataFrame, position: int, la_code: str) -> pd.DataFrame:
    out = frame.copy()
    for col in _URN_COLUMNS:
        if col in out.columns:
            text = out[col].astype("string")
            out[col] = (str(position) + text.str.slice(1)).where(text.notna())
    for col in _PREFIXED:
        if col in out.columns:
            out[col] = (la_code + "-" + out[col].astype("string")).where(out[col].notna())
    return out


def make_national_extract(
    la_codes: Sequence[str] = _DEFAULT_CODES,
    *,
    waves: Sequence[Sequence[str]] = _DEFAULT_WAVES,
    seed: int = 20261204,
    small: bool = True,
) -> NationalExtract:
    """Draw synthetic councils and stack them into one pupil-level extract.

    Parameters
    ----------
    la_codes : sequence of str
        The councils' three-digit LA codes (at most 9), the demo council's first by default.
    waves : sequence of sequences of str
        Each council's go-live dates (term starts). A council whose dates all fall after the
        councils' window (2021/22 to 2028/29) has not started within it: it is drawn with no
        effects and its programme start is its first date.
    seed : int
        Council ``i`` is drawn with seed ``seed + i``.
    small : bool, default True
        Small councils (4 clusters, 12 schools) as in the tests; False for full-size ones.

    Returns
    -------
    NationalExtract

    Raises
    ------
    OptionError
        For more than 9 councils, repeated LA codes, or ``waves`` not one per council.

    Examples
    --------
    >>> ext = make_national_extract(("839", "340"), waves=(("2023-09-01",), ("2025-09-01",)))
    >>> sorted(ext.frames["schools"]["la_code"].unique())
    ['340', '839']
    """
    codes = [str(c) for c in la_codes]
    if not 1 <= len(codes) <= 9 or len(set(codes)) != len(codes):
        raise OptionError(f"la_codes must be 1 to 9 distinct LA codes; got {codes}")
    if len(waves) != len(codes):
        raise OptionError(f"waves must give one list of go-live dates per council ({len(codes)});"
                          f" got {len(waves)}")
    pieces: dict[str, list[pd.DataFrame]] = {t: [] for t in EXTRACT_TABLES}
    starts, truth, seeds = [], {}, {}
    for i, (code, dates) in enumerate(zip(codes, waves, strict=True)):
        first = min(dt.date.fromisoformat(d) for d in dates)
        in_window = [d for d in dates if dt.date.fromisoformat(d) < dt.date(2029, 9, 1)]
        # a council not started inside the window is drawn without effects
        council = make_council(seed + i, la_code=code, small=small,
                               waves=in_window or ["2028-09-01"],
                               effects=None if in_window else {})
        for table in EXTRACT_TABLES:
            frame = council.tables[table]
            if table == "clusters" and not in_window:
                frame = frame.assign(go_live_date=pd.Timestamp(first))
            pieces[table].append(_remap(frame, i + 1, code))
        starts.append(pd.Timestamp(first))
        truth[code] = council.truth
        seeds[code] = seed + i
    frames = {t: pd.concat(p, ignore_index=True) for t, p in pieces.items()}
    programme = pd.DataFrame({"la_code": codes,
                              "la_name": [f"Synthetic council {c}" for c in codes],
                              "programme_start": starts, "start_source": "synthetic"})
    return NationalExtract(frames=MappingProxyType(frames), programme=programme,
                           truth=MappingProxyType(truth), seeds=MappingProxyType(seeds))
