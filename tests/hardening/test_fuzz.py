"""Property-based fuzzing of the loader and the command-line doors: no traceback, ever, and every
row read is either kept or excluded."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
from council_fixture import valid_frames, write_frames
from hardening_fixture import typed_frames, write_parquet
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from eah_eval.cli import main
from eah_eval.data.load import validate_council, validate_frames
from eah_eval.data.schema import TABLES, field_names
from eah_eval.errors import EahEvalError
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.monitoring.params import MonitoringReportParams
from eah_eval.reporting.params import build_params

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# text a careless or hostile file might hold: control characters, markup, formulas, numbers
# beyond int64, unicode direction overrides, long runs
cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "9223372036854775808", "1e20", "-1", "inf", "NaN", "=1+1", "@x",
                     "\u202eabc", "\x1b[31m", "2023-02-30", "9999-12-31", "0001-01-01",
                     "true", "J801200300000", "100002", "C1", "x" * 5000]),
)


def _balanced(report) -> None:
    acc = report.accounting
    assert (acc["rows_read"] == acc["rows_kept"] + acc["rows_excluded"]).all()
    assert (acc["rows_kept"] >= 0).all()


def _fresh(tmp_path: Path) -> Path:
    directory = tmp_path / "fuzz"
    if directory.exists():
        shutil.rmtree(directory)
    return write_frames(directory, valid_frames())


@FUZZ
@given(table=st.sampled_from(TABLES), rows=st.lists(st.lists(cell, min_size=0, max_size=14),
                                                     min_size=0, max_size=6),
       mode=st.sampled_from(["error", "exclude_rows"]))
def test_fuzzed_csv_rows_never_raise_and_rows_balance(tmp_path, table, rows, mode):
    directory = _fresh(tmp_path)
    header = ",".join(field_names(table))
    body = io.StringIO()
    pd.DataFrame(rows).to_csv(body, header=False, index=False)
    (directory / f"{table}.csv").write_text(header + "\n" + body.getvalue(), encoding="utf-8")
    report = validate_council(directory, on_problem=mode)
    _balanced(report)
    assert report.ok or report.problems


@FUZZ
@given(table=st.sampled_from(TABLES), data=st.binary(max_size=400))
def test_fuzzed_bytes_never_raise(tmp_path, table, data):
    directory = _fresh(tmp_path)
    (directory / f"{table}.csv").write_bytes(data)
    _balanced(validate_council(directory))


@FUZZ
@given(table=st.sampled_from(TABLES), column_index=st.integers(0, 20),
       values=st.one_of(*(st.lists(st.one_of(st.none(), kind), min_size=1, max_size=6)
                          for kind in (st.integers(-2**63, 2**64 - 1), st.floats(),
                                       st.booleans(), st.text(max_size=20), st.datetimes()))))
def test_fuzzed_parquet_columns_never_raise(tmp_path, table, column_index, values):
    frames = typed_frames()
    frame = frames[table]
    column = frame.columns[column_index % len(frame.columns)]
    fuzzed = pd.DataFrame({c: list(frame[c].iloc[:1]) * len(values) for c in frame.columns}
                          if len(frame) else {c: [None] * len(values) for c in frame.columns})
    fuzzed[column] = pd.Series(values, dtype=object)
    frames[table] = fuzzed.astype({column: object})
    directory = tmp_path / "pq"
    if directory.exists():
        shutil.rmtree(directory)
    try:
        write_parquet(directory, frames)
    except (TypeError, ValueError, OverflowError):  # pyarrow cannot store this column
        reject()
    _balanced(validate_council(directory, on_problem="exclude_rows"))


@FUZZ
@given(table=st.sampled_from(TABLES), values=st.lists(cell, min_size=1, max_size=5))
def test_fuzzed_frames_never_raise(table, values):
    frames = valid_frames()
    first = frames[table].columns[0]
    frames[table] = pd.concat(
        [frames[table], pd.DataFrame({first: values})], ignore_index=True).fillna("")
    _balanced(validate_frames(frames, on_problem="exclude_rows"))


# ------------------------------------------------------------------ the command-line doors


@FUZZ
@given(table=st.sampled_from(TABLES), rows=st.lists(st.lists(cell, max_size=12), max_size=4),
       extra=st.lists(st.sampled_from(["--on-problem", "exclude_rows", "--upn-policy",
                                       "pseudonymise", "--allow-symlinks"]), max_size=3))
def test_validate_door_never_raises(tmp_path, capsys, table, rows, extra):
    directory = _fresh(tmp_path)
    body = io.StringIO()
    pd.DataFrame(rows).to_csv(body, header=False, index=False)
    (directory / f"{table}.csv").write_text(
        ",".join(field_names(table)) + "\n" + body.getvalue(), encoding="utf-8")
    try:
        status = main(["validate", str(directory), *extra])
    except SystemExit as exc:  # argparse refusing the options: a usage line, no traceback
        status = int(exc.code or 0)
    assert status in (0, 1, 2)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "\x1b" not in captured.out + captured.err


@FUZZ
@given(values=st.lists(cell, min_size=1, max_size=8), chart=st.sampled_from(
    ["xmr", "p_prime", "u_prime", "bad"]), options=st.lists(st.sampled_from(
        ["--direction", "higher", "--target", "x", "--run-length", "6", "--fix-after", "-3",
         "--rebase", "1", "--json"]), max_size=4))
def test_spc_door_never_raises(tmp_path, capsys, values, chart, options):
    path = tmp_path / "series.csv"
    pd.DataFrame({"v": values, "d": values}).to_csv(path, index=False)
    try:
        status = main(["spc", str(path), "--value", "v", "--chart", chart, "--denominator", "d",
                       *options])
    except SystemExit as exc:
        status = int(exc.code or 0)
    assert status in (0, 1, 2)
    assert "Traceback" not in capsys.readouterr().err


@FUZZ
@given(outcome=st.lists(cell, min_size=24, max_size=24), method=st.sampled_from(
    ["analytic", "wild", "wcr", "randomization", "small_sample_t"]),
    seed=st.integers(-5, 2**64))
def test_did_door_never_raises(tmp_path, capsys, outcome, method, seed):
    rows = [(c * 10 + s, c, t, g) for c, g in {0: 3, 1: 0, 2: 3, 3: 0}.items()
            for s in range(2) for t in range(1, 4)]
    frame = pd.DataFrame(rows, columns=["unit", "cluster", "t", "g"]).assign(y=outcome)
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    try:
        status = main(["did", "--data", str(path), "--outcome", "y", "--unit", "unit", "--time",
                       "t", "--cohort", "g", "--cluster", "cluster", "--inference", method,
                       "--draws", "19", "--seed", str(seed), "--json"])
    except SystemExit as exc:
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    assert status in (0, 1, 2)
    assert "Traceback" not in captured.err
    if status == 0:
        json.loads(captured.out)


@FUZZ
@given(key=st.sampled_from(["clusters", "waves", "measures", "title", "disclosure_threshold",
                            "first_year", "seed", "audience", "nope", "run_length"]),
       value=st.one_of(cell, st.integers(), st.lists(cell, max_size=3)),
       schema=st.sampled_from([ReportParams, MonitoringReportParams]))
def test_report_parameters_fail_only_with_package_errors(key, value, schema):
    text = json.dumps(value) if not isinstance(value, str) else value
    try:
        build_params(schema, overrides={"data": "d"}, assignments=[f"{key}={text}"])
    except EahEvalError as exc:
        assert len(str(exc)) < 2000
