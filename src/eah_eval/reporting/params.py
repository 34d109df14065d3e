"""Typed parameter schemas for report notebooks, checked before any kernel starts.

A report's parameters are declared once, here, as a frozen dataclass. The runner turns the
user's YAML file and ``--set key=value`` pairs into that dataclass with :func:`parse_params`,
which stops with a message naming the parameter when one is unknown, missing or of the wrong
type. The notebook receives the validated values as one dictionary (``report_parameters``)
and rebuilds the dataclass, so no default is typed twice.

Other notebooks (for example the monitoring report) declare their own dataclass and reuse
:func:`parse_params`, :func:`params_to_dict` and the runner unchanged.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml

from eah_eval.errors import OptionError, OptionTypeError

Audience = Literal["board", "technical"]
Estimator = Literal["callaway_santanna", "imputation", "twfe", "sun_abraham"]
ComparisonGroup = Literal["not_yet_treated", "never_treated"]
InferenceMethod = Literal[
    "restricted_wild_bootstrap", "wild_cluster_bootstrap", "multiplier_bootstrap", "analytic"
]
DisclosureRule = Literal["threshold", "suppress_1_2"]
Level = Literal["school", "cluster"]

#: Default outcome measures of the impact report (ids in the measures registry).
DEFAULT_MEASURES: tuple[str, ...] = (
    "sen_support_pct",
    "ehc_plan_pct",
    "ehc_requests_per_1000",
    "absence_overall_pct",
    "absence_persistent_pct",
    "suspension_rate",
    "ks2_rwm_expected_pct",
)

P = TypeVar("P")


class ParameterError(OptionError):
    """A report parameter is unknown, missing or has a value outside its allowed set."""


class ParameterTypeError(OptionTypeError):
    """A report parameter has the wrong type."""


@dataclass(frozen=True)
class ReportParams:
    """Parameters of the governance impact report (``analyses/impact_report.ipynb``).

    Parameters
    ----------
    data : str
        Folder holding the council's input tables (one CSV per table). Required.
    title : str
        Report title.
    council : str
        Council name shown on the cover.
    measures : tuple of str
        Outcome measures to report, by registry id.
    comparison_group : {"not_yet_treated", "never_treated"}
        Comparison group for the group-time estimator.
    estimator : {"callaway_santanna", "imputation", "twfe", "sun_abraham"}
        Headline estimator (the others appear under robustness).
    inference : {"restricted_wild_bootstrap", "wild_cluster_bootstrap", "multiplier_bootstrap", \
"analytic"}
        Method for intervals. The default, ``restricted_wild_bootstrap`` (null imposed, interval
        by test inversion; :data:`eah_eval.inference.DEFAULT_FEW_CLUSTER_INFERENCE`), is the one
        whose 95% intervals kept 93-97% coverage at 8-12 clusters in the coverage study
        (docs/inference.md). ``wild_cluster_bootstrap`` (unrestricted score bootstrap),
        ``multiplier_bootstrap`` and ``analytic`` under-cover with so few clusters and are kept
        for comparison only.
    level : {"school", "cluster"}
        Unit of the estimation panel.
    first_year, last_year : str or None
        Academic years ``"YYYY/YY"`` bounding the analysis (inclusive); ``None`` = all.
    clusters : tuple of str
        Cluster ids to include; empty = all.
    waves : tuple of int
        Rollout waves to include; empty = all.
    subgroups : tuple of str
        Pupil characteristics for equality breakdowns (``fsm``, ``sen_need``, ``ethnicity``,
        ``sex``).
    disclosure_rule : {"threshold", "suppress_1_2"}
        Primary suppression rule.
    disclosure_threshold : int
        Smallest count shown under ``disclosure_rule="threshold"``.
    audience : {"board", "technical"}
        Board reports hide technical detail; technical ones add diagnostics.
    commissioner, analyst, assurer, approver : str
        AQuA roles. The assurer must not be the analyst. Empty = not recorded (the QA record
        then says the report has not been assured).
    seed : int
        Seed for every random draw (bootstrap), recorded in the output.
    bootstrap_reps : int
        Bootstrap replications.
    power_sims : int
        Simulated rollouts behind the minimum detectable effect of each measure (few, seeded
        with ``seed``, stated in the report; 0 switches the simulation off).
    randomization_measures : tuple of str
        Measures that get randomisation inference over rollout order as a robustness row
        (ids among ``measures``; others are ignored with a note).
    randomization_draws : int
        Assignments of clusters to waves sampled for randomisation inference (all of them are
        enumerated when there are no more than this).
    equality_measures : tuple of str
        Measures broken down by pupil group (``subgroups``) in the equality section.
    equality_min_pupils : int
        Fewest pupils of a group, on average per period, in every rollout wave for that
        group's change to be estimated; smaller groups are described, not estimated.
    alpha : float
        One minus the confidence level of intervals (0.05 gives 95% intervals).
    unit_costs : dict of str -> float
        Unit costs in pounds used by the value-for-money section, by name (stated in the
        report), for example ``{"ehc_needs_assessment": 6000.0}``.
    pdf : bool
        Also print a PDF of the HTML (needs headless Chromium).
    """

    data: str
    title: str = "Experts at Hand: impact report"
    council: str = "Synthetic council (demonstration data)"
    measures: tuple[str, ...] = DEFAULT_MEASURES
    comparison_group: ComparisonGroup = "not_yet_treated"
    estimator: Estimator = "callaway_santanna"
    inference: InferenceMethod = "restricted_wild_bootstrap"
    level: Level = "school"
    first_year: str | None = None
    last_year: str | None = None
    clusters: tuple[str, ...] = ()
    waves: tuple[int, ...] = ()
    subgroups: tuple[str, ...] = ("fsm", "sen_need", "ethnicity", "sex")
    disclosure_rule: DisclosureRule = "threshold"
    disclosure_threshold: int = 10
    audience: Audience = "board"
    commissioner: str = ""
    analyst: str = ""
    assurer: str = ""
    approver: str = ""
    seed: int = 20261130
    bootstrap_reps: int = 9999
    power_sims: int = 50
    randomization_measures: tuple[str, ...] = ("absence_persistent_pct",)
    randomization_draws: int = 199
    equality_measures: tuple[str, ...] = ("absence_persistent_pct", "suspension_rate")
    equality_min_pupils: int = 100
    alpha: float = 0.05
    unit_costs: dict[str, float] = field(
        default_factory=lambda: {"ehc_needs_assessment": 6000.0, "persistent_absence_case": 0.0}
    )
    pdf: bool = False

    def __post_init__(self) -> None:
        if self.analyst and self.assurer and self.analyst.strip() == self.assurer.strip():
            raise ParameterError(
                "report parameter 'assurer' must not be the analyst (AQuA); "
                f"both are {self.analyst!r}"
            )
        if not 0 < self.alpha < 1:
            raise ParameterError(f"report parameter 'alpha' must be in (0, 1); got {self.alpha}")
        if self.disclosure_threshold < 1:
            raise ParameterError(
                "report parameter 'disclosure_threshold' must be at least 1; got "
                f"{self.disclosure_threshold}"
            )
        if self.bootstrap_reps < 1:
            raise ParameterError(
                f"report parameter 'bootstrap_reps' must be positive; got {self.bootstrap_reps}"
            )
        if self.estimator != "callaway_santanna":
            raise ParameterError(
                "report parameter 'estimator': only 'callaway_santanna' is implemented as the "
                "headline estimator (imputation and two-way fixed effects are shown under "
                f"robustness); got {self.estimator!r}"
            )
        for name in ("power_sims", "randomization_draws", "equality_min_pupils"):
            if getattr(self, name) < 0:
                raise ParameterError(
                    f"report parameter {name!r} must not be negative; got {getattr(self, name)}"
                )
        for name in ("first_year", "last_year"):
            value = getattr(self, name)
            if value is not None:
                from eah_eval.data.periods import academic_year_start

                try:
                    academic_year_start(value)
                except OptionError as exc:
                    raise ParameterError(f"report parameter {name!r}: {exc}") from None
        bad = [s for s in self.subgroups if s not in ("fsm", "sen_need", "ethnicity", "sex")]
        if bad:
            raise ParameterError(
                "report parameter 'subgroups' allows 'fsm', 'sen_need', 'ethnicity', 'sex'; "
                f"got {bad}"
            )


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp))
    if origin is tuple:
        return f"a list of {_type_name(get_args(tp)[0])}"
    if origin is dict:
        k, v = get_args(tp)
        return f"a mapping of {_type_name(k)} to {_type_name(v)}"
    if tp is type(None):
        return "null"
    return getattr(tp, "__name__", str(tp))


def _coerce(name: str, value: Any, tp: Any) -> Any:
    """Check ``value`` against the annotation ``tp`` (YAML lists become tuples)."""
    origin = get_origin(tp)
    if origin is Literal:
        allowed = get_args(tp)
        if not isinstance(value, str):
            raise ParameterTypeError(
                f"report parameter {name!r} must be {_type_name(tp)}; "
                f"got {type(value).__name__} {value!r}"
            )
        if value not in allowed:
            raise ParameterError(
                f"report parameter {name!r} must be {_type_name(tp)}; got {value!r}"
            )
        return value
    if origin in (Union, types.UnionType):
        errors = []
        for option in get_args(tp):
            if option is type(None):
                if value is None:
                    return None
                continue
            try:
                return _coerce(name, value, option)
            except (ParameterError, ParameterTypeError) as exc:
                errors.append(exc)
        if errors and isinstance(errors[0], ParameterError):
            raise errors[0]
        raise ParameterTypeError(
            f"report parameter {name!r} must be {_type_name(tp)}; "
            f"got {type(value).__name__} {value!r}"
        )
    if origin is tuple:
        (item,) = get_args(tp)[:1]
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            raise ParameterTypeError(
                f"report parameter {name!r} must be {_type_name(tp)}; "
                f"got {type(value).__name__} {value!r}"
            )
        return tuple(_coerce(f"{name}[{i}]", v, item) for i, v in enumerate(value))
    if origin is dict:
        k_tp, v_tp = get_args(tp)
        if not isinstance(value, Mapping):
            raise ParameterTypeError(
                f"report parameter {name!r} must be {_type_name(tp)}; "
                f"got {type(value).__name__} {value!r}"
            )
        return {
            _coerce(f"{name} key", k, k_tp): _coerce(f"{name}[{k!r}]", v, v_tp)
            for k, v in value.items()
        }
    if tp is bool:
        if not isinstance(value, bool):
            raise ParameterTypeError(
                f"report parameter {name!r} must be bool; got {type(value).__name__} {value!r}"
            )
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterTypeError(
                f"report parameter {name!r} must be int; got {type(value).__name__} {value!r}"
            )
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterTypeError(
                f"report parameter {name!r} must be float; got {type(value).__name__} {value!r}"
            )
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ParameterTypeError(
                f"report parameter {name!r} must be str; got {type(value).__name__} {value!r}"
            )
        return value
    raise ParameterTypeError(f"report parameter {name!r}: unsupported annotation {tp!r}")


def _hints(schema: type[Any]) -> dict[str, Any]:
    module = __import__(schema.__module__, fromlist=["_"])
    return typing.get_type_hints(schema, globalns=vars(module))


def parse_params(schema: type[P], raw: Mapping[str, Any]) -> P:
    """Validate raw parameters against a parameter dataclass.

    Parameters
    ----------
    schema : dataclass type
        The parameter schema, e.g. :class:`ReportParams`.
    raw : mapping
        Parameter names and values (from YAML, ``--set`` or Python).

    Returns
    -------
    instance of ``schema``

    Raises
    ------
    ParameterError
        A parameter is unknown (the message suggests the closest name), missing, or has a
        value outside its allowed set.
    ParameterTypeError
        A parameter has the wrong type.
    """
    if not dataclasses.is_dataclass(schema):
        raise OptionTypeError(f"schema must be a dataclass type; got {schema!r}")
    if not isinstance(raw, Mapping):
        raise ParameterTypeError(
            f"report parameters must be a mapping of name to value; got {type(raw).__name__}"
        )
    fields = {f.name: f for f in dataclasses.fields(schema)}
    unknown = [k for k in raw if k not in fields]
    if unknown:
        hints = []
        for k in unknown:
            close = difflib.get_close_matches(str(k), list(fields), n=1)
            hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ParameterError(
            f"unknown report parameter(s): {', '.join(hints)}; allowed: {', '.join(fields)}"
        )
    missing = [
        name
        for name, f in fields.items()
        if name not in raw
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ParameterError(
            f"missing required report parameter(s): {', '.join(repr(m) for m in missing)}"
        )
    annotations = _hints(schema)
    values = {k: _coerce(k, v, annotations[k]) for k, v in raw.items()}
    return schema(**values)


def params_to_dict(params: Any) -> dict[str, Any]:
    """Return a JSON-ready dictionary of a parameter dataclass (tuples become lists)."""

    def plain(v: Any) -> Any:
        if isinstance(v, tuple | list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        return v

    return {f.name: plain(getattr(params, f.name)) for f in dataclasses.fields(params)}


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse one ``key=value`` pair from ``--set`` (the value is read as YAML).

    Examples
    --------
    >>> parse_assignment("waves=[1, 2]")
    ('waves', [1, 2])
    """
    if "=" not in text:
        raise ParameterError(f"--set expects key=value; got {text!r}")
    key, _, value = text.partition("=")
    key = key.strip()
    if not key:
        raise ParameterError(f"--set expects key=value; got {text!r}")
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError as exc:
        raise ParameterError(f"--set {key}: value is not valid YAML: {exc}") from None
    return key, parsed


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML parameter file (a mapping of parameter name to value)."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"parameter file not found: {p}")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(f"parameter file {p} is not valid YAML: {exc}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ParameterTypeError(
            f"parameter file {p} must hold a mapping of name to value; got {type(raw).__name__}"
        )
    return raw


def build_params(
    schema: type[P],
    *,
    file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    assignments: list[str] | None = None,
) -> P:
    """Combine a parameter file, explicit overrides and ``--set`` pairs, then validate.

    Later sources win: file, then ``overrides``, then ``assignments``.
    """
    raw: dict[str, Any] = {}
    if file is not None:
        raw.update(load_params_file(file))
    raw.update(overrides or {})
    for text in assignments or []:
        k, v = parse_assignment(text)
        raw[k] = v
    return parse_params(schema, raw)
