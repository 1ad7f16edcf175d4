"""The rescaled softplus (1/a) softplus(a x) against the rectifier (the paper's NORB table)."""

import pathlib

import pandas as pd

from sparserect import layers
from sparserect.reproduce import paper
from sparserect.reproduce import plots
from sparserect.reproduce import results as results_lib
from sparserect.reproduce import runner

SHARPNESS = tuple(a for a in paper.SOFTPLUS_SHARPNESS if a is not None)


def run_softplus_sharpness(
    dataset="norb",
    *,
    sharpness=SHARPNESS,
    include_rectifier=True,
    seeds=(0,),
    out="results",
    resume=False,
    data_dir=None,
    quick=False,
    train=None,
    **preset_overrides,
):
    """Runs the rescaled-softplus comparison and writes `<out>/softplus-sharpness/`.

    One network without pre-training per sharpness `a` (activation
    `layers.ScaledSoftplus(a)`) and seed, and the rectifier (`a` -> infinity).
    Writes `runs/`, `results.csv`, `summary.csv`, `table.md` (the paper's
    NORB errors beside ours) and `softplus_sharpness.png`.

    Args:
        dataset: Data set name (the paper: `"norb"`).
        sharpness: The values of `a` (paper: 1, 1.3, 2, 3, 6).
        include_rectifier: Whether to add the rectifier network.
        seeds: Seeds, ints >= 0 (at least one); each gives one network per
            activation.
        out: The results folder.
        resume: Whether to keep the networks already in `runs/`; a
            `ValueError` if one was trained with other settings.
        data_dir: Folder of the data files.
        quick: Whether to use the `--quick` preset.
        train: Optional replacement of `train_configuration`.
        **preset_overrides: Fields of `runner.Preset`.

    Returns:
        The summary `pandas.DataFrame`, one row per activation.
    """
    seeds = runner.check_seeds(seeds)
    settings = runner.preset(dataset, quick=quick, **preset_overrides)
    data = runner.load_dataset(dataset, data_dir, settings.train_size)
    choices = [float(a) for a in sharpness] + ([None] if include_rectifier else [])
    configurations = []
    for a in choices:
        for seed in seeds:
            activation = "rectifier" if a is None else layers.ScaledSoftplus(sharpness=a)
            name = "rectifier" if a is None else f"softplus_a{a:g}"
            key = results_lib.run_key(**{"": name}, seed=seed)
            configurations.append((key, dict(
                activation=activation, pretraining=False, seed=seed,
                **settings.training_arguments(),
            )))
    directory = pathlib.Path(out) / "softplus-sharpness"
    outcomes = runner.run_configurations(
        directory, data, configurations, resume=resume,
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
        paper.SOFTPLUS_SHARPNESS.get(None if pd.isna(a) else a) if dataset == "norb" else None
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
    plots.plot_softplus_sharpness(summary, dataset, directory / "softplus_sharpness.png")
    return summary
