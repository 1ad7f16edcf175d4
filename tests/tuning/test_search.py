"""`run_search` and `sparserect tune`: outputs, and resuming an interrupted search."""

import json

import keras
import numpy as np
import pandas as pd
import pytest

from sparserect import cli
from sparserect.tuning import SparseNetworkHyperModel, run_search

pytestmark = pytest.mark.backend


class Interruption(BaseException):
    """Stands for Ctrl-C or a kill: not an `Exception`, so keras-tuner does not catch it."""


class CountingHyperModel(SparseNetworkHyperModel):
    """Counts its trainings, and interrupts the one numbered `interrupt_at`."""

    def __init__(self, *args, interrupt_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.interrupt_at = interrupt_at
        self.fits = 0

    def fit(self, hp, model, *args, **kwargs):
        self.fits += 1
        if self.fits == self.interrupt_at:
            raise Interruption()
        return super().fit(hp, model, *args, **kwargs)


def trial_files(project):
    return {p.parent.name: json.loads(p.read_text()) for p in project.glob("trial_*/trial.json")}


@pytest.mark.parametrize("tuner", ["random", "pareto"])
def test_resume_after_interruption(tuner, tiny_dataset, tiny_space, tmp_path):
    data = tiny_dataset

    def search(hypermodel):
        return run_search(
            data, tuner=tuner, max_trials=4, epochs=1, batch_size=60, directory=tmp_path,
            project_name="resume", hypermodel=hypermodel,
        )  # fmt: skip

    def hypermodel(**kwargs):
        return CountingHyperModel((10,), 3, seed=0, **tiny_space, **kwargs)

    with pytest.raises(Interruption):
        search(hypermodel(interrupt_at=3))
    project = tmp_path / "resume"
    before = trial_files(project)
    assert {k: v["status"] for k, v in before.items()} == {
        "trial_0": "COMPLETED", "trial_1": "COMPLETED", "trial_2": "RUNNING",
    }
    oracle = json.loads((project / "oracle.json").read_text())
    assert oracle["ongoing_trials"] == {"tuner0": "2"}

    resumed = hypermodel()
    result = search(resumed)
    assert resumed.fits == 2  # the interrupted trial 2, then trial 3
    after = trial_files(project)
    assert sorted(after) == ["trial_0", "trial_1", "trial_2", "trial_3"]
    assert all(state["status"] == "COMPLETED" for state in after.values())
    for name in ("trial_0", "trial_1"):  # finished trials are kept as they were
        assert after[name] == before[name]
    values = before["trial_2"]["hyperparameters"]["values"]
    assert after["trial_2"]["hyperparameters"]["values"] == values  # the same trial
    oracle = json.loads((project / "oracle.json").read_text())
    assert sorted(oracle["end_order"]) == ["0", "1", "2", "3"]
    assert result.frame["trial_id"].tolist() == ["0", "1", "2", "3"]

    # keras-tuner may leave a finished trial listed as ongoing (it writes
    # oracle.json before it takes the trial off); it must not run again.
    oracle["ongoing_trials"] = {"tuner0": "3"}
    (project / "oracle.json").write_text(json.dumps(oracle))
    again = hypermodel()  # a finished search: nothing more to run
    rerun = search(again)
    assert again.fits == 0
    pd.testing.assert_frame_equal(rerun.frame, result.frame)


def test_cli_writes_front_and_best_model(tmp_path, capsys):
    status = cli.main([
        "tune", "--dataset", "digits", "--tuner", "random", "--max-trials", "2",
        "--directory", str(tmp_path), "--project-name", "cli", "--epochs", "1",
        "--batch-size", "50", "--train-examples", "300", "--units", "8", "16",
        "--depth", "1", "--activation", "rectifier", "--sign-trick", "off",
    ])  # fmt: skip
    assert status == 0
    project = tmp_path / "cli"
    frame = pd.read_csv(project / "pareto_front.csv", dtype={"trial_id": str})
    assert len(frame) == 2 and frame["on_front"].any()
    assert set(frame["activation"]) == {"rectifier"} and not frame["sign_trick"].any()
    assert (project / "pareto_front.png").stat().st_size > 1000
    model = keras.saving.load_model(project / "best_model.keras")
    assert model.predict(np.zeros((1, 8, 8, 1)), verbose=0).shape == (1, 10)
    saved_model = project / "best_model_savedmodel"
    assert saved_model.is_dir() == (keras.backend.backend() == "tensorflow")
    out = capsys.readouterr().out
    assert "Pareto front" in out and "Best trial" in out


@pytest.mark.tensorflow_only
def test_saved_model_serves(tmp_path, tiny_dataset):
    import tensorflow as tf

    result = run_search(
        tiny_dataset, max_trials=1, epochs=1, batch_size=60, directory=tmp_path,
        units=4, depth=1, activation="rectifier",
    )  # fmt: skip
    served = tf.saved_model.load(str(result.saved_model_path))
    probabilities = served.serve(tf.constant(tiny_dataset.test.x[:3]))
    model = keras.saving.load_model(result.best_model_path)
    np.testing.assert_allclose(
        probabilities.numpy(), model.predict(tiny_dataset.test.x[:3], verbose=0), atol=1e-5
    )
