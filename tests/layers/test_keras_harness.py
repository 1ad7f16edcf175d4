"""Keras's own layer test harness (`run_layer_test`) on every public layer of the package.

The harness builds each layer symbolically and eagerly, checks shapes,
weights, losses, masking, a config and `.keras` round trip, a training step
and the mixed-precision dtypes.
"""

import keras
import numpy as np
import pytest
from keras.src.testing import TestCase

from sparserect import layers

pytestmark = pytest.mark.backend

CASES = {
    "scaled_softplus": dict(
        layer_cls=layers.ScaledSoftplus, init_kwargs={"sharpness": 3.0},
        input_shape=(2, 5), expected_output_shape=(2, 5), supports_masking=True,
    ),
    "scaled_softplus_per_member": dict(
        layer_cls=layers.ScaledSoftplus, init_kwargs={"sharpness": [1.0, 6.0]},
        input_shape=(3, 2, 5), expected_output_shape=(3, 2, 5), supports_masking=True,
    ),
    "sign_flip": dict(
        layer_cls=layers.SignFlip, init_kwargs={"seed": 3},
        input_shape=(2, 6), expected_output_shape=(2, 6),
        expected_num_non_trainable_weights=1, supports_masking=True,
    ),
    "sign_flip_per_member": dict(
        layer_cls=layers.SignFlip, init_kwargs={"seed": [3, 4]},
        input_shape=(3, 2, 6), expected_output_shape=(3, 2, 6),
        expected_num_non_trainable_weights=1, supports_masking=True,
    ),
    "hidden_block_defaults": dict(
        layer_cls=layers.HiddenBlock, init_kwargs={"units": 4},
        input_shape=(2, 3), expected_output_shape=(2, 4),
        expected_num_trainable_weights=2, expected_num_losses=0, supports_masking=True,
    ),
    "hidden_block_all_arguments": dict(
        layer_cls=layers.HiddenBlock,
        init_kwargs={
            "units": 4, "activation": "parametric_rectifier", "activation_l1": 0.01,
            "sign_trick": True, "seed": 2, "kernel_initializer": "he_normal",
            "bias_initializer": "ones", "kernel_regularizer": "l2",
        },
        input_shape=(2, 3), expected_output_shape=(2, 4),
        expected_num_trainable_weights=3, expected_num_non_trainable_weights=1,
        expected_num_losses=2, supports_masking=True,
    ),
    "hidden_block_activation_layer": dict(
        layer_cls=layers.HiddenBlock,
        init_kwargs={"units": 4, "activation": keras.layers.PReLU()},
        input_shape=(2, 3), expected_output_shape=(2, 4),
        expected_num_trainable_weights=3, supports_masking=True,
    ),
    "hidden_block_members": dict(
        layer_cls=layers.HiddenBlock,
        init_kwargs={
            "units": 4, "members": 2, "activation": "softplus",
            "activation_l1": [0.0, 0.01], "sign_trick": True, "seed": [5, 9],
        },
        input_shape=(3, 6), expected_output_shape=(3, 2, 4),
        expected_num_trainable_weights=2, expected_num_non_trainable_weights=1,
        expected_num_losses=1, supports_masking=True,
    ),
    "hidden_block_members_per_member_inputs": dict(
        layer_cls=layers.HiddenBlock,
        init_kwargs={"units": 4, "members": 2, "activation": "elu", "seed": [5, 9]},
        input_shape=(3, 2, 6), expected_output_shape=(3, 2, 4),
        expected_num_trainable_weights=2, supports_masking=True,
    ),
    "thresholded_rectifier": dict(
        layer_cls=layers.ThresholdedRectifier, init_kwargs={"threshold": 0.5},
        input_shape=(2, 5), expected_output_shape=(2, 5), supports_masking=True,
    ),
    "bag_of_words_dense": dict(
        layer_cls=layers.BagOfWordsDense, init_kwargs={"units": 4, "vocabulary_size": 7},
        input_data=np.array([[0, 3, 6], [2, -1, -1]], dtype="int32"),
        expected_output_shape=(2, 4), expected_num_trainable_weights=2,
    ),
}


class KerasHarnessTest(TestCase):
    """One `run_layer_test` per case of `CASES`."""


def _make_test(case):
    def test(self):
        self.run_layer_test(**case)

    return test


for _name, _case in CASES.items():
    setattr(KerasHarnessTest, f"test_{_name}", _make_test(_case))


def test_every_public_layer_has_a_harness_case():
    public = {
        getattr(layers, name)
        for name in layers.__all__
        if isinstance(getattr(layers, name), type)
        and issubclass(getattr(layers, name), keras.layers.Layer)
    }
    covered = {case["layer_cls"] for case in CASES.values()}
    assert public == covered
