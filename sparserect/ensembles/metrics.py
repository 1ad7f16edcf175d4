"""Error and exact sparsity of every member of an ensemble, as a DataFrame and in logs."""

import keras
import numpy as np
import pandas as pd
from keras import ops

from sparserect.layers.network import count_members
from sparserect.layers.network import member_layers
from sparserect._checks import check_positive_int
from sparserect._sampling import fixed_subset

MEMBER_COLUMNS = (
    "member",
    "seed",
    "activation_l1",
    "sharpness",
    "error",
    "loss",
    "sparsity",
    "dead_fraction",
)


def _extractor(model):
    """Returns `(measurer, blocks, head)`: a model of per-batch reductions.

    The measurer maps `[inputs, labels (batch, E), valid (batch,)]` to each
    member's error count, summed cross-entropy and, per hidden layer, the
    count of exact zeros of each unit, `(E, units)`, all summed over the
    valid rows of the batch on the device: only these small sums reach the
    host, not `(batch, E, units)` activations (2.4 GB for 1,000 examples of
    200 members of the paper's network).
    """
    blocks, head = member_layers(model)
    size = count_members(model)
    inner = keras.Model(model.inputs, [block.output for block in blocks] + [model.outputs[0]])
    inputs = [
        keras.Input(shape=tensor.shape[1:], dtype=tensor.dtype, name=f"measured_{i}")
        for i, tensor in enumerate(model.inputs)
    ]
    labels = keras.Input(shape=(size,), dtype="int32", name="labels")
    valid = keras.Input(shape=(), dtype="float32", name="valid")
    outputs = inner(inputs if len(inputs) > 1 else inputs[0])
    hidden, probabilities = outputs[:-1], outputs[-1]
    row_weight = ops.expand_dims(valid, -1)  # (batch, 1)
    predicted = ops.cast(ops.argmax(probabilities, axis=-1), "int32")
    wrong = ops.sum(ops.cast(ops.not_equal(predicted, labels), "float32") * row_weight, axis=0)
    chosen = ops.squeeze(
        ops.take_along_axis(probabilities, ops.expand_dims(labels, -1), axis=-1), -1
    )
    nll = ops.sum(-ops.log(ops.clip(chosen, 1e-7, 1.0)) * row_weight, axis=0)
    zeros = [
        ops.sum(
            ops.cast(ops.equal(h, 0), "float32") * ops.expand_dims(row_weight, -1), axis=0
        )
        for h in hidden
    ]
    measurer = keras.Model(
        [*inputs, labels, valid], [wrong, nll, *zeros], name=f"{model.name}_member_measures"
    )
    return measurer, blocks, head


def _batches(x, y, batch_size, max_examples):
    """Yields `(x_batch, y_batch, count)`; array batches are padded to `batch_size`."""
    if y is None and isinstance(x, tuple):
        x, y = x[0], x[1]
    if isinstance(x, np.ndarray) or hasattr(x, "__array__"):
        total = len(x) if max_examples is None else min(len(x), max_examples)
        for start in range(0, total, batch_size):
            count = min(batch_size, total - start)
            rows = np.asarray(x[start : start + count])
            padding = [(0, batch_size - count)] + [(0, 0)] * (rows.ndim - 1)
            yield np.pad(rows, padding, mode="edge"), np.asarray(y[start : start + count]), count
        return
    seen = 0
    for batch in x:
        xb, yb = batch[0], batch[1]
        xb, yb = np.asarray(xb), np.asarray(yb)
        if max_examples is not None:
            remaining = max_examples - seen
            if remaining <= 0:
                return
            xb, yb = xb[:remaining], yb[:remaining]
        seen += len(xb)
        yield xb, yb, len(xb)


