"""`eah-eval measures compute --exclusion-calendar`: the choice reaches the measure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eah_eval.cli import main
from eah_eval.data.synthetic import write_council


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    write_council(out, seed=3, small=True)
    return out


def test_calendars_move_events_between_terms_not_the_year_total(
        tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames = {}
    for cal in ("dfe_exclusions", "standard"):
        out = tmp_path / f"{cal}.csv"
        status = main(["measures", "compute", str(tiny), "--measure", "suspension_rate",
                       "--level", "la", "--exclusion-calendar", cal, "--out", str(out)])
        assert status == 0
        err = capsys.readouterr().err
        assert f"suspension and exclusion terms = {cal}" in err
        frames[cal] = pd.read_csv(out)
    dfe, std = frames["dfe_exclusions"], frames["standard"]
    # the synthetic council has no August suspensions, so each academic year's total is equal
    year = lambda f: f.assign(ay=f["period"].str[:7]).groupby("ay")["numerator"].sum()  # noqa: E731
    pd.testing.assert_series_equal(year(dfe), year(std))


def test_unknown_calendar_is_refused(tiny: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["measures", "compute", str(tiny), "--measure", "suspension_rate",
              "--exclusion-calendar", "lunar", "--out", str(tmp_path / "x.csv")])
    assert exc.value.code == 2
    assert "invalid choice: 'lunar'" in capsys.readouterr().err
