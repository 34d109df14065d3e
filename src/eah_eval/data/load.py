"""Load a council's input tables, validate them against ``data_schema/``, account for every row.

Model
-----
* A data directory holds one file per table: ``<table>.csv`` (UTF-8, comma-separated, header
  row, blank = missing) or ``<table>.parquet``. Both formats (and in-memory frames) go through
  the same validation, UPN policy, row accounting and fingerprint. Only regular files are read:
  symbolic links are refused by name unless ``allow_symlinks=True``. ``schools``, ``clusters``
  and ``pupil_census`` are required; the other fourteen tables are optional (flag ``eah:required``
  in ``data_schema/datapackage.json``): an absent optional file gives an empty table, and the
  accounting says so. Near-miss file names (``attendance.CSV``, ``suspensions.csv.txt``) are
  not read; a note names them.
* Everything about a field (type, codes, pattern, range, keys) is read from the schema files;
  cross-field rules (dates in order, absence within possible sessions, ...) are listed in
  :mod:`eah_eval.data.validation_rules`.
* **Strict by default** (``on_problem="error"``): any problem makes :func:`load_council` raise one
  :class:`~eah_eval.errors.DataValidationError` listing all problems (file, row, column, expected,
  found). With ``on_problem="exclude_rows"``, rows with row-level problems are dropped and
  counted (reason per table) and a :class:`~eah_eval.errors.DataQualityWarning` is issued;
  file-level problems (missing file or column, unknown column, unreadable file, real UPNs under
  ``upn_policy="refuse"``, URN lineage errors) still raise. Tables are checked parents first, so
  a row that refers to an excluded school or cluster is excluded too.
* Pupil identifiers (fields flagged ``eah:pupilIdentifier``) that look like real Unique Pupil
  Numbers are refused (``upn_policy="refuse"``, the default) or every pupil identifier is
  checked against its schema and then replaced by a keyed hash (``upn_policy="pseudonymise"``);
  see :mod:`eah_eval.data.pseudonymise`. A value with the shape of a real UPN in any other text
  column (record ids, names) is refused under both policies. Pupil identifiers and UPN-shaped
  values are never echoed in messages.
* The fingerprint is a SHA-256 over the validated tables' content (column names and typed
  values, in order), so the CSV and Parquet forms of the same data have the same fingerprint.
"""

from __future__ import annotations

import hashlib
import logging
import types
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from eah_eval.data import schema as sch
from eah_eval.data.lineage import Lineage, LineageRule, lineage_problems, resolve_lineage
from eah_eval.data.pseudonymise import (
    PSEUDONYMISE_RULE,
    UpnPolicy,
    check_upn_policy,
    looks_like_upn,
    normalise_key,
    pseudonymise,
)
from eah_eval.data.validation import (
    DETAIL_LIMIT,
    ProblemCollector,
    check_field,
    check_foreign_key,
    check_primary_key,
    is_pupil_identifier,
    plain_name,
    show,
)
from eah_eval.data.validation_input import RawTable, raws_from_dir, raws_from_frames
from eah_eval.data.validation_rules import RuleHit, rules_for, window_hit
from eah_eval.errors import (
    DataProblem,
    DataQualityWarning,
    DataValidationError,
    check_option,
)

logger = logging.getLogger(__name__)

OnProblem = Literal["error", "exclude_rows"]
ON_PROBLEM: tuple[str, ...] = ("error", "exclude_rows")

ACCOUNTING_COLUMNS = [
    "table", "file", "rows_read", "rows_kept", "rows_excluded", "reason", "rows_with_problems",
]

