"""Run report notebooks with papermill and export self-contained, accessible HTML.

The runner is generic: any notebook whose ``parameters`` cell only assigns literal defaults
to parameters of a dataclass schema (see :mod:`eah_eval.reporting.params`), ``output_dir``
and ``write_html`` can be run with that schema's validated values. Parameters are validated
*before* the kernel starts; a failing cell becomes a
:class:`~eah_eval.errors.NotebookExecutionError` carrying the cell index, its source and the
error.

Steps of :func:`run_notebook`:

1. check the notebook exists and its ``parameters`` cell only assigns literals to those names;
2. execute it with papermill in a kernel running this very Python (so the installed package
   is importable), injecting each parameter by name, ``output_dir`` (absolute) and
   ``write_html=False`` (step 3 writes the page);
3. export the executed notebook to HTML with nbconvert (inputs and prompts excluded, images
   already embedded as base64 by the package's figures) wrapped in an accessible page
   (:mod:`eah_eval.reporting.html`);
4. let the report judge the staged files (``settle``: the impact report's consistency check);
5. optionally print a PDF of that HTML with headless Chromium;
6. move the report into the output folder.

Steps 2 to 5 happen in a staging folder beside the output folder
(:mod:`eah_eval.reporting.staging`); step 6 moves the complete report into place in one step.
A run that fails or is interrupted before then (an error in a cell, Ctrl-C, a kernel that
dies) leaves the previous report in the output folder exactly as it was, and no staging folder.
The run's outcome is recorded in ``results.json`` as ``run_status``.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eah_eval.errors import EahEvalError, NotebookExecutionError, OptionError
from eah_eval.reporting.html import page
from eah_eval.reporting.params import (
    ParameterError,
    load_params_file,
    params_to_dict,
    parse_params,
    with_absolute_paths,
)
from eah_eval.reporting.progress import (
    LEVEL_ENV,
    CellProgress,
    KernelLogRelay,
    code_cells,
    drop_kernel_logs,
    runner_level,
)
from eah_eval.reporting.staging import publish, record_status, staging_folder

KERNEL_NAME = "eah-eval-python"

logger = logging.getLogger(__name__)


def notebook_path(name: str) -> Path:
    """Locate a report notebook in the source tree or in the installed package.

    Parameters
    ----------
    name : str
        File name under ``analyses/``.

    Raises
    ------
    OptionError
        If the notebook cannot be found in either place.
    """
    here = Path(__file__).resolve()
    candidates = [
        here.parents[3] / "analyses" / name,  # source tree: <repo>/src/eah_eval/reporting
        here.parents[1] / "analyses" / name,  # wheel: eah_eval/analyses (force-included)
    ]
    for c in candidates:
        if c.is_file():
            return c
    raise OptionError(
        f"report notebook {name!r} not found; looked in {', '.join(str(c) for c in candidates)}"
    )


def check_parameters_cell(nb: Any, notebook: str, allowed: Sequence[str]) -> int:
    """Return the index of the ``parameters`` cell after checking it only assigns names.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.
    notebook : str
        Its name, for messages.
    allowed : sequence of str
        Names the cell may assign (those the runner injects).

    Raises
    ------
    NotebookExecutionError
        If there is no cell tagged ``parameters``, or it does anything but assign constants
        to the allowed names.
    """
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError as exc:
                raise NotebookExecutionError(
                    notebook, i, cell.source, f"SyntaxError: {exc}"
                ) from None
            for stmt in tree.body:
                ok = (
                    isinstance(stmt, ast.Assign | ast.AnnAssign)
                    and all(
                        isinstance(t, ast.Name) and t.id in allowed
                        for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
                    )
                )
                if ok:
                    value = stmt.value
                    try:
                        ast.literal_eval(value) if value is not None else None
                    except ValueError:
                        ok = False
                if not ok:
                    raise NotebookExecutionError(
                        notebook,
                        i,
                        cell.source,
                        "the parameters cell may only assign literal defaults to "
                        f"{', '.join(allowed)}",
                    )
            return i
    raise NotebookExecutionError(
        notebook, None, "", "no cell tagged 'parameters'; the runner cannot inject parameters"
    )


@contextlib.contextmanager
def this_python_kernel(env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Register a temporary kernelspec that runs this interpreter; yield its name.

    ``env`` adds variables to the kernel's environment.

    Examples
    --------
    >>> with this_python_kernel() as kernel:  # doctest: +SKIP
    ...     papermill.execute_notebook("in.ipynb", "out.ipynb", kernel_name=kernel)
    """
    with tempfile.TemporaryDirectory(prefix="eah-eval-kernel-") as tmp:
        spec_dir = Path(tmp) / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python (eah-eval)",
            "language": "python",
            "env": {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                    LEVEL_ENV: runner_level(), **(env or {})},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = tmp + (os.pathsep + old if old else "")
        try:
            yield KERNEL_NAME
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


