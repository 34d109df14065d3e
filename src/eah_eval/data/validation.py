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

from eah_eval.errors import DataProblem, OptionError

#: Rows listed one by one per (column, kind) before the rest are summarised.
DETAIL_LIMIT = 20

_DEFAULT_TRUE = ("true", "True", "TRUE", "1")
_DEFAULT_FALSE = ("false", "False", "FALSE", "0")
_INTEGER = r"[+-]?[0-9]+"
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

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
    """Format a found value for a message; pupil identifiers are never echoed."""
    if hidden:
        return f"a pupil identifier of {len(str(value))} characters (value not shown)"
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
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
) -> tuple[pd.Series, np.ndarray, str]:
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
        Parsed values (NA where missing or unparseable).
    bad : numpy.ndarray of bool
        Present values that do not parse.
    expected : str
        Plain description of the expected form (for messages).

    Raises
    ------
    OptionError
        If the field type is not supported.
    """
    ftype = field.get("type", "string")
    present = ~missing
    if ftype == "string":
        return raw.where(present), np.zeros(len(raw), dtype=bool), TYPE_EXPECTED["string"]
    if ftype in ("integer", "number"):
        ok = _match(raw, _INTEGER if ftype == "integer" else _NUMBER) & present
        values = _to_float(raw, ok)
        finite = np.isfinite(values.to_numpy())
        bad = present & ~(ok & finite)
        return values.where(~bad), bad, TYPE_EXPECTED[ftype]
    if ftype == "date":
        ok = _match(raw, _DATE) & present
        dates = pd.to_datetime(raw.where(ok), format="%Y-%m-%d", errors="coerce")
        bad = present & ~(ok & dates.notna().to_numpy())
        return dates.astype("datetime64[ns]"), bad, TYPE_EXPECTED["date"]
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
        return values, bad, expected
    raise OptionError(
        f"field {field.get('name')!r} has type {ftype!r}; supported types are "
        "'string', 'integer', 'number', 'date', 'boolean'"
    )


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
    typed, bad, expected_type = parse_field(field, raw, missing)
    ftype = field.get("type", "string")
    found = _values_found(raw, hidden)
    collector.rows(bad, name, "bad_type", expected_type, found)
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
    dup = keys.duplicated(keep=False).to_numpy()
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
                    v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else _number_text(v)
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
