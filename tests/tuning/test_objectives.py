import math

import keras_tuner
import pytest

from sparserect.tuning import objectives


def test_objectives_are_keras_tuner_objectives():
    assert objectives.get("accuracy") == keras_tuner.Objective("val_accuracy", "max")
    assert objectives.get("sparsity") == keras_tuner.Objective("val_sparsity", "max")
    assert objectives.get("constrained").name == "val_constrained_sparsity"
    custom = keras_tuner.Objective("val_loss", "min")
    assert objectives.get(custom) is custom
    with pytest.raises(ValueError, match="Received: name='loss'"):
        objectives.get("loss")


def test_constrained_sparsity_formula():
    # within 1 point of 0.97: scored by sparsity
    assert objectives.constrained_sparsity(0.96, 0.8, 0.97, 1.0) == 0.8
    assert objectives.constrained_sparsity(0.97, 0.0, 0.97, 1.0) == 0.0
    # below: negative, closer to the threshold is better
    below = objectives.constrained_sparsity(0.90, 0.99, 0.97, 1.0)
    assert below == pytest.approx(-0.06)
    assert objectives.constrained_sparsity(0.95, 0.99, 0.97, 1.0) > below
    # every feasible model beats every infeasible one
    assert objectives.constrained_sparsity(0.96, 0.0, 0.97, 1.0) > objectives.constrained_sparsity(
        0.959, 1.0, 0.97, 1.0
    )


def test_best_recorded_accuracy(tmp_path, write_trial):
    assert objectives.best_recorded_accuracy(tmp_path / "nothing") == -math.inf
    write_trial(tmp_path, "0", 0.90, 0.5)
    write_trial(tmp_path, "1", 0.93, 0.1)
    write_trial(tmp_path, "2", 0.99, 0.1, status="RUNNING")
    write_trial(tmp_path, "3", None, None, status="FAILED")
    assert objectives.best_recorded_accuracy(tmp_path) == pytest.approx(0.93)


def test_callback_uses_best_of_disk_and_own_epochs(tmp_path, write_trial):
    write_trial(tmp_path, "0", 0.90, 0.5)
    callback = objectives.ConstrainedSparsity(points=2.0, project_dir=tmp_path)
    callback.on_train_begin()
    logs = {"val_accuracy": 0.89, "val_sparsity": 0.7}
    callback.on_epoch_end(0, logs)
    assert logs["val_constrained_sparsity"] == 0.7  # 0.89 >= 0.90 - 0.02
    logs = {"val_accuracy": 0.95, "val_sparsity": 0.1}
    callback.on_epoch_end(1, logs)
    assert logs["val_constrained_sparsity"] == 0.1
    logs = {"val_accuracy": 0.92, "val_sparsity": 0.9}  # own best is now 0.95
    callback.on_epoch_end(2, logs)
    assert logs["val_constrained_sparsity"] == pytest.approx(-0.01)
    callback.on_train_begin()  # a new run forgets its own epochs, not the disk
    logs = {"val_accuracy": 0.88, "val_sparsity": 0.9}
    callback.on_epoch_end(0, logs)
    assert logs["val_constrained_sparsity"] == 0.9


def test_callback_errors():
    with pytest.raises(ValueError, match="Received: points=-1"):
        objectives.ConstrainedSparsity(points=-1)
    callback = objectives.ConstrainedSparsity()
    callback.on_train_begin()
    with pytest.raises(ValueError, match="val_sparsity"):
        callback.on_epoch_end(0, {"val_accuracy": 0.5})
