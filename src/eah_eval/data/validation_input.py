"""Read a council's tables as raw text: CSV or Parquet files, or in-memory frames.

Every route gives, per table, a frame of text columns (blank = missing), so that
:mod:`eah_eval.data.load` validates CSV files, Parquet files and frames in exactly the same way
(a Parquet or in-memory column is written to its CSV text form first: a typed value is checked as
the text it would have in a CSV file). File-level reading problems (empty file, duplicate header,
rows with the wrong number of fields, bytes that are not UTF-8, malformed CSV or Parquet, a table
supplied twice, a symbolic link or anything that is not a regular file) are returned as problems;
the text of a bad row is never echoed (it may hold pupil identifiers).

Only regular files are read. A symbolic link is refused by name, without being followed, unless
``allow_symlinks=True``; the file is opened with ``O_NOFOLLOW`` so that a link swapped in after
the check is refused too.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as papq

from eah_eval.data import schema as sch
from eah_eval.data.validation import DETAIL_LIMIT, plain_name, show
from eah_eval.errors import DataFileNotFoundError, DataProblem, OptionError, OptionTypeError

#: File formats a table may be supplied in, by file-name suffix.
FORMATS: tuple[str, ...] = (".csv", ".parquet")
# suffixes of files that look meant as a table but are not read (a note names them)
_TABLE_LIKE_SUFFIXES = (".txt", ".tsv", ".xlsx", ".xls", ".ods", ".pq", ".parq", ".json")
#: Longest header line read (characters); a longer one is refused, not parsed.
MAX_HEADER_CHARS = 100_000
# blank lines (spaces or tabs only) at the very end of a file: not rows
_TRAILING_BLANK_LINES = re.compile(rb"(?:\r?\n[ \t]*)+\Z")


@dataclass
class RawTable:
    """One table as read: text frame (``None`` if unreadable) and reading problems."""

    table: str
    file: str
    frame: pd.DataFrame | None
    problems: list[DataProblem]
    supplied: bool
    near_misses: tuple[str, ...] = ()


def string_dtype() -> Any:
    """Return the pyarrow-backed string dtype used for text columns (NaN as missing)."""
    try:
        return pd.StringDtype("pyarrow", na_value=np.nan)
    except TypeError:  # pragma: no cover - pandas < 2.3
        return pd.StringDtype("pyarrow")


def _bad(table: str, label: str, kind: str, expected: str, found: str,
         column: str | None = None, row: int | None = None) -> RawTable:
    """Return an unreadable table: no frame, one file-level problem."""
    return RawTable(table, label, None, [DataProblem(table, label, row, column, kind, expected,
                                                     found)], True)


def read_csv_text(table: str, data: bytes, label: str,
                  detail_limit: int = DETAIL_LIMIT) -> RawTable:
    """Read the bytes of a CSV file as text columns with pyarrow, or say why they cannot be read.

    Blank lines at the very end of the file are not rows. A row longer than pyarrow's block is
    read by reading the whole file as one block.
    """
    if not data or data.isspace():
        return _bad(table, label, "empty_file", "a header row naming the columns", "an empty file")
    # only the trailing whitespace can match: search it alone, not the whole file
    body = len(data.rstrip(b" \t\r\n"))
    data = data[:body] + _TRAILING_BLANK_LINES.sub(b"\n", data[body:])
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)]
    if len(first) > MAX_HEADER_CHARS:
        return _bad(table, label, "unreadable_file",
                    f"a header row of at most {MAX_HEADER_CHARS:,} characters",
                    f"a first line of {len(first):,} bytes")
    first_line = first.decode("utf-8-sig", errors="replace").rstrip("\r")
    try:
        header = next(csv.reader([first_line]), [])
    except csv.Error as exc:
        return _bad(table, label, "unreadable_file", "a well-formed CSV header row",
                    f"a header that cannot be parsed ({str(exc)[:80]})")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            return _bad(table, label, "duplicate_column", "each column named once",
                        f"column {show(name)} more than once", column=plain_name(name))
        seen.add(name)
    invalid: list[tuple[int | None, int, int]] = []

    def on_invalid(row: Any) -> str:
        invalid.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    def read(threads: bool, block_size: int | None = None) -> pa.Table:
        options = pacsv.ReadOptions(use_threads=threads)
        if block_size is not None:
            options.block_size = block_size
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=options,
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
        try:
            arrow = read(len(data) > 1_000_000)  # threads only pay off on big files
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc):
                raise
            # one value longer than a block: read the file as one block
            invalid.clear()
            arrow = read(False, min(len(data) + 1, 2**31 - 1))
        if invalid and any(n is None for n, _, _ in invalid):
            invalid.clear()
            arrow = read(False, max(len(data) + 1, 1 << 20))  # one thread knows line numbers
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "UTF-8" in str(exc):
            return _not_utf8(table, label, data)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return _not_utf8(table, label, data)
        # keep the reason, never the row's text (it may hold pupil identifiers)
        reason = str(exc).splitlines()[0].split(": ", 2)
        message = ": ".join(reason[:2])[:160]
        return _bad(table, label, "unreadable_file", "a well-formed CSV file", message)
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
        return RawTable(table, label, None, problems, True)
    dtype = string_dtype()
    try:
        frame = arrow.to_pandas(types_mapper=lambda t: dtype if pa.types.is_string(t) else None)
    except UnicodeDecodeError:
        return _not_utf8(table, label, data)
    return RawTable(table, label, frame, [], True)


def _not_utf8(table: str, label: str, data: bytes) -> RawTable:
    """Return the problem of a file that is not UTF-8, with the offset of the first bad byte."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as dec:
        where = f"a byte that is not UTF-8 at offset {dec.start}"
    else:  # pragma: no cover - pyarrow and Python disagree
        where = "bytes that are not UTF-8"
    return _bad(table, label, "unreadable_file", "UTF-8 text", where)


