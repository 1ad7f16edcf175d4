"""Fixtures of the tuning tests: a tiny data set and a tiny search space."""

import json

import numpy as np
import pytest

from sparserect.datasets import Dataset, Split



@pytest.fixture
def tiny_space():
    """`SparseNetworkHyperModel` arguments for networks that train in a second."""
    return dict(units=(8, 16), depth=(1, 2), activation=("rectifier", "tanh"))


@pytest.fixture(scope="session")
def tiny_dataset():
    """A 3-class problem on 10 features: 240 / 90 / 90 examples."""
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=2.0, size=(3, 10))
    labels = rng.integers(0, 3, size=420)
    x = (centres[labels] + rng.normal(size=(420, 10))).astype("float32")

    def split(rows):
        return Split(x[rows], labels[rows].astype("int64"))

    return Dataset(
        name="tiny",
        train=split(slice(0, 240)),
        validation=split(slice(240, 330)),
        test=split(slice(330, 420)),
        class_names=("a", "b", "c"),
    )


@pytest.fixture
def write_trial():
    """Writes a `trial_<id>/trial.json` as keras-tuner does: `write_trial(project, id, acc, sp)`."""
    return _write_trial


def _write_trial(project, trial_id, accuracy, sparsity, status="COMPLETED", **values):
    metrics = {}
    for name, value in (("val_accuracy", accuracy), ("val_sparsity", sparsity)):
        if value is not None:
            metrics[name] = {
                "direction": "max",
                "observations": [{"value": [value / 2], "step": 0}, {"value": [value], "step": 2}],
            }
    state = {
        "trial_id": trial_id,
        "hyperparameters": {"space": [], "values": values},
        "metrics": {"metrics": metrics},
        "score": accuracy,
        "best_step": 2,
        "status": status,
        "message": None,
    }
    folder = project / f"trial_{trial_id}"
    folder.mkdir(parents=True)
    (folder / "trial.json").write_text(json.dumps(state))
