"""A callback that writes the hidden layers' exact sparsity into the epoch logs."""

import keras

from sparserect._checks import check_positive_int
from sparserect._sampling import fixed_sample
from sparserect.measurement import hidden
from sparserect.measurement.measurer import Measurer
from sparserect.measurement.measurer import concatenate
from sparserect.measurement.measurer import consecutive_batches
from sparserect.measurement.measurer import is_array_data
from sparserect.measurement.statistics import UNION_BATCH_SIZES


class SparsityCallback(keras.callbacks.Callback):
    """Measures exact sparsity and dead units at the end of every epoch.

    It adds to the epoch logs, so that `History`, `CSVLogger`, `TensorBoard`,
    the progress bar and keras-tuner objectives see them:

    - `sparsity`: fraction of all hidden activations that are exactly 0.0,
      measured on (a fixed sample of) the training data;
    - `sparsity_<layer>`: the same for each hidden layer;
    - `dead_fraction`: fraction of hidden units that are 0 for every example;
    - `batch_union_<b>` for b in 1, 8, 32, 256: fraction of the hidden
      activations non-zero for at least one of `b` consecutive examples
      (when at least `b` examples are measured);
    - `val_sparsity`, `val_sparsity_<layer>`, `val_dead_fraction`,
      `val_batch_union_<b>`: the same on `validation_data`, when given.

    The measurement is one forward pass in inference mode over a fixed,
    seeded random sample of `max_examples` training examples and the first
    `validation_max_examples` of `validation_data`; with the defaults it costs a few percent of an
    MNIST epoch (see `benchmarks/bench_layers.py`). Dead units are dead *for
    the measured examples*. Place it before `CSVLogger` or `TensorBoard` in
    the `callbacks` list, so that they see its values.

    It measures functional and Sequential models (a Sequential model without
    `keras.Input` from its first epoch on, once `fit` has built it). A
    subclassed model has no layer outputs to measure: `fit` then stops at
    once with a `ValueError` that says how to build a measurable one. A model
    of members (`build_network(..., members=E)`) is measured with its members
    pooled, as `sparsity_report` does; `MemberMetrics` logs each member.

    Example:

    ``` python
    callback = SparsityCallback((x_train, y_train), validation_data=(x_val, y_val))
    history = model.fit(x_train, y_train, epochs=5, callbacks=[callback])
    history.history["val_sparsity"]
    ```

    Args:
        data: Training inputs to measure: arrays (NumPy, JAX or
            TensorFlow), an `(x, y)` tuple, or an iterable of batches such as
            a `tf.data.Dataset` (labels are ignored). A generator is read
            once, up to `max_examples`, and its examples measured every epoch.
        validation_data: Optional inputs measured for the `val_` keys, in
            the same forms.
        layers: Layers or layer names to measure; defaults to
            `sparserect.measurement.hidden_layers(model)`.
        max_examples: Int > 0, size of the fixed random sample of `data`
            that is measured. Defaults to `2000`.
        validation_max_examples: Int > 0 or `None` (all), examples of
            `validation_data` measured (the first ones). Defaults to `2000`.
        batch_size: Examples per forward pass. Defaults to `1000`.
        seed: Seed of the training sample. Defaults to `0`.
    """

    def __init__(
        self,
        data,
        validation_data=None,
        *,
        layers=None,
        max_examples=2000,
        validation_max_examples=2000,
        batch_size=1000,
        seed=0,
    ):
        super().__init__()
        check_positive_int("max_examples", max_examples)
        check_positive_int(
            "validation_max_examples", validation_max_examples, allow_none=True
        )
        check_positive_int("batch_size", batch_size)
        self.data = sample_inputs(data, max_examples, seed)
        self.validation_data = (
            None if validation_data is None
            else replayable(validation_data, validation_max_examples)
        )
        self.layers = layers
        self.max_examples = max_examples
        self.validation_max_examples = validation_max_examples
        self.batch_size = batch_size
        self.seed = seed

    def on_train_begin(self, logs=None):
        # A Sequential model without `keras.Input` is built by the first batch
        # of `fit`, before the first measurement; any other model must already
        # have layer outputs to measure, so a subclassed one fails here, before
        # an epoch is spent.
        if not (isinstance(self.model, keras.Sequential) and not self.model.built):
            hidden.resolve_layers(self.model, self.layers)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        logs.update(self._measure(self.data, self.max_examples, prefix=""))
        if self.validation_data is not None:
            logs.update(self._measure(self.validation_data, self.validation_max_examples, "val_"))

    def _measure(self, data, max_examples, prefix):
        # Built once per model (repeated `fit` calls reuse the compiled measurer).
        measurement = Measurer.of(self.model, self.layers).measure(
            data, batch_size=self.batch_size, max_examples=max_examples
        )
        pooled = measurement.pooled()
        values = {
            f"{prefix}sparsity": pooled["sparsity"],
            f"{prefix}dead_fraction": pooled["dead_fraction"],
        }
        for layer, stats in zip(measurement.layers, measurement.statistics):
            values[f"{prefix}sparsity_{layer.name}"] = stats.summary()["sparsity"]
        for b in UNION_BATCH_SIZES:
            if measurement.examples >= b:  # a union needs one complete group of b
                values[f"{prefix}batch_union_{b}"] = pooled[f"batch_union_{b}"]
        return values


def sample_inputs(data, max_examples, seed):
    """Returns a fixed random sample of the inputs of array data, or replayable iterable data."""
    if isinstance(data, tuple):
        data = keras.utils.unpack_x_y_sample_weight(data)[0]
    if not is_array_data(data):
        return replayable(data, max_examples)
    return fixed_sample(data, max_examples, seed)


def replayable(data, max_examples):
    """Returns data that every epoch can read again.

    A one-shot iterator (a generator) is read once, up to `max_examples`, into
    arrays; arrays and re-iterable data (a `tf.data.Dataset`, a `PyDataset`)
    are returned as they are.
    """
    if is_array_data(data) or isinstance(data, tuple) or iter(data) is not data:
        return data
    return read_examples(data, max_examples)


def read_examples(data, max_examples):
    """Returns the first `max_examples` (or all) inputs of iterable batches, as arrays."""
    batches = [
        keras.tree.map_structure(lambda array, count=count: array[:count], x)
        for x, _, count in consecutive_batches(
            data, batch_size=max_examples or 1024, max_examples=max_examples
        )
    ]
    if not batches:
        raise ValueError("No examples to measure: `data` is empty.")
    return concatenate(batches)
