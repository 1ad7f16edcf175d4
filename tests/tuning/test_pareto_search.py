"""`ParetoOracle`: it aims at the front, respects constraints and resumes where it stopped.

The oracle runs here in keras-tuner's own trial loop (a `BaseTuner`) on a
toy problem whose trials cost nothing: two objectives of `x` in [0, 1]
(one rising, one falling, so every `x` is a different trade-off), both
scaled down by `y` in [0, 1]. The front is `y = 0`.
"""

import json

import keras_tuner
import numpy as np
import pytest

from sparserect.tuning import (
    Constraint,
    ParetoOracle,
    SparseNetworkHyperModel,
    hypervolume,
    make_tuner,
    objectives,
    pareto_front,
)


class ToyTuner(keras_tuner.engine.base_tuner.BaseTuner):
    def run_trial(self, trial, **kwargs):
        x, y = trial.hyperparameters.get("x"), trial.hyperparameters.get("y")
        metrics = {
            "val_accuracy": (1 - x**2) * (1 - y),
            "val_sparsity": (1 - (1 - x) ** 2) * (1 - y),
        }
        metrics[self.oracle.objective.name] = self.oracle.objective.get_value(metrics)
        return metrics


def toy_space():
    hp = keras_tuner.HyperParameters()
    hp.Float("x", 0.0, 1.0)
    hp.Float("y", 0.0, 1.0)
    return hp


def run(oracle, folder, overwrite=True):
    tuner = ToyTuner(oracle=oracle, directory=folder, project_name="toy", overwrite=overwrite)
    tuner.search(verbose=0)
    return tuner


def toy_oracle(**kwargs):
    settings = dict(max_trials=12, num_initial_points=4, num_candidates=300, seed=3)
    return ParetoOracle(hyperparameters=toy_space(), **{**settings, **kwargs})


def values(oracle, name="y"):
    return np.array([oracle.trials[i].hyperparameters.get(name) for i in sorted(oracle.trials)])


def test_proposals_aim_at_the_front_unlike_random(tmp_path, caplog):
    with caplog.at_level("INFO", logger="sparserect.tuning.pareto_search"):
        tuner = run(toy_oracle(), tmp_path / "pareto")
    random = run(
        keras_tuner.oracles.RandomSearchOracle(
            objective=[objectives.VAL_ACCURACY, objectives.VAL_SPARSITY],
            max_trials=12, seed=3, hyperparameters=toy_space(),
        ),
        tmp_path / "random",
    )  # fmt: skip
    proposed = values(tuner.oracle)[4:]  # after the 4 random ones
    assert proposed.mean() < 0.1 < values(random.oracle)[4:].mean()
    assert (
        pareto_front(tuner)["hypervolume"].iloc[-1]
        > pareto_front(random)["hypervolume"].iloc[-1]
    )
    lines = [r.getMessage() for r in caplog.records if "hypervolume of the front" in r.getMessage()]
    assert len(lines) == 12
    # The score is the trial's own hypervolume; the best trials are on the front.
    front, volume = tuner.oracle.front()
    assert volume == pytest.approx(pareto_front(tuner)["hypervolume"].iloc[-1])
    for trial in tuner.oracle.trials.values():
        point = [[trial.metrics.get_last_value(n) for n in ("val_accuracy", "val_sparsity")]]
        assert trial.score == pytest.approx(hypervolume(point, [0, 0]))
    best = tuner.oracle.get_best_trials(len(front) + 1)
    assert {t.trial_id for t in best[:-1]} == {t.trial_id for t in front}
    assert best[0].score == max(t.score for t in front)
    assert best[-1].trial_id not in {t.trial_id for t in front}


@pytest.mark.parametrize(
    "constraint, bound",
    [
        (Constraint("val_accuracy", at_least=0.7), lambda best: 0.7),
        (Constraint("val_accuracy", points_below_best=10.0), lambda best: best - 0.1),
    ],
)
def test_constraints_hold_in_proposals_and_in_the_pick(constraint, bound, tmp_path):
    tuner = run(toy_oracle(constraints=[constraint], max_trials=14), tmp_path)
    trials = [tuner.oracle.trials[i] for i in sorted(tuner.oracle.trials)]
    accuracy = np.array([t.metrics.get_last_value("val_accuracy") for t in trials])
    low = bound(accuracy.max())
    assert (accuracy[4:] >= low).mean() >= 0.8  # the model's proposals
    front, _ = tuner.oracle.front()
    assert front and all(t.metrics.get_last_value("val_accuracy") >= low for t in front)
    best = tuner.oracle.get_best_trials(len(trials))
    feasible = accuracy >= low
    assert all(t.metrics.get_last_value("val_accuracy") >= low for t in best[: feasible.sum()])
    if constraint.at_least is not None:  # a fixed bound: infeasible when they ended
        assert all(t.score == 0.0 for t, ok in zip(trials, feasible) if not ok)