def read_parquet_text(table: str, data: bytes, label: str) -> RawTable:
    """Read the bytes of a Parquet file and turn every column into its CSV text form.

    Typed columns (integers, floats, dates, booleans) become the text a CSV file would hold, so
    the validator checks them exactly as it checks CSV; a timestamp with a time of day keeps it
    (and so is not a valid date).
    """
    try:
        arrow = papq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        return _bad(table, label, "unreadable_file", "a well-formed Parquet file", reason)
    names = [str(n) for n in arrow.column_names]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return _bad(table, label, "duplicate_column", "each column named once",
                        f"column {show(name)} more than once", column=plain_name(name))
        seen.add(name)
    if not names:
        return _bad(table, label, "empty_file", "at least one column", "a file with no columns")
    types_by_name = {f["name"]: f.get("type", "string") for f in sch.fields(table)}
    dtype = string_dtype()
    columns = {}
    for name, column in zip(names, arrow.columns, strict=True):
        try:
            series = column.to_pandas()
        except (pa.ArrowException, ValueError, OverflowError) as exc:
            return _bad(table, label, "unreadable_file", "columns of plain values",
                        f"a column that cannot be read ({type(exc).__name__})",
                        column=plain_name(name))
        columns[name] = _text_column(series, types_by_name.get(name, "string")).astype(dtype)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(arrow.num_rows))
    return RawTable(table, label, frame, [], True)


def _text_column(series: pd.Series, ftype: str) -> pd.Series:
    """Turn one typed column into its CSV text (blank = missing; infinities stay visible)."""
    s = series.reset_index(drop=True)
    missing = s.isna().to_numpy()
    dtype = s.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        has_time = bool((s.dropna() != s.dropna().dt.normalize()).any())
        out = s.dt.strftime("%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d")
    elif pd.api.types.is_bool_dtype(dtype):
        out = s.map({True: "true", False: "false"})
    elif pd.api.types.is_integer_dtype(dtype):
        out = s.astype(object).map(str, na_action="ignore")
    elif pd.api.types.is_float_dtype(dtype):
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(values)
        if ftype == "integer" and np.all(values[finite] == np.round(values[finite])):
            out = pd.Series(
                [str(int(v)) if f else repr(float(v)) for v, f in zip(values, finite, strict=True)],
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
            if isinstance(v, float) and not np.isnan(v):
                return str(int(v)) if ftype == "integer" and v.is_integer() else repr(v)
            return str(v)

        out = s.astype(object).map(text, na_action="ignore")
    out = out.astype(object)
    out[missing] = ""
    return out.astype(str)


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
            f"unknown table(s) {', '.join(show(u) for u in unknown[:20])}; tables are "
            f"{', '.join(map(repr, sch.TABLES))}"
        )
    raws: dict[str, RawTable] = {}
    for table in sch.TABLES:
        label = sch.table_file_name(table)
        if table not in frames:
            raws[table] = RawTable(table, label, None, [], False)
            continue
        df = frames[table]
        if not isinstance(df, pd.DataFrame):
            raise OptionTypeError(
                f"frames[{table!r}] must be a pandas DataFrame; got {type(df).__name__}"
            )
        if len(set(map(str, df.columns))) != len(df.columns):
            raws[table] = _bad(table, label, "duplicate_column", "each column named once",
                               "a column name more than once")
            continue
        types_by_name = {f["name"]: f.get("type", "string") for f in sch.fields(table)}
        dtype = string_dtype()
        text = pd.DataFrame(
            {str(c): _text_column(df[c], types_by_name.get(str(c), "string")).astype(dtype)
             for c in df.columns},
            index=pd.RangeIndex(len(df)),
        )
        raws[table] = RawTable(table, label, text, [], True)
    return raws


