"""The tuning section: the accuracy-sparsity front of each stored search."""

import logging
import pathlib

import pandas as pd

from sparserect.report.tables import Section
from sparserect.reproduce.results import markdown_table

logger = logging.getLogger(__name__)

FRONT_FILE = "pareto_front.csv"
# The hyperparameters shown beside each point of a front, when the search had them.
HYPERPARAMETERS = ("activation", "depth", "units", "learning_rate", "activation_l1", "sign_trick")


def load_fronts(results_dir):
    """`{search folder relative to results_dir: trials DataFrame}` of every `pareto_front.csv`."""
    results_dir = pathlib.Path(results_dir)
    fronts = {}
    for path in sorted(results_dir.rglob(FRONT_FILE)):
        try:
            frame = pd.read_csv(path, dtype={"trial_id": str})
        except (OSError, ValueError) as error:
            logger.warning("Skipping %s: %s", path, error)
            continue
        if {"val_accuracy", "val_sparsity", "on_front"} <= set(frame.columns):
            fronts[path.parent.relative_to(results_dir).as_posix()] = frame
    return fronts


def _front_table(frame):
    front = frame[frame["on_front"].astype(bool)].sort_values("val_sparsity")
    rows = pd.DataFrame({
        "trial": front["trial_id"],
        "validation accuracy (%)": 100 * front["val_accuracy"],
        "exact zeros (%)": 100 * front["val_sparsity"],
    })
    for name in HYPERPARAMETERS:
        if name in front:
            rows[name] = front[name].map(lambda v: "" if pd.isna(v) else f"{v:.3g}"
                                         if isinstance(v, float) else str(v))
    return markdown_table(rows.reset_index(drop=True))


def tuning_section(results_dir):
    """The front of each stored search (`sparserect tune` writes `pareto_front.csv`), with a plot."""
    fronts = load_fronts(results_dir)

    def render(docs_prefix):
        if not fronts:
            return (
                "Not run: no `pareto_front.csv` under the results folder. Run `sparserect tune "
                "--directory DIR ...`, copy the search's folder under `results/`, then "
                "`sparserect report`.\n"
            )
        parts = []
        for name, frame in fronts.items():
            hypervolume = frame["hypervolume"].iloc[-1] if "hypervolume" in frame else None
            parts.append(
                f"`results/{name}`: {len(frame)} trials, "
                f"{int(frame['on_front'].astype(bool).sum())} on the front"
                + ("" if hypervolume is None else f", hypervolume {hypervolume:.4f}")
                + ".\n\n" + _front_table(frame)
            )
        return "\n".join(parts)

    plot = None
    if fronts:
        from sparserect.tuning.pareto import plot_pareto_front

        name, frame = next(iter(fronts.items()))
        plot = ("tuning-front.png", lambda path: plot_pareto_front(frame, path, title=name))
    return Section("tuning-fronts", "Tuning: accuracy against sparsity", render, plot)
