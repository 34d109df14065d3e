"""Progress of a report run: cell by cell, and the package's log records from inside the kernel."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import nbformat
import pytest

from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.params import ParameterError
from eah_eval.reporting.progress import (
    LEVEL_ENV,
    MARK,
    CellProgress,
    KernelLogRelay,
    drop_kernel_logs,
    forward_kernel_logs,
)
from eah_eval.reporting.runner import run_notebook

NB = Path(__file__).parent / "notebooks"


def _marked(name: str, level: int, message: str) -> str:
    return MARK + json.dumps({"name": name, "level": level, "message": message}) + "\n"


def test_relay_relogs_marked_lines_under_their_logger_and_level(caplog):
    caplog.set_level(logging.DEBUG, logger="eah_eval")
    relay = KernelLogRelay()
    line = _marked("eah_eval.reporting.impact.evaluate", logging.INFO, "measure 1 of 2")
    relay.write(line[:10])  # a line split across two writes is logged once, whole
    relay.flush()
    relay.write(line[10:] + "a warning from the kernel\n")
    got = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert got == [
        ("eah_eval.reporting.impact.evaluate", logging.INFO, "measure 1 of 2"),
        ("eah_eval.reporting.progress", logging.DEBUG, "kernel: a warning from the kernel"),
    ]


def test_relay_treats_a_broken_mark_as_plain_text(caplog):
    caplog.set_level(logging.DEBUG, logger="eah_eval")
    KernelLogRelay().write(MARK + "{not json\n")
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]


def test_forward_kernel_logs_only_when_the_runner_asked(monkeypatch, capsys):
    package = logging.getLogger("eah_eval")
    before = list(package.handlers), package.level
    monkeypatch.delenv(LEVEL_ENV, raising=False)
    assert forward_kernel_logs() is False
    monkeypatch.setenv(LEVEL_ENV, str(logging.INFO))
    try:
        assert forward_kernel_logs() and forward_kernel_logs()
        assert len(package.handlers) == len(before[0]) + 1  # once, however often called
        logging.getLogger("eah_eval.x").info("hello")
        assert capsys.readouterr().err == _marked("eah_eval.x", logging.INFO, "hello")
    finally:
        package.handlers[:] = before[0]
        package.setLevel(before[1])


def test_cell_progress_counts_code_cells_only(caplog):
    caplog.set_level(logging.INFO, logger="eah_eval")
    hook = CellProgress("x.ipynb", 2)
    hook(cell=nbformat.v4.new_markdown_cell("# title"), cell_index=0)
    hook(cell=nbformat.v4.new_code_cell("report.show('headline')\nmore"), cell_index=1)
    hook(cell=nbformat.v4.new_code_cell("   "), cell_index=2)
    hook(cell=nbformat.v4.new_code_cell("x = 1"), cell_index=3)
    assert [r.getMessage() for r in caplog.records] == [
        "x.ipynb: cell 1 of 2: report.show('headline')", "x.ipynb: cell 2 of 2: x = 1"]


def test_drop_kernel_logs_keeps_other_output():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr",
                               text=_marked("eah_eval.a", 20, "progress")),
        nbformat.v4.new_output("stream", name="stderr",
                               text=_marked("eah_eval.a", 20, "p") + "real warning\n"),
        nbformat.v4.new_output("stream", name="stdout", text=MARK + "printed on purpose\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    outs = drop_kernel_logs(nb).cells[0].outputs
    assert [(o.name, o.text) for o in outs] == [
        ("stderr", "real warning\n"), ("stdout", MARK + "printed on purpose\n")]


@pytest.mark.slow
def test_report_run_relays_cells_and_kernel_records(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="eah_eval")
    out = run_notebook(NB / "ok_logs_progress.ipynb", ReportParams(data="d", title="fixture"),
                       tmp_path)
    seen = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    messages = [m for _, _, m in seen]
    assert "running ok_logs_progress.ipynb in a Jupyter kernel" in messages
    cells = [m for m in messages if m.startswith("ok_logs_progress.ipynb: cell ")]
    assert cells[0] == "ok_logs_progress.ipynb: cell 1 of 4: title = \"\""
    assert len(cells) == 4  # the parameters cell, papermill's injected one, two more
    assert ("eah_eval.fixture", logging.INFO, "step 1 of 2: fixture") in seen
    assert ("eah_eval.fixture", logging.WARNING, "step 2 of 2: careful") in seen
    assert "a detail below the runner level" not in messages
    # in order: the record from the kernel between the cells that produced it
    assert (messages.index(cells[2]) < messages.index("step 1 of 2: fixture")
            < messages.index(cells[3]))
    html = out.html.read_text(encoding="utf-8")
    assert "step 1 of 2" not in html and MARK not in html  # not in the board's report
    assert "<h1>fixture</h1>" in html and "a plain line on stderr" in html
    assert "step 1 of 2: fixture" in out.notebook.read_text(encoding="utf-8")  # the record


def test_cell_progress_consults_its_gate_once_before_the_first_computing_cell():
    calls: list[str] = []
    hook = CellProgress("x.ipynb", 4, gate=lambda: calls.append("gate"))

    def cell(source: str, *tags: str) -> nbformat.NotebookNode:
        c = nbformat.v4.new_code_cell(source)
        c.metadata["tags"] = list(tags)
        return c

    for i, c in enumerate([cell("a = 1", "parameters"), cell("a = 2", "injected-parameters"),
                           cell("import math", "imports"), cell("b = a"), cell("c = b")]):
        hook(cell=c, cell_index=i)
        calls.append(c.source)
    assert calls == ["a = 1", "a = 2", "import math", "gate", "b = a", "c = b"]


def test_a_failing_gate_stops_the_cell_before_it_starts(caplog):
    caplog.set_level(logging.INFO, logger="eah_eval")

    def refuse() -> None:
        raise ParameterError("report parameter 'clusters': 'NOPE' not in the data")

    hook = CellProgress("x.ipynb", 1, gate=refuse)
    with pytest.raises(ParameterError, match="'NOPE' not in the data"):
        hook(cell=nbformat.v4.new_code_cell("report = build()"), cell_index=0)
    assert caplog.records == []  # the cell is not reported as started


@pytest.mark.slow
def test_a_failing_gate_stops_a_real_run_and_writes_nothing(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="eah_eval")

    def refuse() -> None:
        raise ParameterError("report parameter 'clusters': 'NOPE' not in the data")

    out = tmp_path / "out"
    with pytest.raises(ParameterError, match="'NOPE' not in the data"):
        run_notebook(NB / "ok_logs_progress.ipynb", ReportParams(data="d", title="fixture"),
                     out, gate=refuse)
    messages = [r.getMessage() for r in caplog.records]
    assert "step 1 of 2: fixture" not in messages  # the first computing cell never ran
    assert not out.exists()  # the output folder the run made is gone again
    assert list(tmp_path.iterdir()) == []  # and so is its staging folder
