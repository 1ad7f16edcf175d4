"""A first dense layer that reads a binary bag-of-words as its active term ids."""

import keras
from keras import ops
from sparserect._checks import check_bool
from sparserect._checks import check_positive_int


@keras.saving.register_keras_serializable(package="sparserect")
class BagOfWordsDense(keras.layers.Layer):
    """`Dense` on a binary bag-of-words, fed the ids of the present terms.

    Formula, for the padded term ids `ids` of one example (padding `-1`):

    ``` python
    f(ids) = activation(sum(kernel[i] for i in ids if i >= 0) + bias)
    ```

    which equals `Dense(units)(x)` for the 0/1 vector `x` with ones at
    `ids` (each id at most once per row, as `BinaryBagOfWords.transform_ids`
    writes them). Only the kernel rows of the active terms are read, so a
    step costs `max_active * units` instead of `vocabulary_size * units`.
    The kernel has `Dense`'s layout `(vocabulary_size, units)` and the same
    weight order (kernel, then bias): `set_weights(dense.get_weights())`
    copies a trained `Dense` layer, and back.

    On the TensorFlow backend the kernel's gradient is a `tf.IndexedSlices`
    of the active rows, and Keras's SGD (without momentum) applies it as a
    scatter update of those rows only. On JAX the gradient is a dense
    matrix with zeros outside the active rows;
    `sparserect.sparse_sgd.SparseRowSGD` trains such a model there with SGD
    that updates the active rows only.

    Example:

    ``` python
    layer = BagOfWordsDense(units=3, vocabulary_size=5)
    ids = np.array([[0, 3, -1], [4, -1, -1]])
    outputs = layer(ids)  # (2, 3): kernel[0] + kernel[3] + bias, kernel[4] + bias
    ```

    Args:
        units: Int > 0, the number of outputs.
        vocabulary_size: Int > 0, the number of terms (the dense input width).
        activation: Activation applied to the outputs (any Keras activation
            identifier); `None` is linear.
        use_bias: Whether to add a bias vector.
        kernel_initializer: Initializer of the kernel.
        bias_initializer: Initializer of the bias.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(
        self,
        units,
        vocabulary_size,
        *,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("units", units)
        check_positive_int("vocabulary_size", vocabulary_size)
        check_bool("use_bias", use_bias)
        self.units = int(units)
        self.vocabulary_size = int(vocabulary_size)
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=2)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.vocabulary_size, self.units),
            initializer=self.kernel_initializer,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    def call(self, inputs):
        ids = ops.cast(inputs, "int32")
        present = ops.cast(ops.greater_equal(ids, 0), self.compute_dtype)
        rows = ops.take(self.kernel, ops.maximum(ids, 0), axis=0)
        return self.finish(ops.sum(rows * ops.expand_dims(present, -1), axis=1))

    def finish(self, row_sums):
        """The output from each example's sum of kernel rows: bias, then activation.

        `call` is `finish` of the sums of the active rows; a training step
        that gathers the rows itself (`sparserect.sparse_sgd.SparseRowSGD`)
        ends with it too.

        Args:
            row_sums: `(batch, units)`, the sum of the kernel rows of each
                example's present terms.
        """
        if self.bias is not None:
            row_sums = row_sums + self.bias
        return self.activation(row_sums)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "vocabulary_size": self.vocabulary_size,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
