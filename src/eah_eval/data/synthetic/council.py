"""The synthetic council: the front door (:func:`make_council`, :func:`write_council`)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from eah_eval import __version__
from eah_eval.data.csv_output import FORMULA_LEADS, neutralise_cell
from eah_eval.data.periods import TERM_RULE
from eah_eval.data.schema import TABLES, fields, schema_dir, table_file_name
from eah_eval.data.synthetic.effects import EffectSpec, resolve_effects
from eah_eval.data.synthetic.high_needs import make_high_needs
from eah_eval.data.synthetic.layout import make_calendar, make_layout, to_date
from eah_eval.data.synthetic.outcomes import background_trends, draw_outcomes
from eah_eval.data.synthetic.population import simulate_population
from eah_eval.data.synthetic.programme import make_programme, planted_risks
from eah_eval.data.synthetic.tables import build_tables
from eah_eval.data.synthetic.truth import (
    ESTIMAND_RULE,
    EVENT_RULE,
    POPULATION_RULE,
    SIMPLE_RULE,
    ServedSchools,
    all_truth,
    measure_truth,
    rollout_truth,
    scope_record,
    served_lineages,
)
from eah_eval.errors import OptionError, OptionTypeError, check_int

DEFAULT_SEED = 20261130
DEFAULT_WAVES: tuple[str, ...] = ("2023-09-01", "2024-09-01", "2025-09-01")
#: Size of the ``small=True`` council used in tests.
SMALL = {"n_clusters": 4, "n_schools": 12, "primary_size": 30.0}
#: Formats of number columns when written (fixed, so the bytes never depend on float repr).
NUMBER_FORMAT = "%.2f"


@dataclass(frozen=True)
class SyntheticCouncil:
    """A generated council: the seventeen input tables and the true programme effects.

    Attributes
    ----------
    tables : Mapping[str, pandas.DataFrame]
        One frame per table in :data:`eah_eval.data.schema.TABLES`, with exactly the schema's
        columns in schema order: dates as ``datetime64``, booleans as ``bool``, integers as
        ``int64``, numbers as ``float64``, text as strings; optional blanks missing.
    truth : Mapping[str, Any]
        What ``truth.json`` holds (see :func:`make_council`, Notes).
    seed : int
        The seed; the same seed and parameters give the same tables and the same bytes.
    parameters : Mapping[str, Any]
        Every generation parameter, as recorded in ``truth.json``.
    """

    tables: Mapping[str, pd.DataFrame]
    truth: Mapping[str, Any]
    seed: int
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def frames(self) -> Mapping[str, pd.DataFrame]:
        """Alias of :attr:`tables` (the in-memory frames)."""
        return self.tables

    def write(self, out_dir: str | Path) -> Path:
        """Write the data package to ``out_dir`` (see :func:`write_council`); return the folder."""
        return _write(self, Path(out_dir))

    def __repr__(self) -> str:
        rows = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items())
        return f"SyntheticCouncil(seed={self.seed}, rows: {rows})"


def _parse_wave(value: object, i: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
        raise OptionError(f"waves[{i}] must be an ISO date such as '2023-09-01'; got {value!r}")
    raise OptionTypeError(f"waves[{i}] must be a date or an ISO date string; got "
                          f"{type(value).__name__}")


def _calendar_year_cells(ec: pd.DataFrame, first_year: int, n_years: int) -> pd.DataFrame:
    """Re-cut termly request cells (``lin, tp, a, n, shift``) into calendar years.

    The expected change in requests of each term (``shift x n / 1000``) is summed over the
    terms of a calendar year and divided by the January census headcount of that year.
    """
    tp = ec["tp"].to_numpy()
    year = first_year + tp // 3 + (tp % 3 > 0)
    change = ec["shift"].to_numpy() * ec["n"].to_numpy() / 1000.0
    head = ec.drop_duplicates(["lin", "a"]).set_index(["lin", "a"])["n"]
    frame = pd.DataFrame({"lin": ec["lin"].to_numpy(), "year": year, "change": change})
    out = frame.groupby(["lin", "year"], sort=True)["change"].sum().reset_index()
    a_census = out["year"].to_numpy() - first_year - 1
    ok = (a_census >= 0) & (a_census < n_years)
    out = out[ok].copy()
    idx = pd.MultiIndex.from_arrays([out["lin"].to_numpy(), a_census[ok]])
    out["n"] = head.reindex(idx).to_numpy()
    out = out[out["n"].notna() & (out["n"] > 0)]
    out["shift"] = 1000.0 * out["change"] / out["n"]
    return out[["lin", "year", "n", "shift"]].reset_index(drop=True)


def make_council(
    seed: int = DEFAULT_SEED,
    *,
    effects: Mapping[str, EffectSpec | Mapping[str, Any] | float] | None = None,
    n_clusters: int | None = None,
    n_schools: int | None = None,
    waves: Sequence[str | dt.date] = DEFAULT_WAVES,
    start: str = "2021/22",
    end: str = "2028/29",
    primary_size: float | None = None,
    n_conversions: int = 4,
    ehc_request_rate: float = 6.0,
    la_code: str = "839",
    cluster_sd: float = 0.05,
    small: bool = False,
    scope: ServedSchools | None = None,
) -> SyntheticCouncil:
    r"""Generate a synthetic council whose true Experts at Hand effects are known.

    Parameters
    ----------
    seed : int
        Seed of the single :class:`numpy.random.Generator` every draw comes from. Same seed and
        parameters give identical tables (and identical bytes from :func:`write_council`).
    effects : mapping or None
        True effects by measure (``absence_overall_pct``, ``suspension_rate``,
        ``ehc_requests_per_1000``, ``sen_support_pct``, ``ks2_rwm_expected_pct``; the ids of
        :mod:`eah_eval.measures`), each an
        :class:`EffectSpec`, a mapping of its fields or a number (absolute size). ``None`` uses
        :data:`DEFAULT_EFFECTS`; a mapping sets exactly the effects it names, so ``{}`` gives a
        null council.
    n_clusters, n_schools : int, optional
        Locality clusters (default 10) and schools counted once across URN changes, including
        one that opens and one that closes (default 120: about 17 secondary, 5 special of which
        one independent, the rest primary).
    waves : sequence of dates or ISO strings
        Go-live date of each rollout wave; each must be a term start (1 September, 1 January or
        1 April) after the first term and inside the window. Clusters are split across waves as
        evenly as possible (later waves take the remainder) in a random order.
    start, end : str
        First and last academic years (``"2021/22"`` to ``"2028/29"``: 24 terms).
    primary_size : float, optional
        Mean roll of a primary school (default 190; secondary rolls follow from transfers).
    n_conversions : int
        Academy conversions that give a school a new URN mid-panel (default 4).
    ehc_request_rate : float
        Untreated EHC needs-assessment requests per 1,000 mainstream pupils a year (about).
    la_code : str
        Three-digit LA code written on every school (default ``"839"``).
    cluster_sd : float
        Standard deviation of cluster x term shocks to absence (logit scale) and suspensions
        (log scale), shared by the schools of a cluster; ``0`` makes schools independent.
    small : bool
        Tiny council for tests (4 clusters, 12 schools, primary roll 30) unless the sizes are
        given explicitly.
    scope : ProgrammeScope, optional
        Which schools the programme serves, for the truth (an
        :class:`eah_eval.measures.programme.ProgrammeScope`, the object the estimation panels
        take): ``simple``, ``by_wave``, ``by_event_time`` and ``by_wave_event_time`` average
        over its schools, read from each school's latest URN, so truth describes the
        population the estimates use. Default: the schools the generator treats, mainstream
        primary and secondary schools, which are the schools ``ProgrammeScope()`` serves. The
        tables do not depend on it (special schools are never treated). Recorded in
        ``truth.json`` under ``conventions.scope`` with the schools served and not served.

    Returns
    -------
    SyntheticCouncil
        Tables and truth.

    Raises
    ------
    OptionError, OptionTypeError
        For a parameter outside its allowed values (the message names it), or a ``scope``
        without ``serves`` and ``to_dict`` methods.

    Notes
    -----
    Programme effects act on pupils of **mainstream** schools in clusters that have gone live;
    special schools are never treated. For a treated school-period cell with effect
    :math:`\delta` the generator multiplies each pupil's probability (absence per session,
    suspension rate, request hazard) by :math:`m = 1 + \delta / \bar p` (absolute effects,
    :math:`\bar p` the cell's expected untreated rate) or :math:`m = 1 + \delta` (relative
    effects), so the cell's expected measure moves by exactly the stated amount. SEN support
    and KS2 effects relabel a random share of the cell's pupils (earlier identification;
    meeting the standard). Persistent and severe absence shifts follow from the absence effect
    and are computed exactly from the binomial model.

    ``truth.json`` reports, per measure, the expected shift averaged over cells: per wave and
    event time, per event time, per wave, and overall (the ``simple`` figure: all post-go-live
    school-period cells of the schools served weighted equally; other populations (served,
    mainstream, all schools), windows and weightings are listed under ``overall``). Termly
    measures use term cells; SEN support, KS2 and EHC requests use academic-year cells, and
    EHC requests also carry a calendar-year version (SEN2's grain) under
    ``alternative_grains``. ``estimand`` is what the impact report's group-time estimator
    targets (clusters not yet started as the comparison, the period before the first full
    treated one as base, pupil weights): it leaves out the cells after the last wave started,
    and on calendar years it counts September to December of the go-live year as untreated
    (its ``offset``), so for EHC requests by calendar year it is smaller in size than the
    effect in the treated cells.

    Examples
    --------
    >>> council = make_council(1, small=True)
    >>> sorted(council.tables)[:3]
    ['attainment', 'attendance', 'clusters']
    >>> null = make_council(1, small=True, effects={})
    >>> null.truth["measures"]["absence_overall_pct"]["simple"]
    0.0
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise OptionTypeError(f"seed must be an integer; got {type(seed).__name__} {seed!r}")
    if not isinstance(small, bool):
        raise OptionTypeError(f"small must be True or False; got {small!r}")
    if scope is not None and not (callable(getattr(scope, "serves", None))
                                  and callable(getattr(scope, "to_dict", None))):
        raise OptionTypeError(
            "scope must be a ProgrammeScope (eah_eval.measures.programme) or None; got "
            f"{type(scope).__name__} {scope!r}"
        )
    n_clusters = check_int("n_clusters", SMALL["n_clusters"] if small and n_clusters is None
                            else 10 if n_clusters is None else n_clusters, 1)
    n_schools = check_int("n_schools", SMALL["n_schools"] if small and n_schools is None
                           else 120 if n_schools is None else n_schools, 1)
    size = float(SMALL["primary_size"] if small and primary_size is None
                 else 190.0 if primary_size is None else primary_size)
    if not size >= 7:
        raise OptionError(f"primary_size must be at least 7 pupils; got {size}")
    n_conversions = check_int("n_conversions", n_conversions, 0)
    if not (isinstance(ehc_request_rate, int | float) and 0 <= ehc_request_rate <= 100):
        raise OptionError(f"ehc_request_rate must be a number from 0 to 100 per 1,000; got "
                          f"{ehc_request_rate!r}")
    if not (isinstance(cluster_sd, int | float) and 0 <= cluster_sd <= 1):
        raise OptionError(f"cluster_sd must be a number from 0 to 1; got {cluster_sd!r}")
    if not (isinstance(la_code, str) and len(la_code) == 3 and la_code.isdigit()):
        raise OptionError(f"la_code must be three digits such as '839'; got {la_code!r}")
    if isinstance(waves, str) or len(waves) == 0:
        raise OptionError(f"waves must be a non-empty sequence of go-live dates; got {waves!r}")
    wave_dates = tuple(_parse_wave(w, i) for i, w in enumerate(waves))
    if list(wave_dates) != sorted(set(wave_dates)):
        raise OptionError(f"waves must be distinct and in date order; got "
                          f"{[d.isoformat() for d in wave_dates]}")
    effect_specs = resolve_effects(effects)
    cal = make_calendar(start, end)
    for i, d in enumerate(wave_dates):
        if (d.month, d.day) not in ((9, 1), (1, 1), (4, 1)):
            raise OptionError(f"waves[{i}] must be a term start (1 September, 1 January or "
                              f"1 April); got {d.isoformat()}")
        tp = cal.term_position(d)
        if not 1 <= tp < cal.n_terms:
            raise OptionError(f"waves[{i}] must fall after the first term and inside the window "
                              f"{start} to {end}; got {d.isoformat()}")

    rng = np.random.default_rng(int(seed))
    layout = make_layout(rng, cal, n_clusters=n_clusters, n_schools=n_schools, waves=wave_dates,
                         n_conversions=n_conversions, primary_size=size, la_code=la_code)
    pop = simulate_population(rng, cal, layout,
                              ehc_effect=effect_specs.get("ehc_requests_per_1000"),
                              ehc_request_rate=float(ehc_request_rate))
    outcomes = draw_outcomes(rng, cal, layout, pop, effect_specs, cluster_sd=float(cluster_sd))
    programme = make_programme(rng, cal, layout, pop)
    tables = build_tables(cal, layout, pop, outcomes, programme)
    high_needs, high_needs_truth = make_high_needs(
        int(seed), layout, tables, effect_specs.get("ehc_requests_per_1000"),
        float(ehc_request_rate))
    tables = {t: tables[t] if t in tables else high_needs[t] for t in TABLES}

    cells = dict(outcomes.cells)
    ec = pop.ehc_cells.assign(a=pop.ehc_cells["tp"] // 3)
    cells["ehc_requests_per_1000"] = (
        ec.groupby(["lin", "a"], sort=True)
        .agg(n=("n", "first"), shift=("shift", "sum"))
        .reset_index()
        .assign(tp=lambda f: 3 * f["a"])[["lin", "tp", "n", "shift"]]
    )
    ehc_calendar = _calendar_year_cells(ec, cal.first_year, cal.n_years)
    parameters: dict[str, Any] = {
        "seed": int(seed), "n_clusters": n_clusters, "n_schools": n_schools,
        "waves": [d.isoformat() for d in wave_dates], "start": start, "end": end,
        "primary_size": size, "n_conversions": n_conversions,
        "ehc_request_rate": float(ehc_request_rate), "la_code": la_code,
        "cluster_sd": float(cluster_sd), "small": small,
        "effects": {k: v.to_dict() for k, v in sorted(effect_specs.items())},
    }
    if scope is not None:
        parameters["scope"] = scope.to_dict()
    served = served_lineages(layout, scope)
    s = layout.schools
    conversions = [
        {"old_urn": str(r["urn"]), "new_urn": str(r["urn_new"]),
         "link_date": to_date(int(cal.term_start[int(r["conv_tp"])])).isoformat()}
        for r in s.to_dict("records") if int(r["conv_tp"]) >= 0
    ]
    truth: dict[str, Any] = {
        "generator": {
            "name": "eah_eval.data.synthetic.make_council",
            "eah_eval_version": __version__,
            "numpy_bit_generator": "PCG64 via numpy.random.default_rng(seed)",
            "parameters": parameters,
        },
        "conventions": {
            "periods": TERM_RULE,
            "period_index": "term index = 3 x start year of the academic year + (0 autumn, "
                            "1 spring, 2 summer)",
            "event_time": EVENT_RULE,
            "treated": "pupils of mainstream (primary and secondary) schools in a cluster at "
                       "or after its go-live term; special schools are never treated",
            "unit": "school lineage: a school followed across academy conversions (URN "
                    "changes listed under 'conversions'); cells are school lineage x period",
            "expectation": "effects are expected shifts over the outcome draws given the "
                           "pupils on roll and their latent propensities; changes that flow "
                           "on through later SEN status (fewer plans after fewer requests) "
                           "are not counted (for EHC requests, pupils who stay at risk of a "
                           "request because the programme averted an earlier one: about "
                           "+0.01 per 1,000 on the report's estimand, measured once with a "
                           "coupled counterfactual simulation outside the generator)",
            "simple": SIMPLE_RULE,
            "estimand": ESTIMAND_RULE,
            "populations": POPULATION_RULE,
            "scope": scope_record(layout, scope),
        },
        "rollout": rollout_truth(cal, layout),
        "conversions": conversions,
        "measures": all_truth(cells, effect_specs, cal, layout, served=served),
        "planted_risks": planted_risks(layout.clusters["cluster_id"].astype(str).tolist()),
        "background_trends": background_trends(cal.first_year, cal.n_years),
        "high_needs": high_needs_truth,
    }
    # SEN2 counts requests by calendar year: the same truth on that grain
    truth["measures"]["ehc_requests_per_1000"]["alternative_grains"] = {
        "calendar_year": measure_truth(
            "ehc_requests_per_1000", ehc_calendar,
            effect_specs.get("ehc_requests_per_1000"), cal, layout, grain="calendar_year",
            served=served,
        ) | {"definition": (
            "school-calendar-year rate: requests received in the calendar year / pupils on "
            "roll at the January census of that year x 1000 (years with a January census in "
            "the window; the last year is January to August). Event time counts calendar "
            "years from the first one starting on or after go-live, so the go-live year itself "
            "(event time -1) is partly treated: see max_abs_effect_before_go_live")},
    }
    frozen_tables = MappingProxyType(dict(tables))
    return SyntheticCouncil(tables=frozen_tables, truth=MappingProxyType(truth),
                            seed=int(seed), parameters=MappingProxyType(parameters))


def _arrow_table(table: str, frame: pd.DataFrame) -> pa.Table:
    """Convert a frame to an Arrow table whose CSV text has fixed formatting.

    Dates become ``date32`` (written ``YYYY-MM-DD``), booleans ``true``/``false``, integers as
    they are, numbers pre-formatted with :data:`NUMBER_FORMAT`; missing values are written
    blank. Text passes through :func:`~eah_eval.data.csv_output.neutralise_cell`, as in every
    CSV the package writes (generated text never starts like a formula, so no value changes).
    """
    arrays = []
    names = []
    for f in fields(table):
        name, kind = f["name"], f.get("type", "string")
        col = frame[name]
        missing = col.isna().to_numpy()
        if kind == "date":
            days = col.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            arr = pa.array(days.astype(np.int64).astype(np.int32), type=pa.int32(),
                           mask=missing).cast(pa.date32())
        elif kind == "boolean":
            arr = pa.array(col.to_numpy(dtype=bool), type=pa.bool_())
        elif kind == "integer":
            arr = pa.array(col.to_numpy(dtype=np.int64), type=pa.int64())
        elif kind == "number":
            vals = col.to_numpy(dtype=float)
            text = np.char.mod(NUMBER_FORMAT, np.where(missing, 0.0, vals))
            arr = pa.array(text.astype(object), type=pa.string(), mask=missing)
        else:
            text = col.astype(object)
            lead = text.str.startswith(FORMULA_LEADS, na=False).to_numpy(dtype=bool)
            if lead.any():  # found by one vectorised test; changed by the package's one rule
                text = text.where(~lead, text.map(neutralise_cell))
            obj = text.to_numpy()
            arr = pa.array(np.where(missing, None, obj), type=pa.string())
        arrays.append(arr)
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def _write(council: SyntheticCouncil, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    # generated text never holds a comma, quote or line break (Arrow raises if one did), so no
    # value needs quoting and the bytes match a plain CSV writer's
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    for table in TABLES:
        data = _arrow_table(table, council.tables[table])
        sink = pa.BufferOutputStream()
        pacsv.write_csv(data, sink, write_options=options)
        header = ",".join(data.column_names) + "\n"
        with open(out / table_file_name(table), "wb") as fh:
            fh.write(header.encode("utf-8"))
            fh.write(sink.getvalue().to_pybytes())
    with open(out / "truth.json", "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(_plain(council.truth), indent=2, ensure_ascii=False) + "\n")
    src = schema_dir()
    shutil.copyfile(src / "datapackage.json", out / "datapackage.json")
    for table in TABLES:
        name = f"{table}.schema.json"
        shutil.copyfile(src / name, out / name)
    return out


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


def write_council(out_dir: str | Path, seed: int = DEFAULT_SEED, **kwargs: Any) -> Path:
    r"""Generate a council and write it as a self-describing data package.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder to write (created if needed; existing files of the same names are replaced).
    seed : int
        Seed, as for :func:`make_council`.
    **kwargs
        Any other :func:`make_council` parameter.

    Returns
    -------
    pathlib.Path
        The folder, holding ``<table>.csv`` for all seventeen tables, ``truth.json``,
        ``datapackage.json`` and the seventeen ``<table>.schema.json`` files.

    Notes
    -----
    Text is UTF-8 with ``\n`` line ends; dates ``YYYY-MM-DD``; booleans ``true``/``false``;
    numbers with two decimals; blanks for missing values. The same seed and parameters give
    the same bytes.
    """
    return make_council(seed, **kwargs).write(out_dir)
