import re

import keras
import numpy as np
import pytest

from sparserect import layers
from sparserect.layers import activations

pytestmark = pytest.mark.backend

X = np.linspace(-6.0, 6.0, 49, dtype="float32").reshape(7, 7)


def numpy_softplus(x, a):
    return np.logaddexp(0.0, a * x.astype("float64")) / a


@pytest.mark.parametrize(
    "name, expected",
    [
        ("rectifier", np.maximum(X, 0)),
        ("relu", np.maximum(X, 0)),
        ("tanh", np.tanh(X)),
        ("softplus", numpy_softplus(X, 1.0)),
        ("leaky_rectifier", np.where(X > 0, X, 0.01 * X)),
        ("parametric_rectifier", np.where(X > 0, X, 0.25 * X)),
        ("elu", np.where(X > 0, X, np.expm1(X))),
    ],
)
def test_named_activation_matches_numpy_with_papers_defaults(name, expected):
    layer = activations.get(name)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(X)), expected, rtol=1e-5, atol=1e-6
    )


def test_keras_layers_are_used_with_papers_defaults():
    assert isinstance(layers.leaky_rectifier(), keras.layers.LeakyReLU)
    assert layers.leaky_rectifier().negative_slope == 0.01
    prelu = layers.parametric_rectifier()
    prelu.build((None, 5))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(prelu.alpha), 0.25)
    assert prelu.alpha.trainable
    assert isinstance(layers.elu(), keras.layers.ELU)
    assert isinstance(layers.rectifier(), keras.layers.ReLU)


def test_get_returns_a_new_layer_per_call_and_keeps_given_layers():
    assert activations.get("rectifier") is not activations.get("rectifier")
    layer = keras.layers.ReLU()
    assert activations.get(layer) is layer
    assert isinstance(activations.get(keras.saving.serialize_keras_object(layer)), keras.layers.ReLU)


def test_get_rejects_unknown_names():
    with pytest.raises(ValueError, match="Received: activation='sigmoidal'"):
        activations.get("sigmoidal")


@pytest.mark.parametrize("sharpness", [1.0, 1.3, 2.0, 3.0, 6.0])
def test_scaled_softplus_matches_numpy(sharpness):
    layer = layers.ScaledSoftplus(sharpness)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(X)), numpy_softplus(X, sharpness), rtol=1e-5, atol=1e-6
    )


def test_scaled_softplus_is_stable_for_large_inputs():
    x = np.array([-1e4, -100.0, 100.0, 1e4], dtype="float32")
    y = keras.ops.convert_to_numpy(layers.scaled_softplus(x, 6.0))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, [0.0, 0.0, 100.0, 1e4], rtol=1e-6, atol=1e-6)


def test_scaled_softplus_tends_to_the_rectifier():
    errors = [
        np.abs(keras.ops.convert_to_numpy(layers.scaled_softplus(X, a)) - np.maximum(X, 0)).max()
        for a in (1.0, 6.0, 100.0)
    ]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < np.log(2) / 100 + 1e-6  # the gap is log(2)/a, at x = 0


@pytest.mark.parametrize("sharpness", [0, -1.0, float("inf"), float("nan"), "2", True, None])
def test_scaled_softplus_rejects_bad_sharpness(sharpness):
    with pytest.raises(ValueError, match=re.escape(f"Received: sharpness={sharpness!r}")):
        layers.ScaledSoftplus(sharpness)


def test_scaled_softplus_accepts_numpy_sharpness():
    layer = layers.ScaledSoftplus(np.float32(6.0))
    assert type(layer.sharpness) is float and layer.get_config()["sharpness"] == 6.0
