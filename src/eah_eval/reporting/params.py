"""Typed parameter schemas for report notebooks, checked before any kernel starts.

Each report declares its parameters once, as a frozen dataclass in its own package (the
impact report in :mod:`eah_eval.reporting.impact.params`, the monitoring report in
:mod:`eah_eval.reporting.monitoring.params`); this module holds what they share. The runner
turns the user's YAML file and ``--set key=value`` pairs into that dataclass with
:func:`parse_params`, which stops with a message naming the parameter when one is unknown,
missing or of the wrong type. The notebook receives the validated values as one dictionary
(``report_parameters``) and rebuilds the dataclass, so no default is typed twice.

"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml

from eah_eval.errors import OptionError, OptionTypeError

#: Who a report is written for (every report shares this vocabulary).
Audience = Literal["board", "technical"]
#: Primary disclosure rule (see :class:`eah_eval.reporting.suppression.DisclosurePolicy`).
DisclosureRule = Literal["threshold", "suppress_1_2"]

P = TypeVar("P")


class ParameterError(OptionError):
    """A report parameter is unknown, missing or has a value outside its allowed set."""


class ParameterTypeError(OptionTypeError):
    """A report parameter has the wrong type."""


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
