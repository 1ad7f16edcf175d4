import keras
import keras_tuner
import numpy as np
import pytest

from sparserect.layers import HiddenBlock
from sparserect.tuning import SparseNetworkHyperModel

pytestmark = pytest.mark.backend


def space_of(hypermodel):
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    return hp


def test_default_space_covers_the_issue():
    hp = space_of(SparseNetworkHyperModel((8, 8, 1), 10))
    by_name = {p.name: p for p in hp.space}
    assert set(by_name) == {
        "activation", "activation_l1_on", "activation_l1", "learning_rate",
        "depth", "units", "sign_trick",
    }
    assert by_name["activation"].values == ["rectifier", "tanh", "softplus"]
    l1 = by_name["activation_l1"]
    assert (l1.min_value, l1.max_value, l1.sampling) == (1e-5, 1e-2, "log")
    assert l1.conditions[0].name == "activation_l1_on"
    assert by_name["learning_rate"].sampling == "log"
    assert (by_name["depth"].min_value, by_name["depth"].max_value) == (1, 3)
    # defaults: the paper's network
    assert hp.values == {
        "activation": "rectifier", "activation_l1_on": True, "activation_l1": 0.001,
        "learning_rate": 0.01, "depth": 3, "units": 1000, "sign_trick": False,
    }


def test_zero_l1_builds_blocks_without_penalty():
    hypermodel = SparseNetworkHyperModel((10,), 3, units=8, depth=2)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("activation_l1_on", False)
    model = hypermodel.build(hp)
    blocks = [layer for layer in model.layers if isinstance(layer, HiddenBlock)]
    assert [b.units for b in blocks] == [8, 8]
    assert all(b.activation_l1 == 0.0 for b in blocks)
    assert "activation_l1" not in hp.values or not hp.is_active("activation_l1")


def test_a_coefficient_fixed_in_the_tuners_hyperparameters_holds_in_every_trial(tmp_path):
    # The keras-tuner way: the fixed coefficient must not be searched under
    # `activation_l1_on`'s condition beside it.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    hp = keras_tuner.HyperParameters()
    hp.Fixed("activation_l1", 1e-3)
    tuner = keras_tuner.RandomSearch(
        SparseNetworkHyperModel((6,), 2, depth=1, units=4), objective="val_accuracy",
        max_trials=4, hyperparameters=hp, directory=str(tmp_path), seed=0,
    )
    tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == 4
    for trial in trials:
        assert trial.hyperparameters.values["activation_l1"] == 1e-3
        assert "activation_l1_on" not in trial.hyperparameters.values
        model = tuner.hypermodel.build(trial.hyperparameters)
        assert model.get_layer("hidden_1").activation_l1 == 1e-3


def test_fixed_arguments_narrow_the_space():
    hypermodel = SparseNetworkHyperModel(
        (10,), 3, activation="tanh", activation_l1=0.0, learning_rate=0.1,
        depth=1, units=4, sign_trick=True,
    )  # fmt: skip
    hp = space_of(hypermodel)
    assert all(isinstance(p, keras_tuner.engine.hyperparameters.Fixed) for p in hp.space)
    assert hp.values["activation_l1"] == 0.0
    model = hypermodel.build(hp)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.1)
    assert model.get_layer("hidden_1").sign_trick


def test_no_zero_choice_and_ranges():
    hp = space_of(SparseNetworkHyperModel((10,), 3, activation_l1=(1e-4, 1e-3),
                                          zero_activation_l1=False, units=(8, 16)))
    assert "activation_l1_on" not in hp.values
    assert hp.values["activation_l1"] == 0.001 and hp.values["units"] == 16


def test_subclass_overrides_one_hyperparameter():
    class WideOnly(SparseNetworkHyperModel):
        def units_hp(self, hp):
            return hp.Int("units", 2000, 4000, step=1000)

    hp = space_of(WideOnly((10,), 3, depth=1))
    assert hp.values["units"] == 2000


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(activation="sigmoidal"), "activation="),
        (dict(activation_l1=-1.0), "activation_l1=-1.0"),
        (dict(activation_l1=(0.0, 0.1)), "low end"),
        (dict(learning_rate=(0.1, 0.01)), "learning_rate="),
        (dict(depth=(1.5, 3)), "depth="),
        (dict(depth=(2,)), r"depth=\(2,\)"),
        (dict(learning_rate=[0.01]), r"learning_rate=\[0.01\]"),
        (dict(units=(8, 0)), "units="),
        (dict(sign_trick=(True,)), "sign_trick="),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SparseNetworkHyperModel((10,), 3, **kwargs)


def test_fit_logs_validation_sparsity(tiny_dataset):
    data = tiny_dataset
    hypermodel = SparseNetworkHyperModel((10,), 3, units=8, depth=1, activation="rectifier")
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    history = hypermodel.fit(
        hp, model, data.train.x, data.train.y, epochs=1, batch_size=60, verbose=0,
        validation_data=(data.validation.x, data.validation.y),
    )  # fmt: skip
    assert {"val_accuracy", "val_sparsity", "val_dead_fraction"} <= set(history.history)
    assert 0.0 <= history.history["val_sparsity"][0] <= 1.0
    with pytest.raises(ValueError, match="Received: validation_data=None"):
        hypermodel.fit(hp, model, data.train.x, data.train.y, epochs=1, verbose=0)


def test_image_and_text_shapes():
    images = SparseNetworkHyperModel((28, 28, 1), 10, units=4, depth=1)
    text = SparseNetworkHyperModel((5000,), 2, units=4, depth=1)
    hp = keras_tuner.HyperParameters()
    assert images.build(hp).predict(np.zeros((2, 28, 28, 1)), verbose=0).shape == (2, 10)
    assert text.build(hp).predict(np.zeros((2, 5000)), verbose=0).shape == (2, 2)
