"""Figure 3: test error against exact sparsity, the activation L1 coefficient spread over [0, 0.01]."""

import dataclasses
import pathlib

import numpy as np
import pandas as pd

from sparserect.reproduce import paper
from sparserect.reproduce import plots
from sparserect.reproduce import results as results_lib
from sparserect.reproduce import runner
from sparserect._checks import check_non_negative_number
from sparserect._checks import check_positive_int


def run_sparsity(
    dataset=None,
    *,
    config=None,
    networks=10,
    l1_range=paper.FIGURE3_L1_RANGE,
    out="results",
    resume=False,
    data_dir=None,
    quick=False,
    train=None,
    ensemble=False,
    **overrides,
):
    """Runs Figure 3 and writes `<out>/sparsity/`; returns one row per network.

    The paper trains 200 randomly initialised rectifier networks without
    pre-training, their activation L1 coefficient varied from 0 to 0.01.
    Here network `i` of `networks` gets the coefficient
    `linspace(*l1_range, networks)[i]` and seed `i`, so that a few networks
    already cover the range evenly (a single network gets the high end).
    Writes `runs/`, `results.csv`, `table.md` and `figure3.png` (test error
    against average exact sparsity, with the paper's 85% mark).

    Args:
        dataset: Data set name (the paper: `"mnist"`, the default), or
            `None` for the named configuration's.
        config: A name of `configs.CONFIGS` (e.g. `"figure3"`) whose data
            set and training settings to use, or `None` for the data set's.
        networks: Int > 0, the number of networks (paper: 200).
        l1_range: `(low, high)`, finite numbers with `0 <= low <= high`:
            the range of the L1 coefficients (paper: `(0, 0.01)`).
        out: The results folder.
        resume: Whether to keep the networks already in `runs/`; a
            `ValueError` if one was trained with other settings.
        data_dir: Folder of the data files.
        quick: Whether to make it a smoke run (`configs.quick`).
        train: Optional replacement of `training.train` (not called with `ensemble`).
        ensemble: Whether to train the networks, pre-trained or not, as
            one vectorised ensemble per activation (`--ensemble`; see
            `runner.run_configurations`), one fit for all seeds and L1
            coefficients instead of one per network.
        **overrides: Configuration fields by their
            `sparserect.config.flat_names()` (`epochs`, `sign_trick`, ...).

    Returns:
        A `pandas.DataFrame` with `activation_l1`, `seed`, `test_error`,
        `validation_error`, `average_sparsity`, `dead_fraction`, ...
    """
    check_positive_int("networks", networks)
    check_l1_range(l1_range)
    base = runner.experiment_config(
        dataset or (None if config else "mnist"), config=config, quick=quick,
        activation="rectifier", **overrides,
    )
    base = dataclasses.replace(base, pretraining=None)
    data = runner.load_dataset(base.dataset, data_dir, base.train_size)
    coefficients = np.linspace(*l1_range, networks) if networks > 1 else np.array([l1_range[1]])
    configurations = [
        (results_lib.run_key(l1=f"{l1:.5f}", seed=seed), base.replace(activation_l1=float(l1)), seed)
        for seed, l1 in enumerate(coefficients)
    ]
    directory = pathlib.Path(out) / "sparsity"
    outcomes = runner.run_configurations(
        directory, data, configurations, resume=resume, ensemble=ensemble,
        **({} if train is None else {"train": train}),
    )
    frame = results_lib.flat_columns(pd.DataFrame(outcomes))
    frame = frame.sort_values("average_sparsity").reset_index(drop=True)
    results_lib.write_csv(directory / "results.csv", frame)
    table = pd.DataFrame({
        "L1 coefficient": frame["activation_l1"].map(lambda v: f"{v:.5f}"),
        "exact zeros (%)": 100 * frame["average_sparsity"],
        "test error (%)": 100 * frame["test_error"],
        "validation error (%)": 100 * frame["validation_error"],
        "dead units (%)": 100 * frame["dead_fraction"],
        "learning rate": frame["learning_rate"].map(lambda v: f"{v:g}"),
        "epochs (best / run)": [
            f"{best} / {run}" for best, run in zip(frame["best_epoch"], frame["epochs_run"])
        ],
    })
    note = (
        f"\nThe paper ({paper.FIGURE3_NETWORKS} networks on MNIST): accuracy does not "
        f"suffer until about {100 * paper.FIGURE3_SPARSITY_MARK:.0f}% exact zeros.\n"
    )
    results_lib.write_text(
        directory / "table.md",
        results_lib.markdown_table(table) + note + results_lib.weight_decay_note(frame),
    )
    plots.plot_figure3(frame, base.dataset, directory / "figure3.png")
    return frame


def check_l1_range(l1_range):
    """Raises a `ValueError` unless `l1_range` is `(low, high)` with `0 <= low <= high`."""
    if not isinstance(l1_range, (tuple, list)) or len(l1_range) != 2:
        raise ValueError(
            f"`l1_range` must be a pair (low, high). Received: l1_range={l1_range!r}"
        )
    for bound in l1_range:
        check_non_negative_number("l1_range", bound)
    if l1_range[0] > l1_range[1]:
        raise ValueError(
            f"`l1_range` must have low <= high. Received: l1_range={tuple(l1_range)!r}"
        )
