"""URN lineage: chains, both directions of recording, merges, splits, cycles."""

from __future__ import annotations

import pandas as pd
import pytest

from eah_eval.data.lineage import lineage_problems, resolve_lineage
from eah_eval.errors import DataValidationError, OptionError


def _schools(urns, close=None, open_=None):
    n = len(urns)
    return pd.DataFrame(
        {
            "urn": urns,
            "open_date": pd.to_datetime(open_ or [None] * n),
            "close_date": pd.to_datetime(close or [None] * n),
        }
    )


def _links(rows):
    return pd.DataFrame(
        {
            "urn": [r[0] for r in rows],
            "linked_urn": [r[1] for r in rows],
            "link_type": [r[2] for r in rows],
            "link_date": pd.to_datetime([r[3] if len(r) > 3 else "2023-09-01" for r in rows]),
        }
    )


def test_chain_a_b_c_recorded_as_successors():
    lin = resolve_lineage(
        _schools(["100001", "100002", "100003"]),
        _links([("100001", "100002", "successor"), ("100002", "100003", "successor")]),
    )
    assert lin.as_dict() == {"100001": "100003", "100002": "100003", "100003": "100003"}
    assert list(lin.changes["urn"]) == ["100001", "100002"]
    assert list(lin.changes["successor_urn"]) == ["100002", "100003"]
    assert "splits are not chained" in lin.rule


def test_chain_recorded_as_predecessors_gives_same_mapping():
    lin = resolve_lineage(
        _schools(["100001", "100002", "100003"]),
        _links([("100002", "100001", "predecessor"), ("100003", "100002", "predecessor")]),
    )
    assert lin.as_dict() == {"100001": "100003", "100002": "100003", "100003": "100003"}


def test_link_recorded_both_ways_is_one_change():
    lin = resolve_lineage(
        _schools(["100001", "100002"]),
        _links([("100001", "100002", "successor"), ("100002", "100001", "predecessor")]),
    )
    assert len(lin.changes) == 1
    assert lin.as_dict()["100001"] == "100002"


def test_merge_maps_closed_urn_into_surviving_one_whichever_side_records_it():
    schools = _schools(["100001", "100002"], close=["2023-08-31", None])
    for row in [("100001", "100002", "merged"), ("100002", "100001", "merged")]:
        lin = resolve_lineage(schools, _links([row]))
        assert lin.as_dict() == {"100001": "100002", "100002": "100002"}


def test_amalgamation_of_two_schools_into_new_urn():
    schools = _schools(
        ["100001", "100002", "100003"],
        close=["2023-08-31", "2023-08-31", None],
        open_=[None, None, "2023-09-01"],
    )
    lin = resolve_lineage(
        schools,
        _links([("100003", "100001", "amalgamated"), ("100003", "100002", "amalgamated")]),
    )
    assert lin.as_dict() == {"100001": "100003", "100002": "100003", "100003": "100003"}


def test_merge_with_undecidable_direction_is_reported():
    with pytest.raises(DataValidationError, match=r"ambiguous_merge.*100001 and 100002"):
        resolve_lineage(_schools(["100001", "100002"]), _links([("100001", "100002", "merged")]))


def test_split_is_not_chained():
    lin = resolve_lineage(
        _schools(["100001", "100002", "100003"]),
        _links([("100001", "100002", "split"), ("100001", "100003", "split")]),
    )
    assert lin.as_dict() == {"100001": "100001", "100002": "100002", "100003": "100003"}
    assert len(lin.changes) == 0
    assert len(lin.not_followed) == 2
    assert "splits are not chained" in lin.rule


def test_cycle_is_an_error_naming_the_urns():
    with pytest.raises(DataValidationError, match=r"cycle 100001 -> 100002 -> 100001"):
        resolve_lineage(
            _schools(["100001", "100002"]),
            _links([("100001", "100002", "successor"), ("100002", "100001", "successor")]),
        )


def test_three_cycle_after_a_tail_is_reported_once():
    probs = lineage_problems(
        _schools(["100000", "100001", "100002", "100003"]),
        _links(
            [
                ("100000", "100001", "successor"),
                ("100001", "100002", "successor"),
                ("100002", "100003", "successor"),
                ("100003", "100001", "successor"),
            ]
        ),
    )
    assert [p.kind for p in probs] == ["lineage_cycle"]
    assert "100001 -> 100002 -> 100003 -> 100001" in probs[0].found
    assert probs[0].row == 2


def test_self_link_is_an_error():
    with pytest.raises(DataValidationError, match=r"row 1, column 'linked_urn': self_link"):
        resolve_lineage(_schools(["100001"]), _links([("100001", "100001", "successor")]))


def test_two_successors_is_an_error():
    with pytest.raises(DataValidationError, match=r"ambiguous_successor.*100002 and 100003"):
        resolve_lineage(
            _schools(["100001", "100002", "100003"]),
            _links([("100001", "100002", "successor"), ("100001", "100003", "successor")]),
        )


def test_rule_none_maps_to_self_and_bad_rule_lists_allowed():
    schools = _schools(["100001", "100002"])
    links = _links([("100001", "100002", "successor")])
    lin = resolve_lineage(schools, links, rule="none")
    assert lin.as_dict() == {"100001": "100001", "100002": "100002"}
    with pytest.raises(OptionError, match=r"'chain_successors', 'none'; got 'chain'"):
        resolve_lineage(schools, links, rule="chain")  # type: ignore[arg-type]


def test_canonical_maps_series_and_keeps_unknown():
    lin = resolve_lineage(
        _schools(["100001", "100002"]), _links([("100001", "100002", "successor")])
    )
    out = lin.canonical(pd.Series(["100001", "100002", "999999"]))
    assert list(out) == ["100002", "100002", "999999"]


def test_order_of_link_rows_does_not_matter():
    rows = [
        ("100001", "100002", "successor"),
        ("100002", "100003", "successor"),
        ("100005", "100004", "predecessor"),
    ]
    schools = _schools(["100001", "100002", "100003", "100004", "100005"])
    a = resolve_lineage(schools, _links(rows)).as_dict()
    b = resolve_lineage(schools, _links(rows[::-1])).as_dict()
    assert a == b
    assert a["100004"] == "100005"
