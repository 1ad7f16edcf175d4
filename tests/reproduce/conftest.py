"""Tiny data for the reproduction tests."""

import numpy as np
import pytest

from sparserect.datasets import Dataset
from sparserect.datasets import Split


@pytest.fixture
def tiny_dataset():
    """Three Gaussian blobs in 12 dimensions: 60 / 30 / 30 examples."""
    generator = np.random.default_rng(0)
    centres = generator.normal(size=(3, 12)).astype("float32") * 2

    def split(count):
        y = generator.integers(0, 3, size=count)
        x = centres[y] + generator.normal(size=(count, 12)).astype("float32")
        return Split(x.astype("float32"), y.astype("int64"))

    return Dataset("tiny", split(60), split(30), split(30), ("a", "b", "c"))


@pytest.fixture
def tiny_options():
    """`train_configuration` options for networks that train in a second."""
    return dict(hidden_units=(16, 16), epochs=2, patience=2, pretraining_epochs=1, steps_per_execution=10)
