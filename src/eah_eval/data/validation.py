"""Validate one table's raw text against its Frictionless Table Schema, vectorised.

Every field type and constraint comes from the schema file (:mod:`eah_eval.data.schema`); this
module only knows how to *apply* Frictionless rules. Supported field types: ``string``,
``integer``, ``number``, ``date`` (``YYYY-MM-DD``) and ``boolean`` (``trueValues`` /
``falseValues``, default ``true/True/TRUE/1`` and ``false/False/FALSE/0``). Supported
constraints: ``required``, ``enum``, ``pattern`` (whole value), ``minimum``, ``maximum``,
``minLength``, ``maxLength``, ``unique``; plus ``primaryKey`` and ``foreignKeys``.

Problems are collected, never raised here. For one check on one column at most
:data:`DETAIL_LIMIT` rows are listed one by one; the rest are counted in one summary problem,
so a census with a million bad codes still gives a readable report, and every bad row is still
known (for row exclusion).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eah_eval.data.pseudonymise import is_upn
from eah_eval.errors import DataProblem, OptionError

#: Rows listed one by one per (column, kind) before the rest are summarised.
DETAIL_LIMIT = 20

_DEFAULT_TRUE = ("true", "True", "TRUE", "1")
_DEFAULT_FALSE = ("false", "False", "FALSE", "0")
_INTEGER = r"[+-]?[0-9]+"
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: The range of a whole number (64-bit signed integer).
INT64_RANGE: tuple[int, int] = (-(2**63), 2**63 - 1)
#: The range of a date (what a nanosecond timestamp can hold).
DATE_RANGE: tuple[pd.Timestamp, pd.Timestamp] = (
    pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11"),
)
#: Characters of a found value shown in a message before it is cut (with its length given).
SHOW_LIMIT = 40

FoundFn = Callable[[np.ndarray], Sequence[str]]

TYPE_EXPECTED: Mapping[str, str] = {
    "integer": "a whole number (e.g. 12)",
    "number": "a number (e.g. 1.5)",
    "date": "a date as YYYY-MM-DD",
    "string": "text",
}


def is_pupil_identifier(field: Mapping[str, Any]) -> bool:
    """Return whether a schema field holds pupil identifiers (``eah:pupilIdentifier``)."""
    return bool(field.get("eah:pupilIdentifier", False))


def show(value: object, *, hidden: bool = False) -> str:
    """Format a found value for a message: quoted, escaped, bounded.

    Pupil identifiers and values with the shape of a real Unique Pupil Number are never
    echoed; a value longer than :data:`SHOW_LIMIT` characters is cut and its length given.
    """
    text = str(value)
    if hidden:
        return f"a pupil identifier of {len(text):,} characters (value not shown)"
    if len(text) == 13 and is_upn(text):
        return "a value with the shape of a Unique Pupil Number (not shown)"
    if len(text) > SHOW_LIMIT:
        return f"{text[:SHOW_LIMIT - 3] + '...'!r} ({len(text):,} characters)"
    return repr(text)


class ProblemCollector:
    """Collect the problems of one table and the rows they affect.

    Parameters
    ----------
    table, file : str
        Table name and file shown in problems.
    n_rows : int
        Number of data rows.
    detail_limit : int
        Rows listed one by one per (column, kind).
    """

    def __init__(self, table: str, file: str, n_rows: int, detail_limit: int = DETAIL_LIMIT):
        self.table = table
        self.file = file
        self.bad_rows = np.zeros(n_rows, dtype=bool)
        self.problems: list[DataProblem] = []
        self.fatal: list[DataProblem] = []
        self.row_kinds: Counter[str] = Counter()
        self.detail_limit = detail_limit

    def rows(
        self,
        mask: np.ndarray | pd.Series,
        column: str | None,
        kind: str,
        expected: str,
        found: FoundFn,
    ) -> None:
        """Record a row-level problem for every row where ``mask`` is true."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(idx) == 0:
            return
        self.bad_rows[idx] = True
        self.row_kinds[kind] += len(idx)
        shown = idx[: self.detail_limit]
        for i, text in zip(shown, found(shown), strict=True):
            self.problems.append(
                DataProblem(self.table, self.file, int(i) + 1, column, kind, expected, text)
            )
        if len(idx) > len(shown):
            self.problems.append(
                DataProblem(
                    self.table, self.file, None, column, kind, expected,
                    f"{len(idx) - len(shown)} more row(s) with this problem "
                    f"(first {len(shown)} listed; {len(idx)} in all)",
                )
            )

    def file_level(self, column: str | None, kind: str, expected: str, found: str) -> None:
        """Record a problem of the whole file or column (never fixed by dropping rows)."""
        problem = DataProblem(self.table, self.file, None, column, kind, expected, found)
        self.fatal.append(problem)
        self.problems.append(problem)


