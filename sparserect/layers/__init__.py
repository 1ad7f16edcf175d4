"""sparserect.layers: the paper's activations, penalty, sign trick and networks,
and a first layer that reads a bag-of-words as term ids.

Plain Keras 3 objects, registered for serialization under the package
`sparserect`, running on the TensorFlow and JAX backends.
"""

from sparserect.layers import activations
from sparserect.layers.activation_l1 import ActivationL1
from sparserect.layers.activations import (
    elu,
    leaky_rectifier,
    parametric_rectifier,
    rectifier,
    softplus,
    tanh,
)
from sparserect.layers.bag_of_words_dense import BagOfWordsDense
from sparserect.layers.hidden_block import HiddenBlock
from sparserect.layers.members import MemberInitializer, member_seeds
from sparserect.layers.network import (
    build_network,
    count_members,
    extract_member,
    has_member_inputs,
)
from sparserect.layers.scaled_softplus import ScaledSoftplus, scaled_softplus
from sparserect.layers.sign_flip import SignFlip
from sparserect.layers.thresholded_rectifier import ThresholdedRectifier

__all__ = [
    "ActivationL1",
    "BagOfWordsDense",
    "ExpectedRatingRMSE",
    "HiddenBlock",
    "MemberInitializer",
    "ScaledSoftplus",
    "SignFlip",
    "SparsityCallback",
    "ThresholdedRectifier",
    "activations",
    "build_network",
    "count_members",
    "elu",
    "expected_rating",
    "extract_member",
    "has_member_inputs",
    "hidden_layers",
    "leaky_rectifier",
    "member_seeds",
    "parametric_rectifier",
    "rectifier",
    "scaled_softplus",
    "softplus",
    "sparsity_report",
    "tanh",
]


def __getattr__(name):
    # Moved to `sparserect.measurement` (which imports this package): read on first use.
    if name in _MOVED:
        import sparserect.measurement

        return getattr(sparserect.measurement, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_MOVED = ("ExpectedRatingRMSE", "SparsityCallback", "expected_rating", "hidden_layers",
          "sparsity_report")
