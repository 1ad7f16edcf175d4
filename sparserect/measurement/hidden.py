"""Which layers of a model are hidden activations, and their symbolic outputs."""

import keras

from sparserect.layers.hidden_block import HiddenBlock
from sparserect.layers.scaled_softplus import ScaledSoftplus

_ACTIVATION_LAYERS = (
    HiddenBlock,
    ScaledSoftplus,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.PReLU,
    keras.layers.ELU,
)
_OUTPUT_ACTIVATIONS = ("linear", "softmax", "log_softmax", "sigmoid")


def is_hidden_activation(layer):
    """Whether `layer` outputs hidden activations (see `hidden_layers`)."""
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
    output_layers = {id(tensor._keras_history[0]) for tensor in model_outputs(model)}
    return [
        layer
        for layer in model.layers
        if id(layer) not in output_layers and is_hidden_activation(layer)
    ]


def model_outputs(model):
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


def named_layers(model, layers):
    """Returns `layers`, each a layer or a layer name looked up with `model.get_layer`."""
    return [model.get_layer(layer) if isinstance(layer, str) else layer for layer in layers]


def resolve_layers(model, layers):
    """Returns the layers to measure: `layers` (objects or names) or `hidden_layers(model)`."""
    model_outputs(model)
    if layers is not None:
        resolved = named_layers(model, layers)
    else:
        resolved = hidden_layers(model)
        if not resolved:
            raise ValueError(
                f"Model {model.name!r} has no hidden activation layer to measure; "
                "name them with `layers=`. Received: layers=None"
            )
    layer_members(resolved)
    return resolved


def layer_members(layers):
    """Returns how many networks `layers` hold side by side: 1, or E for layers with `members`.

    Layers of one network and layers of members cannot be measured together.
    """
    counts = {layer.name: getattr(layer, "members", None) or 1 for layer in layers}
    if len(set(counts.values())) > 1:
        raise ValueError(
            "The layers to measure must all belong to one network or all hold the same "
            f"number of members (members per layer below). Received: layers={counts}"
        )
    return next(iter(counts.values()), 1)


def layer_outputs(model, layers):
    """Returns the symbolic output of each of `layers`, or a `ValueError`."""
    try:
        return [layer.output for layer in layers]
    except (AttributeError, ValueError) as error:
        raise ValueError(
            "Sparsity is measured on the symbolic outputs of the model's layers; "
            "each layer to measure must be called once in the model's graph. "
            f"Received: model={model.name!r} ({error})"
        ) from error


def activation_extractor(model, layers=None):
    """Returns `(extractor, layers)`: a model mapping inputs to hidden activations.

    Args:
        model: A functional or built Sequential Keras model (subclassed models
            have no symbolic layer outputs).
        layers: Layers or layer names to measure; defaults to
            `hidden_layers(model)`.
    """
    layers = resolve_layers(model, layers)
    if any(getattr(layer, "members", None) is not None for layer in layers):
        raise ValueError(
            "These layers hold the networks of a model of members side by side, "
            "`(batch, E, units)`; the extractor returns one network's activations. "
            "Take one out with `extract_member(model, k)`, or measure them all with "
            "`sparsity_report` (pooled) or `member_report` (per member). "
            f"Received: layers={[layer.name for layer in layers]}"
        )
    outputs = layer_outputs(model, layers)
    return keras.Model(model.inputs, outputs, name=f"{model.name}_activations"), layers
