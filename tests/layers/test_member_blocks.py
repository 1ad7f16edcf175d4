"""Tests of sparserect.layers with members: initial weights, seeds, configs, per-member inputs, errors."""

import keras
import numpy as np
import pytest

from sparserect.ensembles import extract_member
from sparserect.ensembles import member_seeds
from sparserect.layers import ActivationL1
from sparserect.layers import HiddenBlock
from sparserect.layers import ScaledSoftplus
from sparserect.layers import build_network

from _members import HIDDEN
from _members import members_network
from _members import numpy_of
from _members import single_network

pytestmark = pytest.mark.backend


@pytest.mark.parametrize("size", [1, 32])
def test_every_member_has_a_single_networks_glorot_statistics(size):
    fan_in, fan_out = 100, 200
    layer = HiddenBlock(fan_out, members=size, seed=list(range(size)))
    layer.build((None, fan_in))
    kernel = numpy_of(layer.dense.kernel)
    assert kernel.shape == (size, fan_in, fan_out)
    limit = np.sqrt(6 / (fan_in + fan_out))  # glorot_uniform of a 2-D kernel
    single = keras.layers.Dense(fan_out, kernel_initializer="glorot_uniform")
    single.build((None, fan_in))
    single_std = numpy_of(single.kernel).std()
    for member in kernel:
        assert np.abs(member).max() <= limit
        assert np.abs(member).max() > 0.99 * limit  # not shrunk by sqrt(E)
        np.testing.assert_allclose(member.std(), limit / np.sqrt(3), rtol=0.03)
        np.testing.assert_allclose(member.std(), single_std, rtol=0.04)
        assert abs(member.mean()) < 0.01
    assert np.count_nonzero(numpy_of(layer.dense.bias)) == 0
    # Members are independent draws, not copies.
    if size > 1:
        assert not np.array_equal(kernel[0], kernel[1])


def test_member_weights_are_bit_identical_to_build_network():
    seeds = member_seeds(5, 3, HIDDEN)
    assert seeds == [5, 8, 11]
    model = members_network(3, activation_l1=[0.0, 0.001, 0.01], sign_trick=True, seed=5)
    for k in range(3):
        reference = single_network(k, seeds, [0.0, 0.001, 0.01], True, "rectifier", None)
        extracted = extract_member(model, k)
        assert len(extracted.weights) == len(reference.weights)
        for ours, theirs in zip(extracted.weights, reference.weights):
            assert ours.path == theirs.path
            np.testing.assert_array_equal(numpy_of(ours), numpy_of(theirs))
        for index, name in enumerate(("hidden_1", "hidden_2")):
            block = model.get_layer(name)
            np.testing.assert_array_equal(
                numpy_of(block.dense.kernel[k]),
                numpy_of(reference.get_layer(name).dense.kernel),
            )
            np.testing.assert_array_equal(
                numpy_of(block.sign_mask[k]), numpy_of(reference.get_layer(name).sign_mask)
            )
            assert block.seed[k] == seeds[k] + index


def test_seeds_are_drawn_and_kept_when_not_given():
    model = members_network(2)
    block = model.get_layer("hidden_1")
    assert len(set(block.seed)) == 2
    assert model.get_layer("hidden_2").seed == [s + 1 for s in block.seed]
    head_seeds = model.get_layer("softmax").kernel_initializer.seeds
    assert head_seeds == [s + 2 for s in block.seed]


@pytest.mark.parametrize(
    "layer",
    [
        HiddenBlock(4, activation="prelu", activation_l1=[0.1, 0.0], sign_trick=True, members=2),
        HiddenBlock(4, activation="tanh", seed=[3, 4], members=2),
        ScaledSoftplus([1.0, 3.0]),
    ],
)
def test_layer_config_round_trip(layer):
    restored = layer.__class__.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()


def test_per_member_inputs_give_each_member_its_own_examples(rng):
    x = rng.normal(size=(5, 2, 4, 2)).astype("float32")
    model = members_network(2, input_shape=(4, 2), seed=3, per_member_inputs=True)
    outputs = numpy_of(model(x))
    for k in range(2):
        member = extract_member(model, k)
        np.testing.assert_allclose(numpy_of(member(x[:, k])), outputs[:, k], rtol=1e-5, atol=1e-6)


def test_members_equal_build_network_under_mixed_precision(data):
    x, _ = data
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = members_network(2, "softplus", [1.0, 3.0], sign_trick=True, seed=[0, 7])
        outputs = numpy_of(model(x))
        assert model.get_layer("softmax").compute_dtype == "float32"
        assert outputs.dtype == np.float32
        for k, (seed, sharpness) in enumerate([(0, 1.0), (7, 3.0)]):
            single = build_network(
                (8,), 3, HIDDEN, ScaledSoftplus(sharpness), sign_trick=True, seed=seed
            )
            # float16 products: a batched einsum and a matmul round differently.
            np.testing.assert_allclose(numpy_of(single(x)), outputs[:, k], atol=2e-3)
    finally:
        keras.config.set_dtype_policy(previous)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: HiddenBlock(4, members=0), "members=0"),
        (lambda: HiddenBlock(4, members=2, activation_l1=[0.1]), "activation_l1=\\[0.1\\]"),
        (lambda: HiddenBlock(4, members=2, activation_l1=[0.1, -1.0]), "finite number >= 0"),
        (lambda: ScaledSoftplus([1.0, 0.0]), "> 0.0"),
        (lambda: HiddenBlock(4, members=2, seed=[1]), "seed=\\[1\\]"),
        (lambda: HiddenBlock(4, members=2, seed=1), "one int >= 0 per member"),
        (lambda: HiddenBlock(4, members=2, activity_regularizer="l1"), "activity_regularizer"),
        (lambda: HiddenBlock(0, members=2), "units=0"),
        (
            lambda: HiddenBlock(
                3, members=2, kernel_initializer=keras.initializers.GlorotUniform(1)
            ).build((None, 4)),
            "same weights",
        ),
        (lambda: ActivationL1([]), "coefficient=\\[\\]"),
        (lambda: build_network((8,), 3, HIDDEN, per_member_inputs=True), "needs `members`"),
        (lambda: build_network((8,), 3, HIDDEN, activation_l1=[[0.1, 0.2], 0.0]), "members=None"),
        (lambda: members_network(2, seed=[0]), "seed=\\[0\\]"),
        (lambda: build_network((8,), 1, HIDDEN, members=2), "num_classes=1"),
    ],
)
def test_bad_arguments_raise_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()
