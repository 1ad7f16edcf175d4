"""The report's plots: our numbers with their 95% intervals beside the paper's."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sparserect.reproduce.plots import _save  # noqa: E402


def plot_cells(labels, summaries, references, *, title, ylabel, scale, path, paper_label="paper"):
    """Bars of our means with their 95% intervals, the paper's numbers beside.

    Args:
        labels: One label per cell.
        summaries: One `Summary` (or `None`: not run) per cell.
        references: The paper's numbers (or `None`), on the plotted scale.
        title: The plot's title.
        ylabel: The y axis label.
        scale: Multiplies our numbers (100 for fractions shown in percent).
        path: The PNG file to write (atomically).
        paper_label: The legend of the paper's bars.
    """
    figure, axis = plt.subplots(figsize=(max(6, 0.9 * len(labels)), 4))
    positions = np.arange(len(labels))
    means = [np.nan if s is None else scale * s.mean for s in summaries]
    halves = [0.0 if s is None or s.high is None else scale * (s.high - s.mean) for s in summaries]
    axis.bar(positions - 0.2, means, 0.4, yerr=halves, capsize=3, label="ours (95% interval)")
    paper = [np.nan if r is None else r for r in references]
    if not np.isnan(paper).all():
        axis.bar(positions + 0.2, paper, 0.4, label=paper_label)
    axis.set_xticks(positions, labels, fontsize=8, rotation=30, ha="right")
    axis.set_ylabel(ylabel)
    axis.set_title(title)
    axis.legend(fontsize=8)
    _save(figure, path)


def plot_sparse_inference(data, path):
    """Speed-up of the active-row path by batch size, and the batch unions beside the break-even.

    Args:
        data: The result of `benchmarks/bench_sparse_inference.py`.
        path: The PNG file to write (atomically).
    """
    figure, (speed, union) = plt.subplots(1, 2, figsize=(11, 4))
    networks = sorted({row["network"] for row in data["rows"]})
    for network in networks:
        rows = [row for row in data["rows"] if row["network"] == network]
        sizes = [row["batch_size"] for row in rows]
        speed.plot(sizes, [row["speedup"] for row in rows], marker="o", label=network)
        union.plot(sizes, [100 * np.mean(row["hidden_union_active"]) for row in rows],
                   marker="o", label=f"{network}: hidden units active in the batch")
    even = [row for row in data["break_even"] if row["break_even_active_fraction"] is not None]
    union.plot([row["batch_size"] for row in even],
               [100 * row["break_even_active_fraction"] for row in even],
               linestyle="--", color="grey", marker="x",
               label="break-even of one 1000 x 1000 layer (below it, gathering wins)")
    speed.axhline(1.0, color="grey", linewidth=0.8)
    speed.set_ylabel("dense latency / active-row latency")
    speed.set_title("Served SavedModels, one batch at a time")
    union.set_ylabel("active fraction (%)")
    union.set_ylim(0, 105)
    union.set_title("Batch union of the hidden layers")
    sizes = sorted({row["batch_size"] for row in data["rows"]})
    for axis in (speed, union):
        axis.set_xscale("log", base=2)
        axis.set_xticks(sizes, [str(size) for size in sizes])
        axis.set_xlabel("batch size")
        axis.legend(fontsize=7)
    _save(figure, path)


def plot_validation_curves(curves, path):
    """Validation error (%) per epoch of each run, the paper's number as a dashed line.

    Args:
        curves: `[(label, validation errors as fractions, paper's error in % or None,
            the paper line's label)]`.
        path: The PNG file to write (atomically).
    """
    figure, axis = plt.subplots(figsize=(7, 4))
    for label, errors, reference, reference_label in curves:
        axis.plot(np.arange(1, len(errors) + 1), 100 * np.asarray(errors, dtype=float), label=label)
        if reference is not None:
            axis.axhline(reference, color="grey", linestyle="--", label=reference_label)
    axis.set_xlabel("epoch")
    axis.set_ylabel("validation error (%)")
    axis.set_title("Validation error per epoch")
    axis.legend(fontsize=8)
    _save(figure, path)
