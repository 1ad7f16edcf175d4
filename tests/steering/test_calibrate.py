import keras
import numpy as np
import pytest

from sparserect.layers import ThresholdedRectifier, build_network
from sparserect.measurement import sparsity_report
from sparserect.steering import calibrate_thresholds

pytestmark = pytest.mark.backend

UNITS = (24, 16)


@pytest.fixture
def x(rng):
    return rng.normal(size=(200, 10)).astype("float32")


def network(activation="rectifier", sign_trick=False):
    return build_network((10,), 3, UNITS, activation, activation_l1=0.0, sign_trick=sign_trick, seed=0)


@pytest.mark.parametrize("sparsity", [0.7, 0.9])
@pytest.mark.parametrize("sign_trick", [False, True])
def test_each_block_reaches_the_requested_sparsity_per_layer(x, sparsity, sign_trick):
    calibrated = calibrate_thresholds(network(sign_trick=sign_trick), x, sparsity)
    report = sparsity_report(calibrated, x).set_index("layer")
    for name, units in zip(("hidden_1", "hidden_2"), UNITS):
        assert abs(report.loc[name, "sparsity"] - sparsity) <= 1 / (len(x) * units) + 1e-9


def test_each_block_reaches_the_requested_sparsity_per_unit(x):
    calibrated = calibrate_thresholds(network(), x, 0.8, per_unit=True)
    report = sparsity_report(calibrated, x).set_index("layer")
    for name, units in zip(("hidden_1", "hidden_2"), UNITS):
        assert abs(report.loc[name, "sparsity"] - 0.8) <= 1 / len(x) + 1e-9
        threshold = calibrated.get_layer(name).activation.threshold
        assert len(threshold) == units and min(threshold) >= 0


def test_original_is_untouched_and_weights_are_shared_by_value(x):
    model = network()
    before = model.predict(x, verbose=0)
    calibrated = calibrate_thresholds(model, x, 0.9)
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)
    assert type(model.get_layer("hidden_1").activation) is keras.layers.ReLU
    assert isinstance(calibrated.get_layer("hidden_1").activation, ThresholdedRectifier)
    for mine, theirs in zip(calibrated.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_keras_file_round_trip_gives_equal_outputs(x, tmp_path):
    calibrated = calibrate_thresholds(network(), x, 0.85, per_unit=True)
    calibrated.save(tmp_path / "calibrated.keras")
    restored = keras.saving.load_model(tmp_path / "calibrated.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), calibrated.predict(x, verbose=0))


@pytest.mark.tensorflow_only
def test_exported_model_serves_the_same_outputs(x, tmp_path):
    import tensorflow as tf

    calibrated = calibrate_thresholds(network(), x, 0.85)
    calibrated.export(str(tmp_path / "served"), verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "served"))
    np.testing.assert_allclose(
        loaded.serve(x).numpy(), calibrated.predict(x, verbose=0), rtol=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("activation", ["tanh", "softplus", "elu"])
def test_activations_without_exact_zeros_are_refused(x, activation):
    with pytest.raises(ValueError, match="no exact zeros"):
        calibrate_thresholds(network(activation), x, 0.9)


def test_models_without_blocks_are_refused(x):
    inputs = keras.Input((10,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    with pytest.raises(ValueError, match="are not blocks"):
        calibrate_thresholds(model, x, 0.9)


@pytest.mark.parametrize("sparsity", [0.0, 1.0, -0.5, 2])
def test_sparsity_outside_the_open_unit_interval_is_refused(x, sparsity):
    with pytest.raises(ValueError, match="Received: sparsity="):
        calibrate_thresholds(network(), x, sparsity)


def test_a_block_already_sparser_than_requested_is_refused(x):
    with pytest.raises(ValueError, match="already"):
        calibrate_thresholds(network(), x, 0.05)
