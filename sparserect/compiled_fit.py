"""Training in which the steps of an epoch run inside one compiled loop.

`model.fit` returns to Python after every step (or every
`steps_per_execution` steps, still one compiled call per step on JAX): at
the paper's mini-batches of 10 examples, that overhead is a large part of
the time of a step. `compiled_fit` runs the same steps, Keras's own
`model.train_step` on the same batches in the same order, inside one
compiled loop per epoch (or per chunk of steps): a `jax.lax.scan` on JAX, a
`tf.while_loop` in a `tf.function` on TensorFlow. The model's variables are
assigned their new values at the end of each chunk. Callbacks are called
once per epoch only. Members with per-member orders take every example once
per member: for them, each call holds one copy of `x` on the device and
gathers each chunk's batches there, instead of on the host.
"""

import math
import types

import keras
import numpy as np

from sparserect._checks import check_non_negative_int
from sparserect._checks import check_order
from sparserect._checks import check_positive_int
from sparserect.layers.network import count_members
from sparserect.layers.network import has_member_inputs


def needs_batch_hooks(callback):
    """Whether a Keras callback acts on training batches, which `compiled_fit` does not call.

    Args:
        callback: A `keras.callbacks.Callback`.

    Returns:
        True when `callback`'s class overrides one of Keras's training-batch
        hooks (e.g. `keras.callbacks.TerminateOnNaN`), False otherwise.
    """
    hooks = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")
    return any(
        getattr(type(callback), hook) is not getattr(keras.callbacks.Callback, hook)
        for hook in hooks
    )


