"""`sparserect report`: the results page, its plots and the generated blocks of the docs.

Reads every result file under RESULTS_DIR (experiments' runs/*.json and
benchmarks/*.json) and writes docs/results.md, docs/images/results/*.png and
each block between `<!-- sparserect report: NAME -->` and
`<!-- /sparserect report -->` in README.md and docs/*.md. With --check it
writes nothing and fails, naming the files and blocks, when any of them
differs from what the result files give.

Block names: table1-headline (Table 1 on MNIST and CIFAR-10, compact),
table1-DATASET (mnist, cifar10, nistp, norb, and any other data set run,
e.g. digits), figure3, softplus-sharpness, sentiment-ratings,
sentiment-amazon, sentiment-polarity, sparsity-target, tuning-fronts,
long-training, benchmarks (every benchmark file) and benchmark-FILE (one
file of results/benchmarks/, e.g. benchmark-digits_grid).
"""

import argparse
import sys


def _run(args):
    from sparserect import report

    if args.check:
        stale = report.check_report(args.results_dir, args.docs)
        if stale:
            print(
                "Out of date (run `sparserect report` to regenerate):\n"
                + "\n".join(f"  {line}" for line in stale),
                file=sys.stderr,
            )
            return 1
        print(f"{args.docs}/results.md and the generated blocks match the result files.")
        return 0
    for path in report.write_report(args.results_dir, args.docs):
        print(f"wrote {path}")
    return 0


def register(subparsers):
    """Adds `sparserect report`."""
    parser = subparsers.add_parser(
        "report",
        help="write docs/results.md and the generated tables of the docs from the result files",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "results_dir", nargs="?", default="results", metavar="RESULTS_DIR",
        help="the results folder (default: results)",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="write nothing; exit 1 when docs/results.md or a generated block is out of date",
    )
    parser.add_argument(
        "--docs", default="docs", metavar="DIR",
        help="the docs folder; README.md is read beside it (default: docs)",
    )
    parser.set_defaults(func=_run)
