"""Tests of train_configuration and its early stopping."""

import math

import keras
import numpy as np
import pandas as pd
import pytest

from sparserect import layers
from sparserect.reproduce import training

pytestmark = pytest.mark.backend


def test_train_configuration_returns_a_complete_result(tiny_dataset, tiny_options):
    result = training.train_configuration(
        tiny_dataset, "rectifier", learning_rates=(0.1, 0.01), seed=3, **tiny_options
    )
    assert result["learning_rate"] in (0.1, 0.01)
    assert set(result["candidates"]) == {"0.1", "0.01"}
    best = min(c["validation_error"] for c in result["candidates"].values())
    assert result["validation_error"] == pytest.approx(best)
    assert 0 <= result["test_error"] <= 1
    assert len(result["layer_sparsity"]) == 2 and len(result["dead_units"]) == 2
    assert 0 <= result["average_sparsity"] <= 1
    assert result["pretraining"] is None and result["seed"] == 3
    assert 1 <= result["best_epoch"] <= result["epochs_run"] <= 2 * 2


def test_train_configuration_with_pretraining_and_a_layer_activation(tiny_dataset, tiny_options):
    result = training.train_configuration(
        tiny_dataset, layers.ScaledSoftplus(3.0), pretraining="sigmoid_cross_entropy",
        learning_rates=(0.1,), **tiny_options,
    )
    assert result["activation"] == "softplus_a3"
    assert result["pretraining"] == "sigmoid_cross_entropy"
    assert set(result["pretraining_loss"]) == {"hidden_1", "hidden_2"}


def test_pretraining_and_fine_tuning_epochs_are_logged(tiny_dataset, tiny_options, caplog):
    with caplog.at_level("INFO", logger=training.logger.name):
        training.train_configuration(
            tiny_dataset, "rectifier", pretraining=True, learning_rates=(0.1,), seed=1,
            **tiny_options,
        )
    lines = [r.getMessage() for r in caplog.records]
    pretraining = [line for line in lines if "pre-training: epoch" in line]
    assert len(pretraining) == 2  # one epoch for each of the two blocks
    assert all("epoch 1/1" in line and "validation" not in line for line in pretraining)
    fine_tuning = [line for line in lines if ", lr 0.1: epoch" in line]
    assert [line.split(": epoch ")[1][:3] for line in fine_tuning] == ["1/2", "2/2"]
    assert all("validation error" in line and "left" in line for line in fine_tuning)


def test_selection_epochs_continue_the_winner_only(tiny_dataset, tiny_options):
    result = training.train_configuration(
        tiny_dataset, "tanh", learning_rates=(0.1, 0.001), selection_epochs=1,
        **{**tiny_options, "epochs": 3, "patience": 5},
    )
    runs = {lr: c["epochs_run"] for lr, c in result["candidates"].items()}
    winner = f"{result['learning_rate']:g}"
    assert runs[winner] == 3 and all(r == 1 for lr, r in runs.items() if lr != winner)


class _Scripted(keras.callbacks.Callback):
    """Feeds scripted validation accuracies to the callback under test."""

    def __init__(self, target, accuracies):
        super().__init__()
        self.target, self.accuracies = target, accuracies

    def on_epoch_end(self, epoch, logs=None):
        logs["val_accuracy"] = self.accuracies[epoch]
        self.model.get_layer("dense").kernel.assign(np.full((2, 1), float(epoch), "float32"))
        self.target.on_epoch_end(epoch, logs)


def test_early_stopping_restores_the_best_epoch_and_stops_on_patience():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="dense")])
    model.compile("sgd", "mse")
    stopping = training.EarlyStoppingOnError(patience=2)
    stopping.set_model(model)
    stopping.on_train_begin()
    scripted = _Scripted(stopping, [0.5, 0.9, 0.8, 0.7, 0.95])
    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=5, verbose=0, callbacks=[scripted])
    stopping.on_train_end()
    assert stopping.best_epoch == 2 and stopping.best_error == pytest.approx(0.1)
    assert len(stopping.validation_errors[0]) == 4  # epochs 3 and 4 do not improve: stop
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.get_layer("dense").kernel), 1.0)


