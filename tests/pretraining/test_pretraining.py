"""Tests of sparserect.pretraining: masking noise, the auto-encoder, the greedy stack."""

import keras
import numpy as np
import pytest

from sparserect import layers
from sparserect import pretraining
from sparserect.pretraining import autoencoder

pytestmark = pytest.mark.backend


def test_masking_noise_zeroes_a_quarter_without_rescaling(rng):
    noise = pretraining.MaskingNoise(0.25, seed=0)
    x = rng.uniform(1.0, 2.0, size=(200, 100)).astype("float32")
    out = keras.ops.convert_to_numpy(noise(x, training=True))
    zeros = out == 0
    assert 0.22 < zeros.mean() < 0.28
    np.testing.assert_array_equal(out[~zeros], x[~zeros])  # kept inputs unscaled
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(noise(x)), x)  # inference


@pytest.mark.parametrize("rate", [-0.1, 1.0, "0.2", True])
def test_masking_noise_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match="Received: rate="):
        pretraining.MaskingNoise(rate)


def test_batch_max_scaling_maps_codes_into_unit_interval(rng):
    codes = rng.uniform(0, 7, size=(10, 5)).astype("float32")
    scaled = keras.ops.convert_to_numpy(pretraining.BatchMaxScaling()(codes))
    assert scaled.min() >= 0 and scaled.max() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(scaled * codes.max(), codes, rtol=1e-5)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(pretraining.BatchMaxScaling())
    )
    assert isinstance(restored, pretraining.BatchMaxScaling)


def test_unit_interval_targets():
    np.testing.assert_allclose(pretraining.unit_interval_targets(np.array([0.0, 0.5, 1.0])), [0, 0.5, 1])
    np.testing.assert_allclose(pretraining.unit_interval_targets(np.array([-1.0, 0.0, 1.0])), [0, 0.5, 1])
    np.testing.assert_allclose(pretraining.unit_interval_targets(np.array([0.0, 4.0])), [0, 1])


@pytest.mark.parametrize(
    "reconstruction, decode",
    [
        ("tanh_cross_entropy", lambda z: (np.tanh(z) + 1) / 2),
        ("cross_entropy", lambda z: 1 / (1 + np.exp(-z))),
        ("sigmoid_cross_entropy", lambda z: 1 / (1 + np.exp(-z))),
    ],
)
def test_cross_entropy_reconstructions_match_numpy(rng, reconstruction, decode):
    target = rng.uniform(0, 1, size=(4, 6)).astype("float32")
    z = rng.normal(0, 2, size=(4, 6)).astype("float32")
    output = decode(z.astype("float64"))
    expected = -np.sum(target * np.log(output) + (1 - target) * np.log(1 - output), axis=-1)
    cost = pretraining.reconstruction_loss(reconstruction)(target, z)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(cost), expected, rtol=1e-4)


def test_softplus_quadratic_reconstruction_matches_numpy(rng):
    target = rng.uniform(0, 1, size=(4, 6)).astype("float32")
    z = rng.normal(0, 2, size=(4, 6)).astype("float32")
    expected = np.sum((np.log1p(np.exp(z.astype("float64"))) - target) ** 2, axis=-1)
    cost = pretraining.reconstruction_loss("softplus_quadratic")(target, z)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(cost), expected, rtol=1e-4)


def test_default_reconstruction_follows_the_paper():
    assert pretraining.default_reconstruction(layers.tanh()) == "cross_entropy"
    assert pretraining.default_reconstruction(layers.rectifier()) == "softplus_quadratic"
    assert pretraining.default_reconstruction(layers.softplus()) == "softplus_quadratic"


def test_autoencoder_ties_decoder_to_the_block_and_keeps_the_l1_penalty():
    block = layers.HiddenBlock(6, activation_l1=0.001, seed=0)
    block.build((None, 4))
    model = pretraining.build_denoising_autoencoder(block, 4, reconstruction="softplus_quadratic")
    names = sorted(v.path for v in model.trainable_weights)
    assert len(names) == 3  # encoder kernel and bias, decoder bias: the kernel is tied
    model(np.ones((2, 4), "float32"))
    assert len(model.losses) == 1  # the block's activation L1 penalty