@contextlib.contextmanager
def private_kernel_channels() -> Iterator[dict[str, Any]]:
    """Yield the kernel manager settings that keep the kernel's channels private to this user.

    On POSIX systems the kernel talks to the runner over Unix domain sockets (ZeroMQ's ``ipc``
    transport) in a temporary folder only this user can open, removed afterwards: the
    council's data never cross a network socket, and the kernel does not warn that it runs
    "over TCP without encryption". Windows keeps Jupyter's default, TCP on the loopback
    address with signed messages. Pass the settings as papermill's ``config``.

    Examples
    --------
    >>> with private_kernel_channels() as config:  # doctest: +SKIP
    ...     papermill.execute_notebook("in.ipynb", "out.ipynb", config=config)
    """
    if os.name == "nt":
        yield {}
        return
    # a short folder name: a Unix socket's path is limited to about 100 characters
    with tempfile.TemporaryDirectory(prefix="eah-k-") as folder:
        yield {"KernelManager": {"transport": "ipc",
                                 "connection_file": str(Path(folder) / "kernel.json")}}


def _original_index(nb: Any, source: str, fallback: int | None) -> int | None:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source == source:
            return i
    return fallback


def execute_notebook(
    notebook: str | Path,
    output_notebook: str | Path,
    injected: Mapping[str, Any],
    *,
    cwd: str | Path | None = None,
    timeout: int = 600,
    gate: Callable[[], None] | None = None,
    kernel_env: Mapping[str, str] | None = None,
) -> Any:
    """Execute a notebook with papermill, translating failures.

    Parameters
    ----------
    notebook : path
        Input notebook (must have a ``parameters`` cell that only assigns the injected names).
    output_notebook : path
        Where the executed notebook is written (also on failure, for inspection).
    injected : mapping
        Names and JSON-ready values injected after the ``parameters`` cell.
    cwd : path, optional
        Working directory of the kernel.
    timeout : int
        Seconds allowed per cell.
    gate : callable, optional
        Called in this process just before the first cell that computes (see
        :class:`~eah_eval.reporting.progress.CellProgress`); an error it raises stops the run
        there, shuts the kernel down and is raised as it is. It lets a check run while the
        kernel starts and imports.
    kernel_env : mapping, optional
        Variables added to the kernel's environment.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook.

    Raises
    ------
    NotebookExecutionError
        With the failing cell's index in the original notebook, its source and the error.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    notebook = Path(notebook)
    if not notebook.is_file():
        raise NotebookExecutionError(str(notebook), None, "", "notebook file not found")
    original = nbformat.read(notebook, as_version=4)
    check_parameters_cell(original, notebook.name, list(injected))
    Path(output_notebook).parent.mkdir(parents=True, exist_ok=True)
    logger.info("running %s in a Jupyter kernel", notebook.name)
    with this_python_kernel(kernel_env) as kernel, private_kernel_channels() as channels:
        try:
            return papermill.execute_notebook(
                str(notebook),
                str(output_notebook),
                parameters=dict(injected),
                kernel_name=kernel,
                progress_bar=False,
                # progress: each cell as it starts, and the package's log records in the kernel
                on_cell_start=CellProgress(notebook.name, code_cells(original) + 1,
                                           gate=gate),
                stderr_file=KernelLogRelay(),
                cwd=str(cwd) if cwd is not None else None,
                execution_timeout=timeout,
                config=Config(channels),
            )
        except PapermillExecutionError as exc:
            index = _original_index(original, exc.source, exc.cell_index)
            raise NotebookExecutionError(
                notebook.name, index, exc.source, f"{exc.ename}: {exc.evalue}"
            ) from None
        except Exception as exc:  # kernel death, cell timeout, start-up failure
            if isinstance(exc, EahEvalError):
                raise
            raise NotebookExecutionError(
                notebook.name, None, "", f"{type(exc).__name__}: {exc}".strip()
            ) from exc


def export_html(nb: Any, html_path: str | Path, *, title: str) -> Path:
    """Export an executed notebook to one self-contained, accessible HTML file.

    Inputs and prompts are excluded (board renders hide code); outputs keep their HTML, and
    images are data URIs, so the file needs nothing else to display.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # Cells tagged "remove" (notes for whoever edits the notebook) stay out of the report.
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove"}, enabled=True), enabled=True
    )
    body, _ = exporter.from_notebook_node(drop_kernel_logs(nb))
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(page(body, title=title), encoding="utf-8")
    return html_path


