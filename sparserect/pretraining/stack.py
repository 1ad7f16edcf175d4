"""Greedy layer-wise pre-training of a stack of `HiddenBlock`s as denoising auto-encoders."""

import contextlib
import functools
import logging
import math

import keras
import numpy as np

from sparserect.layers.activation_l1 import activation_l1_regularizer
from sparserect.layers.hidden_block import HiddenBlock
from sparserect.layers.members import check_member_seeds
from sparserect.layers.members import offset_seeds
from sparserect.ensembles.data import OrderedBatches
from sparserect.measurement.statistics import count_dead_units
from sparserect.pretraining import autoencoder
from sparserect.pretraining.salt_and_pepper import SaltAndPepperNoise
from sparserect._sampling import epoch_order
from sparserect._selection import choose_learning_rates
from sparserect._checks import check_non_negative_int
from sparserect._checks import check_non_negative_number
from sparserect._checks import check_positive_int
from sparserect._checks import is_number
from sparserect._checks import per_member_seeds
from sparserect.optimizers import MemberSGD

logger = logging.getLogger(__name__)


def _blocks_of(model_or_blocks):
    if isinstance(model_or_blocks, keras.Model):
        blocks = [layer for layer in model_or_blocks.layers if isinstance(layer, HiddenBlock)]
    else:
        blocks = list(model_or_blocks)
    if not blocks or not all(isinstance(block, HiddenBlock) for block in blocks):
        raise ValueError(
            "Expected a model with `HiddenBlock` layers or a list of "
            f"`HiddenBlock`s. Received: model_or_blocks={model_or_blocks!r}"
        )
    members = {block.members for block in blocks}
    if len(members) > 1:
        raise ValueError(
            "Pre-training trains the blocks of one network, or of one model of members: "
            "every block needs the same `members`. Received: members "
            f"{[block.members for block in blocks]}"
        )
    return blocks


@contextlib.contextmanager
def _activation_penalty(blocks, coefficient):
    """Gives every block the L1 `coefficient` (unless `None`) in the `with` body, its own after."""
    own = [block.activity_regularizer for block in blocks]
    try:
        if coefficient is not None:
            for block in blocks:
                block.activity_regularizer = activation_l1_regularizer(coefficient)
        yield
    finally:
        for block, regularizer in zip(blocks, own):
            block.activity_regularizer = regularizer


def _unsigned(x, sign_flip):
    """`x` with the sign trick of `sign_flip` (or `None`) undone: the mask is its own inverse."""
    # `np.asarray`: NumPy 2's `np.array` warns on a Keras variable.
    return x if sign_flip is None else x * np.asarray(sign_flip.sign_mask)


def _member_rows(batch, members):
    """Shared examples `(batch, features)` as one row per member, `(batch, members, features)`."""
    return np.repeat(batch[:, None], members, axis=1)


def _forward(block, x, batch_size=1000):
    """Returns the block's activations on `x`, sign trick undone, as float32 numpy.

    A first block of members that takes one row per member (`build_network(...,
    per_member_inputs=True)`) gets every shared example once per member.
    """
    per_member_rows = block.members is not None and x.ndim == 2 and (
        block.dense.equation.startswith("bei")
    )
    outputs = []
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size]
        batch = _member_rows(batch, block.members) if per_member_rows else batch
        outputs.append(_unsigned(keras.ops.convert_to_numpy(block(batch)), block.sign_flip))
    return np.concatenate(outputs).astype("float32")


def unit_interval_targets(x):
    """Maps inputs linearly into [0, 1] for the cross-entropy reconstructions.

    The range is `[min(0, x.min()), max(1, x.max())]`: pixels in [0, 1] are
    unchanged, tanh activations in (-1, 1) become about `(x + 1) / 2` and
    rectifier activations are divided by their largest value. Activations of
    members, `(examples, members, units)`, get one range per member.
    """
    x = np.asarray(x, dtype="float32")
    axes = (0, -1) if x.ndim > 1 else (0,)
    low = np.minimum(0.0, x.min(axis=axes, keepdims=True).astype("float64"))
    high = np.maximum(1.0, x.max(axis=axes, keepdims=True).astype("float64"))
    return ((x - low.astype("float32")) / (high - low).astype("float32")).astype("float32")


def is_positively_homogeneous(activation):
    """Whether `f(a x) = a f(x)` for every `a > 0`: the rectifier and its leaky variants."""
    if isinstance(activation, keras.layers.ReLU):
        return activation.max_value is None and activation.threshold == 0
    return isinstance(activation, (keras.layers.LeakyReLU, keras.layers.PReLU))


