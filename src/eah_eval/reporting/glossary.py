"""Plain words for a board: the glossary, abbreviations expanded at first use, code names banned.

Both reports use these so they read alike: :data:`GLOSSARY` holds every abbreviation and term
a board reader meets; :func:`expand_abbreviations` writes each abbreviation in full the first
time it appears in the document's text (``education, health and care (EHC)``) and marks every
use with ``<abbr title=...>``; :func:`code_identifiers` finds code names (``snake_case``
tokens, ``code`` elements) in the visible text, which the board-audience check refuses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

#: Abbreviations: short form -> full form (expanded at first use).
ABBREVIATIONS: dict[str, str] = {
    "SEND": "special educational needs and disabilities",
    "SEN": "special educational needs",
    "EHC": "education, health and care",
    "KS2": "Key Stage 2",
    "FSM": "free school meals",
    "FTE": "full-time equivalent",
    "EEF": "Education Endowment Foundation",
    "AQuA": "Analytical Quality Assurance",
    "DfE": "Department for Education",
    "URN": "unique reference number",
    "MDC": "Making Data Count",
    "DSG": "Dedicated Schools Grant",
}

#: Terms explained in the glossary (term -> explanation), abbreviations included.
GLOSSARY: dict[str, str] = {
    **{f"{k} ({v})": "" for k, v in ABBREVIATIONS.items()},
    "Cluster": "A group of neighbouring schools that started Experts at Hand together.",
    "Wave": "The clusters that went live on the same date.",
    "Go-live": "The date a cluster started receiving Experts at Hand.",
    "Comparison cluster": "A cluster that had not started yet, whose schools show what "
    "would probably have happened without the programme.",
    "Difference-in-differences": "The change in clusters after they started, minus the "
    "change over the same years in clusters that had not started yet.",
    "Range (interval)": "The values the change could plausibly take, given the data (a 95% "
    "interval). A result is clear when the whole range is on one side of zero.",
    "Best estimate": "The single most likely value of the change, in the middle of the range.",
    "Smallest detectable change": "The size of change this design would find 8 times in 10; "
    "smaller changes could have gone unseen.",
    "Evidence window": "The years in which a comparison cluster still existed, so a change "
    "could be estimated.",
    "Percentage points": "The difference between two percentages (from 12% to 10% is a fall "
    "of 2 percentage points).",
    "40/160 yardstick": "The planned expert time: 40 expert days a year for a primary school "
    "and 160 for a secondary school.",
    "Persistent absence": "Missing 10% or more of possible school sessions.",
    "Confidence grade": "How far the design can be trusted to show what the programme "
    "caused: high, moderate, low or very low, from the EEF padlock scale.",
    "Padlocks": "The EEF's 0-5 scale of how secure a finding is.",
    "Suppressed (c)": "A number hidden because it is about too few people to publish safely.",
}

#: Input tables in words (board text never shows a file or table name).
TABLE_NAMES: dict[str, str] = {
    "schools": "school",
    "school_links": "school link",
    "clusters": "cluster",
    "pupil_census": "school census",
    "attendance": "attendance",
    "suspensions": "suspension",
    "ehc_requests": "EHC request",
    "eah_requests": "Experts at Hand request",
    "eah_activity": "Experts at Hand activity",
    "workforce": "workforce",
    "attainment": "KS2 attainment",
    "finance": "finance",
    "ehc_plans": "education, health and care plan caseload",
    "high_needs_costs": "high-needs unit cost",
    "high_needs_income": "High Needs Block income",
    "programme_budget": "programme budget",
    "population": "population",
}


def table_words(name: str) -> str:
    """Return an input table's name in words (``pupil_census`` -> ``school census``)."""
    return TABLE_NAMES.get(name, words(name))


_FILE = r"[a-z][a-z0-9_]*\.(?:csv|parquet)"
_DATA_FILES = re.compile(rf"(?:\bthe tables? )?({_FILE}(?:(?:, | and ){_FILE})*)")


def file_words(text: str) -> str:
    """Name data files in a message as tables in words, for a board.

    A list of files becomes one phrase (``the A, B and C tables``).

    Examples
    --------
    >>> file_words("needs high_needs_costs.csv, high_needs_income.csv (see the guide)")
    'needs the high-needs unit cost and High Needs Block income tables (see the guide)'
    """
    def repl(m: re.Match[str]) -> str:
        names = [table_words(n) for n in re.findall(r"([a-z][a-z0-9_]*)\.(?:csv|parquet)",
                                                     m.group(1))]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"the {joined} table{'s' if len(names) > 1 else ''}"

    return _DATA_FILES.sub(repl, text)


def sources_words(names: Sequence[str]) -> str:
    """Return source tables in words, joined with "and" (``"school census and school"``)."""
    parts = list(dict.fromkeys(table_words(n) for n in names))
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def words(code: str) -> str:
    """Return a code name as words (``bootstrap_reps`` -> ``bootstrap reps``)."""
    return str(code).replace("_", " ")