def test_resume_restores_state_and_goes_on_as_without_a_stop(tmp_path):
    constraints = [Constraint("val_sparsity", at_most=0.99)]
    whole = run(toy_oracle(max_trials=9, constraints=constraints), tmp_path / "whole")
    run(toy_oracle(max_trials=6, constraints=constraints), tmp_path / "stopped")
    state = json.loads((tmp_path / "stopped" / "toy" / "oracle.json").read_text())
    assert state["constraints"] == [c.get_config() for c in constraints]
    assert state["reference"] == {"val_accuracy": 0.0, "val_sparsity": 0.0}

    resumed_oracle = toy_oracle(max_trials=9)  # the state on disk replaces the arguments
    resumed = run(resumed_oracle, tmp_path / "stopped", overwrite=False)
    assert resumed_oracle.constraints == constraints
    assert len(resumed_oracle.trials) == 9
    for name in ("x", "y"):
        np.testing.assert_allclose(values(resumed_oracle, name), values(whole.oracle, name))
    assert (
        pareto_front(resumed)["hypervolume"].tolist()
        == pytest.approx(pareto_front(whole)["hypervolume"].tolist())
    )


def test_a_running_trial_is_not_proposed_again(tmp_path):
    oracle = toy_oracle(max_trials=12)
    run(oracle, tmp_path)
    oracle.max_trials = 14
    first = oracle.create_trial("worker0")  # running, no result yet
    second = oracle.create_trial("worker1")
    values = [t.hyperparameters.values for t in (first, second)]
    distance = abs(values[0]["x"] - values[1]["x"]) + abs(values[0]["y"] - values[1]["y"])
    assert distance > 0.02


def test_three_objectives(tmp_path):
    class ThreeTuner(ToyTuner):
        def run_trial(self, trial, **kwargs):
            metrics = super().run_trial(trial)
            metrics["val_loss"] = trial.hyperparameters.get("y") + 0.5
            metrics[self.oracle.objective.name] = self.oracle.objective.get_value(metrics)
            return metrics

    oracle = toy_oracle(
        objective=[objectives.VAL_ACCURACY, objectives.VAL_SPARSITY, "val_loss"],
        reference={"val_loss": 2.0}, max_trials=8,
    )  # fmt: skip
    ThreeTuner(oracle=oracle, directory=tmp_path, project_name="three").search(verbose=0)
    front, volume = oracle.front()
    assert front and volume > 0


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="Received: objective="):
        ParetoOracle([objectives.VAL_ACCURACY])
    with pytest.raises(ValueError, match="Received: reference="):
        ParetoOracle([objectives.VAL_ACCURACY, "val_loss"])  # a minimised one needs it
    with pytest.raises(ValueError, match="Received: reference="):
        ParetoOracle(reference={"val_precision": 0.5})
    with pytest.raises(ValueError, match="Received: beta=-1"):
        ParetoOracle(beta=-1)
    with pytest.raises(ValueError, match="Received: num_candidates=0"):
        ParetoOracle(num_candidates=0)
    with pytest.raises(ValueError, match="Received: constraints="):
        ParetoOracle(constraints=[("val_accuracy", 0.9)])
    with pytest.raises(ValueError, match="Received: name='val_accuracy' and no bound"):
        Constraint("val_accuracy")
    with pytest.raises(ValueError, match="Received: points_below_best=-1"):
        Constraint("val_accuracy", points_below_best=-1)
    with pytest.raises(ValueError, match="Received: at_least='high'"):
        Constraint("val_accuracy", at_least="high")


@pytest.mark.backend
@pytest.mark.parametrize("objective", ["front", "constrained"])
def test_make_tuner_pareto_searches_real_networks(objective, tiny_dataset, tiny_space, tmp_path):
    data = tiny_dataset
    hypermodel = SparseNetworkHyperModel(data.input_shape, data.num_classes, seed=0, **tiny_space)
    tuner = make_tuner(
        hypermodel, "pareto", objective, max_trials=3, directory=tmp_path, points=50.0
    )
    assert isinstance(tuner.oracle, ParetoOracle)
    assert len(tuner.oracle.constraints) == (objective == "constrained")
    tuner.search(
        data.train.x, data.train.y, epochs=1, batch_size=60, verbose=0,
        validation_data=(data.validation.x, data.validation.y),
    )  # fmt: skip
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == 3 and all(t.status == "COMPLETED" for t in trials)
    frame = pareto_front(tuner)
    for trial in trials:
        row = frame[frame["trial_id"] == trial.trial_id].iloc[0]
        assert trial.score == pytest.approx(row["val_accuracy"] * row["val_sparsity"])
    best = tuner.get_best_models(1)[0]
    assert best.predict(data.test.x[:2], verbose=0).shape == (2, 3)


def test_make_tuner_pareto_objectives(tmp_path):
    hypermodel = SparseNetworkHyperModel((10,), 3)
    with pytest.raises(ValueError, match="Received: objective='sparsity'"):
        make_tuner(hypermodel, "pareto", "sparsity", directory=tmp_path)
    with pytest.raises(ValueError, match="Received: points=-1"):
        make_tuner(hypermodel, "pareto", "constrained", directory=tmp_path, points=-1)