def compiled_fit(model, x, y, *, batch_size, epochs=1, initial_epoch=0, validation_data=None,
                 validation_batch_size=None, callbacks=None, order=None, steps_per_chunk=None,
                 jit_compile="auto"):
    """Trains a compiled Keras model as `model.fit(..., shuffle=False)` does, with fewer calls.

    Each epoch takes the examples in `order` and cuts them into mini-batches
    of `batch_size` (the last one smaller when `batch_size` does not divide
    the count), and runs `model.train_step` on each, in a loop compiled once
    per chunk of `steps_per_chunk` steps:

    ``` python
    for step in range(steps):          # one compiled call per chunk
        state = train_step(state, (x[order][step * batch_size:(step + 1) * batch_size], ...))
    ```

    The maths are those of `model.fit(..., shuffle=False)`: the same
    forward pass, loss (with `model.losses`, such as the activation L1
    penalty), optimizer update and metrics, so that the weights and logs
    equal those of `fit` to float rounding. Per epoch, callbacks see
    `on_epoch_begin` and `on_epoch_end` with the logs `fit` gives (`loss`,
    the compiled metrics, and `val_*` with `validation_data`, measured by
    `model.evaluate`); `model.stop_training` is honoured between epochs.
    Callbacks that act on training batches are refused
    (`needs_batch_hooks`). The model's `steps_per_execution` is not used.

    Example:

    ``` python
    model = sparserect.layers.build_network((784,), 10, sign_trick=True)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = compiled_fit(model, x, y, batch_size=10, epochs=5,
                           validation_data=(x_val, y_val),
                           order=lambda epoch: np.random.default_rng(epoch).permutation(len(x)))
    history.history["val_accuracy"]
    ```

    Args:
        model: A `keras.Model`, compiled, on the JAX or TensorFlow backend.
        x: Array of inputs, examples first.
        y: Array of targets, one per example.
        batch_size: Int > 0, examples per step.
        epochs: Int >= 0, the epoch to train up to (as `fit`'s).
        initial_epoch: Int >= 0, the epoch to start from (as `fit`'s).
        validation_data: Optional `(x, y)` measured after every epoch.
        validation_batch_size: Int > 0 or `None` (`batch_size`), examples
            per step of the validation.
        callbacks: Optional list of `keras.callbacks.Callback`.
        order: `None` (the examples as given), a 1-D array of example
            indices used in every epoch, or a function `order(epoch)` that
            returns the indices of one epoch (e.g. a permutation). For a
            model with per-member inputs (`build_network(...,
            per_member_inputs=True)`), indices of shape `(examples, E)`:
            member `k` takes the examples `order[:, k]`, so each member can
            follow its own permutation.
        steps_per_chunk: Int > 0 or `None` (the whole epoch), the steps of
            one compiled call; fewer bound the memory of one call's batches.
            With a per-member order, `x` itself also stays on the device
            for the call.
        jit_compile: `"auto"` (the model's `jit_compile`) or a bool: whether
            TensorFlow compiles the loop with XLA. JAX always compiles it.

    Returns:
        A `keras.callbacks.History`.
    """
    _check_model(model)
    check_positive_int("batch_size", batch_size)
    check_non_negative_int("epochs", epochs)
    check_non_negative_int("initial_epoch", initial_epoch)
    check_positive_int("validation_batch_size", validation_batch_size, allow_none=True)
    check_positive_int("steps_per_chunk", steps_per_chunk, allow_none=True)
    if jit_compile != "auto" and not isinstance(jit_compile, bool):
        raise ValueError(
            f"`jit_compile` must be 'auto', True or False. Received: jit_compile={jit_compile!r}"
        )
    x, y = _arrays(x, y)
    # A 2-D order needs one column per member of a model with per-member inputs.
    columns = count_members(model) if has_member_inputs(model) else None
    pair = isinstance(validation_data, (tuple, list))
    if validation_data is not None and not (pair and len(validation_data) == 2):
        length = f" of length {len(validation_data)}" if pair else ""
        raise ValueError(
            "`validation_data` must be an `(x, y)` tuple of arrays. "
            f"Received: validation_data={type(validation_data).__name__}{length}"
        )
    if order is not None and not callable(order):
        order = check_order(order, len(x), columns)
    callbacks = list(callbacks or [])
    for callback in callbacks:
        if needs_batch_hooks(callback):
            raise ValueError(
                "compiled_fit calls callbacks once per epoch, not per batch; use "
                f"model.fit for {type(callback).__name__}. Received: callbacks={callbacks!r}"
            )
    history = keras.callbacks.History()
    count = len(order) if order is not None and not callable(order) else len(x)
    hooks = keras.callbacks.CallbackList(
        [*callbacks, history], model=model, verbose=0, epochs=epochs,
        steps=math.ceil(count / batch_size),
    )
    # As `fit`: builds the model, loss, metrics and optimizer from one batch (of the
    # batch's shape: shared examples take one row per member for per-member inputs).
    shared_examples = columns is not None and x.ndim < len(model.inputs[0].shape)
    rows = np.zeros((1, columns), int) if shared_examples else slice(batch_size)
    model._symbolic_build(data_batch=(x[rows], y[rows]))
    run = _compiled_steps(model, jit_compile)
    model.stop_training = False
    hooks.on_train_begin()
    logs = {}
    on_device = None  # `x` and `y` as backend tensors, made when a per-member order needs them
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        hooks.on_epoch_begin(epoch)
        indices = check_order(order(epoch), len(x), columns) if callable(order) else order
        source = (x, y)
        if indices is not None and indices.ndim == 2:
            if on_device is None:
                on_device = tuple(map(keras.ops.convert_to_tensor, (x, y)))
            source = on_device
        for batches_x, batches_y in _chunks(*source, indices, batch_size, steps_per_chunk):
            run(batches_x, batches_y)
        logs = _floats(model.get_metrics_result())
        if validation_data is not None:
            measured = model.evaluate(
                *validation_data, batch_size=validation_batch_size or batch_size,
                callbacks=hooks, verbose=0, return_dict=True,
            )
            logs.update({f"val_{name}": value for name, value in _floats(measured).items()})
        hooks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    if epochs > 0:
        model.optimizer.finalize_variable_values(model.trainable_weights)
    hooks.on_train_end(logs)
    return history


def _check_model(model):
    """Raises a `ValueError` unless `model` is a compiled Keras model that runs compiled."""
    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model. Received: model={model!r}")
    if not model.compiled:
        raise ValueError(
            f"Compile the model first (model.compile(...)). Received: model={model.name} "
            "(not compiled)"
        )
    if model.run_eagerly:
        raise ValueError(
            "compiled_fit compiles the training loop; use model.fit to run eagerly. "
            f"Received: model.run_eagerly={model.run_eagerly}"
        )
    backend = keras.backend.backend()
    if backend not in ("jax", "tensorflow"):
        raise ValueError(
            "compiled_fit runs on the JAX and TensorFlow backends. "
            f"Received: keras.backend.backend()={backend!r}"
        )


