"""The paper's activations and their follow-ups, as Keras layers with the papers' defaults.

Keras already has the layers; what it lacks are the defaults of the papers:
`keras.layers.LeakyReLU` uses a slope of 0.3 where Maas et al. (2013) use 0.01,
and `keras.layers.PReLU` starts its slope at 0 where He et al. (2015) start at
0.25. The functions here build Keras's own layers with the papers' values, so
models that use them serialize as plain Keras models.

Names understood by `get`:

| name | layer | formula |
|---|---|---|
| `"rectifier"`, `"relu"` | `keras.layers.ReLU()` | max(0, x) |
| `"softplus"` | `ScaledSoftplus(1.0)` | log(1 + exp(x)) |
| `"tanh"` | `keras.layers.Activation("tanh")` | tanh(x) |
| `"leaky_rectifier"`, `"leaky_relu"` | `keras.layers.LeakyReLU(0.01)` | x if x > 0 else 0.01 x |
| `"parametric_rectifier"`, `"prelu"` | `keras.layers.PReLU(0.25 initial slope)` | x if x > 0 else a x, a learned |
| `"elu"` | `keras.layers.ELU(1.0)` | x if x > 0 else exp(x) - 1 |
"""

import keras

from sparserect.layers.scaled_softplus import ScaledSoftplus

LEAKY_RECTIFIER_SLOPE = 0.01  # Maas, Hannun & Ng (2013)
PARAMETRIC_RECTIFIER_INITIAL_SLOPE = 0.25  # He et al. (2015)


def rectifier(**kwargs):
    """Returns the rectifier `max(0, x)` as `keras.layers.ReLU`."""
    return keras.layers.ReLU(**kwargs)


def softplus(sharpness=1.0, **kwargs):
    """Returns `(1 / sharpness) * softplus(sharpness * x)` as a layer."""
    return ScaledSoftplus(sharpness=sharpness, **kwargs)


def tanh(**kwargs):
    """Returns the hyperbolic tangent as `keras.layers.Activation("tanh")`."""
    return keras.layers.Activation("tanh", **kwargs)


def leaky_rectifier(negative_slope=LEAKY_RECTIFIER_SLOPE, **kwargs):
    """Returns the leaky rectifier of Maas et al. (2013), slope 0.01 below 0."""
    return keras.layers.LeakyReLU(negative_slope=negative_slope, **kwargs)


def parametric_rectifier(
    initial_slope=PARAMETRIC_RECTIFIER_INITIAL_SLOPE, **kwargs
):
    """Returns He et al.'s (2015) PReLU, its learned slope starting at 0.25."""
    return keras.layers.PReLU(
        alpha_initializer=keras.initializers.Constant(initial_slope), **kwargs
    )


def elu(alpha=1.0, **kwargs):
    """Returns the ELU of Clevert et al. (2015), `alpha * (exp(x) - 1)` below 0."""
    return keras.layers.ELU(alpha=alpha, **kwargs)


ACTIVATIONS = {
    "rectifier": rectifier,
    "relu": rectifier,
    "softplus": softplus,
    "tanh": tanh,
    "leaky_rectifier": leaky_rectifier,
    "leaky_relu": leaky_rectifier,
    "parametric_rectifier": parametric_rectifier,
    "prelu": parametric_rectifier,
    "elu": elu,
}


def get(identifier, **layer_kwargs):
    """Returns a new activation layer for a name, or the layer itself.

    Args:
        identifier: One of the names in `ACTIVATIONS`, a Keras layer (returned
            as it is), or a serialized layer (a dict, as `get_config` writes).
        **layer_kwargs: Base layer keyword arguments (`dtype`, `name`) of
            the layer made for a name.

    Returns:
        A `keras.layers.Layer`.
    """
    if isinstance(identifier, keras.layers.Layer):
        return identifier
    if isinstance(identifier, dict):
        return keras.saving.deserialize_keras_object(identifier)
    if isinstance(identifier, str) and identifier.lower() in ACTIVATIONS:
        return ACTIVATIONS[identifier.lower()](**layer_kwargs)
    raise ValueError(
        "Unknown activation: expected one of "
        f"{sorted(ACTIVATIONS)} or a Keras layer. Received: "
        f"activation={identifier!r}"
    )