_KIND_OF_FILE = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(mode: int) -> str:
    for test, words in _KIND_OF_FILE:
        if test(mode):
            return words
    return "not a regular file"


def read_regular_file(path: Path, *, allow_symlinks: bool = False) -> bytes | tuple[str, str, str]:
    """Return the bytes of a regular file, or ``(kind, expected, found)`` saying why not.

    A symbolic link is refused without being followed unless ``allow_symlinks``; anything that
    is not a regular file (directory, pipe, device, socket) is refused without being read.
    """
    expected = ("a regular file (symbolic links are not followed unless allowed with "
                "allow_symlinks=True or --allow-symlinks)")
    if path.is_symlink() and not allow_symlinks:
        return ("symlink", expected, "a symbolic link (not followed)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not allow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return ("symlink", expected, "a symbolic link (not followed)")
        if exc.errno == errno.ENOENT and path.is_symlink():
            return ("not_regular_file", "a regular file", "a symbolic link to nothing")
        return ("unreadable_file", "a readable file", exc.strerror or type(exc).__name__)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return ("not_regular_file", expected, _not_regular(mode))
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read()
    finally:
        os.close(fd)


def _near_miss(name: str, table: str) -> bool:
    """Whether a file name looks meant for ``table`` without being one of its file names."""
    lower = name.lower()
    if name in {f"{table}{suffix}" for suffix in FORMATS}:
        return False
    if lower in {f"{table}{suffix}" for suffix in FORMATS}:
        return True
    if any(lower.startswith(f"{table}{suffix}.") for suffix in FORMATS):
        return True
    stem, _, suffix = lower.rpartition(".")
    return stem.strip() == table and f".{suffix}" in _TABLE_LIKE_SUFFIXES


def raws_from_dir(
    data_dir: Path, *, allow_symlinks: bool = False
) -> tuple[dict[str, RawTable], list[str]]:
    """Read every ``<table>.csv`` or ``<table>.parquet`` in ``data_dir``; also return notes.

    Notes name the files that match no table (ignored) and near misses (``attendance.CSV``,
    ``suspensions.csv.txt``) that were not read as the table they look like.

    Raises
    ------
    DataFileNotFoundError
        If ``data_dir`` is not a directory.
    """
    if not data_dir.is_dir():
        raise DataFileNotFoundError(f"data directory not found: {data_dir}")
    try:
        entries = sorted(p.name for p in data_dir.iterdir())
    except OSError as exc:
        raise DataFileNotFoundError(
            f"data directory {data_dir} cannot be listed: {exc.strerror}"
        ) from None
    present = set(entries)
    raws: dict[str, RawTable] = {}
    known: set[str] = set()
    notes: list[str] = []
    for table in sch.TABLES:
        names = [f"{table}{suffix}" for suffix in FORMATS]
        known.update(names)
        found = [n for n in names if n in present]
        misses = [n for n in entries if _near_miss(n, table)]
        if len(found) > 1:
            label = str(data_dir / found[0])
            raws[table] = _bad(table, label, "two_files", "one file per table",
                               f"both {found[0]} and {found[1]}")
            continue
        if not found:
            label = str(data_dir / sch.table_file_name(table))
            raws[table] = RawTable(table, label, None, [], False, tuple(misses))
            for miss in misses:
                notes.append(
                    f"{miss} was not read as the {table} table: the file must be named "
                    f"{' or '.join(names)} (names are case-sensitive)"
                )
            continue
        path = data_dir / found[0]
        label = str(path)
        data = read_regular_file(path, allow_symlinks=allow_symlinks)
        if isinstance(data, tuple):
            raws[table] = _bad(table, label, *data)
        elif path.suffix == ".parquet":
            raws[table] = read_parquet_text(table, data, label)
        else:
            raws[table] = read_csv_text(table, data, label)
        known.update(misses)
        for miss in misses:
            notes.append(f"{miss} was ignored: the {table} table was read from {found[0]}")
    tables = ", ".join(sch.TABLES)
    notes += [
        f"{name} matches no table and was ignored (tables: {tables})"
        for name in entries
        if name not in known and name.lower().endswith(FORMATS)
        and not any(_near_miss(name, t) for t in sch.TABLES)
    ]
    return raws, notes
