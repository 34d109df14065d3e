"""The measures give identical results on PostgreSQL (a council's warehouse) and on DuckDB.

The module starts its own throwaway PostgreSQL server in a temporary folder (Debian's
``postgresql`` package, installed by ``make test`` through ``scripts/ensure_postgres.sh``),
loads a small synthetic council through the validated loader (:func:`load_council`) into real
Postgres tables, and computes the measures there, as a council analyst would with
``open_tables({name: con.table(name) ...})``. PostgreSQL refuses to run as root, so under root
the server runs as the unprivileged ``postgres`` user (or ``nobody``). The server listens on
127.0.0.1 only, on a free port, and is stopped when the module ends.

The test is skipped, with the reason, only where the server programs or the Postgres driver
are not installed, or (outside CI) where the server cannot be started.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.data.load import load_council
from eah_eval.data.synthetic import write_council
from eah_eval.measures import REGISTRY, ProgrammeScope, compute, compute_many, open_tables

# About 50 s on 2 cores, mostly Ibis compiling the same expressions for both engines.
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

_DB = "eah"
_USER = "eah"


def _server_bin() -> Path | None:
    """Folder of initdb/pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unprivileged_user() -> pwd.struct_passwd | None:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    return None


class _Server:
    """A PostgreSQL server in a temporary folder, run as an unprivileged user under root."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="eah-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = _unprivileged_user()
            if user is None:
                raise RuntimeError("running as root and no unprivileged user to run PostgreSQL")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", user.pw_name, "--"]

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.prefix, *args], check=True, capture_output=True, text=True, timeout=120,
            cwd=self.root,
        )

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", _USER, "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -F "
            "-c shared_buffers=32MB -c max_connections=20"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o",
            options, "-w", "-t", "60", "start",
        )

    def log_tail(self) -> str:
        try:
            return self.log.read_text()[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                 "-w", "stop"],
                capture_output=True, timeout=60, cwd=self.root, check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)


def _skip_or_fail(reason: str) -> None:
    # in CI the server programs are installed by `make test`: a server that will not start
    # there is a failure, not a reason to skip
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def postgres() -> Iterator[object]:
    """An Ibis connection to a fresh database on a server this module started."""
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("the Postgres driver is not installed (pip install 'eah-eval[postgres]')")
    bindir = _server_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server programs (initdb, pg_ctl) not found; `make test` installs "
            "Debian's postgresql when run as root (scripts/ensure_postgres.sh), or: "
            "sudo apt-get install postgresql"
        )
    try:
        server = _Server(bindir)
    except RuntimeError as exc:
        pytest.skip(str(exc))
    try:
        server.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        server.stop()
        _skip_or_fail(f"could not start PostgreSQL from {bindir}: {exc}\n{detail}\n"
                      f"{server.log_tail()}")
    import ibis

    con = None
    try:
        deadline = time.monotonic() + 30
        while con is None:
            try:
                con = ibis.postgres.connect(
                    host="127.0.0.1", port=server.port, user=_USER, database="postgres"
                )
            except Exception:  # the server may still be opening connections
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        con.raw_sql(f"CREATE DATABASE {_DB}")
        con.disconnect()
        con = ibis.postgres.connect(host="127.0.0.1", port=server.port, user=_USER, database=_DB)
        yield con
    finally:
        if con is not None:
            con.disconnect()
        server.stop()


@pytest.fixture(scope="module")
def council(tmp_path_factory):  # type: ignore[no-untyped-def]
    data = write_council(
        tmp_path_factory.mktemp("pg-council"), seed=5, n_clusters=4, n_schools=16,
        start="2022/23", end="2025/26",
    )
    return load_council(data)


@pytest.fixture(scope="module")
def pg_tables(postgres, council):  # type: ignore[no-untyped-def]
    # a warehouse: the validated tables written once as real Postgres tables, then read back
    # as a council analyst would point the library at them
    for name, frame in council.tables.items():
        postgres.create_table(name, frame, overwrite=True)
    return open_tables({name: postgres.table(name) for name in council.tables})


@pytest.fixture(scope="module")
def duck_tables(council):  # type: ignore[no-untyped-def]
    return open_tables(council, engine="duckdb")


def _assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert len(a.frame) > 0, a.measure.id
    # every value to the last bit: counts are integers, and sums of hours, pounds and FTE
    # are exact decimal sums (measures.panel.SUM_PLACES), whatever order an engine adds in
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    pd.testing.assert_frame_equal(a.accounting, b.accounting)
    assert a.partial_periods == b.partial_periods, a.measure.id


def test_every_measure_identical_on_postgres_and_duckdb(  # type: ignore[no-untyped-def]
    pg_tables, duck_tables
) -> None:
    # every measure at school and LA level (cluster level in the test below): census,
    # statutory (EHC), attendance, exclusions, attainment and the Experts at Hand process,
    # workforce and cost measures
    assert pg_tables.engine == "postgres"
    compared = set()
    for level in ("school", "la"):
        ids = [mid for mid, m in REGISTRY.items() if level in m.levels]
        pg = compute_many(pg_tables, ids, level=level)
        duck = compute_many(duck_tables, ids, level=level)
        for mid in ids:
            assert pg[mid].engine == "postgres" and duck[mid].engine == "duckdb"
            _assert_same(duck[mid], pg[mid])
            compared.add(mid)
    assert compared == set(REGISTRY)
    # compute (one measure, one query) as well as the batch
    _assert_same(compute(duck_tables, "ehc_20wk_excl_exceptions_pct", level="la"),
                 compute(pg_tables, "ehc_20wk_excl_exceptions_pct", level="la"))


def test_batch_and_scope_identical_on_postgres_and_duckdb(  # type: ignore[no-untyped-def]
    pg_tables, duck_tables
) -> None:
    # census, statutory (EHC), attendance, exclusions and Experts at Hand process measures,
    # aggregated together per base relation, for the programme's schools
    ids = ["sen_support_pct", "ehc_requests_per_1000", "ehc_decided_within_6wk_pct",
           "absence_overall_pct", "absence_persistent_pct", "suspension_rate",
           "permanent_exclusion_rate", "eah_requests_per_school",
           "eah_median_days_to_triage", "eah_cost_per_expert_day"]
    scope = ProgrammeScope()
    duck = compute_many(duck_tables, ids, level="cluster", scope=scope)
    pg = compute_many(pg_tables, ids, level="cluster", scope=scope)
    for mid in ids:
        _assert_same(duck[mid], pg[mid])
        pd.testing.assert_frame_equal(duck[mid].not_served, pg[mid].not_served)
        assert duck[mid].coverage == pg[mid].coverage, mid


@pytest.mark.parametrize(
    ("mid", "level", "by"),
    [
        ("sen_support_pct", "cluster", "primary_need"),  # group from the census row
        ("absence_persistent_pct", "la", "fsm"),  # group joined from the January census
        ("suspension_rate", "cluster", "sen_provision"),
        ("eah_requests_per_school", "cluster", "phase"),  # school attribute
    ],
)
def test_breakdowns_identical_on_postgres_and_duckdb(  # type: ignore[no-untyped-def]
    pg_tables, duck_tables, mid, level, by
) -> None:
    _assert_same(
        compute(duck_tables, mid, level=level, by=by),
        compute(pg_tables, mid, level=level, by=by),
    )
