"""SparseRowSGD: plain SGD on JAX that updates only the touched kernel rows."""

import keras
import numpy as np
import pytest

from sparserect.layers import BagOfWordsDense

pytestmark = pytest.mark.backend
jax_only = pytest.mark.skipif(keras.backend.backend() != "jax", reason="SparseRowSGD runs on JAX")

VOCABULARY = 30


def term_ids(rng, batch, width):
    """Distinct random ids per row, 0 to `width` of them, padded with -1."""
    ids = np.full((batch, width), -1, np.int32)
    for row in ids:
        count = rng.integers(0, width + 1)
        row[:count] = np.sort(rng.choice(VOCABULARY, count, replace=False))
    return ids


def dense_inputs(ids):
    x = np.zeros((len(ids), VOCABULARY), "float32")
    for row, columns in zip(x, ids):
        row[columns[columns >= 0]] = 1.0
    return x


def twin_models(penalty=0.0):
    """The same network on dense inputs and on term ids (an activity L1
    penalty on the first layer's outputs), equal weights."""
    keras.utils.set_random_seed(0)
    dense = keras.Sequential(
        [keras.Input((VOCABULARY,)), keras.layers.Dense(8, activation="relu"),
         keras.layers.ActivityRegularization(l1=penalty), keras.layers.Dense(4, activation="softmax")]
    )
    sparse = keras.Sequential(
        [keras.Input((None,), dtype="int32"), BagOfWordsDense(8, VOCABULARY, activation="relu"),
         keras.layers.ActivityRegularization(l1=penalty), keras.layers.Dense(4, activation="softmax")]
    )
    weights = dense.get_weights()
    weights[1] = np.linspace(-0.2, 0.2, 8).astype("float32")
    dense.set_weights(weights)
    sparse.set_weights(weights)
    return dense, sparse


@jax_only
@pytest.mark.parametrize("penalty", [0.0, 0.01])
def test_steps_equal_keras_sgd_on_the_dense_model(rng, penalty):
    from sparserect.sparse_sgd import SparseRowSGD

    dense, sparse = twin_models(penalty)
    dense.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
    trainer = SparseRowSGD(sparse, loss="sparse_categorical_crossentropy", learning_rate=0.5)
    for width in (9, 4, 9, 1):  # Widths may change between batches.
        ids = term_ids(rng, 10, width)
        y = rng.integers(0, 4, size=10)
        expected = dense.train_on_batch(dense_inputs(ids), y)
        np.testing.assert_allclose(float(trainer.train_on_batch(ids, y)), expected, rtol=1e-5)
    trainer.write_weights()
    for a, b in zip(sparse.get_weights(), dense.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # Training goes on after the weights were written back.
    trainer.train_on_batch(ids, y)
    trainer.write_weights()
    assert np.isfinite(sparse.get_weights()[0]).all()


@jax_only
def test_rows_of_absent_terms_are_untouched(rng):
    from sparserect.sparse_sgd import SparseRowSGD

    _, sparse = twin_models()
    before = sparse.get_weights()[0]
    trainer = SparseRowSGD(sparse, loss="sparse_categorical_crossentropy", learning_rate=0.5)
    ids = term_ids(rng, 10, 5)
    trainer.train_on_batch(ids, rng.integers(0, 4, size=10))
    trainer.write_weights()
    after = sparse.get_weights()[0]
    absent = np.setdiff1d(np.arange(VOCABULARY), ids)
    np.testing.assert_array_equal(after[absent], before[absent])
    assert not np.allclose(after, before)


@jax_only
def test_errors():
    from sparserect.sparse_sgd import SparseRowSGD

    dense, sparse = twin_models()
    with pytest.raises(ValueError, match=r"Received: model.layers\[0\]=Dense"):
        SparseRowSGD(dense, loss="mse", learning_rate=0.1)
    with pytest.raises(ValueError, match="Received: learning_rate=0"):
        SparseRowSGD(sparse, loss="mse", learning_rate=0)


@pytest.mark.tensorflow_only
def test_tensorflow_is_pointed_to_model_fit():
    from sparserect.sparse_sgd import SparseRowSGD

    _, sparse = twin_models()
    with pytest.raises(RuntimeError, match="Received: backend='tensorflow'"):
        SparseRowSGD(sparse, loss="mse", learning_rate=0.1)
