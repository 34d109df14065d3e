"""Typed parameter schemas for report notebooks, checked before any kernel starts.

Each report declares its parameters once, as a frozen dataclass in its own package (the
impact report in :mod:`eah_eval.reporting.impact.params`, the monitoring report in
:mod:`eah_eval.reporting.monitoring.params`); this module holds what they share. The runner
turns the user's YAML file and ``--set key=value`` pairs into that dataclass with
:func:`parse_params`, which stops with a message naming the parameter when one is unknown,
missing or of the wrong type. The notebook receives the validated values, one name per
parameter, and rebuilds the dataclass (:mod:`eah_eval.reporting.notebook`). What users read
about the parameters (``--list-params``, the notebook's parameters cell) comes from the
schema too: :func:`describe_parameters` takes each one's help from the schema's docstring.

"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import re
import reprlib
import textwrap
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml

from eah_eval.errors import OptionError, OptionTypeError

#: Who a report is written for (every report shares this vocabulary).
Audience = Literal["board", "technical"]
#: Primary disclosure rule (see :class:`eah_eval.reporting.suppression.DisclosurePolicy`).
DisclosureRule = Literal["threshold", "suppress_1_2"]

P = TypeVar("P")

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

#: A parameter dataclass.
D = TypeVar("D", bound="DataclassInstance")


class ParameterError(OptionError):
    """A report parameter is unknown, missing or has a value outside its allowed set."""


class ParameterTypeError(OptionTypeError):
    """A report parameter has the wrong type."""


def describe_type(tp: Any) -> str:
    """Say in words what a parameter annotation allows (``"a list of str"``, ``"one of ..."``).

    Examples
    --------
    >>> describe_type(tuple[str, ...])
    'a list of str'
    """
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(describe_type(a) for a in get_args(tp))
    if origin is tuple:
        return f"a list of {describe_type(get_args(tp)[0])}"
    if origin is dict:
        k, v = get_args(tp)
        return f"a mapping of {describe_type(k)} to {describe_type(v)}"
    if tp is type(None):
        return "null"
    return getattr(tp, "__name__", str(tp))


#: Largest parameter file read (bytes).
MAX_PARAMS_FILE_BYTES = 1_000_000
#: Most values a parameter file or ``--set`` value may hold once YAML aliases are expanded.
MAX_PARAMS_VALUES = 100_000
#: Characters of a parameter value shown in a message before it is cut (its size is given).
SHOWN_CHARS = 60

_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = SHOWN_CHARS
_SHORT_REPR.maxother = SHOWN_CHARS
_SHORT_REPR.maxlevel = 2
_SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = _SHORT_REPR.maxdict = 6


def shown(value: Any) -> str:
    """Return a parameter value for a message: bounded, with its size when it was cut.

    Examples
    --------
    >>> shown("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (100 characters)"
    """
    if isinstance(value, str):
        text = repr(value)
        if len(value) <= SHOWN_CHARS:
            return text
        return f"{value[:SHOWN_CHARS - 4] + '...'!r} ({len(value):,} characters)"
    text = _SHORT_REPR.repr(value)
    if isinstance(value, list | tuple | dict) and "..." in text:
        return f"{text} ({len(value):,} items at the top level)"
    return text


def _expanded_size(value: Any, limit: int) -> int:
    """Count the values of parsed YAML as if aliases were copied; stop once above ``limit``."""
    sizes: dict[int, int] = {}

    def size(v: Any) -> int:
        if not isinstance(v, list | dict):
            return 1
        key = id(v)
        if key not in sizes:
            sizes[key] = limit + 1  # a value that contains itself is unbounded
            items = list(v.keys()) + list(v.values()) if isinstance(v, dict) else v
            total = 1
            for item in items:
                total += size(item)
                if total > limit:
                    break
            sizes[key] = total
        return sizes[key]

    return size(value)


def safe_yaml(text: str, source: str) -> Any:
    """Parse YAML text (safe tags only) and refuse alias expansion beyond a bound.

    Parameters
    ----------
    text : str
        The YAML text.
    source : str
        Where it came from, for messages (a file name or ``--set key``).

    Raises
    ------
    ParameterError
        If the text is not valid YAML or its aliases expand to more than
        :data:`MAX_PARAMS_VALUES` values.
    """
    try:
        value = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date, 0000-00-00
        first = " ".join(str(exc).split())[:200]
        raise ParameterError(f"{source} is not valid YAML: {first}") from None
    if _expanded_size(value, MAX_PARAMS_VALUES) > MAX_PARAMS_VALUES:
        raise ParameterError(
            f"{source} expands to more than {MAX_PARAMS_VALUES:,} values once its YAML aliases "
            "(*name) are copied; write the values out, or use fewer aliases"
        )
    return value


def _coerce(name: str, value: Any, tp: Any) -> Any:
    """Check ``value`` against the annotation ``tp`` (YAML lists become tuples)."""
    origin = get_origin(tp)
    if origin is Literal:
        allowed = get_args(tp)
        if not isinstance(value, str):
            raise ParameterTypeError(
                f"report parameter {name!r} must be {describe_type(tp)}; "
                f"got {type(value).__name__} {shown(value)}"
            )
        if value not in allowed:
            raise ParameterError(
                f"report parameter {name!r} must be {describe_type(tp)}; got {shown(value)}"
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
            f"report parameter {name!r} must be {describe_type(tp)}; "
            f"got {type(value).__name__} {shown(value)}"
        )
    if origin is tuple:
        (item,) = get_args(tp)[:1]
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            raise ParameterTypeError(
                f"report parameter {name!r} must be {describe_type(tp)}; "
                f"got {type(value).__name__} {shown(value)}"
            )
        return tuple(_coerce(f"{name}[{i}]", v, item) for i, v in enumerate(value))
    if origin is dict:
        k_tp, v_tp = get_args(tp)
        if not isinstance(value, Mapping):
            raise ParameterTypeError(
                f"report parameter {name!r} must be {describe_type(tp)}; "
                f"got {type(value).__name__} {shown(value)}"
            )
        return {
            _coerce(f"{name} key", k, k_tp): _coerce(f"{name}[{k!r}]", v, v_tp)
            for k, v in value.items()
        }
    if tp is bool:
        if not isinstance(value, bool):
            raise ParameterTypeError(
                f"report parameter {name!r} must be bool; got {type(value).__name__} {shown(value)}"
            )
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterTypeError(
                f"report parameter {name!r} must be int; got {type(value).__name__} {shown(value)}"
            )
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterTypeError(
                f"report parameter {name!r} must be float; "
                f"got {type(value).__name__} {shown(value)}"
            )
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ParameterTypeError(
                f"report parameter {name!r} must be str; got {type(value).__name__} {shown(value)}"
            )
        return value
    raise ParameterTypeError(f"report parameter {name!r}: unsupported annotation {tp!r}")


def schema_annotations(schema: type[Any]) -> dict[str, Any]:
    """Return a parameter dataclass's resolved annotations, inherited ones included.

    Each annotation is resolved in the namespace of the module declaring the class that
    declares it, so a schema may extend another module's schema without importing its names.
    """
    return typing.get_type_hints(schema)


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
    annotations = schema_annotations(schema)
    values = {k: _coerce(k, v, annotations[k]) for k, v in raw.items()}
    return schema(**values)


def plain_value(value: Any) -> Any:
    """Return a parameter value as plain JSON-ready data (tuples become lists)."""
    if isinstance(value, tuple | list):
        return [plain_value(x) for x in value]
    if isinstance(value, dict):
        return {str(k): plain_value(x) for k, x in value.items()}
    return value


def params_to_dict(params: Any) -> dict[str, Any]:
    """Return a JSON-ready dictionary of a parameter dataclass (tuples become lists)."""
    return {f.name: plain_value(getattr(params, f.name)) for f in dataclasses.fields(params)}


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
    parsed = safe_yaml(value, f"--set {key}: the value") if value.strip() else ""
    return key, parsed


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML parameter file (a mapping of parameter name to value).

    The file must be UTF-8 text of at most :data:`MAX_PARAMS_FILE_BYTES` bytes whose YAML
    aliases expand to at most :data:`MAX_PARAMS_VALUES` values.
    """
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"parameter file not found: {p}")
    size = p.stat().st_size
    if size > MAX_PARAMS_FILE_BYTES:
        raise ParameterError(
            f"parameter file {p} is {size:,} bytes; at most {MAX_PARAMS_FILE_BYTES:,} are read"
        )
    data = p.read_bytes()[: MAX_PARAMS_FILE_BYTES + 1]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(
            f"parameter file {p} is not UTF-8 text (byte {exc.start} is not UTF-8); save it "
            "as UTF-8"
        ) from None
    raw = safe_yaml(text, f"parameter file {p}")
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


