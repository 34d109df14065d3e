"""Where the measures run: an Ibis backend (DuckDB by default, PySpark, or any Ibis backend).

:func:`open_tables` puts the input tables on a backend once and returns a :class:`TableSet`
that the recipes read from. It accepts

* an :class:`eah_eval.data.load.Council` (anything with a ``tables`` mapping),
* a ``dict`` of pandas DataFrames typed as in ``data_schema/`` (dates as datetime64),
* a ``dict`` of Ibis tables already on a backend (a council's data warehouse, e.g. Postgres or
  SQL Server, or a Spark catalogue),
* a directory of ``<table>.csv`` or ``<table>.parquet`` files, read and validated by
  :func:`eah_eval.data.load.load_council` (one loading path for every format: schema checks,
  UPN policy, row accounting).

The same Ibis expressions then run unchanged on whichever backend holds the tables.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from eah_eval.data.lineage import Lineage, resolve_lineage
from eah_eval.data.periods import academic_year_label, exclusion_term_table
from eah_eval.data.schema import TABLES, fields
from eah_eval.errors import (
    DataFileNotFoundError,
    EahEvalError,
    MissingDependencyError,
    OptionError,
    OptionTypeError,
)

T = TypeVar("T")
EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")

_counter = itertools.count(1)
#: Up to this many URN changes are applied as an inline CASE expression, beyond as a join.
_INLINE_MAPPING_MAX = 200
#: Start years of the first and last academic years in the exclusions calendar table put on
#: the backend (dates outside are excluded from termly exclusion measures, with a reason).
EXCLUSION_CALENDAR_YEARS: tuple[int, int] = (1950, 2149)


class MissingTableError(EahEvalError, KeyError):
    """A measure needs an input table that was not supplied."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _date_fields(table: str) -> tuple[str, ...]:
    if table not in TABLES:
        return ()
    return tuple(f["name"] for f in fields(table) if f.get("type") == "date")


def spark_session() -> Any:
    """Return a local PySpark session (created if needed), checking Java first.

    Raises
    ------
    MissingDependencyError
        If PySpark is not installed (``pip install "eah-eval[spark]"``) or no Java runtime
        is found (install Java 17, e.g. ``sudo apt-get install openjdk-17-jre-headless`` on
        Debian/Ubuntu, or set ``JAVA_HOME``).
    """
    if importlib.util.find_spec("pyspark") is None:
        raise MissingDependencyError(
            "engine='spark' needs PySpark: pip install \"eah-eval[spark]\""
        )
    java_home = os.environ.get("JAVA_HOME")
    has_java = shutil.which("java") is not None or (
        java_home is not None and (Path(java_home) / "bin" / "java").exists()
    )
    if not has_java:
        raise MissingDependencyError(
            "engine='spark' needs a Java runtime (Java 17 works with PySpark 4) and none was "
            "found on PATH or in JAVA_HOME; install one, e.g. `sudo apt-get install "
            "openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS), "
            "then set JAVA_HOME"
        )
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("eah-eval")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def connect(engine: object = "duckdb") -> tuple[BaseBackend, str]:
    """Return ``(backend, engine_name)`` for an engine option.

    Parameters
    ----------
    engine : {"duckdb", "spark"}, ibis backend or SparkSession
        ``"duckdb"``: a new in-memory DuckDB; ``"spark"``: a local PySpark session; an Ibis
        backend object (e.g. ``ibis.postgres.connect(...)``) or a ``SparkSession`` is used as
        given.

    Raises
    ------
    OptionError
        For an unknown engine name.
    MissingDependencyError
        When Spark is asked for without PySpark or Java.
    """
    if isinstance(engine, BaseBackend):
        return engine, str(engine.name)
    if type(engine).__name__ == "SparkSession":
        return ibis.pyspark.connect(engine), "spark"
    if not isinstance(engine, str):
        raise OptionTypeError(
            "engine must be 'duckdb', 'spark', an Ibis backend or a SparkSession; got "
            f"{type(engine).__name__}"
        )
    if engine == "duckdb":
        return ibis.duckdb.connect(), "duckdb"
    if engine == "spark":
        return ibis.pyspark.connect(spark_session()), "spark"
    raise OptionError(
        f"engine must be one of 'duckdb', 'spark' (or an Ibis backend / SparkSession); "
        f"got {engine!r}"
    )


_ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


def _arrow_type(table: str, column: str) -> pa.DataType | None:
    """Arrow type of a schema column (None: not a schema column, let Arrow infer it)."""
    if table in TABLES:
        for f in fields(table):
            if f["name"] == column:
                return _ARROW_TYPES.get(str(f.get("type")), pa.string())
    return None


def _to_arrow(table: str, df: pd.DataFrame) -> pa.Table:
    """Convert a pandas frame to Arrow once, every schema column with its schema type.

    Columns already of the right dtype convert without re-typing in pandas (numeric and
    Arrow-backed string columns without a copy); an all-blank column still gets its type.
    """
    arrays = []
    for c in df.columns:
        col = df[c]
        typ = _arrow_type(table, str(c))
        if typ == pa.date32() and not pd.api.types.is_datetime64_any_dtype(col):
            col = pd.to_datetime(col)
        elif typ in (pa.int64(), pa.float64()) and col.dtype == object:
            col = pd.to_numeric(col)
        arrays.append(pa.Array.from_pandas(col, type=typ))
    return pa.Table.from_arrays(arrays, names=[str(c) for c in df.columns])


class TableSet:
    """Input tables placed on one Ibis backend, with the URN lineage resolved.

    Build it with :func:`open_tables`; pass it to :func:`eah_eval.measures.compute` to compute
    many measures without moving the data again.

    Attributes
    ----------
    backend : ibis BaseBackend
        Where the expressions run.
    engine : str
        Backend name (``"duckdb"``, ``"spark"``, ``"postgres"``...).
    lineage : Lineage
        URN lineage used to put every record on its canonical URN.
    accounting : pandas.DataFrame or None
        Rows read/kept/excluded by the data loader, when the data came through it.
    """

    def __init__(
        self,
        backend: BaseBackend,
        engine: str,
        accounting: pd.DataFrame | None = None,
    ) -> None:
        self._tables: dict[str, ir.Table] = {}
        self.backend = backend
        self.engine = engine
        self.lineage: Lineage = _identity_lineage()
        self.accounting = accounting
        self._cache: dict[str, ir.Table] = {}
        self._memo: dict[object, object] = {}
        self._keep: list[object] = []
        self._merged_urns: tuple[str, ...] = ()
        self._mapping: ir.Table | None = None
        self._small_mapping: dict[str, str] | None = None
        self._single_la: tuple[str | None] | None = None

    def add(self, name: str, value: object) -> None:
        """Add an input table (a pandas frame is placed on the backend; an Ibis table is kept).

        Raises
        ------
        OptionTypeError
            If ``value`` is neither a DataFrame nor an Ibis table.
        """
        if isinstance(value, ir.Table):
            self._tables[name] = value
        elif isinstance(value, pd.DataFrame):
            self._tables[name] = self._put(name, value)
        else:
            raise OptionTypeError(
                f"table {name!r} must be a pandas DataFrame or an Ibis table; got "
                f"{type(value).__name__}"
            )
        self._forget()

    def _forget(self) -> None:
        self._cache.clear()
        self._memo.clear()

    def memo(self, key: object, make: Callable[[], T]) -> T:
        """Return the value stored under ``key``, making it with ``make()`` the first time.

        Used for recipe expressions and compiled SQL, which depend only on the tables and the
        lineage held here (the store is emptied when either changes).
        """
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]  # type: ignore[return-value]

    def set_lineage(self, lineage: Lineage) -> None:
        """Use ``lineage`` to put records on canonical URNs."""
        self.lineage = lineage
        self._forget()
        mapping = lineage.mapping
        changed = mapping[mapping["urn"] != mapping["canonical_urn"]]
        self._merged_urns = tuple(sorted(set(changed["canonical_urn"].astype(str))))
        self._mapping = None
        self._small_mapping = None
        if 0 < len(changed) <= _INLINE_MAPPING_MAX:
            # a few changes: an inline CASE avoids a join on every table
            self._small_mapping = dict(
                zip(changed["urn"].astype(str), changed["canonical_urn"].astype(str), strict=True)
            )
        elif len(changed):
            frame = pd.DataFrame(
                {
                    "_from_urn": changed["urn"].astype(str).tolist(),
                    "_canonical_urn": changed["canonical_urn"].astype(str).tolist(),
                }
            )
            self._mapping = self._put("lineage_map", frame)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the tables supplied."""
        return tuple(self._tables)

    def _put(self, name: str, frame: pd.DataFrame) -> ir.Table:
        """Place a frame on the backend as Arrow: DuckDB scans it in place, Spark reads it."""
        label = f"eah_{next(_counter)}_{name}"
        arrow = _to_arrow(name, frame)
        if self.engine == "spark":
            session = self.backend._session
            session.createDataFrame(arrow).createOrReplaceTempView(label)
            return self.backend.table(label)
        if self.engine == "duckdb":
            # a view over the Arrow table (no copy into DuckDB); keep the table alive
            self._keep.append(arrow)
            self.backend.con.register(label, arrow)
            return self.backend.table(label)
        return ibis.memtable(arrow)

    def memtable(self, name: str, frame: pd.DataFrame) -> ir.Table:
        """Place a small helper frame on the backend."""
        return self._put(name, frame)

    def raw(self, name: str) -> ir.Table:
        """Return an input table with date columns as dates.

        Raises
        ------
        MissingTableError
            If the table was not supplied.
        """
        if name not in self._tables:
            raise MissingTableError(
                f"this measure needs the input table {name!r}, which was not supplied "
                f"(supplied: {', '.join(sorted(self._tables)) or 'none'})"
            )
        key = f"raw:{name}"
        if key not in self._cache:
            t = self._tables[name]
            casts = {
                c: t[c].cast("date")
                for c in _date_fields(name)
                if c in t.columns and not t[c].type().is_date()
            }
            self._cache[key] = t.mutate(**casts) if casts else t
        return self._cache[key]

    def exclusion_calendar(self) -> ir.Table:
        """DfE's exclusions terms per academic year, on the backend (built once).

        Columns ``_x_ay`` (academic-year start, int64), ``_x_spring`` (1 January) and
        ``_x_summer`` (Easter Monday) as dates, for academic years
        :data:`EXCLUSION_CALENDAR_YEARS`; from
        :func:`eah_eval.data.periods.exclusion_term_table`.
        """
        key = "exclusion_calendar"
        if key not in self._cache:
            table = exclusion_term_table(*EXCLUSION_CALENDAR_YEARS)
            frame = pd.DataFrame(
                {
                    "_x_ay": table["start_year"],
                    "_x_spring": table["spring_start"],
                    "_x_summer": table["summer_start"],
                }
            )
            t = self._put("exclusion_calendar", frame)
            self._cache[key] = t.mutate(
                _x_spring=t._x_spring.cast("date"), _x_summer=t._x_summer.cast("date")
            )
        return self._cache[key]

    def school_attributes(self) -> ir.Table:
        """Schools with cluster, wave (string), LA code, phase and establishment type.

        ``_merged`` is true for a school that took over at least one predecessor URN (its
        records may hold two URNs for one pupil and period).
        """
        key = "attrs"
        if key not in self._cache:
            s = self.raw("schools")
            c = self.raw("clusters").select(
                _c_cluster=lambda t: t.cluster_id, wave=lambda t: t.rollout_wave.cast("string")
            )
            j = s.left_join(c, s.cluster_id == c._c_cluster)
            merged = (
                j.urn.isin(self._merged_urns) if self._merged_urns else ibis.literal(False)
            )
            self._cache[key] = j.select(
                _a_urn=j.urn,
                cluster_id=j.cluster_id,
                wave=j.wave,
                la_code=j.la_code,
                phase=j.phase,
                establishment_type=j.establishment_type,
                _merged=merged,
            )
        return self._cache[key]

    def canonical(self, t: ir.Table) -> ir.Table:
        """Replace ``urn`` by the canonical URN of the school (lineage followed)."""
        if self._small_mapping is not None:
            return t.mutate(urn=t.urn.substitute(self._small_mapping))
        if self._mapping is None:
            return t
        m = self._mapping
        j = t.left_join(m, t.urn == m._from_urn)
        j = j.mutate(urn=ibis.coalesce(j._canonical_urn, j.urn))
        return j.drop("_from_urn", "_canonical_urn")

    def school_table(self, name: str) -> ir.Table:
        """Return an urn-keyed input table on canonical URNs with school attributes joined.

        Rows whose URN is not in ``schools`` keep null attributes (``cluster_id`` is null).
        """
        key = f"school:{name}"
        if key not in self._cache:
            t = self.canonical(self.raw(name))
            a = self.school_attributes()
            j = t.left_join(a, t.urn == a._a_urn)
            self._cache[key] = j.drop("_a_urn")
        return self._cache[key]

    def cluster_table(self, name: str) -> ir.Table:
        """Return a cluster-keyed input table with wave and LA code joined.

        The LA of a cluster is the LA code of its schools (the largest code if several).
        """
        key = f"cluster:{name}"
        if key not in self._cache:
            t = self.raw(name)
            c = self.raw("clusters").select(
                _c_cluster=lambda x: x.cluster_id,
                wave=lambda x: x.rollout_wave.cast("string"),
            )
            s = self.raw("schools")
            la = s.group_by(_l_cluster=s.cluster_id).agg(la_code=s.la_code.max())
            j = t.left_join(c, t.cluster_id == c._c_cluster)
            j = j.left_join(la, j.cluster_id == la._l_cluster)
            self._cache[key] = j.drop("_c_cluster", "_l_cluster")
        return self._cache[key]

    def single_la(self) -> str | None:
        """Return the LA code if all schools share one (places central costs), else None."""
        if self._single_la is None:
            s = self.raw("schools")
            codes = s.select("la_code").distinct().limit(2).to_pandas()["la_code"].tolist()
            self._single_la = (str(codes[0]) if len(codes) == 1 else None,)
        return self._single_la[0]

    def characteristics(self) -> ir.Table:
        """Pupil characteristics per academic year from the January census (one row each).

        Columns ``_k_pupil``, ``_k_ay`` (academic-year start) and ``k_sen_provision``,
        ``k_primary_need``, ``k_fsm``, ``k_sex``, ``k_ethnicity_group``. A pupil with two
        January records in one academic year keeps the latest (then the lowest URN).
        """
        key = "chars"
        if key not in self._cache:
            t = self.raw("pupil_census")
            t = t.filter(t.census_date.month() == 1)
            t = t.mutate(_k_ay=t.census_date.year() - 1)
            t = t.mutate(
                _rn=ibis.row_number().over(
                    group_by=[t.pupil_id, t._k_ay], order_by=[ibis.desc(t.census_date), t.urn]
                )
            )
            t = t.filter(t._rn == 0)
            self._cache[key] = t.select(
                _k_pupil=t.pupil_id,
                _k_ay=t._k_ay,
                k_sen_provision=t.sen_provision,
                k_primary_need=t.primary_need,
                k_fsm=t.fsm,
                k_sex=t.sex,
                k_ethnicity_group=t.ethnicity_group,
            )
        return self._cache[key]


def open_tables(
    data: object,
    *,
    engine: object = "duckdb",
    lineage_rule: str = "chain_successors",
) -> TableSet:
    """Put the input tables on an Ibis backend and resolve URN lineage.

    Parameters
    ----------
    data : Council, dict of DataFrame, dict of ibis Table, TableSet, str or Path
        The council's tables (see the module notes). A :class:`TableSet` is returned as is.
    engine : {"duckdb", "spark"}, ibis backend or SparkSession
        Where to run. Ignored when ``data`` holds Ibis tables (their backend is used).
    lineage_rule : {"chain_successors", "none"}
        Rule for :func:`eah_eval.data.lineage.resolve_lineage`.

    Returns
    -------
    TableSet

    Raises
    ------
    OptionTypeError
        If ``data`` is none of the accepted kinds.
    DataFileNotFoundError
        If a directory path does not exist.
    DataValidationError
        If a directory's tables fail validation (see :func:`eah_eval.data.load.load_council`).
    """
    if isinstance(data, TableSet):
        return data
    accounting: pd.DataFrame | None = None
    if isinstance(data, str | Path):
        path = Path(data)
        if not path.is_dir():
            raise DataFileNotFoundError(f"data directory {str(path)!r} does not exist")
        from eah_eval.data.load import load_council  # deferred: reading and validating

        data = load_council(path)
    if hasattr(data, "tables") and isinstance(data.tables, Mapping):
        accounting = getattr(data, "accounting", None)
        data = dict(data.tables)
    if not isinstance(data, Mapping) or not data:
        raise OptionTypeError(
            "data must be a Council, a non-empty dict of DataFrames or Ibis tables, a TableSet "
            f"or a data directory; got {type(data).__name__}"
        )
    values = list(data.values())
    if all(isinstance(v, ir.Table) for v in values):
        backend = values[0]._find_backend()
        engine_name = "spark" if backend.name == "pyspark" else str(backend.name)
    else:
        backend, engine_name = connect(engine)
    ts = TableSet(backend, engine_name, accounting)
    for name, value in data.items():
        ts.add(str(name), value)
    if "schools" not in ts.names:
        raise MissingTableError("the schools table is required by every measure")
    schools_df = ts.raw("schools").to_pandas()
    if "school_links" in ts.names:
        links_df = ts.raw("school_links").to_pandas()
    else:
        links_df = pd.DataFrame(columns=["urn", "linked_urn", "link_type", "link_date"])
    ts.set_lineage(resolve_lineage(schools_df, links_df, rule=lineage_rule))  # type: ignore[arg-type]
    return ts


def _identity_lineage() -> Lineage:
    return Lineage(
        mapping=pd.DataFrame({"urn": [], "canonical_urn": []}, dtype=object),
        rule="",
        changes=pd.DataFrame(),
    )


def period_index_expr(date: ir.DateValue, period: str) -> ir.IntegerValue:
    """Integer period index of a date column (consecutive periods differ by 1).

    ``term``: ``3 * academic-year start + k`` (k = 0 autumn, 1 spring, 2 summer);
    ``academic_year`` and ``census``: start year; ``calendar_year``: the year;
    ``financial_year``: the year in which it starts (April).
    """
    y = date.year()
    m = date.month()
    ay = ibis.ifelse(m >= 9, y, y - 1)
    if period == "term":
        k = ibis.cases((m >= 9, 0), (m <= 3, 1), else_=2)
        return (ay * 3 + k).cast("int64")
    if period in ("academic_year", "census"):
        return ay.cast("int64")
    if period == "calendar_year":
        return y.cast("int64")
    if period == "financial_year":
        return ibis.ifelse(m >= 4, y, y - 1).cast("int64")
    raise OptionError(f"unknown period {period!r}")


def period_label(period: str, index: int) -> str:
    """Human label of a period index (``"2024/25 autumn"``, ``"2024/25"``, ``"2025"``...)."""
    i = int(index)
    if period == "term":
        start, k = divmod(i, 3)
        return f"{academic_year_label(start)} {('autumn', 'spring', 'summer')[k]}"
    if period in ("academic_year", "census"):
        return academic_year_label(i)
    if period == "financial_year":
        return f"{i}-{(i + 1) % 100:02d}"
    return str(i)


def period_bounds(period: str, index: int) -> tuple[dt.date, dt.date]:
    """First and last date (inclusive) of a period index."""
    i = int(index)
    if period == "term":
        start, k = divmod(i, 3)
        if k == 0:
            return dt.date(start, 9, 1), dt.date(start, 12, 31)
        if k == 1:
            return dt.date(start + 1, 1, 1), dt.date(start + 1, 3, 31)
        return dt.date(start + 1, 4, 1), dt.date(start + 1, 8, 31)
    if period in ("academic_year", "census"):
        return dt.date(i, 9, 1), dt.date(i + 1, 8, 31)
    if period == "financial_year":
        return dt.date(i, 4, 1), dt.date(i + 1, 3, 31)
    return dt.date(i, 1, 1), dt.date(i, 12, 31)
