"""Table schemas: the Frictionless Table Schema files in ``data_schema/`` are the single source.

Nothing here re-types a field list. Everything the loader, the validator and the documentation
need (names, types, constraints, keys, which tables are required) is read from the JSON files:

* ``data_schema/<table>.schema.json``: one Frictionless Table Schema per input table;
* ``data_schema/datapackage.json``: the data-package descriptor listing the resources, with the
  project's own ``eah:required`` flag per resource (``true`` = the file must be supplied).

The schema folder is found inside the installed package (wheels carry it as
``eah_eval/data_schema``) or, in a source checkout, at the repository's top level.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
from pathlib import Path
from typing import Any

from eah_eval.errors import DataFileNotFoundError, OptionError

#: Input tables, in the order they are documented, loaded and validated.
TABLES: tuple[str, ...] = (
    "schools",
    "school_links",
    "clusters",
    "pupil_census",
    "attendance",
    "suspensions",
    "ehc_requests",
    "eah_requests",
    "eah_activity",
    "workforce",
    "attainment",
    "finance",
    "ehc_plans",
    "high_needs_costs",
    "high_needs_income",
    "programme_budget",
    "population",
)

#: Frictionless field types the loader understands.
SUPPORTED_TYPES: tuple[str, ...] = ("string", "integer", "number", "date", "boolean")


@functools.cache
def schema_dir() -> Path:
    """Return the folder holding the table schemas and ``datapackage.json``.

    Returns
    -------
    pathlib.Path
        ``eah_eval/data_schema`` inside an installed wheel if present, otherwise the
        repository's top-level ``data_schema/`` folder (source checkout or editable install).

    Raises
    ------
    DataFileNotFoundError
        If neither location holds ``datapackage.json``.
    """
    packaged = importlib.resources.files("eah_eval") / "data_schema"
    candidates: list[Path] = []
    if isinstance(packaged, Path):
        candidates.append(packaged)
    else:  # pragma: no cover - zipped installs
        candidates.append(Path(str(packaged)))
    candidates.append(Path(__file__).resolve().parents[3] / "data_schema")
    for folder in candidates:
        if (folder / "datapackage.json").is_file():
            return folder
    raise DataFileNotFoundError(
        "cannot find the data_schema folder; looked in "
        + ", ".join(str(c) for c in candidates)
    )


def _check_table(table: str) -> str:
    if table not in TABLES:
        raise OptionError(f"table must be one of {', '.join(map(repr, TABLES))}; got {table!r}")
    return table


@functools.cache
def _read_json(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def load_schema(table: str) -> dict[str, Any]:
    """Return the Frictionless Table Schema of one input table.

    Parameters
    ----------
    table : str
        One of :data:`TABLES`.

    Returns
    -------
    dict
        The parsed JSON (a fresh copy: callers may modify it).

    Raises
    ------
    OptionError
        If ``table`` is not a known table.
    DataFileNotFoundError
        If the schema file is missing.
    """
    return copy.deepcopy(_schema(table))


def _schema(table: str) -> dict[str, Any]:
    """Return the cached schema of ``table`` (shared: never modify it)."""
    _check_table(table)
    path = schema_dir() / f"{table}.schema.json"
    if not path.is_file():
        raise DataFileNotFoundError(f"schema file not found: {path}")
    return _read_json(str(path))


def load_datapackage() -> dict[str, Any]:
    """Return the data-package descriptor ``datapackage.json`` (a fresh copy)."""
    return copy.deepcopy(_read_json(str(schema_dir() / "datapackage.json")))


def resource(table: str) -> dict[str, Any]:
    """Return the data-package resource entry of ``table`` (file name, title, source, ...)."""
    _check_table(table)
    for res in _read_json(str(schema_dir() / "datapackage.json"))["resources"]:
        if res.get("name") == table:
            return dict(res)
    raise DataFileNotFoundError(f"datapackage.json has no resource named {table!r}")


def table_file_name(table: str) -> str:
    """Return the CSV file name of ``table`` (the resource's ``path``, e.g. ``schools.csv``)."""
    return str(resource(table).get("path", f"{table}.csv"))


def is_required_table(table: str) -> bool:
    """Return whether the file of ``table`` must be supplied (``eah:required`` in the descriptor).

    A resource without the flag counts as required.
    """
    return bool(resource(table).get("eah:required", True))


def field_names(table: str) -> tuple[str, ...]:
    """Return the column names of ``table`` in schema order."""
    return tuple(f["name"] for f in _schema(table)["fields"])


def fields(table: str) -> tuple[dict[str, Any], ...]:
    """Return the field descriptors of ``table`` in schema order (shared: do not modify)."""
    return tuple(_schema(table)["fields"])


def primary_key(table: str) -> tuple[str, ...]:
    """Return the primary-key columns of ``table`` (empty if none)."""
    pk = _schema(table).get("primaryKey", [])
    return (pk,) if isinstance(pk, str) else tuple(pk)


def foreign_keys(table: str) -> tuple[dict[str, Any], ...]:
    """Return the foreign-key descriptors of ``table`` (empty if none)."""
    return tuple(_schema(table).get("foreignKeys", []))


def missing_values(table: str) -> tuple[str, ...]:
    """Return the strings read as missing in ``table`` (Frictionless default: the empty string)."""
    return tuple(_schema(table).get("missingValues", [""]))
