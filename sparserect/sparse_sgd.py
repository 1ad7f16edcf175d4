"""Plain SGD that updates only the touched rows of a `BagOfWordsDense` kernel, on JAX.

On JAX, the gradient of the first layer's row gather is a scatter-add into
a zero matrix of the kernel's full shape, and the optimizer then rewrites
the whole `(vocabulary_size, units)` kernel every step. `SparseRowSGD`
differentiates with respect to the gathered rows instead and adds
`-learning_rate * gradient` to those rows only (in place: the kernel's
buffer is donated to the compiled step). Each batch's present ids are
packed into one flat list, so a step reads about as many rows as the batch
has terms, however unequal the examples' lengths. Every other weight gets
the plain SGD update, so one step equals one step of
`keras.optimizers.SGD` (no momentum) on the same batch, up to float
rounding.

On TensorFlow no custom step is needed: the kernel's gradient is a
`tf.IndexedSlices`, which Keras's optimizers apply with `scatter_sub`, so
`model.fit` already updates only the touched rows.
"""

import keras
import numpy as np
from keras import ops

from sparserect._checks import check_positive_number
from sparserect.layers.bag_of_words_dense import BagOfWordsDense


class SparseRowSGD:
    """Trains a model whose first layer is a `BagOfWordsDense` with row-sparse SGD (JAX).

    The model maps term ids to predictions: its first layer (after the
    input) is the `BagOfWordsDense`, and the rest is a function of that
    layer's output (a `Sequential` model or a functional chain). Losses the
    layers add (activity penalties such as `ActivationL1`) count as in
    `model.fit`.

    Example:

    ``` python
    trainer = SparseRowSGD(model, loss="sparse_categorical_crossentropy", learning_rate=0.1)
    for start in range(0, len(ids), 10):
        trainer.train_on_batch(ids[start:start + 10], y[start:start + 10])
    trainer.write_weights()  # into the model's variables
    ```

    Args:
        model: A built Keras model whose first layer is a `BagOfWordsDense`.
        loss: A Keras loss (name, function or object); its mean over the
            batch is minimised.
        learning_rate: Positive float.
    """

    def __init__(self, model, *, loss, learning_rate):
        if keras.backend.backend() != "jax":
            raise RuntimeError(
                "SparseRowSGD runs on JAX; on TensorFlow `model.fit` with SGD "
                "already updates only the touched rows. "
                f"Received: backend={keras.backend.backend()!r}"
            )
        check_positive_number("learning_rate", learning_rate)
        first = model.layers[0]
        if not isinstance(first, BagOfWordsDense):
            raise ValueError(
                "The model's first layer must be a BagOfWordsDense. "
                f"Received: model.layers[0]={type(first).__name__}"
            )
        self.model = model
        self.loss = keras.losses.get(loss)
        self.learning_rate = float(learning_rate)
        self._first = first
        self._rest = keras.Model(first.output, model.outputs)
        self._own = [v for v in first.trainable_variables if v is not first.kernel]
        self._groups = (
            [first.kernel], self._own, self._rest.trainable_variables,
            self._rest.non_trainable_variables,
        )
        self._state = self._read_state()
        self._step = self._compile_step()

    def _compile_step(self):
        import jax

        first, rest, loss, rate = self._first, self._rest, self.loss, self.learning_rate
        own = self._own

        def objective(rows, own_values, rest_values, rest_fixed, examples, y):
            # The padding entries belong to the extra example `len(y)`, dropped.
            sums = ops.segment_sum(rows, examples, num_segments=y.shape[0] + 1)[:-1]
            with keras.StatelessScope(state_mapping=list(zip(own, own_values))):
                hidden = first.finish(sums)
            outputs, rest_fixed, losses = rest.stateless_call(
                rest_values, rest_fixed, hidden, training=True, return_losses=True
            )
            outputs = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
            value = ops.mean(loss(y, outputs)) + sum(losses, 0.0)
            return value, rest_fixed

        gradient = jax.value_and_grad(objective, argnums=(0, 1, 2), has_aux=True)

        def step(state, terms, examples, y):
            (kernel,), own_values, rest_values, rest_fixed = state
            rows = kernel[terms]
            (value, rest_fixed), (row_grads, own_grads, rest_grads) = gradient(
                rows, own_values, rest_values, rest_fixed, examples, y
            )
            kernel = kernel.at[terms].add(-rate * row_grads)
            own_values = [w - rate * g for w, g in zip(own_values, own_grads)]
            rest_values = [w - rate * g for w, g in zip(rest_values, rest_grads)]
            return ([kernel], own_values, rest_values, rest_fixed), value

        return jax.jit(step, donate_argnums=0)

    def train_on_batch(self, ids, y):
        """One SGD step on a batch of padded term ids; returns the batch's loss.

        The batch's present ids are gathered into one flat list, padded to
        the next power of two (at least 64) so that few shapes compile: the
        step reads about as many kernel rows as the batch has terms, however
        unequal the examples' lengths.

        Args:
            ids: int `(batch, width)` term ids, padded with -1.
            y: the targets, as the loss takes them.
        """
        ids = np.asarray(ids)
        examples, positions = np.nonzero(ids >= 0)
        size = max(64, 1 << int(len(examples) - 1).bit_length())
        terms = np.zeros(size, np.int32)
        terms[: len(examples)] = ids[examples, positions]
        padded = np.full(size, len(ids), np.int32)
        padded[: len(examples)] = examples
        self._state, value = self._step(self._state, terms, padded, y)
        return value

    def _read_state(self):
        """Copies of the variables' values (the compiled step donates its state)."""
        return tuple([ops.copy(v.value) for v in variables] for variables in self._groups)

    def write_weights(self):
        """Copies the trained values into the model's variables."""
        for variables, values in zip(self._groups, self._state):
            for variable, value in zip(variables, values):
                variable.assign(value)
        self._state = self._read_state()
