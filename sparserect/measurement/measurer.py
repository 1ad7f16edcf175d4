"""One measurer for one network or a model of members: batches in, per-member sums out.

A single network is measured as one member. Each forward pass is reduced on
the device (`batch_reductions`), so only `(members, units)` counts reach the
host, not `(batch, members, units)` activations (2.4 GB for 1,000 examples of
200 members of the paper's network).
"""

import weakref

import keras
import numpy as np
from keras import ops

from sparserect._checks import check_members
from sparserect.layers.network import count_members
from sparserect.layers.network import has_member_inputs
from sparserect.measurement import hidden
from sparserect.measurement.statistics import UNION_BATCH_SIZES
from sparserect.measurement.statistics import ActivationStatistics
from sparserect.measurement.statistics import batch_reductions


def is_array_data(data):
    """Whether `data` is arrays (NumPy, JAX, TensorFlow; a list or dict of them), not batches."""
    return isinstance(data, (np.ndarray, dict, list)) or hasattr(data, "__array__")


def _pieces(data, labels):
    """Yields `(x, y)` pieces of consecutive examples (`y` may be `None`)."""
    if labels is not None or is_array_data(data):
        yield data, labels
        return
    for batch in [data] if isinstance(data, tuple) else data:
        if isinstance(batch, tuple):
            yield keras.utils.unpack_x_y_sample_weight(batch)[:2]
        else:
            yield batch, None


def concatenate(parts):
    """Returns the rows of `parts` (structures of arrays) one after the other."""
    if len(parts) == 1:
        return parts[0]
    return keras.tree.map_structure(lambda *arrays: np.concatenate(arrays), *parts)


def pad_rows(data, size):
    """Pads every array of `data` to `size` rows by repeating its last row."""
    return keras.tree.map_structure(
        lambda a: np.pad(a, [(0, size - len(a))] + [(0, 0)] * (a.ndim - 1), mode="edge"), data
    )


def consecutive_batches(data, labels=None, *, batch_size, max_examples=None):
    """Yields `(x, y, count)`: the examples in order, in batches of exactly `batch_size` rows.

    Iterable batches of any size are re-cut; the last batch is padded by
    repeating its final row and `count` says how many rows are real. `y` is
    `None` without labels.

    Args:
        data: Inputs (an array, a list or dict of arrays), an `(x, y)` tuple,
            or an iterable of batches (`x` or `(x, y)`), such as a
            `tf.data.Dataset`.
        labels: Labels of array `data`, or `None`.
        batch_size: Rows per batch.
        max_examples: At most this many examples (the first ones).
    """
    buffer, held, seen = [], 0, 0
    for x, y in _pieces(data, labels):
        total = len(keras.tree.flatten(x)[0])
        if max_examples is not None:
            total = min(total, max_examples - seen)
        start = 0
        while start < total:
            take = min(batch_size - held, total - start)
            rows = slice(start, start + take)
            piece = keras.tree.map_structure(lambda array: np.asarray(array[rows]), x)
            buffer.append((piece, None if y is None else np.asarray(y[rows])))
            held, start, seen = held + take, start + take, seen + take
            if held == batch_size:
                yield *_join(buffer, batch_size), batch_size
                buffer, held = [], 0
        if max_examples is not None and seen >= max_examples:
            break
    if held:
        yield *_join(buffer, batch_size), held


def _join(buffer, size):
    x = pad_rows(concatenate([piece for piece, _ in buffer]), size)
    labels = [y for _, y in buffer]
    return x, None if labels[0] is None else pad_rows(concatenate(labels), size)


class Measurement:
    """What one pass of a `Measurer` over data found.

    Attributes:
        layers: The measured layers.
        statistics: One `ActivationStatistics` per layer.
        errors: Fraction misclassified per member, or `None` without labels.
        losses: Mean cross-entropy per member, or `None` without labels.
        examples: Examples measured.
    """

    def __init__(self, layers, statistics, errors, losses, examples):
        self.layers = layers
        self.statistics = statistics
        self.errors = errors
        self.losses = losses
        self.examples = examples

    def pooled(self, member=None):
        """Returns the measures of every layer together, for one member or (`None`) all."""
        pick = slice(None) if member is None else slice(member, member + 1)
        values = sum(s.values * s.zero_counts[pick].shape[0] for s in self.statistics)
        units = sum(s.zero_counts[pick].size for s in self.statistics)
        summaries = [s.summary(member) for s in self.statistics]
        pooled = {
            # Every activation counts once: a convolution's channels weigh by their positions.
            "sparsity": sum(int(s.zero_counts[pick].sum()) for s in self.statistics) / values,
            "dead_fraction": sum(m["dead_units"] for m in summaries) / units,
        }
        for b in UNION_BATCH_SIZES:
            weights = [s.values // max(s.examples, 1) * s.zero_counts[pick].shape[0]
                       for s in self.statistics]
            pooled[f"batch_union_{b}"] = float(
                sum(w * m[f"batch_union_{b}"] for w, m in zip(weights, summaries)) / sum(weights)
            )
        return pooled


# Measurers built so far, per model: a new Keras model per call would
# compile (and on TensorFlow retrace) its forward pass every time.
_MEASURERS = weakref.WeakKeyDictionary()