@pytest.mark.parametrize(
    "activation, reconstruction, sign_trick",
    [
        ("rectifier", None, False),
        ("rectifier", "sigmoid_cross_entropy", True),
        ("softplus", "softplus_quadratic", True),
        ("tanh", None, False),
        ("tanh", "tanh_cross_entropy", False),
    ],
)
def test_pretrain_stack_trains_every_block_in_place(rng, activation, reconstruction, sign_trick):
    x = rng.uniform(0, 1, size=(40, 3, 4)).astype("float32")
    model = layers.build_network(
        (3, 4), 3, hidden_units=(8, 6), activation=activation, sign_trick=sign_trick, seed=0
    )
    before = [keras.ops.convert_to_numpy(w) for w in model.weights]
    history = pretraining.pretrain_stack(
        model, x, reconstruction=reconstruction, epochs=2, learning_rate=0.05, seed=1
    )
    assert [entry["layer"] for entry in history] == ["hidden_1", "hidden_2"]
    expected = reconstruction or ("cross_entropy" if activation == "tanh" else "softplus_quadratic")
    assert {entry["reconstruction"] for entry in history} == {expected}
    assert all(len(entry["loss"]) == 2 and np.isfinite(entry["loss"]).all() for entry in history)
    after = {w.path: keras.ops.convert_to_numpy(w) for w in model.weights}
    for weight, old in zip(model.weights, before):
        changed = not np.allclose(after[weight.path], old)
        # Hidden Dense weights move; the softmax head and the sign masks do not.
        assert changed == ("hidden" in weight.path and "sign" not in weight.path), weight.path
    assert model(x).shape == (40, 3)  # ready for fine-tuning


def test_pretrain_stack_accepts_a_list_of_blocks(rng):
    blocks = [layers.HiddenBlock(5, seed=0), layers.HiddenBlock(4, seed=1)]
    history = pretraining.pretrain_stack(blocks, rng.uniform(size=(20, 7)), epochs=1)
    assert len(history) == 2 and blocks[1].dense.kernel.shape == (5, 4)


def test_pretrain_stack_counts_and_warns_about_dead_units(rng, caplog):
    block = layers.HiddenBlock(4, seed=0, name="hidden")
    block.build((None, 3))
    block.dense.bias.assign(np.array([-100.0, -100.0, 0.0, 0.0], "float32"))  # 2 dead units
    x = rng.uniform(size=(20, 3)).astype("float32")
    with caplog.at_level("WARNING", logger="sparserect.pretraining"):
        history = pretraining.pretrain_stack([block], x, epochs=1, learning_rate=0.01)
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in (block.dense.kernel, block.dense.bias))
    expected = int(np.all(np.maximum(x @ kernel + bias, 0) == 0, axis=0).sum())
    assert history[0]["dead_units"] == expected >= 2
    assert f"hidden: {expected} of 4 units are dead after pre-training" in caplog.text


def _first_block_weights(model):
    return [keras.ops.convert_to_numpy(w) for w in model.weights if "hidden_1" in w.path]


def test_pretrain_stack_picks_each_blocks_learning_rate_by_reconstruction_cost(rng):
    x = rng.uniform(0, 1, size=(60, 6)).astype("float32")

    def pretrained(learning_rate):
        model = layers.build_network((6,), 2, hidden_units=(5, 4), seed=0)
        history = pretraining.pretrain_stack(
            model, x, epochs=5, learning_rate=learning_rate, seed=1
        )
        return model, history

    # 1e-9 trains after 0.05 and leaves the block at its initial weights, so the block
    # must get 0.05's weights back.
    chosen, history = pretrained((0.05, 1e-9))
    alone, alone_history = pretrained(0.05)
    for entry, alone_entry in zip(history, alone_history):
        assert entry["learning_rate"] == 0.05 == alone_entry["learning_rate"]
        costs = entry["selection"]
        assert np.isfinite(costs["0.05"])
        assert costs["0.05"] < costs["1e-09"]
        assert "selection" not in alone_entry
    # Block 1 trains exactly as with 0.05 alone (block 2 does not: the other candidate's
    # fit advanced the shuffling's random state).
    np.testing.assert_allclose(history[0]["loss"], alone_history[0]["loss"], rtol=1e-6)
    for weight, alone_weight in zip(_first_block_weights(chosen), _first_block_weights(alone)):
        np.testing.assert_allclose(weight, alone_weight, rtol=1e-5, atol=1e-6)