def _arrays(x, y):
    """`x` and `y` as numpy arrays, floats as `keras.backend.floatx()` (as `fit` casts them)."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(
            "`x` and `y` must hold the same number of examples. "
            f"Received: len(x)={len(x)}, len(y)={len(y)}"
        )
    if len(x) == 0:
        raise ValueError(f"`x` must hold at least one example. Received: x.shape={x.shape}")
    return tuple(
        array.astype(keras.backend.floatx()) if array.dtype.kind == "f" else array
        for array in (x, y)
    )


def _chunks(x, y, indices, batch_size, steps_per_chunk):
    """Yields `(x, y)` of `(steps, batch_size[, E], ...)`: full batches in chunks, then the rest.

    NumPy `x` and `y` are gathered on the host, backend tensors on the device.
    """
    if indices is None:
        indices = np.arange(len(x))
    full = len(indices) // batch_size
    chunk = steps_per_chunk or max(full, 1)
    rows = [
        indices[start * batch_size:min(start + chunk, full) * batch_size].reshape(
            -1, batch_size, *indices.shape[1:]
        )
        for start in range(0, full, chunk)
    ]
    if len(indices) > full * batch_size:
        rows.append(indices[full * batch_size:][None])
    for taken in rows:
        yield tuple(
            array[taken] if isinstance(array, np.ndarray) else keras.ops.take(array, taken, axis=0)
            for array in (x, y)
        )


def _floats(logs):
    """A dict of scalar tensors as Python floats."""
    return {name: float(keras.ops.convert_to_numpy(value)) for name, value in logs.items()}


def _compiled_steps(model, jit_compile):
    """Returns `run(x, y)`, which trains on the batches `x[i], y[i]` in one compiled call.

    Cached on the model until it is compiled again (a new optimizer or metrics).
    """
    key = (model.optimizer, *model.metrics, jit_compile)
    cached = getattr(model, "_sparserect_compiled_steps", None)
    if cached is not None and len(cached.key) == len(key) and all(
        a is b for a, b in zip(cached.key, key)
    ):
        return cached.run
    if keras.backend.backend() == "jax":
        run = _jax_steps(model)
    else:
        run = _tensorflow_steps(
            model, model.jit_compile if jit_compile == "auto" else jit_compile
        )
    # A namespace, not a tuple: Keras would track the metrics of a tuple as the model's own.
    model._sparserect_compiled_steps = types.SimpleNamespace(key=key, run=run)
    return run


def _jax_steps(model):
    """`run(x, y)` on JAX: `jax.lax.scan` of `model.train_step`, with the state donated."""
    import jax

    def steps(state, x, y):
        def step(state, batch):
            _, state = model.train_step(state, batch)
            return state, None

        state, _ = jax.lax.scan(step, state, (x, y))
        return state

    compiled = jax.jit(steps, donate_argnums=0)

    def run(x, y):
        groups = (model.trainable_variables, model.non_trainable_variables,
                  model.optimizer.variables, model.metrics_variables)
        state = tuple([variable.value for variable in group] for group in groups)
        state = compiled(state, x, y)
        for group, values in zip(groups, state):
            for variable, value in zip(group, values):
                variable.assign(value)

    return run


def _tensorflow_steps(model, jit_compile):
    """`run(x, y)` on TensorFlow: a `tf.while_loop` of `model.train_step` in a `tf.function`."""
    import tensorflow as tf

    @tf.function(jit_compile=jit_compile, autograph=False, reduce_retracing=True)
    def steps(x, y):
        def body(i):
            model.train_step((x[i], y[i]))
            return (i + 1,)

        tf.while_loop(lambda i: i < tf.shape(x)[0], body, (tf.constant(0),))

    def run(x, y):
        steps(tf.convert_to_tensor(x), tf.convert_to_tensor(y))

    return run
