"""Exact sparsity and dead units of a model's hidden layers, measured on data.

A unit's activation is *exactly* zero or it is not: the rectifier gives hard
zeros, tanh and softplus almost never do. Glorot et al. (2011) report the
fraction of exact zeros of the hidden layers (83.4% on MNIST); a unit that is
zero for every example of a data set is *dead* for it (it gets no gradient).
"""

import weakref

import keras
import numpy as np
import pandas as pd

from sparserect.layers.hidden_block import HiddenBlock
from sparserect.layers.scaled_softplus import ScaledSoftplus
from sparserect._checks import check_positive_int

REPORT_COLUMNS = (
    "layer",
    "units",
    "sparsity",
    "dead_units",
    "dead_fraction",
    "always_active_fraction",
    "mean_activation",
    "max_activation",
)

_ACTIVATION_LAYERS = (
    HiddenBlock,
    ScaledSoftplus,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.PReLU,
    keras.layers.ELU,
)
_OUTPUT_ACTIVATIONS = ("linear", "softmax", "log_softmax", "sigmoid")


def _is_hidden_activation(layer):
    if isinstance(layer, _ACTIVATION_LAYERS):
        return True
    # `Activation`, `Dense`, `Conv2D`, ... keep their activation, a function
    # or a layer (`ReLU()`, or an `Activation` that holds a function).
    function = getattr(layer, "activation", None)
    if isinstance(function, keras.layers.Activation):
        function = function.activation
    if isinstance(function, keras.layers.Layer):
        return True
    return callable(function) and function.__name__ not in _OUTPUT_ACTIVATIONS


def hidden_layers(model):
    """Returns the top-level layers of `model` whose outputs are hidden activations.

    These are `HiddenBlock`s, activation layers (`ReLU`, `ScaledSoftplus`,
    `Activation("tanh")`, ...) and layers with a non-linear `activation`
    argument (`Dense(activation="relu")`), except the model's output layers
    and output-style activations (linear, softmax, sigmoid).
    """
    output_layers = {id(tensor._keras_history[0]) for tensor in _model_outputs(model)}
    return [
        layer
        for layer in model.layers
        if id(layer) not in output_layers and _is_hidden_activation(layer)
    ]


def _model_outputs(model):
    """Returns `model.outputs`, or raises a `ValueError` that says how to get them.

    Only a functional model, or a built Sequential one, has symbolic layer
    outputs to measure.
    """
    try:
        return model.outputs
    except AttributeError:
        pass
    if isinstance(model, keras.Sequential):
        raise ValueError(
            f"Sequential model {model.name!r} is not built yet, so its layers have "
            "no outputs to measure: start it with `keras.Input(shape)`, call "
            "`model.build((None, *input_shape))`, or measure it once `fit` has run "
            f"a batch. Received: model={model.name!r}"
        )
    raise ValueError(
        f"Model {model.name!r} is a subclassed model ({type(model).__name__}), whose "
        "layers have no symbolic outputs to measure: build the same layers as a "
        "functional model (from `keras.Input`) or a `keras.Sequential` model, e.g. "
        "with `sparserect.layers.build_network`, and measure that. "
        f"Received: model={model.name!r}"
    )


def _resolve_layers(model, layers):
    if layers is None:
        found = hidden_layers(model)
        _reject_ensemble_layers(found)
        if not found:
            raise ValueError(
                f"Model {model.name!r} has no hidden activation layer to measure; "
                "name them with `layers=`. Received: layers=None"
            )
        return found
    resolved = [model.get_layer(layer) if isinstance(layer, str) else layer for layer in layers]
    _reject_ensemble_layers(resolved)
    return resolved


