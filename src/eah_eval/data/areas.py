"""Tables for comparing the council with other areas: a multi-area panel, start dates, neighbours.

Three optional tables, each with a Frictionless schema in ``data_schema/`` listed in
``data_schema/areas.datapackage.json`` (not in the council's own ``datapackage.json``: they
describe England, not the council):

* ``area_panel``: one row per area (local authority or school), period and measure, with
  numerator, denominator and value;
* ``area_programme``: each authority's Experts at Hand start date, where known;
* ``statistical_neighbours``: each authority's statistical neighbours, ranked.

:func:`load_areas` reads them from a folder (by convention ``national/`` inside a council's data
folder) and :func:`validate_areas` checks frames already in memory. Both check every field
against its schema, the primary keys and the rules across tables, and raise one
:class:`~eah_eval.errors.DataValidationError` listing every problem with its file, row, column,
what was expected and what was found. The frames of :class:`AreaData` are typed: text as
``str``, whole numbers as ``int64``, numbers as ``float64``, dates as ``datetime64``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from eah_eval.data.schema import schema_dir
from eah_eval.data.validation import (
    ProblemCollector,
    check_field,
    check_foreign_key,
    check_primary_key,
    plain_name,
    show,
)
from eah_eval.data.validation_input import RawTable, read_csv_text, read_regular_file
from eah_eval.errors import (
    DataFileNotFoundError,
    DataProblem,
    DataValidationError,
    OptionError,
    OptionTypeError,
)

__all__ = [
    "AREAS_DESCRIPTOR",
    "AREA_PERIOD_TYPES",
    "AREA_TABLES",
    "AreaData",
    "area_fields",
    "area_primary_key",
    "area_resource",
    "council_area_panel",
    "load_areas",
    "school_rows_to_area_panel",
    "validate_areas",
]

#: The multi-area tables, in the order they are documented and checked.
AREA_TABLES: tuple[str, ...] = ("area_panel", "area_programme", "statistical_neighbours")
#: Period grain of the area panel for each grain of the measures (census counts are annual).
AREA_PERIOD_TYPES: Mapping[str, str] = MappingProxyType({
    "term": "term", "census": "academic_year", "academic_year": "academic_year",
    "calendar_year": "calendar_year", "financial_year": "financial_year"})
#: The descriptor listing them, beside the council's ``datapackage.json``.
AREAS_DESCRIPTOR = "areas.datapackage.json"


@functools.cache
def _descriptor() -> dict[str, Any]:
    with open(schema_dir() / AREAS_DESCRIPTOR, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def _check_table(table: str) -> str:
    if table not in AREA_TABLES:
        raise OptionError(
            f"table must be one of {', '.join(map(repr, AREA_TABLES))}; got {table!r}")
    return table


def area_resource(table: str) -> dict[str, Any]:
    """Return the descriptor entry of one multi-area table (file name, title, source, ...).

    Parameters
    ----------
    table : {"area_panel", "area_programme", "statistical_neighbours"}
        The table.

    Returns
    -------
    dict
        A copy of its resource entry in ``areas.datapackage.json``.

    Raises
    ------
    OptionError
        If ``table`` is not one of :data:`AREA_TABLES`.
    """
    _check_table(table)
    for res in _descriptor()["resources"]:
        if res["name"] == table:
            return dict(res)
    raise DataFileNotFoundError(f"{AREAS_DESCRIPTOR} has no resource named {table!r}")


@functools.cache
def _schema(table: str) -> dict[str, Any]:
    path = schema_dir() / str(area_resource(table)["schema"])
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def area_fields(table: str) -> tuple[dict[str, Any], ...]:
    """Return the field descriptors of a multi-area table in schema order (do not modify)."""
    return tuple(_schema(_check_table(table))["fields"])


def area_primary_key(table: str) -> tuple[str, ...]:
    """Return the primary-key columns of a multi-area table."""
    return tuple(_schema(_check_table(table)).get("primaryKey", []))


@dataclass(frozen=True)
class AreaData:
    """The validated multi-area tables.

    Attributes
    ----------
    panel : pandas.DataFrame
        ``area_panel``: level, area_code, la_code, period_type, period, period_index, measure,
        numerator, denominator, value.
    programme : pandas.DataFrame
        ``area_programme``: la_code, la_name, new_la_code, programme_start (``NaT`` when not
        known), start_source.
    neighbours : pandas.DataFrame
        ``statistical_neighbours`` (empty with its columns when not supplied).
    files : Mapping[str, str]
        Where each table was read from (``"<frame>"`` for frames passed in memory, ``""`` for a
        table not supplied).
    """

    panel: pd.DataFrame
    programme: pd.DataFrame
    neighbours: pd.DataFrame
    files: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def measures(self) -> tuple[str, ...]:
        """Return the measures in the panel, sorted."""
        return tuple(sorted(self.panel["measure"].unique()))

    def neighbours_of(self, la_code: str) -> tuple[str, ...]:
        """Return the statistical neighbours of an authority, closest first (may be empty)."""
        rows = self.neighbours[self.neighbours["la_code"] == la_code].sort_values("rank")
        return tuple(rows["neighbour_la_code"])


def _final(table: str, typed: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for f in area_fields(table):
        col = typed[f["name"]]
        kind = f.get("type", "string")
        if kind == "string":
            out[f["name"]] = col.astype(object).where(col.notna(), None)
        elif kind == "integer":
            out[f["name"]] = col.astype("int64") if col.notna().all() else col
        elif kind == "number":
            out[f["name"]] = col.astype("float64")
        else:
            out[f["name"]] = col
    return pd.DataFrame(out)


def _check_one(table: str, raw: RawTable) -> tuple[pd.DataFrame | None, ProblemCollector]:
    if raw.frame is None:
        collector = ProblemCollector(table, raw.file, 0)
        collector.problems.extend(raw.problems)
        return None, collector
    frame = raw.frame.reset_index(drop=True)
    collector = ProblemCollector(table, raw.file, len(frame))
    collector.problems.extend(raw.problems)
    fields = area_fields(table)
    names = [f["name"] for f in fields]
    for col in frame.columns:
        if col not in names:
            collector.file_level(plain_name(col), "unknown_column",
                                 f"only the columns {', '.join(names)}", f"column {show(col)}")
    missing_values = tuple(_schema(table).get("missingValues", [""]))
    typed: dict[str, pd.Series] = {}
    for f in fields:
        name = f["name"]
        if name in frame.columns:
            column = frame[name]
        elif f.get("constraints", {}).get("required", False):
            collector.file_level(name, "missing_column", f"a column named {name!r}",
                                 "no such column")
            continue
        else:
            column = pd.Series([""] * len(frame), dtype=str)
        typed[name] = check_field(f, column, missing_values, collector)
    if len(typed) < len(fields):
        return None, collector
    out = pd.DataFrame(typed, index=pd.RangeIndex(len(frame)))
    check_primary_key(out, area_primary_key(table), set(), collector)
    return out, collector


def _rules(table: str, typed: pd.DataFrame, collector: ProblemCollector,
           tables: Mapping[str, pd.DataFrame | None], files: Mapping[str, str]) -> None:
    """Rules across fields and tables that the schema cannot state."""
    if table == "area_panel":
        la_row = (typed["level"] == "local_authority").to_numpy()
        differ = la_row & (typed["area_code"] != typed["la_code"]).fillna(False).to_numpy()
        collector.rows(differ, "la_code", "area_not_authority",
                       "la_code equal to area_code on a local_authority row",
                       lambda idx: [f"area_code {typed['area_code'].iat[i]}, la_code "
                                    f"{typed['la_code'].iat[i]}" for i in idx])
        urn = typed["area_code"].astype(str).str.len().to_numpy() == 6
        mislevel = la_row & urn | (~la_row & ~urn & typed["area_code"].notna().to_numpy())
        collector.rows(mislevel, "area_code", "code_for_level",
                       "a 3-digit LA code on local_authority rows and a 6-digit URN on school "
                       "rows", lambda idx: [f"{typed['level'].iat[i]} row with area_code "
                                            f"{typed['area_code'].iat[i]}" for i in idx])
        grains = typed.groupby("measure")["period_type"].transform("nunique").to_numpy()
        collector.rows(grains > 1, "period_type", "mixed_period_types",
                       "one period_type per measure",
                       lambda idx: [f"measure {typed['measure'].iat[i]} has "
                                    f"{grains[i]} period types" for i in idx])
    if table == "statistical_neighbours":
        same = (typed["la_code"] == typed["neighbour_la_code"]).fillna(False).to_numpy()
        collector.rows(same, "neighbour_la_code", "own_neighbour",
                       "a neighbour other than the authority itself",
                       lambda idx: [str(typed["la_code"].iat[i]) for i in idx])
        parent = tables.get("area_programme")
        if parent is not None:
            for fk in _schema(table).get("foreignKeys", []):
                check_foreign_key(typed, fk, parent, files["area_programme"], collector)


def _validate(raws: Mapping[str, RawTable]) -> AreaData:
    problems: list[DataProblem] = []
    typed: dict[str, pd.DataFrame | None] = {}
    collectors: dict[str, ProblemCollector] = {}
    files = {t: raws[t].file if t in raws else "" for t in AREA_TABLES}
    for table in AREA_TABLES:
        raw = raws.get(table)
        if raw is None or not raw.supplied:
            if area_resource(table).get("eah:required", True):
                problems.append(DataProblem(
                    table, str(area_resource(table)["path"]), None, None, "missing_file",
                    f"the file {area_resource(table)['path']}", "no such file"))
            typed[table] = None
            continue
        typed[table], collectors[table] = _check_one(table, raw)
    for table in AREA_TABLES:
        frame = typed.get(table)
        if frame is not None:
            _rules(table, frame, collectors[table], typed, files)
        if table in collectors:
            problems += collectors[table].problems
    if problems:
        raise DataValidationError(problems)
    final = {t: _final(t, f) if f is not None else _empty(t) for t, f in typed.items()}
    return AreaData(panel=final["area_panel"], programme=final["area_programme"],
                    neighbours=final["statistical_neighbours"],
                    files=MappingProxyType(files))


def _empty(table: str) -> pd.DataFrame:
    dtypes = {"string": "object", "integer": "int64", "number": "float64",
              "date": "datetime64[ns]", "boolean": "bool"}
    return pd.DataFrame({f["name"]: pd.Series(dtype=dtypes[f.get("type", "string")])
                         for f in area_fields(table)})


def validate_areas(
    panel: pd.DataFrame,
    programme: pd.DataFrame,
    neighbours: pd.DataFrame | None = None,
) -> AreaData:
    """Validate multi-area tables held in memory against their schemas.

    Parameters
    ----------
    panel, programme : pandas.DataFrame
        The ``area_panel`` and ``area_programme`` tables (columns as in their schemas).
    neighbours : pandas.DataFrame, optional
        The ``statistical_neighbours`` table.

    Returns
    -------
    AreaData
        The typed tables.

    Raises
    ------
    DataValidationError
        Listing every problem (table, row, column, expected, found).
    """
    frames = {"area_panel": panel, "area_programme": programme}
    if neighbours is not None:
        frames["statistical_neighbours"] = neighbours
    raws: dict[str, RawTable] = {}
    for table, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise OptionTypeError(
                f"{table} must be a pandas DataFrame; got {type(frame).__name__}")
        # the CSV text of the frame is checked exactly as a file would be
        text = frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
        raws[table] = read_csv_text(table, text.encode("utf-8"),
                                    f"{area_resource(table)['path']} (frame)")
    return _validate(raws)


def load_areas(folder: str | Path, *, allow_symlinks: bool = False) -> AreaData:
    """Read and validate the multi-area tables in a folder.

    Parameters
    ----------
    folder : str or pathlib.Path
        Folder holding ``area_panel.csv`` and ``area_programme.csv`` (required) and
        ``statistical_neighbours.csv`` (optional).
    allow_symlinks : bool, default False
        Follow symbolic links (refused by default, as for the council's tables).

    Returns
    -------
    AreaData
        The typed tables.

    Raises
    ------
    DataFileNotFoundError
        If ``folder`` is not a folder.
    DataValidationError
        Listing every problem found: a required file missing, a file that cannot be read, an
        unknown or missing column, a value of the wrong type or outside its constraints, a
        repeated key, a neighbour that is the authority itself or not in ``area_programme.csv``,
        a local-authority row whose ``la_code`` differs from its ``area_code``, a measure with
        more than one ``period_type``.

    Examples
    --------
    >>> # areas = load_areas("data/demo/national"); areas.panel.head()
    """
    root = Path(folder)
    if not root.is_dir():
        raise DataFileNotFoundError(f"multi-area folder not found: {root} (expected a folder "
                                    "holding area_panel.csv and area_programme.csv)")
    raws: dict[str, RawTable] = {}
    for table in AREA_TABLES:
        path = root / str(area_resource(table)["path"])
        label = str(path)
        if not path.exists() and not path.is_symlink():
            continue
        data = read_regular_file(path, allow_symlinks=allow_symlinks)
        if isinstance(data, tuple):
            kind, expected, found = data
            raws[table] = RawTable(table, label, None,
                                   [DataProblem(table, label, None, None, kind, expected, found)],
                                   True)
            continue
        raws[table] = read_csv_text(table, data, label)
    return _validate(raws)


def school_rows_to_area_panel(
    rows: pd.DataFrame,
    schools: pd.DataFrame,
    *,
    measure: str | None = None,
    period_type: str = "term",
) -> pd.DataFrame:
    """Turn school-level measure rows (``eah_eval.measures.compute(...).frame``) into the panel.

    Parameters
    ----------
    rows : pandas.DataFrame
        One row per school and period: ``unit`` (URN), ``period``, ``period_index``,
        ``numerator``, ``denominator``, ``value`` (and ``measure_id``).
    schools : pandas.DataFrame
        ``urn`` and ``la_code`` of every school (the ``schools`` table).
    measure : str, optional
        Measure identifier (default the rows' ``measure_id``).
    period_type : {"term", "academic_year", "calendar_year", "financial_year"}
        Grain of the rows.

    Returns
    -------
    pandas.DataFrame
        The ``area_panel`` layout at school level; rows without a value are left out.

    Raises
    ------
    OptionError
        For a missing column, no measure, or a school whose URN is not in ``schools``.
    """
    needed = ["unit", "period", "period_index", "numerator", "denominator", "value"]
    missing = [c for c in needed if c not in rows.columns]
    missing += [c for c in ("urn", "la_code") if c not in schools.columns]
    if missing:
        raise OptionError(f"rows and schools lack the column(s) {', '.join(missing)}")
    if measure is None:
        if "measure_id" not in rows.columns or rows["measure_id"].nunique() != 1:
            raise OptionError("measure must be given when the rows do not hold one measure_id")
        measure = str(rows["measure_id"].iloc[0])
    la_of = dict(zip(schools["urn"].astype(str), schools["la_code"].astype(str), strict=True))
    kept = rows[rows["value"].notna()]
    units = kept["unit"].astype(str)
    unknown = sorted(set(units) - set(la_of))
    if unknown:
        raise OptionError(f"{len(unknown)} school(s) not in the schools table, e.g. "
                          f"{', '.join(unknown[:5])}; expected every URN in schools.urn")
    return pd.DataFrame({
        "level": "school",
        "area_code": units.to_numpy(dtype=object),
        "la_code": units.map(la_of).to_numpy(dtype=object),
        "period_type": period_type,
        "period": kept["period"].astype(str).to_numpy(dtype=object),
        "period_index": kept["period_index"].to_numpy(dtype="int64"),
        "measure": measure,
        "numerator": kept["numerator"].to_numpy(dtype=float),
        "denominator": kept["denominator"].to_numpy(dtype=float),
        "value": kept["value"].to_numpy(dtype=float),
    })


def council_area_panel(
    panel: pd.DataFrame,
    la_code: str,
    *,
    multiplier: float,
    measure: str | None = None,
    levels: tuple[str, ...] = ("local_authority", "school"),
) -> pd.DataFrame:
    """Turn a council's rollout panel of one measure into its own rows of the area panel.

    The council's rows of a national comparison come from its own records, computed with
    the measures the rest of its report uses: the school x period rollout panel
    (:func:`eah_eval.measures.rollout_panel`, ``ReportInputs.panel``) becomes one row per
    school and period and one row per period for the authority (numerators and denominators
    summed over its schools, the value recomputed from the sums). Periods the data cover only
    in part (``attrs["partial_period_indexes"]``) are left out: a published yearly figure
    covers the whole year.

    Parameters
    ----------
    panel : pandas.DataFrame
        ``unit``, ``period``, ``period_index``, ``numerator``, ``denominator`` (and
        ``attrs["period"]``, ``attrs["measure_id"]`` as :func:`rollout_panel` sets them).
    la_code : str
        The council's three-digit LA code.
    multiplier : float
        Factor from ``numerator / denominator`` to the value (100 for %, 1,000 per 1,000;
        ``Measure.multiplier``).
    measure : str, optional
        Measure identifier (default ``attrs["measure_id"]``).
    levels : tuple of str
        Which rows to return: ``"local_authority"``, ``"school"`` or both.

    Returns
    -------
    pandas.DataFrame
        The ``area_panel`` layout (``data_schema/area_panel.schema.json``).

    Raises
    ------
    OptionError
        For a missing column, an LA code that is not three digits, an unknown level, no
        measure, or a period grain the area panel does not hold.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"unit": ["100001", "100002"], "period": ["2024", "2024"],
    ...                   "period_index": [2024, 2024], "numerator": [3.0, 1.0],
    ...                   "denominator": [500.0, 300.0]})
    >>> p.attrs.update(period="calendar_year", measure_id="ehc_requests_per_1000")
    >>> council_area_panel(p, "839", multiplier=1000, levels=("local_authority",))[
    ...     ["area_code", "period", "value"]].to_dict("records")
    [{'area_code': '839', 'period': '2024', 'value': 5.0}]
    """
    needed = ["unit", "period", "period_index", "numerator", "denominator"]
    missing = [c for c in needed if c not in panel.columns]
    if missing:
        raise OptionError(f"the council's panel lacks the column(s) {', '.join(missing)}")
    if not (isinstance(la_code, str) and len(la_code) == 3 and la_code.isdigit()):
        raise OptionError(f"la_code must be three digits such as '839'; got {la_code!r}")
    unknown = [lv for lv in levels if lv not in ("local_authority", "school")]
    if unknown or not levels:
        raise OptionError(f"levels must be among 'local_authority', 'school'; got {levels!r}")
    measure = measure or panel.attrs.get("measure_id")
    if not measure:
        raise OptionError("measure must be given when the panel's attrs hold no measure_id")
    grain = str(panel.attrs.get("period", "term"))
    if grain not in AREA_PERIOD_TYPES:
        raise OptionError(f"the council's panel has period grain {grain!r}; the area panel "
                          f"holds {', '.join(sorted(set(AREA_PERIOD_TYPES.values())))}")
    partial = set(panel.attrs.get("partial_period_indexes", ()) or ())
    rows = panel[~panel["period_index"].isin(partial) & (panel["denominator"] > 0)]
    parts = []
    if "school" in levels:
        parts.append(pd.DataFrame({
            "level": "school", "area_code": rows["unit"].astype(str).to_numpy(dtype=object),
            "period": rows["period"].astype(str).to_numpy(dtype=object),
            "period_index": rows["period_index"].to_numpy(dtype="int64"),
            "numerator": rows["numerator"].to_numpy(dtype=float),
            "denominator": rows["denominator"].to_numpy(dtype=float)}))
    if "local_authority" in levels:
        sums = rows.groupby(["period_index", "period"], sort=True)[
            ["numerator", "denominator"]].sum().reset_index()
        parts.append(sums.assign(level="local_authority", area_code=la_code,
                                 period=sums["period"].astype(str)))
    out = pd.concat(parts, ignore_index=True)
    out["la_code"] = la_code
    out["period_type"] = AREA_PERIOD_TYPES[grain]
    out["measure"] = str(measure)
    out["value"] = multiplier * out["numerator"] / out["denominator"]
    for f in area_fields("area_panel"):  # typed as load_areas types them
        if f.get("type", "string") == "string":
            out[f["name"]] = out[f["name"]].astype(str).astype(object)
    cols = [f["name"] for f in area_fields("area_panel")]
    return out[cols].reset_index(drop=True)
