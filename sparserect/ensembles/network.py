"""Many of the paper's networks in one Keras model, and each one taken out again."""

import keras
import numpy as np

from sparserect.ensembles import _validation
from sparserect.ensembles.layers import EnsembleDense, EnsembleHiddenBlock
from sparserect.ensembles.losses import (
    EnsembleSparseCategoricalCrossentropy,
    MemberError,
)
from sparserect.layers.hidden_block import HiddenBlock
from sparserect.layers.network import (
    PAPER_ACTIVATION_L1,
    PAPER_HIDDEN_UNITS,
    build_network,
    check_network_arguments,
)
from sparserect.layers.scaled_softplus import ScaledSoftplus
from sparserect._checks import check_non_negative_int
from sparserect._checks import is_int


def member_seeds(seed, ensemble_size, hidden_units=PAPER_HIDDEN_UNITS):
    """Returns the network seed of each member for a base `seed`.

    Member `k` gets `seed + k * (len(hidden_units) + 1)`: `build_network`
    seeds block `i` with `network_seed + i` and the head with
    `network_seed + len(hidden_units)`, so this stride gives every layer of
    every member its own seed (with consecutive network seeds, block 2 of
    member `k` would share the seed, and the sign mask, of block 1 of member
    `k + 1`).
    """
    _validation.check_size(ensemble_size)
    check_non_negative_int("seed", seed)
    stride = len(hidden_units) + 1
    return [seed + k * stride for k in range(ensemble_size)]


