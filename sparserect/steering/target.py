"""A callback that adapts the activation L1 coefficients until a sparsity target is met."""

import math

import keras
import numpy as np

from sparserect.layers.activation_l1 import ActivationL1
from sparserect.layers.hidden_block import HiddenBlock
from sparserect.measurement.hidden import activation_extractor
from sparserect.steering.zeros import check_exact_zeros
from sparserect.steering.zeros import exact_sparsity
from sparserect._checks import check_bool
from sparserect._checks import check_open_fraction
from sparserect._checks import check_positive_int
from sparserect._checks import check_positive_number
from sparserect._sampling import fixed_sample


class _CoefficientHolder(keras.layers.Layer):
    """Makes a regularizer's coefficient variable part of a layer's state during `fit`.

    It is a sub-layer of the regularized layer, listed in its `_layers` only:
    `layer.variables` (and so the JAX trainer's state) includes the variable,
    but saving, which walks attributes, does not write it.
    """

    def __init__(self, variable, **kwargs):
        super().__init__(**kwargs)
        self.coefficient = variable


def _attach(layer, holder):
    """Adds `holder` to the sub-layers of a built (locked) `layer`."""
    locked = layer._tracker.locked
    layer._tracker.unlock()
    layer._tracker.add_to_store("layers", holder)
    if locked:
        layer._tracker.lock()


def _logit(p):
    p = min(max(p, 1e-4), 1.0 - 1e-4)
    return math.log(p / (1.0 - p))


def _sample_inputs(data, max_examples, seed):
    """Returns a fixed random sample of `max_examples` rows of arrays or of `(x, y)`."""
    if isinstance(data, tuple):
        data = keras.utils.unpack_x_y_sample_weight(data)[0]
    arrays = keras.tree.flatten(data)
    if not arrays or not all(hasattr(a, "shape") and len(a.shape) for a in arrays):
        raise ValueError(
            "`data` must be training inputs as arrays (or an `(x, y)` tuple of "
            f"arrays). Received: data={type(data).__name__}"
        )
    return keras.tree.map_structure(np.asarray, fixed_sample(data, max_examples, seed))


