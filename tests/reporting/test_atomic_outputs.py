"""Atomic report outputs (issue 13, item 6): a report is moved into place whole, or not at all.

A previous, complete report sits in the output folder; a run that fails (a cell raises after
writing ``results.json``, Ctrl-C, a kernel that dies, a failed consistency check) must leave it
byte for byte as it was, with no staging folder behind; a run that completes replaces the
report's files together. The fast tests replace the kernel with a stand-in that writes what a
notebook writes; the slow ones run the fixture notebooks in a real kernel.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat
import pytest
from tiny_council import write_tiny_council

from eah_eval.data.load import load_council
from eah_eval.errors import NotebookExecutionError
from eah_eval.reporting import runner
from eah_eval.reporting.impact import run as impact_run
from eah_eval.reporting.impact.check import CheckResult, ReportCheckError
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.params import ParameterError
from eah_eval.reporting.runner import run_batch, run_notebook
from eah_eval.reporting.staging import publish, record_status, staging_folder

NB = Path(__file__).parent / "notebooks"
PREVIOUS = {
    "report.html": b"<!DOCTYPE html><html><body><h1>previous run</h1></body></html>",
    "results.json": b'{"title": "previous run", "run_status": "final"}',
    "report.ipynb": b'{"cells": []}',
}


def _params(title: str = "fixture") -> ReportParams:
    return ReportParams(data="unused", title=title)


def _previous_report(out: Path) -> dict[str, bytes]:
    """Write a complete previous report and a file that is not the report's; return all bytes."""
    out.mkdir(parents=True)
    for name, data in PREVIOUS.items():
        (out / name).write_bytes(data)
    (out / "data").mkdir()
    (out / "data" / "clusters.csv").write_bytes(b"cluster_id\nC1\n")
    return _snapshot(out)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_staging_left(out: Path) -> None:
    beside = sorted(p.name for p in out.parent.iterdir() if ".partial" in p.name)
    inside = sorted(p.name for p in out.iterdir() if ".partial" in p.name)
    assert beside == [] and inside == []


def _stand_in(*, results: Mapping[str, Any], fail: BaseException | None = None) -> Callable:
    """A kernel stand-in: writes the executed notebook and results.json, then fails or returns."""

    def execute(notebook: Any, output_notebook: Any, injected: Mapping[str, Any],
                **_: Any) -> Any:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# new run")])
        nbformat.write(nb, str(output_notebook))
        Path(injected["output_dir"], "results.json").write_text(json.dumps(dict(results)))
        if fail is not None:
            raise fail
        return nb

    return execute


# ---------------------------------------------------------------- a failed run changes nothing


@pytest.mark.parametrize("failure", [
    NotebookExecutionError("stand-in.ipynb", 2, "raise", "ValueError: boom"),
    KeyboardInterrupt(),
], ids=["cell-error", "interrupt"])
def test_failed_or_interrupted_run_leaves_previous_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    out = tmp_path / "out"
    before = _previous_report(out)
    monkeypatch.setattr(runner, "execute_notebook",
                        _stand_in(results={"title": "new run"}, fail=failure))
    with pytest.raises(type(failure)):
        run_notebook(NB / "ok_minimal.ipynb", _params(), out)
    assert _snapshot(out) == before
    _no_staging_left(out)


