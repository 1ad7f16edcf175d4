"""Table 1: test error of rectifier, tanh and softplus networks, with and without pre-training."""

import dataclasses
import pathlib

import pandas as pd

from sparserect.config import ACTIVATIONS
from sparserect.layers import activations
from sparserect.pretraining import autoencoder
from sparserect.reproduce import configs
from sparserect.reproduce import paper
from sparserect.reproduce import plots
from sparserect.reproduce import results as results_lib
from sparserect.reproduce import runner


def run_table1(
    dataset=None,
    *,
    config=None,
    activations=None,
    pretraining=None,
    seeds=(0,),
    out="results",
    resume=False,
    data_dir=None,
    quick=False,
    reconstruction=None,
    tanh_reconstruction="cross_entropy",
    activation_l1=None,
    train=None,
    ensemble=False,
    **overrides,
):
    """Runs Table 1 and writes `<out>/table1/`; returns the summary `DataFrame`.

    One network per activation, pre-training choice and seed, each trained
    by `training.train` (learning rate chosen by validation error, early
    stopping) and stored in `runs/` as soon as it is done. Then:
    `results.csv` (one row per network), `summary.csv` (mean and standard
    deviation over seeds, the paper's error beside), `table.md` and
    `table1.png`.

    Args:
        dataset: Data set name (`"digits"`, `"mnist"`, `"cifar10"`,
            `"norb"`, `"nistp"`, `"mnist-p"`), or `None` for the named
            configuration's (or `"digits"`).
        config: A name of `configs.CONFIGS` whose data set and training
            settings to use, or `None` for the data set's
            (`configs.base_config`).
        activations: Activation names of `sparserect.layers`, or `None`
            for all three (`ACTIVATIONS`), or the cell's when `config` names
            a Table 1 cell (`"mnist-tanh"`).
        pretraining: Booleans: which of without / with pre-training to run,
            or `None` for both, or the cell's when `config` names one.
        seeds: Seeds, ints >= 0 (at least one); each gives one network per
            configuration.
        out: The results folder.
        resume: Whether to keep the networks already in `runs/`; a
            `ValueError` if one was trained with another configuration.
        data_dir: Folder of the data files.
        quick: Whether to make it a smoke run (`configs.quick`).
        reconstruction: Pre-training reconstruction of the rectifier and
            softplus networks (`"softplus_quadratic"` or
            `"sigmoid_cross_entropy"`); `None` for the paper's choice.
        tanh_reconstruction: Pre-training reconstruction of the tanh
            networks: `"cross_entropy"` (a sigmoid decoder, the default) or
            `"tanh_cross_entropy"` (the authors' tanh decoder).
        activation_l1: The activation L1 coefficient of every network, or
            `None` for `paper.image_activation_l1`: 0.001 for the unbounded
            activations (rectifier, softplus), 0 for tanh.
        train: Optional replacement of `training.train` (not called with `ensemble`).
        ensemble: Whether to train the networks of each cell (activation,
            pre-trained or not) as one vectorised ensemble (`--ensemble`;
            see `runner.run_configurations`), one fit for all seeds and L1
            coefficients instead of one per network.
        **overrides: Configuration fields by their
            `sparserect.config.flat_names()` (`epochs`, `learning_rates`,
            `hidden_units`, `train_size`, `sign_trick`,
            `pretraining_activation_l1`, ...).

    Returns:
        The summary `pandas.DataFrame`, one row per activation, pre-training
        choice, activation L1 coefficient (of fine-tuning and of
        pre-training), sign trick and weight decay.
    """
    seeds = runner.check_seeds(seeds)
    if reconstruction is not None:
        autoencoder.check_reconstruction(reconstruction)
    autoencoder.check_reconstruction(tanh_reconstruction, "tanh_reconstruction")
    base = runner.experiment_config(dataset, config=config, quick=quick, **overrides)
    cell = configs.TABLE1_CELLS.get(config)
    if activations is None:
        activations = ACTIVATIONS if cell is None else (cell[0],)
    if pretraining is None:
        pretraining = (False, True) if cell is None else (cell[1],)
    if base.pretraining is None:  # a configuration without pre-training, e.g. "mnist-tanh"
        base = dataclasses.replace(base, pretraining=configs.base_config(base.dataset).pretraining)
    data = runner.load_dataset(base.dataset, data_dir, base.train_size)
    configurations = []
    for pretrained in pretraining:
        for activation in activations:
            cell = base.replace(
                activation=activation,
                activation_l1=(
                    paper.image_activation_l1(activation) if activation_l1 is None
                    else activation_l1
                ),
            )
            if pretrained:
                cell = cell.replace(pretraining_reconstruction=(
                    tanh_reconstruction if activation == "tanh"
                    else reconstruction or paper_reconstruction(activation)
                ))
            else:
                cell = dataclasses.replace(cell, pretraining=None)
            for seed in seeds:
                key = results_lib.run_key(
                    **{"": activation}, pre="trained" if pretrained else "none", seed=seed
                )
                configurations.append((key, cell, seed))
    directory = pathlib.Path(out) / "table1"
    outcomes = runner.run_configurations(
        directory, data, configurations, resume=resume, ensemble=ensemble,
        **({} if train is None else {"train": train}),
    )
    return write_table1(directory, outcomes, base.dataset)