@dataclass(frozen=True)
class ReportOutputs:
    """Files written by one report run."""

    html: Path
    notebook: Path
    results: Path | None
    pdf: Path | None
    seconds: float


#: Judges a staged report (its files, and the output folder it will go to) before it is moved
#: into place; returns the outputs (its page may have been renamed) or raises to keep it out.
Settle = Callable[[ReportOutputs, Path], ReportOutputs]


def run_notebook(
    notebook: str | Path,
    params: Any,
    out_dir: str | Path,
    *,
    stem: str = "report",
    title: str | None = None,
    pdf: bool = False,
    timeout: int = 600,
    settle: Settle | None = None,
    replaces: Sequence[str] = (),
    gate: Callable[[], None] | None = None,
    kernel_env: Mapping[str, str] | None = None,
) -> ReportOutputs:
    """Run a parameterised report notebook end to end (generic runner).

    Parameters
    ----------
    notebook : path
        The notebook to run.
    params : dataclass instance
        Validated parameters (see :func:`eah_eval.reporting.params.parse_params`); each is
        injected by name, with ``output_dir`` and ``write_html=False``.
    out_dir : path
        Folder for ``<stem>.html``, ``<stem>.ipynb``, ``results.json`` (if the notebook writes
        it) and ``<stem>.pdf``.
    stem : str
        Base name of the output files.
    title : str, optional
        HTML page title (default: the ``title`` parameter, or the stem).
    pdf : bool
        Also print a PDF with headless Chromium.
    timeout : int
        Seconds allowed per cell.
    settle : callable, optional
        Judges the staged report before it is moved into place (see :data:`Settle`); without
        it, a complete run's ``results.json`` gets ``run_status: "final"``.
    replaces : sequence of str
        Other names in ``out_dir`` that belong to this report and go when a new one is moved
        in (``<stem>.html``, ``<stem>.ipynb``, ``<stem>.pdf`` and ``results.json`` always do).
    gate : callable, optional
        A check that must pass before the notebook's first computing cell runs (see
        :func:`execute_notebook`); when it raises, its error is raised and ``out_dir`` is left
        as it was.
    kernel_env : mapping, optional
        Variables added to the kernel's environment.

    Returns
    -------
    ReportOutputs
        The files in ``out_dir``.

    Raises
    ------
    NotebookExecutionError
        If a cell fails or the kernel dies; ``out_dir`` is then as it was before the run.
    """
    start = time.perf_counter()
    out = Path(out_dir).resolve()
    # The kernel runs in the staging folder: a relative data folder (from --data, --set, a
    # parameter file or the Python API) means relative to where the caller stands.
    values = params_to_dict(with_absolute_paths(params, Path.cwd()))
    page_title = title or str(getattr(params, "title", stem))
    with staging_folder(out) as stage:
        # The notebook's own page is not wanted: the executed notebook is exported below.
        injected = {**values, "output_dir": str(stage), "write_html": False}
        nb = execute_notebook(notebook, stage / f"{stem}.ipynb", injected, cwd=stage,
                              timeout=timeout, gate=gate, kernel_env=kernel_env)
        results = stage / "results.json"
        staged = ReportOutputs(
            html=export_html(nb, stage / f"{stem}.html", title=page_title),
            notebook=stage / f"{stem}.ipynb",
            results=results if results.is_file() else None,
            pdf=None,
            seconds=0.0,
        )
        if settle is not None:
            staged = settle(staged, out)
        elif staged.results is not None:
            record_status(staged.results, "final")
        if pdf:
            from eah_eval.reporting.pdf import print_pdf

            print_pdf(staged.html, stage / f"{stem}.pdf")
        owned = (f"{stem}.html", f"{stem}.ipynb", f"{stem}.pdf", "results.json", *replaces)
        publish(stage, out, replaces=owned)
    return ReportOutputs(
        html=out / staged.html.name,
        notebook=out / staged.notebook.name,
        results=out / "results.json" if staged.results is not None else None,
        pdf=out / f"{stem}.pdf" if pdf else None,
        seconds=time.perf_counter() - start,
    )