# problem kinds that dropping rows cannot cure
_FILE_KINDS = {
    "missing_file", "unreadable_file", "empty_file", "duplicate_column", "missing_column",
    "unknown_column", "empty_table", "real_upn", "self_link", "lineage_cycle",
    "ambiguous_successor", "ambiguous_merge", "two_files", "symlink", "not_regular_file",
}


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """Outcome of :func:`validate_council`: every problem and the row accounting.

    Attributes
    ----------
    problems : tuple of DataProblem
        All problems found (empty when the data are valid).
    accounting : pandas.DataFrame
        One row per table: ``table, file, rows_read, rows_kept, rows_excluded, reason,
        rows_with_problems``.
    source : str
        Data directory, or ``"<frames>"``.
    notes : tuple of str
        Remarks that are not problems (e.g. CSV files that match no table).
    loadable : bool
        Whether :func:`load_council` with the same options would succeed: no problems, or
        only row-level problems under ``on_problem="exclude_rows"``.
    fingerprint : str
        SHA-256 over the tables that would be loaded (as :attr:`Council.fingerprint`).
    """

    problems: tuple[DataProblem, ...]
    accounting: pd.DataFrame
    source: str
    notes: tuple[str, ...] = ()
    loadable: bool = True
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def __str__(self) -> str:
        table = self.accounting[
            ["table", "file", "rows_read", "rows_kept", "rows_excluded", "rows_with_problems",
             "reason"]
        ].to_string(index=False)
        lines = [f"Data: {self.source}", table]
        lines += [f"note: {n}" for n in self.notes]
        if self.ok:
            lines.append("OK: no problems found")
        else:
            lines.append(f"{len(self.problems)} problem(s):")
            lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Council:
    """A validated set of council input tables.

    Attributes
    ----------
    tables : mapping of str to pandas.DataFrame
        One frame per table in :data:`~eah_eval.data.schema.TABLES`, columns exactly as in the
        schema: dates ``datetime64[ns]``, booleans ``bool``, integers ``int64``, numbers
        ``float64``, text as strings; optional blanks are NA (nullable ``Int64`` / ``boolean``
        where an optional integer or boolean has blanks). Absent optional tables are empty.
    accounting : pandas.DataFrame
        Rows read, kept and excluded per table, with the reason.
    source : pathlib.Path or None
        Data directory (``None`` for :meth:`from_frames`).
    fingerprint : str
        SHA-256 over the validated tables (column names and typed values, in order): the
        same for the CSV, Parquet and in-memory forms of the same data.
    upn_policy : str
        How pupil identifiers were handled.
    on_problem : str
        ``"error"`` or ``"exclude_rows"``.
    excluded : tuple of DataProblem
        The problems behind excluded rows (empty in strict mode).
    notes : tuple of str
        Remarks that are not problems: files that were not read, and rows kept with a
        plausibility warning (e.g. records dated after their school's closure).
    """

    tables: Mapping[str, pd.DataFrame]
    accounting: pd.DataFrame
    source: Path | None
    fingerprint: str
    upn_policy: str = "refuse"
    on_problem: str = "error"
    excluded: tuple[DataProblem, ...] = field(default=())
    notes: tuple[str, ...] = ()

    def __getitem__(self, table: str) -> pd.DataFrame:
        """Return one table."""
        return self.tables[table]

    def __repr__(self) -> str:
        rows = ", ".join(f"{t}={len(df)}" for t, df in self.tables.items())
        return f"Council(source={self.source}, fingerprint={self.fingerprint[:12]}, {rows})"

    @property
    def identifier_rule(self) -> str:
        """How pupil identifiers were treated, in words (for reports)."""
        if self.upn_policy == "pseudonymise":
            return PSEUDONYMISE_RULE
        return "real Unique Pupil Numbers refused; pupil identifiers used as supplied"

    def lineage(self, *, rule: LineageRule = "chain_successors") -> Lineage:
        """Resolve URN lineage from ``schools`` and ``school_links``.

        See :func:`eah_eval.data.lineage.resolve_lineage`.
        """
        return resolve_lineage(self.tables["schools"], self.tables["school_links"], rule=rule)

    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, pd.DataFrame],
        *,
        upn_policy: UpnPolicy = "refuse",
        upn_key: bytes | str | None = None,
        on_problem: OnProblem = "error",
    ) -> Council:
        """Build a council from in-memory frames, validated exactly as files are.

        Frames may hold typed values (dates, booleans, numbers) or text; each is written to
        its CSV text form and read back through the same validator as :func:`load_council`.

        Parameters
        ----------
        frames : mapping of str to pandas.DataFrame
            Tables by name; names must be in :data:`~eah_eval.data.schema.TABLES`.
        upn_policy, upn_key, on_problem
            As for :func:`load_council`.

        Returns
        -------
        Council

        Raises
        ------
        OptionError
            For an unknown table name.
        DataValidationError
            As for :func:`load_council`.
        """
        raws = raws_from_frames(frames)
        outcome = _validate(raws, "<frames>", upn_policy, upn_key, on_problem, DETAIL_LIMIT)
        return outcome.council(None)