def write_table1(directory, outcomes, dataset):
    """Writes the CSV files, the Markdown table and the plot of Table 1 results."""
    rows = pd.DataFrame(outcomes)
    rows["pretrained"] = rows["pretraining"].notna()
    results_lib.write_csv(directory / "results.csv", results_lib.flat_columns(rows))
    # Results stored before weight decay existed had none.
    rows["weight_decay"] = rows.get("weight_decay", pd.Series(0.0, index=rows.index)).fillna(0.0)
    rows["reconstruction"] = rows["pretraining"].fillna("")
    # Without pre-training, or stored before it could differ: the fine-tuning coefficient.
    rows["pretraining_activation_l1"] = rows.get(
        "pretraining_activation_l1", pd.Series(index=rows.index, dtype=float)
    ).fillna(rows["activation_l1"])
    summary = []
    settings = [
        "reconstruction", "activation", "activation_l1", "pretraining_activation_l1",
        "sign_trick", "weight_decay",
    ]
    for values, group in rows.groupby(settings, sort=False):
        row = dict(zip(settings, values))
        pretrained = row["reconstruction"] != ""
        layer_sparsity = pd.DataFrame(group["layer_sparsity"].tolist())
        dead = pd.DataFrame(group["dead_units"].tolist())
        summary.append({
            "pretrained": pretrained,
            **row,
            "seeds": len(group),
            "test_error_mean": group["test_error"].mean(),
            "test_error_std": group["test_error"].std(ddof=0),
            "paper_test_error": paper.table1_error(dataset, pretrained, row["activation"]),
            "validation_error_mean": group["validation_error"].mean(),
            "validation_error_std": group["validation_error"].std(ddof=0),
            "average_sparsity_mean": group["average_sparsity"].mean(),
            "average_sparsity_std": group["average_sparsity"].std(ddof=0),
            "layer_sparsity_mean": layer_sparsity.mean().tolist(),
            "dead_units_mean": dead.mean().tolist(),
            "learning_rates": sorted(set(group["learning_rate"])),
            "best_epoch_mean": group["best_epoch"].mean(),
            "epochs_run_mean": group["epochs_run"].mean(),
            "wall_time_mean": group["wall_time"].mean(),
            "formatted": {
                "test": results_lib.mean_std(group["test_error"], 100),
                "validation": results_lib.mean_std(group["validation_error"], 100),
                "sparsity": results_lib.mean_std(group["average_sparsity"], 100, 1),
                "layers": " / ".join(f"{100 * v:.1f}" for v in layer_sparsity.mean()),
                "dead": " / ".join(
                    f"{v:.0f}" if v == round(v) else f"{v:.1f}" for v in dead.mean()
                ),
            },
        })
    summary = pd.DataFrame(summary)
    results_lib.write_csv(directory / "summary.csv", summary.drop(columns=["formatted"]))
    results_lib.write_json(directory / "summary.json", summary.to_dict(orient="records"))
    results_lib.write_text(directory / "table.md", table1_markdown(summary, dataset))
    plots.plot_table1(summary, dataset, directory / "table1.png")
    return summary


def paper_reconstruction(activation):
    """The paper's pre-training reconstruction for an activation name of `sparserect.layers`."""
    return autoencoder.default_reconstruction(activations.get(activation))


def table1_markdown(summary, dataset):
    """Returns Table 1 as Markdown, our mean ± std over seeds beside the paper's error."""
    reference = paper.REFERENCE_DATASET.get(dataset, dataset)
    paper_column = f"paper ({reference})" if reference in paper.TABLE1 else "paper"
    formatted = pd.DataFrame(summary["formatted"].tolist(), index=summary.index)
    table = pd.DataFrame({
        "pre-training": summary["pretrained"].map({True: "yes", False: "no"}),
        "activation": summary["activation"],
        "activation L1": summary["activation_l1"].map(lambda v: f"{v:g}"),
        "sign trick": summary["sign_trick"].map({True: "yes", False: "no"}),
        "test error (%)": formatted["test"],
        paper_column: summary["paper_test_error"],
        "validation error (%)": formatted["validation"],
        "exact zeros (%)": formatted["sparsity"],
        "zeros per layer (%)": formatted["layers"],
        "dead units per layer": formatted["dead"],
        "learning rate": summary["learning_rates"].map(lambda r: ", ".join(f"{v:g}" for v in r)),
        "epochs (best / run)": [
            f"{best:.1f} / {run:.1f}"
            for best, run in zip(summary["best_epoch_mean"], summary["epochs_run_mean"])
        ],
        "wall time (s)": summary["wall_time_mean"].map(lambda v: f"{v:.0f}"),
        "seeds": summary["seeds"],
    })
    note = ""
    if reference in paper.RECTIFIER_SPARSITY:
        note = (
            f"\nThe paper's rectifier networks on {reference}: "
            f"{100 * paper.RECTIFIER_SPARSITY[reference]:.1f}% exact zeros.\n"
        )
    if (summary["weight_decay"] > 0).any():
        table.insert(4, "weight decay", summary["weight_decay"].map(lambda v: f"{v:g}"))
    if (summary["pretraining_activation_l1"] != summary["activation_l1"]).any():
        table.insert(3, "pre-training L1", [
            f"{pre:g}" if pretrained else ""
            for pre, pretrained in zip(summary["pretraining_activation_l1"], summary["pretrained"])
        ])
    pretrained = summary[summary["pretrained"]]
    if any(
        reconstruction != paper_reconstruction(activation)
        for activation, reconstruction in zip(pretrained["activation"], pretrained["reconstruction"])
    ):
        table.insert(1, "reconstruction", summary["reconstruction"])
    return results_lib.markdown_table(table) + note
