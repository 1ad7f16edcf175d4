"""One denoising auto-encoder around one `HiddenBlock`, with the paper's reconstructions.

The encoder *is* the block: its Dense weights, activation, activation L1
penalty and sign trick, shared with the network it belongs to, so that
training the auto-encoder trains the network's layer in place. The decoder
uses the transposed encoder kernel (tied weights, as in the classic denoising
auto-encoder of Vincent et al., 2008, on which the authors' stacks are built)
and a bias of its own.

Reconstructions (`RECONSTRUCTIONS`), with `z` the decoder's pre-activation
and `t` the clean target, costs summed over the features and averaged over
the batch as in the authors' code (`deepANN/Reconstruction_cost.py`):

| name | decoder | cost | paper |
|---|---|---|---|
| `"cross_entropy"` | sigmoid | `-sum(t log s(z) + (1-t) log(1-s(z)))` | tanh networks (the default) |
| `"tanh_cross_entropy"` | `(tanh(z) + 1) / 2`, i.e. `s(2z)` | `-sum(t log s(2z) + (1-t) log(1-s(2z)))` | tanh networks, the decoder of the authors' code |
| `"softplus_quadratic"` | softplus | `sum((softplus(z) - t)^2)` | strategy 1, rectifier and softplus on images |
| `"sigmoid_cross_entropy"` | code scaled to [0, 1], sigmoid | cross-entropy | strategy 2, rectifier and softplus on text |

The cross-entropy costs need targets in [0, 1]: the block's inputs are
mapped there linearly (`target_range`), e.g. tanh activations in [-1, 1] by
`(t + 1) / 2` as in the authors' code, and pixels in [0, 1] stay as they are.
"""

import keras
from keras import ops

from sparserect.layers.hidden_block import HiddenBlock
from sparserect.pretraining.masking_noise import MaskingNoise

RECONSTRUCTIONS = (
    "cross_entropy", "softplus_quadratic", "sigmoid_cross_entropy", "tanh_cross_entropy"
)

# The decoder's output is sigmoid(scale * z): a tanh decoder rescaled to [0, 1],
# (tanh(z) + 1) / 2, is sigmoid(2 z).
_LOGIT_SCALE = {"tanh_cross_entropy": 2.0, "cross_entropy": 1.0, "sigmoid_cross_entropy": 1.0}


def default_reconstruction(activation):
    """Returns the paper's reconstruction for a block's activation layer.

    Tanh networks use `"cross_entropy"`; every other activation (rectifier,
    softplus and their variants) the paper's strategy 1 for images,
    `"softplus_quadratic"`.
    """
    name = getattr(activation, "activation", None)
    name = getattr(name, "__name__", name)
    return "cross_entropy" if name == "tanh" else "softplus_quadratic"


def check_reconstruction(reconstruction, name="reconstruction"):
    """Raises a `ValueError` unless `reconstruction` is one of `RECONSTRUCTIONS`.

    Args:
        reconstruction: The value to check.
        name: The argument's name in the error message.
    """
    if reconstruction not in RECONSTRUCTIONS:
        raise ValueError(
            f"Unknown reconstruction: expected one of {RECONSTRUCTIONS}. "
            f"Received: {name}={reconstruction!r}"
        )


class _Unsign(keras.layers.Layer):
    """Multiplies by a block's sign mask (its own inverse): undoes the sign trick."""

    def __init__(self, sign_flip, **kwargs):
        super().__init__(**kwargs)
        self.sign_flip = sign_flip

    def call(self, inputs):
        return inputs * ops.cast(self.sign_flip.sign_mask, inputs.dtype)


class _MemberRows(keras.layers.Layer):
    """Calls a block of members built for shared inputs on one (corrupted) row per member."""

    def __init__(self, block, **kwargs):
        super().__init__(**kwargs)
        self.block = block

    def call(self, inputs):
        dense = self.block.dense
        shared = dense.equation, dense.input_spec
        dense.equation, dense.input_spec = "bei,eio->beo", None
        try:
            return self.block(inputs)
        finally:
            dense.equation, dense.input_spec = shared

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.block.members, self.block.units)


