"""Re-estimations shared over processes give the results of one process, bit for bit."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

from eah_eval import workers
from eah_eval.errors import OptionError
from eah_eval.inference import cs_simple_estimator
from eah_eval.inference.randomization import randomization_inference
from eah_eval.inference.restricted import wild_restricted


def _council(n_clusters: int = 9, seed: int = 3) -> pd.DataFrame:
    """Schools (3 per cluster) x 7 terms; waves at terms 3, 5 and never."""
    rng = np.random.default_rng(seed)
    waves = rng.permutation(np.array([(3, 5, 0)[c % 3] for c in range(n_clusters)]))
    unit = np.repeat(np.arange(3 * n_clusters), 7)
    cl = unit // 3
    t = np.tile(np.arange(1, 8), 3 * n_clusters)
    g = waves[cl]
    y = (rng.normal(size=unit.max() + 1)[unit] + 0.2 * t + rng.normal(size=unit.size)
         + 0.4 * ((g > 0) & (t >= g)))
    return pd.DataFrame({"unit": unit, "cl": cl, "t": t, "g": g, "y": y})


def _use_cores(monkeypatch: pytest.MonkeyPatch, cores: int) -> None:
    monkeypatch.setattr(workers, "available_cores", lambda: cores)


def test_ordered_map_keeps_order_and_sees_state_built_before() -> None:
    state = {"offset": 1000}  # built before the fork: the forked processes see it

    def f(x: int) -> tuple[int, int]:
        return x, x * x + state["offset"]

    items = list(range(50))
    assert workers.ordered_map(f, items, processes=2) == [f(x) for x in items]
    assert workers.ordered_map(f, items, processes=1) == [f(x) for x in items]
    assert workers.ordered_map(f, [], processes=2) == []
    # a short job stays here after its first, timed call; a long one is shared out
    for min_seconds in (1e9, 1e-9):
        assert workers.ordered_map(f, items, processes=2,
                                   min_seconds=min_seconds) == [f(x) for x in items]


def test_ordered_map_raises_the_error_of_a_call() -> None:
    def f(x: int) -> int:
        if x == 37:
            raise ValueError(f"bad item {x}")
        return x

    with pytest.raises(ValueError, match="bad item 37"):
        workers.ordered_map(f, list(range(60)), processes=2)


def test_randomisation_same_on_one_and_two_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    df = _council()
    est = cs_simple_estimator(outcome="y", unit="unit", time="t", cohort="g", cluster="cl",
                              control_group="not_yet_treated")
    out = []
    for cores in (1, 2):
        _use_cores(monkeypatch, cores)
        res = randomization_inference(df, lambda d: est(d)[0], outcome="y", time="t",
                                      cohort="g", cluster="cl", max_exact=50, draws=49,
                                      rng=11)
        out.append((res.estimate, res.pvalue, res.ci_low, res.ci_high))
    assert out[0] == out[1]


def test_wild_restricted_same_on_one_and_two_processes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    df = _council()
    est = cs_simple_estimator(outcome="y", unit="unit", time="t", cohort="g", cluster="cl",
                              control_group="not_yet_treated")
    out = []
    for cores in (1, 2):
        _use_cores(monkeypatch, cores)
        res = wild_restricted(df, est, outcome="y", unit="unit", time="t", cohort="g",
                              cluster="cl", draws=199, rng=4)
        out.append((res.estimates.tolist(), res.pvalues.tolist(), res.ci_low.tolist(),
                    res.ci_high.tolist()))
    assert out[0] == out[1]


def test_forked_call_maps_while_this_process_maps() -> None:
    # each process's own shared counters: the forked call's work does not take this one's
    def f(x: int) -> int:
        return 3 * x + 1

    items = list(range(80))
    run = workers.start_forked(lambda: workers.ordered_map(f, items, processes=2))
    here = workers.ordered_map(f, items, processes=2)
    assert run.result() == here == [f(x) for x in items]
    with pytest.raises(ValueError, match="from the fork"):
        workers.start_forked(lambda: int("from the fork")).result()


def test_a_forked_call_never_read_is_stopped() -> None:
    def slow() -> bytes:
        time.sleep(30)
        return b"x" * 1_000_000  # more than a pipe holds

    run = workers.start_forked(slow)
    proc = getattr(run, "_proc", None)
    del run  # the caller raised before reading it
    if proc is not None:  # forked (more than one core)
        proc.join(timeout=5)
        assert not proc.is_alive()


def test_cores_capped_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(workers.CORES_VARIABLE, "1")
    assert workers.available_cores() == 1
    pids = workers.ordered_map(lambda _: os.getpid(), list(range(40)))
    assert set(pids) == {os.getpid()}  # nothing forked
    monkeypatch.setenv(workers.CORES_VARIABLE, "two")
    with pytest.raises(OptionError, match=r"EAH_EVAL_CORES must be a whole number of at least "
                                          r"1 \(the most cores to use\); got 'two'"):
        workers.available_cores()
