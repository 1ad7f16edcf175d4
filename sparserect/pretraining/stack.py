"""Greedy layer-wise pre-training of a stack of `HiddenBlock`s as denoising auto-encoders."""

import contextlib
import logging
import math

import keras
import numpy as np

from sparserect.layers.activation_l1 import activation_l1_regularizer
from sparserect.layers.hidden_block import HiddenBlock
from sparserect.measurement.statistics import count_dead_units
from sparserect.pretraining import autoencoder
from sparserect.pretraining.salt_and_pepper import SaltAndPepperNoise
from sparserect._selection import choose_learning_rates
from sparserect._checks import check_non_negative_number
from sparserect._checks import check_positive_int
from sparserect._checks import is_number

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
    with_members = [block.name for block in blocks if block.members is not None]
    if with_members:
        raise ValueError(
            "Pre-training trains the blocks of one network; blocks with members are "
            "not supported yet: pre-train each network alone (`build_network` without "
            f"`members`). Received: blocks with members {with_members}"
        )
    return blocks


@contextlib.contextmanager
def _activation_penalty(blocks, coefficient):
    """Gives every block the activation L1 `coefficient` in the `with` body, its own after it.

    `None` leaves the blocks as they are. Keras applies a layer's activity
    regularizer when the layer is called, so the auto-encoders traced inside
    see this penalty and a model compiled afterwards sees the block's own.
    """
    if coefficient is None:
        yield
        return
    own = [block.activity_regularizer for block in blocks]
    try:
        for block in blocks:
            block.activity_regularizer = activation_l1_regularizer(coefficient)
        yield
    finally:
        for block, regularizer in zip(blocks, own):
            block.activity_regularizer = regularizer


def _forward(block, x, batch_size=1000):
    """Returns the block's activations on `x`, sign trick undone, as numpy."""
    # `np.asarray`: NumPy 2's `np.array` warns on a Keras variable (its
    # `__array__` takes no `copy` argument).
    mask = None if block.sign_mask is None else np.asarray(block.sign_mask)
    outputs = []
    for start in range(0, len(x), batch_size):
        h = keras.ops.convert_to_numpy(block(x[start : start + batch_size]))
        outputs.append(h if mask is None else h * mask)
    return np.concatenate(outputs).astype("float32")


def _signed(x, sign_flip):
    if sign_flip is None:
        return x
    return x * np.asarray(sign_flip.sign_mask)


def unit_interval_targets(x):
    """Maps inputs linearly into [0, 1] for the cross-entropy reconstructions.

    The range is `[min(0, x.min()), max(1, x.max())]`: pixels in [0, 1] are
    unchanged, tanh activations in (-1, 1) become about `(x + 1) / 2` and
    rectifier activations are divided by their largest value.
    """
    low = min(0.0, float(x.min()))
    high = max(1.0, float(x.max()))
    return ((x - low) / (high - low)).astype("float32")


def is_positively_homogeneous(activation):
    """Whether `f(a x) = a f(x)` for every `a > 0`: the rectifier and its leaky variants."""
    if isinstance(activation, keras.layers.ReLU):
        return activation.max_value is None and activation.threshold == 0
    return isinstance(activation, (keras.layers.LeakyReLU, keras.layers.PReLU))


def _fold_unit_scale(block, activations):
    """Divides a block's Dense weights by its largest activation, `activations` being its outputs.

    Strategy 2 trains the decoder on codes divided by their largest value,
    and with tied weights the cross-entropy keeps rewarding a larger kernel,
    so the raw activations grow without bound (thousands on Amazon reviews)
    and saturate the softmax of fine-tuning. For a positively homogeneous
    activation, dividing the kernel and bias by the largest activation is the
    same network up to that scale, with activations in [0, 1], as the decoder
    saw them. Returns the divisor (1 when every activation is 0).
    """
    largest = float(np.abs(activations).max())
    if largest == 0:
        return 1.0
    for weight in (block.dense.kernel, block.dense.bias):
        weight.assign(np.asarray(weight) / largest)
    return largest


def per_block_noise(noise, count):
    """Returns one corruption (a masking rate or a layer) per block, validated."""
    if isinstance(noise, (list, tuple)):
        if len(noise) != count:
            raise ValueError(
                f"`noise` needs one entry per block ({count}). Received: noise={noise!r}"
            )
        noises = list(noise)
    else:
        noises = [noise] * count
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


