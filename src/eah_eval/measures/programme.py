"""Which schools Experts at Hand serves: the programme scope, one definition for every output.

Experts at Hand serves mainstream schools. A school's *setting* is read from its row of the
``schools`` table (for a school followed across URN changes, the row of its canonical URN):

* ``"special"`` when its phase is ``special`` or its establishment type is a special type
  (:data:`SPECIAL_TYPES`: LA, academy, non-maintained or independent special school);
* ``"alternative_provision"`` when its phase is ``alternative_provision`` or it is a pupil
  referral unit;
* otherwise its phase: ``nursery``, ``primary``, ``middle``, ``secondary`` or
  ``all_through``.

A :class:`ProgrammeScope` lists the settings served (default mainstream primary and secondary
schools). The same object is used by :func:`eah_eval.measures.rollout_panel` (estimation
panels keep served schools only), :func:`eah_eval.measures.compute` (charts and counts on the
same population when asked) and the synthetic council's truth, so estimates, counts and the
known true effects describe one population.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from eah_eval.errors import OptionError, OptionTypeError, check_option
from eah_eval.measures.engine import open_tables

Setting = Literal[
    "nursery", "primary", "middle", "secondary", "all_through", "special", "alternative_provision"
]
#: Every setting a school can have: the ``phase`` values of ``data_schema/schools.schema.json``.
SETTINGS: tuple[str, ...] = get_args(Setting)
#: Mainstream school phases (all-through and middle schools are mainstream too).
MAINSTREAM_PHASES: tuple[str, ...] = ("primary", "middle", "secondary", "all_through")
#: Phases served by default: mainstream primary and secondary schools.
DEFAULT_PHASES: tuple[str, ...] = ("primary", "secondary")

#: Establishment types that are special settings (placements, not served by default).
SPECIAL_TYPES: tuple[str, ...] = (
    "la_special",
    "academy_special",
    "non_maintained_special",
    "independent_special",
)
#: Establishment types that are alternative provision.
ALTERNATIVE_PROVISION_TYPES: tuple[str, ...] = ("pupil_referral_unit",)

#: Plural noun phrase of each setting, for sentences and exclusion reasons.
SETTING_TEXT: dict[str, str] = {
    "nursery": "nursery schools",
    "primary": "primary schools",
    "middle": "middle schools",
    "secondary": "secondary schools",
    "all_through": "all-through schools",
    "special": "special schools",
    "alternative_provision": "alternative provision (including pupil referral units)",
}
#: Setting of a school whose phase is none of :data:`SETTINGS` (never served).
UNKNOWN_SETTING = "unknown"
NOT_SERVED_PREFIX = "not served by the programme"

SETTING_RULE = (
    "a school's setting is read from the schools table (the canonical URN's row): special "
    "when its phase is special or its establishment type is a special school type, "
    "alternative provision when its phase is alternative_provision or it is a pupil referral "
    "unit, otherwise its phase"
)


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def not_served_reason(setting: str) -> str:
    """Exclusion reason for records of a school of ``setting`` outside the scope.

    Examples
    --------
    >>> not_served_reason("special")
    'not served by the programme (special schools)'
    """
    text = SETTING_TEXT.get(setting, "phase not recognised")
    return f"{NOT_SERVED_PREFIX} ({text})"


def school_settings(schools: pd.DataFrame) -> pd.Series:
    """Return the setting of each school of a schools table (see the module notes).

    Parameters
    ----------
    schools : pandas.DataFrame
        Rows of the ``schools`` table, with columns ``phase`` and ``establishment_type``.

    Returns
    -------
    pandas.Series
        One of :data:`SETTINGS` per row (``"unknown"`` for a phase outside the schema),
        indexed like ``schools``.

    Raises
    ------
    OptionError
        If ``schools`` lacks the ``phase`` or ``establishment_type`` column.
    """
    if not isinstance(schools, pd.DataFrame):
        raise OptionTypeError(
            f"schools must be a pandas DataFrame of the schools table; got "
            f"{type(schools).__name__}"
        )
    missing = [c for c in ("phase", "establishment_type") if c not in schools.columns]
    if missing:
        raise OptionError(
            f"the schools table needs the column(s) {', '.join(map(repr, missing))} to tell "
            f"which schools the programme serves; got columns "
            f"{', '.join(map(repr, map(str, schools.columns)))}"
        )
    phase = schools["phase"].astype(object).to_numpy()
    etype = schools["establishment_type"].astype(object).to_numpy()
    out = np.where(np.isin(phase, SETTINGS), phase, UNKNOWN_SETTING).astype(object)
    alternative = (phase == "alternative_provision") | np.isin(etype, ALTERNATIVE_PROVISION_TYPES)
    out[alternative] = "alternative_provision"
    out[(phase == "special") | np.isin(etype, SPECIAL_TYPES)] = "special"
    return pd.Series(out, index=schools.index, name="setting", dtype=object)


def setting_expr(phase: ir.StringValue, establishment_type: ir.StringValue) -> ir.StringValue:
    """Return the setting of each row as an Ibis expression (rule of :func:`school_settings`)."""
    special = (phase == "special") | establishment_type.isin(SPECIAL_TYPES)
    alternative = (phase == "alternative_provision") | establishment_type.isin(
        ALTERNATIVE_PROVISION_TYPES
    )
    return ibis.cases(
        (special, "special"),
        (alternative, "alternative_provision"),
        (phase.isin(SETTINGS), phase),
        else_=ibis.literal(UNKNOWN_SETTING),
    )


@dataclass(frozen=True)
class ProgrammeScope:
    """Which schools the programme serves (printed with every output that uses it).

    Parameters
    ----------
    phases : tuple of str
        Settings served, from ``"nursery"``, ``"primary"``, ``"middle"``, ``"secondary"``,
        ``"all_through"``, ``"special"`` and ``"alternative_provision"`` (the ``phase``
        values of the schools table; special and alternative provision are recognised by
        establishment type as well, see the module notes). Default mainstream primary and
        secondary schools. Stored in the schema's order without repeats.

    Raises
    ------
    OptionError
        For an unknown setting (the message lists the allowed ones) or an empty scope.
    OptionTypeError
        If ``phases`` is not a sequence of strings.

    Examples
    --------
    >>> scope = ProgrammeScope(phases=("special", "secondary", "primary"))
    >>> scope.phases
    ('primary', 'secondary', 'special')
    >>> scope.describe().split(";")[0]
    'Experts at Hand serves primary, secondary and special schools'
    """

    phases: tuple[str, ...] = DEFAULT_PHASES

    def __post_init__(self) -> None:
        value: Any = self.phases
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise OptionTypeError(
                f"phases must be a tuple of settings such as ('primary', 'secondary'); got "
                f"{type(value).__name__} {value!r}"
            )
        given = tuple(value)
        for p in given:
            check_option("phases", p, SETTINGS)
        if not given:
            raise OptionError(
                f"phases must name at least one setting served, from "
                f"{', '.join(map(repr, SETTINGS))}; got an empty tuple"
            )
        object.__setattr__(self, "phases", tuple(s for s in SETTINGS if s in given))

    @property
    def not_served(self) -> tuple[str, ...]:
        """Settings outside the scope, in the schema's order."""
        return tuple(s for s in SETTINGS if s not in self.phases)

    @property
    def is_default(self) -> bool:
        """True for the default scope (mainstream primary and secondary schools)."""
        return self.phases == DEFAULT_PHASES

    def serves(self, schools: pd.DataFrame) -> pd.Series:
        """Mark the schools of a schools table that the programme serves.

        Parameters
        ----------
        schools : pandas.DataFrame
            Rows of the ``schools`` table (columns ``phase`` and ``establishment_type``).
            To follow URN lineage, pass the rows of the canonical URNs.

        Returns
        -------
        pandas.Series of bool
            True for a served school, indexed like ``schools`` (so ``schools[scope.serves(
            schools)]`` keeps the served ones).

        Raises
        ------
        OptionError
            If a needed column is missing.
        """
        return school_settings(schools).isin(self.phases).rename("served")

    def served_expr(
        self, phase: ir.StringValue, establishment_type: ir.StringValue
    ) -> ir.BooleanValue:
        """Ibis expression: true where a row's school is served (same rule as :meth:`serves`)."""
        return setting_expr(phase, establishment_type).isin(self.phases)

    def reason_expr(
        self, phase: ir.StringValue, establishment_type: ir.StringValue
    ) -> ir.StringValue:
        """Ibis expression: the exclusion reason of a row whose school is not served, else null.

        Reasons are :func:`not_served_reason` of the school's setting, so row accounting says
        for example ``"not served by the programme (special schools)"``.
        """
        setting = setting_expr(phase, establishment_type)
        pairs = [(setting == s, not_served_reason(s)) for s in self.not_served]
        return ibis.cases(
            *pairs,
            (~setting.isin(self.phases), not_served_reason(UNKNOWN_SETTING)),
            else_=ibis.literal(None, type="string"),
        )

    def describe(self) -> str:
        """One sentence for reports: the settings served and those not served."""
        served = _join([SETTING_TEXT[s].removesuffix(" schools") for s in self.phases
                        if SETTING_TEXT[s].endswith(" schools")])
        others = [SETTING_TEXT[s] for s in self.phases if not SETTING_TEXT[s].endswith(" schools")]
        parts = ([f"{served} schools"] if served else []) + others
        sentence = f"Experts at Hand serves {_join(parts)}"
        if self.not_served:
            sentence += f"; not served: {_join([SETTING_TEXT[s] for s in self.not_served])}"
        return sentence + "."

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form: the settings served and not served, the sentence and the rule."""
        return {
            "phases": list(self.phases),
            "not_served": list(self.not_served),
            "description": self.describe(),
            "rule": SETTING_RULE,
        }


#: The default scope: mainstream primary and secondary schools.
DEFAULT_SCOPE = ProgrammeScope()


def check_scope(scope: object) -> ProgrammeScope | None:
    """Validate a ``scope`` argument: a :class:`ProgrammeScope` or None (every school).

    Raises
    ------
    OptionTypeError
        For anything else (the message says what was received).
    """
    if scope is None or isinstance(scope, ProgrammeScope):
        return scope
    raise OptionTypeError(
        "scope must be a ProgrammeScope (e.g. ProgrammeScope(phases=('primary', 'secondary')))"
        f" or None for every school; got {type(scope).__name__} {scope!r}"
    )


def school_scope(
    data: object,
    scope: ProgrammeScope | None = DEFAULT_SCOPE,
    *,
    lineage_rule: str = "chain_successors",
) -> pd.DataFrame:
    """List the council's schools once across URN changes, with setting and served flag.

    Use it for counts of schools served and not served that agree with the panels: a school
    that changed URN is one school, read from its canonical (latest) URN's row.

    Parameters
    ----------
    data : Council, dict of DataFrame, TableSet, str or Path
        The council's tables, as for :func:`eah_eval.measures.compute`.
    scope : ProgrammeScope or None
        Scope deciding ``served`` (None: every school is served).
    lineage_rule : {"chain_successors", "none"}
        URN lineage rule (as in :class:`eah_eval.measures.MeasureOptions`).

    Returns
    -------
    pandas.DataFrame
        One row per canonical URN, sorted by URN: the ``schools`` columns plus ``setting``,
        ``served`` (bool) and ``reason`` (:func:`not_served_reason`, empty when served).

    Raises
    ------
    OptionTypeError
        If ``scope`` is not a ProgrammeScope or None.
    """
    scope_ = check_scope(scope)
    ts = open_tables(data, lineage_rule=lineage_rule)
    schools = ts.raw("schools").to_pandas()
    canonical = set(ts.lineage.mapping["canonical_urn"].astype(str))
    keep = schools["urn"].astype(str).isin(canonical) if canonical else schools["urn"].notna()
    out = schools[keep].sort_values("urn", kind="stable").reset_index(drop=True)
    out["setting"] = school_settings(out)
    out["served"] = True if scope_ is None else scope_.serves(out).to_numpy()
    out["reason"] = [
        "" if ok else not_served_reason(str(s))
        for ok, s in zip(out["served"], out["setting"], strict=True)
    ]
    return out
