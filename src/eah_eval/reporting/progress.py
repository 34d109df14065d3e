"""Progress of a report run, from inside the notebook's kernel to whoever started the run.

A report is computed inside a Jupyter kernel (papermill), a separate process whose output
becomes the notebook's cell outputs. Progress reaches the caller's log in two ways:

- **cell by cell**: :class:`CellProgress` is handed to papermill (nbclient's
  ``on_cell_start`` hook) and logs each code cell as it starts, in the caller's process;
- **step by step inside a cell** (measure by measure): the runner tells the kernel, through
  the environment variable :data:`LEVEL_ENV`, the level its own ``eah_eval`` logger is at;
  :func:`forward_kernel_logs`, called when the notebook reads its parameters, writes each of
  the package's records at that level to the cell's standard error as one marked line;
  papermill passes standard error to :class:`KernelLogRelay`, which logs each marked line
  again, under the same logger name and level, in the caller's process.

Marked lines are kept out of the exported HTML (:func:`drop_kernel_logs`); the executed
notebook keeps them as the run's record.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: environment variable carrying the caller's logging level (a number) to the kernel
LEVEL_ENV = "EAH_EVAL_LOG_LEVEL"

#: start of a line that carries one log record from the kernel
MARK = "eah-eval-log "


def runner_level() -> str:
    """Return the level the caller's ``eah_eval`` logger shows, as :data:`LEVEL_ENV` carries it."""
    return str(logging.getLogger("eah_eval").getEffectiveLevel())


class _KernelHandler(logging.Handler):
    """Write each record to the cell's standard error as one marked JSON line."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = json.dumps({"name": record.name, "level": record.levelno,
                               "message": record.getMessage()})
            sys.stderr.write(f"{MARK}{line}\n")
            sys.stderr.flush()
        except Exception:  # a log record must never stop a report
            self.handleError(record)


def forward_kernel_logs() -> bool:
    """In a report's kernel, send the package's log records to the runner that started it.

    Does nothing (and returns ``False``) unless the kernel was started by the runner
    (:data:`LEVEL_ENV` set), so a notebook opened in Jupyter logs as the user configured.
    Calling it again in the same kernel adds no second handler.
    """
    level = os.environ.get(LEVEL_ENV, "")
    if not level.isdigit():
        return False
    package = logging.getLogger("eah_eval")
    if not any(isinstance(h, _KernelHandler) for h in package.handlers):
        package.addHandler(_KernelHandler())
    package.setLevel(int(level))
    return True


class KernelLogRelay:
    """A write-only text stream for papermill's ``stderr_file``: re-logs the kernel's records.

    Marked lines become records of the same logger and level in this process; any other text
    the kernel writes to standard error (warnings, for instance) is logged at ``DEBUG``.
    """

    def __init__(self) -> None:
        self._pending = ""

    def write(self, text: str) -> int:
        """Take some of the kernel's standard error; log each complete line."""
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._relay(line)
        return len(text)

    def flush(self) -> None:
        """Do nothing: a line is logged once it is complete (papermill flushes after writes)."""

    def _relay(self, line: str) -> None:
        if line.startswith(MARK):
            try:
                record = json.loads(line[len(MARK):])
                logging.getLogger(str(record["name"])).log(
                    int(record["level"]), "%s", str(record["message"]))
                return
            except (ValueError, KeyError, TypeError):
                pass
        if line.strip():
            logger.debug("kernel: %s", line)


def _first_line(source: str, width: int = 70) -> str:
    line = next((s.strip() for s in source.splitlines() if s.strip()), "")
    return line if len(line) <= width else line[: width - 3] + "..."


#: Tags of the cells that run before a report's gate is consulted: its parameters, the values
#: papermill injects, and its imports (a cell tagged ``imports`` must only import).
BEFORE_GATE = frozenset({"parameters", "injected-parameters", "imports"})


class CellProgress:
    """nbclient's ``on_cell_start`` hook: log each code cell of a notebook as it starts.

    Parameters
    ----------
    notebook : str
        The notebook's name, for the messages.
    total : int
        The number of code cells that will run (papermill's injected parameters included).
    gate : callable, optional
        Called once, before the first code cell that computes (not tagged with one of
        :data:`BEFORE_GATE`); what it raises stops the notebook before that cell. The cells
        before it are the kernel's start-up work, so a check the caller runs meanwhile (the
        impact report's check of the data) costs no time unless it is the slower.
    """

    def __init__(self, notebook: str, total: int,
                 gate: Callable[[], None] | None = None) -> None:
        self.notebook = notebook
        self.total = total
        self.started = 0
        self._gate = gate

    def __call__(self, cell: Any, cell_index: int, **_: Any) -> None:
        """Log the cell about to run (markdown and empty cells are not counted)."""
        if cell.get("cell_type") != "code" or not str(cell.get("source", "")).strip():
            return
        tags = set(cell.get("metadata", {}).get("tags", ()))
        if self._gate is not None and not tags & BEFORE_GATE:
            gate, self._gate = self._gate, None
            gate()
        self.started += 1
        logger.info("%s: cell %d of %d: %s", self.notebook, self.started, self.total,
                    _first_line(str(cell["source"])))


def code_cells(nb: Any) -> int:
    """Count the non-empty code cells of a notebook."""
    return sum(1 for c in nb.cells if c.cell_type == "code" and str(c.source).strip())


def drop_kernel_logs(nb: Any) -> Any:
    """Remove the kernel's marked log lines from a notebook's outputs (in place; returned).

    A standard-error output left empty is removed; other output is untouched.
    """
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
                lines = [s for s in text.splitlines(keepends=True) if not s.startswith(MARK)]
                if not "".join(lines).strip():
                    continue
                out["text"] = "".join(lines)
            kept.append(out)
        cell["outputs"] = kept
    return nb
