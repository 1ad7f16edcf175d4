import types

import keras
import numpy as np
import pytest

from sparserect.compiled_fit import _chunks
from sparserect.compiled_fit import compiled_fit
from sparserect.compiled_fit import needs_batch_hooks
from sparserect.ensembles import compile_ensemble
from sparserect.layers import build_network
from sparserect.layers import extract_member
from sparserect.optimizers import MemberSGD

pytestmark = pytest.mark.backend

HIDDEN = (12, 10)


@pytest.fixture
def data(rng):
    """37 examples: batches of 10 give 3 full steps and one of 7."""
    x = rng.normal(size=(37, 8)).astype("float32")
    y = rng.integers(0, 3, size=37)
    return x, y


def sparse_network(optimizer=None, members=None):
    """The paper's blocks (activation L1, sign trick), compiled, for `fit` and `compiled_fit`."""
    model = build_network(
        (8,), 3, HIDDEN, activation_l1=0.001, sign_trick=True, members=members,
        seed=[1, 2, 3] if members else 1,
    )
    if members:
        compile_ensemble(model, optimizer or MemberSGD([0.1, 0.05, 0.01]))
    else:
        model.compile(optimizer or keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def assert_same_training(reference, model, reference_history, history):
    for expected, weight in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(weight, expected, rtol=1e-5, atol=1e-6)
    assert history.history.keys() == reference_history.history.keys()
    for name, values in reference_history.history.items():
        np.testing.assert_allclose(history.history[name], values, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("members", [None, 3])
def test_equals_fit_without_shuffling(data, members):
    x, y = data
    validation = (x[:15], y[:15])
    reference = sparse_network(members=members)
    # `val_*` are `evaluate`'s after each epoch (fit's own validation on JAX
    # once differed from `evaluate` of the same weights by 0.1%).
    expected = types.SimpleNamespace(history={})
    for epoch in range(2):
        logs = reference.fit(x, y, batch_size=10, epochs=epoch + 1, initial_epoch=epoch,
                             shuffle=False, verbose=0).history
        measured = reference.evaluate(*validation, batch_size=10, verbose=0, return_dict=True)
        logs.update({f"val_{name}": [value] for name, value in measured.items()})
        for name, values in logs.items():
            expected.history.setdefault(name, []).extend(values)
    model = sparse_network(members=members)
    history = compiled_fit(model, x, y, batch_size=10, epochs=2, validation_data=validation)
    assert_same_training(reference, model, expected, history)
    assert int(model.optimizer.iterations) == 8


def test_order_and_chunks_give_the_batches_of_fit_on_the_reordered_examples(data, rng):
    x, y = data
    orders = [rng.permutation(len(x)) for _ in range(2)]
    reference = sparse_network()
    for epoch, order in enumerate(orders):
        expected = reference.fit(x[order], y[order], batch_size=10, epochs=epoch + 1,
                                 initial_epoch=epoch, shuffle=False, verbose=0)
    model = sparse_network()
    history = compiled_fit(model, x, y, batch_size=10, epochs=2, order=orders.__getitem__,
                           steps_per_chunk=2)
    for expected_weight, weight in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(weight, expected_weight, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"][-1], expected.history["loss"][0],
                               rtol=1e-5)


# With batches of 15, the full steps fill one chunk of 2 exactly.
@pytest.mark.parametrize("batch_size", [10, 15])
def test_a_per_member_order_trains_each_member_as_its_network_on_its_own_order(
    data, rng, batch_size
):
    x, y = data
    seeds = [1, 2, 3]
    orders = [np.stack([rng.permutation(len(x)) for _ in seeds], axis=1) for _ in range(2)]
    model = build_network((8,), 3, HIDDEN, activation_l1=0.001, sign_trick=True, members=3,
                          seed=seeds, per_member_inputs=True)
    compile_ensemble(model, keras.optimizers.SGD(0.1))
    compiled_fit(model, x, y, batch_size=batch_size, epochs=2, order=orders.__getitem__,
                 steps_per_chunk=2)
    for k, seed in enumerate(seeds):
        alone = build_network((8,), 3, HIDDEN, activation_l1=0.001, sign_trick=True, seed=seed)
        alone.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        for epoch, order in enumerate(orders):
            rows = order[:, k]
            alone.fit(x[rows], y[rows], batch_size=batch_size, epochs=epoch + 1,
                      initial_epoch=epoch, shuffle=False, verbose=0)
        for expected, weight in zip(alone.get_weights(), extract_member(model, k).get_weights()):
            np.testing.assert_allclose(weight, expected, rtol=1e-5, atol=1e-6)


def test_batches_gathered_on_the_device_equal_those_gathered_on_the_host(data, rng):
    x, y = data
    order = np.stack([rng.permutation(len(x)) for _ in range(3)], axis=1)
    host = list(_chunks(x, y, order, 10, 2))
    device = list(_chunks(*map(keras.ops.convert_to_tensor, (x, y)), order, 10, 2))
    assert [batches.shape for batches, _ in host] == [(2, 10, 3, 8), (1, 10, 3, 8), (1, 7, 3, 8)]
    for (host_x, host_y), (device_x, device_y) in zip(host, device, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(device_x), host_x)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(device_y), host_y)
    np.testing.assert_array_equal(host[2][0][0], x[order[30:]])


@pytest.mark.parametrize("members", [None, 3])
def test_an_order_function_is_called_once_per_epoch(data, members):
    x, y = data
    calls = []

    def order(epoch):
        calls.append(epoch)
        rows = np.arange(len(x))
        return rows if members is None else np.stack([rows] * members, axis=1)

    model = build_network((8,), 3, HIDDEN, members=members, seed=[1, 2, 3] if members else 1,
                          per_member_inputs=bool(members))
    if members:
        compile_ensemble(model, "sgd")
    else:
        model.compile("sgd", "sparse_categorical_crossentropy")
    compiled_fit(model, x, y, batch_size=10, epochs=3, initial_epoch=1, order=order)
    assert calls == [1, 2]


def test_a_per_member_order_needs_one_column_per_member(data):
    x, y = data
    model = build_network((8,), 3, HIDDEN, members=3, seed=[1, 2, 3], per_member_inputs=True)
    compile_ensemble(model, keras.optimizers.SGD(0.1))
    with pytest.raises(ValueError, match=r"1-D or \(examples, 3\) array"):
        compiled_fit(model, x, y, batch_size=10, order=np.zeros((37, 2), int))


def test_a_fixed_order_is_used_every_epoch(data):
    x, y = data
    order = np.arange(len(x))[::-1]
    reference = sparse_network()
    reference.fit(x[order], y[order], batch_size=10, epochs=2, shuffle=False, verbose=0)
    model = sparse_network()
    compiled_fit(model, x, y, batch_size=10, epochs=2, order=order)
    for expected, weight in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(weight, expected, rtol=1e-5, atol=1e-6)


def test_a_new_compile_trains_with_the_new_optimizer(data):
    x, y = data
    reference, model = sparse_network(), sparse_network()
    reference.fit(x, y, batch_size=10, shuffle=False, verbose=0)
    compiled_fit(model, x, y, batch_size=10)
    for network in (reference, model):
        network.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    expected = reference.fit(x, y, batch_size=10, shuffle=False, verbose=0)
    history = compiled_fit(model, x, y, batch_size=10)
    assert_same_training(reference, model, expected, history)


def test_dropout_and_batch_normalization_train_as_in_fit(data):
    x, y = data

    def network():
        model = keras.Sequential([
            keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
            keras.layers.BatchNormalization(), keras.layers.Dropout(0.5, seed=4),
            keras.layers.Dense(3, activation="softmax"),
        ])
        model.set_weights([np.full(w.shape, 0.1 * i, "float32") + 0.01 * np.arange(w.size)
                           .reshape(w.shape).astype("float32")
                           for i, w in enumerate(model.get_weights())])
        model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    reference = network()
    expected = reference.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    model = network()
    history = compiled_fit(model, x, y, batch_size=10, epochs=2)
    assert_same_training(reference, model, expected, history)


def test_epoch_callbacks_see_the_logs_and_can_stop_training(data):
    x, y = data
    seen = []

    class StopAfterOne(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(("begin", epoch))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("end", epoch, sorted(logs)))
            self.model.stop_training = True

    history = compiled_fit(sparse_network(), x, y, batch_size=10, epochs=5, initial_epoch=2,
                           validation_data=(x, y), callbacks=[StopAfterOne()])
    assert seen == [("begin", 2), ("end", 2, ["accuracy", "loss", "val_accuracy", "val_loss"])]
    assert history.epoch == [2]


def test_needs_batch_hooks():
    assert needs_batch_hooks(keras.callbacks.TerminateOnNaN())
    assert not needs_batch_hooks(keras.callbacks.History())


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(batch_size=0), "batch_size"),
        (dict(epochs=-1), "epochs"),
        (dict(steps_per_chunk=0), "steps_per_chunk"),
        (dict(order=np.array([0, 37])), "order"),
        (dict(order=np.zeros((2, 2), int)), "order"),
        (dict(jit_compile="yes"), "jit_compile"),
        (dict(callbacks=[keras.callbacks.TerminateOnNaN()]), "per batch"),
        (dict(y=np.zeros(36, int)), "same number"),
        (dict(validation_data=(np.zeros((3, 8)),)), "validation_data=tuple of length 1"),
        (dict(validation_data=np.zeros((3, 8))), "validation_data=ndarray"),
    ],
)
def test_bad_arguments_raise_clear_errors(data, change, message):
    x, y = data
    arguments = {**dict(x=x, y=y, batch_size=10), **change}
    with pytest.raises(ValueError, match=message):
        compiled_fit(sparse_network(), **arguments)


