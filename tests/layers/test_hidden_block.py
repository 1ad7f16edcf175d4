import json

import keras
import numpy as np
import pytest

from sparserect.layers import HiddenBlock, ScaledSoftplus, build_network

pytestmark = pytest.mark.backend


def numpy_of(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_output_is_dense_then_activation_then_sign(rng):
    block = HiddenBlock(30, activation="rectifier", sign_trick=True, seed=2)
    x = rng.normal(size=(6, 12)).astype("float32")
    outputs = numpy_of(block(x))
    kernel, bias = (numpy_of(w) for w in block.dense.weights)
    expected = np.maximum(x @ kernel + bias, 0) * numpy_of(block.sign_mask)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)


def test_initialisation_is_glorot_uniform_with_zero_biases():
    block = HiddenBlock(1000, seed=0)
    block.build((None, 784))
    kernel, bias = (numpy_of(w) for w in block.dense.weights)
    limit = np.sqrt(6 / (784 + 1000))
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.99 * limit
    np.testing.assert_allclose(kernel.std(), limit / np.sqrt(3), rtol=0.01)
    np.testing.assert_array_equal(bias, 0)


def test_seed_fixes_kernel_and_mask():
    first, second = HiddenBlock(20, sign_trick=True, seed=9), HiddenBlock(20, sign_trick=True, seed=9)
    for block in (first, second):
        block.build((None, 5))
    for a, b in zip(first.weights, second.weights):
        np.testing.assert_array_equal(numpy_of(a), numpy_of(b))


def test_activation_l1_adds_the_papers_penalty(rng):
    block = HiddenBlock(40, activation_l1=0.001, sign_trick=True, seed=1)
    x = rng.normal(size=(10, 8)).astype("float32")
    h = np.abs(numpy_of(block(x)))
    (loss,) = block.losses
    np.testing.assert_allclose(numpy_of(loss), 0.001 * h.sum(axis=1).mean(), rtol=1e-5)
    assert HiddenBlock(40).activity_regularizer is None


def test_config_round_trip_keeps_every_argument():
    block = HiddenBlock(
        16,
        activation=ScaledSoftplus(3.0),
        activation_l1=0.01,
        sign_trick=True,
        seed=4,
        kernel_regularizer="l2",
        name="block",
    )
    config = block.get_config()
    restored = HiddenBlock.from_config(config)
    assert restored.get_config() == config
    assert isinstance(restored.activation, ScaledSoftplus)
    assert restored.activation.sharpness == 3.0
    assert restored.activation_l1 == 0.01 and restored.sign_trick and restored.seed == 4


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "Received: units=0"),
        ({"units": 10, "seed": -2}, "Received: seed=-2"),
        ({"units": 10, "activation_l1": -1.0}, "Received: activation_l1=-1.0"),
        ({"units": 10, "activation_l1": None}, "Received: activation_l1=None"),
        ({"units": 10, "sign_trick": "False"}, "Received: sign_trick='False'"),
        ({"units": 10, "activation": "sigmoidal"}, "Received: activation='sigmoidal'"),
        ({"units": 10, "activity_regularizer": "l1"}, "Received: activity_regularizer='l1'"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HiddenBlock(**kwargs)


def test_network_has_the_papers_shape():
    model = build_network((28, 28), 10, seed=0)
    dense_shapes = [tuple(w.shape) for w in model.weights if w.path.endswith("kernel")]
    assert dense_shapes == [(784, 1000), (1000, 1000), (1000, 1000), (1000, 10)]
    assert all(layer.activation_l1 == 0.001 for layer in model.layers[2:5])


def test_network_without_hidden_layer_is_softmax_regression(rng):
    model = build_network((6,), 3, hidden_units=(), seed=0)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense"]
    x = rng.normal(size=(4, 6)).astype("float32")
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in model.weights)
    logits = x @ kernel + bias
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), expected, rtol=1e-5)


def test_network_takes_one_l1_coefficient_per_block():
    model = build_network((6,), 3, hidden_units=(4, 4, 4), activation_l1=(1e-4, 0.0, 0.0))
    blocks = [layer for layer in model.layers if isinstance(layer, HiddenBlock)]
    assert [block.activation_l1 for block in blocks] == [1e-4, 0.0, 0.0]
    # Only the first block adds a penalty.
    assert [block.activity_regularizer is None for block in blocks] == [False, True, True]


def test_network_blocks_get_their_own_activation_layer():
    model = build_network((6,), 3, hidden_units=(4, 4), activation=keras.layers.PReLU())
    alphas = [w for w in model.weights if "alpha" in w.path]
    assert len(alphas) == 2


def test_network_learns_a_separable_problem(rng):
    x = rng.normal(size=(200, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = build_network((5,), 2, hidden_units=(32, 32), sign_trick=True, seed=0)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=10, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_classes": 1}, "Received: num_classes=1"),
        (
            {"num_classes": 10, "hidden_units": (4, 4), "activation_l1": (0.1,)},
            r"one coefficient per hidden block \(2\). Received: activation_l1=\(0.1,\)",
        ),
        ({"num_classes": 10, "seed": 1.5}, "Received: seed=1.5"),
    ],
)
def test_network_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_network((4,), **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((784, 10), {}, r"shape of one example as a tuple, e.g. \(784,\). Received: input_shape=784"),
        (((784,), 10), {"hidden_units": 256}, "sequence of widths.*Received: hidden_units=256"),
    ],
)
def test_network_explains_a_number_where_a_shape_or_widths_belong(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_network(*args, **kwargs)


def test_numpy_integers_are_accepted_and_configs_hold_python_ints():
    block = HiddenBlock(np.int64(8), seed=np.int32(3), sign_trick=True)
    block.build((None, 4))
    config = block.get_config()
    assert type(config["units"]) is int and type(config["seed"]) is int
    json.dumps(config)
    model = build_network(
        (4,), np.int64(3), hidden_units=np.array([5, 6]), activation_l1=np.array([0.0, 1e-3]),
        seed=np.int64(2),
    )
    assert [layer.units for layer in model.layers if isinstance(layer, HiddenBlock)] == [5, 6]
    assert model.get_layer("hidden_2").activation_l1 == 1e-3
    scalar = build_network((4,), 3, hidden_units=(5, 6), activation_l1=np.array(1e-3))
    assert [scalar.get_layer(f"hidden_{i}").activation_l1 for i in (1, 2)] == [1e-3, 1e-3]
    json.dumps(scalar.get_config())


def test_a_sign_mask_drawn_without_seed_survives_a_config_round_trip():
    block = HiddenBlock(30, sign_trick=True)
    block.build((None, 4))
    restored = HiddenBlock.from_config(block.get_config())
    restored.build((None, 4))
    np.testing.assert_array_equal(numpy_of(restored.sign_mask), numpy_of(block.sign_mask))


def test_the_activation_layer_follows_the_blocks_dtype():
    block = HiddenBlock(4, activation="parametric_rectifier", dtype="bfloat16")
    outputs = block(np.ones((2, 3), "float32"))
    assert block.activation.dtype_policy.name == "bfloat16"
    assert keras.backend.standardize_dtype(outputs.dtype) == "bfloat16"
    assert [w.dtype for w in block.activation.weights] == ["bfloat16"]


def test_under_mixed_precision_the_softmax_is_float32():
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = build_network((4,), 3, hidden_units=(8,), seed=0)
    finally:
        keras.config.set_dtype_policy("float32")
    assert model.get_layer("hidden_1").activation.compute_dtype == "float16"
    outputs = model(np.ones((2, 4), "float32"))
    assert keras.backend.standardize_dtype(outputs.dtype) == "float32"