def test_early_stopping_counts_patience_from_the_best_epoch_of_an_earlier_fit():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="dense")])
    model.compile("sgd", "mse")
    # An earlier fit of 2 epochs had its best (error 0.1) at epoch 1.
    start = {"best_error": [0.1], "best_epoch": [1], "stopped_epoch": [0], "diverged": [False],
             "best_weights": [w[None] for w in model.get_weights()]}
    stopping = training.EarlyStoppingOnError(patience=2, start=start)
    stopping.set_model(model)
    stopping.on_train_begin()
    scripted = _Scripted(stopping, [None, None, 0.8, 0.8, 0.8])
    model.fit(np.ones((4, 2)), np.ones((4, 1)), initial_epoch=2, epochs=5, verbose=0,
              callbacks=[scripted])
    # Epoch 3 is the second without improvement since epoch 1: stop there.
    assert stopping.stopped and stopping.validation_errors[0] == pytest.approx([0.2])
    assert stopping.best_epoch == 1


def test_early_stopping_does_not_stop_before_min_epochs():
    accuracies = [0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9]  # at chance for 4 epochs, then learns
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="dense")])
    model.compile("sgd", "mse")
    ran = {}
    for min_epochs in (0, 5):
        stopping = training.EarlyStoppingOnError(patience=2, min_epochs=min_epochs)
        stopping.set_model(model)
        stopping.on_train_begin()
        scripted = _Scripted(stopping, accuracies)
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=8, verbose=0, callbacks=[scripted])
        ran[min_epochs] = (len(stopping.validation_errors[0]), int(stopping.best_epoch[0]))
    assert ran[0] == (3, 1)  # stopped inside the stall
    assert ran[5] == (7, 5)  # past the stall, then stopped by patience


def test_early_stopping_stops_at_once_on_nan():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    stopping = training.EarlyStoppingOnError(patience=3)
    stopping.set_model(model)
    stopping.on_train_begin()
    stopping.on_epoch_end(0, {"loss": math.nan, "val_accuracy": 0.5})
    assert stopping.diverged and model.stop_training and stopping.best_weights is None


def test_every_learning_rate_diverging_is_an_error(tiny_dataset, tiny_options):
    from sparserect.reproduce import ensemble_training

    with pytest.raises(FloatingPointError, match="Every learning rate diverged for .*"
                       "Received: learning_rates="):
        training.train_configuration(tiny_dataset, "rectifier", learning_rates=(1e12,), **tiny_options)
    options = {k: v for k, v in tiny_options.items() if k != "pretraining_epochs"}
    with pytest.raises(FloatingPointError, match="Every learning rate diverged for .*"
                       r"\(members \[0, 1\]\). Received: learning_rates="):
        ensemble_training.train_ensemble(
            tiny_dataset, seeds=[0, 1], activation_l1=0.001, **{**options, "learning_rates": (1e12,)}
        )


def test_min_epochs_of_train_configuration_and_of_an_ensemble(tiny_dataset, tiny_options):
    from sparserect.reproduce import ensemble_training

    # At learning rate 0 the validation error never improves: patience 1
    # alone stops after 2 epochs, `min_epochs` keeps training up to it.
    options = {**tiny_options, "epochs": 5, "patience": 1, "learning_rates": (0.0,)}
    for min_epochs, expected in ((0, 2), (4, 4)):
        alone = training.train_configuration(tiny_dataset, min_epochs=min_epochs, **options)
        members = ensemble_training.train_ensemble(
            tiny_dataset, seeds=[0, 1], activation_l1=0.001, min_epochs=min_epochs,
            **{k: v for k, v in options.items() if k != "pretraining_epochs"},
        )
        assert alone["epochs_run"] == expected and alone["min_epochs"] == min_epochs
        assert [m["epochs_run"] for m in members] == [expected, expected]
        assert all(m["min_epochs"] == min_epochs for m in members)


