"""The sparsity-target section: networks steered to an exact sparsity, and calibrated thresholds."""

import pathlib

import pandas as pd

from sparserect.report import records
from sparserect.report.tables import Section
from sparserect.report.tables import not_run
from sparserect.report.tables import regenerate
from sparserect.reproduce.results import markdown_table
from sparserect.reproduce.plots import plot_error_against_sparsity

FOLDER = "sparsity-target"
COMMAND = "sparserect reproduce sparsity-target --data-dir DIR"
METHODS = {
    "unpenalized": "no penalty",
    "threshold": "no penalty, calibrated thresholds",
    "target": "trained with `SparsityTarget`",
}
# How far from its target a network's test-set sparsity may end (one point).
BAND = 0.01


def load_results(results_dir):
    """The result files of `sparserect reproduce sparsity-target` under `results_dir`."""
    return [
        record
        for _, record in records.load_json_records(pathlib.Path(results_dir) / FOLDER)
        if record.get("method") in METHODS
    ]


def _row(record):
    target, sparsity = record.get("target"), record.get("sparsity")
    reached = ""
    if target is not None and sparsity is not None:
        reached = "yes" if abs(sparsity - target) <= BAND + 1e-9 else "no"
    return {
        "network": METHODS[record["method"]],
        "target (%)": None if target is None else 100 * target,
        "exact zeros, test set (%)": None if sparsity is None else 100 * sparsity,
        "within one point": reached if "error" not in record else f"no: {record['error']}",
        "test error (%)": None if record.get("test_error") is None else 100 * record["test_error"],
        "epochs": record.get("epochs"),
        "seconds": record.get("wall_seconds"),
    }


def sparsity_target_section(results_dir):
    """Test error against exact sparsity for the steered and thresholded MNIST networks."""
    results = load_results(results_dir)
    order = {method: index for index, method in enumerate(METHODS)}
    results.sort(key=lambda r: (order[r["method"]], r.get("target") or 0.0))

    def render(docs_prefix):
        if not results:
            return not_run(COMMAND)
        first = results[0]
        network = "-".join(str(u) for u in [784, *first.get("hidden_units", []), 10])
        return (
            f"MNIST, the {network} rectifier network, SGD at batch "
            f"{first.get('batch_size')} and rate {first.get('learning_rate')}, seed "
            f"{first.get('seed')}; exact zeros and error on the 10,000 test images. "
            "The paper's Figure 3 finds that accuracy holds up to about 85% zeros.\n\n"
            + markdown_table(pd.DataFrame([_row(r) for r in results]))
            + "\n" + regenerate(COMMAND)
        )

    plot = None
    measured = [r for r in results if "sparsity" in r]
    if measured:
        plot = ("sparsity-target.png", lambda path: plot_error_against_sparsity(measured, path))
    return Section(FOLDER, "Sparsity targets and calibrated thresholds (MNIST)", render, plot)
