"""`sparserect data list` and `sparserect data check`.

Nothing heavy is imported at start-up; the data set modules load when a
command runs.
"""

import sys


def register(subparsers):
    """Adds the `data` command and its sub-commands."""
    data = subparsers.add_parser("data", help="list and check the data sets")
    commands = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    data.set_defaults(func=lambda args: _usage(data))
    for name, func, help_text in (
        ("list", run_list, "what each data set needs, and whether it is present"),
        ("check", run_check, "load and validate every data set that is present"),
    ):
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument(
            "--data-dir",
            metavar="DIR",
            help="a folder searched first (before $SPARSERECT_DATA and the cache)",
        )
        parser.set_defaults(func=func)


def _usage(parser):
    parser.print_help(sys.stderr)
    return 2


def _state(entry, data_dir):
    """`"present (<layout>) in <folder>"`, `"present (bundled)"` or `"missing"`."""
    if not entry.layouts:
        return "present (bundled)"
    found = entry.locate(data_dir)
    if found is None:
        return "missing"
    return f"present ({found.layout.name}) in {next(iter(found.paths.values())).parent}"


def run_list(args):
    """Prints a table of the data sets: files needed, URL, present or not."""
    from sparserect.datasets import _files
    from sparserect.datasets.registry import REGISTRY

    out = sys.stdout
    out.write("Search path: " + ", ".join(map(str, _files.search_dirs(args.data_dir))) + "\n\n")
    for name, entry in REGISTRY.items():
        out.write(f"{name:14s} {_state(entry, args.data_dir)}\n    {entry.description}\n")
        for layout_entry in entry.layouts:
            names = ", ".join(f.name for f in layout_entry.files)
            if len(names) > 100:
                names = f"{layout_entry.files[0].name}, ... ({len(layout_entry.files)} files)"
            out.write(f"    needs ({layout_entry.name}): {names}\n")
        urls = list(dict.fromkeys(f.url for layout in entry.layouts for f in layout.files if f.url))
        if urls:
            base = urls[0] if len(urls) == 1 else urls[0].rsplit("/", 1)[0] + "/"
            out.write(f"    from: {base}\n")
    return 0


def run_check(args):
    """Loads each present data set; prints OK or the error; 1 if any fails."""
    import inspect
    import logging

    from sparserect.datasets.registry import REGISTRY

    logging.getLogger("sparserect.datasets").setLevel(logging.WARNING)
    out = sys.stdout
    failures = 0
    for name, entry in REGISTRY.items():
        if _state(entry, args.data_dir) == "missing":
            out.write(f"{name:14s} missing (skipped)\n")
            continue
        if name in ("mnist-p", "nistp"):
            out.write(f"{name:14s} uses the files of {entry.subdir} (checked there)\n")
            continue
        # uint8 images: a quarter of the memory of float32, and no conversion.
        kwargs = {"data_dir": args.data_dir, "download": False}
        if "dtype" in inspect.signature(entry.loader).parameters:
            kwargs["dtype"] = "uint8"
        try:
            dataset = entry.loader(**kwargs)
        except (OSError, ValueError) as error:
            failures += 1
            message = str(error).replace("\n", "\n" + " " * 15)
            out.write(f"{name:14s} ERROR {message}\n")
            continue
        out.write(f"{name:14s} OK    {dataset!r}\n")
    return 1 if failures else 0
