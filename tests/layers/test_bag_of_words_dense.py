"""BagOfWordsDense: Dense on a binary bag-of-words, fed the active term ids."""

import keras
import numpy as np
import pytest

from sparserect.layers import BagOfWordsDense

pytestmark = pytest.mark.backend

VOCABULARY = 30
IDS = np.array([[0, 4, 29, -1], [7, -1, -1, -1], [-1, -1, -1, -1], [1, 2, 3, 4]], "int32")


def dense_inputs(ids, vocabulary=VOCABULARY):
    x = np.zeros((len(ids), vocabulary), "float32")
    for row, columns in enumerate(ids):
        x[row, columns[columns >= 0]] = 1.0
    return x


def twin_models(seed=0):
    """The same 30-8-3 network on dense inputs and on term ids, equal weights."""
    keras.utils.set_random_seed(seed)
    dense = keras.Sequential(
        [
            keras.Input((VOCABULARY,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    sparse = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            BagOfWordsDense(8, VOCABULARY, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    # Non-zero biases so that the bias path is checked too.
    weights = dense.get_weights()
    weights[1] = np.linspace(-0.5, 0.5, 8).astype("float32")
    dense.set_weights(weights)
    sparse.set_weights(weights)
    return dense, sparse


def test_outputs_equal_dense_on_the_binary_vector():
    layer = BagOfWordsDense(5, VOCABULARY, activation="relu", bias_initializer="ones")
    outputs = keras.ops.convert_to_numpy(layer(IDS))
    kernel, bias = layer.get_weights()
    expected = np.maximum(dense_inputs(IDS) @ kernel + bias, 0.0)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)


def test_dense_weights_load_and_round_trip():
    dense, sparse = twin_models()
    np.testing.assert_allclose(
        sparse.predict(IDS, verbose=0), dense.predict(dense_inputs(IDS), verbose=0), rtol=1e-5, atol=1e-6
    )
    back = keras.layers.Dense(8)
    back.build((None, VOCABULARY))
    back.set_weights(sparse.layers[0].get_weights())
    for a, b in zip(back.get_weights(), dense.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


def test_one_sgd_step_equals_the_dense_model():
    dense, sparse = twin_models()
    y = np.array([0, 1, 2, 1])
    for model in (dense, sparse):
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    dense.train_on_batch(dense_inputs(IDS), y)
    sparse.train_on_batch(IDS, y)
    for a, b in zip(sparse.get_weights(), dense.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # Rows of absent terms are untouched.
    _, untouched = twin_models()
    absent = np.setdiff1d(np.arange(VOCABULARY), IDS[IDS >= 0])
    np.testing.assert_array_equal(sparse.get_weights()[0][absent], untouched.get_weights()[0][absent])


def test_config_round_trip():
    layer = BagOfWordsDense(4, 10, activation="relu", use_bias=False, name="bow")
    clone = BagOfWordsDense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0, "vocabulary_size": 5}, "Received: units=0"),
        ({"units": 2, "vocabulary_size": -1}, "Received: vocabulary_size=-1"),
        ({"units": 2, "vocabulary_size": 5, "use_bias": "yes"}, "Received: use_bias='yes'"),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BagOfWordsDense(**kwargs)


@pytest.mark.tensorflow_only
def test_tensorflow_gradient_is_the_active_rows_only():
    import tensorflow as tf

    layer = BagOfWordsDense(3, VOCABULARY)
    layer.build((None, None))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(IDS))
    gradient = tape.gradient(loss, layer.kernel.value)
    assert isinstance(gradient, tf.IndexedSlices)
