"""The rescaled softplus (1/a) softplus(a x) against the rectifier (the paper's NORB table)."""

import dataclasses
import pathlib

import pandas as pd

from sparserect.reproduce import paper
from sparserect.reproduce import plots
from sparserect.reproduce import results as results_lib
from sparserect.reproduce import runner

SHARPNESS = tuple(a for a in paper.SOFTPLUS_SHARPNESS if a is not None)


def run_softplus_sharpness(
    dataset=None,
    *,
    config=None,
    sharpness=SHARPNESS,
    include_rectifier=True,
    seeds=(0,),
    out="results",
    resume=False,
    ensemble=False,
    data_dir=None,
    quick=False,
    train=None,
    **overrides,
):
    """Runs the rescaled-softplus comparison and writes `<out>/softplus-sharpness/`.

    One network without pre-training per sharpness `a` (activation
    `layers.ScaledSoftplus(a)`) and seed, and the rectifier (`a` -> infinity).
    Writes `runs/`, `results.csv`, `summary.csv`, `table.md` (the paper's
    NORB errors beside ours) and `softplus_sharpness.png`.

    Args:
        dataset: Data set name (the paper: `"norb"`, the default), or
            `None` for the named configuration's.
        config: A name of `configs.CONFIGS` (e.g. `"softplus-sharpness"`)
            whose data set and training settings to use, or `None` for the
            data set's.
        sharpness: The values of `a` (paper: 1, 1.3, 2, 3, 6).
        include_rectifier: Whether to add the rectifier network.
        seeds: Seeds, ints >= 0 (at least one); each gives one network per
            activation.
        out: The results folder.
        resume: Whether to keep the networks already in `runs/`; a
            `ValueError` if one was trained with other settings.
        ensemble: Whether to train the seeds of each activation as one
            vectorised ensemble (`--ensemble`; see `runner.run_configurations`).
        data_dir: Folder of the data files.
        quick: Whether to make it a smoke run (`configs.quick`).
        train: Optional replacement of `training.train` (not called with `ensemble`).
        **overrides: Configuration fields by their
            `sparserect.config.flat_names()` (`epochs`, `hidden_units`, ...).

    Returns:
        The summary `pandas.DataFrame`, one row per activation.
    """
    seeds = runner.check_seeds(seeds)
    base = runner.experiment_config(
        dataset or (None if config else "norb"), config=config, quick=quick, **overrides
    )
    base = dataclasses.replace(base, pretraining=None)
    data = runner.load_dataset(base.dataset, data_dir, base.train_size)
    choices = [float(a) for a in sharpness] + ([None] if include_rectifier else [])
    configurations = []
    for a in choices:
        network = dataclasses.replace(
            base.network, activation="rectifier" if a is None else "softplus", sharpness=a
        )
        name = "rectifier" if a is None else f"softplus_a{a:g}"
        for seed in seeds:
            key = results_lib.run_key(**{"": name}, seed=seed)
            configurations.append((key, dataclasses.replace(base, network=network), seed))
    directory = pathlib.Path(out) / "softplus-sharpness"
    outcomes = runner.run_configurations(
        directory, data, configurations, resume=resume, ensemble=ensemble,
        **({} if train is None else {"train": train}),
    )
    frame = results_lib.flat_columns(pd.DataFrame(outcomes))
    frame["sharpness"] = [choices[i // len(seeds)] for i in range(len(frame))]
    results_lib.write_csv(directory / "results.csv", frame)
    summary = frame.groupby("activation", sort=False).agg(
        sharpness=("sharpness", "first"),
        test_error_mean=("test_error", "mean"),
        test_error_std=("test_error", lambda v: v.std(ddof=0)),
        average_sparsity_mean=("average_sparsity", "mean"),
        seeds=("seed", "count"),
    ).reset_index()
    summary["paper_test_error"] = [
        paper.SOFTPLUS_SHARPNESS.get(None if pd.isna(a) else a) if base.dataset == "norb" else None
        for a in summary["sharpness"]
    ]
    results_lib.write_csv(directory / "summary.csv", summary)
    table = pd.DataFrame({
        "activation": summary["activation"],
        "test error (%)": [
            results_lib.mean_std(group["test_error"], 100)
            for _, group in frame.groupby("activation", sort=False)
        ],
        "paper (NORB)": summary["paper_test_error"],
        "exact zeros (%)": 100 * summary["average_sparsity_mean"],
        "seeds": summary["seeds"],
    })
    results_lib.write_text(
        directory / "table.md",
        results_lib.markdown_table(table) + results_lib.weight_decay_note(frame),
    )
    plots.plot_softplus_sharpness(summary, base.dataset, directory / "softplus_sharpness.png")
    return summary