def build_ensemble(
    input_shape,
    num_classes,
    ensemble_size=None,
    hidden_units=PAPER_HIDDEN_UNITS,
    activation="rectifier",
    activation_l1=PAPER_ACTIVATION_L1,
    sharpness=None,
    sign_trick=False,
    seeds=None,
    seed=None,
    per_member_inputs=False,
    name="sparse_rectifier_ensemble",
):
    """Builds E of the paper's networks as one functional Keras model.

    Member `k` is `build_network(input_shape, num_classes, hidden_units,
    activation, activation_l1[k], sign_trick, seed=seeds[k])` (with
    `ScaledSoftplus(sharpness[k])` for `activation="softplus"`): same
    initial weights bit for bit, same sign masks, same penalty. The model
    maps inputs `(batch, *input_shape)` (shared by all members) to
    probabilities `(batch, E, num_classes)`; train it with
    `EnsembleSparseCategoricalCrossentropy` on integer labels `(batch,)`.
    Take member `k` out with `extract_member(model, k)`. The model is not
    compiled; `compile_ensemble` compiles it.

    Example (the paper's Figure 3 sweep, one fit):

    ``` python
    model = build_ensemble((28, 28, 1), 10, activation_l1=np.linspace(0, 0.01, 200),
                           seed=0)
    compile_ensemble(model, keras.optimizers.SGD(0.01))
    model.fit(x_train, y_train, batch_size=10, epochs=...)
    member_report(model, x_test, y_test)   # one row per network
    ```

    Args:
        input_shape: Shape of one example, without the batch axis.
        num_classes: Int >= 2, the number of softmax outputs.
        ensemble_size: Int > 0, the number E of members. Defaults to the
            length of `seeds`, `activation_l1` or `sharpness`, whichever is a
            sequence.
        hidden_units: Sequence of ints, the width of each hidden block.
        activation: Activation of every hidden block (see
            `EnsembleHiddenBlock`).
        activation_l1: Float >= 0 or one per member: each member's L1
            coefficient, used in every hidden block. Defaults to `0.001`.
        sharpness: `None`, a float > 0 or one per member: the softplus
            sharpness (only with `activation="softplus"`).
        sign_trick: Whether every hidden block flips half of its units.
        seeds: `None` or one int >= 0 per member, the `seed` that
            `build_network` would get for that member.
        seed: Int >= 0, a base seed: `seeds = member_seeds(seed, E,
            hidden_units)`. Give `seeds` or `seed`, not both; with neither,
            seeds are drawn at random (and kept in the layers' configs).
        per_member_inputs: If `True`, the model takes inputs
            `(batch, E, *input_shape)`, one example per member (so that each
            member can see its own shuffling; see `MemberBatches`).
        name: Name of the model.

    Returns:
        A `keras.Model`.
    """
    check_network_arguments(num_classes, hidden_units)
    if seeds is not None and seed is not None:
        raise ValueError(
            f"Give `seeds` or `seed`, not both. Received: seeds={seeds!r}, seed={seed!r}"
        )
    if ensemble_size is None:
        for candidate in (seeds, activation_l1, sharpness):
            if candidate is not None and not _validation.is_number(candidate):
                try:
                    ensemble_size = len(candidate)
                except TypeError:
                    continue
                break
        if ensemble_size is None:
            raise ValueError(
                "Give `ensemble_size`, or `seeds`, `activation_l1` or "
                "`sharpness` as one value per member. Received: ensemble_size=None"
            )
    ensemble_size = _validation.check_size(ensemble_size)
    if seed is not None:
        seeds = member_seeds(seed, ensemble_size, hidden_units)
    seeds = _validation.per_member_seeds(seeds, ensemble_size)
    if seeds is None:
        rng = np.random.default_rng()
        seeds = member_seeds(int(rng.integers(2**30)), ensemble_size, hidden_units)

    def fresh_activation():
        if isinstance(activation, keras.layers.Layer):
            return activation.__class__.from_config(activation.get_config())
        return activation

    input_shape = tuple(input_shape)
    if per_member_inputs:
        inputs = keras.Input(shape=(ensemble_size, *input_shape), name="inputs")
        x = (
            keras.layers.Reshape((ensemble_size, -1), name="flatten")(inputs)
            if len(input_shape) > 1
            else inputs
        )
    else:
        inputs = keras.Input(shape=input_shape, name="inputs")
        x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    for index, units in enumerate(hidden_units):
        x = EnsembleHiddenBlock(
            units,
            ensemble_size,
            activation=fresh_activation(),
            activation_l1=activation_l1,
            sharpness=sharpness,
            sign_trick=sign_trick,
            seeds=[s + index for s in seeds],
            name=f"hidden_{index + 1}",
        )(x)
    outputs = EnsembleDense(
        num_classes,
        ensemble_size,
        activation="softmax",
        seeds=[s + len(hidden_units) for s in seeds],
        name="softmax",
    )(x)
    return keras.Model(inputs, outputs, name=name)


def compile_ensemble(model, optimizer="sgd", metrics=True, **kwargs):
    """Compiles an ensemble with the summed loss and the mean member error.

    Args:
        model: A model from `build_ensemble`.
        optimizer: A per-parameter Keras optimizer (SGD as in the paper).
        metrics: `True` adds `MemberError` (logged as `"error"`, the mean
            over members); `False` adds none; a list is passed on as it is.
        **kwargs: Passed on to `model.compile` (`jit_compile`, ...).
    """
    size = ensemble_blocks(model)[1].ensemble_size
    if metrics is True:
        metrics = [MemberError(size)]
    elif metrics is False:
        metrics = None
    model.compile(
        optimizer=optimizer,
        loss=EnsembleSparseCategoricalCrossentropy(),
        metrics=metrics,
        **kwargs,
    )
    return model


def ensemble_blocks(model):
    """Returns `(hidden_blocks, head)`: the ensemble layers of `model`, in order."""
    blocks = [layer for layer in model.layers if isinstance(layer, EnsembleHiddenBlock)]
    heads = [layer for layer in model.layers if isinstance(layer, EnsembleDense)]
    if not blocks or len(heads) != 1:
        raise ValueError(
            "Expected a model from `build_ensemble` (EnsembleHiddenBlocks and one "
            f"EnsembleDense head). Received: model={model.name!r}"
        )
    return blocks, heads[0]


