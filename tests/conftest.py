"""Shared test fixtures: backend markers, the real data sets' folder, tiny data."""

import os
import pathlib
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sparserect.datasets import Dataset  # noqa: E402
from sparserect.datasets import Split  # noqa: E402

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Skips TensorFlow-only tests when Keras runs on another backend."""
    if keras.backend.backend() == "tensorflow":
        return
    skip = pytest.mark.skip(
        reason=f"needs TensorFlow; KERAS_BACKEND={keras.backend.backend()}"
    )
    for item in items:
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data_dir():
    """The folder of real data sets (`../shared/data`), or a skip without it.

    CI always has it; set `SPARSERECT_TEST_DATA` to point elsewhere.
    """
    path = pathlib.Path(
        os.environ.get("SPARSERECT_TEST_DATA", REPO_ROOT.parent / "shared" / "data")
    )
    if not path.is_dir():
        pytest.skip(f"real data sets not found at {path}")
    return path


def backend_gradient(function, x):
    """Returns d function(x) / dx as numpy, on the active Keras backend."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        x = tf.Variable(x)
        with tf.GradientTape() as tape:
            value = function(x)
        return tape.gradient(value, x).numpy()
    if keras.backend.backend() == "jax":
        import jax

        return np.asarray(jax.grad(function)(x))
    raise NotImplementedError(keras.backend.backend())


def frameworks_imported_by(code):
    """Runs `code` in a fresh Python; returns which of TensorFlow, Keras and JAX it imported."""
    probe = "; print(sorted(m for m in ('tensorflow', 'keras', 'jax') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", "import sys; " + code + probe],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


@pytest.fixture
def imported_frameworks():
    """`imported_frameworks(code)`: the frameworks that `code` imports, e.g. `"[]"`."""
    return frameworks_imported_by


@pytest.fixture
def gradient():
    """The backend's gradient of a scalar function, as `gradient(fn, x)`."""
    return backend_gradient


@pytest.fixture
def rng():
    """A seeded numpy generator, fresh for each test."""
    return np.random.default_rng(1234)


@pytest.fixture
def data(rng):
    """40 examples of 8 features and 3 classes: the inputs of the small models of members."""
    x = rng.normal(size=(40, 8)).astype("float32")
    y = rng.integers(0, 3, size=40)
    return x, y


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
