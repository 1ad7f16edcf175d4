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
    "hidden_block_members": lambda: layers.HiddenBlock(
        12, activation="parametric_rectifier", activation_l1=[0.0, 0.01], sign_trick=True,
        seed=[1, 5], members=2,
    ),
    "hidden_block_members_softplus": lambda: layers.HiddenBlock(
        12, activation=layers.ScaledSoftplus([1.0, 3.0]), seed=[1, 5], members=2,
    ),
    "activation_l1": lambda: keras.layers.ReLU(
        activity_regularizer=layers.ActivationL1(0.01)
    ),
}
# Every activation name and some layer objects, in a block.
LAYER_FACTORIES.update(
    {
        f"hidden_block_{name}": lambda name=name: layers.HiddenBlock(12, activation=name, seed=1)
        for name in layers.activations.ACTIVATIONS
    }
)
LAYER_FACTORIES.update(
    {
        f"hidden_block_{name}_object": lambda make=make: layers.HiddenBlock(
            12, activation=make(), seed=1
        )
        for name, make in {
            "elu": keras.layers.ELU,
            "prelu": keras.layers.PReLU,
            "gelu": lambda: keras.layers.Activation("gelu"),
            "leaky_relu": lambda: keras.layers.LeakyReLU(0.2),
        }.items()
    }
)


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


@pytest.mark.backend
@pytest.mark.parametrize(
    "activation",
    [
        lambda: layers.ScaledSoftplus(2.0),
        keras.layers.PReLU,
        lambda: keras.layers.Activation("gelu"),
        keras.layers.ELU,
    ],
)
def test_an_activation_layer_computes_in_the_blocks_dtype(activation):
    block = layers.HiddenBlock(8, activation=activation(), dtype="mixed_float16")
    outputs = block(np.ones((2, 3), "float32"))
    symbolic = block.compute_output_spec(keras.KerasTensor((2, 3)))
    assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
    assert symbolic.dtype == "float16"
    assert block.activation.dtype_policy.name == "mixed_float16"


@pytest.mark.backend
def test_one_activation_object_given_to_two_blocks_gives_each_its_own(rng):
    shared = keras.layers.PReLU()
    inputs = keras.Input((5,))
    x = layers.HiddenBlock(8, activation=shared)(inputs)
    x = layers.HiddenBlock(6, activation=shared)(x)
    model = keras.Model(inputs, layers.HiddenBlock(6, activation=shared)(x))
    assert model.predict(rng.normal(size=(3, 5)), verbose=0).shape == (3, 6)
    alphas = [w for w in model.weights if "alpha" in w.path]
    assert [tuple(a.shape) for a in alphas] == [(8,), (6,), (6,)]
    assert len({id(a) for a in alphas}) == 3
