"""`eah-eval did` imports the group-time estimator and nothing of the other estimators.

The packages ``eah_eval.did`` and ``eah_eval.inference`` load each public name from its module
on first use (``eah_eval.lazy_exports``); these tests pin what ``eah-eval did`` imports and that
the public names still resolve as they did with eager imports. Start-up time itself is printed
by benchmarks/bench_did.py, never timed here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _modules_after(code: str) -> set[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_did_command_imports_only_what_it_runs():
    modules = _modules_after("from eah_eval.cli import build_parser; build_parser('did')")
    assert "eah_eval.did.attgt" in modules and "eah_eval.did.aggregate" in modules
    for heavy in ("scipy.stats", "scipy.sparse", "scipy.optimize", "eah_eval.inference.dispatch",
                  "eah_eval.did.twfe", "eah_eval.did.synthdid", "eah_eval.measures"):
        assert heavy not in modules, heavy


@pytest.mark.parametrize("package", ["eah_eval.did", "eah_eval.inference"])
def test_every_public_name_resolves(package):
    import importlib

    mod = importlib.import_module(package)
    for name in mod.__all__:
        value = getattr(mod, name)
        assert value is not None
        assert name in dir(mod)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = mod.nothing_here


def test_function_named_like_its_module_stays_the_function():
    # importing the submodule eah_eval.did.aggregate sets the package attribute of that name;
    # the package keeps the function, as eager imports did
    modules = _modules_after(
        "import eah_eval.did.aggregate, eah_eval.did.synthdid, eah_eval.inference.cr2\n"
        "import eah_eval.did as d, eah_eval.inference as i\n"
        "assert callable(d.aggregate) and d.aggregate.__module__ == 'eah_eval.did.aggregate'\n"
        "assert callable(d.synthdid) and callable(i.cr2)\n"
        "from eah_eval.did import aggregate, twfe\n"
        "assert aggregate is d.aggregate and callable(twfe)")
    assert "eah_eval.did.twfe" in modules


def test_did_json_run_imports_no_scipy(tmp_path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    g = np.repeat(rng.choice([0, 3, 4], 120), 5)
    t = np.tile(np.arange(1, 6), 120)
    pd.DataFrame({"id": np.repeat(np.arange(120), 5), "t": t, "g": g,
                  "y": rng.normal(size=600) + ((g > 0) & (t >= g))}).to_csv(
        tmp_path / "p.csv", index=False)
    modules = _modules_after(
        "import contextlib, io\nfrom eah_eval.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['did', '--data', {str(tmp_path / 'p.csv')!r}, '--outcome', 'y',"
        " '--unit', 'id', '--time', 't', '--cohort', 'g', '--json', '--bootstrap', '99',"
        " '--seed', '1']) == 0")
    assert not [m for m in modules if m.split(".")[0] == "scipy"]
