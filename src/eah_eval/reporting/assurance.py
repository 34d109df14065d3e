"""The assurer's record (AQuA) every report carries, and its rendering.

Each report builds its record by its own rules (the impact report in
:mod:`eah_eval.reporting.impact.assurance`, the monitoring report in
:mod:`eah_eval.reporting.monitoring.assurance`) as a plain dictionary stored in
``results.json`` under ``assurance``:

``question``, ``decision_supported``
    The commissioning question and the decision the report supports.
``assumptions``
    ``[{"assumption", "checked"}]``: what the conclusions rest on and how it was checked.
``verification``
    ``[{"check", "test"}]``: what this version of the package passed (:data:`VERIFICATION`).
``limitations``
    ``[{"impact", "limitation"}]`` graded ``high``, ``medium`` or ``low`` by their impact on
    the decision, highest first (:func:`graded`).
``provenance``
    ``{"data_folder", "extract_date", "fingerprint"}``.
``sign_off``
    ``[{"role", "name", "date"}]`` for the four AQuA roles (:func:`sign_off`).

:func:`assurance_section` renders it beside the run record (:class:`~eah_eval.reporting.qa.
QARecord`), the same way in every report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from eah_eval.reporting.html import bullet_list, paragraph, section
from eah_eval.reporting.qa import QARecord
from eah_eval.reporting.tables import html_table

__all__ = [
    "IMPACT_ORDER",
    "ROLES",
    "VERIFICATION",
    "assurance_section",
    "check_dates",
    "graded",
    "sign_off",
]

#: What the package's own test suite verifies on every change (``make test``), with the test
#: file that does it. A version of the package that fails any of them does not pass CI.
VERIFICATION: tuple[tuple[str, str], ...] = (
    ("Group-time estimates and aggregations agree with R's did package on its published "
     "example data", "tests/did_core/test_reference_r_did.py"),
    ("Wild cluster bootstrap p-values and intervals agree with wildboottest",
     "tests/inference/test_wild.py"),
    ("Sensitivity bounds agree with R's HonestDiD", "tests/sensitivity/test_honest.py"),
    ("Control-chart limits and signals agree with NHSRplotthedots on every reference case",
     "tests/monitor/test_reference_nhsr.py"),
    ("Two-way fixed effects, Sun-Abraham and imputation agree with pyfixest",
     "tests/did_comparators/test_comparators_pyfixest.py"),
    ("The demo report's intervals contain the synthetic council's known true effects",
     "tests/reporting/test_demo_truth.py"),
    ("Every section of a written report agrees with results.json (the consistency check)",
     "tests/reporting/test_report.py"),
)

#: The AQuA roles in sign-off order.
ROLES: tuple[str, ...] = ("commissioner", "analyst", "assurer", "approver")
#: Limitation grades, highest impact on the decision first.
IMPACT_ORDER: tuple[str, ...] = ("high", "medium", "low")


def sign_off(params: Any) -> list[dict[str, str]]:
    """Return the sign-off rows (role, name, date) from a report's parameters.

    Parameters
    ----------
    params : object
        Report parameters with ``commissioner``, ``analyst``, ``assurer``, ``approver`` and
        ``<role>_date`` attributes (empty: not recorded).
    """
    return [{"role": r, "name": getattr(params, r) or "not recorded",
             "date": getattr(params, f"{r}_date") or "not recorded"} for r in ROLES]


def graded(limitations: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """Return limitations sorted by impact (high, medium, low), keeping their order within."""
    out = [dict(x) for x in limitations]
    out.sort(key=lambda x: IMPACT_ORDER.index(x["impact"]))
    return out


def assurer_record(
    params: Any,
    *,
    assumptions: Iterable[Mapping[str, str]],
    verification: Iterable[tuple[str, str]],
    limitations: Iterable[Mapping[str, str]],
    fingerprint: str,
) -> dict[str, Any]:
    """Return a report's assurer's record (the ``results.json`` ``assurance`` entry).

    Parameters
    ----------
    params : object
        Report parameters with ``question``, ``decision_supported``, ``data``,
        ``extract_date`` and the AQuA roles and dates (:func:`sign_off`).
    assumptions : iterable of mapping
        Each assumption and how it was checked.
    verification : iterable of (str, str)
        Each check and the test that makes it.
    limitations : iterable of mapping
        Each limitation with its ``impact`` grade; returned sorted by :func:`graded`.
    fingerprint : str
        The data fingerprint of the run.
    """
    return {
        "question": params.question,
        "decision_supported": params.decision_supported,
        "assumptions": [dict(a) for a in assumptions],
        "verification": [{"check": c, "test": t} for c, t in verification],
        "limitations": graded(limitations),
        "provenance": {
            "data_folder": str(params.data),
            "extract_date": params.extract_date or "not recorded",
            "fingerprint": fingerprint,
        },
        "sign_off": sign_off(params),
    }


#: The AQuA date parameters every report takes (extract and sign-off dates).
SIGN_OFF_DATES: tuple[str, ...] = ("extract_date", "commissioner_date", "analyst_date",
                                   "assurer_date", "approver_date")


def check_assurer(params: Any, error: type[Exception]) -> None:
    """Raise ``error`` when the assurer named is the analyst (AQuA keeps the roles apart).

    Parameters
    ----------
    params : object
        Report parameters with ``analyst`` and ``assurer``.
    error : type of Exception
        The report's parameter error class.
    """
    if params.analyst and params.assurer and params.analyst.strip() == params.assurer.strip():
        raise error("report parameter 'assurer' must not be the analyst (AQuA); "
                    f"both are {params.analyst!r}")


def check_dates(params: Any, names: Sequence[str], error: type[Exception]) -> None:
    """Raise ``error`` naming the parameter when a non-empty date is not ``YYYY-MM-DD``.

    Parameters
    ----------
    params : object
        Report parameters.
    names : sequence of str
        Attributes holding dates (empty strings are allowed: not recorded).
    error : type of Exception
        The report's parameter error class.
    """
    for name in names:
        value = getattr(params, name)
        if value:
            try:
                dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                raise error(
                    f"report parameter {name!r} must be a date YYYY-MM-DD; got {value!r}"
                ) from None


def assurance_section(
    record: Mapping[str, Any],
    qa: QARecord,
    *,
    provenance: Sequence[str] = (),
    run_note: str = "The full parameters are in results.json.",
    after: str = "",
) -> str:
    """Render the assurer's record (AQuA) and the run record as the QA section.

    Subsections: commissioning question and decision, assumptions log, verification
    performed, limitations by impact, data provenance, sign-off, run record.

    Parameters
    ----------
    record : mapping
        The assurer's record (module notes).
    qa : QARecord
        The run record (roles, versions, commit, fingerprint, seeds, run time).
    provenance : sequence of str
        Further data provenance lines, after the extract date and fingerprint.
    run_note : str
        Sentence after the library versions in the run record.
    after : str
        HTML placed at the end of the run record (e.g. the parameters table).

    Returns
    -------
    str
        A level-2 section with anchor ``qa``.
    """
    a = record
    d = qa.to_dict()
    rows = qa.display_rows()
    disp = pd.DataFrame({"Value": list(rows.values())}, index=pd.Index(rows, name="Item"))
    libs = ", ".join(f"{k} {v}" for k, v in d["versions"].items() if k not in ("eah-eval",))
    parts = [
        section("Commissioning question and decision",
                bullet_list([f"Question: {a['question']}",
                             f"Decision it supports: {a['decision_supported']}"]), level=3),
        section("Assumptions log", html_table(
            pd.DataFrame([{"Assumption": x["assumption"], "How it was checked": x["checked"]}
                          for x in a["assumptions"]]).set_index("Assumption"),
            caption="Assumptions the conclusions rest on", row_header="Assumption",
            numeric_columns=[]), level=3),
        section("Verification performed", paragraph(
            "This version of the package passed these checks before release (its test "
            "suite runs them on every change):") + bullet_list(
            [x["check"] + "." for x in a["verification"]]), level=3),
        section("Limitations, by impact on the decision", html_table(
            pd.DataFrame([{"Impact": x["impact"], "Limitation": x["limitation"]}
                          for x in a["limitations"]]).set_index("Impact"),
            caption="Limitations graded high, medium or low by their impact on the decision",
            row_header="Impact", numeric_columns=[]) if a["limitations"] else
            paragraph("No limitation met the grading rules."), level=3),
        section("Data provenance", bullet_list([
            f"Data extracted: {a['provenance']['extract_date']}",
            f"Data fingerprint (SHA-256): {a['provenance']['fingerprint'] or 'not available'}",
            *provenance]), level=3),
        section("Sign-off", html_table(
            pd.DataFrame([{"Role": x["role"].capitalize(), "Name": x["name"],
                           "Date": x["date"]} for x in a["sign_off"]]).set_index("Role"),
            caption="Sign-off (the assurer must not be the analyst)", row_header="Role",
            numeric_columns=[]), level=3),
        section("Run record", html_table(disp, caption="Run record", numeric_columns=[])
                + paragraph(f"Library versions: {libs}. {run_note}".rstrip()) + after,
                level=3),
    ]
    return section("Quality assurance record", "\n".join(parts), anchor="qa")