# ---------------------------------------------------------------------------------------------
# Batch runs


@dataclass(frozen=True)
class BatchMember:
    """One report of a batch: its name and raw parameter overrides."""

    name: str
    overrides: dict[str, Any]


@dataclass(frozen=True)
class BatchOutcome:
    """What happened to one member of a batch."""

    name: str
    ok: bool
    html: Path | None
    seconds: float
    cell_index: int | None = None
    message: str = ""


@dataclass(frozen=True)
class BatchResult:
    """Outcome of a batch run, with the index page."""

    outcomes: tuple[BatchOutcome, ...]
    index: Path
    failures: tuple[BatchOutcome, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether every report ran."""
        return not self.failures


def _slug(text: str) -> str:
    keep = [ch if ch.isalnum() or ch in "-_" else "-" for ch in text.strip().lower()]
    return "".join(keep).strip("-") or "report"


def read_batch_config(path: str | Path) -> tuple[dict[str, Any], list[BatchMember]]:
    """Read a batch configuration.

    The YAML file has ``defaults`` (parameters shared by every report) and either ``reports``
    (a list of mappings with ``name`` and parameter overrides) or ``each`` (a mapping of one
    parameter to a list of values, one report per value; for ``measures`` each value is one
    measure), or both.

    Examples
    --------
    .. code-block:: yaml

        defaults: {data: reports/demo/data, audience: board}
        each: {measures: [sen_support_pct, absence_rate]}
        reports:
          - {name: wave-1, waves: [1]}
    """
    raw = load_params_file(path)
    unknown = [k for k in raw if k not in ("defaults", "reports", "each")]
    if unknown:
        raise ParameterError(
            f"batch config {path}: unknown key(s) {unknown}; allowed: defaults, reports, each"
        )
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ParameterError(f"batch config {path}: 'defaults' must be a mapping")
    members: list[BatchMember] = []
    each = raw.get("each") or {}
    if not isinstance(each, dict):
        raise ParameterError(f"batch config {path}: 'each' must be a mapping")
    for key, values in each.items():
        if not isinstance(values, list):
            raise ParameterError(f"batch config {path}: each.{key} must be a list")
        for v in values:
            value = [v] if key in ("measures", "waves", "clusters") else v
            members.append(BatchMember(name=_slug(f"{key}-{v}"), overrides={key: value}))
    for i, item in enumerate(raw.get("reports") or []):
        if not isinstance(item, dict):
            raise ParameterError(f"batch config {path}: reports[{i}] must be a mapping")
        item = dict(item)
        name = str(item.pop("name", f"report-{i + 1}"))
        members.append(BatchMember(name=_slug(name), overrides=item))
    if not members:
        raise ParameterError(f"batch config {path}: no reports listed (use 'reports' or 'each')")
    names = [m.name for m in members]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ParameterError(f"batch config {path}: duplicate report names {dupes}")
    return defaults, members


#: Runs one member of a batch: its validated parameters, its folder and its page title.
RunMember = Callable[[Any, Path, str], ReportOutputs]


def run_batch(
    config: str | Path,
    out_dir: str | Path,
    *,
    schema: type[Any],
    notebook: str | Path,
    base: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = logger.info,
    timeout: int = 600,
    run: RunMember | None = None,
) -> BatchResult:
    """Run many reports, keep going on failure, and write an index page.

    Parameters
    ----------
    config : path
        Batch YAML (see :func:`read_batch_config`).
    out_dir : path
        Each report goes to ``out_dir/<name>/``; the index to ``out_dir/index.html``.
    base : mapping, optional
        Parameters applied before the config's defaults (e.g. ``data`` from the command line).
    schema : dataclass type
        The report's parameter schema (each member's parameters are validated against it).
    notebook : path
        Notebook to run.
    progress : callable, optional
        Receives one line per step (``None`` for silence).
    timeout : int
        Seconds allowed per cell.
    run : callable, optional
        Runs one member (see :data:`RunMember`); default :func:`run_notebook` with ``notebook``
        and ``stem="report"``. Each member's folder is written atomically: a member that fails
        leaves its previous report as it was.

    Returns
    -------
    BatchResult
        Every outcome; failures carry the failing cell and message.
    """
    defaults, members = read_batch_config(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nb_path = Path(notebook)
    outcomes: list[BatchOutcome] = []
    for k, member in enumerate(members, start=1):
        start = time.perf_counter()
        if progress:
            progress(f"[{k}/{len(members)}] {member.name} ...")
        try:
            params = parse_params(schema, {**(base or {}), **defaults, **member.overrides})
            title = f"{params.title} ({member.name})"
            if run is not None:
                res = run(params, out / member.name, title)
            else:
                res = run_notebook(nb_path, params, out / member.name, stem="report",
                                   title=title, pdf=params.pdf, timeout=timeout)
            outcome = BatchOutcome(member.name, True, res.html, time.perf_counter() - start)
        except NotebookExecutionError as exc:
            outcome = BatchOutcome(
                member.name,
                False,
                None,
                time.perf_counter() - start,
                exc.cell_index,
                exc.error_message,
            )
        except EahEvalError as exc:
            outcome = BatchOutcome(
                member.name, False, None, time.perf_counter() - start, None, str(exc)
            )
        outcomes.append(outcome)
        if progress:
            status = "ok" if outcome.ok else f"FAILED ({_where(outcome)}: {outcome.message})"
            progress(f"[{k}/{len(members)}] {member.name} {status} ({outcome.seconds:.1f} s)")
    index = write_index(outcomes, out / "index.html")
    failures = tuple(o for o in outcomes if not o.ok)
    return BatchResult(outcomes=tuple(outcomes), index=index, failures=failures)


def _where(o: BatchOutcome) -> str:
    return f"cell {o.cell_index}" if o.cell_index is not None else "before or outside cells"


def write_index(outcomes: Sequence[BatchOutcome], path: Path) -> Path:
    """Write the batch index page (a table of reports, status and failures)."""
    from html import escape

    rows = []
    for o in outcomes:
        if o.ok and o.html is not None:
            rel = o.html.resolve().relative_to(path.parent.resolve())
            link = f'<a href="{escape(str(rel))}">{escape(o.name)}</a>'
            status, detail = "Ran", ""
        else:
            link = escape(o.name)
            status, detail = "Failed", f"{_where(o)}: {o.message}"
        rows.append(
            f"<tr><th scope=\"row\">{link}</th><td>{status}</td>"
            f"<td>{o.seconds:.1f}</td><td>{escape(detail)}</td></tr>"
        )
    n_fail = sum(not o.ok for o in outcomes)
    body = (
        "<h1>Report batch</h1>"
        f"<p>{len(outcomes)} report(s): {len(outcomes) - n_fail} ran, {n_fail} failed.</p>"
        "<table><caption>Reports in this batch, with any failure and where it happened"
        "</caption><thead><tr><th scope=\"col\">Report</th><th scope=\"col\">Status</th>"
        "<th scope=\"col\">Seconds</th><th scope=\"col\">Failure</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    # written beside and renamed, so the index is never half a page
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(page(body, title="Report batch"), encoding="utf-8")
    os.replace(partial, path)
    return path