def _fold_unit_scale(block, activations):
    """Divides a block's Dense weights by its largest activation (`activations`: its outputs).

    Strategy 2's tied weights let the raw activations grow without bound;
    for a positively homogeneous activation this is the same network up to
    scale, with activations in [0, 1] as the decoder saw them. Returns the
    divisor (1 where every activation is 0), with members a list of one each.
    """
    largest = np.abs(activations).max(axis=(0, -1)).astype("float64")
    largest = np.where(largest == 0, 1.0, largest)
    for weight in (block.dense.kernel, block.dense.bias):
        value = np.asarray(weight)
        divisor = largest.astype(value.dtype)
        weight.assign(value / divisor.reshape(divisor.shape + (1,) * (value.ndim - divisor.ndim)))
    return largest.tolist()


def per_block_noise(noise, count):
    """Returns one corruption (a masking rate or a layer) per block, validated."""
    noises = list(noise) if isinstance(noise, (list, tuple)) else [noise] * count
    if len(noises) != count:
        raise ValueError(f"`noise` needs one entry per block ({count}). Received: noise={noise!r}")
    for entry in noises:
        if not isinstance(entry, keras.layers.Layer) and not (
            is_number(entry) and 0 <= entry < 1
        ):
            raise ValueError(
                "`noise` must be a masking rate in [0, 1), a corruption layer, "
                f"or a sequence of them, one per block. Received: noise={noise!r}"
            )
    return noises


def describe_noise(noise):
    """A short text for logs and result files: `"masking 0.25"`, `"salt_and_pepper 0.7"`."""
    if isinstance(noise, keras.layers.Layer):
        name = "salt_and_pepper" if isinstance(noise, SaltAndPepperNoise) else noise.__class__.__name__
        return f"{name} {getattr(noise, 'rate', '')}".strip()
    return f"masking {noise:g}"


def _learning_rate_candidates(learning_rate):
    """Returns `learning_rate` as a tuple of candidates, each checked to be a number > 0."""
    rates = tuple(learning_rate) if isinstance(learning_rate, (list, tuple)) else (learning_rate,)
    if not rates or not all(is_number(rate) and rate > 0 for rate in rates):
        raise ValueError(
            "`learning_rate` must be a number > 0 or a non-empty sequence of them. "
            f"Received: learning_rate={learning_rate!r}"
        )
    return tuple(float(rate) for rate in rates)


def _member_loss(loss, k, target, z):
    """Member `k`'s `loss`, for a `target` shared by the members or one row per member."""
    return loss(target if len(target.shape) < len(z.shape) else target[:, k], z[:, k])


def _member_costs(reconstruction, members):
    """The cost of each member alone, as Keras metrics `member_<k>` (`[]` without members)."""
    loss = autoencoder.reconstruction_loss(reconstruction)
    costs = [functools.partial(_member_loss, loss, k) for k in range(members or 0)]
    for k, cost in enumerate(costs):
        cost.__name__ = f"member_{k}"
    return costs


def _reconstruction_cost(model, inputs, targets, reconstruction, batch_size=1000):
    """Mean cost of the clean `inputs` (no corruption, no L1 penalty); with members, an array."""
    loss = autoencoder.reconstruction_loss(reconstruction)
    total = 0.0
    for start in range(0, len(inputs), batch_size):
        batch = inputs[start : start + batch_size]
        if batch.ndim < len(model.inputs[0].shape):
            batch = _member_rows(batch, model.inputs[0].shape[1])
        z = keras.ops.convert_to_numpy(model(batch, training=False))
        target = targets[start : start + batch_size]
        costs = (
            [_member_loss(loss, k, target, z) for k in range(z.shape[1])]
            if z.ndim == 3
            else [loss(target, z)]
        )
        total += np.array([float(keras.ops.sum(cost)) for cost in costs])
    total /= len(inputs)
    return total if z.ndim == 3 else float(total[0])


def _order_seeds(shuffle_seed, seeds, members):
    """The seed (one per member) of each epoch's order of the examples (`epoch_order`).

    `shuffle_seed` if given (one for all members, or one each), else the
    noise's `seeds`; a seed that is `None` is drawn from numpy's global generator.
    """
    if members is None:
        check_non_negative_int("shuffle_seed", shuffle_seed, allow_none=True)
        chosen = [seeds if shuffle_seed is None else shuffle_seed]
    elif shuffle_seed is None:
        chosen = seeds or [None] * members
    else:
        chosen = per_member_seeds(
            "shuffle_seed", shuffle_seed, members, allow_none=False, one_for_all=True
        )
    drawn = [np.random.randint(2**31) if s is None else s for s in chosen]  # global: seedable
    return drawn[0] if members is None else drawn


