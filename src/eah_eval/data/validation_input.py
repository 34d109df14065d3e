"""Read a council's tables as raw text: CSV files (with pyarrow) or in-memory frames.

Both routes give, per table, a frame of text columns (blank = missing) and a digest, so that
:mod:`eah_eval.data.load` validates files and frames in exactly the same way. File-level reading
problems (empty file, duplicate header, rows with the wrong number of fields, bytes that are not
UTF-8, malformed CSV) are returned as problems; the text of a bad row is never echoed (it may hold
pupil identifiers).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from eah_eval.data import schema as sch
from eah_eval.data.validation import DETAIL_LIMIT
from eah_eval.errors import DataFileNotFoundError, DataProblem, OptionError, OptionTypeError


@dataclass
class RawTable:
    """One table as read: text frame (``None`` if unreadable), digest and reading problems."""

    table: str
    file: str
    frame: pd.DataFrame | None
    digest: str | None
    problems: list[DataProblem]
    supplied: bool


def string_dtype() -> Any:
    """Return the pyarrow-backed string dtype used for text columns (NaN as missing)."""
    try:
        return pd.StringDtype("pyarrow", na_value=np.nan)
    except TypeError:  # pragma: no cover - pandas < 2.3
        return pd.StringDtype("pyarrow")


def read_csv_text(table: str, path: Path, label: str, detail_limit: int = DETAIL_LIMIT) -> RawTable:
    """Read a CSV file as text columns with pyarrow (fast, multi-threaded), or say why not."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()

    def fail(kind: str, column: str | None, expected: str, found: str,
             row: int | None = None) -> RawTable:
        problem = DataProblem(table, label, row, column, kind, expected, found)
        return RawTable(table, label, None, digest, [problem], True)

    end = data.find(b"\n")
    first_line = data[: end if end >= 0 else len(data)].decode("utf-8-sig", errors="replace")
    first_line = first_line.rstrip("\r")
    if not data or data.isspace():
        return fail("empty_file", None, "a header row naming the columns", "an empty file")
    header = next(csv.reader([first_line]), [])
    seen: set[str] = set()
    for name in header:
        if name in seen:
            return fail("duplicate_column", name, "each column named once",
                        f"column {name!r} more than once")
        seen.add(name)
    invalid: list[tuple[int | None, int, int]] = []

    def on_invalid(row: Any) -> str:
        invalid.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    def read(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=threads),
            parse_options=pacsv.ParseOptions(
                invalid_row_handler=on_invalid, ignore_empty_lines=False,
                newlines_in_values=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )

    try:
        arrow = read(len(data) > 1_000_000)  # threads only pay off on big files
        if invalid and any(n is None for n, _, _ in invalid):
            invalid.clear()
            arrow = read(False)  # single-threaded reading knows the line numbers
    except pa.ArrowInvalid as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as dec:
            return fail("unreadable_file", None, "UTF-8 text",
                        f"a byte that is not UTF-8 at offset {dec.start}")
        # keep the reason, never the row's text (it may hold pupil identifiers)
        reason = str(exc).splitlines()[0].split(": ", 2)
        message = ": ".join(reason[:2])[:160]
        return fail("unreadable_file", None, "a well-formed CSV file", message)
    if invalid:
        problems = [
            DataProblem(
                table, label, None if n is None else n - 1, None, "bad_row_length",
                f"{expected} fields, as in the header", f"{actual} field(s)",
            )
            for n, expected, actual in invalid[:detail_limit]
        ]
        if len(invalid) > detail_limit:
            problems.append(DataProblem(
                table, label, None, None, "bad_row_length", "as many fields as the header",
                f"{len(invalid) - detail_limit} more row(s) with this problem",
            ))
        return RawTable(table, label, None, digest, problems, True)
    dtype = string_dtype()
    frame = arrow.to_pandas(types_mapper=lambda t: dtype if pa.types.is_string(t) else None)
    return RawTable(table, label, frame, digest, [], True)


