"""Every keras-tuner tuner runs a tiny search end to end with every objective."""

import keras_tuner
import numpy as np
import pandas as pd
import pytest

from sparserect.tuning import ConstrainedSparsity, SparseNetworkHyperModel, make_tuner, objectives
from sparserect.tuning import pareto_front

pytestmark = pytest.mark.backend


@pytest.mark.parametrize(
    "kind, objective",
    [
        ("random", "accuracy"),
        ("hyperband", "sparsity"),
        ("bayesian", "constrained"),
        ("grid", "accuracy"),
    ],
)
def test_tiny_search_end_to_end(kind, objective, tiny_dataset, tiny_space, tmp_path, caplog):
    data = tiny_dataset
    hypermodel = SparseNetworkHyperModel(data.input_shape, data.num_classes, seed=0, **tiny_space)
    tuner = make_tuner(
        hypermodel, kind, objective, max_trials=3, max_epochs=2,
        directory=tmp_path, project_name=kind,
    )  # fmt: skip
    assert isinstance(tuner, keras_tuner.Tuner)
    callbacks = []
    if objective == "constrained":
        callbacks.append(ConstrainedSparsity(points=5.0, project_dir=tuner.project_dir))
    with caplog.at_level("INFO", logger="sparserect.tuning.search"):
        tuner.search(
            data.train.x, data.train.y, epochs=1, batch_size=60, verbose=0,
            validation_data=(data.validation.x, data.validation.y), callbacks=callbacks,
        )  # fmt: skip
    trials = list(tuner.oracle.trials.values())
    assert trials and all(t.status == "COMPLETED" for t in trials)
    if kind != "hyperband":
        assert len(trials) == 3
    name = objectives.get(objective).name
    for trial in trials:
        assert np.isfinite(trial.score)
        assert trial.score == trial.metrics.get_best_value(name)
    lines = [r.getMessage() for r in caplog.records if " trial " in r.getMessage()]
    assert len(lines) == len(trials) and all("COMPLETED" in line for line in lines)

    frame = pareto_front(tuner)
    assert len(frame) == len(trials) and frame["on_front"].any()
    assert frame["val_sparsity"].between(0, 1).all()
    pd.testing.assert_frame_equal(frame, pareto_front(tmp_path, project_name=kind))
    best = tuner.get_best_models(1)[0]
    assert best.predict(data.test.x[:4], verbose=0).shape == (4, 3)


def test_unknown_tuner(tiny_dataset, tmp_path):
    hypermodel = SparseNetworkHyperModel((10,), 3)
    with pytest.raises(ValueError, match="Received: tuner='anneal'"):
        make_tuner(hypermodel, "anneal", directory=tmp_path)
    with pytest.raises(ValueError, match="Received: max_trials=0"):
        make_tuner(hypermodel, "random", max_trials=0, directory=tmp_path)