def _epoch_batches(inputs, targets, order_seeds, batch_size, first_epoch):
    """The mini-batches of `epoch_order(order_seeds, epoch)` from `first_epoch` on.

    With members, a batch holds one row per member, `(batch, E, features)`:
    member `k`'s rows of its own order, of the shared `inputs` of the first
    block or of its own activations, `(examples, E, features)`, above it.
    """
    count = len(inputs)
    members = inputs.shape[1] if inputs.ndim == 3 else None

    def order(epoch):
        rows = epoch_order(order_seeds, epoch, count)
        # Member k's row i is row `i * E + k` of the activations as `(examples * E, features)`.
        return rows if members is None else rows * members + np.arange(members)

    if members is not None:
        inputs, targets = (array.reshape(count * members, -1) for array in (inputs, targets))
    return OrderedBatches(inputs, targets, order, batch_size, initial_epoch=first_epoch)


def _finite(value):
    return value if math.isfinite(value) else None


def _select_learning_rate(block, learning_rates, build, fit, cost):
    """Trains `block` once per learning rate from the same weights; keeps the lowest `cost`.

    Returns `(chosen, model, losses, selection)`: the winners' indices (one
    per member), the auto-encoder with each member's winning weights, their
    losses, and each candidate's cost (`None` where it diverged).
    """
    start = block.get_weights()
    trials = []
    for rate in learning_rates:
        block.set_weights(start)
        model = build(rate)
        losses = fit(model)
        value = cost(model)
        logger.info("%s: learning rate %g, reconstruction cost %s", block.name, rate, value)
        weights = [np.array(keras.ops.convert_to_numpy(v), copy=True) for v in model.trainable_variables]
        trials.append((value, model, losses, weights))
    costs = [trial[0] for trial in trials]
    chosen = choose_learning_rates(costs, learning_rates, f"pre-training {block.name}")
    if block.members is None:
        _, model, losses, weights = trials[int(chosen[0])]
    else:
        model = trials[0][1]
        weights = [
            np.stack([trials[c][3][index][k] for k, c in enumerate(chosen)])
            for index in range(len(model.trainable_variables))
        ]
        losses = [trials[c][2][k] for k, c in enumerate(chosen)]
    for variable, value in zip(model.trainable_variables, weights):
        variable.assign(value)
    selection = {
        f"{rate:g}": [_finite(v) for v in value] if block.members else _finite(value)
        for rate, (value, *_) in zip(learning_rates, trials)
    }
    return chosen, model, losses, selection


