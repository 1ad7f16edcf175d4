"""Tests of train_ensemble: each member of an ensemble trains as its network alone."""

import pytest

from sparserect import layers
from sparserect.config import Config, FineTuning, Network, Pretraining
from sparserect.reproduce import ensemble_training
from sparserect.reproduce import training

pytestmark = pytest.mark.backend


@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_ensemble_member_matches_its_network_trained_alone(tiny_dataset, weight_decay):
    options = dict(hidden_units=(16, 16), epochs=3, patience=2, learning_rates=(0.1,),
                   steps_per_execution=10, weight_decay=weight_decay)
    members = ensemble_training.train_ensemble(
        tiny_dataset, seeds=[0, 1], activation_l1=[0.001, 0.0], **options
    )
    assert [m["seed"] for m in members] == [0, 1]
    assert [m["activation_l1"] for m in members] == [0.001, 0.0]
    # Each member sees the batches of its own seed, as its network alone does.
    for member, (seed, activation_l1) in zip(members, [(0, 0.001), (1, 0.0)]):
        alone = training.train_configuration(
            tiny_dataset, seed=seed, activation_l1=activation_l1, **options
        )
        for name in ("validation_error", "test_error", "best_epoch", "learning_rate"):
            assert member[name] == pytest.approx(alone[name], abs=1e-6), (seed, name)
        assert member["average_sparsity"] == pytest.approx(alone["average_sparsity"], abs=1e-3)
        assert member["layer_sparsity"] == pytest.approx(alone["layer_sparsity"], abs=1e-3)
        assert member["dead_units"] == alone["dead_units"]
        assert member["candidates"]["0.1"]["validation_errors"] == pytest.approx(
            alone["candidates"]["0.1"]["validation_errors"], abs=1e-6
        )
        assert member["weight_decay"] == alone["weight_decay"] == weight_decay
    assert all(m["ensemble_size"] == 2 for m in members)


@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_ensemble_selection_epochs_continue_each_member_as_alone(tiny_dataset, weight_decay):
    # Member k is seed k with its own penalty, as the network alone; two
    # rates compared after one epoch, the winner continued up to four.
    options = dict(hidden_units=(16, 16), epochs=4, patience=3, learning_rates=(0.3, 0.003),
                   selection_epochs=1, steps_per_execution=10, weight_decay=weight_decay)
    members = ensemble_training.train_ensemble(
        tiny_dataset, seeds=[0, 1], activation_l1=[0.001, 0.0], **options
    )
    for member, (seed, activation_l1) in zip(members, [(0, 0.001), (1, 0.0)]):
        alone = training.train_configuration(
            tiny_dataset, seed=seed, activation_l1=activation_l1, **options
        )
        if seed == 0:
            assert alone["epochs_run"] == 4 and alone["learning_rate"] == 0.3
        for name in ("validation_error", "test_error", "best_epoch", "epochs_run",
                     "learning_rate"):
            assert member[name] == pytest.approx(alone[name], abs=1e-6), (seed, name)
        assert member["dead_units"] == alone["dead_units"]
        for rate in ("0.3", "0.003"):
            candidate, alone_candidate = member["candidates"][rate], alone["candidates"][rate]
            assert candidate["epochs_run"] == alone_candidate["epochs_run"]
            assert candidate["validation_errors"] == pytest.approx(
                alone_candidate["validation_errors"], abs=1e-6
            )
    assert all(m["selection_epochs"] == 1 for m in members)
    for member in members:
        candidates = member["candidates"]
        best_rate = min(candidates, key=lambda rate: candidates[rate]["validation_error"])
        assert member["learning_rate"] == float(best_rate)
        assert candidates[best_rate]["epochs_run"] == member["epochs_run"]


@pytest.mark.parametrize(
    "activation, pretraining_activation_l1", [("rectifier", 0.0), ("tanh", None)]
)
def test_pretrained_ensemble_member_matches_its_network_trained_alone(
    tiny_dataset, activation, pretraining_activation_l1
):
    # Two pre-training rates compared after one epoch, the winners continued
    # up to two; member k is seed k with its own penalty, as its network alone.
    options = dict(activation=activation, pretraining=True, hidden_units=(16, 16), epochs=2,
                   patience=2, learning_rates=(0.1,), pretraining_epochs=2,
                   pretraining_learning_rate=(0.1, 0.01), selection_epochs=1,
                   pretraining_activation_l1=pretraining_activation_l1, steps_per_execution=10)
    members = ensemble_training.train_ensemble(
        tiny_dataset, seeds=[0, 1], activation_l1=[0.001, 0.0], **options
    )
    for member, seed, activation_l1 in zip(members, [0, 1], [0.001, 0.0]):
        alone = training.train_configuration(
            tiny_dataset, seed=seed, activation_l1=activation_l1, **options
        )
        for name in ("validation_error", "test_error", "best_epoch", "learning_rate"):
            assert member[name] == pytest.approx(alone[name], abs=1e-6), (seed, name)
        for name in ("pretraining", "pretraining_learning_rates", "pretraining_dead_units",
                     "pretraining_noise", "pretraining_activation_l1", "pretraining_epochs",
                     "pretraining_learning_rate", "dead_units"):
            assert member[name] == alone[name], (seed, name)
        for layer, costs in alone["pretraining_selection"].items():
            for rate, cost in costs.items():  # `None`: a rate that diverged
                expected = cost if cost is None else pytest.approx(cost, rel=1e-5)
                assert member["pretraining_selection"][layer][rate] == expected, (seed, rate)
        if alone["pretraining_activation_l1"] == 0.0:  # a member's loss is without the penalty
            for layer, losses in alone["pretraining_loss"].items():
                assert member["pretraining_loss"][layer] == pytest.approx(losses, rel=1e-5)
    assert [m["pretraining_activation_l1"] for m in members] == (
        [0.0, 0.0] if pretraining_activation_l1 == 0.0 else [0.001, 0.0]
    )
    assert all(m["ensemble_size"] == 2 and m["pretraining"] for m in members)


