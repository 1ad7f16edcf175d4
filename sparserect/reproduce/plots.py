"""The experiments' PNG plots (matplotlib, no display needed)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sparserect._atomic import atomic_open  # noqa: E402
from sparserect.reproduce import paper  # noqa: E402


def _save(figure, path):
    """Writes `figure` as a PNG atomically and closes it."""
    try:
        with atomic_open(path, "wb") as file:
            figure.savefig(file, format="png", dpi=120, bbox_inches="tight")
    finally:
        plt.close(figure)


def _grouped_bars(axis, positions, bars):
    """Draws the `{label: heights}` of `bars` side by side at each position."""
    width = 0.8 / max(len(bars), 1)
    for index, (label, heights) in enumerate(bars.items()):
        axis.bar(positions + (index - (len(bars) - 1) / 2) * width, heights, width, label=label)


def plot_table1(summary, dataset, path):
    """Bars of our test error (mean ± std over seeds) beside the paper's, and per-layer sparsity."""
    figure, (errors, sparsity) = plt.subplots(1, 2, figsize=(11, 4))
    labels = [
        f"{a}, {'pre-trained' if p else 'no pre-training'}"
        for p, a in zip(summary["pretrained"], summary["activation"])
    ]
    if summary["activation_l1"].nunique() > 1:
        labels = [f"{label}, L1 {l1:g}" for label, l1 in zip(labels, summary["activation_l1"])]
    if summary["sign_trick"].nunique() > 1:
        labels = [
            f"{label}{', sign trick' if sign else ''}"
            for label, sign in zip(labels, summary["sign_trick"])
        ]
    positions = np.arange(len(summary))
    errors.bar(positions - 0.2, 100 * summary["test_error_mean"], 0.4,
               yerr=100 * summary["test_error_std"], label="ours")
    reference = summary["paper_test_error"].astype(float)
    if reference.notna().any():
        errors.bar(positions + 0.2, reference, 0.4,
                   label=f"paper ({paper.REFERENCE_DATASET.get(dataset, dataset)})")
    errors.set_xticks(positions, labels, fontsize=7, rotation=30, ha="right")
    errors.set_ylabel("test error (%)")
    errors.set_title(f"Table 1 on {dataset}")
    errors.legend()
    # Rows may differ in depth (or have no hidden layer): missing layers are NaN, no bar.
    layers = pd.DataFrame([dict(enumerate(v)) for v in summary["layer_sparsity_mean"]], dtype=float)
    _grouped_bars(sparsity, positions, {
        f"hidden {index + 1}": 100 * layers[index] for index in layers.columns
    })
    sparsity.set_xticks(positions, labels, fontsize=7, rotation=30, ha="right")
    sparsity.set_ylabel("exact zeros on the test set (%)")
    sparsity.set_ylim(0, 100)
    if len(layers.columns):
        sparsity.legend()
    _save(figure, path)


def plot_figure3(frame, dataset, path):
    """Test error against average exact sparsity, coloured by the L1 coefficient (Figure 3)."""
    figure, axis = plt.subplots(figsize=(6, 4))
    points = axis.scatter(100 * frame["average_sparsity"], 100 * frame["test_error"],
                          c=frame["activation_l1"], cmap="viridis")
    figure.colorbar(points, label="activation L1 coefficient")
    axis.axvline(100 * paper.FIGURE3_SPARSITY_MARK, color="grey", linestyle="--",
                 label="paper: accuracy holds up to about 85% zeros")
    axis.set_xlabel("average exact sparsity of the hidden layers (%)")
    if (frame["test_error"] > 0).all():
        axis.set_yscale("log")  # small differences and collapsed networks on one plot
    axis.set_ylabel("test error (%)")
    axis.set_title(f"Figure 3 on {dataset}: {len(frame)} rectifier networks")
    axis.legend(fontsize=8)
    _save(figure, path)


