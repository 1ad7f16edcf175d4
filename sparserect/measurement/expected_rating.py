"""The paper's rating prediction: the expected star value under the softmax, and its RMSE."""

import keras
from keras import ops

from sparserect._checks import is_number


def _check_rating_values(rating_values):
    values = list(rating_values) if rating_values is not None else []
    if len(values) < 2 or not all(is_number(v) for v in values):
        raise ValueError(
            "`rating_values` must hold the rating of each class, at least two numbers. "
            f"Received: rating_values={rating_values!r}"
        )
    return [float(v) for v in values]


def expected_rating(probabilities, rating_values):
    """Returns `sum_k p_k r_k`: the expected rating under class probabilities.

    Glorot et al. (2011) predict a review's star rating this way from the
    softmax over the ratings present in the data.

    Example:

    ``` python
    expected_rating([[0.5, 0.0, 0.5]], [1, 3, 5])  # [3.0]
    ```

    Args:
        probabilities: Tensor `(batch, classes)`, each row summing to 1.
        rating_values: The rating of each class, e.g. `(1, 2, 4, 5)`.

    Returns:
        A `(batch,)` tensor.
    """
    values = _check_rating_values(rating_values)
    probabilities = ops.convert_to_tensor(probabilities)
    if not keras.backend.is_float_dtype(probabilities.dtype):
        probabilities = ops.cast(probabilities, keras.config.floatx())
    _check_classes(probabilities.shape, values)
    return ops.matmul(probabilities, ops.convert_to_tensor(values, probabilities.dtype))


def _check_classes(shape, rating_values):
    """Raises unless the last axis of `shape` has one class per rating value."""
    if shape[-1] is not None and shape[-1] != len(rating_values):
        raise ValueError(
            f"The probabilities have {shape[-1]} classes and `rating_values` has "
            f"{len(rating_values)} ratings; give one rating per class, in order. "
            f"Received: rating_values={rating_values}"
        )


@keras.saving.register_keras_serializable(package="sparserect")
class ExpectedRatingRMSE(keras.metrics.RootMeanSquaredError):
    """Root mean squared error of the expected rating, from class labels and softmax outputs.

    Formula, with `r` the rating of each class, `y` the true class index and
    `p` the predicted probabilities:

    ``` python
    rmse = sqrt(mean((p @ r - r[y]) ** 2))
    ```

    The metric of the paper's rating experiments, for a model trained with
    `sparse_categorical_crossentropy` on class indices.

    Example:

    ``` python
    model.compile("sgd", "sparse_categorical_crossentropy",
                  metrics=[ExpectedRatingRMSE((1, 2, 4, 5))])
    ```

    Args:
        rating_values: The rating of each class (softmax output), in order.
        name: Name of the metric. Defaults to `"rmse"`.
        dtype: Dtype of the metric's result.
    """

    def __init__(self, rating_values, name="rmse", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.rating_values = _check_rating_values(rating_values)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = ops.convert_to_tensor(self.rating_values, self.dtype)
        y_true = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        _check_classes(y_pred.shape, self.rating_values)
        true_rating = ops.take(values, y_true)
        predicted = ops.matmul(ops.cast(y_pred, self.dtype), values)
        return super().update_state(true_rating, predicted, sample_weight=sample_weight)

    def get_config(self):
        return {"rating_values": self.rating_values, "name": self.name, "dtype": self.dtype}
