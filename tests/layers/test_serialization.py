"""Every sparserect layer and regularizer saves, reloads and exports unchanged."""

import keras
import numpy as np
import pytest

from sparserect import layers

LAYER_FACTORIES = {
    "scaled_softplus": lambda: layers.ScaledSoftplus(3.0),
    "sign_flip": lambda: layers.SignFlip(seed=3),
    "hidden_block_rectifier": lambda: layers.HiddenBlock(
        12, activation_l1=0.001, sign_trick=True, seed=1
    ),
    "hidden_block_softplus": lambda: layers.HiddenBlock(
        12, activation=layers.ScaledSoftplus(2.0), seed=1
    ),
    "hidden_block_prelu": lambda: layers.HiddenBlock(
        12, activation="parametric_rectifier", seed=1
    ),
    "activation_l1": lambda: keras.layers.ReLU(
        activity_regularizer=layers.ActivationL1(0.01)
    ),
}


def model_around(layer):
    inputs = keras.Input((7,), name="x")
    hidden = layer(keras.layers.Dense(7, name="pre")(inputs))
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(hidden)
    return keras.Model(inputs, outputs)


@pytest.fixture
def x(rng):
    return rng.normal(size=(9, 7)).astype("float32")


@pytest.mark.backend
@pytest.mark.parametrize("name", sorted(LAYER_FACTORIES))
def test_config_round_trip_is_complete(name):
    layer = LAYER_FACTORIES[name]()
    restored = layer.__class__.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()


@pytest.mark.backend
@pytest.mark.parametrize("name", sorted(LAYER_FACTORIES))
def test_keras_file_round_trip_gives_identical_outputs(name, tmp_path, x):
    model = model_around(LAYER_FACTORIES[name]())
    path = tmp_path / f"{name}.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert len(restored.losses) == len(model.losses)


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("name", sorted(LAYER_FACTORIES))
def test_saved_model_serves_the_same_outputs(name, tmp_path, x):
    import tensorflow as tf

    model = model_around(LAYER_FACTORIES[name]())
    path = str(tmp_path / name)
    model.export(path, verbose=False)
    loaded = tf.saved_model.load(path)  # keep a reference: it owns the variables
    served = loaded.serve(x)
    np.testing.assert_allclose(served.numpy(), model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


@pytest.mark.backend
def test_whole_network_trains_under_mixed_float16(rng):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = layers.build_network((20,), 3, hidden_units=(64, 64), sign_trick=True, seed=0)
        model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
        x = rng.normal(scale=50.0, size=(40, 20)).astype("float32")
        history = model.fit(x, rng.integers(0, 3, 40), batch_size=10, epochs=1, verbose=0)
        model(x)
        penalties = [keras.ops.convert_to_numpy(loss) for loss in model.losses]
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.get_layer("hidden_1").compute_dtype == "float16"
    assert np.isfinite(history.history["loss"]).all()
    assert penalties and np.isfinite(penalties).all()