def plot_softplus_sharpness(frame, dataset, path):
    """Test error against the softplus sharpness `a`, the rectifier as a line, the paper's beside."""
    figure, axis = plt.subplots(figsize=(6, 4))
    softplus = frame[frame["sharpness"].notna()]
    rectifier = frame[frame["sharpness"].isna()]
    axis.errorbar(softplus["sharpness"], 100 * softplus["test_error_mean"],
                  yerr=100 * softplus["test_error_std"], marker="o", label="ours: softplus")
    if len(rectifier):
        axis.axhline(100 * rectifier["test_error_mean"].iloc[0], color="C0",
                     linestyle="--", label="ours: rectifier")
    if dataset == "norb":
        sharpness = [a for a in paper.SOFTPLUS_SHARPNESS if a is not None]
        axis.plot(sharpness, [paper.SOFTPLUS_SHARPNESS[a] for a in sharpness], marker="s",
                  color="C1", label="paper: softplus")
        axis.axhline(paper.SOFTPLUS_SHARPNESS[None], color="C1", linestyle=":",
                     label="paper: rectifier")
    axis.set_xscale("log")
    axis.set_xlabel("sharpness a of (1/a) softplus(a x)")
    axis.set_ylabel("test error (%)")
    axis.set_title(f"Rescaled softplus on {dataset}")
    axis.legend(fontsize=8)
    _save(figure, path)


def plot_ratings(summary, dataset, path):
    """Bars of our rating RMSE (mean ± std over folds) beside the paper's OpenTable RMSE."""
    figure, axis = plt.subplots(figsize=(8, 4))
    labels = [
        f"{model}{', pre-trained' if pretrained == 'yes' else ''}"
        for model, pretrained in zip(summary["model"], summary["pre-training"])
    ]
    positions = np.arange(len(summary))
    axis.bar(positions - 0.2, summary["rmse_mean"], 0.4, yerr=summary["rmse_std"],
             label=f"ours ({dataset})")
    reference = summary["paper_rmse"].astype(float)
    if reference.notna().any():
        axis.bar(positions + 0.2, reference, 0.4, label="paper (OpenTable, another data set)")
    axis.set_xticks(positions, labels, fontsize=8, rotation=30, ha="right")
    axis.set_ylabel("RMSE of the expected rating")
    axis.set_title("Rating prediction from the bag-of-words")
    axis.set_ylim(0, 1.25 * float((summary["rmse_mean"] + summary["rmse_std"]).max()))
    axis.legend(loc="upper left", ncol=2)
    _save(figure, path)


def plot_amazon(frame, path):
    """Grouped bars of accuracy per Amazon domain (in-domain) and on average (cross-domain), per model."""
    inside = frame[frame["setting"] == "in-domain"].pivot_table(
        index="source", columns="model", values="accuracy", aggfunc="mean"
    )
    inside.loc["cross-domain\naverage"] = (
        frame[frame["setting"] == "cross-domain"].groupby("model")["accuracy"].mean()
    )
    figure, axis = plt.subplots(figsize=(8, 4))
    positions = np.arange(len(inside))
    _grouped_bars(axis, positions, {model: 100 * inside[model] for model in inside.columns})
    axis.set_xticks(positions, inside.index)
    axis.set_ylabel("accuracy (%)")
    axis.set_ylim(50, 100)
    axis.set_title("Amazon reviews: in-domain per domain, and cross-domain")
    axis.legend(fontsize=8)
    _save(figure, path)


def plot_error_against_sparsity(results, path):
    """Plots test error against exact sparsity: trained to a target, thresholded, unpenalized."""
    figure, axis = plt.subplots(figsize=(6, 4))
    styles = {
        "target": ("o", "trained to a sparsity target"),
        "threshold": ("s", "unpenalized, calibrated thresholds"),
        "unpenalized": ("x", "unpenalized"),
    }
    for method, (marker, label) in styles.items():
        rows = [r for r in results if r["method"] == method]
        axis.plot(
            [100 * r["sparsity"] for r in rows],
            [100 * r["test_error"] for r in rows],
            marker=marker,
            linestyle="-" if len(rows) > 1 else "",
            label=label,
        )
    axis.axvline(100 * paper.FIGURE3_SPARSITY_MARK, color="grey", linestyle="--",
                 label="paper: accuracy holds up to about 85% zeros")
    axis.set_xlabel("average exact sparsity of the hidden layers, test set (%)")
    axis.set_ylabel("test error (%, log scale)")
    axis.set_yscale("log")
    for set_formatter in (axis.yaxis.set_major_formatter, axis.yaxis.set_minor_formatter):
        set_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axis.legend(fontsize=8)
    _save(figure, path)