class Measurer:
    """Measures the hidden layers (and, with labels, the error) of one model on data.

    Example:

    ``` python
    measurer = Measurer.of(model)
    measurement = measurer.measure(x_test, batch_size=1024)
    measurement.statistics[0].summary()["sparsity"]
    ```

    Args:
        model: A functional or built Sequential Keras model. A model of
            members with per-member inputs measures every member on the
            same examples.
        layers: The layers to measure (each outputs `(batch, ..., units)`,
            or `(batch, E, units)` for a layer with `members`).
        members: Networks side by side in the model (1 for one network).
        labels: Whether to measure each member's error and cross-entropy
            from integer labels and the model's (softmax) output.
    """

    def __init__(self, model, layers, *, members=1, labels=False):
        self.layers = layers
        self.members = check_members("members", members)
        self.labels = labels
        inputs = list(model.inputs)
        hidden_outputs = hidden.layer_outputs(model, layers)
        probabilities = model.outputs[0]
        if has_member_inputs(model):
            # Every member is measured on the same examples: each is repeated once per member.
            example = keras.Input(shape=tuple(model.inputs[0].shape[2:]), name="inputs")
            repeated = ops.repeat(ops.expand_dims(example, 1), count_members(model), axis=1)
            *hidden_outputs, probabilities = keras.Model(
                model.inputs, [*hidden_outputs, probabilities]
            )(repeated)
            inputs = [example]
        valid = keras.Input(shape=(), dtype="float32", name="valid")
        outputs, self._shapes = [], []
        for layer, h in zip(layers, hidden_outputs):
            stacked = getattr(layer, "members", None) is not None
            # (units, values per unit and example) of each layer
            self._shapes.append((h.shape[-1], int(np.prod(h.shape[2 if stacked else 1 : -1]))))
            mask = getattr(layer, "sign_mask", None)
            if mask is not None:  # undo the sign trick: measure h, not s * h
                h = h * ops.cast(ops.convert_to_tensor(np.asarray(mask)), h.dtype)
            outputs.append(batch_reductions(h, valid, members=stacked))
        if labels:
            labels_input = keras.Input(shape=(members,), dtype="int32", name="labels")
            inputs.append(labels_input)
            probabilities = ops.reshape(probabilities, (-1, members, probabilities.shape[-1]))
            outputs.append(_error_sums(probabilities, labels_input, valid))
        self._model = keras.Model([*inputs, valid], outputs, name=f"{model.name}_measures")

    @classmethod
    def of(cls, model, layers=None, *, members=None, labels=False):
        """Returns the measurer of `model`'s `layers`, built once per model and reused.

        `members=None` resolves `layers` (by default `hidden_layers(model)`)
        and measures as many members as they hold (1 for one network); an
        int measures a model of members on the `layers` given.
        """
        key = (None if layers is None else tuple(id(layer) for layer in layers), members, labels)
        measurers = _MEASURERS.setdefault(model, {})
        if key not in measurers:
            if members is None:
                layers = hidden.resolve_layers(model, layers)
                members = hidden.layer_members(layers)
            measurers[key] = cls(model, layers, members=members, labels=labels)
        return measurers[key]

    def measure(self, data, labels=None, *, batch_size=1024, max_examples=None):
        """Runs the model over `data` (see `consecutive_batches`) and returns a `Measurement`.

        The forward passes take `batch_size` rounded up to a multiple of 256,
        the largest batch union measured.
        """
        step = max(UNION_BATCH_SIZES)
        batch_size = -(-batch_size // step) * step
        statistics = [ActivationStatistics(units, self.members) for units, _ in self._shapes]
        wrong = np.zeros(self.members)
        nll = np.zeros(self.members)
        examples = 0
        for x, y, count in consecutive_batches(
            data, labels, batch_size=batch_size, max_examples=max_examples
        ):
            inputs = list(x) if isinstance(x, (list, tuple)) else [x]
            if self.labels:
                if y is None:
                    raise ValueError("These measures need labels: give `(x, y)`. Received: y=None")
                inputs.append(np.broadcast_to(
                    y.reshape(len(y), -1), (len(y), self.members)
                ).astype(np.int32))
            valid = (np.arange(batch_size) < count).astype(np.float32)
            outputs = self._model.predict_on_batch([*inputs, valid])
            if isinstance(outputs, dict):  # one layer, no labels: Keras unwraps the list
                outputs = [outputs]
            for stats, sums, (_, positions) in zip(statistics, outputs, self._shapes):
                stats.add(sums, count, positions)
            if self.labels:
                wrong += np.asarray(outputs[-1]["wrong"], dtype=np.float64)
                nll += np.asarray(outputs[-1]["nll"], dtype=np.float64)
            examples += count
        if not examples:
            raise ValueError("No examples to measure: `data` is empty.")
        errors = wrong / examples if self.labels else None
        losses = nll / examples if self.labels else None
        return Measurement(self.layers, statistics, errors, losses, examples)


def _error_sums(probabilities, labels, valid):
    """Returns each member's error count and summed cross-entropy over the valid rows."""
    rows = ops.expand_dims(valid, -1)  # (batch, 1)
    predicted = ops.cast(ops.argmax(probabilities, axis=-1), "int32")
    wrong = ops.sum(ops.cast(ops.not_equal(predicted, labels), "float32") * rows, axis=0)
    chosen = ops.squeeze(
        ops.take_along_axis(probabilities, ops.expand_dims(labels, -1), axis=-1), -1
    )
    nll = ops.sum(-ops.log(ops.clip(ops.cast(chosen, "float32"), 1e-7, 1.0)) * rows, axis=0)
    return {"wrong": wrong, "nll": nll}