def test_pretrain_stack_selection_cost_is_the_clean_reconstruction_cost(rng):
    x = rng.uniform(0, 1, size=(50, 6)).astype("float32")
    block = layers.HiddenBlock(4, activation="softplus", activation_l1=0.5, seed=0)
    (entry,) = pretraining.pretrain_stack([block], x, epochs=1, learning_rate=(1e-9, 2e-9), seed=0)
    # At a learning rate of ~0 the weights stay at their start: the cost is that of the
    # initial auto-encoder, computed here with numpy (softplus reconstruction, quadratic
    # cost, tied weights, zero decoder bias), without noise and without the L1 penalty.
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in (block.dense.kernel, block.dense.bias))
    code = np.logaddexp(0, x @ kernel + bias)
    reconstruction = np.logaddexp(0, code @ kernel.T)
    expected = np.mean(np.sum((reconstruction - x) ** 2, axis=1))
    assert entry["learning_rate"] in (1e-9, 2e-9)
    for cost in entry["selection"].values():
        np.testing.assert_allclose(cost, expected, rtol=1e-4)


def test_pretrain_stack_compares_after_selection_epochs_then_goes_on(rng):
    x = rng.uniform(0, 1, size=(30, 6)).astype("float32")
    model = layers.build_network((6,), 2, hidden_units=(5, 4), seed=0)
    history = pretraining.pretrain_stack(
        model, x, epochs=3, learning_rate=(0.05, 0.01), selection_epochs=1, seed=1
    )
    assert all(len(entry["loss"]) == 3 for entry in history)
    assert all(set(entry["selection"]) == {"0.05", "0.01"} for entry in history)
    for entry in history:
        costs = entry["selection"]
        assert entry["learning_rate"] == float(min(costs, key=costs.get))


def _pretrained_blocks(x, block_l1, pretraining_l1):
    blocks = [
        layers.HiddenBlock(5, activation="softplus", activation_l1=block_l1, seed=0),
        layers.HiddenBlock(4, activation="softplus", activation_l1=block_l1, seed=1),
    ]
    history = pretraining.pretrain_stack(
        blocks, x, epochs=2, learning_rate=0.05, seed=3, activation_l1=pretraining_l1
    )
    return blocks, history


@pytest.mark.parametrize("block_l1, pretraining_l1", [(0.5, 0.0), (0.0, 0.5), (0.5, 0.1)])
def test_pretrain_stack_activation_l1_replaces_the_blocks_penalty_in_pretraining_only(
    rng, block_l1, pretraining_l1
):
    x = rng.uniform(0, 1, size=(30, 6)).astype("float32")
    blocks, history = _pretrained_blocks(x, block_l1, pretraining_l1)
    # The same as blocks that carry the pre-training coefficient themselves.
    reference, reference_history = _pretrained_blocks(x, pretraining_l1, None)
    for entry, reference_entry in zip(history, reference_history):
        np.testing.assert_allclose(entry["loss"], reference_entry["loss"], rtol=1e-5)
    inputs = x
    for block, reference_block in zip(blocks, reference):
        for weight, reference_weight in zip(block.get_weights(), reference_block.get_weights()):
            np.testing.assert_allclose(weight, reference_weight, rtol=1e-5, atol=1e-7)
        # Afterwards each block has its own penalty again, for fine-tuning.
        h = keras.ops.convert_to_numpy(block(inputs))
        expected = block_l1 * np.sum(np.abs(h)) / len(x)
        penalty = sum(keras.ops.convert_to_numpy(loss) for loss in block.losses)
        np.testing.assert_allclose(penalty, expected, rtol=1e-5)
        inputs = h


def test_pretrain_stack_errors():
    with pytest.raises(ValueError, match="Received: model_or_blocks="):
        pretraining.pretrain_stack([keras.layers.Dense(3)], np.ones((4, 2)))
    with pytest.raises(ValueError, match="the same `members`. Received: members \\[None, 2\\]"):
        pretraining.pretrain_stack(
            [layers.HiddenBlock(3), layers.HiddenBlock(3, members=2)], np.ones((4, 2))
        )
    with pytest.raises(ValueError, match="Received: reconstruction="):
        pretraining.pretrain_stack([layers.HiddenBlock(3)], np.ones((4, 2)), reconstruction="linear")
    with pytest.raises(ValueError, match="Received: epochs="):
        pretraining.pretrain_stack([layers.HiddenBlock(3)], np.ones((4, 2)), epochs=0)
    for learning_rate in (0, -0.1, (), (0.1, "0.01"), True):
        with pytest.raises(ValueError, match="Received: learning_rate="):
            pretraining.pretrain_stack(
                [layers.HiddenBlock(3)], np.ones((4, 2)), learning_rate=learning_rate
            )
    with pytest.raises(ValueError, match="Received: selection_epochs=0"):
        pretraining.pretrain_stack(
            [layers.HiddenBlock(3)], np.ones((4, 2)), learning_rate=(0.1, 0.01), selection_epochs=0
        )
    with pytest.raises(ValueError, match="Received: activation_l1=-0.1"):
        pretraining.pretrain_stack([layers.HiddenBlock(3)], np.ones((4, 2)), activation_l1=-0.1)
    with pytest.raises(FloatingPointError, match="Every learning rate diverged for pre-training hidden_block"):
        pretraining.pretrain_stack(
            [layers.HiddenBlock(3, seed=0)], np.full((4, 2), 1e3), learning_rate=(1e30, 1e35),
            seed=0,  # with other seeds, a rate can kill every unit instead: a finite cost
        )


