"""Hand a loaded council from one process to another, so its data are validated once.

The impact report's runner loads and validates the council's data in its own process (to
check the report's parameters against them while the Jupyter kernel starts); the report,
inside the kernel, would then load and validate the same files again. Instead the runner
writes the validated :class:`~eah_eval.data.load.Council` to a snapshot file in a private
temporary folder and names it to the kernel in the environment variable
:data:`SNAPSHOT_ENV`; :func:`handed_over` reads it there.

A snapshot is used only for the folder it was made from, and only while that folder is as it
was when the load began: the same regular files with the same sizes and modification times
(:func:`folder_state`). Otherwise, or when the options of the load differ, it is ignored and
the data are loaded as usual, so a snapshot can never give a report other data than a fresh
load would.

The snapshot is a pickle: it is read only from the file the runner itself wrote into a
folder only this user can read, never from a user's data folder.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import types
from pathlib import Path
from typing import Any

from eah_eval.data.load import Council, load_council

__all__ = ["SNAPSHOT_ENV", "folder_state", "handed_over", "load_and_snapshot", "read_snapshot"]

logger = logging.getLogger(__name__)

#: Environment variable naming the snapshot file a report's kernel may read.
SNAPSHOT_ENV = "EAH_EVAL_COUNCIL_SNAPSHOT"

#: Format of the snapshot; a snapshot of another format is ignored.
_FORMAT = 1

FolderState = tuple[tuple[str, int, int], ...]


def folder_state(data_dir: str | Path) -> FolderState:
    """Name, size and modification time (ns) of each regular file directly in ``data_dir``."""
    state = []
    with os.scandir(data_dir) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                state.append((entry.name, st.st_size, st.st_mtime_ns))
    return tuple(sorted(state))


def load_and_snapshot(data_dir: str | Path, file: str | Path) -> Council:
    """Load and validate a data folder and write the council to a snapshot file.

    The load is :func:`~eah_eval.data.load.load_council` with its default options.

    Parameters
    ----------
    data_dir : path
        The council's data folder.
    file : path
        Where the snapshot is written (its folder must exist).

    Returns
    -------
    Council
        The loaded council.

    Raises
    ------
    DataValidationError, DataFileNotFoundError
        As :func:`~eah_eval.data.load.load_council` (no snapshot is written).
    """
    source = Path(data_dir).resolve()
    state = folder_state(source)  # before reading: a file changed during the load shows
    council = load_council(data_dir)
    fields = {f.name: getattr(council, f.name) for f in dataclasses.fields(council)}
    fields["tables"] = dict(council.tables)
    payload = {"format": _FORMAT, "source": str(source), "state": state, "council": fields}
    target = Path(file)
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as fh:
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(target)
    return council


def read_snapshot(file: str | Path, data_dir: str | Path) -> Council | None:
    """Return the council in the snapshot ``file`` if it stands for ``data_dir`` as it is now.

    Returns
    -------
    Council or None
        ``None`` (with the reason logged) when the snapshot was made from another folder, by
        another format, with options other than the defaults, or when the folder's files have
        changed since.
    """
    with Path(file).open("rb") as fh:
        payload: dict[str, Any] = pickle.load(fh)  # the runner's own file (module notes)
    source = Path(data_dir).resolve()
    why = ""
    if payload.get("format") != _FORMAT:
        why = f"it has format {payload.get('format')!r}, not {_FORMAT}"
    elif payload["source"] != str(source):
        why = f"it was made from {payload['source']}"
    elif payload["state"] != folder_state(source):
        why = "the folder's files have changed since it was made"
    else:
        fields = dict(payload["council"])
        if (fields["upn_policy"], fields["on_problem"]) != ("refuse", "error"):
            why = "it was loaded with other options"
    if why:
        logger.info("not using the council snapshot %s for %s: %s", file, source, why)
        return None
    fields["tables"] = types.MappingProxyType(fields["tables"])
    fields["source"] = Path(data_dir)
    return Council(**fields)


def handed_over(data_dir: str | Path) -> Council | None:
    """Return the council of ``data_dir`` handed over by the report runner, if there is one.

    Reads the snapshot named by :data:`SNAPSHOT_ENV` (see :func:`read_snapshot`); ``None``
    when the variable is unset, its file does not exist, or the snapshot does not stand for
    ``data_dir`` as it is now.
    """
    file = os.environ.get(SNAPSHOT_ENV, "")
    if not file or not Path(file).is_file():
        return None
    council = read_snapshot(file, data_dir)
    if council is not None:
        logger.debug("council of %s taken from the runner's snapshot %s", data_dir, file)
    return council