def measure_members(extractor, blocks, head, x, y=None, *, batch_size=1000,
                    max_examples=None):
    """Runs the ensemble over `(x, y)`; returns the `member_report` DataFrame."""
    size = len(head.kernel_initializer.seeds)
    wrong = np.zeros(size, dtype=np.float64)
    nll = np.zeros(size, dtype=np.float64)
    zero_counts = [np.zeros((size, block.units), dtype=np.float64) for block in blocks]
    examples = 0
    for xb, yb, count in _batches(x, y, batch_size, max_examples):
        rows = len(xb)
        labels = np.zeros((rows, size), dtype=np.int32)
        labels[:count] = np.broadcast_to(yb.reshape(count, -1), (count, size))
        valid = (np.arange(rows) < count).astype(np.float32)
        outputs = extractor.predict_on_batch([xb, labels, valid])
        wrong += np.asarray(outputs[0], dtype=np.float64)
        nll += np.asarray(outputs[1], dtype=np.float64)
        for counts, zeros in zip(zero_counts, outputs[2:]):
            counts += np.asarray(zeros, dtype=np.float64)
        examples += count
    if not examples:
        raise ValueError("No examples to measure: `x` is empty.")
    units = sum(block.units for block in blocks)
    rows = {
        "member": np.arange(size),
        "seed": list(blocks[0].seed),
        "activation_l1": blocks[0].activation_l1,
        "sharpness": np.broadcast_to(
            getattr(blocks[0].activation, "sharpness", np.nan), (size,)
        ).astype(float),
        "error": wrong / examples,
        "loss": nll / examples,
        "sparsity": sum(c.sum(axis=1) for c in zero_counts) / (examples * units),
        "dead_fraction": sum((c == examples).sum(axis=1) for c in zero_counts) / units,
    }
    for block, counts in zip(blocks, zero_counts):
        rows[f"sparsity_{block.name}"] = counts.sum(axis=1) / (examples * block.units)
    for block, counts in zip(blocks, zero_counts):
        rows[f"dead_units_{block.name}"] = (counts == examples).sum(axis=1)
    report = pd.DataFrame(rows).set_index("member", drop=False)
    report.index.name = None
    report.attrs["examples"] = examples
    return report


def member_report(model, x, y=None, batch_size=1000, max_examples=None):
    """Measures every member of an ensemble on labelled data, one row per member.

    Example:

    ``` python
    report = member_report(model, x_test, y_test)
    report.plot.scatter("sparsity", "error")      # the paper's Figure 3
    ```

    Args:
        model: A model from `build_network(..., members=E)`.
        x: Inputs (an array), or an `(x, y)` tuple, or an iterable of
            `(x, y)` batches.
        y: Integer labels `(n,)` shared by the members (or `(n, E)`).
        batch_size: Examples per forward pass, for array inputs.
        max_examples: Measure on at most this many examples (the first ones).

    Returns:
        A `pandas.DataFrame` indexed by member with the columns `member`,
        `seed` (the member's `build_network` seed), `activation_l1`,
        `sharpness` (NaN unless softplus), `error` (fraction misclassified),
        `loss` (mean cross-entropy), `sparsity` (fraction of the member's
        hidden activations that are exactly 0.0, over all hidden layers),
        `dead_fraction` (hidden units that are 0 for every example), and
        `sparsity_<layer>` and `dead_units_<layer>` (a count) per hidden
        layer. `report.attrs["examples"]` is
        the number of examples measured. The sign trick does not change
        which activations are zero.
    """
    extractor, blocks, head = _extractor(model)
    return measure_members(
        extractor, blocks, head, x, y, batch_size=batch_size, max_examples=max_examples
    )