def test_salt_and_pepper_noise_statistics(rng):
    noise = pretraining.SaltAndPepperNoise(0.5, salt_probability=0.2, seed=0)
    x = (rng.uniform(size=(400, 250)) < 0.3).astype("float32")
    corrupted = keras.ops.convert_to_numpy(noise(x, training=True))
    changed = corrupted != x
    # A corrupted entry equals x by chance with probability P(salt == x).
    expected_changed = 0.5 * (0.3 * 0.8 + 0.7 * 0.2)
    assert changed.mean() == pytest.approx(expected_changed, abs=0.01)
    assert set(np.unique(corrupted)) <= {0.0, 1.0}
    assert corrupted.mean() == pytest.approx(0.5 * 0.3 + 0.5 * 0.2, abs=0.01)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(noise(x)), x)
    config = noise.get_config()
    assert (config["rate"], config["salt_probability"], config["seed"]) == (0.5, 0.2, 0)
    assert isinstance(keras.layers.deserialize(keras.layers.serialize(noise)), pretraining.SaltAndPepperNoise)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"rate": 1.0}, "Received: rate=1.0"), ({"rate": 0.5, "salt_probability": -0.1}, "Received: salt_probability=-0.1")],
)
def test_salt_and_pepper_noise_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pretraining.SaltAndPepperNoise(**kwargs)


def test_pretrain_stack_takes_a_corruption_per_block(rng, monkeypatch):
    x = (rng.uniform(size=(40, 30)) < 0.1).astype("float32")
    model = layers.build_network((30,), 2, hidden_units=(8, 6, 4), seed=0)
    noise = (pretraining.SaltAndPepperNoise(0.7, salt_probability=0.1, seed=0), 0.5, 0.3)
    used = []
    build = autoencoder.build_denoising_autoencoder

    def recording_build(block, *args, noise, **kwargs):
        used.append((block.name, pretraining.describe_noise(noise)))
        return build(block, *args, noise=noise, **kwargs)

    monkeypatch.setattr(autoencoder, "build_denoising_autoencoder", recording_build)
    history = pretraining.pretrain_stack(
        model, x, reconstruction="sigmoid_cross_entropy", noise=noise, epochs=1, seed=0
    )
    assert used == [
        ("hidden_1", "salt_and_pepper 0.7"), ("hidden_2", "masking 0.5"), ("hidden_3", "masking 0.3")
    ]
    assert [entry["layer"] for entry in history] == ["hidden_1", "hidden_2", "hidden_3"]
    with pytest.raises(ValueError, match=r"one entry per block \(3\)"):
        pretraining.pretrain_stack(model, x, noise=(0.5, 0.3))
    with pytest.raises(ValueError, match="Received: noise=1.5"):
        pretraining.pretrain_stack(model, x, noise=1.5)


@pytest.mark.parametrize("activation", ["rectifier", "leaky_rectifier"])
def test_strategy_two_leaves_rectifier_activations_in_the_unit_interval(rng, activation):
    x = (rng.uniform(size=(60, 20)) < 0.2).astype("float32")
    model = layers.build_network((20,), 2, hidden_units=(16, 8), activation=activation, seed=0)
    history = pretraining.pretrain_stack(
        model, x, reconstruction="sigmoid_cross_entropy", epochs=3, learning_rate=0.5, seed=0
    )
    hidden = x
    for block, entry in zip(model.layers[1:3], history):
        hidden = keras.ops.convert_to_numpy(block(hidden))
        assert entry["scale"] > 0
        assert np.abs(hidden).max() == pytest.approx(1.0, rel=1e-5)


def test_other_strategies_keep_their_scale(rng):
    x = rng.uniform(size=(30, 10)).astype("float32")
    model = layers.build_network((10,), 2, hidden_units=(6,), activation="softplus", seed=0)
    history = pretraining.pretrain_stack(model, x, reconstruction="sigmoid_cross_entropy", epochs=1)
    assert "scale" not in history[0]