def _reject_ensemble_layers(layers):
    """Raises for layers of a `sparserect.ensembles` model, whose outputs hold many networks."""
    stacked = [layer.name for layer in layers if getattr(layer, "members", None) is not None]
    if stacked:
        raise ValueError(
            "These layers hold the networks of an ensemble side by side; measure "
            "each network with `sparserect.ensembles.member_report(model, x, y)`, or "
            "take one out with `extract_member(model, k)`. "
            f"Received: layers={stacked}"
        )


# Extractors built so far, per model and graph: a new Keras model per call
# would compile (and on TensorFlow retrace) its forward pass every time.
_EXTRACTORS = weakref.WeakKeyDictionary()


def activation_extractor(model, layers=None):
    """Returns `(extractor, layers)`: a model mapping inputs to hidden activations.

    The extractor of a model and set of layers is built once and reused, so
    that repeated measurements compile its forward pass once.

    Args:
        model: A functional or built Sequential Keras model (subclassed models
            have no symbolic layer outputs).
        layers: Layers or layer names to measure; defaults to
            `hidden_layers(model)`.
    """
    _model_outputs(model)
    layers = _resolve_layers(model, layers)
    try:
        outputs = [layer.output for layer in layers]
    except (AttributeError, ValueError) as error:
        raise ValueError(
            "Sparsity is measured on the symbolic outputs of the model's layers; "
            "each layer to measure must be called once in the model's graph. "
            f"Received: model={model.name!r} ({error})"
        ) from error
    inputs = model.inputs
    # The extractor holds these tensors, so their ids are unique while it is cached.
    key = tuple(id(tensor) for tensor in [*inputs, *outputs])
    extractors = _EXTRACTORS.setdefault(model, {})
    if key not in extractors:
        extractors[key] = keras.Model(inputs, outputs, name=f"{model.name}_activations")
    return extractors[key], layers


class ActivationStatistics:
    """Running counts over examples for one hidden layer, kept per unit.

    A unit of a convolution or sequence layer (a channel, the last axis) has
    one value per position: `values_per_unit` counts them over all examples.
    """

    def __init__(self, units):
        self.units = units
        self.examples = 0
        self.values_per_unit = 0
        self.zero_counts = np.zeros(units, dtype=np.int64)
        self.activation_sum = 0.0
        self.activation_max = -np.inf

    def update(self, activations):
        """Adds a batch of activations, shape `(batch, ..., units)`."""
        self.examples += activations.shape[0]
        activations = activations.reshape(-1, self.units)
        self.values_per_unit += activations.shape[0]
        self.zero_counts += np.count_nonzero(activations == 0, axis=0)
        self.activation_sum += float(activations.sum(dtype=np.float64))
        if activations.size:
            self.activation_max = max(self.activation_max, float(activations.max()))

    @property
    def values(self):
        """The activations measured, over all units."""
        return self.values_per_unit * self.units

    def summary(self):
        """Returns the report columns (but `layer`) as a dict."""
        values = self.values
        dead = self.zero_counts == self.values_per_unit
        return {
            "units": self.units,
            "sparsity": float(self.zero_counts.sum() / values) if values else np.nan,
            "dead_units": int(dead.sum()),
            "dead_fraction": float(dead.mean()),
            "always_active_fraction": float((self.zero_counts == 0).mean()),
            "mean_activation": self.activation_sum / values if values else np.nan,
            "max_activation": self.activation_max if values else np.nan,
        }


