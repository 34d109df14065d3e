"""The measure catalogue, generated from the registry (never written by hand).

Run ``python -m eah_eval.measures.catalogue [--out docs/measures.md]`` or
``eah-eval measures catalogue --out docs/measures.md``. A test checks that the committed
``docs/measures.md`` equals :func:`render_markdown`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from eah_eval.measures.definitions import (
    EXCLUSION_PERIOD_TEXT,
    LEVEL_TEXT,
    PERIOD_TEXT,
    Measure,
    MeasureOptions,
)
from eah_eval.measures.registry import list_measures
from eah_eval.measures.rollout import RULE_TEXT

_DIRECTION = {
    "higher_better": "higher is better",
    "lower_better": "lower is better",
    "none": "no direction",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_measure(m: Measure) -> str:
    """Return the Markdown section of one measure."""
    lines = [
        f"## {m.title}",
        "",
        f"`{m.id}`: {m.description}",
        "",
        "| | |",
        "|---|---|",
        f"| Numerator | {_cell(m.numerator)} |",
        f"| Denominator | {_cell(m.denominator)} |",
        f"| Value | {_cell(_value_text(m))} |",
        f"| Period grains | {', '.join(f'`{p}`' for p in m.periods)} "
        f"(default `{m.default_period}`) |",
        f"| Calendar | {_cell(_calendar_text(m))} |",
        f"| Unit levels | {', '.join(f'`{lv}`' for lv in m.levels)} |",
        f"| Breakdowns | {', '.join(f'`{g}`' for g in m.groups) or 'none'} |",
        f"| Source tables | {', '.join(f'`{t}`' for t in m.source_tables)} |",
        f"| Direction | `{m.direction}`. {_cell(m.direction_reason)} |",
        f"| Minimum denominator to publish | {m.min_denominator} |",
        f"| Definition followed | {_cell(m.official_definition)} |",
    ]
    if m.notes:
        lines += ["", "Notes:", ""]
        lines += [f"- {note}" for note in m.notes]
    return "\n".join(lines) + "\n"


def _calendar_text(m: Measure) -> str:
    if not m.exclusion_terms:
        return "the package's standard calendar (see Conventions)"
    return (
        "DfE's exclusions calendar by default (terms as in the numerator); "
        "`MeasureOptions(exclusion_calendar=\"standard\")` uses the package's standard calendar"
    )


def _value_text(m: Measure) -> str:
    if m.statistic == "median":
        return f"median, in {m.unit_text}"
    if m.multiplier == 1.0:
        return f"numerator / denominator ({m.unit_text})"
    return f"numerator / denominator x {m.multiplier:,.0f} ({m.unit_text})"


def render_markdown() -> str:
    """Return the whole catalogue as Markdown."""
    measures = list_measures()
    defaults = MeasureOptions()
    out = [
        "# Measure catalogue",
        "",
        "<!-- Generated from eah_eval.measures.registry by `eah-eval measures catalogue`; "
        "do not edit by hand. -->",
        "",
        f"{len(measures)} measures. Each is computed by `eah_eval.measures.compute` (or "
        "`eah-eval measures compute`) for a unit level, a period grain and optionally a "
        "pupil-group breakdown, and returns a tidy table with `numerator`, `denominator` and "
        "`value`. Cluster, wave and LA values are ratios of sums over the unit's records, "
        "never averages of school values. A zero denominator gives an empty value.",
        "",
        "Conventions:",
        "",
    ]
    out += [f"- Level `{k}`: {v}." for k, v in LEVEL_TEXT.items()]
    out += [f"- Period `{k}`: {v}." for k, v in PERIOD_TEXT.items()]
    excl = [m.id for m in measures if m.exclusion_terms]
    out += [
        f"- Suspension and exclusion measures ({', '.join(f'`{i}`' for i in excl)}) place "
        "each suspension or permanent exclusion in a term by its start date on DfE's "
        "exclusions calendar by default, as DfE's statistics do: "
        + "; ".join(f"`{k}`: {v}" for k, v in EXCLUSION_PERIOD_TEXT.items())
        + ". The option `exclusion_calendar=\"standard\"` puts them on the standard calendar "
        "above. Rollout timing uses the standard calendar for every measure.",
    ]
    out += [
        "- Schools are followed across URN changes: every record is put on the canonical "
        "(latest) URN of its school before aggregation (predecessor->successor chains; "
        "splits are not chained). The rule is printed with every output.",
        "- Pupil groups (`sen_provision`, `primary_need`, `fsm`, `sex`, `ethnicity_group`) "
        "come from the January census; `phase` from the schools table; records without a "
        "January census match are grouped as `unknown`.",
        f"- Default options: {defaults.describe()}.",
        "- Rollout timing (`rollout_panel`): "
        + "; ".join(f"`{k}`: {v}" for k, v in RULE_TEXT.items())
        + ".",
        "",
        "| id | title | value | grain | levels | direction |",
        "|---|---|---|---|---|---|",
    ]
    for m in measures:
        out.append(
            f"| `{m.id}` | {_cell(m.title)} | {m.unit_text} | {m.default_period} | "
            f"{', '.join(m.levels)} | {_DIRECTION[m.direction]} |"
        )
    out.append("")
    for m in measures:
        out.append(render_measure(m))
    return "\n".join(out).rstrip("\n") + "\n"


def write_catalogue(path: str | Path) -> Path:
    """Write the catalogue to ``path`` and return it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_markdown(), encoding="utf-8")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """Write the catalogue (``--out``) or print it."""
    parser = argparse.ArgumentParser(description="Generate the measure catalogue (Markdown).")
    parser.add_argument("--out", help="file to write (default: print)")
    args = parser.parse_args(argv)
    if args.out:
        print(f"wrote {write_catalogue(args.out)}", file=sys.stderr)
    else:
        sys.stdout.write(render_markdown())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
