"""Thresholds that make a trained rectifier network exactly sparse, without retraining."""

import copy

import keras
import numpy as np

from sparserect.layers.hidden_block import HiddenBlock
from sparserect.measurement.hidden import activation_extractor
from sparserect.measurement.hidden import hidden_layers
from sparserect.layers.thresholded_rectifier import ThresholdedRectifier
from sparserect.steering.zeros import check_exact_zeros
from sparserect._checks import check_bool
from sparserect._checks import check_open_fraction
from sparserect._checks import check_positive_int


def _calibration_blocks(model):
    """Returns the model's hidden `HiddenBlock`s, or raises for a model it cannot calibrate."""
    layers = hidden_layers(model)
    others = [layer.name for layer in layers if not isinstance(layer, HiddenBlock)]
    if others or not layers:
        raise ValueError(
            "calibrate_thresholds sets the threshold of the rectifier of each "
            "`HiddenBlock` (as `sparserect.layers.build_network` makes them); this "
            f"model's hidden layers {others or []} are not blocks. "
            f"Received: model={model.name!r}"
        )
    for block in layers:
        check_exact_zeros(block)
        activation = block.activation
        if isinstance(activation, keras.layers.ReLU) and (
            activation.max_value is not None or activation.threshold
        ):
            raise ValueError(
                f"Block {block.name!r} has a ReLU with a maximum or a threshold; "
                "calibrate_thresholds takes plain rectifiers (or `ThresholdedRectifier`s). "
                f"Received: activation={activation.get_config()!r}"
            )
    return layers


def _set_threshold(config, name, threshold):
    """Sets the activation of block `name` in a functional `config` to a thresholded rectifier."""
    (entry,) = [entry for entry in config["layers"] if entry["config"]["name"] == name]
    old = entry["config"]["activation"]["config"]
    base = {key: old[key] for key in ("name", "trainable", "dtype") if key in old}
    layer = ThresholdedRectifier.from_config({**base, "threshold": threshold})
    entry["config"]["activation"] = keras.saving.serialize_keras_object(layer)


def _rebuilt(model, config, weights):
    rebuilt = model.__class__.from_config(copy.deepcopy(config))  # from_config edits it
    rebuilt.set_weights(weights)
    return rebuilt


def quantile_thresholds(values, sparsity):
    """Returns `(thresholds, achieved)`: one threshold per column of `values` >= 0.

    A common quantile level `k / rows` is chosen so that the mean over the
    columns of `max(k, zeros_j) / rows` (column `j` keeps its `zeros_j`
    exact zeros; no threshold lowers them) is closest to `sparsity`, and
    column `j`'s threshold lies halfway between its `k`-th and `k+1`-th
    smallest values, so that exactly `max(k, zeros_j)` values are at or
    below it.
    """
    rows = values.shape[0]
    ordered = np.sort(values, axis=0)
    zeros = np.count_nonzero(ordered == 0, axis=0)
    levels = np.arange(rows + 1)
    overall = np.maximum(levels[:, None], zeros[None, :]).mean(axis=1) / rows
    k = int(np.argmin(np.abs(overall - sparsity)))
    lower = ordered[k - 1] if k > 0 else np.zeros(ordered.shape[1])
    upper = ordered[k] if k < rows else lower
    thresholds = np.where(zeros >= k, 0.0, (lower + upper) / 2)
    return thresholds, float(overall[k])


def calibrate_thresholds(model, x, sparsity, *, per_unit=False, batch_size=1000):
    """Returns a copy of `model` whose rectifiers have thresholds that reach `sparsity` on `x`.

    The rectifier `max(0, h)` of each `HiddenBlock` becomes
    `ThresholdedRectifier(t)`, `h if h > t else 0`, with `t` chosen from the
    quantiles of the block's activations on `x`, block after block (each
    measured with the earlier blocks already thresholded), so that the
    fraction of exact zeros of every block on `x` is the requested one, to
    within one quantile step (`1 / len(x)` per unit with `per_unit`, `1 /
    (len(x) * units)` per layer). No weight changes; `model` is left as it
    is. A threshold can only add zeros: a block already sparser than
    `sparsity` on `x` raises a `ValueError`. With `per_unit`, units already
    sparser than the common quantile level keep a threshold of 0 and the
    level is set so that the block's sparsity reaches `sparsity` on average.

    Example:

    ``` python
    model = build_network((28, 28), 10, activation_l1=0.0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=5)
    sparse = calibrate_thresholds(model, x_train[:5000], 0.9)
    sparse.save("sparse.keras")
    ```

    Args:
        model: A functional Keras model whose hidden layers are rectifier
            `HiddenBlock`s of one network, e.g. from `build_network`.
        x: Calibration inputs (an array).
        sparsity: Float in (0, 1), the fraction of exact zeros of each block.
        per_unit: Bool, one threshold per unit (True) or per block (False,
            the default).
        batch_size: Int > 0, examples per forward pass.

    Returns:
        A new `keras.Model` with the same weights and thresholded rectifiers.
    """
    check_open_fraction("sparsity", sparsity)
    check_bool("per_unit", per_unit)
    check_positive_int("batch_size", batch_size)
    if not isinstance(model, keras.Model):
        raise ValueError(
            "calibrate_thresholds takes a functional or Sequential Keras model, e.g. "
            f"from `build_network`. Received: model={type(model).__name__}"
        )
    blocks = _calibration_blocks(model)
    config = model.get_config()
    weights = model.get_weights()
    for block in blocks:
        _set_threshold(config, block.name, 0.0)
        current = _rebuilt(model, config, weights)
        extractor, _ = activation_extractor(current, [block.name])
        outputs = np.abs(np.asarray(extractor.predict(x, batch_size=batch_size, verbose=0)))
        values = outputs.reshape(-1, block.units if per_unit else 1)
        thresholds, _ = quantile_thresholds(values.astype("float64"), sparsity)
        zeros = float(np.mean(values == 0))
        if zeros > sparsity + 1.0 / values.shape[0]:
            raise ValueError(
                f"Block {block.name!r} is already {zeros:.4f} sparse on `x`, more than the "
                "requested sparsity, and a threshold only adds zeros. "
                f"Received: sparsity={sparsity!r}"
            )
        threshold = thresholds.tolist() if per_unit else float(thresholds[0])
        _set_threshold(config, block.name, threshold)
    return _rebuilt(model, config, weights)
