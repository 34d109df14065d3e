"""The AQuA quality-assurance record carried by every report.

Records the commissioner, analyst, assurer (never the analyst), approver, package and library
versions, the git commit of the code, the data fingerprint, the parameters, the seeds and the
run time. A report whose roles are not recorded says plainly that it has not been assured.
"""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from eah_eval.errors import OptionError

#: Distributions whose versions the QA record lists: every library that computes a published
#: number (measures: Ibis, DuckDB, sqlglot, pyarrow, and dateutil's Easter in the school terms;
#: estimates: numpy, pandas, scipy, linearmodels), then those that draw and run the report.
#: statsmodels is installed with linearmodels but only lays out its summary tables.
LIBRARIES: tuple[str, ...] = (
    "numpy", "pandas", "scipy", "linearmodels", "ibis-framework", "duckdb", "sqlglot",
    "pyarrow", "python-dateutil", "matplotlib", "papermill",
)

#: Engines a council may run the measures on instead of DuckDB (the ``spark`` and
#: ``postgres`` extras): listed when installed, as they then may have computed the measures.
OPTIONAL_LIBRARIES: tuple[str, ...] = ("pyspark", "psycopg")


def git_commit(start: Path | None = None) -> str:
    """Return the git commit of the code (with ``-dirty`` if changed), or a plain note."""
    here = start or Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if out.returncode != 0:
            return "not a git checkout (installed package)"
        commit = out.stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return commit + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "git not available"


def library_versions() -> dict[str, str]:
    """Versions of eah-eval, Python, :data:`LIBRARIES` and any installed optional engine."""
    out = {"python": platform.python_version()}
    for name in ("eah-eval", *LIBRARIES):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    for name in OPTIONAL_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


@dataclass(frozen=True)
class QARecord:
    """AQuA record of one report run."""

    commissioner: str
    analyst: str
    assurer: str
    approver: str
    data_fingerprint: str
    data_source: str
    parameters: dict[str, Any]
    seeds: dict[str, Any]
    started: str
    seconds: float
    versions: dict[str, str] = field(default_factory=library_versions)
    commit: str = field(default_factory=git_commit)

    def __post_init__(self) -> None:
        if self.analyst and self.assurer and self.analyst.strip() == self.assurer.strip():
            raise OptionError(f"the assurer must not be the analyst (AQuA); both {self.analyst!r}")

    @property
    def assured(self) -> bool:
        """Whether every role is recorded (and the assurer is not the analyst)."""
        return all((self.commissioner, self.analyst, self.assurer, self.approver))

    def display_rows(self) -> dict[str, str]:
        """Return the record as the rows of a QA table (item -> value, in words).

        One list of rows for every report, so that each prints the same record: roles,
        versions, code version, data fingerprint and source, seeds, run start and time.
        """
        return {
            "Commissioner": self.commissioner or "not recorded",
            "Analyst": self.analyst or "not recorded",
            "Assurer": self.assurer or "not recorded",
            "Approver": self.approver or "not recorded",
            "eah-eval version": self.versions.get("eah-eval", ""),
            "Python": self.versions.get("python", ""),
            "Code version (git commit)": self.commit,
            "Data fingerprint (SHA-256)": self.data_fingerprint or "not available",
            "Data source": self.data_source,
            "Seeds": ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.seeds.items())
            or "none",
            "Run started (UTC)": self.started,
            "Run time (seconds)": f"{self.seconds:.1f}",
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {
            "commissioner": self.commissioner,
            "analyst": self.analyst,
            "assurer": self.assurer,
            "approver": self.approver,
            "assured": self.assured,
            "data_fingerprint": self.data_fingerprint,
            "data_source": self.data_source,
            "parameters": self.parameters,
            "seeds": self.seeds,
            "started": self.started,
            "seconds": round(self.seconds, 2),
            "versions": self.versions,
            "git_commit": self.commit,
        }


def now_iso() -> str:
    """Return the current UTC time, ISO 8601, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
