"""Histograms of hidden pre-activations and activations, with sparsity scalars, for TensorBoard."""

import contextlib
import os

import keras
import numpy as np

from sparserect._checks import check_positive_int
from sparserect.measurement import hidden
from sparserect.measurement.measurer import is_array_data
from sparserect.measurement.measurer import pad_rows
from sparserect.measurement.sparsity_callback import read_examples
from sparserect.measurement.sparsity_callback import sample_inputs
from sparserect.measurement.statistics import UNION_BATCH_SIZES
from sparserect.measurement.statistics import ActivationStatistics
from sparserect.measurement.statistics import batch_reductions

SCALARS = (
    "zero_fraction",
    "dead_fraction",
    "rarely_active_fraction",
    "mean_activation",
    *(f"batch_union_{b}" for b in UNION_BATCH_SIZES),
)


def measured_layers(model, layers=None):
    """Returns the layers whose activations `ActivationHistograms` records.

    For a functional or Sequential model, `hidden_layers(model)`; for a
    subclassed model, every layer it holds (at any depth) with a hidden
    activation, except those inside another such layer (a `HiddenBlock`'s
    own activation). Layer names in `layers` are looked up with
    `model.get_layer`.
    """
    if layers is not None:
        return hidden.named_layers(model, layers)
    try:
        return hidden.hidden_layers(model)
    except ValueError:
        pass
    found, inside = [], set()
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if id(layer) in inside or not hidden.is_hidden_activation(layer):
            continue
        found.append(layer)
        inside.update(id(sub) for sub in layer._flatten_layers(include_self=False))
    return found


@contextlib.contextmanager
def recording(layers):
    """Records `(pre_activation, activation)` of each of `layers` while the block runs.

    A layer with an `activation` (a function, or a layer as in a
    `HiddenBlock`) has it wrapped; an activation layer (`ReLU`, ...) has its
    `call` wrapped. Yields a dict of lists of pairs, by layer name. Only
    eager calls are recorded, one pair per call.
    """
    records = {layer.name: [] for layer in layers}
    restore = []
    for layer in layers:
        name = "activation" if callable(getattr(layer, "activation", None)) else "call"
        original = getattr(layer, name)

        def wrapped(inputs, *args, _original=original, _records=records[layer.name], **kwargs):
            outputs = _original(inputs, *args, **kwargs)
            _records.append((inputs, outputs))
            return outputs

        # `object.__setattr__`: Keras would track the wrapper as the layer's own.
        in_instance = name in vars(layer)
        object.__setattr__(layer, name, wrapped)
        restore.append((layer, name, original if in_instance else None))
    try:
        yield records
    finally:
        for layer, name, original in restore:
            if original is None:
                object.__delattr__(layer, name)
            else:
                object.__setattr__(layer, name, original)


