"""Which layers give exact zeros, and the fraction of them on a sample of inputs."""

import keras
import numpy as np

from sparserect.layers.hidden_block import HiddenBlock
from sparserect.layers.thresholded_rectifier import ThresholdedRectifier

_RECTIFIER_FUNCTIONS = ("relu", "relu6")


def _is_rectifier(layer_or_function):
    if isinstance(layer_or_function, ThresholdedRectifier):
        return True
    if isinstance(layer_or_function, keras.layers.ReLU):
        return not layer_or_function.negative_slope
    if isinstance(layer_or_function, keras.layers.Activation):
        layer_or_function = layer_or_function.activation
    return getattr(layer_or_function, "__name__", None) in _RECTIFIER_FUNCTIONS


def check_exact_zeros(layer):
    """Raises a `ValueError` unless `layer`'s outputs are rectified (have exact zeros).

    tanh, softplus, sigmoid, the leaky and parametric rectifiers and ELU
    almost never output exactly 0.0, so no penalty makes them exactly sparse.
    """
    if getattr(layer, "members", None) is not None:
        raise ValueError(
            f"Layer {layer.name!r} holds {layer.members} networks side by side; "
            "steer or calibrate one network (`extract_member(model, k)`). "
            f"Received: layer={layer.name!r}"
        )
    activation = layer.activation if isinstance(layer, HiddenBlock) else layer
    if not isinstance(activation, keras.layers.ReLU) and hasattr(activation, "activation"):
        activation = activation.activation
    if not _is_rectifier(activation):
        name = getattr(activation, "__name__", None) or type(activation).__name__
        raise ValueError(
            "Exact sparsity is the fraction of activations that are exactly 0.0, "
            f"which only rectifiers give; layer {layer.name!r} computes {name}, "
            "which has no exact zeros, so no penalty or threshold makes it exactly "
            f"sparse. Received: layer={layer.name!r}, activation={name}"
        )


def exact_sparsity(extractor, inputs, batch_size):
    """Returns, per output of `extractor`, the fraction of exact zeros on `inputs`."""
    total = len(keras.tree.flatten(inputs)[0])
    batches = [
        keras.tree.flatten(extractor.predict_on_batch(
            keras.tree.map_structure(lambda a: a[start : start + batch_size], inputs)
        ))
        for start in range(0, total, batch_size)
    ]
    return [
        sum(int(np.count_nonzero(np.asarray(out) == 0)) for out in outputs)
        / sum(np.size(out) for out in outputs)
        for outputs in zip(*batches)
    ]
