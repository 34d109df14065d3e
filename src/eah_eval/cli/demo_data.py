"""`eah-eval demo-data`: write the synthetic council as a data package and say what was written."""

from __future__ import annotations

import argparse
from typing import Any

from eah_eval.cli.output_paths import check_output_dir
from eah_eval.data.schema import TABLES, table_file_name
from eah_eval.data.synthetic import DEFAULT_SEED, make_council
from eah_eval.data.synthetic.national_council import write_national_for_council


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register the sub-command."""
    p = sub.add_parser(
        name,
        help=summary,
        description=(
            "Write a synthetic council whose true Experts at Hand effects are known: one CSV "
            "file per input table, truth.json (the true effects), datapackage.json and the "
            "table schemas, and national/ (a synthetic panel of the 149 other authorities, drawn "
            "to sit beside this council's own data, for the comparison with other areas; the "
            "report adds the council's own rows from its tables). The same seed gives the "
            "same bytes."
        ),
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (created)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--clusters", type=int, default=None, metavar="N",
                   help="number of locality clusters (default 10; 4 with --small)")
    p.add_argument("--schools", type=int, default=None, metavar="N",
                   help="number of schools (default 120; 12 with --small)")
    p.add_argument("--small", action="store_true",
                   help="a tiny council for quick tests (4 clusters, 12 schools)")
    p.add_argument("--null", action="store_true",
                   help="no programme effects (every true effect is zero)")
    p.add_argument("--no-national", action="store_true",
                   help="do not write national/, the synthetic panel of other authorities")


def run(args: argparse.Namespace) -> int:
    """Generate, write and list the files."""
    check_output_dir(args.out)
    council = make_council(
        args.seed,
        n_clusters=args.clusters,
        n_schools=args.schools,
        small=args.small,
        effects={} if args.null else None,
    )
    out = council.write(args.out)
    print(f"eah-eval demo-data: wrote a synthetic council (seed {args.seed}) to {out}")
    for table in TABLES:
        print(f"  {table_file_name(table):<22} {len(council.tables[table]):>9,} rows")
    print("  truth.json             true programme effects by measure, wave and event time")
    print("  datapackage.json       data-package descriptor, with the 12 *.schema.json files")
    simple = council.truth["measures"]
    shown = ", ".join(
        f"{k} {v['simple']:+.3g}" for k, v in simple.items() if v["simple"] is not None
    )
    print(f"  true 'simple' effects: {shown}")
    if not args.no_national:
        nat = write_national_for_council(council, out / "national")
        la_code, start = nat.parameters["la_code"], nat.parameters["start"]
        print(f"  national/              {nat.programme.shape[0] - 1} other authorities "
              f"({', '.join(nat.truth['measures'])}; seed {nat.seed}) for the comparison "
              f"with other areas, with its truth.json; the report adds this council ({la_code}, "
              f"from {start}) from its own tables")
    return 0