def pretrain_stack(
    model_or_blocks,
    x,
    *,
    reconstruction=None,
    noise=0.25,
    epochs=10,
    learning_rate=0.01,
    batch_size=10,
    seed=None,
    steps_per_execution=1,
    callbacks=None,
    verbose=0,
    selection_epochs=None,
    activation_l1=None,
    shuffle_seed=None,
):
    """Pre-trains hidden blocks greedily, bottom up, as denoising auto-encoders.

    Block `i` is trained as `build_denoising_autoencoder` describes, on the
    activations of blocks `1..i-1` (already trained, then frozen for it) over
    `x`, with plain SGD at a constant learning rate, as Glorot et al. (2011)
    do before fine-tuning. The blocks' Dense weights are updated in place:
    after the call, the model is ready for supervised fine-tuning of the
    whole stack (compile it and `fit` it as usual). The activation L1 penalty
    of each block applies during its pre-training, as in the paper, unless
    `activation_l1` gives pre-training a coefficient of its own.

    Example:

    ``` python
    model = build_network((28, 28, 1), 10, activation="rectifier")
    losses = pretrain_stack(model, x_train, reconstruction="softplus_quadratic",
                            epochs=5, learning_rate=0.01)
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    model.fit(x_train, y_train, batch_size=10)
    ```

    Args:
        model_or_blocks: A built `keras.Model` whose `HiddenBlock` layers
            are pre-trained in the order of `model.layers` (as
            `build_network` makes them), or a list of built `HiddenBlock`s
            that are applied one after the other to the flattened `x`.
        x: Numpy array of training inputs (labels are not used); each
            example is flattened.
        reconstruction: One of `"cross_entropy"` (sigmoid decoder),
            `"tanh_cross_entropy"` (tanh decoder, as the authors' code has
            for tanh networks), `"softplus_quadratic"` (the paper's strategy
            1), `"sigmoid_cross_entropy"` (strategy 2), or `None` for the
            paper's choice per block: `"cross_entropy"` for tanh,
            softplus-quadratic otherwise.
        noise: The corruption of every block's inputs: a float in [0, 1),
            the masking noise rate (default `0.25`, the paper's images), a
            corruption layer, or a sequence with one of those per block.
            The paper's text networks use
            `(SaltAndPepperNoise(0.7, salt_probability), 0.5, 0.3)`:
            salt-and-pepper noise on the binary inputs, masking above.
        epochs: Int > 0, epochs per block. The paper does not state it.
        learning_rate: Float > 0, the constant SGD learning rate; or a
            sequence of candidates, as the paper picks it in {0.1, 0.01,
            0.001, 0.0001} by reconstruction error: each block then trains
            once per candidate from the same weights, and keeps the one
            with the lowest reconstruction cost of the clean `x` (no
            corruption, no L1 penalty).
        batch_size: Int > 0. Defaults to the paper's `10`.
        seed: Int or `None`, seeds the masking noise (block `i` uses
            `seed + i`; a corruption layer keeps its own seed) and the
            order of the examples. With blocks of members, one int per
            member (or `None`): member `k`'s noise and order are the ones
            `seed[k]` gives the network alone.
        steps_per_execution: Int > 0, passed to `compile`: several SGD steps
            per compiled call, much faster at batch 10.
        callbacks: Optional list of Keras callbacks for each block's `fit`.
        verbose: Verbosity of `fit`.
        selection_epochs: `None` (every candidate learning rate trains
            for `epochs`), or an int > 0: the candidates are compared after
            that many epochs, and the winner alone goes on up to `epochs`.
        activation_l1: `None` (default) for each block's own activation L1
            penalty, or a float >= 0 that replaces it during pre-training
            only: e.g. `0` pre-trains without the penalty that fine-tuning
            then applies. The blocks keep their own coefficient afterwards.
        shuffle_seed: Int or `None` (default: `seed`): seeds the order of
            the examples, `epoch_order(shuffle_seed, epoch)` in each epoch
            as in fine-tuning. With members, one int shared by all of them,
            or one per member.

    With strategy 2 (`"sigmoid_cross_entropy"`) and a rectifier (or leaky
    or parametric rectifier), each block's Dense weights are divided, after
    its pre-training, by its largest activation on `x`: the same network up
    to scale, with activations in [0, 1] as the decoder saw them (without
    it, tied weights let the activations grow without bound).

    Blocks of members (`build_network(..., members=E, seed=seeds)`, with
    shared or per-member inputs) are pre-trained together, in one `fit` per
    block and learning rate, each member on its own order of the examples:
    member `k` ends with the weights that the network `build_network(...,
    seed=seeds[k])` gets from `pretrain_stack(..., seed=seeds[k],
    shuffle_seed=s)`, with `s` member `k`'s shuffle seed (`seeds[k]` by
    default), its own learning rate among the candidates, scale and dead
    units included.

    Returns:
        A list with, for each block, a dict `{"layer", "reconstruction",
        "loss", "dead_units"}`: the block's name, its reconstruction, its
        training loss per epoch (reconstruction cost plus L1 penalty) and
        the number of its units that are 0 for every example of `x` after
        its pre-training (logged as a warning: a rectifier unit that
        pre-training kills gets no gradient in fine-tuning either);
        `"learning_rate"`, the one the block trained with; with several
        candidates, `"selection"`, the reconstruction cost of each after
        `selection_epochs` (`None` where it diverged); and `"scale"`, the
        divisor, where the weights were rescaled. With members, each of
        `"learning_rate"`, `"loss"`, `"dead_units"` and `"scale"` is a list
        of one entry per member, as is each candidate's cost in
        `"selection"`; a member's `"loss"` is its reconstruction cost per
        epoch, without the L1 penalty (the model's loss is the sum of all
        members' costs and penalties).
    """
    blocks = _blocks_of(model_or_blocks)
    members = blocks[0].members
    noises = per_block_noise(noise, len(blocks))
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    learning_rates = _learning_rate_candidates(learning_rate)
    check_positive_int("selection_epochs", selection_epochs, allow_none=True)
    if activation_l1 is not None:
        check_non_negative_number("activation_l1", activation_l1)
    if reconstruction is not None:
        autoencoder.check_reconstruction(reconstruction)
    if members is None:
        check_non_negative_int("seed", seed, allow_none=True)
        seeds = seed
    else:
        seeds = check_member_seeds(seed, members)
    order_seeds = _order_seeds(shuffle_seed, seeds, members)
    inputs = np.asarray(x, dtype="float32").reshape(len(x), -1)
    below = None  # the SignFlip of the previous block
    results = []
    with _activation_penalty(blocks, activation_l1):
        for index, (block, block_noise) in enumerate(zip(blocks, noises)):
            if not block.built:
                block.build((None, inputs.shape[1]))
            choice = reconstruction or autoencoder.default_reconstruction(block.activation)
            targets = inputs if choice == "softplus_quadratic" else unit_interval_targets(inputs)
            logger.info(
                "pre-training %s (%d/%d): %s, noise %s, %d epochs, learning rate %s",
                block.name, index + 1, len(blocks), choice, describe_noise(block_noise),
                epochs, ", ".join(f"{rate:g}" for rate in learning_rates),
            )

            # `compiled`, `build` and `fit` act on this block only, and are called in this iteration.
            def compiled(model, optimizer):
                model.compile(
                    optimizer,
                    loss=autoencoder.reconstruction_loss(choice),
                    metrics=_member_costs(choice, members),
                    steps_per_execution=steps_per_execution,
                )
                return model

            def build(rate):
                model = autoencoder.build_denoising_autoencoder(
                    block,
                    inputs.shape[-1],
                    noise=block_noise,
                    reconstruction=choice,
                    input_sign_flip=below,
                    seed=offset_seeds(seeds, index),
                    per_member_inputs=members is not None,
                )
                return compiled(model, keras.optimizers.SGD(rate))

            def fit(model, first_epoch, last_epoch):
                """The training losses per epoch (with members, one list per member)."""
                batches = _epoch_batches(inputs, targets, order_seeds, batch_size, first_epoch)
                history = model.fit(
                    batches,
                    initial_epoch=first_epoch,
                    epochs=last_epoch,
                    shuffle=False,
                    callbacks=[batches.epoch_callback(), *(callbacks or [])],
                    verbose=verbose,
                ).history
                if members is None:
                    return history["loss"]
                return [history[f"member_{k}"] for k in range(members)]

            result = {"layer": block.name, "reconstruction": choice}
            if len(learning_rates) == 1:
                chosen = np.zeros(members or 1, dtype=int)
                loss = fit(build(learning_rates[0]), 0, epochs)
            else:
                first_epochs = min(selection_epochs or epochs, epochs)
                chosen, model, loss, result["selection"] = _select_learning_rate(
                    block, learning_rates, build, lambda model: fit(model, 0, first_epochs),
                    lambda model: _reconstruction_cost(model, inputs, targets, choice),
                )
                if first_epochs < epochs:
                    rates = [learning_rates[c] for c in chosen]
                    optimizer = (
                        keras.optimizers.SGD(rates[0]) if members is None else MemberSGD(rates)
                    )
                    more = fit(compiled(model, optimizer), first_epochs, epochs)
                    loss = loss + more if members is None else [
                        before + after for before, after in zip(loss, more)
                    ]
            rates = [learning_rates[c] for c in chosen]
            result["learning_rate"] = rates if members else rates[0]
            result["loss"] = loss
            # The next block's inputs: this block's activations, sign trick undone.
            activations = _forward(block, _unsigned(inputs, below))
            # One count per member slice (`activations` is `(N, E, units)` with members).
            dead = np.asarray(
                [count_dead_units(activations[:, e]) for e in range(members)]
                if members else count_dead_units(activations)
            )
            if dead.any():
                logger.warning(
                    "%s: %s of %d units are dead after pre-training (0 for every input of x); "
                    "a lower learning_rate may keep them alive",
                    block.name, dead.tolist(), activations.shape[-1],
                )
            result["dead_units"] = dead.tolist() if members else int(dead)
            if choice == "sigmoid_cross_entropy" and is_positively_homogeneous(block.activation):
                result["scale"] = _fold_unit_scale(block, activations)
                # What the rescaled block computes.
                divisor = np.asarray(result["scale"], dtype="float32")
                activations = activations / (divisor[:, None] if members else divisor)
            results.append(result)
            inputs = activations
            below = block.sign_flip
    return results


def member_record(stack, k):
    """Member `k`'s part of the record of a stack of members, as `pretrain_stack` gives one network's.

    Example:

    ``` python
    stack = pretrain_stack(model_of_members, x, seed=[0, 4])
    member_record(stack, 1)[0]["learning_rate"]  # the one member 1's first block chose
    ```

    Args:
        stack: `pretrain_stack`'s list for blocks of members.
        k: Int, the member.
    """
    per_member = ("learning_rate", "loss", "dead_units", "scale")
    return [
        {
            **{name: value[k] if name in per_member else value for name, value in entry.items()},
            **({"selection": {rate: costs[k] for rate, costs in entry["selection"].items()}}
               if "selection" in entry else {}),
        }
        for entry in stack
    ]