def test_completed_run_replaces_the_report_together(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _previous_report(out)
    (out / "report.pdf").write_bytes(b"%PDF- previous")  # the new run prints no PDF
    monkeypatch.setattr(runner, "execute_notebook", _stand_in(results={"title": "new run"}))
    outputs = run_notebook(NB / "ok_minimal.ipynb", _params(), out)
    assert json.loads((out / "results.json").read_text()) == {"title": "new run",
                                                               "run_status": "final"}
    assert "new run" in (out / "report.html").read_text()
    assert not (out / "report.pdf").exists()  # the previous run's PDF went with it
    assert (out / "data" / "clusters.csv").read_bytes() == b"cluster_id\nC1\n"  # not the report's
    assert (outputs.html, outputs.results) == (out / "report.html", out / "results.json")
    _no_staging_left(out)


def test_publish_puts_everything_back_when_a_move_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    before = _previous_report(out)
    real_replace = os.replace
    moved: list[str] = []

    def flaky(src: Any, dst: Any) -> None:
        if Path(src).parent.name == "report" and Path(src).name == "results.json":
            raise OSError(28, "No space left on device")
        moved.append(Path(src).name)
        real_replace(src, dst)

    with staging_folder(out) as stage:
        for name in PREVIOUS:
            (stage / name).write_text("new")
        monkeypatch.setattr(os, "replace", flaky)
        with pytest.raises(OSError, match="No space left on device"):
            publish(stage, out)
        monkeypatch.setattr(os, "replace", real_replace)
        assert sorted(p.name for p in stage.iterdir()) == sorted(PREVIOUS)
    assert "report.html" in moved  # it was moved in, then back out
    assert _snapshot(out) == before
    _no_staging_left(out)


def test_run_status_must_be_known(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("{}")
    with pytest.raises(ValueError, match="run status must be one of 'final', 'draft', "
                                         "'failed checks'; got 'done'"):
        record_status(path, "done")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the impact report's check


def _impact_settle(monkeypatch: pytest.MonkeyPatch, failures: tuple[str, ...],
                   allow_draft: bool) -> Callable:
    def check(folder: Path) -> CheckResult:
        return CheckResult(folder=Path(folder), checked=("estimates",), failures=failures)

    monkeypatch.setattr(impact_run, "check_report", check)

    def settle(staged: runner.ReportOutputs, out: Path) -> runner.ReportOutputs:
        return impact_run.settle_staged(staged, out, allow_draft=allow_draft)

    return settle


def test_report_failing_its_check_is_kept_apart_and_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    before = _previous_report(out)
    monkeypatch.setattr(runner, "execute_notebook", _stand_in(results={"title": "new run"}))
    settle = _impact_settle(monkeypatch, ("headline estimate differs",), allow_draft=False)
    with pytest.raises(ReportCheckError, match=r"failed its consistency check and was not "
                       r"written as final \(kept as .*FAILED-CHECKS/impact_report\.FAILED-CHECKS"
                       r"\.html;[\s\S]*- headline estimate differs"):
        run_notebook(NB / "ok_minimal.ipynb", _params(), out, settle=settle,
                     replaces=(impact_run.FAILED_PAGE, impact_run.FAILED_CHECKS_DIR))
    kept = out / impact_run.FAILED_CHECKS_DIR
    assert sorted(p.name for p in kept.iterdir()) == [
        "impact_report.FAILED-CHECKS.html", "report.ipynb", "results.json"]
    results = json.loads((kept / "results.json").read_text())
    assert (results["status"], results["run_status"]) == ("failed checks", "failed checks")
    assert "DRAFT" in (kept / "impact_report.FAILED-CHECKS.html").read_text()
    assert {k: v for k, v in _snapshot(out).items() if not k.startswith("FAILED")} == before
    _no_staging_left(out)

    # the next report that passes replaces the report and removes the failed run
    _impact_settle(monkeypatch, (), allow_draft=False)
    run_notebook(NB / "ok_minimal.ipynb", _params(), out, settle=settle,
                 replaces=(impact_run.FAILED_PAGE, impact_run.FAILED_CHECKS_DIR))
    assert not kept.exists()
    results = json.loads((out / "results.json").read_text())
    assert (results["status"], results["run_status"]) == ("final", "final")


def test_draft_replaces_the_report_marked(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _previous_report(out)
    monkeypatch.setattr(runner, "execute_notebook", _stand_in(results={"title": "new run"}))
    settle = _impact_settle(monkeypatch, ("a small count is visible",), allow_draft=True)
    run_notebook(NB / "ok_minimal.ipynb", _params(), out, settle=settle)
    results = json.loads((out / "results.json").read_text())
    assert (results["status"], results["run_status"]) == ("draft", "draft")
    assert "DRAFT" in (out / "report.html").read_text()


def test_run_report_checks_the_data_before_the_kernel(tmp_path: Path) -> None:
    data = write_tiny_council(tmp_path / "data")
    params = ReportParams(data=str(data), clusters=("NOPE",))
    with pytest.raises(ParameterError, match=r"report parameter 'clusters': 'NOPE' not in the "
                                             r"data \(clusters: C1, C2, C3, C4\)"):
        impact_run.run_report(params, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_run_report_hands_the_checked_council_to_the_kernel(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    # the data are loaded and validated once, in the runner; the kernel takes that council.
    # A relative data folder is read from where the caller stands, although papermill moves
    # the runner's working directory while the kernel starts and the check runs.
    caplog.set_level(logging.DEBUG, logger="eah_eval")
    data = write_tiny_council(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    params = ReportParams(data="data", measures=("sen_support_pct",), bootstrap_reps=99,
                          randomization_draws=19, allow_draft=True)
    out = impact_run.run_report(params, "out")
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("council of ") and "taken from the runner's snapshot" in m
               for m in messages)
    # and the evaluator's progress says so rather than "loading the data"
    assert any(m.startswith("impact evaluation: the data in ")
               and m.endswith("as the report runner loaded and checked them while the kernel "
                              "started") for m in messages)
    assert not any(m.startswith("impact evaluation: loading the data") for m in messages)
    # each table checked once (in the runner), not again in the kernel
    assert sum(m.startswith("checking ") and "schools.csv" in m for m in messages) == 1
    assert out.results is not None
    results = json.loads(out.results.read_text())
    assert results["qa"]["data_fingerprint"] == load_council(data).fingerprint


# ---------------------------------------------------------------- real kernels


@pytest.mark.slow
def test_notebook_failing_after_results_leaves_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = _previous_report(out)
    with pytest.raises(NotebookExecutionError, match=r"boom after results\.json"):
        run_notebook(NB / "fail_after_results.ipynb", _params(), out)
    assert _snapshot(out) == before
    _no_staging_left(out)


@pytest.mark.slow
def test_kernel_death_leaves_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = _previous_report(out)
    with pytest.raises(NotebookExecutionError):
        run_notebook(NB / "fail_kernel_dies.ipynb", _params(), out, timeout=60)
    assert _snapshot(out) == before
    _no_staging_left(out)


@pytest.mark.slow
def test_notebook_run_replaces_html_and_results_together(tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = _previous_report(out)
    run_notebook(NB / "ok_minimal.ipynb", _params("new run"), out)
    after = _snapshot(out)
    assert after["results.json"] != before["results.json"]
    assert json.loads(after["results.json"]) == {"title": "new run", "run_status": "final"}
    assert b"<h1>new run</h1>" in after["report.html"]
    _no_staging_left(out)


@pytest.mark.slow
def test_batch_member_that_fails_keeps_its_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "batch"
    before = _previous_report(out / "bad")
    cfg = tmp_path / "batch.yaml"
    cfg.write_text("defaults: {data: unused}\nreports:\n  - {name: bad, title: fail}\n")
    res = run_batch(cfg, out, schema=ReportParams, notebook=NB / "ok_minimal.ipynb",
                    progress=None)
    assert not res.ok and "member asked to fail" in res.outcomes[0].message
    assert _snapshot(out / "bad") == before
    _no_staging_left(out / "bad")
