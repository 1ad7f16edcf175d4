import csv

import keras
import numpy as np
import pytest

from sparserect.ensembles import compile_ensemble
from sparserect.layers import build_network
from sparserect.measurement import SparsityCallback, sparsity_report

pytestmark = pytest.mark.backend


@pytest.fixture
def problem(rng):
    x = rng.normal(size=(120, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    return x[:80], y[:80], x[80:], y[80:]


def compiled_network():
    model = build_network((6,), 2, hidden_units=(24, 12), sign_trick=True, seed=0)
    model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_logs_reach_history_and_csv_logger(problem, tmp_path):
    x, y, x_val, y_val = problem
    model = compiled_network()
    callback = SparsityCallback((x, y), validation_data=(x_val, y_val), max_examples=50)
    csv_path = tmp_path / "log.csv"
    history = model.fit(
        x, y, batch_size=10, epochs=2, verbose=0,
        callbacks=[callback, keras.callbacks.CSVLogger(str(csv_path))],
    )
    keys = {
        "sparsity", "dead_fraction", "sparsity_hidden_1", "sparsity_hidden_2",
        "val_sparsity", "val_dead_fraction", "val_sparsity_hidden_1", "val_sparsity_hidden_2",
    }
    assert keys <= set(history.history)
    assert all(len(history.history[k]) == 2 for k in keys)
    with open(csv_path) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and keys <= set(rows[0])

    # The last epoch's values are those of a report on the same examples.
    report = sparsity_report(model, x_val)
    np.testing.assert_allclose(history.history["val_sparsity"][-1], report.attrs["average_sparsity"])
    np.testing.assert_allclose(history.history["val_sparsity_hidden_2"][-1], report.loc[1, "sparsity"])
    np.testing.assert_allclose(history.history["val_dead_fraction"][-1], report.attrs["dead_fraction"])


def test_training_sample_is_fixed_and_bounded(problem):
    x, y, _, _ = problem
    callback = SparsityCallback((x, y), max_examples=30, seed=1)
    again = SparsityCallback(x, max_examples=30, seed=1)
    assert callback.data.shape == (30, 6)
    np.testing.assert_array_equal(callback.data, again.data)
    model = compiled_network()
    history = model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    report = sparsity_report(model, callback.data)
    np.testing.assert_allclose(history.history["sparsity"][0], report.attrs["average_sparsity"])


def test_backend_tensors_are_sampled_like_numpy_arrays(problem):
    x, _, _, _ = problem
    tensor = keras.ops.convert_to_tensor(x)
    sampled = SparsityCallback(tensor, max_examples=30, seed=1).data
    np.testing.assert_array_equal(sampled, SparsityCallback(x, max_examples=30, seed=1).data)


def test_a_generator_is_read_once_and_measured_every_epoch(problem):
    x, y, x_val, y_val = problem
    batches = ((x[i : i + 16], y[i : i + 16]) for i in range(0, len(x), 16))
    validation = (x_val[i : i + 8] for i in range(0, len(x_val), 8))
    callback = SparsityCallback(
        batches, validation_data=validation, max_examples=40, validation_max_examples=20
    )
    np.testing.assert_array_equal(callback.data, x[:40])
    np.testing.assert_array_equal(callback.validation_data, x_val[:20])
    model = compiled_network()
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    assert len(history.history["val_sparsity"]) == 2
    report = sparsity_report(model, x_val[:20])
    np.testing.assert_allclose(history.history["val_sparsity"][-1], report.attrs["average_sparsity"])


def test_a_model_of_members_logs_its_members_pooled(problem):
    x, y, x_val, y_val = problem
    model = build_network((6,), 2, hidden_units=(24, 12), members=3, seed=[0, 1, 2])
    compile_ensemble(model, keras.optimizers.SGD(0.05))
    callback = SparsityCallback((x, y), validation_data=(x_val, y_val), max_examples=50)
    history = model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[callback]).history
    assert len(history["val_batch_union_8"]) == 2
    for prefix, data in (("", callback.data), ("val_", x_val)):
        report = sparsity_report(model, data)
        assert report.loc[0, "units"] == 3 * 24
        np.testing.assert_allclose(history[f"{prefix}sparsity"][-1], report.attrs["average_sparsity"])
        np.testing.assert_allclose(history[f"{prefix}dead_fraction"][-1], report.attrs["dead_fraction"])
        np.testing.assert_allclose(history[f"{prefix}sparsity_hidden_2"][-1], report.loc[1, "sparsity"])
        np.testing.assert_allclose(
            history[f"{prefix}batch_union_8"][-1], report.attrs["batch_union"][8]
        )


def test_keras_tuner_objective_sees_val_sparsity(problem, tmp_path):
    import keras_tuner

    x, y, x_val, y_val = problem

    def build(hp):
        model = build_network(
            (6,), 2, hidden_units=(8,), activation_l1=hp.Choice("l1", [0.0, 0.01]), seed=0
        )
        model.compile("sgd", "sparse_categorical_crossentropy")
        return model

    tuner = keras_tuner.RandomSearch(
        build,
        objective=keras_tuner.Objective("val_sparsity", "max"),
        max_trials=1,
        directory=str(tmp_path),
        project_name="sparsity",
    )
    tuner.search(
        x, y, validation_data=(x_val, y_val), epochs=1, verbose=0,
        callbacks=[SparsityCallback(x, validation_data=x_val)],
    )
    (trial,) = tuner.oracle.get_best_trials(1)
    assert 0.0 <= trial.score <= 1.0
    assert trial.metrics.get_best_value("val_sparsity") == trial.score


def test_a_sequential_model_without_input_is_measured_once_fit_builds_it(problem):
    x, y, x_val, _ = problem
    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu", name="hidden"),
        keras.layers.Dense(2, activation="softmax", name="head"),
    ])
    model.compile("sgd", "sparse_categorical_crossentropy")
    callback = SparsityCallback(x, validation_data=x_val)
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[callback])
    assert len(history.history["sparsity_hidden"]) == 2
    report = sparsity_report(model, x_val)
    assert list(report["layer"]) == ["hidden"]
    np.testing.assert_allclose(history.history["val_sparsity"][-1], report.attrs["average_sparsity"])


def test_a_subclassed_model_stops_fit_before_training_with_what_to_do(problem):
    x, y, _, _ = problem

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(8, activation="relu")
            self.head = keras.layers.Dense(2, activation="softmax")

        def call(self, inputs):
            return self.head(self.hidden(inputs))

    model = Subclassed()
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"subclassed model.*`keras.Input`.*keras.Sequential"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[SparsityCallback(x)])
    assert int(model.optimizer.iterations) == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_examples": 0}, "Received: max_examples=0"),
        ({"batch_size": 2.5}, "Received: batch_size=2.5"),
        ({"validation_max_examples": -1}, "Received: validation_max_examples=-1"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SparsityCallback(np.zeros((4, 2)), **kwargs)


def test_rejects_an_empty_generator():
    with pytest.raises(ValueError, match="`data` is empty"):
        SparsityCallback(batch for batch in [])
