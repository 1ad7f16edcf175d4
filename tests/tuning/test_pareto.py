import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from sparserect.tuning import pareto


def brute_force_front(accuracy, sparsity):
    """O(n^2): a point is on the front when no valid point dominates it."""
    n = len(accuracy)
    valid = ~(np.isnan(accuracy) | np.isnan(sparsity))
    mask = np.zeros(n, dtype=bool)
    for i in range(n):
        if not valid[i]:
            continue
        mask[i] = not any(
            valid[j]
            and accuracy[j] >= accuracy[i]
            and sparsity[j] >= sparsity[i]
            and (accuracy[j] > accuracy[i] or sparsity[j] > sparsity[i])
            for j in range(n)
        )
    return mask


@pytest.mark.parametrize("seed", range(40))
def test_mask_agrees_with_brute_force_on_random_points(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    # Coarse grids give many ties in one coordinate and exact duplicates.
    levels = int(rng.choice([3, 5, 10, 1000]))
    accuracy = rng.integers(0, levels, size=n) / levels
    sparsity = rng.integers(0, levels, size=n) / levels
    if seed % 4 == 0:  # duplicate some rows exactly
        rows = rng.integers(0, n, size=n // 2)
        accuracy = np.concatenate([accuracy, accuracy[rows]])
        sparsity = np.concatenate([sparsity, sparsity[rows]])
    if seed % 5 == 0:
        accuracy[rng.integers(0, len(accuracy))] = np.nan
    np.testing.assert_array_equal(
        pareto.pareto_mask(accuracy, sparsity), brute_force_front(accuracy, sparsity)
    )


def test_mask_small_cases():
    assert pareto.pareto_mask([], []).tolist() == []
    assert pareto.pareto_mask([0.5], [0.5]).tolist() == [True]
    # duplicates stay together; equal accuracy keeps only the sparsest
    assert pareto.pareto_mask([0.9, 0.9, 0.9, 0.8], [0.5, 0.5, 0.4, 0.5]).tolist() == [
        True, True, False, False,
    ]
    # equal sparsity keeps only the most accurate
    assert pareto.pareto_mask([0.9, 0.8, 0.7], [0.5, 0.5, 0.9]).tolist() == [True, False, True]
    # infinite values are values: the most accurate point is on the front
    assert pareto.pareto_mask([0.9], [-math.inf]).tolist() == [True]
    assert pareto.pareto_mask([0.9, 0.8], [-math.inf, -math.inf]).tolist() == [True, False]
    assert pareto.pareto_mask([0.9, 0.8], [-math.inf, 0.1]).tolist() == [True, True]
    with pytest.raises(ValueError, match="Received: accuracy.shape"):
        pareto.pareto_mask([1.0, 2.0], [1.0])


@pytest.fixture
def project(tmp_path, write_trial):
    project = tmp_path / "search" / "demo"
    write_trial(project, "00", 0.95, 0.50, activation="rectifier")
    write_trial(project, "01", 0.97, 0.20, activation="tanh")
    write_trial(project, "02", 0.90, 0.90, activation="rectifier", activation_l1=0.01)
    write_trial(project, "03", 0.94, 0.40, activation="softplus")  # dominated by 00
    write_trial(project, "04", 0.99, 0.95, status="RUNNING")  # not finished: no front
    write_trial(project, "05", None, None, status="FAILED")
    return project


def test_front_from_directory(project):
    frame = pareto.pareto_front(project.parent, project_name="demo")
    assert frame["trial_id"].tolist() == ["00", "01", "02", "03", "04", "05"]
    assert frame["on_front"].tolist() == [True, True, True, False, False, False]
    assert frame.loc[2, "activation_l1"] == 0.01 and math.isnan(frame.loc[0, "activation_l1"])
    assert math.isnan(frame.loc[5, "val_accuracy"])
    same = pareto.pareto_front(project)  # the project folder itself
    pd.testing.assert_frame_equal(frame, same)


def test_front_from_tuner_like_object(project):
    class Trial:
        def __init__(self, state):
            self.state = state

        def get_state(self):
            return self.state

    states = [json.loads(p.read_text()) for p in project.glob("trial_*/trial.json")]

    class Oracle:
        trials = {s["trial_id"]: Trial(s) for s in states}

    class Tuner:
        oracle = Oracle()

    frame = pareto.pareto_front(Tuner())
    pd.testing.assert_frame_equal(frame, pareto.pareto_front(project))


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Received: source="):
        pareto.pareto_front(tmp_path / "missing")
    with pytest.raises(TypeError, match="Received: source=42"):
        pareto.pareto_front(42)
    empty = tmp_path / "empty"
    empty.mkdir()
    frame = pareto.pareto_front(empty)
    assert frame.empty and "on_front" in frame.columns
    with pytest.raises(ValueError, match="No completed trial"):
        pareto.sparsest_within(frame, 1.0)


def test_sparsest_within(project):
    frame = pareto.pareto_front(project)
    # best finished accuracy 0.97; within 3 points: 00 (0.95, 0.5) and 01
    assert pareto.sparsest_within(frame, 3.0)["trial_id"] == "00"
    assert pareto.sparsest_within(frame, 0.0)["trial_id"] == "01"
    assert pareto.sparsest_within(frame, 7.0)["trial_id"] == "02"


def test_plot_writes_png(project, tmp_path):
    frame = pareto.pareto_front(project)
    path = tmp_path / "front.png"
    figure = pareto.plot_pareto_front(frame, path, title="demo")
    assert path.stat().st_size > 1000
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert labels[:2] == ["trials (5)", "Pareto front (3), hypervolume 0.8390"] and labels[2].startswith("85% zeros")
    # Between two front points the staircase shows the sparser one's
    # accuracy, the best reachable with at least that sparsity.
    staircase = figure.axes[0].lines[0]  # the 85% mark is the second line
    assert staircase.get_drawstyle() == "steps-pre"
    assert list(staircase.get_xdata()) == [20.0, 50.0, 90.0]
    assert list(staircase.get_ydata()) == pytest.approx([97.0, 95.0, 90.0])


def test_plot_writes_the_format_its_suffix_names(project, tmp_path):
    frame = pareto.pareto_front(project)
    folder = tmp_path / "plots"
    pareto.plot_pareto_front(frame, folder / "front.svg")
    assert (folder / "front.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert [p.name for p in folder.iterdir()] == ["front.svg"]


def test_failed_plot_keeps_the_old_file(project, tmp_path):
    frame = pareto.pareto_front(project)
    folder = tmp_path / "plots"
    folder.mkdir()
    path = folder / "front.xyz"
    path.write_bytes(b"old")
    with pytest.raises(ValueError, match="xyz"):
        pareto.plot_pareto_front(frame, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == ["front.xyz"]


def brute_force_hypervolume(points, reference, cells=None):
    """The dominated volume counted on the grid of all point coordinates: exact for any d."""
    points = np.asarray(points, dtype=float)
    reference = np.asarray(reference, dtype=float)
    points = points[~np.isnan(points).any(axis=1)]
    # Every cell between consecutive coordinates is dominated wholly or not at all.
    edges = [np.unique(np.concatenate([[r], np.maximum(points[:, k], r)])) for k, r in enumerate(reference)]
    volume = 0.0
    for cell in itertools.product(*[range(len(e) - 1) for e in edges]):
        upper = np.array([edges[k][i + 1] for k, i in enumerate(cell)])
        lower = np.array([edges[k][i] for k, i in enumerate(cell)])
        if any((p >= upper).all() for p in points):
            volume += np.prod(upper - lower)
    return volume


@pytest.mark.parametrize("seed", range(30))
def test_hypervolume_agrees_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    d = 2 if seed < 20 else 3
    n = int(rng.integers(0, 25 if d == 2 else 10))
    levels = int(rng.choice([3, 5, 1000]))  # ties and duplicates on coarse grids
    points = rng.integers(0, levels, size=(n, d)) / levels
    if seed % 5 == 0 and n:
        points[0, 0] = np.nan
    reference = rng.uniform(-0.2, 0.4, size=d)
    expected = brute_force_hypervolume(points, reference)
    assert pareto.hypervolume(points, reference) == pytest.approx(expected, abs=1e-12)
    # Adding each candidate alone: the improvement is the difference of hypervolumes.
    candidates = rng.uniform(-0.1, 1.1, size=(6, d))
    gains = pareto.hypervolume_improvements(candidates, points, reference)
    for candidate, gain in zip(candidates, gains):
        with_it = brute_force_hypervolume(np.vstack([points, candidate]), reference)
        assert gain == pytest.approx(with_it - expected, abs=1e-12)


def test_hypervolume_examples_and_errors():
    assert pareto.hypervolume([[0.9, 0.5], [0.8, 0.9]], [0, 0]) == pytest.approx(0.77)
    assert pareto.hypervolume(np.zeros((0, 2)), [0, 0]) == 0.0
    assert pareto.hypervolume([[0.5, 0.5]], [0.6, 0.0]) == 0.0  # not above the reference
    assert pareto.hypervolume([[1, 1, 1], [0.5, 0.5, 2]], [0, 0, 0]) == pytest.approx(1.25)
    with pytest.raises(ValueError, match="Received: points.shape=\\(2,\\)"):
        pareto.hypervolume([0.5, 0.5], [0, 0])
    with pytest.raises(ValueError, match="reference=\\[0.0, inf\\]"):
        pareto.hypervolume([[0.5, 0.5]], [0, np.inf])


def test_front_has_the_hypervolume_after_each_trial(project):
    frame = pareto.pareto_front(project)
    # 00: 0.95*0.5; 01 adds (0.97-0.95)*0.2; 02 adds 0.9*0.4; 03-05 add nothing
    after = [0.475, 0.479, 0.839, 0.839, 0.839, 0.839]
    assert frame["hypervolume"].tolist() == pytest.approx(after)
    shifted = pareto.pareto_front(project, reference=(0.9, 0.0))
    assert shifted["hypervolume"].iloc[-1] == pytest.approx(0.05 * 0.5 + 0.02 * 0.2)


def test_mask_of_three_objectives():
    mask = pareto.pareto_mask([1.0, 0.5, 0.2, 0.2, np.nan], [1, 0.5, 3, 3, 9], [1, 2, 0.1, 0.0, 9])
    assert mask.tolist() == [True, True, True, False, False]
    with pytest.raises(ValueError, match="Received: shapes of others"):
        pareto.pareto_mask([1.0], [1.0], [1.0, 2.0])