def _values_found(raw: pd.Series, hidden: bool) -> FoundFn:
    def found(idx: np.ndarray) -> list[str]:
        return [show(v, hidden=hidden) for v in raw.to_numpy()[idx]]

    return found


def _match(s: pd.Series, pattern: str) -> np.ndarray:
    """Whole-value regular-expression match, vectorised (pyarrow RE2, else Python ``re``)."""
    try:
        arr = pa.array(s, type=pa.string(), from_pandas=True)
        hit = pc.match_substring_regex(arr, pattern=f"^(?:{pattern})$")
        return np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return s.astype(str).str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)


def _to_int(raw: pd.Series, ok: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """Convert whole-number text (checked by pattern) exactly; flag values beyond int64.

    Returns the values (nullable ``Int64``, NA where not converted) and the rows whose value
    is a whole number outside :data:`INT64_RANGE`.
    """
    text = raw.where(ok, "0").astype(str)
    digits = text.str.lstrip("+-").str.lstrip("0").str.len().to_numpy()
    outside = np.zeros(len(raw), dtype=bool)
    low, high = INT64_RANGE
    for i in np.flatnonzero(ok & (digits >= 19)):
        value = int(str(text.iat[int(i)]))
        outside[i] = not low <= value <= high
    fine = ok & ~outside
    clean = text.where(fine, "0").str.removeprefix("+")
    values = pc.cast(pa.array(clean.to_numpy(dtype=object), type=pa.string()), pa.int64())
    typed = pd.Series(values.to_numpy(zero_copy_only=False), index=raw.index).astype("Int64")
    return typed.where(fine), outside


def _to_float(raw: pd.Series, ok: np.ndarray) -> pd.Series:
    """Convert the text values marked ``ok`` (already checked by pattern) to float64."""
    try:
        text = pa.array(raw.where(ok, "0").astype(str).to_numpy(dtype=object)
                        if raw.dtype == object else raw.where(ok, "0"))
        text = pc.replace_substring_regex(text, pattern=r"^\+", replacement="")
        values = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(np.where(ok, values, np.nan), index=raw.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):  # pragma: no cover
        return pd.to_numeric(raw.where(ok), errors="coerce").astype("float64")


def parse_field(
    field: Mapping[str, Any], raw: pd.Series, missing: np.ndarray
) -> tuple[pd.Series, np.ndarray, str, np.ndarray]:
    """Parse one column of raw text by its Frictionless type.

    Parameters
    ----------
    field : mapping
        Field descriptor.
    raw : pandas.Series
        Raw text.
    missing : numpy.ndarray of bool
        Where the value is missing (one of the schema's ``missingValues``).

    Returns
    -------
    typed : pandas.Series
        Parsed values (NA where missing or unparseable); whole numbers as ``Int64``.
    bad : numpy.ndarray of bool
        Present values that do not parse.
    expected : str
        Plain description of the expected form (for messages).
    outside : numpy.ndarray of bool
        Present values of the right form but outside the representable range (whole numbers
        beyond 64 bits, numbers too large to be finite); a subset of ``bad``.

    Raises
    ------
    OptionError
        If the field type is not supported.
    """
    ftype = field.get("type", "string")
    present = ~missing
    none = np.zeros(len(raw), dtype=bool)
    if ftype == "string":
        return raw.where(present), none, TYPE_EXPECTED["string"], none
    if ftype == "integer":
        ok = _match(raw, _INTEGER) & present
        values, outside = _to_int(raw, ok)
        bad = present & ~(ok & ~outside)
        return values.where(~bad), bad, TYPE_EXPECTED[ftype], outside
    if ftype == "number":
        ok = _match(raw, _NUMBER) & present
        values = _to_float(raw, ok)
        finite = np.isfinite(values.to_numpy())
        bad = present & ~(ok & finite)
        return values.where(~bad), bad, TYPE_EXPECTED[ftype], ok & ~finite
    if ftype == "date":
        ok = _match(raw, _DATE) & present
        dates = pd.to_datetime(raw.where(ok), format="%Y-%m-%d", errors="coerce")
        low, high = DATE_RANGE
        inside = ((dates >= low) & (dates <= high)).to_numpy(dtype=bool)
        outside = ok & dates.notna().to_numpy() & ~inside
        dates = dates.where(~outside)
        bad = present & ~(ok & dates.notna().to_numpy()) | outside
        return dates.astype("datetime64[ns]"), bad, TYPE_EXPECTED["date"], outside
    if ftype == "boolean":
        true_values = tuple(field.get("trueValues", _DEFAULT_TRUE))
        false_values = tuple(field.get("falseValues", _DEFAULT_FALSE))
        is_true = raw.isin(true_values).to_numpy()
        is_false = raw.isin(false_values).to_numpy()
        bad = present & ~(is_true | is_false)
        values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        values[is_true] = True
        values[is_false] = False
        expected = f"true or false ({', '.join(true_values)} / {', '.join(false_values)})"
        return values, bad, expected, none
    raise OptionError(
        f"field {field.get('name')!r} has type {ftype!r}; supported types are "
        "'string', 'integer', 'number', 'date', 'boolean'"
    )


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plain_name(name: object, limit: int = 80) -> str:
    """Return a column or file name safe to print: control characters escaped, length bounded."""
    text = repr(str(name))[1:-1]
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def _key_text(text: str) -> str:
    """Format a key value for a message: bare when short and plain, else as :func:`show`."""
    if len(text) <= SHOW_LIMIT and text.isprintable() and not (len(text) == 13 and is_upn(text)):
        return text
    return show(text)


def check_field(
    field: Mapping[str, Any],
    raw: pd.Series,
    missing_values: Sequence[str],
    collector: ProblemCollector,
) -> pd.Series:
    """Parse one column and record its type and constraint problems; return the typed column."""
    name = str(field["name"])
    hidden = is_pupil_identifier(field)
    missing = (raw.isna() | raw.isin(list(missing_values))).to_numpy()
    typed, bad, expected_type, outside = parse_field(field, raw, missing)
    ftype = field.get("type", "string")
    found = _values_found(raw, hidden)
    collector.rows(bad & ~outside, name, "bad_type", expected_type, found)
    low, high = INT64_RANGE
    range_words = {
        "integer": f"a whole number from {low} to {high}",
        "number": "a finite number",
        "date": f"a date from {DATE_RANGE[0]:%Y-%m-%d} to {DATE_RANGE[1]:%Y-%m-%d}",
    }
    collector.rows(outside, name, "out_of_range", range_words.get(ftype, ""), found)
    constraints: Mapping[str, Any] = field.get("constraints", {})
    if constraints.get("required", False):
        collector.rows(
            missing, name, "missing_value", "a value (this field is required)",
            lambda idx: ["blank"] * len(idx),
        )
    ok = ~missing & ~bad
    failed = np.zeros(len(raw), dtype=bool)
    if "enum" in constraints:
        allowed = [str(v) for v in constraints["enum"]]
        if ftype == "string":
            outside = ok & ~raw.isin(allowed).to_numpy()
        else:
            outside = ok & ~typed.isin(constraints["enum"]).to_numpy()
        collector.rows(outside, name, "bad_code", f"one of {', '.join(allowed)}", found)
        failed |= outside
    if "pattern" in constraints:
        mismatch = ok & ~_match(raw, str(constraints["pattern"]))
        collector.rows(
            mismatch, name, "bad_pattern", f"text matching {constraints['pattern']}", found
        )
        failed |= mismatch
    if "minLength" in constraints or "maxLength" in constraints:
        lengths = raw.astype(str).str.len().to_numpy()
        if "minLength" in constraints:
            collector.rows(
                ok & (lengths < int(constraints["minLength"])), name, "too_short",
                f"at least {constraints['minLength']} characters", found,
            )
        if "maxLength" in constraints:
            collector.rows(
                ok & (lengths > int(constraints["maxLength"])), name, "too_long",
                f"at most {constraints['maxLength']} characters", found,
            )
    for key, kind, word in (("minimum", "below_minimum", "at least"),
                            ("maximum", "above_maximum", "at most")):
        if key not in constraints:
            continue
        limit: Any = constraints[key]
        if ftype == "date":
            limit = pd.Timestamp(limit)
        with np.errstate(invalid="ignore"):
            cmp = typed < limit if key == "minimum" else typed > limit
        mask = ok & cmp.fillna(False).to_numpy(dtype=bool)
        collector.rows(mask, name, kind, f"{word} {_number_text(constraints[key])}", found)
        failed |= mask
    if constraints.get("unique", False):
        dup = ok & raw.duplicated(keep="first").to_numpy()
        collector.rows(dup, name, "not_unique", "a value not used in an earlier row", found)
    # a value already reported is blanked so that rules and keys do not report it again
    return typed.where(~failed) if failed.any() else typed


def check_primary_key(
    typed: pd.DataFrame,
    key: Sequence[str],
    hidden: set[str],
    collector: ProblemCollector,
) -> None:
    """Record rows whose primary key repeats an earlier row's key."""
    if not key or any(k not in typed.columns for k in key) or len(typed) == 0:
        return
    keys = typed[list(key)].reset_index(drop=True)
    # a blank or invalid key part is reported as such; two of them are not the same key
    complete = keys.notna().all(axis=1).to_numpy()
    dup = keys.duplicated(keep=False).to_numpy() & complete
    if not dup.any():
        return
    first = (
        keys.assign(_pos=np.arange(len(keys)))
        .groupby(list(key), dropna=False, sort=False)["_pos"]
        .transform("min")
        .to_numpy()
    )
    later = dup & (first != np.arange(len(keys)))

    def found(idx: np.ndarray) -> list[str]:
        out = []
        for i in idx:
            parts = []
            for k in key:
                v = keys[k].iat[i]
                text = "<pupil id>" if k in hidden else (
                    v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp)
                    else _key_text(_number_text(v))
                )
                parts.append(f"{k}={text}")
            out.append(f"same key ({', '.join(parts)}) as row {first[i] + 1}")
        return out

    collector.rows(
        later, ", ".join(key), "duplicate_key",
        f"a unique primary key ({', '.join(key)})", found,
    )