def test_negative_min_epochs_is_an_error(tiny_dataset):
    from sparserect.reproduce import ensemble_training

    with pytest.raises(ValueError, match="Received: min_epochs=-1"):
        training.train_configuration(tiny_dataset, min_epochs=-1)
    with pytest.raises(ValueError, match="Received: min_epochs=2.5"):
        ensemble_training.train_ensemble(tiny_dataset, seeds=[0], activation_l1=0.0, min_epochs=2.5)


def test_weight_decay_is_an_l2_penalty_on_the_weight_matrices_only():
    # One SGD step with decay, against the same step without: the kernels
    # differ by learning_rate * weight_decay * W (the gradient of
    # weight_decay / 2 * sum(W ** 2)); the biases do not differ.
    x = np.random.default_rng(0).normal(size=(10, 6)).astype("float32")
    y = np.arange(10) % 3
    steps = {}
    for weight_decay in (0.0, 0.5):
        model = layers.build_network(
            (6,), 3, hidden_units=(5,), activation="prelu", sign_trick=True, seed=0
        )
        names = [v.name for v in model.trainable_variables]
        before = [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
        model.compile(training.plain_sgd(model, 0.1, weight_decay), "sparse_categorical_crossentropy")
        model.train_on_batch(x, y)
        steps[weight_decay] = [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
    assert set(names) == {"kernel", "bias", "alpha"}
    for name, start, decayed, plain in zip(names, before, steps[0.5], steps[0.0]):
        expected = -0.1 * 0.5 * start if name == "kernel" else np.zeros_like(start)
        np.testing.assert_allclose(decayed - plain, expected, atol=1e-6)


def test_negative_weight_decay_is_an_error(tiny_dataset):
    from sparserect.reproduce import ensemble_training

    with pytest.raises(ValueError, match="Received: weight_decay=-0.1"):
        training.train_configuration(tiny_dataset, weight_decay=-0.1)
    with pytest.raises(ValueError, match="Received: weight_decay=inf"):
        ensemble_training.train_ensemble(
            tiny_dataset, seeds=[0], activation_l1=0.0, weight_decay=float("inf")
        )


def test_no_learning_rate_is_an_error(tiny_dataset, tiny_options):
    with pytest.raises(ValueError, match="Received: learning_rates="):
        training.train_configuration(tiny_dataset, learning_rates=())


def test_a_stopped_ensemble_member_keeps_its_result_while_the_others_train(monkeypatch):
    # Scripted validation errors: member 0 is best at epoch 1 and stops at
    # epoch 2 (patience 1); its lower error at epoch 3, while member 1 goes
    # on, must not count, as the network alone would not have trained then.
    from sparserect.measurement import members as metrics

    scripted = iter([[0.5, 0.5], [0.6, 0.4], [0.1, 0.3], [0.2, 0.35]])
    monkeypatch.setattr(
        metrics, "measure_members",
        lambda *args, **kwargs: pd.DataFrame(
            {"error": next(scripted), "loss": 1.0, "sparsity": 0.0, "dead_fraction": 0.0}
        ),
    )
    model = layers.build_network((4,), 3, (5,), members=2, seed=[0, 1])
    stopping = training.EarlyStoppingOnError(
        patience=1, validation_data=(np.zeros((6, 4)), np.zeros(6))
    )
    stopping.set_model(model)
    stopping.on_train_begin()
    model.stop_training = False
    for epoch in range(4):
        for weight in model.weights:  # mark each epoch's weights with its number
            weight.assign(np.full(weight.shape, epoch + 1, dtype=weight.dtype))
        assert not model.stop_training
        stopping.on_epoch_end(epoch)
    assert stopping.best_epoch.tolist() == [1, 3]
    assert stopping.best_error.tolist() == [0.5, 0.3]
    assert stopping.stopped_epoch.tolist() == [2, 4]
    assert model.stop_training
    stopping.on_train_end()
    for weight in model.weights:
        values = keras.ops.convert_to_numpy(weight)
        assert np.all(values[0] == 1) and np.all(values[1] == 3), weight.path


def test_an_ensemble_member_stopped_during_selection_keeps_its_stop(tiny_dataset, monkeypatch):
    # Scripted validation errors, patience 1: member 0 stops at epoch 2, in
    # the three epochs of selection; member 1 goes on and stops at 4.
    from sparserect.measurement import members as metrics
    from sparserect.reproduce import ensemble_training

    measure = metrics.measure_members
    scripted = iter([[0.5, 0.5], [0.6, 0.4], [0.3, 0.3], [0.2, 0.35]])

    def scripted_measure(*args, **kwargs):
        errors = next(scripted, None)
        if errors is None:  # the test report, after training
            return measure(*args, **kwargs)
        return pd.DataFrame({"error": errors, "loss": 1.0, "sparsity": 0.0, "dead_fraction": 0.0})

    monkeypatch.setattr(metrics, "measure_members", scripted_measure)
    first, second = ensemble_training.train_ensemble(
        tiny_dataset, seeds=[0, 1], activation_l1=0.001, hidden_units=(8,), epochs=6,
        patience=1, learning_rates=(0.1,), selection_epochs=3, steps_per_execution=10,
    )
    assert (first["best_epoch"], first["epochs_run"], first["validation_error"]) == (1, 2, 0.5)
    assert first["candidates"]["0.1"]["validation_errors"] == [0.5, 0.6]
    assert (second["best_epoch"], second["epochs_run"], second["validation_error"]) == (3, 4, 0.3)
    assert second["candidates"]["0.1"]["validation_errors"] == [0.5, 0.4, 0.3, 0.35]


def test_early_stopping_of_members_needs_the_members_first_in_every_weight():
    members = layers.build_network((4,), 3, (5,), members=2, seed=[0, 1])
    model = keras.Model(members.inputs, keras.layers.Dense(3, name="extra")(members.outputs[0]))
    stopping = training.EarlyStoppingOnError(
        patience=1, validation_data=(np.zeros((6, 4)), np.zeros(6))
    )
    stopping.set_model(model)
    with pytest.raises(ValueError, match="members on its first axis. Received: extra/kernel"):
        stopping.on_train_begin()


def test_train_of_a_config_matches_train_configuration(tiny_dataset):
    from sparserect.config import Config
    from sparserect.config import FineTuning
    from sparserect.config import Network
    from sparserect.config import Pretraining

    config = Config(
        network=Network(hidden_units=(8,), activation="softplus", sharpness=3.0),
        fine_tuning=FineTuning(learning_rates=(0.1,), epochs=2, patience=2),
        pretraining=Pretraining(epochs=1, learning_rate=0.01, noise=0.3),
    )
    result = training.train(tiny_dataset, config, seed=1)
    expected = training.train_configuration(
        tiny_dataset, layers.ScaledSoftplus(3.0), pretraining=True, hidden_units=(8,),
        learning_rates=(0.1,), epochs=2, patience=2, pretraining_epochs=1,
        pretraining_learning_rate=0.01, noise=0.3, seed=1,
    )
    assert result["activation"] == expected["activation"] == "softplus_a3"
    assert result["pretraining_noise"] == expected["pretraining_noise"]
    for name in ("test_error", "validation_error", "average_sparsity", "epochs_run"):
        assert result[name] == pytest.approx(expected[name])


def test_fine_tune_takes_one_seed_per_member_only_with_per_member_inputs(tiny_dataset):
    model = layers.build_network((12,), 3, (8,), members=2, seed=[0, 1])
    with pytest.raises(ValueError, match=r"per-member inputs.*Received: seed=\[0, 1\]"):
        training.fine_tune(model, tiny_dataset, learning_rates=(0.1,), epochs=1, patience=1,
                           seed=[0, 1])
    model = layers.build_network((12,), 3, (8,), members=2, seed=[0, 1], per_member_inputs=True)
    message = r"`seed` must be an int >= 0 or a sequence of 2 ints >= 0 \(one per member\)\. "
    for seed in (None, [0], [0, -1]):
        with pytest.raises(ValueError, match=message + r"Received: seed="):
            training.fine_tune(model, tiny_dataset, learning_rates=(0.1,), epochs=1,
                               patience=1, seed=seed)
