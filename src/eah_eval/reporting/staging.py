"""Atomic report outputs: write a report in a temporary folder, move it into place when complete.

A report is several files that must agree (the HTML page, ``results.json``, the executed
notebook, the PDF). Written straight into the output folder, a run that fails half way (an
error in a cell, Ctrl-C, a kernel that dies) would leave a new ``results.json`` beside the
previous run's complete-looking page. The runner therefore writes every report into
:func:`staging_folder`, a new folder beside the output folder, and :func:`publish` moves its
files into place only once the report is complete:

* until :func:`publish`, the output folder is not touched, so a failed or interrupted run leaves
  the previous report byte for byte as it was, and the staging folder is removed whatever
  happens (``finally``);
* :func:`publish` moves the previous report's files aside, moves the new ones in, and only then
  deletes the old ones; an error part way moves everything back, and Ctrl-C (or ``SIGTERM``)
  during those few renames is held until they are done, so the folder holds one run's report,
  never a mixture of two. Files of the previous report that the new one lacks (a PDF, say) go
  with it.

Only what the report owns is replaced: other files in the output folder (the council's data in
``reports/demo/data``, another report's folder) are left alone.

Each rename is atomic on one file system; the staging folder is made beside the output folder
(or, when that is not writable or is another file system, hidden inside it) so that it always
is. A power cut during :func:`publish` is not covered. A run killed outright (``SIGKILL``)
leaves its staging folder, named ``.<output folder>.partial-*``, behind; it is safe to delete.

The run's outcome is written into ``results.json`` as ``run_status`` (:data:`RUN_STATUSES`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from eah_eval.errors import OptionError

#: How a published report's run ended: checked and passed; kept as a marked draft
#: (``allow_draft``); or failed its consistency check (kept apart, never as the report).
RunStatus = Literal["final", "draft", "failed checks"]
RUN_STATUSES: tuple[RunStatus, ...] = ("final", "draft", "failed checks")

#: Name of the staged report inside the staging folder (the rest holds the previous files
#: while :func:`publish` swaps them).
_STAGED = "report"
_PREVIOUS = "previous"


def _staging_parent(out: Path) -> Path:
    """Folder to make the staging folder in: beside ``out`` when a rename can reach ``out``."""
    parent = out.parent
    try:
        same_device = os.stat(out).st_dev == os.stat(parent).st_dev
    except OSError:
        return out
    return parent if same_device and os.access(parent, os.W_OK | os.X_OK) else out


@contextlib.contextmanager
def staging_folder(out_dir: str | Path) -> Iterator[Path]:
    """Yield a new, empty folder to write a report into; remove it on exit, whatever happens.

    Parameters
    ----------
    out_dir : path
        The report's output folder (created if needed, and removed again if the block fails
        and leaves it empty). The staging folder is made beside it,
        named ``.<name>.partial-*``, or hidden inside it when its parent cannot be written or
        lies on another file system.

    Yields
    ------
    pathlib.Path
        The empty folder. Files moved out of it by :func:`publish` are kept; anything left is
        deleted with it.

    Examples
    --------
    >>> tmp = tempfile.TemporaryDirectory()
    >>> out = Path(tmp.name) / "report"
    >>> with staging_folder(out) as stage:
    ...     _ = (stage / "results.json").write_text("{}")
    ...     publish(stage, out)
    >>> sorted(p.name for p in out.iterdir())
    ['results.json']
    >>> tmp.cleanup()
    """
    out = Path(out_dir)
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=_staging_parent(out)))
    try:
        stage = root / _STAGED
        stage.mkdir()
        yield stage
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        if made:  # a run that failed leaves no output folder it made itself
            with contextlib.suppress(OSError):
                out.rmdir()  # only when empty
        raise
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and ``SIGTERM`` until the block ends, then deliver them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda s, _f: received.append(s)) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            # None: a handler set outside Python; the default is the nearest we can restore
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for number in dict.fromkeys(received):
            signal.raise_signal(number)


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def publish(stage: str | Path, out_dir: str | Path, *, replaces: Iterable[str] = ()) -> None:
    """Move every file of a staged report into ``out_dir`` as one step.

    Parameters
    ----------
    stage : path
        A folder from :func:`staging_folder` holding the complete report.
    out_dir : path
        Where the report goes (created if needed).
    replaces : iterable of str
        Names of files or folders in ``out_dir`` that belong to the previous report and go with
        it even when the new report has no file of that name (a PDF, a page named for a failed
        check). Entries of ``stage`` always replace their namesakes.

    Raises
    ------
    OSError
        If a file cannot be moved; the previous report is then back in place and the staged
        files are back in ``stage``.

    Notes
    -----
    The previous files are first moved aside into the staging folder, then the new ones in,
    then the old ones deleted with the staging folder. Ctrl-C and ``SIGTERM`` are held during
    the renames and delivered after them.
    """
    stage = Path(stage)
    out = Path(out_dir)
    names = sorted(p.name for p in stage.iterdir())
    old = sorted(n for n in {*names, *replaces} if _exists(out / n))
    aside = stage.parent / _PREVIOUS
    moved_old: list[str] = []
    moved_new: list[str] = []
    with _signals_held():
        try:
            out.mkdir(parents=True, exist_ok=True)
            aside.mkdir(exist_ok=True)
            for n in old:
                os.replace(out / n, aside / n)
                moved_old.append(n)
            for n in names:
                os.replace(stage / n, out / n)
                moved_new.append(n)
        except BaseException:
            undo = [(out / n, stage / n) for n in reversed(moved_new)]
            undo += [(aside / n, out / n) for n in reversed(moved_old)]
            for src, dst in undo:
                with contextlib.suppress(OSError):  # put back all that can be
                    os.replace(src, dst)
            raise


def record_status(results: str | Path, run_status: RunStatus, **extra: Any) -> None:
    """Write how the run ended into ``results.json`` as ``run_status`` (and any ``extra`` keys).

    A ``results.json`` that is not a JSON object is left as it is.

    Raises
    ------
    OptionError
        If ``run_status`` is not one of :data:`RUN_STATUSES`.
    """
    if run_status not in RUN_STATUSES:
        raise OptionError(f"run status must be one of {', '.join(map(repr, RUN_STATUSES))}; "
                          f"got {run_status!r}")
    path = Path(results)
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return
    data.update(extra)
    data["run_status"] = run_status
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


__all__ = ["RUN_STATUSES", "RunStatus", "publish", "record_status", "staging_folder"]
