"""Result files: one JSON file per finished configuration, and Markdown tables.

An experiment writes each configuration's result to
`<out>/<experiment>/runs/<key>.json` as soon as it finishes, through a
temporary file and `os.replace`, so that an interrupted run leaves only
complete files, and a run with `resume=True` skips the keys already there.
"""

import json
import math
import pathlib
import re

import numpy as np

from sparserect._atomic import plain, write_csv, write_json, write_text

__all__ = [
    "RunStore", "flat_columns", "markdown_table", "mean_std", "plain", "run_key",
    "weight_decay_note", "write_csv", "write_json", "write_text",
]


def flat_columns(frame):
    """A results `DataFrame` without each run's nested entries, for `results.csv`.

    The per-epoch histories, the configuration and the environment stay in
    `runs/<key>.json`.
    """
    return frame.drop(
        columns=["candidates", "pretraining_loss", "config", "environment"], errors="ignore"
    )


def run_key(**parts):
    """Returns a file-name-safe key such as `rectifier-pretrained-seed0`."""
    text = "-".join(f"{value}" if name == "" else f"{name}{value}" for name, value in parts.items())
    return re.sub(r"[^A-Za-z0-9_.=+-]", "_", text)


class RunStore:
    """The `runs/` folder of an experiment: one JSON result per configuration key.

    Args:
        directory: The experiment's folder; results go to `directory/runs/`.
    """

    def __init__(self, directory):
        self.directory = pathlib.Path(directory)
        self.runs = self.directory / "runs"

    def path(self, key):
        return self.runs / f"{key}.json"

    def checkpoint_path(self, key):
        """Where an unfinished configuration keeps its progress (`checkpoints.Checkpoint`)."""
        return self.runs / f"{key}.checkpoint.npz"

    def load(self, key):
        """Returns the stored result of `key`, or `None`."""
        path = self.path(key)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def save(self, key, result):
        write_json(self.path(key), result)


def markdown_table(frame, float_format="{:.2f}"):
    """Renders a `pandas.DataFrame` as a GitHub Markdown table (no extra dependency)."""

    def cell(value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, float):
            return float_format.format(value)
        return str(value)

    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def mean_std(values, scale=1.0, digits=2):
    """Formats `mean ± std` of finite values (`std` over seeds, ddof=0), or `""`."""
    values = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if values.size == 0:
        return ""
    mean = scale * values.mean()
    if values.size == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {scale * values.std():.{digits}f}"


def weight_decay_note(frame):
    """A line under a table saying the weight decay of its networks, empty when none had any."""
    if "weight_decay" not in frame:
        return ""
    decays = sorted({float(v) for v in frame["weight_decay"].fillna(0.0) if v})
    if not decays:
        return ""
    return (
        f"\nWeight decay of the weight matrices: {', '.join(f'{v:g}' for v in decays)} "
        "(the paper: none).\n"
    )