def _input_batches(data, batch_size, max_examples):
    """Yields `(inputs, count)` from arrays, `(x, y)` tuples or iterables.

    Array data is cut into batches of exactly `batch_size` (the last one
    padded by repeating its final row, with `count` real examples), so that a
    compiled forward pass is traced once.
    """
    if isinstance(data, tuple):
        data = keras.utils.unpack_x_y_sample_weight(data)[0]
    if isinstance(data, (np.ndarray, dict, list)) or hasattr(data, "__array__"):
        total = len(keras.tree.flatten(data)[0])
        if max_examples is not None:
            total = min(total, max_examples)
        for start in range(0, total, batch_size):
            count = min(batch_size, total - start)

            def batch(array, start=start, count=count):
                rows = np.asarray(array[start : start + count])
                padding = [(0, batch_size - count)] + [(0, 0)] * (rows.ndim - 1)
                return np.pad(rows, padding, mode="edge")

            yield keras.tree.map_structure(batch, data), count
        return
    seen = 0
    for batch in data:
        inputs = keras.utils.unpack_x_y_sample_weight(batch)[0]
        if max_examples is not None:
            remaining = max_examples - seen
            if remaining <= 0:
                return
            inputs = keras.tree.map_structure(lambda a: a[:remaining], inputs)
        count = len(keras.tree.flatten(inputs)[0])
        seen += count
        yield inputs, count


def measure_activations(extractor, layers, data, batch_size=1024, max_examples=None):
    """Runs `extractor` over `data` and returns one `ActivationStatistics` per layer."""
    # `np.asarray`: NumPy 2's `np.array` warns on a Keras variable (its
    # `__array__` takes no `copy` argument).
    masks = []
    for layer in layers:
        mask = getattr(layer, "sign_mask", None)
        masks.append(None if mask is None else np.asarray(mask))
    statistics = None
    for inputs, count in _input_batches(data, batch_size, max_examples):
        outputs = extractor.predict_on_batch(inputs)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        if statistics is None:
            statistics = [ActivationStatistics(out.shape[-1]) for out in outputs]
        for stats, out, mask in zip(statistics, outputs, masks):
            out = np.asarray(out[:count], dtype=np.float32)
            # Undo the sign trick: measure h, not s * h (zeros are unchanged).
            stats.update(out if mask is None else out * mask)
    if statistics is None:
        raise ValueError("No examples to measure: `data` is empty.")
    return statistics


def sparsity_report(model, data, layers=None, batch_size=1024, max_examples=None):
    """Measures the hidden layers of `model` on `data`, one row per layer.

    Example:

    ``` python
    report = sparsity_report(model, x_test)
    report.attrs["average_sparsity"]  # fraction of all hidden activations == 0
    ```

    Args:
        model: A functional or built Sequential Keras model.
        data: Model inputs (an array, a list or dict of arrays), an
            `(x, y)` tuple, or an iterable of batches such as a
            `tf.data.Dataset` (labels are ignored).
        layers: Layers or layer names to measure; defaults to
            `hidden_layers(model)`. The sign trick of a `HiddenBlock` is undone.
        batch_size: Examples per forward pass, for array inputs.
        max_examples: Measure on at most this many examples (the first ones).

    Returns:
        A `pandas.DataFrame` with the columns `layer`, `units`, `sparsity`
        (fraction of activations exactly 0.0), `dead_units` and
        `dead_fraction` (units that are 0 for every example),
        `always_active_fraction` (units that are non-zero for every example),
        `mean_activation` and `max_activation`. `report.attrs` holds
        `average_sparsity` and `dead_fraction` over all hidden units, and
        `examples`.
    """
    check_positive_int("batch_size", batch_size)
    check_positive_int("max_examples", max_examples, allow_none=True)
    extractor, layers = activation_extractor(model, layers)
    statistics = measure_activations(extractor, layers, data, batch_size, max_examples)
    return statistics_report(layers, statistics)


def statistics_report(layers, statistics):
    """Returns the `sparsity_report` DataFrame of measured `statistics`."""
    rows = [
        {"layer": layer.name, **stats.summary()}
        for layer, stats in zip(layers, statistics)
    ]
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    # Every activation counts once: a convolution's channels weigh by their positions.
    zeros = sum(int(stats.zero_counts.sum()) for stats in statistics)
    report.attrs["average_sparsity"] = zeros / sum(stats.values for stats in statistics)
    report.attrs["dead_fraction"] = float(report["dead_units"].sum() / report["units"].sum())
    report.attrs["examples"] = statistics[0].examples
    return report