class ActivationHistograms(keras.callbacks.Callback):
    """Writes histograms and sparsity of every hidden layer to TensorBoard.

    Every `histogram_freq` epochs (from the first), it runs the model once in
    inference mode on a fixed sample of `data` and writes, for each hidden
    layer `<layer>`:

    - histograms `<layer>/preactivation` and `<layer>/activation` (the
      values before and after the non-linearity; a `HiddenBlock`'s `h`
      before the sign trick);
    - scalars `<layer>/zero_fraction` (activations exactly 0.0),
      `<layer>/dead_fraction` (units 0 for every measured example),
      `<layer>/rarely_active_fraction` (units non-zero for fewer than 0.1%
      of them), `<layer>/mean_activation`, and `<layer>/batch_union_<b>`
      for b in 1, 8, 32, 256 (activations non-zero for at least one of `b`
      consecutive examples of the sample).

    The summaries go to `log_dir/train`, with the epoch as step, as
    `keras.callbacks.TensorBoard(log_dir)` writes its own: one TensorBoard
    shows both. They are written with `tf.summary` (TensorFlow must be
    installed; any Keras backend trains the model).

    Any Keras model works: functional and Sequential models are measured on
    `hidden_layers(model)`; a subclassed model on every layer it holds with
    a hidden activation (`measured_layers`). The layers are found by their
    `activation` (or as activation layers): an activation applied as a bare
    function inside a subclassed model's `call` (`keras.ops.relu(x)`) has
    no layer and is not seen. A model of members (`build_network(...,
    members=E)`) has each layer's members pooled. A layer called more than
    once per forward pass is measured on all its calls together.

    Example:

    ``` python
    model.fit(x_train, y_train, epochs=5, callbacks=[
        keras.callbacks.TensorBoard("logs"),
        ActivationHistograms("logs", x_train),
    ])
    # tensorboard --logdir logs
    ```

    Args:
        log_dir: Folder of the TensorBoard logs (the summaries go to its
            `train` folder).
        data: Inputs to measure: arrays, an `(x, y)` tuple or an iterable
            of batches (labels are ignored); a fixed random sample of
            `max_examples` of them is measured every time.
        histogram_freq: Int > 0, measure every this many epochs. Defaults
            to 1.
        max_examples: Int > 0, size of the sample. Defaults to 1024 (four
            batch unions of 256).
        layers: Layers or layer names to measure; defaults to all hidden
            layers (see above).
        seed: Seed of the sample. Defaults to 0.
    """

    def __init__(self, log_dir, data, *, histogram_freq=1, max_examples=1024, layers=None,
                 seed=0):
        super().__init__()
        check_positive_int("histogram_freq", histogram_freq)
        check_positive_int("max_examples", max_examples)
        self.log_dir = os.fspath(log_dir)
        data = sample_inputs(data, max_examples, seed)
        self.data = data if is_array_data(data) else read_examples(data, max_examples)
        self.histogram_freq = histogram_freq
        self.max_examples = max_examples
        self.layers = layers
        self.seed = seed
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.histogram_freq == 0:
            self.write(epoch)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def measure(self):
        """Returns `{layer name: (pre_activations, activations, ActivationStatistics)}` of the sample."""
        x = keras.tree.map_structure(np.asarray, self.data)
        count = len(keras.tree.flatten(x)[0])
        step = max(UNION_BATCH_SIZES)
        size = -(-count // step) * step
        padded = pad_rows(x, size)
        valid = (np.arange(size) < count).astype("float32")
        layers = measured_layers(self.model, self.layers)
        with recording(layers) as records:
            self.model(padded, training=False)
        measured = {}
        for layer in layers:
            if not records[layer.name]:
                continue
            members = getattr(layer, "members", None)
            statistics = ActivationStatistics(
                int(records[layer.name][0][1].shape[-1]), members or 1
            )
            pre, post = [], []
            for inputs, outputs in records[layer.name]:
                outputs = keras.ops.convert_to_numpy(outputs)
                pre.append(keras.ops.convert_to_numpy(inputs)[:count])
                post.append(outputs[:count])
                positions = outputs[0].size // outputs.shape[-1] // (members or 1)
                statistics.add(
                    batch_reductions(outputs, valid, members=members is not None),
                    count,
                    positions,
                )
            measured[layer.name] = (np.concatenate(pre), np.concatenate(post), statistics)
        return measured

    def write(self, step):
        """Measures the sample and writes the summaries at `step`."""
        import tensorflow as tf
        from tensorboard.plugins.histogram import metadata

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))
        with self._writer.as_default():
            for name, (pre, post, statistics) in self.measure().items():
                for tag, values in (("preactivation", pre), ("activation", post)):
                    # `tf.summary.histogram` buckets with a one-hot matrix of
                    # every value: ten times slower than NumPy, same summary.
                    tf.summary.write(
                        f"{name}/{tag}", histogram_buckets(values), step=step,
                        metadata=metadata.create_summary_metadata(f"{name}/{tag}", None),
                    )
                summary = statistics.summary()
                summary["zero_fraction"] = summary["sparsity"]
                for scalar in SCALARS:
                    tf.summary.scalar(f"{name}/{scalar}", summary[scalar], step=step)
        self._writer.flush()


def histogram_buckets(values, buckets=30):
    """Returns TensorBoard's histogram tensor: `(buckets, 3)` rows of `[left, right, count]`.

    Equal buckets from the smallest to the largest value, as `tf.summary.histogram`.
    """
    counts, edges = np.histogram(np.ravel(values), bins=buckets)
    return np.stack([edges[:-1], edges[1:], counts], axis=1)