def reference_kind(resource: str) -> str:
    """Problem kind for a value missing from the referenced table."""
    return {"schools": "unknown_urn", "clusters": "unknown_cluster"}.get(
        resource, "unknown_reference"
    )


def check_foreign_key(
    typed: pd.DataFrame,
    fk: Mapping[str, Any],
    parent: pd.DataFrame,
    parent_file: str,
    collector: ProblemCollector,
    parent_all: pd.DataFrame | None = None,
) -> None:
    """Record rows whose foreign key is not among the kept rows of the referenced table.

    ``parent_all`` (the referenced table before row exclusion) lets the message say when the
    referenced row exists but was excluded.
    """
    fields = list(fk["fields"]) if isinstance(fk["fields"], list) else [fk["fields"]]
    ref = fk["reference"]
    ref_fields = list(ref["fields"]) if isinstance(ref["fields"], list) else [ref["fields"]]
    if any(f not in typed.columns for f in fields) or any(
        f not in parent.columns for f in ref_fields
    ):
        return
    child = typed[fields].reset_index(drop=True)
    present = child.notna().all(axis=1).to_numpy()
    if len(fields) == 1:
        known = child[fields[0]].isin(set(parent[ref_fields[0]].dropna())).to_numpy()
    else:
        keys = parent[ref_fields].drop_duplicates()
        keys.columns = pd.Index(fields)
        merged = child.merge(keys, how="left", on=fields, indicator=True)
        known = (merged["_merge"] == "both").to_numpy()
    missing = present & ~known

    dropped: set[object] = set()
    if parent_all is not None and len(fields) == 1 and len(parent_all) != len(parent):
        dropped = set(parent_all[ref_fields[0]].dropna()) - set(parent[ref_fields[0]].dropna())

    def found(idx: np.ndarray) -> list[str]:
        out = []
        for i in idx:
            value = ", ".join(show(child[f].iat[i]) for f in fields)
            if len(fields) == 1 and child[fields[0]].iat[i] in dropped:
                out.append(f"{value}: its row in {parent_file} was excluded")
            else:
                out.append(f"{value} is not in {parent_file}")
        return out

    collector.rows(
        missing, ", ".join(fields), reference_kind(str(ref["resource"])),
        f"a {', '.join(ref_fields)} listed in {parent_file}", found,
    )
