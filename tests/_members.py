"""What the tests of models of members share: a small network and the single networks it stands for."""

import keras

from sparserect.layers import ScaledSoftplus
from sparserect.layers import build_network

HIDDEN = (12, 10)


def numpy_of(tensor):
    return keras.ops.convert_to_numpy(tensor)


def members_network(members, activation="rectifier", sharpness=None, activation_l1=0.001,
                    input_shape=(8,), **kwargs):
    """`build_network` of `members` networks, one coefficient (or one per member) for all blocks."""
    if sharpness is not None:
        activation = ScaledSoftplus(sharpness)
    return build_network(
        input_shape, 3, HIDDEN, activation, activation_l1=[activation_l1] * len(HIDDEN),
        members=members, **kwargs,
    )


def single_network(k, seeds, l1, sign_trick, activation, sharpness):
    member_activation = activation
    if sharpness is not None:
        member_activation = ScaledSoftplus(sharpness[k])
    return build_network(
        (8,),
        3,
        hidden_units=HIDDEN,
        activation=member_activation,
        activation_l1=l1[k],
        sign_trick=sign_trick,
        seed=seeds[k],
    )
