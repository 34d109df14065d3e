"""Generate ``data_schema/README.md`` from the schema files, so the documentation cannot drift.

Run ``python -m eah_eval.data.schema_docs`` to rewrite the README, or with ``--check`` to exit 1
when it is out of date. A test checks that the committed README equals :func:`render_readme`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from eah_eval.data import areas
from eah_eval.data import schema as sch
from eah_eval.data.lineage import RULE_TEXT
from eah_eval.data.pseudonymise import MIN_KEY_BYTES, UPN_CHECK_ALPHABET
from eah_eval.data.validation_rules import rules_for

_FORMAT = {
    "string": "text",
    "integer": "whole number",
    "number": "number",
    "date": "date `YYYY-MM-DD`",
    "boolean": "`true` / `false`",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _constraints(field: Mapping[str, Any]) -> str:
    c: Mapping[str, Any] = field.get("constraints", {})
    parts: list[str] = []
    if "enum" in c:
        parts.append("codes: " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"pattern `{c['pattern']}`")
    if "minimum" in c:
        parts.append(f"minimum {c['minimum']}")
    if "maximum" in c:
        parts.append(f"maximum {c['maximum']}")
    if "minLength" in c:
        parts.append(f"at least {c['minLength']} characters")
    if "maxLength" in c:
        parts.append(f"at most {c['maxLength']} characters")
    if c.get("unique"):
        parts.append("unique")
    if field.get("eah:pupilIdentifier"):
        parts.append("pupil identifier (never a real UPN; see below)")
    return "; ".join(parts) or "-"


def _keys(table: str) -> list[str]:
    lines = []
    pk = sch.primary_key(table)
    if pk:
        lines.append(f"- Primary key: {', '.join(f'`{k}`' for k in pk)} (no two rows alike).")
    for fk in sch.foreign_keys(table):
        ref = fk["reference"]
        lines.append(
            f"- {', '.join(f'`{f}`' for f in fk['fields'])} must appear in "
            f"`{sch.table_file_name(ref['resource'])}` ({', '.join(ref['fields'])})."
        )
    return lines


def _table_section(table: str) -> list[str]:
    res = sch.resource(table)
    required = "required" if sch.is_required_table(table) else "optional"
    lines = [
        f"## `{res.get('path', table + '.csv')}`: {res.get('title', table)}",
        "",
        str(res.get("description", "")),
        "",
        f"- File: `{res.get('path')}` ({required}); schema: `{res.get('schema')}`.",
        f"- Source system: {res.get('eah:source', 'not stated')}.",
        *_keys(table),
        "",
    ]
    lines += _field_rows(sch.fields(table), res)
    rules = rules_for(table)
    if rules:
        lines += ["", "Rules across fields (checked by `eah-eval validate`):", ""]
        lines += [f"- {r.text} (problem `{r.kind}`)" for r in rules]
    lines.append("")
    return lines


def _field_rows(fields: Sequence[Mapping[str, Any]], res: Mapping[str, Any]) -> list[str]:
    lines = [
        "| Field | Meaning | Type | Unit | Required | Allowed values | Source |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in fields:
        req = f.get("constraints", {}).get("required", False)
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{f['name']}`",
                    f"**{f.get('title', f['name'])}.** {f.get('description', '')}",
                    _FORMAT.get(f.get("type", "string"), f.get("type", "string")),
                    f.get("eah:unit", "-"),
                    "yes" if req else "no (blank allowed)",
                    _constraints(f),
                    f.get("eah:source", res.get("eah:source", "-")),
                )
            )
            + " |"
        )
    return lines


def _area_sections() -> list[str]:
    """Return the sections of the multi-area tables (``areas.datapackage.json``)."""
    lines = [
        "## Comparison with other areas (optional, in their own folder)",
        "",
        "Three more tables, listed in `areas.datapackage.json`, hold a panel of other areas "
        "(local authorities or schools across England) for comparing the council with them "
        "when its own clusters no longer offer a comparison. They live in their own folder "
        "(by convention `national/` inside the council's data folder), are read and checked "
        "by `eah_eval.data.areas.load_areas` (every problem with its file, row, column, "
        "expected and found; strict), and are not part of `eah-eval validate`. "
        "`eah_eval.data.dfe_open_data.read_dfe_open_data` builds `area_panel` from DfE's "
        "open-data files (Explore Education Statistics layout).",
        "",
        "Rules across fields: on a `local_authority` row `la_code` equals `area_code` "
        "(`area_not_authority`) and `area_code` has 3 digits, on a `school` row 6 "
        "(`code_for_level`); one `period_type` per measure (`mixed_period_types`); a "
        "neighbour is not the authority itself (`own_neighbour`) and its `la_code` is in "
        "`area_programme.csv` (`unknown_reference`).",
        "",
    ]
    for table in areas.AREA_TABLES:
        res = areas.area_resource(table)
        required = "required" if res.get("eah:required", True) else "optional"
        lines += [
            f"### `{res['path']}`: {res['title']}",
            "",
            str(res.get("description", "")),
            "",
            f"- File: `{res['path']}` ({required} in the folder); schema: `{res['schema']}`.",
            f"- Source: {res.get('eah:source', 'not stated')}.",
            "- Primary key: " + ", ".join(f"`{k}`" for k in areas.area_primary_key(table))
            + " (no two rows alike).",
            "",
        ]
        lines += _field_rows(areas.area_fields(table), res)
        lines.append("")
    return lines


def render_readme() -> str:
    """Return the text of ``data_schema/README.md`` built from the schema files and rules."""
    pkg = sch.load_datapackage()
    lines = [
        f"# {pkg.get('title', 'Input tables')}",
        "",
        "<!-- Generated by `python -m eah_eval.data.schema_docs` from the *.schema.json files, "
        "datapackage.json and eah_eval/data/validation_rules.py. Do not edit by hand. -->",
        "",
        str(pkg.get("description", "")),
        "",
        "Check a data directory with `eah-eval validate DATA_DIR` (or "
        "`eah_eval.data.load.validate_council`). Every problem is listed with its file, row, "
        "column, what was expected and what was found; the exit status is 1 if any is found.",
        "",
        "## Conventions",
        "",
        "- One file per table: `<table>.csv` (UTF-8, comma-separated, with a header row naming "
        "the columns in any order) or `<table>.parquet`; both are validated alike (a Parquet "
        "value is checked as the text it would have in a CSV file). Unknown columns are an "
        "error; an optional column (Required = no) may be left out and then reads as blank. "
        "Only regular files are read: a symbolic link is refused unless allowed "
        "(`--allow-symlinks`). A near-miss file name (`attendance.CSV`, `suspensions.csv.txt`) "
        "is not read, and a note says so. Blank lines at the end of a file are ignored.",
        "- Whole numbers lie within 64 bits (up to 9223372036854775807) and numbers are finite; "
        "larger values are refused (`out_of_range`). Dates lie at most five years after the day "
        "of validation, and a record's date is not before 1990-01-01 (`outside_data_window`). "
        "A record dated after its school's `close_date` is kept with a warning note "
        "(`after_closure`).",
        "- A blank cell means missing. Dates are `YYYY-MM-DD`. Booleans are `true`/`false` "
        "(also `True`, `TRUE`, `1` / `False`, `FALSE`, `0`). Numbers use `.` as the decimal "
        "point, with no thousands separator.",
        "- Rows are numbered from 1 after the header in every message.",
        "- Strict by default: any problem stops the load. With `on_problem=\"exclude_rows\"` "
        "(`--on-problem exclude_rows`) rows with row-level problems are dropped, counted and "
        "reported per table; a row that refers to an excluded school or cluster is dropped too. "
        "File-level problems (missing file or column, unknown column, unreadable file, real "
        "UPNs, URN lineage errors) always stop the load.",
        "",
        "## Tables",
        "",
        "| File | Table | Required | Source system |",
        "|---|---|---|---|",
    ]
    for table in sch.TABLES:
        res = sch.resource(table)
        lines.append(
            f"| `{res.get('path')}` | {_cell(str(res.get('title', table)))} | "
            f"{'yes' if sch.is_required_table(table) else 'no'} | "
            f"{_cell(str(res.get('eah:source', '-')))} |"
        )
    lines += [
        "",
        "An optional table that is not supplied is read as empty, and the row accounting says "
        "so.",
        "",
        "## Pupil identifiers",
        "",
        "Pupil identifiers (`pupil_id`) must be pseudonymised. A value that looks like a real "
        "Unique Pupil Number (a check letter, 11 digits, then a digit or a letter, where the "
        "check letter is right) is refused by default (`upn_policy=\"refuse\"`); the message "
        "gives the file, column and row count, never the value. With "
        "`upn_policy=\"pseudonymise\"` (`--upn-policy pseudonymise --upn-key-file FILE`) every "
        "pupil identifier in every table is replaced by HMAC-SHA256 under your secret key (at "
        f"least {MIN_KEY_BYTES} bytes), so one pupil has one pseudonym across tables; the key "
        "is never stored or written.",
        "",
        "Check letter rule (DfE UPN guidance): multiply characters 2 to 13 by weights 2 to 13, "
        "add, take the remainder on division by 23, and read that position (from 0) of "
        f"`{UPN_CHECK_ALPHABET}`; a letter in position 13 (temporary UPN) counts as its "
        "position in the same alphabet.",
        "",
        "## School identifiers (URN lineage)",
        "",
        RULE_TEXT["chain_successors"],
        "",
    ]
    for table in sch.TABLES:
        lines += _table_section(table)
    lines += _area_sections()
    return "\n".join(lines).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with ``--check`` compare) ``data_schema/README.md``; return an exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    args = parser.parse_args(argv)
    path = sch.schema_dir() / "README.md"
    text = render_readme()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            print(f"{path} is out of date; run python -m eah_eval.data.schema_docs")
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
