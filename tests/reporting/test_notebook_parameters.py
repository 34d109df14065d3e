"""The report notebooks evaluators drive: a parameters cell written from the schema, papermill's
view of it, ``--list-params``, paths from the repository root, and a run by hand that writes
the HTML page (papermill from ``analyses/``, as Jupyter runs it)."""

from __future__ import annotations

import ast
import dataclasses
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from tiny_council import write_tiny_council

from eah_eval.cli import main
from eah_eval.cli.notebook_options import main as notebook_options_main
from eah_eval.cli.notebook_options import report_notebooks
from eah_eval.errors import NotebookExecutionError, OptionError
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.impact.run import IMPACT_NOTEBOOK
from eah_eval.reporting.monitoring.run import MONITORING_NOTEBOOK
from eah_eval.reporting.notebook import (
    NOTEBOOK_NAMES,
    ReportNotebook,
    notebook_annotation,
    output_folder,
    parameters_cell,
    parameters_cell_index,
    project_root,
    read_parameters,
    stale_parameters_cell,
    write_parameters_cell,
)
from eah_eval.reporting.params import (
    ParameterTypeError,
    describe_parameters,
    format_parameters,
    params_to_dict,
    parse_params,
)
from eah_eval.reporting.runner import check_parameters_cell, this_python_kernel

SPECS = {spec.file: spec for spec in report_notebooks()}


# ---------------------------------------------------------------- the cell and the schema


@pytest.mark.parametrize("name", sorted(SPECS))
def test_parameters_cell_is_written_from_the_schema(name: str) -> None:
    spec = SPECS[name]
    assert not stale_parameters_cell(spec), (
        f"the parameters cell of analyses/{name} differs from {spec.schema.__name__}: run "
        "python -m eah_eval.cli.notebook_options")


