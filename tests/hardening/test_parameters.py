"""Item 5: report parameters checked against the registry, and against the data before
the report computes."""

from __future__ import annotations

import pytest
from council_fixture import valid_frames, write_frames

from eah_eval.cli import main
from eah_eval.data.load import load_council
from eah_eval.reporting.impact.params import ReportParams, check_report_data
from eah_eval.reporting.params import ParameterError, params_to_dict, parse_params


def _params(**values):
    return parse_params(ReportParams, {"data": "d", **values})


@pytest.fixture
def council(tmp_path):
    return load_council(write_frames(tmp_path / "d", valid_frames()))


def test_unknown_measure_names_the_parameter():
    with pytest.raises(ParameterError, match=r"report parameter 'measures': unknown measure "
                                             r"id\(s\) 'sen_support'; `eah-eval measures list` "
                                             r"shows the ids"):
        _params(measures=["sen_support"])


def test_unknown_primary_measure_names_the_parameter():
    with pytest.raises(ParameterError, match=r"report parameter 'primary_measure': unknown "
                                             r"measure id\(s\) 'nope'"):
        _params(primary_measure="nope")


def test_empty_measure_list_is_refused():
    with pytest.raises(ParameterError, match=r"report parameter 'measures' selects no measure"):
        _params(measures=[])


def test_unknown_cluster_is_refused_before_the_report_computes(tmp_path, capsys):
    # the data are checked while the kernel starts: progress may show the start-up cells,
    # then the run stops with the check's one-line error, before the report's first
    # computing cell, and writes nothing
    data = write_frames(tmp_path / "d", valid_frames())
    status = main(["report", "--data", str(data), "--set", "clusters=[NOPE]", "--out",
                   str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1
    assert err.endswith("eah-eval report: error: report parameter 'clusters': 'NOPE' not in "
                        "the data (clusters: C1, C2)\n")
    assert "Traceback" not in err
    assert "read_parameters" not in err  # the computing cell never started
    assert not any((tmp_path / "out").iterdir())


def test_unknown_wave_is_refused(council):
    with pytest.raises(ParameterError, match=r"report parameter 'waves': 0 not in the data "
                                             r"\(rollout waves: 1, 2\)"):
        check_report_data(_params(waves=[0]), council)


def test_clusters_and_waves_selecting_nothing_are_refused(council):
    with pytest.raises(ParameterError, match=r"report parameters 'clusters' and 'waves' "
                                             r"together select no cluster"):
        check_report_data(_params(clusters=["C1"], waves=[2]), council)


def test_first_year_beyond_the_data_is_refused(council):
    with pytest.raises(ParameterError, match=r"report parameter 'first_year': the years 2030/31 "
                                             r"to 2023/24 hold no census of the data \(census "
                                             r"years 2023/24 to 2023/24\)"):
        check_report_data(_params(first_year="2030/31"), council)


def test_last_year_before_the_data_is_refused(council):
    with pytest.raises(ParameterError, match=r"report parameter 'last_year': the years 2023/24 "
                                             r"to 2010/11 hold no census"):
        check_report_data(_params(last_year="2010/11"), council)


def test_selection_inside_the_data_passes(council):
    check_report_data(_params(clusters=["C2"], waves=[2], first_year="2023/24"), council)


def test_board_report_below_the_default_threshold_needs_an_override():
    with pytest.raises(ParameterError, match=r"report parameter 'disclosure_threshold' is 1, "
                                             r"below the default 10 for a board report; give "
                                             r"the reason in 'disclosure_override'"):
        _params(disclosure_threshold=1)


def test_override_is_accepted_and_recorded():
    params = _params(disclosure_threshold=5, disclosure_override="DfE agreed 5 for this pilot")
    assert params_to_dict(params)["disclosure_override"] == "DfE agreed 5 for this pilot"
    assert _params(audience="technical", disclosure_threshold=3).disclosure_threshold == 3


def test_exclude_rows_that_empties_a_required_table_fails(tmp_path, capsys):
    frames = valid_frames()
    frames["clusters"]["go_live_date"] = "never"
    data = write_frames(tmp_path / "d", frames)
    status = main(["validate", str(data), "--on-problem", "exclude_rows"])
    out = capsys.readouterr().out
    assert status == 1
    assert ("clusters.csv: empty_table: expected at least one row kept (a required table); "
            "found all 2 row(s) excluded by on_problem='exclude_rows'") in out
    assert "OK" not in out.splitlines()[-1]
