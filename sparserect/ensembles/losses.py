"""The ensemble's loss: the sum over members of each member's mean cross-entropy."""

import keras
from keras import ops

from sparserect._checks import check_members


def broadcast_labels(y_true, ensemble_size):
    """Returns integer labels of shape `(batch, E)`.

    Labels of shape `(batch,)` or `(batch, 1)` are shared by all members;
    `(batch, E)` gives each member its own labels (per-member batches).
    """
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == 1:
        y_true = ops.expand_dims(y_true, -1)
    if len(y_true.shape) != 2:
        raise ValueError(
            "Ensemble labels must have shape (batch,), (batch, 1) or "
            f"(batch, {ensemble_size}). Received: shape={y_true.shape}"
        )
    if y_true.shape[-1] != ensemble_size:
        y_true = ops.broadcast_to(y_true, (ops.shape(y_true)[0], ensemble_size))
    return ops.cast(y_true, "int32")


def member_predictions(y_pred, ensemble_size=None):
    """Returns `y_pred` as a tensor after checking its shape `(batch, E, classes)`.

    `ensemble_size`: the number of members E expected, or `None` for any.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    if len(y_pred.shape) != 3 or ensemble_size not in (None, y_pred.shape[1]):
        members = "ensemble_size" if ensemble_size is None else ensemble_size
        raise ValueError(
            f"Ensemble predictions must have shape (batch, {members}, classes). "
            f"Received: shape={y_pred.shape}"
        )
    return y_pred


@keras.saving.register_keras_serializable(package="sparserect")
class EnsembleSparseCategoricalCrossentropy(keras.losses.Loss):
    """Sum over members of each member's sparse categorical cross-entropy.

    Formula, for predictions `p[i, k, c]` (example `i`, member `k`, class
    `c`) and labels `y[i]` (or `y[i, k]`) of a batch of `n` examples:

    ``` python
    loss = sum_k (1 / n) * sum_i -log p[i, k, y[i]]
    ```

    Keras averages the per-example value `sum_k -log p[i, k, y[i]]` over the
    batch, which is the sum of the members' mean cross-entropies. Member
    `k`'s parameters only enter term `k`, so their gradient is the gradient
    of member `k`'s own loss: with SGD (or any optimizer that updates each
    parameter from its own gradient: momentum, Adam, RMSprop, ...; not
    global-norm clipping) one fit trains the E members as E independent
    fits would. `loss / E` is the members' mean loss.

    Example:

    ``` python
    model.compile("sgd", EnsembleSparseCategoricalCrossentropy())
    model.fit(x, y)      # y: (batch,) integer labels, shared by the members
    ```

    Args:
        from_logits: Whether the predictions are logits (a model built by
            `build_network(..., members=E)` outputs probabilities: `False`).
        name: Name of the loss.
        reduction: Keras loss reduction. Defaults to
            `"sum_over_batch_size"` (the formula above).
        dtype: Dtype of the loss computation.
    """

    def __init__(
        self,
        from_logits=False,
        name="ensemble_sparse_categorical_crossentropy",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        y_pred = member_predictions(y_pred)
        labels = broadcast_labels(y_true, y_pred.shape[1])
        per_member = ops.sparse_categorical_crossentropy(
            labels, y_pred, from_logits=self.from_logits, axis=-1
        )
        return ops.sum(per_member, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"from_logits": self.from_logits})
        return config


@keras.saving.register_keras_serializable(package="sparserect")
class MemberError(keras.metrics.Metric):
    """Classification error of every member, reported as the members' mean.

    It keeps one count of errors per member over the examples seen since
    the last reset (an epoch, during `fit`); `result()` is the mean over
    members of the members' errors, and `member_errors()` the vector of E
    errors. `MemberMetrics` (a callback) measures error and sparsity per
    member on fixed data instead.

    Example:

    ``` python
    model.compile("sgd", EnsembleSparseCategoricalCrossentropy(),
                  metrics=[MemberError(8)])     # logs "error": mean over members
    ```

    Args:
        ensemble_size: Int > 0, the number of members.
        name: Name of the metric. Defaults to `"error"`.
        dtype: Dtype of the result.
    """

    def __init__(self, ensemble_size, name="error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.ensemble_size = check_members("ensemble_size", ensemble_size)
        self.wrong = self.add_variable(
            shape=(ensemble_size,), initializer="zeros", name="wrong", dtype="float32"
        )
        self.examples = self.add_variable(
            shape=(), initializer="zeros", name="examples", dtype="float32"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            raise ValueError(
                "MemberError does not support sample weights. "
                f"Received: sample_weight={sample_weight!r}"
            )
        y_pred = member_predictions(y_pred, self.ensemble_size)
        labels = broadcast_labels(y_true, self.ensemble_size)
        predicted = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
        wrong = ops.sum(ops.cast(ops.not_equal(predicted, labels), "float32"), axis=0)
        self.wrong.assign_add(wrong)
        self.examples.assign_add(ops.cast(ops.shape(y_pred)[0], "float32"))

    def member_errors(self):
        """Returns the error of each member, a tensor of shape `(E,)`."""
        return ops.divide_no_nan(self.wrong, self.examples)

    def result(self):
        return ops.mean(self.member_errors())

    def get_config(self):
        return {"ensemble_size": self.ensemble_size, "name": self.name, "dtype": self.dtype}
