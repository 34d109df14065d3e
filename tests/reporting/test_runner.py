"""Report parameters and the papermill runner: one fixture notebook per failure kind."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
from pathlib import Path

import nbformat
import pytest

from eah_eval.cli import main
from eah_eval.errors import NotebookExecutionError
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.params import (
    ParameterError,
    ParameterTypeError,
    build_params,
    parse_assignment,
    parse_params,
)
from eah_eval.reporting.runner import (
    execute_notebook,
    notebook_path,
    read_batch_config,
    run_batch,
    run_notebook,
)

NB = Path(__file__).parent / "notebooks"


# ---------------------------------------------------------------- parameter schema (no kernel)


def test_unknown_parameter_is_named_with_suggestion() -> None:
    with pytest.raises(ParameterError, match=r"unknown report parameter\(s\): 'wavs' \(did you "
                       r"mean 'waves'\?\)"):
        parse_params(ReportParams, {"data": "d", "wavs": [1]})


def test_missing_parameter_is_named() -> None:
    with pytest.raises(ParameterError, match=r"missing required report parameter.*'data'"):
        parse_params(ReportParams, {"audience": "board"})


@pytest.mark.parametrize(
    ("raw", "err", "message"),
    [
        ({"seed": "1"}, ParameterTypeError, "'seed' must be int; got str"),
        ({"audience": "public"}, ParameterError, "'audience' must be one of 'board', 'technical'"),
        ({"waves": "1"}, ParameterTypeError, "'waves' must be a list of int"),
        ({"waves": [1, "two"]}, ParameterTypeError, r"'waves\[1\]' must be int"),
        ({"pdf": "yes"}, ParameterTypeError, "'pdf' must be bool"),
        ({"alpha": 2.0}, ParameterError, r"'alpha' must be in \(0, 1\)"),
        ({"first_year": "2024"}, ParameterError, "'first_year'.*2024/25"),
        ({"unit_costs": [1]}, ParameterTypeError, "'unit_costs' must be a mapping"),
        ({"analyst": "Ann", "assurer": "Ann"}, ParameterError, "'assurer' must not be the analyst"),
        ({"estimator": "ols"}, ParameterError, "'estimator' must be one of 'callaway_santanna'"),
        ({"estimator": "twfe"}, ParameterError, "only 'callaway_santanna' is implemented"),
        ({"randomization_draws": -1}, ParameterError,
         "'randomization_draws' must not be negative"),
        ({"inference": "restricted_wild_bootstrap"}, ParameterError,
         "'inference' must be one of 'wcr'"),
        ({"power": 1.5}, ParameterError, r"'power' must be in \(0, 1\)"),
        ({"randomization_measures": "absence"}, ParameterTypeError,
         "'randomization_measures' must be a list of str"),
        ({"equality_min_pupils": 1.5}, ParameterTypeError, "'equality_min_pupils' must be int"),
    ],
)
def test_ill_typed_parameters_are_named(raw: dict, err: type, message: str) -> None:
    with pytest.raises(err, match=message):
        parse_params(ReportParams, {"data": "d", **raw})


def test_yaml_file_and_set_assignments(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("data: somewhere\naudience: technical\nwaves: [1, 2]\n")
    p = build_params(ReportParams, file=f, assignments=["seed=5", "clusters=[C1]"])
    assert (p.audience, p.waves, p.seed, p.clusters) == ("technical", (1, 2), 5, ("C1",))
    # the value is read as YAML: "A: B" is a mapping, quoting keeps it a string
    assert parse_assignment("title=A: B") == ("title", {"A": "B"})
    assert parse_assignment("title='A: B'") == ("title", "A: B")
    with pytest.raises(ParameterError, match="--set expects key=value"):
        parse_assignment("seed")


def test_cli_stops_before_kernel_on_bad_parameter(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--data", str(tmp_path), "--out", str(tmp_path / "o"),
                 "--set", "wavs=[1]"])
    assert code == 1
    err = capsys.readouterr().err
    assert "unknown report parameter(s): 'wavs'" in err
    assert not (tmp_path / "o").exists()  # nothing ran


def test_impact_notebook_is_found_and_thin() -> None:
    import nbformat

    path = notebook_path("impact_report.ipynb")
    nb = nbformat.read(path, as_version=4)
    from eah_eval.reporting.runner import check_parameters_cell

    names = [f.name for f in dataclasses.fields(ReportParams)]
    idx = check_parameters_cell(nb, path.name, [*names, "output_dir", "write_html"])
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    # every other cell is a package call: no loops, no function definitions
    for c in code_cells:
        nodes = list(ast.walk(ast.parse(c.source)))
        assert not any(isinstance(n, ast.For | ast.While | ast.FunctionDef) for n in nodes)
    assert idx >= 0


# ---------------------------------------------------------------- failures before the kernel


def _params() -> ReportParams:
    return ReportParams(data="unused", title="fixture")


def test_no_parameters_cell_fails_before_kernel(tmp_path: Path) -> None:
    with pytest.raises(NotebookExecutionError, match="no cell tagged 'parameters'"):
        run_notebook(NB / "fail_no_parameters_cell.ipynb", _params(), tmp_path)
    assert not (tmp_path / "report.ipynb").exists()


def test_parameters_cell_that_computes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotebookExecutionError, match=r"may only assign literal defaults") as ei:
        run_notebook(NB / "fail_parameters_cell_computes.ipynb", _params(), tmp_path)
    assert ei.value.cell_index == 0


# ---------------------------------------------------------------- failures in the kernel


@pytest.mark.slow
def test_raising_cell_is_reported_with_index_and_source(tmp_path: Path) -> None:
    with pytest.raises(NotebookExecutionError) as ei:
        run_notebook(NB / "fail_raises.ipynb", _params(), tmp_path)
    exc = ei.value
    assert exc.cell_index == 2  # index in the original notebook (injected cell not counted)
    assert "raise ValueError" in exc.cell_source
    assert exc.error_message == "ValueError: boom from fixture"
    assert "failed in cell 2" in str(exc)


@pytest.mark.slow
def test_syntax_error_cell(tmp_path: Path) -> None:
    with pytest.raises(NotebookExecutionError, match="SyntaxError") as ei:
        run_notebook(NB / "fail_syntax_error.ipynb", _params(), tmp_path)
    assert ei.value.cell_index == 1


@pytest.mark.slow
def test_kernel_death_is_reported(tmp_path: Path) -> None:
    with pytest.raises(NotebookExecutionError, match=r"Dead|died|kernel"):
        run_notebook(NB / "fail_kernel_dies.ipynb", _params(), tmp_path, timeout=60)


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="Windows keeps Jupyter's loopback TCP channels")
def test_kernel_channels_are_private_sockets_removed_afterwards(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # the kernel talks to the runner over Unix sockets in a folder only this user can open,
    # so no "running over TCP without encryption" warning reaches the evaluator
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import os, stat\n"
            "from ipykernel import get_connection_file, get_connection_info\n"
            "info = get_connection_info(unpack=True)\n"
            "folder = os.path.dirname(get_connection_file())\n"
            "print(info['transport'], info['ip'], folder,"
            " stat.S_IMODE(os.stat(folder).st_mode) & 0o077)"),
    ]
    nbformat.write(nb, tmp_path / "channels.ipynb")
    out = execute_notebook(tmp_path / "channels.ipynb", tmp_path / "out.ipynb", {"x": 2})
    transport, ip, folder, others = out.cells[-1].outputs[0]["text"].split()
    assert transport == "ipc"
    assert Path(ip).parent == Path(folder)
    assert others == "0"  # no permission for the group or other users
    assert not Path(folder).exists()
    assert "without encryption" not in capfd.readouterr().err


@pytest.mark.slow
def test_batch_keeps_going_and_lists_failures(tmp_path: Path) -> None:
    cfg = tmp_path / "batch.yaml"
    cfg.write_text(
        "defaults: {data: unused}\n"
        "reports:\n"
        "  - {name: good, title: all fine}\n"
        "  - {name: bad, title: fail}\n"
        "  - {name: typo, titel: oops}\n"
    )
    lines: list[str] = []
    res = run_batch(cfg, tmp_path / "out", schema=ReportParams,
                    notebook=NB / "ok_minimal.ipynb", progress=lines.append)
    assert [o.name for o in res.outcomes] == ["good", "bad", "typo"]
    assert [o.ok for o in res.outcomes] == [True, False, False]
    bad = res.outcomes[1]
    assert bad.cell_index == 1 and "member asked to fail" in bad.message
    assert "unknown report parameter" in res.outcomes[2].message
    index = res.index.read_text()
    assert "good/report.html" in index and "member asked to fail" in index
    assert json.loads((tmp_path / "out" / "good" / "results.json").read_text()) == {
        "title": "all fine", "run_status": "final"
    }
    html = (tmp_path / "out" / "good" / "report.html").read_text()
    assert "<h1>all fine</h1>" in html and "pathlib" not in html  # code hidden
    assert any("[2/3] bad FAILED (cell 1" in line for line in lines)
    assert not res.ok


def test_batch_config_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "b.yaml"
    cfg.write_text("defaults: {}\nreport: []\n")
    with pytest.raises(ParameterError, match="unknown key"):
        read_batch_config(cfg)
    cfg.write_text("each: {measures: [a, b]}\n")
    _, members = read_batch_config(cfg)
    assert [m.overrides for m in members] == [{"measures": ["a"]}, {"measures": ["b"]}]


def test_relative_data_folder_is_anchored_where_the_caller_stands(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    outputs = run_notebook(NB / "ok_echo_data.ipynb",
                           ReportParams(data="council/data", title="fixture"), "out")
    assert outputs.results is not None
    seen = json.loads(outputs.results.read_text())["data"]
    assert seen == str(tmp_path / "council" / "data")
