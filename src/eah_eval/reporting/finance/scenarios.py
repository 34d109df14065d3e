"""User-defined scenarios of the finance report, read from a YAML file named by a parameter.

The file holds a list of scenarios, each projected beside the built-in scenarios without and
with the programme (:class:`eah_eval.finance.Scenario`)::

    - name: more_maintained_special
      label: With the programme, and more maintained special school places
      base: with                      # or without (default with)
      new_plans_change: 0.0           # further relative change in new plans (-0.05 = 5% fewer)
      placement_shifts:               # changes of placement mix, applied in order
        - from_placement: independent_special
          to_placement: maintained_special
          share: 0.3                  # share of new placements moved, once phased in
          phase_in_years: 3           # optional (default 1)
          start_year: 2030            # optional financial year (default the first projected)

:func:`read_scenarios` refuses a file it cannot read, an unknown key or a value the model
refuses, naming the file, the scenario and the key, before any kernel starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eah_eval.errors import EahEvalError
from eah_eval.finance import PlacementShift, Scenario
from eah_eval.reporting.params import MAX_PARAMS_FILE_BYTES, ParameterError, safe_yaml

__all__ = ["SCENARIO_KEYS", "SHIFT_KEYS", "read_scenarios"]

#: Keys a scenario may have (``name`` and ``label`` are required).
SCENARIO_KEYS: tuple[str, ...] = ("name", "label", "base", "new_plans_change",
                                  "placement_shifts")
#: Keys a placement shift may have (``from_placement``, ``to_placement`` and ``share`` are
#: required).
SHIFT_KEYS: tuple[str, ...] = ("from_placement", "to_placement", "share", "phase_in_years",
                               "start_year")


def _keys(where: str, item: Any, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    if not isinstance(item, dict):
        raise ParameterError(f"{where} must be a mapping of {', '.join(allowed)}; got "
                             f"{type(item).__name__}")
    unknown = [str(k) for k in item if k not in allowed]
    if unknown:
        raise ParameterError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                             f"allowed: {', '.join(allowed)}")
    missing = [k for k in required if k not in item]
    if missing:
        raise ParameterError(f"{where}: missing {', '.join(map(repr, missing))}")


def read_scenarios(path: str | Path) -> tuple[Scenario, ...]:
    """Read the user-defined scenarios of a YAML file (module notes).

    Parameters
    ----------
    path : path
        The YAML file.

    Returns
    -------
    tuple of Scenario

    Raises
    ------
    ParameterError
        If the file is missing, too large, not UTF-8 YAML or not a list of scenarios, or a
        scenario has an unknown or missing key or a value the model refuses (the message
        names the file, the scenario and the key).
    """
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"scenario file not found: {p}")
    if p.stat().st_size > MAX_PARAMS_FILE_BYTES:
        raise ParameterError(f"scenario file {p} is larger than {MAX_PARAMS_FILE_BYTES:,} "
                             "bytes")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParameterError(f"scenario file {p} is not UTF-8 text") from None
    raw = safe_yaml(text, f"scenario file {p}")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ParameterError(f"scenario file {p} must hold a list of scenarios; got "
                             f"{type(raw).__name__}")
    out = []
    for i, item in enumerate(raw):
        where = f"scenario file {p}, scenario {i + 1}"
        _keys(where, item, SCENARIO_KEYS, ("name", "label"))
        where = f"scenario file {p}, scenario {item['name']!r}"
        shifts = []
        listed = item.get("placement_shifts") or []
        if not isinstance(listed, list):
            raise ParameterError(f"{where}: placement_shifts must be a list")
        for j, s in enumerate(listed):
            at = f"{where}, placement shift {j + 1}"
            _keys(at, s, SHIFT_KEYS, ("from_placement", "to_placement", "share"))
            try:
                shifts.append(PlacementShift(**s))
            except EahEvalError as exc:  # the model's check, said with where it was found
                raise ParameterError(f"{at}: {exc}") from None
        try:
            out.append(Scenario(name=item["name"], label=item["label"],
                                base=item.get("base", "with"),
                                placement_shifts=tuple(shifts),
                                new_plans_change=item.get("new_plans_change", 0.0)))
        except EahEvalError as exc:
            raise ParameterError(f"{where}: {exc}") from None
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise ParameterError(f"scenario file {p}: scenario names must be distinct; got {names}")
    return tuple(out)