# ---------------------------------------------------------------------------------------------
# Paths among the parameters

#: Parameters that are file or folder paths, unless a schema names its own in a class attribute
#: ``path_parameters``.
PATH_PARAMETERS: tuple[str, ...] = ("data",)


def path_parameters(schema: type[Any]) -> tuple[str, ...]:
    """Names of the parameters of ``schema`` that are file or folder paths.

    A schema lists them in a class attribute ``path_parameters``; without one, only ``data``
    (:data:`PATH_PARAMETERS`).
    """
    names: tuple[str, ...] = getattr(schema, "path_parameters", PATH_PARAMETERS)
    return names


def resolve_paths(schema: type[Any], values: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """Return ``values`` with each relative path parameter made absolute from ``base``.

    Parameters
    ----------
    schema : dataclass type
        The parameter schema (see :func:`path_parameters`).
    values : mapping
        Parameter names and values; values that are not strings (``None``) are kept.
    base : path
        Folder a relative path is read from.

    Examples
    --------
    >>> from pathlib import Path
    >>> from eah_eval.reporting.impact.params import ReportParams
    >>> resolve_paths(ReportParams, {"data": "council"}, Path("/work"))["data"]
    '/work/council'
    """
    out = dict(values)
    for name in path_parameters(schema):
        value = out.get(name)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            out[name] = str((base / value).resolve())
    return out


def with_absolute_paths(params: D, base: Path) -> D:
    """Return the parameter dataclass ``params`` with its relative paths made absolute.

    The same rule as :func:`resolve_paths`, for a validated parameter object: what a report
    run uses once the working directory may change (papermill changes it while the kernel
    starts).
    """
    names = path_parameters(type(params))
    return dataclasses.replace(params, **resolve_paths(
        type(params), {name: getattr(params, name) for name in names}, base))


# ---------------------------------------------------------------------------------------------
# The schema as users read it: name, type, default, one line of help


@dataclass(frozen=True)
class ParameterDoc:
    """One report parameter as users see it.

    Attributes
    ----------
    name : str
        Parameter name.
    annotation : type
        Its resolved annotation on the schema.
    required : bool
        Whether it has no default.
    default : object
        The default as a plain value (tuples as lists); ``None`` when required.
    help : str
        One line: the first sentence of its description in the schema's docstring.
    """

    name: str
    annotation: Any
    required: bool
    default: Any
    help: str

    @property
    def type_text(self) -> str:
        """The type in words (see :func:`describe_type`)."""
        return describe_type(self.annotation)


_SECTION_RULE = re.compile(r"^-{3,}$")
_ENTRY = re.compile(r"^(?P<names>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*:")
_ROLE = re.compile(r":[\w:]+:`~?([^`]+)`")


def _one_line(text: str) -> str:
    """Return the first sentence of a description, reST markup removed, on one line."""
    text = " ".join(text.split())
    text = _ROLE.sub(r"\1", text).replace("``", "")
    text = re.sub(r"\*([^*]+)\*", r"\1", text)
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "." and depth == 0 and (i + 1 == len(text) or text[i + 1] == " "):
            return text[: i + 1]
    return text


def _docstring_parameters(cls: type[Any]) -> dict[str, str]:
    """Parameter name -> description, from the numpydoc ``Parameters`` section of a class."""
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    out: dict[str, str] = {}
    start = next(
        (i + 2 for i, line in enumerate(lines[:-1])
         if line.strip() == "Parameters" and _SECTION_RULE.match(lines[i + 1].strip())),
        None,
    )
    if start is None:
        return out
    names: list[str] = []
    body: list[str] = []
    for i in range(start, len(lines) + 1):
        line = lines[i] if i < len(lines) else ""
        ends = i == len(lines) or (i + 1 < len(lines) and _SECTION_RULE.match(lines[i + 1]))
        entry = _ENTRY.match(line) if not line.startswith(" ") else None
        if ends or entry:
            for n in names:
                out.setdefault(n, _one_line(" ".join(body)))
            names, body = [], []
        if ends:
            break
        if entry:
            names = [n.strip() for n in entry.group("names").split(",")]
        elif names:
            body.append(line)
    return out


def describe_parameters(schema: type[Any]) -> tuple[ParameterDoc, ...]:
    """Describe every parameter of a schema: type, default and one line of help.

    The help is the first sentence of the parameter's entry under ``Parameters`` in the
    docstring of the schema or of the class declaring it, so a parameter is documented once.

    Parameters
    ----------
    schema : dataclass type
        The parameter schema, e.g. :class:`eah_eval.reporting.impact.params.ReportParams`.

    Returns
    -------
    tuple of ParameterDoc
        In the order of the dataclass fields.

    Raises
    ------
    OptionTypeError
        If ``schema`` is not a dataclass.
    OptionError
        If a parameter has no entry in any docstring of the schema's classes.
    """
    if not dataclasses.is_dataclass(schema) or not isinstance(schema, type):
        raise OptionTypeError(f"schema must be a dataclass type; got {schema!r}")
    docs: dict[str, str] = {}
    for cls in schema.__mro__:
        for name, text in _docstring_parameters(cls).items():
            docs.setdefault(name, text)
    annotations = schema_annotations(schema)
    out = []
    for f in dataclasses.fields(schema):
        if not docs.get(f.name):
            raise OptionError(
                f"parameter {f.name!r} of {schema.__name__} has no description under "
                "'Parameters' in the docstring of its class; add one line there"
            )
        if f.default is not dataclasses.MISSING:
            default, required = f.default, False
        elif f.default_factory is not dataclasses.MISSING:
            default, required = f.default_factory(), False
        else:
            default, required = None, True
        out.append(ParameterDoc(f.name, annotations[f.name], required, plain_value(default),
                                docs[f.name]))
    return tuple(out)


def yaml_value(value: Any) -> str:
    """Write a plain parameter value as YAML flow text, as ``--set`` and parameter files take it.

    Examples
    --------
    >>> yaml_value({"a": [1, None], "b": "it's"})
    "{a: [1, null], b: 'it''s'}"
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in value.items()) + "}"
    text = str(value).replace("'", "''")
    return f"'{text}'"


def format_parameters(schema: type[Any], *, width: int = 96) -> str:
    """Write the parameter list printed by ``eah-eval report --list-params`` (and ``monitor``).

    Each parameter gets a line with its name, type and default (as YAML, ready for a parameter
    file or ``--set``) and its help below, indented and wrapped at ``width``.
    """
    lines = []
    for p in describe_parameters(schema):
        default = "required" if p.required else f"default {yaml_value(p.default)}"
        lines.append(f"{p.name}: {p.type_text}; {default}")
        lines.append(textwrap.fill(p.help, width, initial_indent="    ",
                                   subsequent_indent="    ", break_on_hyphens=False))
    return "\n".join(lines)
