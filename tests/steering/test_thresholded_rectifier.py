import keras
import numpy as np
import pytest

from sparserect.layers import ThresholdedRectifier

pytestmark = pytest.mark.backend


def test_keeps_values_above_the_threshold_and_zeroes_the_rest(rng):
    x = rng.normal(size=(20, 6)).astype("float32")
    x[0, 0] = 0.5  # exactly at the threshold: 0
    out = keras.ops.convert_to_numpy(ThresholdedRectifier(0.5)(x))
    np.testing.assert_array_equal(out, np.where(x > 0.5, x, 0.0))


def test_one_threshold_per_unit(rng):
    x = rng.normal(size=(20, 3)).astype("float32")
    thresholds = np.array([0.0, 0.5, -0.25], dtype="float32")
    out = keras.ops.convert_to_numpy(ThresholdedRectifier(thresholds.tolist())(x))
    np.testing.assert_array_equal(out, np.where(x > thresholds, x, 0.0))


def test_scalar_threshold_agrees_with_keras_relu(rng):
    x = rng.normal(size=(50, 4)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(ThresholdedRectifier(0.3)(x)),
        keras.ops.convert_to_numpy(keras.layers.ReLU(threshold=0.3)(x)),
    )


def test_keras_file_round_trip(rng, tmp_path):
    x = rng.normal(size=(8, 3)).astype("float32")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, ThresholdedRectifier([0.1, 0.2, 0.3])(inputs))
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert restored.layers[-1].get_config()["threshold"] == pytest.approx([0.1, 0.2, 0.3])


@pytest.mark.parametrize("threshold", [float("nan"), float("inf"), [], [0.1, None], "0.1"])
def test_bad_thresholds_are_refused(threshold):
    with pytest.raises(ValueError, match="Received: threshold="):
        ThresholdedRectifier(threshold)


def test_threshold_count_must_match_units():
    with pytest.raises(ValueError, match="2 thresholds"):
        ThresholdedRectifier([0.1, 0.2])(np.zeros((1, 3), dtype="float32"))
