"""A configuration interrupted midway resumes from its last epoch to the numbers of an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from sparserect.reproduce import checkpoints
from sparserect.reproduce import training

pytestmark = pytest.mark.backend


def test_checkpoint_round_trip_and_other_settings(tmp_path):
    path = tmp_path / "runs" / "a.checkpoint.npz"
    saved = checkpoints.Checkpoint(path, {"epochs": 3})
    saved.save({"step": [1, 2]}, {"w": np.arange(4.0)})
    loaded = checkpoints.Checkpoint(path, {"epochs": 3}).load()
    assert loaded["state"]["step"] == [1, 2]
    np.testing.assert_array_equal(loaded["arrays"]["w"], np.arange(4.0))
    assert checkpoints.Checkpoint(path, {"epochs": 4}).load() is None
    saved.clear()
    assert not path.exists() and saved.load() is None


class _Interrupted(Exception):
    pass


class _KilledAfter(checkpoints.Checkpoint):
    """A checkpoint whose process dies right after its `saves`-th save."""

    def __init__(self, path, saves):
        super().__init__(path, {"test": True})
        self.saves = saves

    def save(self, state, arrays):
        super().save(state, arrays)
        self.saves -= 1
        if self.saves == 0:
            raise _Interrupted()


def _comparable(result):
    return {
        name: result[name]
        for name in ("learning_rate", "candidates", "validation_error", "test_error",
                     "best_epoch", "epochs_run", "average_sparsity", "dead_units",
                     "pretraining_loss")
    }


@pytest.mark.parametrize(
    "options",
    [
        # killed during the second candidate
        dict(learning_rates=(0.1, 0.01), epochs=4, patience=4),
        # killed after pre-training, and again in the continuation after selection
        dict(learning_rates=(0.1, 0.01), epochs=5, patience=5, selection_epochs=2,
             pretraining="softplus_quadratic", pretraining_epochs=1),
    ],
)
def test_an_interrupted_configuration_resumes_to_the_same_result(tiny_dataset, tmp_path, options):
    options = dict(hidden_units=(16, 16), steps_per_execution=10, seed=1, **options)
    whole = training.train_configuration(tiny_dataset, **options)
    path = tmp_path / "progress.npz"
    saves_before_kill = [6, 1] if options.get("pretraining") else [6]
    for saves in saves_before_kill:
        with pytest.raises(_Interrupted):
            training.train_configuration(
                tiny_dataset, **options, checkpoint=_KilledAfter(path, saves)
            )
        assert path.exists()
    resumed = training.train_configuration(
        tiny_dataset, **options, checkpoint=checkpoints.Checkpoint(path, {"test": True})
    )
    assert _comparable(resumed) == _comparable(whole)


def test_an_interrupted_ensemble_resumes_to_the_same_results(tiny_dataset, tmp_path):
    from sparserect.reproduce import ensemble_training

    options = dict(seeds=[0, 1], activation_l1=[0.001, 0.0], hidden_units=(16, 16),
                   learning_rates=(0.1, 0.01), epochs=4, patience=4, selection_epochs=2,
                   steps_per_execution=10)
    whole = ensemble_training.train_ensemble(tiny_dataset, **options)
    path = tmp_path / "progress.npz"
    for saves in (3, 2):  # in the second candidate, then in the continuation
        with pytest.raises(_Interrupted):
            ensemble_training.train_ensemble(
                tiny_dataset, **options, checkpoint=_KilledAfter(path, saves)
            )
    resumed = ensemble_training.train_ensemble(
        tiny_dataset, **options, checkpoint=checkpoints.Checkpoint(path, {"test": True})
    )
    assert [_comparable(r) for r in resumed] == [_comparable(r) for r in whole]


def _saved_epochs(path):
    """The epochs done of the running fit saved in a checkpoint file, or 0."""
    try:
        with np.load(path) as stored:
            state = json.loads(str(stored["state_json"]))
    except (OSError, ValueError, KeyError, EOFError):
        return 0
    running = (state.get("tuning") or {}).get("running")
    return 0 if running is None else running["epochs_done"]


def test_a_killed_command_resumes_from_its_last_epoch(tmp_path):
    command = [
        sys.executable, "-m", "sparserect", "reproduce", "table1", "--activations", "rectifier",
        "--pretraining", "none", "--hidden-units", "32,32", "--learning-rates", "0.1,0.01",
        "--epochs", "12", "--patience", "12", "--min-epochs", "0", "--selection-epochs", "12",
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([*command, "--out", str(tmp_path / "whole")], env=env, check=True,
                   capture_output=True)
    (expected,) = (tmp_path / "whole" / "table1" / "runs").glob("*.json")

    out = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(out)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = out / "table1" / "runs" / f"{expected.stem}.checkpoint.npz"
    deadline = time.monotonic() + 300
    while _saved_epochs(checkpoint) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert checkpoint.exists() and not (out / "table1" / "runs" / expected.name).exists()

    subprocess.run([*command, "--out", str(out), "--resume"], env=env, check=True,
                   capture_output=True)
    resumed = json.loads((out / "table1" / "runs" / expected.name).read_text())
    assert not checkpoint.exists()
    assert _comparable(resumed) == _comparable(json.loads(expected.read_text()))
