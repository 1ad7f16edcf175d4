"""The configuration objects: validation, JSON round trips, variations."""

import dataclasses
import json
import re

import pytest

from sparserect import config as config_lib
from sparserect.config import Config
from sparserect.config import FineTuning
from sparserect.config import Network
from sparserect.config import Pretraining


def _round_trip(config):
    return Config.from_dict(json.loads(json.dumps(config.to_dict())))


def test_a_full_configuration_survives_json_with_its_tuples():
    config = Config(
        dataset="mnist", train_size=500,
        network=Network(hidden_units=(8, 4), activation_l1=(0.001, 0.0), sign_trick=True),
        fine_tuning=FineTuning(learning_rates=(0.1, 0.01), selection_epochs=2),
        pretraining=Pretraining(learning_rate=(0.01, 0.001), noise=(0.7, 0.5), activation_l1=0.0),
    )
    again = _round_trip(config)
    assert again == config
    assert isinstance(again.network.hidden_units, tuple)
    assert isinstance(again.pretraining.learning_rate, tuple)
    assert _round_trip(Config()) == Config() and Config().pretraining is None


@pytest.mark.parametrize("build, received", [
    (lambda: Network(hidden_units=(8, 0)), "hidden_units=(8, 0)"),
    (lambda: Network(activation="relu"), "activation='relu'"),
    (lambda: Network(activation_l1=-1.0), "activation_l1=-1.0"),
    (lambda: Network(hidden_units=(8, 8), activation_l1=(0.1,)), "activation_l1=(0.1,)"),
    (lambda: Network(sharpness=2.0), "sharpness=2.0"),
    (lambda: Network(sign_trick="yes"), "sign_trick='yes'"),
    (lambda: FineTuning(epochs=0), "epochs=0"),
    (lambda: FineTuning(learning_rates=()), "learning_rates=()"),
    (lambda: FineTuning(selection_epochs=0), "selection_epochs=0"),
    (lambda: Pretraining(epochs=1.5), "pretraining_epochs=1.5"),
    (lambda: Pretraining(noise=1.0), "pretraining_noise=1.0"),
    (lambda: Pretraining(reconstruction="linear"), "pretraining_reconstruction='linear'"),
    (lambda: Config(train_size=0), "train_size=0"),
    (lambda: Config(network={"hidden_units": [8]}), "network={'hidden_units': [8]}"),
])
def test_a_bad_field_is_a_clear_error(build, received):
    with pytest.raises(ValueError, match=f"Received: {re.escape(received)}$"):
        build()


def test_replace_by_flat_names_reaches_into_the_parts_and_skips_none():
    config = Config(pretraining=Pretraining())
    changed = config.replace(epochs=3, pretraining_epochs=2, hidden_units=(5,), train_size=None)
    assert (changed.fine_tuning.epochs, changed.pretraining.epochs) == (3, 2)
    assert changed.network.hidden_units == (5,) and changed.train_size is None
    assert config.fine_tuning.epochs == 50  # frozen: the original is unchanged
    with pytest.raises(ValueError, match="has no fields \\['epoch'\\]"):
        config.replace(epoch=3)
    with pytest.raises(ValueError, match="no `pretraining`"):
        Config().replace(pretraining_epochs=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.dataset = "mnist"


def test_flat_names_cover_every_field_once():
    names = config_lib.flat_names()
    assert names["epochs"] == "fine_tuning.epochs"
    assert names["pretraining_activation_l1"] == "pretraining.activation_l1"
    fields = sum(len(dataclasses.fields(kind)) for kind in config_lib.PARTS.values()) + 2
    assert len(names) == len(set(names.values())) == fields


def test_unknown_names_in_a_dict_are_an_error():
    with pytest.raises(ValueError, match="has no fields \\['width'\\]"):
        Network.from_dict({"width": 3})
