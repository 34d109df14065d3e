"""A report notebook's parameters: its cell, written from the schema; its values, read back.

A report notebook (``analyses/*.ipynb``) declares every parameter of its schema on its own
line of the cell tagged ``parameters``, with a type, a default and one line of help, all
written from the schema by :func:`parameters_cell`. ``papermill --help-notebook`` lists them,
``papermill -p name value`` sets one, and a test keeps the cell equal to what the schema
writes. Two names belong to the notebook rather than to the report: ``output_dir`` and
``write_html``.

In the kernel, :func:`read_parameters` gathers the values into the schema (validated by
:func:`eah_eval.reporting.params.parse_params`) and :func:`output_folder` makes the output
folder. Relative paths are read from the project root (:func:`project_root`: the nearest
folder, from the working directory up, that holds ``analyses/``), so the defaults work the same
whether the notebook runs from the repository root (papermill) or from ``analyses/`` (Jupyter).
``eah-eval report`` and ``eah-eval monitor`` pass absolute paths and ``write_html=False``: the
runner (:func:`eah_eval.reporting.runner.run_notebook`) exports the executed notebook itself.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from eah_eval.errors import OptionError
from eah_eval.reporting.params import (
    ParameterDoc,
    describe_parameters,
    parse_params,
    resolve_paths,
)
from eah_eval.reporting.progress import forward_kernel_logs
from eah_eval.reporting.runner import notebook_path

P = TypeVar("P")

#: Folder of the demonstration data (``make demo``), the notebooks' default ``data``.
DEMO_DATA = "reports/demo/data"
#: Folder, under the project root, holding the report notebooks.
NOTEBOOK_FOLDER = "analyses"
#: Names a report notebook's parameters cell sets besides the report's parameters.
NOTEBOOK_NAMES: tuple[str, ...] = ("output_dir", "write_html")


@dataclass(frozen=True)
class ReportNotebook:
    """A report notebook and the parameter schema its ``parameters`` cell is written from.

    Parameters
    ----------
    file : str
        File name under ``analyses/``; the report's HTML is named after it.
    schema : dataclass type
        The report's parameter schema.
    output_dir : str
        Default output folder of a run by hand, from the project root.
    data : str
        Default of the ``data`` parameter in the cell (the schema requires it).
    """

    file: str
    schema: type[Any]
    output_dir: str
    data: str = DEMO_DATA

    @property
    def stem(self) -> str:
        """Base name of the report's files (``impact_report`` for ``impact_report.ipynb``)."""
        return Path(self.file).stem

    @property
    def html_name(self) -> str:
        """File name of the report's HTML page."""
        return f"{self.stem}.html"

    def path(self) -> Path:
        """Locate the notebook file (source tree or installed package)."""
        return notebook_path(self.file)

    def parameters_cell(self) -> str:
        """Write the source the notebook's ``parameters`` cell must hold."""
        return parameters_cell(
            self.schema,
            defaults={"data": self.data},
            output_dir=self.output_dir,
            html_name=self.html_name,
        )


# ---------------------------------------------------------------------------------------------
# Writing the parameters cell


def notebook_annotation(tp: Any) -> str:
    """Write the parameters cell's annotation for a schema annotation.

    Written so that the cell runs without imports and papermill reads it: lists for tuples,
    the base type of a ``Literal`` (its values go in the help), and ``Optional[...]`` quoted.

    Raises
    ------
    OptionError
        For an annotation the cell cannot state.

    Examples
    --------
    >>> notebook_annotation(tuple[str, ...])
    'list[str]'
    >>> notebook_annotation(str | None)
    '"Optional[str]"'
    """
    text = _annotation(tp)
    return f'"{text}"' if "Optional" in text else text


