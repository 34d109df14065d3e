"""Each kind of bad input, one broken thing at a time, tested by its message."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.data.load import load_council, validate_council
from eah_eval.errors import DataValidationError

Frames = dict[str, pd.DataFrame]


def _set(table: str, row: int, column: str, value: str) -> Callable[[Frames], None]:
    def change(frames: Frames) -> None:
        frames[table].loc[row, column] = value

    return change


def _sets(*changes: Callable[[Frames], None]) -> Callable[[Frames], None]:
    def change(frames: Frames) -> None:
        for c in changes:
            c(frames)

    return change


def _drop_column(table: str, column: str) -> Callable[[Frames], None]:
    def change(frames: Frames) -> None:
        frames[table] = frames[table].drop(columns=[column])

    return change


def _add_column(table: str, column: str) -> Callable[[Frames], None]:
    def change(frames: Frames) -> None:
        frames[table][column] = "x"

    return change


def _append_row(table: str, values: dict[str, str]) -> Callable[[Frames], None]:
    def change(frames: Frames) -> None:
        df = frames[table]
        row = {c: values.get(c, df[c].iloc[0]) for c in df.columns}
        frames[table] = pd.concat([df, pd.DataFrame([row])], ignore_index=True)

    return change


# (id, change, regex that one reported problem must match)
CASES: list[tuple[str, Callable[[Frames], None], str]] = [
    ("bad_integer", _set("pupil_census", 1, "age", "nine"),
     r"pupil_census\.csv, row 2, column 'age': bad_type: expected a whole number.*found 'nine'"),
    ("decimal_in_integer", _set("attendance", 0, "possible_sessions", "140.5"),
     r"attendance\.csv, row 1, column 'possible_sessions': bad_type: .*found '140\.5'"),
    ("bad_number", _set("eah_activity", 2, "hours", "6,5"),
     r"eah_activity\.csv, row 3, column 'hours': bad_type: expected a number.*found '6,5'"),
    ("bad_date_format", _set("clusters", 0, "go_live_date", "01/09/2023"),
     r"clusters\.csv, row 1, column 'go_live_date': bad_type: expected a date as YYYY-MM-DD; "
     r"found '01/09/2023'"),
    ("impossible_date", _set("ehc_requests", 0, "received_date", "2023-02-30"),
     r"ehc_requests\.csv, row 1, column 'received_date': bad_type: .*found '2023-02-30'"),
    ("bad_boolean", _set("pupil_census", 0, "fsm", "yes"),
     r"pupil_census\.csv, row 1, column 'fsm': bad_type: expected true or false.*found 'yes'"),
    ("school_without_cluster", _set("schools", 2, "cluster_id", ""),
     r"schools\.csv, row 3, column 'cluster_id': missing_value: expected a value \(this field "
     r"is required\); found blank"),
    ("cluster_without_go_live", _set("clusters", 1, "go_live_date", ""),
     r"clusters\.csv, row 2, column 'go_live_date': missing_value"),
    ("code_outside_enum", _set("pupil_census", 3, "sen_provision", "S"),
     r"pupil_census\.csv, row 4, column 'sen_provision': bad_code: expected one of N, K, E; "
     r"found 'S'"),
    ("pattern_mismatch", _set("schools", 0, "la_code", "83"),
     r"schools\.csv, row 1, column 'la_code': bad_pattern: expected text matching "
     r"\^\[0-9\]\{3\}\$; found '83'"),
    ("below_minimum", _set("attendance", 1, "authorised_absence", "-1"),
     r"attendance\.csv, row 2, column 'authorised_absence': below_minimum: expected at least 0; "
     r"found '-1'"),
    ("above_maximum", _set("eah_activity", 0, "hours", "13"),
     r"eah_activity\.csv, row 1, column 'hours': above_maximum: expected at most 12; found '13'"),
    ("zero_hours", _set("eah_activity", 0, "hours", "0"),
     r"eah_activity\.csv, row 1, column 'hours': below_minimum: expected more than 0"),
    ("duplicate_primary_key", _set("schools", 3, "urn", "100003"),
     r"schools\.csv, row 4, column 'urn': duplicate_key: expected a unique primary key \(urn\); "
     r"found same key \(urn=100003\) as row 3"),
    ("unknown_cluster_in_schools", _set("schools", 0, "cluster_id", "C9"),
     r"schools\.csv, row 1, column 'cluster_id': unknown_cluster: expected a cluster_id listed "
     r"in clusters\.csv; found 'C9' is not in clusters\.csv"),
    ("unknown_cluster_in_workforce", _set("workforce", 2, "cluster_id", "C7"),
     r"workforce\.csv, row 3, column 'cluster_id': unknown_cluster: .*'C7'"),
    ("unknown_cluster_in_finance", _set("finance", 0, "cluster_id", "C8"),
     r"finance\.csv, row 1, column 'cluster_id': unknown_cluster: expected a cluster_id listed "
     r"in clusters\.csv, or 'central'"),
    ("urn_not_in_schools", _set("attendance", 2, "urn", "999999"),
     r"attendance\.csv, row 3, column 'urn': unknown_urn: expected a urn listed in "
     r"schools\.csv; found '999999' is not in schools\.csv"),
    ("linked_urn_not_in_schools", _set("school_links", 0, "linked_urn", "999998"),
     r"school_links\.csv, row 1, column 'linked_urn': unknown_urn"),
    ("triaged_before_received", _set("eah_requests", 0, "triaged_date", "2023-09-01"),
     r"eah_requests\.csv, row 1, column 'triaged_date': dates_out_of_order: expected "
     r"triaged_date on or after received_date; found triaged_date 2023-09-01 is before "
     r"received_date 2023-09-11"),
    ("first_support_before_triage", _set("eah_requests", 0, "first_support_date", "2023-09-12"),
     r"eah_requests\.csv, row 1, column 'first_support_date': dates_out_of_order: expected "
     r"first_support_date on or after triaged_date"),
    ("closed_before_received", _set("eah_requests", 0, "closed_date", "2023-08-01"),
     r"eah_requests\.csv, row 1, column 'closed_date': dates_out_of_order"),
    ("decision_before_received", _set("ehc_requests", 2, "decision_date", "2023-11-01"),
     r"ehc_requests\.csv, row 3, column 'decision_date': dates_out_of_order: expected "
     r"decision_date on or after received_date"),
    ("plan_before_received", _set("ehc_requests", 0, "plan_issued_date", "2023-09-01"),
     r"ehc_requests\.csv, row 1, column 'plan_issued_date': dates_out_of_order: expected "
     r"plan_issued_date on or after received_date"),
    ("close_before_open", _set("schools", 3, "close_date", "2009-12-31"),
     r"schools\.csv, row 4, column 'close_date': dates_out_of_order: expected close_date on or "
     r"after open_date; found close_date 2009-12-31 is before open_date 2010-01-05"),
    ("absence_above_possible", _set("attendance", 3, "unauthorised_absence", "121"),
     r"attendance\.csv, row 4, column 'possible_sessions': impossible_count: expected "
     r"authorised_absence \+ unauthorised_absence <= possible_sessions; found 0 \+ 121 = 121 "
     r"absence sessions but 120 possible"),
    ("plan_date_without_plan", _set("ehc_requests", 2, "plan_issued_date", "2024-03-01"),
     r"ehc_requests\.csv, row 3, column 'plan_issued_date': inconsistent_values: expected "
     r"plan_issued_date blank unless outcome is 'plan_issued'; found plan_issued_date given "
     r"with outcome 'no_plan'"),
    ("plan_without_date", _set("ehc_requests", 0, "plan_issued_date", ""),
     r"ehc_requests\.csv, row 1, column 'plan_issued_date': missing_value: expected "
     r"plan_issued_date given when outcome is 'plan_issued'"),
    ("plan_without_assessment", _set("ehc_requests", 0, "decision", "not_assess"),
     r"ehc_requests\.csv, row 1, column 'decision': inconsistent_values: expected decision "
     r"'assess' when outcome is 'plan_issued'"),
    ("need_without_sen", _set("pupil_census", 0, "primary_need", "MLD"),
     r"pupil_census\.csv, row 1, column 'primary_need': inconsistent_values: expected "
     r"primary_need blank unless sen_provision is 'K' or 'E'"),
    ("sen_without_need", _set("pupil_census", 1, "primary_need", ""),
     r"pupil_census\.csv, row 2, column 'primary_need': missing_value: expected primary_need "
     r"given when sen_provision is 'K' or 'E'"),
    ("suspension_without_sessions", _set("suspensions", 0, "sessions", ""),
     r"suspensions\.csv, row 1, column 'sessions': missing_value"),
    ("academic_year_not_consecutive", _set("attendance", 0, "academic_year", "2023/25"),
     r"attendance\.csv, row 1, column 'academic_year': bad_academic_year: expected consecutive "
     r"years such as 2024/25; found '2023/25'"),
    ("lineage_cycle", _append_row("school_links", {"urn": "100002", "linked_urn": "100001",
                                                   "link_type": "successor"}),
     r"school_links\.csv, row 1, column 'linked_urn': lineage_cycle: expected URN links without "
     r"cycles; found cycle 100001 -> 100002 -> 100001"),
    ("self_link", _set("school_links", 1, "linked_urn", "100002"),
     r"school_links\.csv, row 2, column 'linked_urn': self_link: .*a link from URN 100002 to "
     r"itself"),
    ("two_successors", _append_row("school_links", {"urn": "100001", "linked_urn": "100003",
                                                    "link_type": "successor"}),
     r"school_links\.csv, row 3, column 'linked_urn': ambiguous_successor: .*successors 100002 "
     r"and 100003"),
    ("missing_required_column", _drop_column("clusters", "go_live_date"),
     r"clusters\.csv, column 'go_live_date': missing_column: expected a column named "
     r"'go_live_date'; found no such column"),
    ("unknown_column", _add_column("finance", "amount_eur"),
     r"finance\.csv, column 'amount_eur': unknown_column: expected only the columns month, "
     r"cluster_id, cost_line, amount_gbp"),
]


@pytest.mark.parametrize(("change", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported_by_message(broken, change, pattern):
    directory = broken(change)
    with pytest.raises(DataValidationError, match=pattern):
        load_council(directory)


def test_at_least_25_kinds_of_bad_input_are_covered():
    kinds = {re.search(r": ([a-z_]+): expected", c[2]).group(1) for c in CASES
             if re.search(r": ([a-z_]+): expected", c[2])}
    assert len(CASES) >= 25
    assert len(kinds) >= 15, kinds


def test_valid_fixture_has_no_problems(council_dir):
    report = validate_council(council_dir)
    assert report.ok, str(report)
    assert "OK: no problems found" in str(report)


def test_all_problems_are_listed_together(broken):
    directory = broken(
        _sets(
            _set("schools", 2, "cluster_id", ""),
            _set("pupil_census", 3, "sen_provision", "S"),
            _set("eah_requests", 0, "triaged_date", "2023-09-01"),
        )
    )
    with pytest.raises(DataValidationError) as info:
        load_council(directory)
    kinds = sorted(p.kind for p in info.value.problems)
    assert kinds == ["bad_code", "dates_out_of_order", "missing_value"]
    assert str(info.value).startswith("3 data problem(s) found:")


def test_problem_carries_table_file_row_column_expected_found(broken):
    report = validate_council(broken(_set("pupil_census", 3, "sen_provision", "S")))
    (p,) = report.problems
    assert (p.table, Path(p.file).name, p.row, p.column, p.kind) == (
        "pupil_census", "pupil_census.csv", 4, "sen_provision", "bad_code")
    assert p.expected == "one of N, K, E"
    assert p.found == "'S'"


def test_missing_required_file(council_dir):
    (council_dir / "schools.csv").unlink()
    with pytest.raises(DataValidationError,
                       match=r"schools\.csv: missing_file: expected schools\.csv \(a required "
                             r"table\); found no such file"):
        load_council(council_dir)


def test_missing_optional_file_gives_empty_typed_table(council_dir):
    (council_dir / "finance.csv").unlink()
    (council_dir / "attainment.csv").unlink()
    council = load_council(council_dir)
    assert len(council.tables["finance"]) == 0
    assert list(council.tables["finance"].columns) == ["month", "cluster_id", "cost_line",
                                                        "amount_gbp"]
    assert str(council.tables["finance"]["amount_gbp"].dtype) == "float64"
    row = council.accounting.set_index("table").loc["finance"]
    assert row["rows_read"] == 0
    assert row["reason"] == "optional file not supplied: empty table"


def test_empty_required_table(council_dir):
    (council_dir / "clusters.csv").write_text("cluster_id,cluster_name,go_live_date,rollout_wave\n")
    with pytest.raises(DataValidationError, match=r"clusters\.csv: empty_table: expected at "
                                                  r"least one data row") as info:
        load_council(council_dir)
    assert [p.kind for p in info.value.problems] == ["empty_table"]


def test_empty_file(council_dir):
    (council_dir / "workforce.csv").write_text("")
    with pytest.raises(DataValidationError, match=r"workforce\.csv: empty_file: expected a "
                                                  r"header row"):
        load_council(council_dir)


def test_not_utf8(council_dir):
    path = council_dir / "finance.csv"
    path.write_bytes(path.read_bytes().replace(b"central", b"c\xe9ntral"))
    with pytest.raises(DataValidationError, match=r"finance\.csv: unreadable_file: expected "
                                                  r"UTF-8 text; found a byte that is not UTF-8"):
        load_council(council_dir)


def test_row_with_too_many_fields(council_dir):
    path = council_dir / "workforce.csv"
    path.write_text(path.read_text() + "C2,inclusion_lead,2024-09,1,1,extra\n")
    with pytest.raises(DataValidationError, match=r"workforce\.csv, row 4: bad_row_length: "
                                                  r"expected 5 fields, as in the header; found "
                                                  r"6 field\(s\)"):
        load_council(council_dir)


def test_row_with_too_few_fields(council_dir):
    path = council_dir / "workforce.csv"
    path.write_text(path.read_text() + "C2,inclusion_lead,2024-09\n")
    with pytest.raises(DataValidationError, match=r"workforce\.csv, row 4: bad_row_length: "
                                                  r"expected 5 fields, as in the header; found "
                                                  r"3 field\(s\)"):
        load_council(council_dir)


def test_unterminated_quote_is_unreadable_and_row_text_not_echoed(council_dir):
    path = council_dir / "clusters.csv"
    path.write_text(path.read_text() + 'C3,"Secret P0001,2025-09-01,3\n')
    with pytest.raises(DataValidationError, match=r"clusters\.csv, row 3: bad_row_length: "
                                                  r"expected 4 fields") as info:
        load_council(council_dir)
    assert "Secret" not in str(info.value)
    # the unreadable clusters table must not trigger follow-on reference problems
    assert [p.table for p in info.value.problems] == ["clusters"]


def test_duplicate_column(council_dir):
    (council_dir / "clusters.csv").write_text(
        "cluster_id,cluster_name,go_live_date,rollout_wave,rollout_wave\nC1,N,2023-09-01,1,1\n"
    )
    with pytest.raises(DataValidationError, match=r"clusters\.csv, column 'rollout_wave': "
                                                  r"duplicate_column"):
        load_council(council_dir)


def test_optional_column_may_be_absent(broken):
    council = load_council(broken(_drop_column("schools", "open_date")))
    assert council.tables["schools"]["open_date"].isna().all()
    reason = council.accounting.set_index("table").loc["schools", "reason"]
    assert "optional column(s) absent, read as blank: open_date" in reason


def test_many_bad_rows_are_summarised_not_lost(council_dir):
    rows = ["pupil_id,urn,census_date,year_group,age,sen_provision,primary_need,fsm,eal,sex,"
            "ethnicity_group"]
    rows += [f"Q{i:04d},100002,2024-01-18,3,7,Z,,false,false,F,white" for i in range(30)]
    (council_dir / "pupil_census.csv").write_text("\n".join(rows) + "\n")
    report = validate_council(council_dir, detail_limit=5)
    bad = [p for p in report.problems if p.kind == "bad_code"]
    assert [p.row for p in bad[:5]] == [1, 2, 3, 4, 5]
    assert bad[5].row is None
    assert "25 more row(s) with this problem (first 5 listed; 30 in all)" in bad[5].found
    assert report.accounting.set_index("table").loc["pupil_census", "rows_with_problems"] == 30


def test_unmatched_csv_is_noted(council_dir):
    (council_dir / "attendence.csv").write_text("a\n1\n")
    report = validate_council(council_dir)
    assert report.ok
    assert any("attendence.csv matches no table" in n for n in report.notes)


def test_missing_directory_is_a_clear_error(tmp_path):
    from eah_eval.errors import DataFileNotFoundError

    with pytest.raises(DataFileNotFoundError, match=r"data directory not found: .*nowhere"):
        load_council(tmp_path / "nowhere")


def test_lineage_rows_are_file_rows_even_when_earlier_rows_are_excluded(broken):
    def change(frames):
        links = frames["school_links"]
        bad_first = pd.DataFrame([{"urn": "100003", "linked_urn": "100004",
                                   "link_type": "succesor", "link_date": "2023-09-01"}])
        cycle = pd.DataFrame([{"urn": "100002", "linked_urn": "100001",
                               "link_type": "successor", "link_date": "2023-09-01"}])
        frames["school_links"] = pd.concat([bad_first, links, cycle], ignore_index=True)

    with pytest.raises(DataValidationError,
                       match=r"school_links\.csv, row 2, column 'linked_urn': lineage_cycle"):
        load_council(broken(change), on_problem="exclude_rows")
