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


def pareto_mask(accuracy, sparsity, *others):
    """Returns which points are on the Pareto front, maximising every coordinate.

    A point is dominated when another point is `>=` in every coordinate and
    `>` in at least one. Identical points do not dominate each other: all of
    them are on the front, or none. NaN points are never on the front and
    dominate nothing. Runs in `O(n log n)` for two coordinates, `O(n^2)`
    for more.

    Args:
        accuracy: 1-D array-like of floats.
        sparsity: 1-D array-like of floats, the same length.
        *others: Further objectives to maximise, 1-D array-likes of the
            same length (e.g. the third objective of a `ParetoOracle`).

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
    if others:
        others = [np.asarray(column, dtype=np.float64) for column in others]
        if any(column.shape != accuracy.shape for column in others):
            raise ValueError(
                "Every further objective must be 1-D and as long as `accuracy`. "
                f"Received: shapes of others={[column.shape for column in others]}"
            )
        return _mask_of_many(np.stack([accuracy, sparsity, *others], axis=1))
    mask = np.zeros(accuracy.shape, dtype=bool)
    valid = np.flatnonzero(~(np.isnan(accuracy) | np.isnan(sparsity)))
    # Best accuracy first; within equal accuracy, the sparsest first.
    order = valid[np.lexsort((-sparsity[valid], -accuracy[valid]))]
    first = np.searchsorted(-accuracy[order], -accuracy[order])  # start of each accuracy group
    group_best = sparsity[order][first]
    above = np.maximum.accumulate(sparsity[order])[first - 1]  # over strictly more accurate
    mask[order] = (sparsity[order] == group_best) & ((first == 0) | (group_best > above))
    return mask


def _mask_of_many(points):
    """`pareto_mask` of an `(n, d)` array, by comparing every pair of points."""
    valid = ~np.isnan(points).any(axis=1)
    candidates = points[valid]
    at_least = (candidates[:, None, :] >= candidates[None, :, :]).all(axis=2)
    better = (candidates[:, None, :] > candidates[None, :, :]).any(axis=2)
    mask = np.zeros(len(points), dtype=bool)
    mask[valid] = ~(at_least & better).any(axis=0)  # no j dominates i
    return mask


def hypervolume(front, reference):
    """Returns the hypervolume of a set of points to maximise, above a reference point.

    Formula, for points `p_i` and reference `r`:

    ``` python
    hypervolume = volume(union_i box(r, p_i))   # box(r, p): r <= x <= p
    ```

    the volume of what the points dominate and the reference does not. It
    is the standard one-number measure of a Pareto front (Zitzler & Thiele,
    1998): it grows exactly when a new point extends the front, and only
    the front counts (dominated points, and points not above the reference
    in every coordinate, add nothing; rows with a NaN are ignored). For
    validation accuracy and sparsity with the reference `(0, 0)`, it is the
    area under the front's staircase: the mean, over sparsity levels `s`
    from 0 to 1, of the best accuracy reached with at least `s` of exact
    zeros.

    Exact in every dimension: a sweep in `O(n log n)` for two objectives,
    slices along the last objective for more (`O(n^(d-1) log n)`).

    Example:

    ``` python
    hypervolume([[0.9, 0.5], [0.8, 0.9]], reference=[0.0, 0.0])
    # 0.9 * 0.5 + 0.8 * (0.9 - 0.5) = 0.77
    ```

    Args:
        front: Array-like of shape `(n, d)`, one point per row, every
            coordinate to be maximised (negate those to minimise).
        reference: Array-like of shape `(d,)`, finite: the worst value that
            still counts, per coordinate.

    Returns:
        A float >= 0.
    """
    points, reference = _points_and_reference(front, reference)
    return float(_volume(np.maximum(points, reference), reference))


def hypervolume_improvements(candidates, front, reference):
    """Returns how much each candidate point alone would add to the hypervolume of `front`.

    Formula: `hypervolume(front + [c]) - hypervolume(front)` for every row
    `c` of `candidates`, computed as `volume(box(r, c)) -
    hypervolume(minimum(front, c))` (the part of the candidate's box that
    the front already covers is the hypervolume of the front clipped to the
    box). Vectorised over the candidates for two objectives.

    Args:
        candidates: Array-like of shape `(m, d)`.
        front: Array-like of shape `(n, d)`, `n` may be 0.
        reference: Array-like of shape `(d,)`.

    Returns:
        A numpy array of shape `(m,)`, every value >= 0.
    """
    candidates, reference = _points_and_reference(candidates, reference, keep_nan=True)
    points, _ = _points_and_reference(np.reshape(front, (-1, len(reference))), reference)
    candidates = np.maximum(candidates, reference)
    boxes = np.prod(candidates - reference, axis=1)
    if not len(points):
        return np.nan_to_num(boxes)
    clipped = np.maximum(np.minimum(points[None, :, :], candidates[:, None, :]), reference)
    if len(reference) == 2:
        covered = _staircase_areas(clipped, reference)
    else:
        covered = np.array([_volume(rows, reference) for rows in clipped])
    return np.nan_to_num(np.maximum(boxes - covered, 0.0))


def _points_and_reference(points, reference, keep_nan=False):
    """Validates `(n, d)` points and a `(d,)` reference; drops NaN rows unless `keep_nan`."""
    points = np.asarray(points, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if points.ndim != 2 or reference.shape != points.shape[1:] or not np.isfinite(reference).all():
        raise ValueError(
            "Expected points of shape (n, d) and a finite reference of shape (d,). "
            f"Received: points.shape={points.shape}, reference={reference.tolist()}"
        )
    if not keep_nan:
        points = points[~np.isnan(points).any(axis=1)]
    return points, reference


def _volume(points, reference):
    """Hypervolume of points already clipped to be `>= reference`."""
    if not len(points):
        return 0.0
    if points.shape[1] == 1:
        return float(points[:, 0].max() - reference[0])
    if points.shape[1] == 2:
        return float(_staircase_areas(points[None], reference)[0])
    order = np.argsort(-points[:, -1], kind="stable")
    levels = np.append(points[order, -1], reference[-1])
    volume = 0.0
    for i in range(len(order)):  # the slice between two levels of the last objective
        if levels[i] > levels[i + 1]:
            volume += (levels[i] - levels[i + 1]) * _volume(
                points[order[: i + 1], :-1], reference[:-1]
            )
    return volume


def _staircase_areas(sets, reference):
    """Areas dominated by each of `m` sets of 2-D points, shape `(m, n, 2)`, all `>= reference`.

    Sorted by the first coordinate, descending, the points `0..i` are those
    at least as far as any `x` in `(a_(i+1), a_i]`; above `x` the union of
    boxes reaches the largest second coordinate among them.
    """
    first = sets[..., 0]
    order = np.argsort(-first, axis=1, kind="stable")
    first = np.take_along_axis(first, order, axis=1)
    second = np.maximum.accumulate(np.take_along_axis(sets[..., 1], order, axis=1), axis=1)
    following = np.concatenate([first[:, 1:], np.full((len(first), 1), reference[0])], axis=1)
    return np.sum((first - following) * (second - reference[1]), axis=1)


def pareto_front(
    source, project_name=None, accuracy="val_accuracy", sparsity="val_sparsity", reference=(0.0, 0.0)
):
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
        reference: The `(accuracy, sparsity)` reference point of the
            `hypervolume` column. Defaults to `(0, 0)`.

    Returns:
        A `pandas.DataFrame`, one row per trial in trial-id order: `trial_id`,
        `status`, the two metrics (named as given), `score` (the tuner's
        objective value), `on_front` (bool), `hypervolume` (of the front of
        the completed trials up to this one, in trial-id order, the order
        the oracle created them), then one column per hyperparameter
        (missing where a conditional one was inactive).
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
    points = np.column_stack([frame[accuracy].where(completed), frame[sparsity]]).astype(float)
    frame.insert(len(columns), "on_front", pareto_mask(*points.T))
    volumes = [hypervolume(points[: i + 1], reference) for i in range(len(points))]
    frame.insert(len(columns) + 1, "hypervolume", volumes)
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
    Glorot et al. (2011) found that accuracy holds up to about there. The
    legend gives the front's hypervolume (the frame's last `hypervolume`).

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
    label = f"Pareto front ({len(front)})"
    if "hypervolume" in frame and len(frame):
        label += f", hypervolume {frame['hypervolume'].iloc[-1]:.4f}"
    axes.scatter(
        100 * front[sparsity], 100 * front[accuracy],
        s=40, color="tab:red", zorder=3, label=label,
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