def _text_column(series: pd.Series, ftype: str) -> pd.Series:
    """Turn one in-memory column into its CSV text (blank = missing)."""
    s = series.reset_index(drop=True)
    missing = s.isna().to_numpy()
    dtype = s.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        out = s.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_bool_dtype(dtype):
        out = s.map({True: "true", False: "false"})
    elif pd.api.types.is_integer_dtype(dtype):
        out = s.astype("Int64").astype(str)
    elif pd.api.types.is_float_dtype(dtype):
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(values)
        if ftype == "integer" and np.all(values[finite] == np.round(values[finite])):
            out = pd.Series(
                [str(int(v)) if f else "" for v, f in zip(values, finite, strict=True)],
                dtype=object,
            )
        else:
            out = pd.Series([repr(float(v)) for v in values], dtype=object)
    elif isinstance(dtype, pd.StringDtype) or (
        pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
    ):
        out = s.astype(object)
    else:
        def text(v: object) -> str:
            if isinstance(v, pd.Timestamp):
                return v.strftime("%Y-%m-%d")
            if isinstance(v, bool | np.bool_):
                return "true" if v else "false"
            return str(v)

        out = s.astype(object).map(text, na_action="ignore")
    out = out.astype(object)
    out[missing] = ""
    return out.astype(str)


def _frame_digest(text: pd.DataFrame) -> str:
    """SHA-256 over the column names and the (fixed-key) hash of every text value, in order."""
    h = hashlib.sha256()
    for name in text.columns:
        h.update(f"{name}\n".encode())
        values = pd.util.hash_pandas_object(text[name], index=False).to_numpy()
        h.update(values.tobytes())
    return h.hexdigest()


def raws_from_frames(frames: Mapping[str, pd.DataFrame]) -> dict[str, RawTable]:
    """Turn in-memory tables (typed or text) into their CSV text form, one per known table.

    Raises
    ------
    OptionError
        For a table name not in :data:`~eah_eval.data.schema.TABLES`.
    OptionTypeError
        For a value that is not a DataFrame.
    """
    unknown = sorted(set(frames) - set(sch.TABLES))
    if unknown:
        raise OptionError(
            f"unknown table(s) {', '.join(map(repr, unknown))}; tables are "
            f"{', '.join(map(repr, sch.TABLES))}"
        )
    raws: dict[str, RawTable] = {}
    for table in sch.TABLES:
        label = sch.table_file_name(table)
        if table not in frames:
            raws[table] = RawTable(table, label, None, None, [], False)
            continue
        df = frames[table]
        if not isinstance(df, pd.DataFrame):
            raise OptionTypeError(
                f"frames[{table!r}] must be a pandas DataFrame; got {type(df).__name__}"
            )
        types_by_name = {f["name"]: f.get("type", "string") for f in sch.fields(table)}
        dtype = string_dtype()
        text = pd.DataFrame(
            {str(c): _text_column(df[c], types_by_name.get(str(c), "string")).astype(dtype)
             for c in df.columns},
            index=pd.RangeIndex(len(df)),
        )
        if len(set(map(str, df.columns))) != len(df.columns):
            problem = DataProblem(table, label, None, None, "duplicate_column",
                                  "each column named once", "a column name more than once")
            raws[table] = RawTable(table, label, None, None, [problem], True)
            continue
        digest = _frame_digest(text)
        raws[table] = RawTable(table, label, text, digest, [], True)
    return raws


def raws_from_dir(data_dir: Path) -> tuple[dict[str, RawTable], list[str]]:
    """Read every ``<table>.csv`` in ``data_dir``; also return notes on CSV files matching no table.

    Raises
    ------
    DataFileNotFoundError
        If ``data_dir`` is not a directory.
    """
    if not data_dir.is_dir():
        raise DataFileNotFoundError(f"data directory not found: {data_dir}")
    raws: dict[str, RawTable] = {}
    names = set()
    for table in sch.TABLES:
        name = sch.table_file_name(table)
        names.add(name)
        path = data_dir / name
        label = str(path)
        if path.is_file():
            raws[table] = read_csv_text(table, path, label)
        else:
            raws[table] = RawTable(table, label, None, None, [], False)
    notes = [
        f"{p.name} matches no table and was ignored (tables: {', '.join(sch.TABLES)})"
        for p in sorted(data_dir.glob("*.csv"))
        if p.name not in names
    ]
    return raws, notes
