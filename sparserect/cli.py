"""The `sparserect` command line: one sub-command per part of the package.

Each part registers its sub-commands from a small `_cli` module that imports
only `argparse` at start-up, so that `sparserect --help` stays fast; the heavy
imports (Keras, TensorFlow) happen inside the command that needs them.
"""

import argparse
import importlib
import logging
import os
import sys

# TensorFlow's C++ start-up notices (no GPU found, CPU features) are noise here.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Modules that define `register(subparsers)`; each adds its sub-commands and
# sets `func` (a callable taking the parsed arguments) on its parsers.
COMMAND_MODULES = (
    "sparserect.datasets._cli",
    "sparserect._export_cli",
    "sparserect.tuning._cli",
    "sparserect.reproduce._cli",
)


def build_parser():
    """Returns the argument parser with every part's sub-commands."""
    parser = argparse.ArgumentParser(
        prog="sparserect",
        description=(
            "Deep sparse rectifier networks (Glorot, Bordes & Bengio, 2011) "
            "in Keras 3."
        ),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug messages"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv=None):
    """Runs the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