@keras.saving.register_keras_serializable(package="sparserect")
class BatchMaxScaling(keras.layers.Layer):
    """Divides non-negative codes by their largest value in the batch: codes in [0, 1].

    The paper's strategy 2 scales the hidden activations to [0, 1] before a
    sigmoid reconstruction. One scalar per batch (not per unit) keeps the
    relative sizes of the units, so the decoder sees the code's pattern of
    exact zeros and magnitudes unchanged; the divisor is a constant for the
    gradient (`stop_gradient`), so the cost cannot be lowered by shrinking
    the largest activation instead of reconstructing. Codes of members,
    `(batch, members, units)`, get one divisor per member. A running maximum would
    add state that the network, after pre-training, does not have.
    """

    def call(self, inputs):
        # One scalar per member: codes `(batch, [members,] units)`.
        largest = ops.stop_gradient(ops.max(ops.abs(inputs), axis=(0, -1), keepdims=True))
        return inputs / (largest + keras.config.epsilon())


class TiedDecoder(keras.layers.Layer):
    """Maps a code back to the encoder's input space with the encoder's transposed kernel.

    Formula, with encoder kernel `W` (inputs x units) and its own bias `c`:

    ``` python
    z = (code @ transpose(W)) * s_in + c
    ```

    where `s_in` is the sign mask of the block that produced the encoder's
    inputs (the sign trick of the layer below), or 1: the target is that
    layer's activations before its sign flip, so that softplus and sigmoid
    reconstructions, which are non-negative, can match it.

    With a stacked encoder kernel `(members, inputs, units)`, codes are
    `(batch, members, units)`, `c` is `(members, inputs)` and member `k`
    decodes with `W[k]`.

    It lives only during pre-training and is not serialized: it holds the
    encoder layer itself, whose weights are the network's; save the network.

    Args:
        encoder: The encoder's `keras.layers.Dense` (built).
        input_sign_flip: The `SignFlip` of the layer below, or `None`.
        **kwargs: Base layer keyword arguments.
    """

    def __init__(self, encoder, input_sign_flip=None, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.input_sign_flip = input_sign_flip

    def build(self, input_shape):
        self.bias = self.add_weight(
            name="bias",
            shape=tuple(self.encoder.kernel.shape[:-1]),
            initializer="zeros",
        )

    def call(self, code):
        kernel = self.encoder.kernel
        if len(kernel.shape) == 2:
            z = ops.matmul(code, ops.transpose(kernel))
        else:
            z = ops.einsum("beo,eio->bei", code, kernel)
        if self.input_sign_flip is not None:
            z = z * ops.cast(self.input_sign_flip.sign_mask, z.dtype)
        return z + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.encoder.kernel.shape[-2])


def corruption_layer(noise, seed=None):
    """Returns the corruption of a denoising auto-encoder's inputs.

    Args:
        noise: A float, the rate of `MaskingNoise`, or a Keras layer (such as
            `SaltAndPepperNoise`), returned as it is.
        seed: Int or `None`, the seed of a new `MaskingNoise`; or a list of
            one per member.
    """
    if isinstance(noise, keras.layers.Layer):
        return noise
    return MaskingNoise(noise, seed=seed, name="masking_noise")


def reconstruction_loss(reconstruction):
    """Returns the Keras loss `fn(target, z)` of a reconstruction, `z` pre-activation.

    With members, `z` is `(batch, members, features)` and the target either
    that or `(batch, features)`, shared by the members; the cost of an
    example is the sum of the members' costs, so that one `fit` trains each
    member as its network alone.
    """
    check_reconstruction(reconstruction)

    def loss(target, z):
        if len(target.shape) < len(z.shape):  # shared by the members
            target = ops.expand_dims(target, -2) + ops.zeros_like(z)
        if reconstruction == "softplus_quadratic":
            costs = ops.square(ops.softplus(z) - target)
        else:
            costs = ops.binary_crossentropy(
                target, _LOGIT_SCALE[reconstruction] * z, from_logits=True
            )
        return ops.sum(costs, axis=tuple(range(1, len(costs.shape))))

    loss.__name__ = reconstruction
    return loss


