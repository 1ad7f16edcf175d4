"""A builder for the paper's networks: n hidden blocks and a softmax head, one network or many."""

import keras
import numpy as np

from sparserect.layers.hidden_block import HiddenBlock
from sparserect.layers.members import MemberInitializer
from sparserect.layers.members import check_member_index
from sparserect.layers.members import member_dense
from sparserect.layers.members import member_seeds
from sparserect.layers.members import offset_seeds
from sparserect._checks import check_bool
from sparserect._checks import check_members
from sparserect._checks import check_non_negative_int
from sparserect._checks import is_int
from sparserect._checks import is_sequence
from sparserect._checks import per_member_seeds

PAPER_HIDDEN_UNITS = (1000, 1000, 1000)  # MNIST, CIFAR-10, NISTP
PAPER_NORB_HIDDEN_UNITS = (4000, 2000)
PAPER_ACTIVATION_L1 = 0.001


def check_network_arguments(num_classes, hidden_units, allow_no_hidden=False):
    """Raises a `ValueError` unless `num_classes >= 2` and `hidden_units` is non-empty.

    With `allow_no_hidden`, an empty `hidden_units` (softmax regression) passes.
    """
    if not is_int(num_classes) or num_classes < 2:
        raise ValueError(
            f"`num_classes` must be an int >= 2. Received: num_classes={num_classes!r}"
        )
    if not hidden_units and not allow_no_hidden:
        raise ValueError(
            "`hidden_units` needs at least one width. "
            f"Received: hidden_units={hidden_units!r}"
        )


def build_network(
    input_shape,
    num_classes,
    hidden_units=PAPER_HIDDEN_UNITS,
    activation="rectifier",
    *,
    activation_l1=PAPER_ACTIVATION_L1,
    sign_trick=False,
    seed=None,
    members=None,
    per_member_inputs=False,
    name="sparse_rectifier_network",
):
    """Builds the paper's fully connected network (or many) as a functional Keras model.

    Inputs of any shape are flattened, then pass through one `HiddenBlock`
    per entry of `hidden_units` and a softmax `Dense` layer (glorot_uniform
    weights, zero biases). The model is not compiled.

    With `members=E`, the model holds E such networks with stacked weights
    (see `HiddenBlock`): it maps `(batch, *input_shape)` to probabilities
    `(batch, E, num_classes)`, and member `k` is exactly
    `build_network(..., seed=seeds[k])` with member `k`'s coefficients: the
    same initial weights bit for bit, sign masks and penalties, so that one
    `fit` on the sum of the members' losses (`ensembles.compile_ensemble`)
    trains E independent networks. `extract_member(model, k)` takes one out.

    Example:

    ``` python
    model = build_network((28, 28), 10)           # 784-1000-1000-1000-10
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])

    # The paper's Figure 3 in one fit: 200 networks, one L1 coefficient each.
    sweep = build_network((28, 28), 10, members=200, seed=0,
                          activation_l1=[np.linspace(0, 0.01, 200)] * 3)
    ```

    Args:
        input_shape: Shape of one example, without the batch axis.
        num_classes: Int >= 2, the number of softmax outputs.
        hidden_units: Sequence of ints, the width of each hidden block.
            Defaults to the paper's `(1000, 1000, 1000)`; NORB uses
            `(4000, 2000)`; `()` gives softmax regression (the "no hidden
            layer" baseline of the paper's sentiment experiments).
        activation: Activation of every hidden block (a name or a layer,
            which every block copies; see `HiddenBlock`). With members,
            `ScaledSoftplus([a_1, ..., a_E])` gives each its sharpness.
        activation_l1: Coefficient of the activation L1 penalty of every
            hidden block (defaults to the paper's `0.001`), or a sequence
            with one per block (the paper's best text network: `(1e-4, 0,
            0)`). With members, each block's entry may also be one
            coefficient per member.
        sign_trick: Whether every hidden block flips half of its units.
        seed: Int or `None`; block `i` is seeded with `seed + i`, the head
            with `seed + len(hidden_units)`. With members, one network seed
            per member, or an int base seed that gives member `k` the
            network seed `member_seeds(seed, members, hidden_units)[k]`.
        members: `None` (one network) or an int > 0, the number of networks.
        per_member_inputs: With members, whether the model takes inputs
            `(batch, E, *input_shape)`, one example per member (so that
            each member can see its own shuffling; see `MemberBatches`).
        name: Name of the model.

    Returns:
        A `keras.Model`.
    """
    # NumPy ints (`np.array([1000, 1000])`) become ints; the blocks check the rest.
    if not is_sequence(hidden_units):
        raise ValueError(
            "`hidden_units` must be a sequence of widths, one per hidden block, "
            f"e.g. (1000, 1000). Received: hidden_units={hidden_units!r}"
        )
    if not is_sequence(input_shape):
        raise ValueError(
            "`input_shape` must be the shape of one example as a tuple, e.g. (784,). "
            f"Received: input_shape={input_shape!r}"
        )
    hidden_units = tuple(int(units) if is_int(units) else units for units in hidden_units)
    check_network_arguments(num_classes, hidden_units, allow_no_hidden=True)
    members = check_members("members", members, allow_none=True)
    check_bool("per_member_inputs", per_member_inputs)
    if per_member_inputs and members is None:
        raise ValueError(
            "`per_member_inputs` needs `members`. Received: per_member_inputs=True, "
            "members=None"
        )
    coefficients = _block_coefficients(activation_l1, len(hidden_units), members)
    network_seeds = _network_seeds(seed, members, hidden_units)
    # Under a mixed-precision policy the softmax is computed in the variables'
    # float32, as Keras's mixed-precision guide advises for the output.
    policy = keras.config.dtype_policy()
    head_dtype = policy.variable_dtype if policy.compute_dtype != policy.variable_dtype else None

    input_shape = tuple(input_shape)
    if per_member_inputs:
        inputs = keras.Input(shape=(members, *input_shape), name="inputs")
        flatten = keras.layers.Reshape((members, -1), name="flatten")
    else:
        inputs = keras.Input(shape=input_shape, name="inputs")
        flatten = keras.layers.Flatten(name="flatten")
    x = flatten(inputs) if len(input_shape) > 1 else inputs
    for index, (units, coefficient) in enumerate(zip(hidden_units, coefficients)):
        x = HiddenBlock(
            units,
            activation=activation,
            activation_l1=coefficient,
            sign_trick=sign_trick,
            seed=offset_seeds(network_seeds, index),
            members=members,
            name=f"hidden_{index + 1}",
        )(x)
    head_seed = offset_seeds(network_seeds, len(hidden_units))
    if members is None:
        head = keras.layers.Dense(
            int(num_classes),
            activation="softmax",
            dtype=head_dtype,
            kernel_initializer=keras.initializers.GlorotUniform(seed=head_seed),
            name="softmax",
        )
    else:
        head = member_dense(
            int(num_classes),
            members=members,
            shared_inputs=len(x.shape) == 2,
            seeds=head_seed,
            kernel_initializer="glorot_uniform",
            activation="softmax",
            dtype=head_dtype,
            name="softmax",
        )
    return keras.Model(inputs, head(x), name=name)


