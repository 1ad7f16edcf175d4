"""The Pareto front of validation accuracy against validation sparsity over a search's trials.

keras-tuner ranks trials by one number (a list of objectives is summed
without weights), so it cannot say which trials are the best trade-offs
between two goals. A trial is on the *Pareto front* when no other trial is
at least as accurate and at least as sparse, and strictly better in one of
the two. Glorot et al. (2011, Figure 3) found that accuracy does not suffer
until about 85% of the hidden activations are exact zeros; the front of a
search shows where that knee lies for a given data set and budget.
"""

import math
import pathlib

import numpy as np
import pandas as pd

from sparserect._atomic import atomic_open
from sparserect.tuning import _trials

PAPER_SPARSITY_MARK = 0.85


def pareto_mask(accuracy, sparsity):
    """Returns which points are on the Pareto front, maximising both coordinates.

    A point is dominated when another point is `>=` in both coordinates and
    `>` in at least one. Identical points do not dominate each other: all of
    them are on the front, or none. NaN points are never on the front and
    dominate nothing. Runs in `O(n log n)`.

    Args:
        accuracy: 1-D array-like of floats.
        sparsity: 1-D array-like of floats, the same length.

    Returns:
        A boolean numpy array, `True` for the points on the front.
    """
    accuracy = np.asarray(accuracy, dtype=np.float64)
    sparsity = np.asarray(sparsity, dtype=np.float64)
    if accuracy.shape != sparsity.shape or accuracy.ndim != 1:
        raise ValueError(
            "`accuracy` and `sparsity` must be 1-D and of equal length. "
            f"Received: accuracy.shape={accuracy.shape}, sparsity.shape={sparsity.shape}"
        )
    mask = np.zeros(accuracy.shape, dtype=bool)
    valid = np.flatnonzero(~(np.isnan(accuracy) | np.isnan(sparsity)))
    # Best accuracy first; within equal accuracy, the sparsest first.
    order = valid[np.lexsort((-sparsity[valid], -accuracy[valid]))]
    best_sparsity_above = -np.inf  # over points strictly more accurate
    start = 0
    while start < len(order):
        end = start
        while end < len(order) and accuracy[order[end]] == accuracy[order[start]]:
            end += 1
        group = order[start:end]
        group_best = sparsity[group[0]]
        if start == 0 or group_best > best_sparsity_above:  # the most accurate are on it
            mask[group[sparsity[group] == group_best]] = True
        best_sparsity_above = max(best_sparsity_above, group_best)
        start = end
    return mask


def pareto_front(source, project_name=None, accuracy="val_accuracy", sparsity="val_sparsity"):
    """Returns every trial of a search, with the Pareto front marked.

    Works on a live tuner (its oracle's trials) or on a search folder on
    disk (`trial_*/trial.json`), including one whose search was interrupted
    or is still running. Each trial's metrics are those keras-tuner recorded
    for it: the values at its best epoch for the objective, i.e. those of the
    model in its checkpoint. Only `COMPLETED` trials with both metrics can be
    on the front.

    Example:

    ``` python
    frame = pareto_front("tuning", project_name="mnist")
    frame[frame.on_front]              # the best trade-offs
    ```

    Args:
        source: A keras-tuner tuner, a project folder, or (with
            `project_name`) a tuner's `directory`.
        project_name: See `source`.
        accuracy: Name of the accuracy metric. Defaults to `"val_accuracy"`.
        sparsity: Name of the sparsity metric. Defaults to `"val_sparsity"`.

    Returns:
        A `pandas.DataFrame`, one row per trial in trial-id order: `trial_id`,
        `status`, the two metrics (named as given), `score` (the tuner's
        objective value), `on_front` (bool), then one column per
        hyperparameter (missing where a conditional one was inactive).
    """
    rows = []
    for state in _trials.trial_states(source, project_name):
        score = state.get("score")
        rows.append(
            {
                "trial_id": str(state["trial_id"]),
                "status": state.get("status"),
                accuracy: _trials.metric_value(state, accuracy),
                sparsity: _trials.metric_value(state, sparsity),
                "score": math.nan if score is None else float(score),
                **state.get("hyperparameters", {}).get("values", {}),
            }
        )
    columns = ["trial_id", "status", accuracy, sparsity, "score"]
    frame = pd.DataFrame(rows, columns=None if rows else columns)
    completed = (frame["status"] == "COMPLETED").to_numpy()
    mask = pareto_mask(
        np.where(completed, frame[accuracy].to_numpy(dtype=np.float64), np.nan),
        frame[sparsity].to_numpy(dtype=np.float64),
    )
    frame.insert(len(columns), "on_front", mask)
    return frame.reset_index(drop=True)


