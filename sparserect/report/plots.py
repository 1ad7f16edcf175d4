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