def _reconstruction_cost(model, inputs, targets, reconstruction, batch_size=1000):
    """Mean reconstruction cost of the clean `inputs`: no corruption, no L1 penalty."""
    loss = autoencoder.reconstruction_loss(reconstruction)
    total = 0.0
    for start in range(0, len(inputs), batch_size):
        stop = start + batch_size
        z = model(inputs[start:stop], training=False)
        total += float(keras.ops.convert_to_numpy(keras.ops.sum(loss(targets[start:stop], z))))
    return total / len(inputs)


def _select_learning_rate(block, learning_rates, build, fit, cost):
    """Trains `block` once per learning rate from the same weights; keeps the lowest `cost`.

    Returns `(learning_rate, model, loss, selection)`: the winner, its
    auto-encoder (ready to go on training), its losses so far, and each
    candidate's cost (`None` where it diverged). The block is left with the
    winner's weights.
    """
    start = block.get_weights()
    trials = []
    for rate in learning_rates:
        block.set_weights(start)
        model = build(rate)
        loss = fit(model)
        value = cost(model)
        logger.info("%s: learning rate %g, reconstruction cost %.4g", block.name, rate, value)
        trials.append((value, rate, model, loss, block.get_weights()))
    costs = [trial[0] for trial in trials]
    value, rate, model, loss, weights = trials[
        int(choose_learning_rates(costs, learning_rates, f"pre-training {block.name}")[0])
    ]
    block.set_weights(weights)
    selection = {
        f"{trial[1]:g}": trial[0] if math.isfinite(trial[0]) else None for trial in trials
    }
    return rate, model, loss, selection


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
            shuffling.
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

    With strategy 2 (`"sigmoid_cross_entropy"`) and a rectifier (or leaky
    or parametric rectifier), each block's Dense weights are divided, after
    its pre-training, by its largest activation on `x`: the same network up
    to scale, with activations in [0, 1] as the decoder saw them (without
    it, tied weights let the activations grow without bound).

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
        divisor, where the weights were rescaled.
    """
    blocks = _blocks_of(model_or_blocks)
    noises = per_block_noise(noise, len(blocks))
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    learning_rates = _learning_rate_candidates(learning_rate)
    check_positive_int("selection_epochs", selection_epochs, allow_none=True)
    if activation_l1 is not None:
        check_non_negative_number("activation_l1", activation_l1)
    if reconstruction is not None:
        autoencoder.check_reconstruction(reconstruction)
    if seed is not None:
        keras.utils.set_random_seed(seed)
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

            # `build` and `fit` act on this block only, and are called in this iteration.
            def build(rate):
                model = autoencoder.build_denoising_autoencoder(
                    block,
                    inputs.shape[1],
                    noise=block_noise,
                    reconstruction=choice,
                    input_sign_flip=below,
                    seed=None if seed is None else seed + index,
                )
                model.compile(
                    keras.optimizers.SGD(rate),
                    loss=autoencoder.reconstruction_loss(choice),
                    steps_per_execution=steps_per_execution,
                )
                return model

            def fit(model, first_epoch, last_epoch):
                return model.fit(
                    inputs,
                    targets,
                    batch_size=batch_size,
                    initial_epoch=first_epoch,
                    epochs=last_epoch,
                    shuffle=True,
                    callbacks=callbacks,
                    verbose=verbose,
                ).history["loss"]

            result = {"layer": block.name, "reconstruction": choice}
            if len(learning_rates) == 1:
                result["learning_rate"] = learning_rates[0]
                result["loss"] = fit(build(learning_rates[0]), 0, epochs)
            else:
                first_epochs = min(selection_epochs or epochs, epochs)
                rate, model, loss, result["selection"] = _select_learning_rate(
                    block, learning_rates, build, lambda model: fit(model, 0, first_epochs),
                    lambda model: _reconstruction_cost(model, inputs, targets, choice),
                )
                result["learning_rate"] = rate
                if first_epochs < epochs:
                    loss = loss + fit(model, first_epochs, epochs)
                result["loss"] = loss
            # The next block's inputs: this block's activations, sign trick undone.
            activations = _forward(block, _signed(inputs, below))
            dead_units = count_dead_units(activations)
            if dead_units:
                logger.warning(
                    "%s: %d of %d units are dead after pre-training (0 for every input of x); "
                    "a lower learning_rate may keep them alive",
                    block.name, dead_units, activations.shape[1],
                )
            result["dead_units"] = dead_units
            if choice == "sigmoid_cross_entropy" and is_positively_homogeneous(block.activation):
                result["scale"] = _fold_unit_scale(block, activations)
                activations = activations / result["scale"]  # what the rescaled block computes
            results.append(result)
            inputs = activations
            below = block.sign_flip
    return results