def build_denoising_autoencoder(
    block, input_dim, noise=0.25, reconstruction=None, input_sign_flip=None, seed=None, *,
    per_member_inputs=False,
):
    """Builds the denoising auto-encoder that trains `block` in place.

    The model maps clean inputs (the activations of the layer below, sign
    trick undone, or the flattened data) to the decoder's pre-activation:

    ``` python
    x -> MaskingNoise -> [x s_in] -> block -> [undo block's sign] -> [scale] -> TiedDecoder
    ```

    Compile it with `reconstruction_loss(reconstruction)` and fit it on
    `(inputs, targets)`. For a block of members (`HiddenBlock(...,
    members=E)`), the noise must give each member its own corruption (a
    `seed` list, or a corruption layer with one seed per member), and the
    model maps `(batch, [E,] features)` to `(batch, E, features)`: member
    `k` is the auto-encoder of member `k` alone. The block's activation L1 penalty is one of the
    model's losses, as the paper applies it in pre-training too.

    Args:
        block: A built `HiddenBlock`.
        input_dim: Int, the number of inputs of the block.
        noise: Float in [0, 1), the masking noise rate (the paper's `0.25`
            by default), or a corruption layer such as
            `SaltAndPepperNoise(0.7)`, applied to the inputs in training.
        reconstruction: One of `RECONSTRUCTIONS`, or `None` for
            `default_reconstruction(block.activation)`.
        input_sign_flip: The `SignFlip` of the layer below, or `None`.
        seed: Int or `None`, seeds the masking noise (a layer given as
            `noise` keeps its own seed); with members, one per member.
        per_member_inputs: For a block of members built for shared inputs
            (a network's first block), whether its clean inputs come one
            row per member, `(batch, E, features)`, so that each member can
            see its own order of the examples. Blocks above the first always
            take one row per member.

    Returns:
        A `keras.Model`, not compiled.
    """
    if not isinstance(block, HiddenBlock):
        raise ValueError(
            "Pre-training trains `HiddenBlock`s. "
            f"Received: block={block!r}"
        )
    reconstruction = reconstruction or default_reconstruction(block.activation)
    check_reconstruction(reconstruction)
    # A block of members built for inputs shared by its members corrupts them once per member.
    member_rows = block.members is not None and block.dense.equation.startswith("bi,")
    shared = block.members is None or (member_rows and not per_member_inputs)
    shape = (input_dim,) if shared else (block.members, input_dim)
    inputs = keras.Input(shape, name="clean_inputs")
    corruption = corruption_layer(noise, seed)
    if getattr(corruption, "members", None) != block.members:
        raise ValueError(
            f"Block {block.name!r} has members={block.members}: the noise needs one seed "
            f"per member (a `seed` list) or none. Received: noise={noise!r}, seed={seed!r}"
        )
    x = corruption(inputs)
    if input_sign_flip is not None:
        x = _Unsign(input_sign_flip, name="input_sign")(x)
    code = _MemberRows(block, name="member_rows")(x) if member_rows else block(x)
    if block.sign_flip is not None:
        code = _Unsign(block.sign_flip, name="code_sign")(code)
    if reconstruction == "sigmoid_cross_entropy":
        code = BatchMaxScaling(name="scale_to_unit")(code)
    outputs = TiedDecoder(block.dense, input_sign_flip, name="decoder")(code)
    return keras.Model(inputs, outputs, name=f"{block.name}_denoising_autoencoder")
