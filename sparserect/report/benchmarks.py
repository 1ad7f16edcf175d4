"""A benchmark's result file as a section: its machine and versions, its numbers and rows.

The load average that a benchmark records beside its timings stays in its
result file: the docs describe the machine, not its state at one moment.
"""

import math

import pandas as pd

from sparserect.report import plots
from sparserect.report.tables import Section
from sparserect.report.tables import regenerate
from sparserect.reproduce.results import markdown_table

# The most rows of a benchmark's list shown.
BENCHMARK_ROWS = 30
# The Keras backends a benchmark file may hold one run of each.
BACKENDS = ("jax", "tensorflow", "torch")
# The keys that describe the machine, in the order shown.
MACHINE = ("machine", "platform", "processor", "cpu_count", "cpus")
# The libraries whose versions a benchmark's environment may record.
LIBRARIES = ("python", "sparserect", "keras", "backend", "tensorflow", "jax", "numpy")
# The benchmarks drawn as a plot: `{file stem: draw(data, path)}`.
PLOTS = {"sparse_inference": plots.plot_sparse_inference}


def _scalars(data, prefix=""):
    """Flattens nested dicts to `{"a.b": value}` for scalars and short lists of scalars."""
    flat = {}
    for name, value in data.items():
        path = f"{prefix}{name}"
        if "load" in str(name).lower():  # load averages stay in the result file
            continue
        if isinstance(value, dict):
            flat.update(_scalars(value, f"{path}."))
        elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            flat[path] = ", ".join(_value(v) for v in value)
        elif not isinstance(value, list):
            flat[path] = _value(value)
    return flat


def _value(value):
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f"{value:.4g}"
    return "" if value is None else str(value)


def benchmark_section(name, data):
    """One benchmark file: its machine and versions, its numbers and its rows.

    A file with one run per Keras backend (`{"jax": {...}, "tensorflow": {...}}`)
    shows each run in turn.
    """
    if data and set(data) <= set(BACKENDS) and all(isinstance(v, dict) for v in data.values()):
        runs = [(backend, benchmark_section(name, data[backend])) for backend in sorted(data)]

        def render_runs(docs_prefix):
            return "\n".join(
                f"On the {backend} backend:\n\n{section.render(docs_prefix)}" for backend, section in runs
            )

        return Section(f"benchmark-{name}", f"Benchmark: {name}", render_runs)
    environment = data.get("environment") if isinstance(data.get("environment"), dict) else {}
    context = {**environment, **data}
    if isinstance(data.get("machine"), dict):
        context.update(data["machine"])
    versions = context.get("versions") or {
        k: context[k] for k in LIBRARIES if isinstance(context.get(k), str)
    }
    machine = [
        _value(context[k]) + (" CPUs" if k in ("cpu_count", "cpus") else "") for k in MACHINE
        if k in context and not isinstance(context[k], (dict, list)) and _value(context[k])
    ]
    shown = {
        k: v for k, v in data.items()
        if k not in ("environment", "versions", "machine", *MACHINE)
        and not (k in LIBRARIES and isinstance(v, str))
    }
    rows = [
        value for value in data.values()
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value)
    ]

    def render(docs_prefix):
        text = (
            f"Machine: {', '.join(machine) or 'not recorded'}. "
            "Versions: "
            + (", ".join(f"{k} {v}" for k, v in versions.items()) if isinstance(versions, dict)
               else str(versions) or "not recorded")
            + ".\n\n"
        )
        flat = _scalars(shown)
        if flat:
            text += markdown_table(pd.DataFrame({"field": list(flat), "value": flat.values()}))
        for table in rows:
            frame = pd.DataFrame([_scalars(r) for r in table[:BENCHMARK_ROWS]])
            text += "\n" + markdown_table(frame)
            if len(table) > BENCHMARK_ROWS:
                text += f"\nThe first {BENCHMARK_ROWS} of {len(table)} rows; the file has all.\n"
        script = data.get("script")
        if script:
            text += "\n" + regenerate(f"python {script}")
        return text

    plot = None
    if name in PLOTS:
        plot = (f"benchmark-{name}.png", lambda path: PLOTS[name](data, path))
    return Section(f"benchmark-{name}", f"Benchmark: {name}", render, plot)
