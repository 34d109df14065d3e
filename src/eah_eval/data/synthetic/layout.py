"""Calendar, clusters and schools of the synthetic council (everything before any pupil exists).

Dates are carried as integer days since 1970-01-01 (``numpy`` ``datetime64[D]`` values viewed as
integers) so that every draw stays vectorised and reproducible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eah_eval.data.periods import academic_year_label, academic_year_start, term_of
from eah_eval.errors import OptionError

EPOCH = dt.date(1970, 1, 1)

#: Possible sessions in a full term (2 a day): autumn, spring, summer (190 days a year).
TERM_SESSIONS: tuple[int, int, int] = (144, 116, 120)
#: First and last school day of each term as (month, day) offsets used for event dates.
_SCHOOL_DAYS: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (
    ((9, 4), (12, 19)),
    ((1, 5), (3, 29)),
    ((4, 15), (7, 21)),
)

_PLACE_A = (
    "Ash", "Beech", "Bourne", "Brook", "Castle", "Chalk", "Cliff", "Corfe", "Down", "Elm",
    "Fern", "Glen", "Harbour", "Heath", "Holm", "Kings", "Lark", "Mill", "Moor", "Oak",
    "Pine", "Quay", "Ridge", "Sand", "Stour", "Tide", "Wick", "Willow", "Wood", "Yew",
)
_PLACE_B = (
    "field", "ford", "hurst", "mead", "ton", "wood", "combe", "leigh", "bury", "well",
    " Vale", " Park", " Hill", " Green", " Cross",
)
_CLUSTER_NAMES = (
    "North Coast", "Harbourside", "Riverside", "Heathlands", "Town Centre", "Westcliff",
    "Eastbrook", "Chalk Downs", "Forest Edge", "Quayside", "Northmoor", "Southbay",
)


def day(date: dt.date) -> int:
    """Days since 1970-01-01."""
    return (date - EPOCH).days


def to_date(days: int) -> dt.date:
    """Inverse of :func:`day`."""
    return EPOCH + dt.timedelta(days=int(days))


@dataclass(frozen=True)
class Calendar:
    """Academic years and terms of the window; ``tp`` = term position 0..T-1."""

    first_year: int
    n_years: int
    term_start: np.ndarray  # (T,) first calendar day of each term
    term_end: np.ndarray  # (T,) last calendar day
    school_lo: np.ndarray  # (T,) first school day (for event dates)
    school_hi: np.ndarray  # (T,) last school day
    census_day: np.ndarray  # (A,) January census day per academic year

    @property
    def n_terms(self) -> int:
        """Number of terms in the window."""
        return 3 * self.n_years

    @property
    def end_day(self) -> int:
        """Last day of the window (31 August of the last academic year)."""
        return int(self.term_end[-1])

    def term_index(self, tp: np.ndarray | int) -> np.ndarray:
        """Period index (:func:`eah_eval.data.periods.term_index`) of term positions."""
        return 3 * self.first_year + np.asarray(tp)

    def ay_label(self, a: int) -> str:
        """Academic-year label of year position ``a``."""
        return academic_year_label(self.first_year + int(a))

    def term_position(self, date: dt.date) -> int:
        """Term position of the term containing ``date`` (may fall outside the window)."""
        ay, term = term_of(date)
        return 3 * (academic_year_start(ay) - self.first_year) + ("autumn", "spring",
                                                                  "summer").index(term)


def make_calendar(start: str, end: str) -> Calendar:
    """Build the calendar from academic-year labels ``start`` to ``end`` inclusive.

    Raises
    ------
    OptionError
        If a label is malformed or ``end`` is before ``start``.
    """
    y0 = academic_year_start(start)
    y1 = academic_year_start(end)
    if y1 < y0 + 2:
        raise OptionError(f"end must be at least two academic years after start; got {start!r} "
                          f"to {end!r}")
    starts, ends, lo, hi, census = [], [], [], [], []
    for y in range(y0, y1 + 1):
        bounds = (
            (dt.date(y, 9, 1), dt.date(y, 12, 31)),
            (dt.date(y + 1, 1, 1), dt.date(y + 1, 3, 31)),
            (dt.date(y + 1, 4, 1), dt.date(y + 1, 8, 31)),
        )
        for k, (b0, b1) in enumerate(bounds):
            starts.append(day(b0))
            ends.append(day(b1))
            (m0, d0), (m1, d1) = _SCHOOL_DAYS[k]
            yy = y if k == 0 else y + 1
            lo.append(day(dt.date(yy, m0, d0)))
            hi.append(day(dt.date(yy, m1, d1)))
        jan1 = dt.date(y + 1, 1, 1)
        first_thu = 1 + (3 - jan1.weekday()) % 7
        census.append(day(dt.date(y + 1, 1, first_thu + 14)))
    return Calendar(
        first_year=y0,
        n_years=y1 - y0 + 1,
        term_start=np.array(starts, dtype=np.int64),
        term_end=np.array(ends, dtype=np.int64),
        school_lo=np.array(lo, dtype=np.int64),
        school_hi=np.array(hi, dtype=np.int64),
        census_day=np.array(census, dtype=np.int64),
    )


def weekday_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Draw one weekday between ``lo`` and ``hi`` (inclusive, day numbers) per element."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    d = lo + np.floor(rng.random(lo.shape) * (hi - lo + 1)).astype(np.int64)
    wd = (d + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    d = d - np.where(wd == 5, 1, 0) - np.where(wd == 6, 2, 0)
    return d


@dataclass(frozen=True)
class Layout:
    """Clusters and schools (one row per school *lineage*, i.e. per site across URN changes)."""

    clusters: pd.DataFrame  # cluster, cluster_id, cluster_name, wave, go_live (day), g_tp
    schools: pd.DataFrame  # see make_layout
    la_code: str


def _split_waves(n_clusters: int, n_waves: int) -> list[int]:
    base, extra = divmod(n_clusters, n_waves)
    # later waves take the remainder (the last wave is the largest, as in a typical rollout)
    return [base + (1 if w >= n_waves - extra else 0) for w in range(n_waves)]


def make_layout(
    rng: np.random.Generator,
    cal: Calendar,
    *,
    n_clusters: int,
    n_schools: int,
    waves: tuple[dt.date, ...],
    n_conversions: int,
    primary_size: float,
    la_code: str,
) -> Layout:
    """Draw clusters (with waves and go-live dates) and schools.

    Returns
    -------
    Layout
        ``schools`` has one row per lineage with columns ``lin``, ``phase`` (primary,
        secondary, special), ``etype`` (establishment type before any conversion), ``cluster``
        (integer), ``cohort`` (mean pupils per year group), ``sixth_form``, ``open_a`` (first
        academic-year position, 0 if open from the start), ``close_a`` (last academic-year
        position with pupils), ``conv_tp`` (term position of an academy conversion, -1 if
        none), ``urn``, ``urn_new`` (successor URN or ""), ``name``, ``name_new``.
    """
    if n_clusters < len(waves):
        raise OptionError(f"n_clusters must be at least the number of waves ({len(waves)}); "
                          f"got {n_clusters}")
    if n_schools < 4 * n_clusters // 2 or n_schools < 8:
        raise OptionError(f"n_schools must be at least max(8, 2 x n_clusters); got {n_schools} "
                          f"for {n_clusters} clusters")
    # clusters and waves
    sizes = _split_waves(n_clusters, len(waves))
    wave_of = np.repeat(np.arange(1, len(waves) + 1), sizes)
    wave_of = wave_of[rng.permutation(n_clusters)]
    go_live = np.array([day(waves[w - 1]) for w in wave_of], dtype=np.int64)
    g_tp = np.array([cal.term_position(waves[w - 1]) for w in wave_of], dtype=np.int64)
    names = [
        _CLUSTER_NAMES[i] if i < len(_CLUSTER_NAMES) else f"Locality {i + 1}"
        for i in range(n_clusters)
    ]
    clusters = pd.DataFrame({
        "cluster": np.arange(n_clusters),
        "cluster_id": [f"C{i + 1:02d}" for i in range(n_clusters)],
        "cluster_name": names,
        "wave": wave_of,
        "go_live": go_live,
        "g_tp": g_tp,
    })

    # school mix
    if n_schools >= 30:
        n_special = max(3, round(n_schools * 0.045))
    else:
        n_special = 1
    n_secondary = max(1, round(n_schools * 0.14))
    n_primary = n_schools - n_special - n_secondary
    phase = np.array(["primary"] * n_primary + ["secondary"] * n_secondary
                     + ["special"] * n_special, dtype=object)
    n = n_schools
    etype = np.empty(n, dtype=object)
    etype[:n_primary] = rng.choice(
        np.array(["community", "voluntary_aided", "voluntary_controlled", "foundation",
                  "academy"], dtype=object),
        size=n_primary, p=[0.35, 0.15, 0.1, 0.05, 0.35],
    )
    etype[n_primary:n_primary + n_secondary] = rng.choice(
        np.array(["academy", "community", "foundation"], dtype=object),
        size=n_secondary, p=[0.65, 0.2, 0.15],
    )
    spec_types = ["la_special", "academy_special"] * n_special
    etype[n_primary + n_secondary:] = spec_types[:n_special]
    if n_special >= 3:
        etype[n - 1] = "independent_special"

    # clusters: every cluster gets two primaries first, secondaries spread, the rest at random
    cluster = np.empty(n, dtype=np.int64)
    prim_order = rng.permutation(n_primary)
    weights = rng.dirichlet(np.full(n_clusters, 6.0))
    base = np.arange(min(n_primary, 2 * n_clusters)) % n_clusters
    rest = rng.choice(n_clusters, size=n_primary - len(base), p=weights)
    cluster[prim_order] = np.concatenate([base, rest])
    sec_clusters = np.arange(n_secondary) % n_clusters
    cluster[n_primary:n_primary + n_secondary] = sec_clusters[rng.permutation(n_secondary)]
    cluster[n_primary + n_secondary:] = rng.choice(n_clusters, size=n_special)

    cohort = np.empty(n, dtype=float)
    cohort[:n_primary] = primary_size / 7.0 * rng.lognormal(0.0, 0.3, n_primary)
    # secondary intake comes from the primaries; ``cohort`` sets new arrivals only
    cohort[n_primary:n_primary + n_secondary] = primary_size / 7.0
    cohort[n_primary + n_secondary:] = max(2.0, primary_size / 28.0) * rng.lognormal(
        0.0, 0.2, n_special)
    sixth = np.zeros(n, dtype=bool)
    sixth[n_primary:n_primary + n_secondary] = rng.random(n_secondary) < 0.5

    open_a = np.zeros(n, dtype=np.int64)
    close_a = np.full(n, cal.n_years - 1, dtype=np.int64)
    # one new primary opening and one closure, both at a September inside the window
    mid = min(3, cal.n_years - 2)
    new_school = prim_order[-1]
    closing = prim_order[-2]
    open_a[new_school] = mid
    etype[new_school] = "free_school"
    close_a[closing] = mid - 1

    # academy conversions: maintained mainstream schools, URN changes at a term start
    maintained = np.flatnonzero(
        np.isin(phase, ["primary", "secondary"])
        & ~np.isin(etype, ["academy", "free_school"])
        & (np.arange(n) != closing)
    )
    n_conv = min(n_conversions, len(maintained))
    conv_tp = np.full(n, -1, dtype=np.int64)
    if n_conv:
        chosen = rng.choice(maintained, size=n_conv, replace=False)
        # mostly 1 September; one 1 January and one 1 April conversion when there are 3 or more
        choices_sep = np.arange(3, cal.n_terms - 3, 3)
        tps = rng.choice(choices_sep, size=n_conv)
        if n_conv >= 3:
            tps[1] = rng.choice(choices_sep) + 1
            tps[2] = rng.choice(choices_sep) + 2
        conv_tp[np.sort(chosen)] = tps

    # URNs: maintained 11xxxx-12xxxx, academies and free schools 13xxxx-14xxxx
    urn = np.empty(n, dtype=object)
    is_acad = np.isin(etype, ["academy", "free_school", "academy_special"])
    n_acad_urns = int(is_acad.sum()) + n_conv
    acad_pool = rng.choice(np.arange(136000, 150000), size=n_acad_urns, replace=False)
    main_pool = rng.choice(np.arange(110000, 126000), size=int((~is_acad).sum()), replace=False)
    if n_special >= 3:  # independent special schools have 14xxxx URNs in the 149xxx band
        main_pool[-1] = np.int64(149900 + int(rng.integers(0, 99)))
    urn[is_acad] = [f"{u:06d}" for u in acad_pool[: int(is_acad.sum())]]
    urn[~is_acad] = [f"{u:06d}" for u in main_pool]
    urn_new = np.full(n, "", dtype=object)
    conv_idx = np.flatnonzero(conv_tp >= 0)
    urn_new[conv_idx] = [f"{u:06d}" for u in acad_pool[int(is_acad.sum()):]]

    # names
    a_idx = rng.integers(0, len(_PLACE_A), n)
    b_idx = rng.integers(0, len(_PLACE_B), n)
    place = np.array([_PLACE_A[i] + _PLACE_B[j] for i, j in zip(a_idx, b_idx, strict=True)],
                     dtype=object)
    suffix = {
        "primary": " Primary School", "secondary": " School", "special": " Special School",
    }
    name = np.array([p + suffix[ph] for p, ph in zip(place, phase, strict=True)], dtype=object)
    for i in range(n):
        if etype[i] == "voluntary_aided" or etype[i] == "voluntary_controlled":
            name[i] = f"St {_PLACE_A[a_idx[i]]}'s CE" + suffix[phase[i]]
        elif etype[i] == "academy" and phase[i] == "secondary":
            name[i] = place[i] + " Academy"
        elif etype[i] == "free_school":
            name[i] = place[i] + " Free School"
        elif etype[i] == "independent_special":
            name[i] = place[i] + " House School"
    name_new = np.full(n, "", dtype=object)
    for j in conv_idx.tolist():
        name_new[j] = place[j] + (" Primary Academy" if phase[j] == "primary" else " Academy")

    schools = pd.DataFrame({
        "lin": np.arange(n),
        "phase": phase,
        "etype": etype,
        "cluster": cluster,
        "cohort": cohort,
        "sixth_form": sixth,
        "open_a": open_a,
        "close_a": close_a,
        "conv_tp": conv_tp,
        "urn": urn,
        "urn_new": urn_new,
        "name": name,
        "name_new": name_new,
    })
    return Layout(clusters=clusters, schools=schools, la_code=la_code)


def urn_at(layout: Layout, lin: np.ndarray, tp: np.ndarray) -> np.ndarray:
    """URN of lineage ``lin`` in term position ``tp`` (vectorised)."""
    s = layout.schools
    conv = s["conv_tp"].to_numpy()[lin]
    old = s["urn"].to_numpy()[lin]
    new = s["urn_new"].to_numpy()[lin]
    return np.where((conv >= 0) & (tp >= conv), new, old)


def first_treated_index(cal: Calendar, g_tp: int) -> int:
    """Period index of the first treated term (for ``truth.json``)."""
    return int(cal.term_index(g_tp))


def school_rows(layout: Layout, cal: Calendar) -> pd.DataFrame:
    """Build the ``schools`` table (one row per URN), dates as day numbers (-1 = blank)."""
    s = layout.schools
    cl = layout.clusters
    rows = []
    cids = cl["cluster_id"].to_numpy()
    for r in s.to_dict("records"):
        open_a, close_a, conv_tp = int(r["open_a"]), int(r["close_a"]), int(r["conv_tp"])
        open_day = int(cal.term_start[3 * open_a]) if open_a > 0 else -1
        close_day = int(cal.term_end[3 * close_a + 2]) if close_a < cal.n_years - 1 else -1
        cid = cids[int(r["cluster"])]
        if conv_tp >= 0:
            conv_day = int(cal.term_start[conv_tp])
            rows.append((r["urn"], r["name"], r["phase"], r["etype"], cid, open_day,
                         conv_day - 1))
            new_type = "academy_special" if r["phase"] == "special" else "academy"
            rows.append((r["urn_new"], r["name_new"], r["phase"], new_type, cid, conv_day,
                         close_day))
        else:
            rows.append((r["urn"], r["name"], r["phase"], r["etype"], cid, open_day, close_day))
    out = pd.DataFrame(rows, columns=["urn", "name", "phase", "establishment_type",
                                      "cluster_id", "open_date", "close_date"])
    out.insert(2, "la_code", layout.la_code)
    return out.sort_values("urn", kind="stable").reset_index(drop=True)


def link_rows(layout: Layout, cal: Calendar) -> pd.DataFrame:
    """Build ``school_links``: a successor row on the old URN, a predecessor row on the new."""
    s = layout.schools
    rows = []
    for r in s.to_dict("records"):
        if int(r["conv_tp"]) >= 0:
            d = int(cal.term_start[int(r["conv_tp"])])
            rows.append((r["urn"], r["urn_new"], "successor", d))
            rows.append((r["urn_new"], r["urn"], "predecessor", d))
    out = pd.DataFrame(rows, columns=["urn", "linked_urn", "link_type", "link_date"])
    return out.sort_values(["urn", "linked_urn"], kind="stable").reset_index(drop=True)