class SparsityTarget(keras.callbacks.Callback):
    """Adapts the `ActivationL1` coefficients during training to reach an exact sparsity.

    The measured exact sparsity `s` of a layer is the fraction of its
    activations that are exactly 0.0 on a fixed random sample of the training
    inputs (in inference mode). After each update period (an epoch, or
    `update_every` batches), each coefficient `c` outside the band
    `|s - target| <= tolerance` is multiplied, in log space, toward the target,
    by the sparsity `heading = clip(2 * s - s_previous, 0, 1)` it is heading
    for one period ahead (`s_previous`: the last measurement):

    ``` python
    factor = exp(rate * (logit(target) - logit(heading)))
    c = clip(c * clip(factor, 1 / max_factor, max_factor), min_coefficient, max_coefficient)
    ```

    The error is taken in logit space because sparsity saturates near 0 and
    1: one point of sparsity at 0.95 asks for a larger change of the penalty
    than at 0.5. A multiplicative step keeps the coefficient positive and
    treats 1e-5 -> 1e-4 like 1e-3 -> 1e-2, as the penalty's effect is
    roughly logarithmic in it; the clipped factor keeps one noisy measurement
    from moving it far. The sparsity follows the penalty with a lag of an
    epoch or two; steering by `s` alone kept raising the penalty while the
    sparsity was already climbing, overshot, and killed units (which a
    lower penalty does not revive), so the rule looks one period ahead.

    Control is per layer by default (`per_layer=True`): each layer's
    coefficient follows its own sparsity. The layers of a rectifier network
    do not reach the same sparsity under one coefficient, so one shared
    factor (`per_layer=False`: all coefficients scaled together, from the
    sparsity of all hidden activations) meets the target on average while
    single layers stay off it. In a small MNIST run (784-256-256-256-10 on
    3,000 examples, batch 10, target 0.9, ten epochs) the shared factor left
    the first and last layers about nine points above and below the target,
    while per-layer control brought the last two layers within the band.
    A layer whose units died while the penalty was high stays sparser than
    the target even at the smallest coefficient: dead units get no gradient.

    The coefficients are held in variables (`ActivationL1.coefficient_variable`)
    that the compiled train step reads on each step, on TensorFlow and on JAX
    (the callback adds them to the model's state for the time of `fit`, and
    forces the train function to be traced again). Each epoch's logs get
    `activation_l1/<layer>` (the coefficient after the epoch's update) and
    `sparsity/<layer>` (the sparsity measured at the end of the epoch); the
    regularizers' `coefficient` (and a `HiddenBlock`'s `activation_l1`), and
    so a saved model's config, holds the values reached.

    Example:

    ``` python
    model = build_network((28, 28), 10, activation_l1=0.001)
    model.compile("sgd", "sparse_categorical_crossentropy")
    target = SparsityTarget(0.9, x_train)
    history = model.fit(x_train, y_train, epochs=10, callbacks=[target])
    history.history["activation_l1/hidden_1"]
    ```

    Args:
        target: Float in (0, 1), the fraction of exact zeros to reach.
        data: Training inputs to measure on: arrays or an `(x, y)` tuple.
        tolerance: Float in (0, 1), the half width of the band around the
            target in which a coefficient is left alone. Defaults to `0.01`
            (one point).
        rate: Float > 0, the gain of the update in logit space. Defaults to `1.0`.
        max_factor: Float > 1, the largest change of a coefficient in one
            update. Defaults to `2.0`: sparsity follows the penalty with a lag
            of some hundreds of steps, and larger steps overshoot.
        min_coefficient: Float > 0, the smallest coefficient. Defaults to `1e-7`.
        max_coefficient: Float > 0, the largest coefficient. Defaults to `1.0`.
        per_layer: Bool, one coefficient per layer, following its own
            sparsity (the default), or one factor for all.
        update_every: `None` (update at the end of every epoch) or an int
            > 0, the number of training batches between updates.
        max_examples: Int > 0, the size of the fixed sample measured. Defaults
            to `1000`.
        batch_size: Int > 0, examples per forward pass. Defaults to `1000`.
        seed: Int, seeds the sample. Defaults to `0`.

    Attributes:
        layers: The layers whose coefficients it adapts, set when `fit` starts.
    """

    def __init__(
        self,
        target,
        data,
        *,
        tolerance=0.01,
        rate=1.0,
        max_factor=2.0,
        min_coefficient=1e-7,
        max_coefficient=1.0,
        per_layer=True,
        update_every=None,
        max_examples=1000,
        batch_size=1000,
        seed=0,
    ):
        super().__init__()
        check_open_fraction("target", target)
        check_positive_number("tolerance", tolerance)
        if tolerance >= 1.0:
            raise ValueError(f"`tolerance` must be < 1. Received: tolerance={tolerance!r}")
        check_positive_number("rate", rate)
        check_positive_number("max_factor", max_factor)
        if max_factor <= 1.0:
            raise ValueError(f"`max_factor` must be > 1. Received: max_factor={max_factor!r}")
        check_positive_number("min_coefficient", min_coefficient)
        check_positive_number("max_coefficient", max_coefficient)
        if min_coefficient > max_coefficient:
            raise ValueError(
                "`min_coefficient` must be <= `max_coefficient`. Received: "
                f"min_coefficient={min_coefficient!r}, max_coefficient={max_coefficient!r}"
            )
        check_bool("per_layer", per_layer)
        check_positive_int("update_every", update_every, allow_none=True)
        check_positive_int("max_examples", max_examples)
        check_positive_int("batch_size", batch_size)
        self.target = float(target)
        self.tolerance = float(tolerance)
        self.rate = float(rate)
        self.max_factor = float(max_factor)
        self.min_coefficient = float(min_coefficient)
        self.max_coefficient = float(max_coefficient)
        self.per_layer = bool(per_layer)
        self.update_every = update_every
        self.batch_size = int(batch_size)
        self.sample = _sample_inputs(data, max_examples, seed)
        self.layers = []
        self._holders = []
        self._steps = 0
        self._previous = None

    def on_train_begin(self, logs=None):
        model = self.model
        self.layers = [
            layer
            for layer in model.layers
            if isinstance(getattr(layer, "activity_regularizer", None), ActivationL1)
        ]
        if not self.layers:
            raise ValueError(
                "SparsityTarget adapts the `ActivationL1` activity regularizers of the "
                "model's layers, and this model has none: give its hidden layers one, "
                "e.g. `build_network(..., activation_l1=0.001)`. "
                f"Received: model={model.name!r}"
            )
        for layer in self.layers:
            check_exact_zeros(layer)
        self._holders = [
            _CoefficientHolder(
                layer.activity_regularizer.coefficient_variable(),
                name=f"{layer.name}_activation_l1",
            )
            for layer in self.layers
        ]
        for layer, holder in zip(self.layers, self._holders):
            _attach(layer, holder)
        model.make_train_function(force=True)
        self._steps = 0
        self._previous = None

    def on_train_batch_end(self, batch, logs=None):
        self._steps += 1
        if self.update_every is not None and self._steps % self.update_every == 0:
            self._update(self._measure())

    def on_epoch_end(self, epoch, logs=None):
        sparsities = self._measure()
        if self.update_every is None:
            self._update(sparsities)
        if logs is not None:
            for layer, sparsity in zip(self.layers, sparsities):
                logs[f"activation_l1/{layer.name}"] = layer.activity_regularizer.coefficient
                logs[f"sparsity/{layer.name}"] = sparsity

    def on_train_end(self, logs=None):
        # On JAX, reading `self.model` writes the trainer's state into the
        # variables, which must happen while the coefficients are still state.
        model = self.model
        for layer, holder in zip(self.layers, self._holders):
            layer._tracker.untrack(holder)  # its weights are as before `fit`
        self._holders = []
        model.make_train_function(force=True)

    def _measure(self):
        # On JAX, reading `self.model` first writes the trained state into the variables.
        extractor, _ = activation_extractor(self.model, self.layers)
        return exact_sparsity(extractor, self.sample, self.batch_size)

    def _factor(self, sparsity, heading):
        if abs(sparsity - self.target) <= self.tolerance:
            return 1.0
        factor = math.exp(self.rate * (_logit(self.target) - _logit(heading)))
        return min(max(factor, 1.0 / self.max_factor), self.max_factor)

    def _update(self, sparsities):
        if not self.per_layer:
            sizes = [float(np.prod(layer.output.shape[1:])) for layer in self.layers]
            sparsities = [float(np.average(sparsities, weights=sizes))] * len(self.layers)
        previous = self._previous or sparsities
        self._previous = sparsities
        # Steer by where the sparsity is heading, one update period ahead.
        factors = [
            self._factor(now, min(max(2 * now - before, 0.0), 1.0))
            for now, before in zip(sparsities, previous)
        ]
        for layer, factor in zip(self.layers, factors):
            regularizer = layer.activity_regularizer
            coefficient = regularizer.coefficient * factor
            coefficient = min(max(coefficient, self.min_coefficient), self.max_coefficient)
            regularizer.set_coefficient(coefficient)
            if isinstance(layer, HiddenBlock):  # its config writes `activation_l1`
                layer.activation_l1 = regularizer.coefficient