@pytest.mark.parametrize(
    "activation, activation_l1",
    [("rectifier", (0.001, 0.0)), (layers.ScaledSoftplus(3.0), 0.001)],
    ids=["per-layer-l1", "scaled-softplus"],
)
def test_per_layer_coefficients_and_rescaled_softplus_members_train_as_alone(
    tiny_dataset, activation, activation_l1
):
    options = dict(activation=activation, hidden_units=(16, 16), epochs=2, patience=2,
                   learning_rates=(0.1,), steps_per_execution=10)
    alone = training.train_configuration(
        tiny_dataset, seed=0, activation_l1=activation_l1, **options
    )
    members = ensemble_training.train_ensemble(
        tiny_dataset, seeds=[0, 1], activation_l1=[activation_l1, 0.0], **options
    )
    first = members[0]
    assert [m["activation_l1"] for m in members] == [alone["activation_l1"], 0.0]
    assert first["activation"] == alone["activation"]
    for name in ("validation_error", "test_error", "best_epoch", "learning_rate"):
        assert first[name] == pytest.approx(alone[name], abs=1e-6), name
    assert first["dead_units"] == alone["dead_units"]


def test_several_seeds_refuse_the_measures_of_one_network(tiny_dataset):
    with pytest.raises(ValueError, match=r"apply to one network.*Received: seed=\[0, 1\]"):
        training.train_configuration(tiny_dataset, seed=[0, 1], monitor="val_rmse")
    with pytest.raises(ValueError, match=r"one coefficient per seed.*Received: activation_l1="):
        ensemble_training.train_ensemble(tiny_dataset, seeds=[0, 1], activation_l1=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"one per hidden layer.*Received: activation_l1="):
        ensemble_training.train_ensemble(
            tiny_dataset, seeds=[0, 1], activation_l1=[(0.1,), 0.0], hidden_units=(4, 4)
        )


def test_a_salt_and_pepper_configuration_trains_its_seeds_as_members_as_alone(tiny_dataset):
    # Member 0's salt-and-pepper corruption draws from its own seed, and it
    # sees the batches of seed 0, as the network alone does (without the
    # penalty in pre-training, a member's loss is its reconstruction cost).
    config = Config(
        network=Network(hidden_units=(16, 16)),
        fine_tuning=FineTuning(learning_rates=(0.1,), epochs=2, patience=2),
        pretraining=Pretraining(
            epochs=1, noise=(0.3, 0.25), salt_and_pepper=True, activation_l1=0.0
        ),
    )
    first, second = training.train(tiny_dataset, config, seed=[0, 1])
    alone = training.train(tiny_dataset, config, seed=0)
    assert (first["seed"], second["seed"]) == (0, 1)
    assert first["ensemble_size"] == second["ensemble_size"] == 2
    assert first["pretraining_noise"] == alone["pretraining_noise"] == [
        "salt_and_pepper 0.3", "masking 0.25"
    ]
    for layer, losses in alone["pretraining_loss"].items():
        assert first["pretraining_loss"][layer] == pytest.approx(losses, rel=1e-5), layer
    for name in ("validation_error", "test_error", "best_epoch", "learning_rate"):
        assert first[name] == pytest.approx(alone[name], abs=1e-6), name


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(seeds=[]), r"non-empty sequence.*Received: seed=\[\]"),
        (dict(seeds=[0, 1.5]), r"Received: seed=\[0, 1.5\]"),
        (dict(seeds=[0, 1], selection_epochs=0), "Received: selection_epochs=0"),
        (dict(seeds=[0, 1], hidden_units=()), "without hidden layers.*Received: seed="),
    ],
)
def test_bad_seeds_and_settings_of_an_ensemble_are_clear_errors(tiny_dataset, options, message):
    with pytest.raises(ValueError, match=message):
        ensemble_training.train_ensemble(tiny_dataset, activation_l1=0.0, **options)


def test_one_coefficient_in_a_list_serves_every_member(tiny_dataset):
    first, second = ensemble_training.train_ensemble(
        tiny_dataset, seeds=[0, 1], activation_l1=[0.01], hidden_units=(8,), epochs=1
    )
    assert first["activation_l1"] == second["activation_l1"] == 0.01
