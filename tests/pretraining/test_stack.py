"""Tests of pretrain_stack: the order of the examples, and member k as its network alone."""

import keras
import numpy as np
import pytest

from sparserect import layers
from sparserect import pretraining
from sparserect._sampling import epoch_order

pytestmark = pytest.mark.backend

SEEDS = [3, 15]


def _kernels(model, k=None):
    return [
        keras.ops.convert_to_numpy(block.dense.kernel if k is None else block.dense.kernel[k])
        for block in model.layers if isinstance(block, layers.HiddenBlock)
    ]


def test_pretraining_takes_the_examples_in_each_epochs_own_order(rng):
    # Two batches per epoch: as many as Keras looks at before it trains.
    x = rng.uniform(0, 1, size=(20, 12)).astype("float32")
    model, reference = (
        layers.build_network((12,), 3, hidden_units=(6,), seed=3) for _ in range(2)
    )
    pretraining.pretrain_stack(model, x, reconstruction="softplus_quadratic", epochs=3,
                               learning_rate=0.5, batch_size=10, seed=3, shuffle_seed=8)
    block = reference.get_layer("hidden_1")
    autoencoder = pretraining.build_denoising_autoencoder(
        block, 12, reconstruction="softplus_quadratic", seed=3
    )
    autoencoder.compile(keras.optimizers.SGD(0.5),
                        pretraining.reconstruction_loss("softplus_quadratic"))
    for epoch in range(3):
        order = epoch_order(8, epoch, len(x))
        autoencoder.fit(x[order], x[order], batch_size=10, shuffle=False, verbose=0)
    for trained, expected in zip(model.get_layer("hidden_1").get_weights(), block.get_weights()):
        np.testing.assert_allclose(trained, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "activation, reconstruction, activation_l1, shuffle_seed",
    [
        ("rectifier", None, [0.0, 0.0], None),
        ("tanh", None, [0.0, 0.0], None),
        ("rectifier", "sigmoid_cross_entropy", [0.0, 0.0], None),
        # The members choose different rates (which one depends on the backend's noise).
        ("rectifier", None, [0.3, 0.0], None),
        # One order of the examples for all the members.
        ("rectifier", None, [0.3, 0.0], SEEDS[0]),
    ],
)
def test_member_k_is_the_network_pretrained_alone_with_seed_k(
    rng, activation, reconstruction, activation_l1, shuffle_seed
):
    x = rng.uniform(0, 1, size=(40, 12)).astype("float32")
    network = dict(hidden_units=(6, 5), activation=activation, sign_trick=True)
    options = dict(reconstruction=reconstruction, epochs=2, batch_size=10,
                   shuffle_seed=shuffle_seed, learning_rate=(1.0, 0.7), selection_epochs=1)
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
    if activation_l1[0]:
        # The members chose different learning rates, and continued each at its own.
        assert sorted(stack[0]["learning_rate"]) == [0.7, 1.0]


def test_members_with_per_member_inputs_pretrain_as_with_shared_inputs(rng):
    x = rng.uniform(0, 1, size=(30, 12)).astype("float32")
    options = dict(epochs=2, batch_size=10, learning_rate=(0.5, 0.1), selection_epochs=1,
                   seed=SEEDS)
    network = dict(hidden_units=(6, 5), members=2, seed=SEEDS, sign_trick=True)
    shared = layers.build_network((12,), 3, **network)
    per_member = layers.build_network((12,), 3, per_member_inputs=True, **network)
    expected = pretraining.pretrain_stack(shared, x, **options)
    stack = pretraining.pretrain_stack(per_member, x, **options)
    for trained, reference in zip(_kernels(per_member), _kernels(shared)):
        np.testing.assert_allclose(trained, reference, rtol=1e-5, atol=1e-6)
    for entry, reference in zip(stack, expected):
        assert entry["learning_rate"] == reference["learning_rate"]
        assert entry["dead_units"] == reference["dead_units"]


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
    message = r"`shuffle_seed` must be an int >= 0 or a sequence of 2 ints >= 0 \(one per member\)"
    with pytest.raises(ValueError, match=message + r"\. Received: shuffle_seed=\[1\]"):
        pretraining.pretrain_stack(model, x, seed=SEEDS, shuffle_seed=[1])