def _annotation(tp: Any) -> str:
    origin = get_origin(tp)
    args = get_args(tp)
    if origin in (Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return f"Optional[{_annotation(rest[0])}]"
    if origin is Literal:
        kinds = {type(a) for a in args}
        if len(kinds) == 1:
            return kinds.pop().__name__
    if origin is tuple:
        return f"list[{_annotation(args[0])}]"
    if origin is dict:
        return f"dict[{_annotation(args[0])}, {_annotation(args[1])}]"
    if tp in (str, int, float, bool):
        return str(tp.__name__)
    raise OptionError(f"no parameters-cell annotation for {tp!r}; use str, int, float, bool, "
                      "Literal, tuple, dict or Optional of these in the schema")


def _comment(doc: ParameterDoc) -> str:
    """One line of help for papermill, which reads a line holding two '=' as no parameter."""
    text = doc.help
    if get_origin(doc.annotation) is Literal:
        text += " One of " + ", ".join(repr(a) for a in get_args(doc.annotation)) + "."
    return text.replace(" = ", " means ").replace("=", " is ")


def parameter_line(name: str, annotation: str, default: Any, comment: str) -> str:
    """One line of the parameters cell: ``name: annotation = default  # comment``."""
    return f"{name}: {annotation} = {default!r}  # {comment}"


def parameters_cell(
    schema: type[Any],
    *,
    defaults: Mapping[str, Any],
    output_dir: str,
    html_name: str,
) -> str:
    """Write the ``parameters`` cell of a report notebook from its schema.

    Parameters
    ----------
    schema : dataclass type
        The report's parameter schema; each field gets one line, in field order, with its
        type, default and the first sentence of its description (see
        :func:`eah_eval.reporting.params.describe_parameters`).
    defaults : mapping
        Defaults in the notebook for parameters the schema requires (``data``).
    output_dir : str
        Default output folder, from the project root.
    html_name : str
        File name of the HTML page a run by hand writes.

    Returns
    -------
    str
        The cell's source.

    Raises
    ------
    OptionError
        If a required parameter has no entry in ``defaults`` or a parameter is undocumented.
    """
    lines = [
        f"# Written from {schema.__name__} ({schema.__module__}) by",
        "# `python -m eah_eval.cli.notebook_options`: change the schema, then rerun that.",
        "# Relative paths are read from the repository root (the folder holding analyses/).",
    ]
    for doc in describe_parameters(schema):
        if doc.required and doc.name not in defaults:
            raise OptionError(
                f"parameter {doc.name!r} of {schema.__name__} has no default; give the "
                "notebook one"
            )
        default = defaults[doc.name] if doc.required else doc.default
        lines.append(parameter_line(doc.name, notebook_annotation(doc.annotation), default,
                                    _comment(doc)))
    lines.append(parameter_line(
        "output_dir", "str", output_dir,
        f"Folder for {html_name} and results.json (made if missing)."))
    lines.append(parameter_line(
        "write_html", "bool", True,
        f"Write {html_name} into output_dir; eah-eval sets False and exports the notebook."))
    return "\n".join(lines)


def parameters_cell_index(nb: Any) -> int:
    """Index of the cell tagged ``parameters`` (the first one).

    Raises
    ------
    OptionError
        If the notebook has none.
    """
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return i
    raise OptionError("the notebook has no cell tagged 'parameters'")


def stale_parameters_cell(spec: ReportNotebook, path: str | Path | None = None) -> bool:
    """Whether a notebook's ``parameters`` cell differs from what its schema writes."""
    import nbformat

    nb = nbformat.read(Path(path) if path is not None else spec.path(), as_version=4)
    return str(nb.cells[parameters_cell_index(nb)].source) != spec.parameters_cell()


def write_parameters_cell(spec: ReportNotebook, path: str | Path | None = None) -> bool:
    """Rewrite a notebook's ``parameters`` cell from its schema; return whether it changed."""
    import nbformat

    file = Path(path) if path is not None else spec.path()
    nb = nbformat.read(file, as_version=4)
    cell = nb.cells[parameters_cell_index(nb)]
    source = spec.parameters_cell()
    if cell.source == source:
        return False
    cell.source = source
    nbformat.write(nb, file)
    return True


# ---------------------------------------------------------------------------------------------
# Reading the parameters back in the kernel


def project_root(start: str | Path | None = None) -> Path:
    """Find the folder a report notebook reads relative paths from.

    The nearest folder, from ``start`` (default the working directory) up, that holds an
    ``analyses`` folder: the repository root whether a notebook runs there or in
    ``analyses/``. Without one, ``start`` itself.
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / NOTEBOOK_FOLDER).is_dir():
            return folder
    return here


def read_parameters(schema: type[P], namespace: Mapping[str, Any]) -> P:
    """Gather a report's parameters from the notebook's names and validate them.

    Parameters
    ----------
    schema : dataclass type
        The report's parameter schema.
    namespace : mapping
        The notebook's names (``globals()``): the parameters cell and any values papermill
        injected after it. A parameter missing from it takes the schema's default.

    Returns
    -------
    instance of ``schema``
        With relative paths (``data``) made absolute from :func:`project_root`.

    Raises
    ------
    ParameterError, ParameterTypeError
        As :func:`eah_eval.reporting.params.parse_params`.

    Notes
    -----
    In a kernel started by the report runner, this also sends the package's log records
    (progress) back to the runner (:func:`eah_eval.reporting.progress.forward_kernel_logs`).
    """
    forward_kernel_logs()
    names = [f.name for f in dataclasses.fields(schema)]  # type: ignore[arg-type]
    values = {n: namespace[n] for n in names if n in namespace}
    return parse_params(schema, resolve_paths(schema, values, project_root()))


def output_folder(output_dir: str | Path) -> Path:
    """Make the output folder (a relative one from :func:`project_root`) and return it."""
    path = Path(output_dir)
    if not path.is_absolute():
        path = project_root() / path
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()