# ----------------------------------------------------------------------------------------------
# validation


def _table_order() -> list[str]:
    """Tables with referenced tables first (foreign keys and cross-table rules)."""
    deps = {t: {str(fk["reference"]["resource"]) for fk in sch.foreign_keys(t)} for t in sch.TABLES}
    for t in sch.TABLES:
        for rule in rules_for(t):
            deps[t] |= set(rule.needs)
    order: list[str] = []
    while len(order) < len(sch.TABLES):
        progressed = False
        for t in sch.TABLES:
            if t not in order and (deps[t] - {t}) <= set(order):
                order.append(t)
                progressed = True
        if not progressed:  # pragma: no cover - schema cycle
            order += [t for t in sch.TABLES if t not in order]
    return order


def _final_dtypes(table: str, typed: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for f in sch.fields(table):
        name = f["name"]
        if name not in typed.columns:  # a missing required column, already reported
            out[name] = pd.Series(pd.NA, index=pd.RangeIndex(len(typed)), dtype=object)
            continue
        s = typed[name].reset_index(drop=True)
        ftype = f.get("type", "string")
        has_na = bool(s.isna().any())
        if ftype == "integer":
            s = s.astype("Int64") if has_na else s.astype("int64")
        elif ftype == "boolean":
            s = s.astype("boolean") if has_na else s.astype(bool)
        elif ftype == "number":
            s = s.astype("float64")
        elif ftype == "date":
            s = s.astype("datetime64[ns]")
        out[name] = s
    return pd.DataFrame(out, index=pd.RangeIndex(len(typed)))


def _empty_table(table: str) -> pd.DataFrame:
    raw = pd.DataFrame({f["name"]: pd.Series([], dtype=str) for f in sch.fields(table)})
    collector = ProblemCollector(table, "", 0)
    typed = {
        f["name"]: check_field(f, raw[f["name"]], sch.missing_values(table), collector)
        for f in sch.fields(table)
    }
    return _final_dtypes(table, pd.DataFrame(typed))


def _upn_step(raws: Mapping[str, RawTable], policy: str) -> list[DataProblem]:
    """Find real-looking UPNs in pupil identifiers and in every other free-text column.

    In pupil identifiers they are refused unless pseudonymising; elsewhere always (only pupil
    identifiers are hashed).
    """
    problems: list[DataProblem] = []
    for table, raw in raws.items():
        if raw.frame is None:
            continue
        for f in sch.fields(table):
            name = f["name"]
            if name not in raw.frame.columns or f.get("type", "string") != "string":
                continue
            pupil = is_pupil_identifier(f)
            if (pupil and policy == "pseudonymise") or "enum" in f.get("constraints", {}):
                continue
            flags = looks_like_upn(raw.frame[name])
            if not flags.any():
                continue
            rows = np.flatnonzero(flags)
            expected = (
                "pseudonymised pupil identifiers, not real Unique Pupil Numbers (pseudonymise "
                "before loading, or load with upn_policy='pseudonymise' and a key)"
                if pupil else
                "no Unique Pupil Numbers outside the pupil identifier columns (replace them "
                "before loading; only pupil identifiers are pseudonymised)"
            )
            problems.append(
                DataProblem(
                    table, raw.file, None, name, "real_upn", expected,
                    f"{len(rows)} of {len(flags)} row(s) hold values with the shape and "
                    f"check letter of a real UPN (first at row {rows[0] + 1}; values not "
                    "shown)",
                )
            )
    return problems


def _table_digest(frame: pd.DataFrame) -> str:
    """SHA-256 over a typed table: column names and the (fixed-key) hash of every value."""
    h = hashlib.sha256()
    for name in frame.columns:
        column = frame[name]
        if not (pd.api.types.is_numeric_dtype(column) or
                pd.api.types.is_datetime64_any_dtype(column) or
                pd.api.types.is_bool_dtype(column)):
            column = column.astype(object)
        h.update(f"{name}\n{column.dtype}\n".encode())
        h.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
    return h.hexdigest()


@dataclass
class _Outcome:
    tables: dict[str, pd.DataFrame]
    accounting: pd.DataFrame
    problems: list[DataProblem]
    fatal: bool
    excluded: list[DataProblem]
    notes: list[str]
    fingerprint: str
    upn_policy: str
    on_problem: str

    def report(self, source: str) -> ValidationReport:
        loadable = not self.problems or (not self.fatal and self.on_problem == "exclude_rows")
        return ValidationReport(
            tuple(self.problems), self.accounting, source, tuple(self.notes), loadable,
            self.fingerprint,
        )

    def council(self, source: Path | None) -> Council:
        if self.problems and (self.fatal or self.on_problem == "error"):
            raise DataValidationError(self.problems)
        if self.excluded:
            total = int(self.accounting["rows_excluded"].sum())
            warnings.warn(
                f"{total} row(s) excluded by on_problem='exclude_rows'; see Council.accounting "
                "and Council.excluded",
                DataQualityWarning,
                stacklevel=3,
            )
        return Council(
            tables=types.MappingProxyType(self.tables),
            accounting=self.accounting,
            source=source,
            fingerprint=self.fingerprint,
            upn_policy=self.upn_policy,
            on_problem=self.on_problem,
            excluded=tuple(self.excluded),
            notes=tuple(self.notes),
        )


def _validate(
    raws: dict[str, RawTable],
    source: str,
    upn_policy: object,
    upn_key: bytes | str | None,
    on_problem: object,
    detail_limit: int,
) -> _Outcome:
    policy = check_upn_policy(upn_policy)
    mode = check_option("on_problem", on_problem, ON_PROBLEM)
    key = normalise_key(upn_key) if policy == "pseudonymise" else None
    upn_problems = _upn_step(raws, policy)
    upn_by_table: dict[str, list[DataProblem]] = {}
    for p in upn_problems:
        upn_by_table.setdefault(p.table, []).append(p)

    kept: dict[str, pd.DataFrame] = {}
    all_rows: dict[str, pd.DataFrame] = {}
    usable: dict[str, bool] = {}
    problems_by_table: dict[str, list[DataProblem]] = {}
    excluded: list[DataProblem] = []
    accounting_rows: dict[str, dict[str, Any]] = {}
    cautions: list[str] = []
    fatal = False

    for table in _table_order():
        raw = raws[table]
        required_table = sch.is_required_table(table)
        problems: list[DataProblem] = list(raw.problems) + upn_by_table.get(table, [])
        row: dict[str, Any] = {"table": table, "file": raw.file, "rows_read": 0,
                               "rows_kept": 0, "rows_excluded": 0, "reason": "",
                               "rows_with_problems": 0}
        if not raw.supplied:
            kept[table] = _empty_table(table)
            usable[table] = False
            if required_table:
                near = (
                    f" ({', '.join(raw.near_misses)} not read: names are case-sensitive and "
                    "end in .csv or .parquet)" if raw.near_misses else ""
                )
                problems.append(
                    DataProblem(table, raw.file, None, None, "missing_file",
                                f"{sch.table_file_name(table)} (a required table)",
                                f"no such file{near}")
                )
                row["reason"] = "required file missing"
            else:
                row["reason"] = "optional file not supplied: empty table"
        elif raw.frame is None:
            kept[table] = _empty_table(table)
            usable[table] = False
            row["reason"] = "file unreadable"
        else:
            logger.debug("checking %s: %s row(s)", raw.file, f"{len(raw.frame):,}")
            typed, collector, notes, table_cautions = _check_table(
                table, raw, kept, usable, all_rows, detail_limit, key
            )
            cautions += table_cautions
            all_rows[table] = typed
            problems += collector.problems
            n = len(raw.frame)
            bad = collector.bad_rows
            row["rows_read"] = n
            row["rows_with_problems"] = int(bad.sum())
            reasons = list(notes)
            hashed = [f["name"] for f in sch.fields(table)
                      if key is not None and is_pupil_identifier(f)
                      and f["name"] in raw.frame.columns]
            if hashed:
                reasons.append(f"{', '.join(hashed)} pseudonymised (HMAC-SHA256)")
            file_level = bool(collector.fatal) or bool(upn_by_table.get(table))
            if mode == "exclude_rows" and not file_level and bad.any():
                counts = ", ".join(f"{k} {v}" for k, v in sorted(collector.row_kinds.items()))
                reasons.insert(0, f"excluded rows with problems (problem counts: {counts})")
                excluded += collector.problems
                typed = typed.loc[~bad]
            kept[table] = _final_dtypes(table, typed)
            usable[table] = not file_level
            row["rows_kept"] = len(kept[table])
            row["rows_excluded"] = n - len(kept[table])
            if required_table and n == 0:
                problems.append(
                    DataProblem(table, raw.file, None, None, "empty_table",
                                "at least one data row (a required table)", "no data rows")
                )
                # an empty parent would make every referring row look orphaned: say it once
                usable[table] = False
            elif required_table and len(kept[table]) == 0:
                problems.append(
                    DataProblem(table, raw.file, None, None, "empty_table",
                                "at least one row kept (a required table)",
                                f"all {n:,} row(s) excluded by on_problem='exclude_rows'")
                )
            row["reason"] = "; ".join(reasons)
        if any(p.kind in _FILE_KINDS for p in problems):
            fatal = True
        problems_by_table[table] = problems
        accounting_rows[table] = row

    all_problems = [p for t in sch.TABLES for p in problems_by_table[t]]
    accounting = pd.DataFrame([accounting_rows[t] for t in sch.TABLES], columns=ACCOUNTING_COLUMNS)
    digest = hashlib.sha256()
    for t in sch.TABLES:
        if raws[t].frame is not None:
            digest.update(f"{t}\n{_table_digest(kept[t])}\n".encode())
    return _Outcome(
        tables={t: kept[t] for t in sch.TABLES},
        accounting=accounting,
        problems=all_problems,
        fatal=fatal,
        excluded=excluded,
        notes=cautions,
        fingerprint=digest.hexdigest(),
        upn_policy=policy,
        on_problem=mode,
    )


def _check_table(
    table: str,
    raw: RawTable,
    kept: Mapping[str, pd.DataFrame],
    usable: Mapping[str, bool],
    all_rows: Mapping[str, pd.DataFrame],
    detail_limit: int,
    key: bytes | None,
) -> tuple[pd.DataFrame, ProblemCollector, list[str], list[str]]:
    assert raw.frame is not None
    frame = raw.frame.reset_index(drop=True)
    n = len(frame)
    collector = ProblemCollector(table, raw.file, n, detail_limit)
    notes: list[str] = []
    cautions: list[str] = []
    schema_fields = sch.fields(table)
    names = [f["name"] for f in schema_fields]
    for col in frame.columns:
        if col not in names:
            collector.file_level(plain_name(col), "unknown_column",
                                 f"only the columns {', '.join(names)}", f"column {show(col)}")
    short = frame.isna().any(axis=1).to_numpy() if n else np.zeros(0, dtype=bool)
    collector.rows(
        short, None, "missing_cell", f"a value or blank for each of the {len(frame.columns)} "
        "columns", lambda idx: ["a row with fewer fields than the header"] * len(idx),
    )
    absent_optional = []
    typed_cols: dict[str, pd.Series] = {}
    missing_values = sch.missing_values(table)
    hidden = {f["name"] for f in schema_fields if is_pupil_identifier(f)}
    for f in schema_fields:
        name = f["name"]
        if name not in frame.columns:
            if f.get("constraints", {}).get("required", False):
                collector.file_level(name, "missing_column", f"a column named {name!r}",
                                     "no such column")
                continue
            absent_optional.append(name)
            column = pd.Series([""] * n, dtype=str)
        else:
            column = frame[name]
        typed_cols[name] = check_field(f, column, missing_values, collector)
        if key is not None and name in hidden:
            # checked as supplied, then hashed: a malformed identifier is never hidden
            typed_cols[name] = pseudonymise(typed_cols[name], key).astype(
                typed_cols[name].dtype
            )
    if absent_optional:
        notes.append(f"optional column(s) absent, read as blank: {', '.join(absent_optional)}")
    typed = pd.DataFrame(typed_cols, index=pd.RangeIndex(n))
    check_primary_key(typed, sch.primary_key(table), hidden, collector)
    for fk in sch.foreign_keys(table):
        parent = str(fk["reference"]["resource"])
        if usable.get(parent, False):
            check_foreign_key(
                typed, fk, kept[parent], sch.table_file_name(parent), collector,
                parent_all=all_rows.get(parent),
            )
    for f in schema_fields:
        if f.get("type") == "date" and f["name"] in typed.columns:
            hit = window_hit(table, f["name"], typed[f["name"]])
            collector.rows(hit.mask, hit.column, "outside_data_window", hit.expected, hit.found)
    for rule in rules_for(table):
        if all(c in typed.columns for c in rule.columns) and all(
            usable.get(t, False) for t in rule.needs
        ):
            hit = rule.check(typed, {t: kept[t] for t in rule.needs})
            if rule.severity == "warning":
                cautions += _caution(raw.file, rule.kind, hit)
            else:
                collector.rows(hit.mask, hit.column, rule.kind, hit.expected, hit.found)
    complete = all(name in typed.columns for name in sch.field_names(table))
    if table == "school_links" and usable.get("schools", False) and n and complete:
        for p in lineage_problems(kept["schools"], typed.loc[~collector.bad_rows], file=raw.file):
            collector.fatal.append(p)
            collector.problems.append(p)
    if table == "school_links" and n and complete and not usable.get("schools", False):
        for p in lineage_problems(None, typed, file=raw.file):
            if p.kind != "ambiguous_merge":
                collector.fatal.append(p)
                collector.problems.append(p)
    return typed, collector, notes, cautions


def _caution(file: str, kind: str, hit: RuleHit) -> list[str]:
    """Return a warning rule's hits as one note: how many rows, and the first one."""
    rows = np.flatnonzero(hit.mask)
    if not len(rows):
        return []
    (first,) = hit.found(rows[:1])
    return [f"{Path(file).name}: {len(rows):,} row(s) kept with warning {kind} (expected "
            f"{hit.expected}; first at row {rows[0] + 1}: {first})"]


# ----------------------------------------------------------------------------------------------
# front doors


def validate_council(
    data_dir: str | Path,
    *,
    upn_policy: UpnPolicy = "refuse",
    upn_key: bytes | str | None = None,
    on_problem: OnProblem = "error",
    detail_limit: int = DETAIL_LIMIT,
    allow_symlinks: bool = False,
) -> ValidationReport:
    """Check every table in a data directory and report all problems, without raising for them.

    Parameters
    ----------
    data_dir : str or pathlib.Path
        Directory holding ``<table>.csv`` or ``<table>.parquet`` files.
    upn_policy : {"refuse", "pseudonymise"}
        Refuse real-looking UPNs in pupil-identifier columns, or replace every pupil identifier
        with its keyed hash.
    upn_key : bytes or str, optional
        Secret key for ``"pseudonymise"`` (at least 16 bytes); never stored or printed.
    on_problem : {"error", "exclude_rows"}
        Strict (default) or drop rows with row-level problems; changes the accounting.
    detail_limit : int
        Rows listed one by one per column and kind of problem before the rest are summarised.
    allow_symlinks : bool
        Read a table file that is a symbolic link (refused by default: only regular files).

    Returns
    -------
    ValidationReport
        ``problems`` (empty when valid), ``accounting``, ``notes``; ``ok`` says whether valid.

    Raises
    ------
    DataFileNotFoundError
        If ``data_dir`` is not a directory.
    OptionError
        For a bad option value or a missing/short key with ``"pseudonymise"``.
    """
    path = Path(data_dir)
    raws, notes = raws_from_dir(path, allow_symlinks=allow_symlinks)
    outcome = _validate(raws, str(path), upn_policy, upn_key, on_problem, detail_limit)
    outcome.notes = notes + outcome.notes
    return outcome.report(str(path))


def validate_frames(
    frames: Mapping[str, pd.DataFrame],
    *,
    upn_policy: UpnPolicy = "refuse",
    upn_key: bytes | str | None = None,
    on_problem: OnProblem = "error",
    detail_limit: int = DETAIL_LIMIT,
) -> ValidationReport:
    """Check in-memory tables exactly as :func:`validate_council` checks files.

    Parameters
    ----------
    frames : mapping of str to pandas.DataFrame
        Tables by name (typed values or text); absent tables count as absent files.
    upn_policy, upn_key, on_problem, detail_limit
        As for :func:`validate_council`.

    Returns
    -------
    ValidationReport
    """
    raws = raws_from_frames(frames)
    outcome = _validate(raws, "<frames>", upn_policy, upn_key, on_problem, detail_limit)
    return outcome.report("<frames>")


def load_council(
    data_dir: str | Path,
    *,
    upn_policy: UpnPolicy = "refuse",
    upn_key: bytes | str | None = None,
    on_problem: OnProblem = "error",
    allow_symlinks: bool = False,
) -> Council:
    """Load and validate a council's tables from a directory of CSV or Parquet files.

    Parameters
    ----------
    data_dir : str or pathlib.Path
        Directory holding ``<table>.csv`` or ``<table>.parquet`` files (see
        ``data_schema/README.md``).
    upn_policy : {"refuse", "pseudonymise"}
        What to do with pupil identifiers: refuse real-looking Unique Pupil Numbers (default),
        or replace every pupil identifier with HMAC-SHA256 under ``upn_key``.
    upn_key : bytes or str, optional
        Secret key for ``"pseudonymise"`` (at least 16 bytes); never stored or printed.
    on_problem : {"error", "exclude_rows"}
        ``"error"`` (default): any problem raises. ``"exclude_rows"``: rows with row-level
        problems are dropped, counted in ``accounting`` and warned about.
    allow_symlinks : bool
        Read a table file that is a symbolic link (refused by default: only regular files).

    Returns
    -------
    Council
        The typed tables, row accounting, fingerprint and the options used.

    Raises
    ------
    DataValidationError
        Listing every problem (file, row, column, expected, found).
    DataFileNotFoundError
        If ``data_dir`` is not a directory.
    OptionError
        For a bad option value or a missing/short key with ``"pseudonymise"``.

    Examples
    --------
    >>> council = load_council("demo_data")  # doctest: +SKIP
    >>> council.accounting[["table", "rows_read", "rows_kept"]]  # doctest: +SKIP
    """
    path = Path(data_dir)
    raws, notes = raws_from_dir(path, allow_symlinks=allow_symlinks)
    for note in notes:
        warnings.warn(note, DataQualityWarning, stacklevel=2)
    outcome = _validate(raws, str(path), upn_policy, upn_key, on_problem, DETAIL_LIMIT)
    outcome.notes = notes + outcome.notes
    return outcome.council(path)
