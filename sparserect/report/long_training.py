"""The long-training section: single networks trained for a fixed, long number of epochs.

These runs keep no early stopping: every epoch runs, and the network of the
best validation epoch is the one tested. Their protocol differs from Table 1's,
so they stay out of the Table 1 tables and are judged here, one file at a time,
with the same rule as a one-seed Table 1 cell (`statistics.verdict`).
"""

import pathlib

import pandas as pd

from sparserect.report import plots
from sparserect.report import records
from sparserect.report import statistics
from sparserect.report.tables import Section
from sparserect.reproduce import paper
from sparserect.reproduce.results import markdown_table

FOLDER = "long-training"


def load_results(results_dir):
    """`[(file stem, record)]` of the result files under `<results_dir>/long-training/`."""
    return [
        (path.stem, record)
        for path, record in records.load_json_records(pathlib.Path(results_dir) / FOLDER)
        if "test_error" in record
    ]


def _configuration(record):
    network = "-".join(str(u) for u in record.get("hidden_units", []))
    pretrained = "pre-trained" if record.get("pretraining") else "not pre-trained"
    return (
        f"{record.get('dataset')}, {record.get('activation')} ({network} hidden units), "
        f"{pretrained}, activation L1 {record.get('activation_l1')}, SGD at batch "
        f"{record.get('batch_size')} and rate {record.get('learning_rate')}, "
        f"{record.get('max_epochs')} epochs without early stopping, seed {record.get('seed')}"
    )


def _reference(record):
    return paper.table1_error(
        record.get("dataset"), bool(record.get("pretraining")), record.get("activation")
    )


def _row(name, record):
    errors = record.get("validation_errors") or []
    reference = _reference(record)
    summary = statistics.summarize([100 * record["test_error"]])
    judged = "no paper number" if reference is None else statistics.verdict(summary, reference)
    return {
        "run": f"`{name}`",
        "epochs run": record.get("epochs_run"),
        "best validation epoch": record.get("best_epoch"),
        "validation error there (%)": 100 * record["validation_error"],
        "test error there (%)": 100 * record["test_error"],
        "last epoch's validation error (%)": 100 * errors[-1] if errors else None,
        "exact zeros (%)": None if record.get("average_sparsity") is None
        else 100 * record["average_sparsity"],
        "wall time (h)": None if record.get("wall_time") is None else record["wall_time"] / 3600,
        "paper (%)": reference,
        "verdict": judged,
    }


def _validation_errors(record):
    """The per-epoch validation errors: the record's, or those of its one learning rate."""
    if record.get("validation_errors"):
        return record["validation_errors"]
    candidate = (record.get("candidates") or {}).get(str(record.get("learning_rate")), {})
    return candidate.get("validation_errors") or []


def long_training_section(results_dir):
    """One row per long-training result file, and its validation curve."""
    results = [(name, {**record, "validation_errors": _validation_errors(record)})
               for name, record in load_results(results_dir)]

    def render(docs_prefix):
        if not results:
            return (
                "Not run: no result files under `results/long-training/`. Train with "
                "`sparserect reproduce table1` at a fixed number of epochs and patience "
                "equal to it, copy the run's JSON there, then run `sparserect report`.\n"
            )
        lines = "".join(f"- `{name}`: {_configuration(record)}.\n" for name, record in results)
        table = markdown_table(pd.DataFrame([_row(name, record) for name, record in results]))
        return (
            f"{lines}\n{table}\nThe test error is that of the best validation epoch's "
            "network; *reproduced* means it is at most the paper's. The validation error "
            f"per epoch is plotted in [the results]({docs_prefix}results.md#long-training).\n"
        )

    plot = None
    if results:
        curves = [
            (name, record["validation_errors"], _reference(record),
             f"paper's test error, {record.get('dataset')} {record.get('activation')}")
            for name, record in results
        ]
        plot = ("long-training.png", lambda path: plots.plot_validation_curves(curves, path))
    return Section(FOLDER, "Long training (MNIST rectifier, no early stopping)", render, plot)
