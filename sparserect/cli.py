"""The `sparserect` command line: one sub-command per part of the package.

Each part registers its sub-commands from a small `_cli` module that imports
only `argparse` at start-up, so that `sparserect --help` stays fast; the heavy
imports (Keras, TensorFlow) happen inside the command that needs them.

A command prints its own output and nothing else: a mistake in its
arguments or inputs (a missing file, a value that does not fit the model,
the wrong Keras backend) ends it with one line on stderr and exit status 2,
and TensorFlow's start-up log is hidden. `-v` shows both, and the traceback.
"""

import argparse
import contextlib
import importlib
import importlib.util
import logging
import os
import sys
import tempfile
import traceback

# The errors that a command's arguments or inputs cause: the command stops
# with their message, without a traceback (unless -v).
USER_ERRORS = (ValueError, OSError, RuntimeError)

# Modules that define `register(subparsers)`; each adds its sub-commands and
# sets `func` (a callable taking the parsed arguments) on its parsers.
COMMAND_MODULES = (
    "sparserect.datasets._cli",
    "sparserect._export_cli",
    "sparserect.tuning._cli",
    "sparserect.reproduce._cli",
    "sparserect.report._cli",
)


def build_parser():
    """Returns the argument parser with every part's sub-commands."""
    parser = argparse.ArgumentParser(
        prog="sparserect",
        description="Deep sparse rectifier networks (Glorot, Bordes & Bengio, 2011) in Keras 3.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true",
        help="log debug messages, TensorFlow's log and the traceback of an error",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv=None):
    """Runs the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # The package's own messages; other libraries' only from warnings up (-v: info).
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    logging.getLogger("sparserect").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not args.verbose:
        _hide_tensorflow_log()
    try:
        return args.func(args) or 0
    except USER_ERRORS as error:
        if args.verbose:
            traceback.print_exc()
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{parser.prog} {args.command}: error: {message}", file=sys.stderr)
        return 2


def _hide_tensorflow_log():
    """Keeps TensorFlow's C++ log off the terminal, also the notices written while it loads.

    The first import of TensorFlow runs with stderr in a file, shown only if the import fails.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if (
        "tensorflow" not in sys.modules
        and not any(isinstance(finder, _QuietImportFinder) for finder in sys.meta_path)
        and importlib.util.find_spec("tensorflow")
    ):
        sys.meta_path.insert(0, _QuietImportFinder("tensorflow"))


class _QuietImportFinder:
    """Finds one top-level module (once) and loads it with stderr in a file."""

    def __init__(self, name):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader:
    """Wraps a module's loader: runs the module with stderr going to a file."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def exec_module(self, module):
        # The module keeps its own loader once it has run.
        module.__spec__.loader = module.__loader__ = self.loader
        with tempfile.TemporaryFile("w+") as log:
            try:
                with _stderr_to(log):
                    self.loader.exec_module(module)
            except BaseException:
                log.seek(0)
                sys.stderr.write(log.read())
                raise


@contextlib.contextmanager
def _stderr_to(file):
    """Sends the process's stderr (file descriptor 2, for C++ too) to `file`."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


if __name__ == "__main__":
    sys.exit(main())