def _block_coefficients(activation_l1, blocks, members):
    """Returns one activation L1 coefficient (or one per member) for each of `blocks`."""
    if not is_sequence(activation_l1):
        return (activation_l1,) * blocks
    coefficients = tuple(activation_l1)
    if len(coefficients) != blocks:
        per_member = " (each a number or one per member)" if members else ""
        raise ValueError(
            f"`activation_l1` needs one coefficient per hidden block ({blocks}){per_member}. "
            f"Received: activation_l1={activation_l1!r}"
        )
    if members is None and any(is_sequence(c) for c in coefficients):
        raise ValueError(
            "Per-member coefficients need `members`. "
            f"Received: activation_l1={activation_l1!r}, members=None"
        )
    return coefficients


def _network_seeds(seed, members, hidden_units):
    """Returns the network seed (an int or None), or with members one per member."""
    if members is None:
        check_non_negative_int("seed", seed, allow_none=True)
        return None if seed is None else int(seed)
    if is_sequence(seed):
        return per_member_seeds("seed", seed, members)
    check_non_negative_int("seed", seed, allow_none=True)
    base = np.random.default_rng().integers(2**30) if seed is None else seed
    return member_seeds(int(base), members, hidden_units)


def member_layers(model):
    """Returns `(hidden_blocks, head)` of a model of members made by `build_network`."""
    blocks = [layer for layer in model.layers if isinstance(layer, HiddenBlock)]
    heads = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.EinsumDense)
        and isinstance(layer.kernel_initializer, MemberInitializer)
    ]
    if len(heads) != 1 or any(block.members is None for block in blocks):
        raise ValueError(
            "Expected a model of members from `build_network(..., members=E)` "
            f"(HiddenBlocks with members and one softmax head). Received: model={model.name!r}"
        )
    return blocks, heads[0]


def has_member_inputs(model):
    """Whether `model` is a model of members that takes one example per member, `(batch, E, ...)`.

    `build_network(..., members=E, per_member_inputs=True)` makes one; any
    other model (one network, shared inputs, not from `build_network`) does not.
    """
    try:
        blocks, head = member_layers(model)
    except ValueError:
        return False
    return (blocks[0].dense if blocks else head).equation.startswith("bei")


def count_members(model):
    """Returns the number of networks of a model made by `build_network(..., members=E)`."""
    return len(member_layers(model)[1].kernel_initializer.seeds)


def extract_member(model, k, name=None):
    """Returns member `k` of a model of members as a network of its own.

    The returned model is the one that `build_network(..., seed=seeds[k])`
    makes (plain `HiddenBlock`s and a softmax `Dense`, the same layer names),
    with member `k`'s activation penalty, sharpness, sign masks and seeds,
    and a copy of member `k`'s current weights: it computes `model(x)[:, k]`,
    and it saves, loads and exports as any Keras model.

    Example:

    ``` python
    best = int(member_report(model, x_val, y_val)["error"].idxmin())
    network = extract_member(model, best)
    network.save("best.keras")
    ```

    Args:
        model: A model from `build_network(..., members=E)`.
        k: Int in `[0, E)`, the member.
        name: Name of the returned model. Defaults to
            `"<model name>_member_<k>"`.

    Returns:
        An uncompiled `keras.Model`.
    """
    blocks, head = member_layers(model)
    k = check_member_index(k, len(head.kernel_initializer.seeds))
    input_shape = tuple(model.inputs[0].shape[2 if has_member_inputs(model) else 1 :])
    inputs = keras.Input(shape=input_shape, name="inputs")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    for block in blocks:
        x = block.member(k)(x)
    dense = keras.layers.Dense(
        head.kernel.shape[-1],
        activation="softmax",
        dtype=head.dtype_policy,
        kernel_initializer=head.kernel_initializer.member(k),
        name=head.name,
    )
    outputs = dense(x)
    dense.kernel.assign(keras.ops.convert_to_numpy(head.kernel)[k])
    dense.bias.assign(keras.ops.convert_to_numpy(head.bias)[k])
    return keras.Model(inputs, outputs, name=name or f"{model.name}_member_{k}")