def test_an_order_function_with_bad_indices_raises(data):
    x, y = data
    with pytest.raises(ValueError, match="order"):
        compiled_fit(sparse_network(), x, y, batch_size=10, order=lambda epoch: [-1])


def test_a_model_must_be_compiled_and_not_eager(data):
    x, y = data
    model = build_network((8,), 3, HIDDEN, seed=1)
    with pytest.raises(ValueError, match="Compile the model first"):
        compiled_fit(model, x, y, batch_size=10)
    model.compile("sgd", "sparse_categorical_crossentropy", run_eagerly=True)
    with pytest.raises(ValueError, match="run_eagerly"):
        compiled_fit(model, x, y, batch_size=10)


@pytest.mark.tensorflow_only
def test_tensorflow_xla_loop_trains_as_fit(data):
    x, y = data
    reference = sparse_network()
    expected = reference.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    model = sparse_network()
    history = compiled_fit(model, x, y, batch_size=10, epochs=2, jit_compile=True)
    assert_same_training(reference, model, expected, history)


@pytest.mark.parametrize("members", [None, 2])
def test_fine_tune_gives_the_same_result_compiled_or_not(tiny_dataset, members):
    from sparserect.reproduce.training import fine_tune

    results, weights = [], []
    for compiled in (True, False):
        model = build_network((12,), 3, HIDDEN, activation_l1=0.001, members=members,
                              seed=[0, 1] if members else 0, per_member_inputs=bool(members))
        results.append(fine_tune(model, tiny_dataset, learning_rates=(0.1, 0.01), epochs=3,
                                 patience=2, batch_size=10, compiled=compiled,
                                 seed=[0, 1] if members else 0))
        weights.append(model.get_weights())
    for compiled_result, fit_result in zip(*results):
        assert compiled_result["learning_rate"] == fit_result["learning_rate"]
        for rate, candidate in fit_result["candidates"].items():
            np.testing.assert_allclose(compiled_result["candidates"][rate]["validation_errors"],
                                       candidate["validation_errors"], atol=1e-6)
    for compiled_weight, fit_weight in zip(*weights):
        np.testing.assert_allclose(compiled_weight, fit_weight, rtol=1e-5, atol=1e-6)
