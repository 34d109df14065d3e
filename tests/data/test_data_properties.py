"""Property-based tests for the validators, UPN detection and lineage."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
from council_fixture import valid_frames
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eah_eval.data import schema as sch
from eah_eval.data.lineage import resolve_lineage
from eah_eval.data.load import validate_frames
from eah_eval.data.pseudonymise import UPN_CHECK_ALPHABET, looks_like_upn, upn_check_letter

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
# whole-council validation per example: fewer examples keep the suite fast
COUNCIL_SETTINGS = settings(SETTINGS, max_examples=12)

BASE = valid_frames()
POOLS = {
    "urn": sorted(BASE["schools"]["urn"]),
    "cluster_id": sorted(BASE["clusters"]["cluster_id"]),
}


def _value(field) -> st.SearchStrategy:
    """A strategy for one field, read from its schema descriptor (no hand-typed schema)."""
    c = field.get("constraints", {})
    ftype = field.get("type", "string")
    if field["name"] in POOLS:
        base = st.sampled_from(POOLS[field["name"]])
    elif "enum" in c:
        base = st.sampled_from([str(v) for v in c["enum"]])
    elif ftype == "string" and "pattern" in c:
        base = st.from_regex(c["pattern"], fullmatch=True).filter(lambda s: "\n" not in s)
    elif ftype == "string":
        base = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABC-,'", min_size=1, max_size=12)
    elif ftype == "integer":
        base = st.integers(c.get("minimum", -10**6), c.get("maximum", 10**6)).map(str)
    elif ftype == "number":
        base = st.floats(c.get("minimum", -1e6), c.get("maximum", 1e6), allow_nan=False,
                         allow_infinity=False, exclude_min="minimum" in c).map(repr)
    elif ftype == "date":
        base = st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    elif ftype == "boolean":
        base = st.sampled_from(["true", "false", "True", "FALSE", "1", "0"])
    else:  # pragma: no cover
        raise AssertionError(ftype)
    return base if c.get("required", False) else st.one_of(st.just(""), base)


def _rows(table: str) -> st.SearchStrategy:
    fields = sch.fields(table)
    row = st.fixed_dictionaries({f["name"]: _value(f) for f in fields})
    return st.lists(row, min_size=1, max_size=15)


# tables whose only cross-field rules a schema-generated row always meets
TABLES = ["clusters", "workforce", "eah_activity", "finance"]


def _append(table: str, rows: list[dict]) -> dict[str, pd.DataFrame]:
    frames = valid_frames()
    combined = pd.concat([frames[table], pd.DataFrame(rows)], ignore_index=True)
    frames[table] = combined.drop_duplicates(subset=list(sch.primary_key(table)),
                                             keep="first", ignore_index=True)
    return frames


@COUNCIL_SETTINGS
@given(data=st.data(), table=st.sampled_from(TABLES))
def test_schema_valid_rows_pass(data, table):
    rows = data.draw(_rows(table))
    report = validate_frames(_append(table, rows))
    assert report.ok, [str(p) for p in report.problems]


ENUM_TABLES = [t for t in TABLES if any("enum" in f.get("constraints", {}) for f in sch.fields(t))]


@COUNCIL_SETTINGS
@given(data=st.data(), table=st.sampled_from(ENUM_TABLES),
       junk=st.sampled_from(["zz", "N/A", "0"]))
def test_injected_bad_code_is_reported_at_its_row(data, table, junk):
    frames = _append(table, data.draw(_rows(table)))
    enum_cols = [f["name"] for f in sch.fields(table)
                 if "enum" in f.get("constraints", {})
                 and junk not in [str(v) for v in f["constraints"]["enum"]]]
    column = data.draw(st.sampled_from(enum_cols))
    row = data.draw(st.integers(0, len(frames[table]) - 1))
    frames[table].loc[row, column] = junk
    report = validate_frames(frames)
    bad = [p for p in report.problems if p.kind == "bad_code"]
    assert [(p.table, p.row, p.column) for p in bad] == [(table, row + 1, column)]
    assert bad[0].found == repr(junk)


@SETTINGS
@given(body=st.from_regex(r"[0-9]{11}[0-9A-HJ-NP-RT-Z]", fullmatch=True),
       other=st.sampled_from(UPN_CHECK_ALPHABET))
def test_upn_detected_only_with_the_right_check_letter(body, other):
    right = upn_check_letter(body)
    flags = looks_like_upn(pd.Series([right + body, other + body]))
    assert flags[0]
    assert flags[1] == (other == right)


@SETTINGS
@given(n=st.integers(2, 8), data=st.data())
def test_lineage_chain_ends_at_the_last_urn_whatever_the_recording(n, data):
    urns = [f"{200000 + i}" for i in range(n)]
    rows = []
    for old, new in itertools.pairwise(urns):
        if data.draw(st.booleans()):
            rows.append((old, new, "successor"))
        else:
            rows.append((new, old, "predecessor"))
    rows = data.draw(st.permutations(rows))
    links = pd.DataFrame(rows, columns=["urn", "linked_urn", "link_type"])
    links["link_date"] = pd.Timestamp("2023-09-01")
    lineage = resolve_lineage(pd.DataFrame({"urn": urns}), links)
    assert set(lineage.as_dict().values()) == {urns[-1]}
    assert len(lineage.changes) == n - 1