def test_module_check_says_the_cells_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert notebook_options_main(["--check"]) == 0
    assert capsys.readouterr().out.count("parameters cell is up to date") == len(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_field_has_its_own_line_with_its_default(name: str) -> None:
    spec = SPECS[name]
    nb = nbformat.read(spec.path(), as_version=4)
    tree = ast.parse(nb.cells[parameters_cell_index(nb)].source)
    assigned = {}
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        assert node.value is not None
        assigned[node.target.id] = ast.literal_eval(node.value)
    fields = dataclasses.fields(spec.schema)
    assert list(assigned) == [f.name for f in fields] + list(NOTEBOOK_NAMES)
    for doc in describe_parameters(spec.schema):
        expected = spec.data if doc.name == "data" else doc.default
        assert assigned[doc.name] == expected, doc.name
    assert assigned["write_html"] is True
    # the cell's values are valid parameters as they stand
    defaults = {k: v for k, v in assigned.items() if k not in NOTEBOOK_NAMES}
    assert params_to_dict(parse_params(spec.schema, defaults)) == defaults
    # and the runner accepts the cell
    check_parameters_cell(nb, name, [f.name for f in fields] + list(NOTEBOOK_NAMES))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_papermill_reads_each_parameter_with_type_default_and_help(name: str) -> None:
    import papermill

    spec = SPECS[name]
    found = papermill.inspect_notebook(str(spec.path()))
    assert list(found) == [f.name for f in dataclasses.fields(spec.schema)] + list(NOTEBOOK_NAMES)
    for doc in describe_parameters(spec.schema):
        p = found[doc.name]
        assert p["inferred_type_name"] not in ("None", ""), doc.name  # not "Unknown type"
        assert p["inferred_type_name"] == notebook_annotation(doc.annotation).strip('"')
        expected = spec.data if doc.required else doc.default
        assert ast.literal_eval(p["default"]) == expected, doc.name
        assert p["help"], doc.name
    assert found["write_html"]["inferred_type_name"] == "bool"
    if spec is IMPACT_NOTEBOOK:
        assert found["audience"]["help"] == (
            "Board reports hide technical detail; technical ones add diagnostics. "
            "One of 'board', 'technical'.")
        assert found["first_year"]["inferred_type_name"] == "Optional[str]"


def test_a_schema_change_makes_the_cell_stale_until_rewritten(tmp_path: Path) -> None:
    @dataclasses.dataclass(frozen=True)
    class Wider(ReportParams):
        """Parameters with one more.

        Parameters
        ----------
        horizon : int
            Years after go-live shown; 0 = all.
        """

        horizon: int = 0

    notebook = tmp_path / "impact_report.ipynb"
    shutil.copy(IMPACT_NOTEBOOK.path(), notebook)
    spec = ReportNotebook(notebook.name, Wider, output_dir="reports/demo")
    assert stale_parameters_cell(spec, notebook)
    assert write_parameters_cell(spec, notebook)
    assert not stale_parameters_cell(spec, notebook)
    assert not write_parameters_cell(spec, notebook)
    source = nbformat.read(notebook, as_version=4).cells[1].source
    # papermill reads a line holding two '=' as no parameter: the help says "means" instead
    assert "horizon: int = 0  # Years after go-live shown; 0 means all." in source.splitlines()


def test_an_undocumented_parameter_is_refused_by_name() -> None:
    @dataclasses.dataclass(frozen=True)
    class Undocumented(ReportParams):
        """Parameters with one more, not described."""

        horizon: int = 0

    with pytest.raises(OptionError, match="parameter 'horizon' of Undocumented has no "
                       "description under 'Parameters'"):
        describe_parameters(Undocumented)


def test_a_required_parameter_needs_a_notebook_default() -> None:
    spec = ReportNotebook("x.ipynb", ReportParams, output_dir="out", data="")
    assert "data: str = ''" in spec.parameters_cell()
    with pytest.raises(OptionError, match="parameter 'data' of ReportParams has no default"):
        parameters_cell(ReportParams, defaults={}, output_dir="out", html_name="x.html")


def test_annotations_papermill_can_read() -> None:
    assert notebook_annotation(tuple[int, ...]) == "list[int]"
    assert notebook_annotation(dict[str, tuple[str, ...]]) == "dict[str, list[str]]"
    assert notebook_annotation(str | None) == '"Optional[str]"'
    with pytest.raises(OptionError, match="no parameters-cell annotation for"):
        notebook_annotation(set[str])


def test_an_old_style_notebook_is_refused_before_the_kernel() -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('report_parameters = {"data": "x"}\noutput_dir = "."')
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    allowed = [f.name for f in dataclasses.fields(ReportParams)] + list(NOTEBOOK_NAMES)
    with pytest.raises(NotebookExecutionError, match="may only assign literal defaults to data, "):
        check_parameters_cell(nb, "old.ipynb", allowed)


# ---------------------------------------------------------------- --list-params


@pytest.mark.parametrize(
    ("command", "schema_name", "lines"),
    [
        ("report", "ReportParams", [
            "data: str; required",
            "audience: one of 'board', 'technical'; default 'board'",
            "    Board reports hide technical detail; technical ones add diagnostics.",
            "waves: a list of int; default []",
            "first_year: str or null; default null",
            "unit_costs: a mapping of str to float; default {ehc_needs_assessment: 6000.0, "
            "persistent_absence_case: 0.0}",
            "allow_draft: bool; default false",
        ]),
        ("monitor", "MonitoringReportParams", [
            "data: str; required",
            "run_length: int; default 7",
            "    N for the trend and shift rules (7 or 6).",
        ]),
    ],
)
def test_list_params_prints_the_schema_with_defaults_and_help(
        command: str, schema_name: str, lines: list[str],
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--list-params"])  # no --out needed, as with --help
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"Parameters of eah-eval {command} ({schema_name})" in out
    printed = out.splitlines()
    for line in lines:
        assert line in printed, line
    spec = SPECS["impact_report.ipynb" if command == "report" else "monitoring_report.ipynb"]
    assert out.rstrip().endswith(format_parameters(spec.schema).rstrip())
    for f in dataclasses.fields(spec.schema):
        assert any(p.startswith(f"{f.name}: ") for p in printed), f.name


# ---------------------------------------------------------------- paths from the repository root


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "analyses").mkdir(parents=True)
    return root


def test_project_root_is_the_folder_holding_analyses(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert project_root(root / "analyses") == root.resolve()
    assert project_root(root) == root.resolve()
    (root / "reports" / "demo").mkdir(parents=True)
    assert project_root(root / "reports" / "demo") == root.resolve()
    assert project_root(tmp_path) == tmp_path.resolve()  # none above: the folder itself


def test_read_parameters_takes_relative_paths_from_the_root(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    monkeypatch.chdir(root / "analyses")  # where Jupyter starts a notebook's kernel
    names = {"data": "reports/demo/data", "seed": 3, "waves": [1, 2], "report": object()}
    params = read_parameters(ReportParams, names)
    assert params.data == str(root.resolve() / "reports" / "demo" / "data")
    assert (params.seed, params.waves) == (3, (1, 2))
    assert read_parameters(ReportParams, {"data": "/abs/data"}).data == "/abs/data"
    assert output_folder("reports/demo") == root.resolve() / "reports" / "demo"
    assert (root / "reports" / "demo").is_dir()
    with pytest.raises(ParameterTypeError, match="report parameter 'seed' must be int; got str"):
        read_parameters(ReportParams, {"data": "d", "seed": "3"})


# ---------------------------------------------------------------- a run by hand, from analyses/


def _run_by_hand(root: Path, spec: ReportNotebook, parameters: dict[str, object]) -> Path:
    """Execute the notebook as Jupyter does: from analyses/, nothing but its own cell."""
    import papermill

    notebook = root / "analyses" / spec.file
    shutil.copy(spec.path(), notebook)
    with this_python_kernel() as kernel:
        papermill.execute_notebook(
            str(notebook), str(root / "executed.ipynb"), parameters=parameters,
            kernel_name=kernel, cwd=str(root / "analyses"), progress_bar=False,
        )
    return root / spec.output_dir


@pytest.mark.slow
def test_impact_notebook_run_from_analyses_reads_the_default_data_and_writes_html(
        tmp_path: Path) -> None:
    root = _project(tmp_path)
    write_tiny_council(root / "reports" / "demo" / "data")
    # as papermill -p would set them (a full run draws 9999 bootstrap samples); a report that
    # fails its check is kept as a marked draft (tests/reporting/test_report.py checks that
    # the tiny council's report passes)
    out = _run_by_hand(root, IMPACT_NOTEBOOK, {
        "bootstrap_reps": 99,
        "measures": ["sen_support_pct", "ehc_requests_per_1000", "absence_overall_pct"],
        "allow_draft": True,
    })
    assert out == root / "reports" / "demo"
    results = json.loads((out / "results.json").read_text())
    assert results["parameters"]["data"] == str((root / "reports" / "demo" / "data").resolve())
    assert results["parameters"]["bootstrap_reps"] == 99
    # checked as eah-eval report checks it
    assert results["status"] == ("final" if results["checks"]["passed"] else "draft")
    html = (out / "impact_report.html").read_text()
    assert "<title>Experts at Hand: impact report</title>" in html
    assert "build_impact_report" not in html  # code hidden
    assert sorted(p.name for p in out.iterdir()) == ["data", "impact_report.html", "results.json"]


@pytest.mark.slow
def test_monitoring_notebook_run_from_analyses_reads_the_default_data_and_writes_html(
        tmp_path: Path) -> None:
    from eah_eval.data.synthetic import write_council

    root = _project(tmp_path)
    write_council(root / "reports" / "demo" / "data", seed=5, n_clusters=4, n_schools=16,
                  start="2022/23", end="2026/27")
    out = _run_by_hand(root, MONITORING_NOTEBOOK, {})
    assert out == root / "reports" / "demo" / "monitoring"
    results = json.loads((out / "results.json").read_text())
    assert results["parameters"]["data"] == str((root / "reports" / "demo" / "data").resolve())
    html = (out / "monitoring_report.html").read_text()
    assert "<title>Experts at Hand: monitoring report</title>" in html
    assert "build_monitoring_report" not in html


def test_path_parameters_are_named_by_the_schema(tmp_path: Path) -> None:
    from eah_eval.reporting.monitoring.params import MonitoringReportParams
    from eah_eval.reporting.params import path_parameters, resolve_paths

    assert path_parameters(ReportParams) == ("data",)
    assert path_parameters(MonitoringReportParams) == ("data", "exceptions")
    raw = {"data": "council", "exceptions": "notes.csv", "title": "t"}
    assert resolve_paths(MonitoringReportParams, raw, tmp_path) == {
        "data": str(tmp_path.resolve() / "council"),
        "exceptions": str(tmp_path.resolve() / "notes.csv"), "title": "t"}
    assert resolve_paths(MonitoringReportParams, {"exceptions": None}, tmp_path) == {
        "exceptions": None}
