"""Check an output path before any work starts, so a bad ``--out`` costs one line, not a run.

An output folder or file that cannot be written (it is a file, lies under a file, or its folder
cannot be created or written) raises :class:`~eah_eval.errors.OutputPathError` naming the
option, the path and the reason. The output folder is created here, as the run would.
"""

from __future__ import annotations

import os
from pathlib import Path

from eah_eval.errors import OutputPathError


def _blocking_file(path: Path) -> Path | None:
    """Return the first existing ancestor of ``path`` that is not a folder, if any."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def _writable_folder(folder: Path, option: str, shown: Path) -> None:
    """Create ``folder`` (as the run would) and check that it can be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(
            f"{option} {shown}: cannot create folder {folder} "
            f"({exc.strerror or type(exc).__name__})"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {shown}: cannot write there (folder {folder} is not "
                              "writable)")


def check_output_dir(path: str | Path, option: str = "--out") -> Path:
    """Return ``path`` as an output folder that can be created or written, or raise.

    Raises
    ------
    OutputPathError
        If ``path`` is an existing file, lies under a file, or its folder is not writable.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"{option} {out} is a file; give a folder for the output")
    blocking = _blocking_file(out)
    if blocking is not None:
        raise OutputPathError(f"{option} {out} is under {blocking}, which is a file, not a folder")
    _writable_folder(out, option, out)
    return out


def check_output_file(path: str | Path, option: str = "--out") -> Path:
    """Return ``path`` as an output file that can be written, or raise.

    Raises
    ------
    OutputPathError
        If ``path`` is a folder, lies under a file, or cannot be written.
    """
    out = Path(path)
    if out.is_dir():
        raise OutputPathError(f"{option} {out} is a folder; give a file name")
    blocking = _blocking_file(out)
    if blocking is not None:
        raise OutputPathError(f"{option} {out} is under {blocking}, which is a file, not a folder")
    if out.exists() and not os.access(out, os.W_OK):
        raise OutputPathError(f"{option} {out}: cannot write there (the file is read-only)")
    _writable_folder(out.parent, option, out)
    return out
