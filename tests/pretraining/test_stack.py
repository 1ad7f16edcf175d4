"""Tests of pretrain_stack on blocks of members: member k is the network pre-trained alone."""

import keras
import numpy as np
import pytest

from sparserect import layers
from sparserect import pretraining

pytestmark = pytest.mark.backend

SEEDS = [3, 15]


def _kernels(model, k=None):
    return [
        keras.ops.convert_to_numpy(block.dense.kernel if k is None else block.dense.kernel[k])
        for block in model.layers if isinstance(block, layers.HiddenBlock)
    ]


@pytest.mark.parametrize(
    "activation, reconstruction, activation_l1",
    [
        ("rectifier", None, [0.0, 0.0]),
        ("tanh", None, [0.0, 0.0]),
        ("rectifier", "sigmoid_cross_entropy", [0.0, 0.0]),
        # Member 1's penalty makes it prefer the larger rate, member 0 the smaller.
        ("rectifier", None, [0.0, 0.3]),
    ],
)
def test_member_k_is_the_network_pretrained_alone_with_seed_k(
    rng, activation, reconstruction, activation_l1
):
    x = rng.uniform(0, 1, size=(40, 12)).astype("float32")
    network = dict(hidden_units=(6, 5), activation=activation, sign_trick=True)
    options = dict(reconstruction=reconstruction, epochs=2, batch_size=10, shuffle_seed=SEEDS[0],
                   learning_rate=(1.0, 0.7), selection_epochs=1)
    model = layers.build_network(
        (12,), 3, members=2, seed=SEEDS, activation_l1=[activation_l1] * 2, **network
    )
    stack = pretraining.pretrain_stack(model, x, seed=SEEDS, **options)
    for k, seed in enumerate(SEEDS):
        alone = layers.build_network((12,), 3, seed=seed, activation_l1=activation_l1[k], **network)
        expected = pretraining.pretrain_stack(alone, x, seed=seed, **options)
        for member, single in zip(_kernels(model, k), _kernels(alone)):
            np.testing.assert_allclose(member, single, atol=1e-5)
        for entry, single in zip(stack, expected):
            assert entry["learning_rate"][k] == single["learning_rate"]
            assert entry["dead_units"][k] == single["dead_units"]
            for rate, cost in single["selection"].items():
                assert entry["selection"][rate][k] == pytest.approx(cost, rel=1e-5)
            if "scale" in single:
                assert entry["scale"][k] == pytest.approx(single["scale"], rel=1e-6)
            assert len(entry["loss"][k]) == len(single["loss"]) == 2
    if activation_l1[1]:
        # The members chose different learning rates, and continued each at its own.
        assert stack[0]["learning_rate"] == [0.7, 1.0]


def test_member_noise_draws_each_members_single_mask(rng):
    x = rng.uniform(1, 2, size=(20, 8)).astype("float32")
    members = pretraining.MaskingNoise(0.3, seed=[5, 9])
    corrupted = keras.ops.convert_to_numpy(members(x, training=True))
    assert corrupted.shape == (20, 2, 8)
    for k, seed in enumerate([5, 9]):
        alone = keras.ops.convert_to_numpy(pretraining.MaskingNoise(0.3, seed=seed)(x, training=True))
        np.testing.assert_array_equal(corrupted[:, k], alone)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(members(x)), np.stack([x, x], 1))
    salt = pretraining.SaltAndPepperNoise(0.5, 0.5, seed=[1, 2])(x, training=True)
    alone = pretraining.SaltAndPepperNoise(0.5, 0.5, seed=2)(x, training=True)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(salt)[:, 1], keras.ops.convert_to_numpy(alone))


def test_member_blocks_need_member_seeds_and_noise(rng):
    x = rng.uniform(0, 1, size=(10, 4)).astype("float32")
    model = layers.build_network((4,), 2, hidden_units=(3,), members=2, seed=SEEDS)
    with pytest.raises(ValueError, match="one int >= 0 per member. Received: seed=5"):
        pretraining.pretrain_stack(model, x, seed=5)
    with pytest.raises(ValueError, match="noise needs one seed per member"):
        pretraining.pretrain_stack(model, x, seed=SEEDS, noise=pretraining.MaskingNoise(0.2, seed=0))
    with pytest.raises(ValueError, match="Received: seed=\\[1, -1\\]"):
        pretraining.MaskingNoise(0.2, seed=[1, -1])