def sparsest_within(frame, points, accuracy="val_accuracy", sparsity="val_sparsity"):
    """Returns the sparsest trial within `points` percentage points of the best accuracy.

    The rule of the constrained objective, applied after the search against
    the best accuracy of all its trials. Ties in sparsity go to the more
    accurate trial, so the answer is always on the Pareto front.

    Args:
        frame: A `pareto_front` DataFrame.
        points: Float >= 0, the tolerance in percentage points of accuracy.
        accuracy: Name of the accuracy column.
        sparsity: Name of the sparsity column.

    Returns:
        The trial's row, a `pandas.Series`.
    """
    candidates = frame[(frame["status"] == "COMPLETED") & frame[accuracy].notna()]
    candidates = candidates[candidates[sparsity].notna()]
    if candidates.empty:
        raise ValueError(
            "No completed trial with both metrics to choose from. "
            f"Received: frame with {len(frame)} trials"
        )
    threshold = candidates[accuracy].max() - points / 100.0
    feasible = candidates[candidates[accuracy] >= threshold - 1e-9]
    return feasible.sort_values([sparsity, accuracy], ascending=False).iloc[0]


def plot_pareto_front(
    frame, path=None, title=None, accuracy="val_accuracy", sparsity="val_sparsity"
):
    """Plots every trial's accuracy against its sparsity, the front highlighted.

    The paper's mark, 85% of exact zeros, is drawn as a vertical line:
    Glorot et al. (2011) found that accuracy holds up to about there.

    Args:
        frame: A `pareto_front` DataFrame.
        path: Optional file to save the figure to, in the format its suffix
            names (PNG, SVG, PDF, ...); written atomically.
        title: Optional title.
        accuracy: Name of the accuracy column.
        sparsity: Name of the sparsity column.

    Returns:
        A `matplotlib.figure.Figure` (not registered with pyplot).
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.4), layout="constrained")
    axes = figure.add_subplot()
    measured = frame[frame[accuracy].notna() & frame[sparsity].notna()]
    front = measured[measured["on_front"]].sort_values(sparsity)
    others = measured[~measured["on_front"]]
    axes.scatter(
        100 * others[sparsity], 100 * others[accuracy],
        s=22, color="0.6", label=f"trials ({len(measured)})",
    )  # fmt: skip
    # The edge of what the front dominates: left of a point, up to the point
    # before it, its accuracy is still reachable with at least that sparsity.
    axes.step(
        100 * front[sparsity], 100 * front[accuracy], where="pre",
        color="tab:red", linewidth=1.2, alpha=0.7,
    )  # fmt: skip
    axes.scatter(
        100 * front[sparsity], 100 * front[accuracy],
        s=40, color="tab:red", zorder=3, label=f"Pareto front ({len(front)})",
    )  # fmt: skip
    axes.axvline(
        100 * PAPER_SPARSITY_MARK, color="tab:blue", linestyle="--", linewidth=1,
        label="85% zeros (paper: accuracy holds up to here)",
    )  # fmt: skip
    axes.set_xlabel(f"{sparsity} (% exact zeros of hidden activations)")
    axes.set_ylabel(f"{accuracy} (%)")
    axes.set_xlim(-2, 102)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    if title:
        axes.set_title(title)
    if path is not None:
        path = pathlib.Path(path)
        with atomic_open(path, "wb") as file:
            figure.savefig(file, format=path.suffix.lstrip(".") or None, dpi=120)
    return figure
