import re

import keras
import numpy as np
import pytest

from sparserect.layers import ActivationL1

pytestmark = pytest.mark.backend


def penalty_losses(regularizer, h):
    """The activity losses Keras records for a layer that outputs `h`."""
    layer = keras.layers.Identity(activity_regularizer=regularizer)
    layer(h)
    return [float(keras.ops.convert_to_numpy(loss)) for loss in layer.losses]


def test_penalty_is_coefficient_times_batch_mean_of_per_example_sum(rng):
    h = rng.normal(size=(10, 1000)).astype("float32")
    expected = 0.001 * np.abs(h.astype("float64")).sum(axis=1).mean()
    (loss,) = penalty_losses(ActivationL1(0.001), h)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_penalty_equals_keras_l1_activity_regularizer(rng):
    h = rng.normal(size=(32, 100)).astype("float32")
    np.testing.assert_allclose(
        penalty_losses(ActivationL1(0.003), h),
        penalty_losses(keras.regularizers.L1(0.003), h),
        rtol=1e-6,
    )


def test_penalty_does_not_depend_on_batch_size(rng):
    h = rng.normal(size=(10, 50)).astype("float32")
    (small,) = penalty_losses(ActivationL1(0.01), h)
    (large,) = penalty_losses(ActivationL1(0.01), np.concatenate([h] * 10))
    np.testing.assert_allclose(small, large, rtol=1e-5)


def test_penalty_gradient_matches_numpy(rng, gradient):
    h = rng.normal(size=(8, 20)).astype("float32")
    regularizer = ActivationL1(0.5)

    def batch_penalty(x):
        return regularizer(x) / x.shape[0]

    np.testing.assert_allclose(
        gradient(batch_penalty, h), 0.5 * np.sign(h) / h.shape[0], rtol=1e-6
    )


def test_penalty_is_finite_under_mixed_float16():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        inputs = keras.Input((4000,))
        outputs = keras.layers.Dense(
            4000,
            kernel_initializer="ones",
            activity_regularizer=ActivationL1(0.001),
        )(inputs)
        model = keras.Model(inputs, outputs)
        x = np.full((4, 4000), 1.0, dtype="float32")
        model(x)
        # Each activation is 4000, its float16 sum over 4000 units overflows.
        (loss,) = [keras.ops.convert_to_numpy(loss) for loss in model.losses]
    finally:
        keras.config.set_dtype_policy(previous)
    assert np.isfinite(loss)
    np.testing.assert_allclose(loss, 0.001 * 4000 * 4000, rtol=1e-3)


def test_config_round_trip():
    regularizer = ActivationL1(0.02)
    restored = keras.regularizers.deserialize(keras.regularizers.serialize(regularizer))
    assert isinstance(restored, ActivationL1)
    assert restored.get_config() == {"coefficient": 0.02}


@pytest.mark.parametrize("coefficient", [-0.1, float("nan"), float("inf"), "0.1", None, True])
def test_rejects_bad_coefficient(coefficient):
    with pytest.raises(ValueError, match=re.escape(f"Received: coefficient={coefficient!r}")):
        ActivationL1(coefficient)


def test_accepts_numpy_coefficients():
    """A coefficient from a NumPy grid, such as `np.float32(0.001)`, is stored as a float."""
    regularizer = ActivationL1(np.float32(0.001))
    assert isinstance(regularizer.coefficient, float)
    assert regularizer.get_config() == {"coefficient": pytest.approx(0.001)}