class MemberMetrics(keras.callbacks.Callback):
    """Writes every member's error and exact sparsity into the epoch logs.

    At every epoch's end it measures the members on (a fixed sample of) the
    training data and on `validation_data`, and adds to the logs:

    - `member_error_mean`, `member_error_min`, `member_error_max`,
      `member_sparsity_mean`, `member_sparsity_min`, `member_sparsity_max`
      and `member_dead_fraction_mean` (with `val_` for the validation data);
    - if `per_member_logs`, one key per member and measure: `error_m000`,
      `sparsity_m000`, ... (`val_error_m000`, ...).

    The full table of every epoch (`member_report`'s columns plus `epoch`
    and `split`, one row per member, split and epoch) is `callback.history`,
    a `pandas.DataFrame`. With hundreds of members the per-member keys make
    the progress bar unreadable: pass `per_member_logs=False` (the summaries
    stay in the logs, the members in `history`) or train with `verbose=0`.

    Example:

    ``` python
    metrics = MemberMetrics((x_train, y_train), validation_data=(x_val, y_val))
    model.fit(x_train, y_train, epochs=5, callbacks=[metrics])
    metrics.history.query("split == 'validation'")
    ```

    Args:
        data: `(x, y)` training arrays to measure (a fixed, seeded sample of
            `max_examples` rows), or `None`.
        validation_data: Optional `(x, y)` measured for the `val_` keys.
        max_examples: Int > 0, training examples measured. Defaults to 2000.
        validation_max_examples: Int > 0 or `None` (all). Defaults to 5000.
        batch_size: Examples per forward pass. Defaults to 1000.
        per_member_logs: Whether to add one log key per member. Defaults to
            `True`.
        seed: Seed of the training sample. Defaults to 0.
    """

    def __init__(
        self,
        data=None,
        validation_data=None,
        *,
        max_examples=2000,
        validation_max_examples=5000,
        batch_size=1000,
        per_member_logs=True,
        seed=0,
    ):
        super().__init__()
        check_positive_int("max_examples", max_examples)
        check_positive_int(
            "validation_max_examples", validation_max_examples, allow_none=True
        )
        check_positive_int("batch_size", batch_size)
        if data is None and validation_data is None:
            raise ValueError(
                "MemberMetrics needs `data` or `validation_data`. "
                "Received: data=None, validation_data=None"
            )
        for name, value in (("data", data), ("validation_data", validation_data)):
            if value is not None and (not isinstance(value, tuple) or len(value) != 2):
                raise ValueError(
                    f"`{name}` must be an `(x, y)` tuple of arrays. "
                    f"Received: {name} of type {type(value).__name__}"
                )
        self.data = None if data is None else _sample(data, max_examples, seed)
        self.validation_data = validation_data
        self.validation_max_examples = validation_max_examples
        self.batch_size = batch_size
        self.per_member_logs = bool(per_member_logs)
        self._frames = []

    @property
    def history(self):
        """All measurements so far, one row per epoch, split and member."""
        if not self._frames:
            return pd.DataFrame(columns=["epoch", "split", *MEMBER_COLUMNS])
        return pd.concat(self._frames, ignore_index=True)

    def on_train_begin(self, logs=None):
        self._extractor, self._blocks, self._head = _extractor(self.model)

    def on_epoch_end(self, epoch, logs=None):
        for split, data, limit, prefix in (
            ("train", self.data, None, ""),
            ("validation", self.validation_data, self.validation_max_examples, "val_"),
        ):
            if data is None:
                continue
            report = measure_members(
                self._extractor, self._blocks, self._head, data[0], data[1],
                batch_size=self.batch_size, max_examples=limit,
            )
            self._frames.append(report.assign(epoch=epoch, split=split))
            if logs is not None:
                logs.update(self._log_values(report, prefix))

    def _log_values(self, report, prefix):
        values = {}
        for measure in ("error", "sparsity"):
            column = report[measure]
            values[f"{prefix}member_{measure}_mean"] = float(column.mean())
            values[f"{prefix}member_{measure}_min"] = float(column.min())
            values[f"{prefix}member_{measure}_max"] = float(column.max())
        values[f"{prefix}member_dead_fraction_mean"] = float(report["dead_fraction"].mean())
        if self.per_member_logs:
            digits = max(3, len(str(len(report) - 1)))
            for k, row in enumerate(report.itertuples()):
                values[f"{prefix}error_m{k:0{digits}d}"] = float(row.error)
                values[f"{prefix}sparsity_m{k:0{digits}d}"] = float(row.sparsity)
        return values


def _sample(data, max_examples, seed):
    x, y = data
    if len(x) <= max_examples:
        return x, y
    rows = fixed_subset(len(x), max_examples, seed)
    return np.asarray(x)[rows], np.asarray(y)[rows]