#: Pupil groups in words, the same in every report (codes as the measures layer returns them).
GROUP_LABEL: dict[str, str] = {
    "fsm": "Eligible for free school meals",
    "not_fsm": "Not eligible for free school meals",
    "K": "Pupils with SEN support",
    "E": "Pupils with an EHC plan",
    "N": "Pupils with no identified SEN",
    "F": "Girls",
    "M": "Boys",
    "primary": "Primary schools",
    "secondary": "Secondary schools",
    # Primary need (DfE codes, school census).
    "ASD": "Autistic spectrum disorder",
    "HI": "Hearing impairment",
    "MLD": "Moderate learning difficulty",
    "MSI": "Multi-sensory impairment",
    "NSA": "SEN support without a specialist assessment",
    "OTH": "Other difficulty or disability",
    "PD": "Physical disability",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "SLD": "Severe learning difficulty",
    "SPLD": "Specific learning difficulty",
    "VI": "Visual impairment",
    "none": "No identified special educational need",
}


def group_label(group: object) -> str:
    """Plain label of a pupil group code (the same words as the monitoring report)."""
    text = str(group)
    if text in GROUP_LABEL:
        return GROUP_LABEL[text]
    if text.upper() in GROUP_LABEL:
        return GROUP_LABEL[text.upper()]
    if text.lower() == "none":
        return GROUP_LABEL["none"]
    return text.replace("_", " ").capitalize()


_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_TAG = re.compile(r"(<[^>]+>)")
_SKIP_ELEMENTS = ("script", "style", "abbr", "title", "code", "pre")


def glossary_entries() -> list[tuple[str, str]]:
    """Return the glossary as (term, explanation) pairs, sorted by term."""
    out = []
    for term, text in GLOSSARY.items():
        if not text:
            short = term.split(" (")[0]
            text = f"Short for {ABBREVIATIONS[short]}."
        out.append((term, text))
    return sorted(out, key=lambda t: t[0].lower())


def expand_abbreviations(html: str) -> str:
    """Expand each abbreviation at its first use in the text and mark every use.

    Only text between tags is changed (never attributes, scripts, styles or code).
    """
    seen: set[str] = set()
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len,
                                                        reverse=True)) + r")\b")
    depth = {name: 0 for name in _SKIP_ELEMENTS}
    out = []
    for piece in _TAG.split(html):
        if piece.startswith("<"):
            m = re.match(r"<(/?)([a-zA-Z0-9]+)", piece)
            if m and m.group(2).lower() in depth:
                depth[m.group(2).lower()] += -1 if m.group(1) else 1
            out.append(piece)
            continue
        if any(depth.values()) or not piece.strip():
            out.append(piece)
            continue

        def repl(m: re.Match[str]) -> str:
            short = m.group(1)
            full = escape(ABBREVIATIONS[short], quote=True)
            if short in seen:
                return f'<abbr title="{full}">{short}</abbr>'
            seen.add(short)
            text = m.string
            if text[m.start() - 1:m.start()] == "(" and text[m.end():m.end() + 1] == ")":
                return f'{full}, <abbr title="{full}">{short}</abbr>'
            return f'{full} (<abbr title="{full}">{short}</abbr>)'

        out.append(pattern.sub(repl, piece))
    return "".join(out)


def expand_abbreviations_in(parts: Sequence[str]) -> list[str]:
    """Expand abbreviations at their first use across a report's sections, in reading order.

    Each part is one section's HTML; an abbreviation is written in full the first time it
    appears in any of them (:func:`expand_abbreviations`), and marked at every use.
    """
    marker = "<!--eah-section-break-->"
    return expand_abbreviations(marker.join(parts)).split(marker)


def normalise_abbreviations(text: str) -> str:
    """Undo :func:`expand_abbreviations` in plain text (``full (SHORT)`` -> ``SHORT``).

    Also joins runs of white space, so text read from HTML compares with the text it was
    written from.
    """
    out = " ".join(text.split())
    for short, full in ABBREVIATIONS.items():
        out = out.replace(f"{full} ( {short} )", short).replace(f"{full} ({short})", short)
        out = out.replace(f"{full}, {short}", short).replace(f"{full},  {short}", short)
        out = out.replace(f"( {short} )", f"({short})").replace(f" {short} ", f" {short} ")
    return out


def visible_text(html: str) -> str:
    """Return the text a reader sees (no scripts, styles or tags)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.get_text(" ")


def code_identifiers(html: str) -> list[str]:
    """Return code names a board reader would see: ``snake_case`` tokens, ``code`` elements.

    Words that are file paths (holding a slash or backslash) are left out: a data folder is
    the user's name for it.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    found = [f"<code>{c.get_text()}</code>" for c in soup.find_all(["code", "pre"])]
    # A file path (the data folder in the assurance record) is the user's, not a code name.
    words_seen = [w for w in visible_text(html).split() if "/" not in w and "\\" not in w]
    found += sorted({t for w in words_seen for t in _SNAKE.findall(w)})
    return found
