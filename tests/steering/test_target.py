import keras
import numpy as np
import pytest

from sparserect.layers import ActivationL1, HiddenBlock, build_network
from sparserect.steering import SparsityTarget

pytestmark = pytest.mark.backend


@pytest.fixture
def problem(rng):
    x = rng.normal(size=(256, 12)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    return x, y


def network(activation="rectifier", activation_l1=1e-4):
    keras.utils.set_random_seed(0)
    return build_network((12,), 2, (32, 32), activation, activation_l1=activation_l1, seed=0)


def test_target_moves_measured_sparsity_toward_target(problem):
    x, y = problem
    model = network()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    target = SparsityTarget(0.9, x, update_every=4)
    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0, callbacks=[target]).history
    for name in ("hidden_1", "hidden_2"):
        sparsity = history[f"sparsity/{name}"]
        assert abs(sparsity[-1] - 0.9) < abs(sparsity[0] - 0.9) / 2
        coefficients = history[f"activation_l1/{name}"]
        assert coefficients[-1] > 1e-4
        assert model.get_layer(name).activity_regularizer.coefficient == coefficients[-1]


def test_train_step_uses_the_coefficient_variable(problem):
    """With a learning rate of 0, each epoch's loss is the numpy loss at that epoch's coefficient."""
    x, y = problem
    x, y = x[:32], y[:32]
    model = network()
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    blocks = [model.get_layer("hidden_1"), model.get_layer("hidden_2")]
    used = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: used.append(
            [block.activity_regularizer.coefficient for block in blocks]
        )
    )
    target = SparsityTarget(0.99, x, max_factor=10.0)
    history = model.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[record, target])

    probabilities = model.predict(x, verbose=0).astype("float64")
    cross_entropy = -np.mean(np.log(probabilities[np.arange(len(y)), y]))
    extractor = keras.Model(model.inputs, [block.output for block in blocks])
    sums = [np.abs(h.astype("float64")).sum(axis=1).mean() for h in extractor.predict(x, verbose=0)]
    expected = [cross_entropy + np.dot(c, sums) for c in used]
    assert used[0] != used[-1]  # the coefficients did change between epochs
    np.testing.assert_allclose(history.history["loss"], expected, rtol=1e-4)


def test_coefficients_reached_are_saved_and_no_extra_weights(problem, tmp_path):
    x, y = problem
    model = network()
    weights = len(model.weights)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[SparsityTarget(0.95, x)])
    assert len(model.weights) == weights
    model.save(tmp_path / "steered.keras")
    restored = keras.saving.load_model(tmp_path / "steered.keras")
    for name in ("hidden_1", "hidden_2"):
        reached = model.get_layer(name).activity_regularizer.coefficient
        assert reached != 1e-4
        assert restored.get_layer(name).activity_regularizer.coefficient == reached
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("activation", ["tanh", "softplus", "leaky_rectifier"])
def test_activations_without_exact_zeros_are_refused(problem, activation):
    x, y = problem
    model = network(activation)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="no exact zeros"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[SparsityTarget(0.9, x)])


def test_model_without_activation_l1_is_refused(problem):
    x, y = problem
    model = network(activation_l1=0.0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="has none"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[SparsityTarget(0.9, x)])


@pytest.mark.parametrize("target", [0, 1, 1.5, -0.2, float("nan"), "0.9"])
def test_targets_outside_the_open_unit_interval_are_refused(problem, target):
    with pytest.raises(ValueError, match="Received: target="):
        SparsityTarget(target, problem[0])


def test_per_member_coefficients_cannot_be_a_variable():
    with pytest.raises(ValueError, match="per member"):
        ActivationL1([0.001, 0.002]).coefficient_variable()


def test_set_coefficient_changes_config_and_penalty(rng):
    regularizer = ActivationL1(0.001)
    variable = regularizer.coefficient_variable()
    regularizer.set_coefficient(0.02)
    h = rng.normal(size=(4, 5)).astype("float32")
    assert float(keras.ops.convert_to_numpy(variable)) == pytest.approx(0.02)
    assert regularizer.get_config() == {"coefficient": 0.02}
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(regularizer(h)), 0.02 * np.abs(h).sum(), rtol=1e-6
    )
    block = HiddenBlock(3, activation_l1=0.001)
    with pytest.raises(ValueError, match="Received: value="):
        block.activity_regularizer.set_coefficient(-1.0)


def test_checkpoints_saved_during_steering_load(problem, tmp_path):
    x, y = problem
    model = network()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "epoch.keras")
    model.fit(x, y, batch_size=64, epochs=1, verbose=0,
              callbacks=[checkpoint, SparsityTarget(0.95, x, update_every=2)])
    restored = keras.saving.load_model(tmp_path / "epoch.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_plain_keras_layers_with_activation_l1_are_steered(problem):
    x, y = problem
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((12,)),
        keras.layers.Dense(32, activation="relu", activity_regularizer=ActivationL1(1e-4),
                           name="dense_relu"),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0,
                        callbacks=[SparsityTarget(0.9, x, update_every=4)]).history
    assert history["activation_l1/dense_relu"][-1] > 1e-4
    config = model.get_layer("dense_relu").get_config()["activity_regularizer"]["config"]
    assert config["coefficient"] == history["activation_l1/dense_relu"][-1]


def test_data_that_is_not_arrays_is_refused():
    with pytest.raises(ValueError, match="Received: data=generator"):
        SparsityTarget(0.9, (row for row in np.zeros((4, 3))))