def ensemble_size(model):
    """Returns the number of members of an ensemble model."""
    return ensemble_blocks(model)[1].ensemble_size


def _member_activation(block, k):
    if block.sharpness is not None:
        return ScaledSoftplus(block.sharpness[k])
    layer = block.activation
    return layer.__class__.from_config(layer.get_config())


def _is_build_network_member(blocks, head, k):
    """Whether member `k` has the uniform settings that `build_network` makes."""
    first = blocks[0]
    return all(
        block.activation_l1[k] == first.activation_l1[k]
        and block.sign_trick == first.sign_trick
        and block.seeds[k] == first.seeds[k] + index
        and (block.sharpness or [None] * (k + 1))[k]
        == (first.sharpness or [None] * (k + 1))[k]
        and type(block.activation) is type(first.activation)
        for index, block in enumerate(blocks)
    ) and head.seeds[k] == first.seeds[k] + len(blocks)


def extract_member(model, k, name=None):
    """Returns member `k` of an ensemble as an ordinary `build_network` model.

    The returned model is made by `sparserect.layers.build_network` (plain
    `HiddenBlock`s and a softmax `Dense`, the same layer names), with member
    `k`'s activation penalty, sharpness, sign masks and seed, and a copy of
    member `k`'s current weights: it computes `model(x)[:, k]`, and it
    saves, loads and exports as any Keras model. (An ensemble assembled by
    hand with per-block settings that `build_network` cannot express gives
    the same structure, built block by block.)

    Example:

    ``` python
    best = int(member_report(model, x_val, y_val)["error"].idxmin())
    network = extract_member(model, best)
    network.save("best.keras")
    ```

    Args:
        model: A model from `build_ensemble`.
        k: Int in `[0, E)`, the member.
        name: Name of the returned model. Defaults to
            `"<model name>_member_<k>"`.

    Returns:
        An uncompiled `keras.Model`.
    """
    blocks, head = ensemble_blocks(model)
    size = head.ensemble_size
    if not is_int(k) or not 0 <= k < size:
        raise ValueError(f"`k` must be an int in [0, {size}). Received: k={k!r}")
    k = int(k)
    per_member_inputs = len(blocks[0].input.shape) == 3
    input_shape = tuple(model.inputs[0].shape[2 if per_member_inputs else 1 :])
    name = name or f"{model.name}_member_{k}"

    if _is_build_network_member(blocks, head, k):
        network = build_network(
            input_shape,
            head.units,
            hidden_units=tuple(block.units for block in blocks),
            activation=_member_activation(blocks[0], k),
            activation_l1=blocks[0].activation_l1[k],
            sign_trick=blocks[0].sign_trick,
            seed=blocks[0].seeds[k],
            name=name,
        )
    else:
        inputs = keras.Input(shape=input_shape, name="inputs")
        x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
        for block in blocks:
            x = HiddenBlock(
                block.units,
                activation=_member_activation(block, k),
                activation_l1=block.activation_l1[k],
                sign_trick=block.sign_trick,
                seed=block.seeds[k],
                name=block.name,
            )(x)
        outputs = keras.layers.Dense(
            head.units,
            activation="softmax",
            kernel_initializer=keras.initializers.GlorotUniform(seed=head.seeds[k]),
            name=head.name,
        )(x)
        network = keras.Model(inputs, outputs, name=name)

    for block in blocks:
        member = network.get_layer(block.name)
        member.dense.kernel.assign(block.dense.kernel[k])
        member.dense.bias.assign(block.dense.bias[k])
        if block.sign_trick:
            member.sign_flip.sign_mask.assign(block.sign_mask[k])
        for target, source in zip(member.activation.weights, block.activation.weights):
            target.assign(source[k])
    dense = network.get_layer(head.name)
    dense.kernel.assign(head.kernel[k])
    dense.bias.assign(head.bias[k])
    return network
