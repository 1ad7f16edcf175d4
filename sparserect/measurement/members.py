"""Error and exact sparsity of every member of a model of members, as a DataFrame and in logs."""

import keras
import numpy as np
import pandas as pd

from sparserect._checks import check_positive_int
from sparserect._sampling import fixed_sample
from sparserect.layers.network import count_members
from sparserect.layers.network import member_layers
from sparserect.measurement.measurer import Measurer
from sparserect.measurement.statistics import UNION_BATCH_SIZES

MEMBER_COLUMNS = (
    "member",
    "seed",
    "activation_l1",
    "sharpness",
    "error",
    "loss",
    "sparsity",
    "dead_fraction",
    *(f"batch_union_{b}" for b in UNION_BATCH_SIZES),
)


def member_measurer(model):
    """Returns the `Measurer` of a model from `build_network(..., members=E)`, with labels."""
    blocks, _ = member_layers(model)
    return Measurer.of(model, blocks, members=count_members(model), labels=True)


def measure_members(measurer, x, y=None, *, batch_size=1000, max_examples=None):
    """Runs a `member_measurer` over `(x, y)`; returns the `member_report` DataFrame."""
    measurement = measurer.measure(x, y, batch_size=batch_size, max_examples=max_examples)
    blocks = measurement.layers
    size = measurer.members
    pooled = [measurement.pooled(k) for k in range(size)]
    rows = {
        "member": np.arange(size),
        "seed": list(blocks[0].seed),
        "activation_l1": blocks[0].activation_l1,
        "sharpness": np.broadcast_to(
            getattr(blocks[0].activation, "sharpness", np.nan), (size,)
        ).astype(float),
        "error": measurement.errors,
        "loss": measurement.losses,
        **{key: [p[key] for p in pooled] for key in MEMBER_COLUMNS[6:]},
    }
    summaries = [
        [stats.summary(k) for k in range(size)] for stats in measurement.statistics
    ]
    for measure in ("sparsity", "dead_units"):
        for block, members in zip(blocks, summaries):
            rows[f"{measure}_{block.name}"] = [m[measure] for m in members]
    report = pd.DataFrame(rows).set_index("member", drop=False)
    report.index.name = None
    report.attrs["examples"] = measurement.examples
    return report


def member_report(model, x, y=None, batch_size=1000, max_examples=None):
    """Measures every member of a model of members on labelled data, one row per member.

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
        batch_size: Examples per forward pass (rounded up to a multiple of 256).
        max_examples: Measure on at most this many examples (the first ones).

    Returns:
        A `pandas.DataFrame` indexed by member with the columns `member`,
        `seed` (the member's `build_network` seed), `activation_l1`,
        `sharpness` (NaN unless softplus), `error` (fraction misclassified),
        `loss` (mean cross-entropy), `sparsity` (fraction of the member's
        hidden activations that are exactly 0.0, over all hidden layers),
        `dead_fraction` (hidden units that are 0 for every example),
        `batch_union_<b>` (as in `sparsity_report`), and `sparsity_<layer>`
        and `dead_units_<layer>` (a count) per hidden layer.
        `report.attrs["examples"]` is the number of examples measured. The
        sign trick does not change which activations are zero.
    """
    return measure_members(
        member_measurer(model), x, y, batch_size=batch_size, max_examples=max_examples
    )


class MemberMetrics(keras.callbacks.Callback):
    """Writes every member's error and exact sparsity into the epoch logs.

    At every epoch's end it measures the members on (a fixed sample of) the
    training data and on `validation_data`, and adds to the logs:

    - `member_error_mean`, `member_error_min`, `member_error_max`,
      `member_sparsity_mean`, `member_sparsity_min`, `member_sparsity_max`,
      `member_dead_fraction_mean` and `member_batch_union_<b>_mean` for b in
      1, 8, 32, 256 up to the examples measured (with `val_` for the
      validation data);
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
        self.data = None if data is None else fixed_sample(data, max_examples, seed)
        self.validation_data = validation_data
        self.max_examples = max_examples
        self.validation_max_examples = validation_max_examples
        self.batch_size = batch_size
        self.per_member_logs = bool(per_member_logs)
        self.seed = seed
        self._frames = []

    @property
    def history(self):
        """All measurements so far, one row per epoch, split and member."""
        if not self._frames:
            return pd.DataFrame(columns=["epoch", "split", *MEMBER_COLUMNS])
        return pd.concat(self._frames, ignore_index=True)

    def on_train_begin(self, logs=None):
        self._measurer = member_measurer(self.model)

    def on_epoch_end(self, epoch, logs=None):
        for split, data, limit, prefix in (
            ("train", self.data, None, ""),
            ("validation", self.validation_data, self.validation_max_examples, "val_"),
        ):
            if data is None:
                continue
            report = measure_members(
                self._measurer, data[0], data[1], batch_size=self.batch_size, max_examples=limit
            )
            self._frames.append(report.assign(epoch=epoch, split=split))
            if logs is not None:
                logs.update(self._log_values(report, prefix))

    def _log_values(self, report, prefix):
        values = {}
        for measure in ("error", "sparsity"):
            for stat in ("mean", "min", "max"):
                values[f"{prefix}member_{measure}_{stat}"] = float(report[measure].agg(stat))
        values[f"{prefix}member_dead_fraction_mean"] = float(report["dead_fraction"].mean())
        for b in UNION_BATCH_SIZES:
            if report.attrs["examples"] >= b:  # a union needs one complete group of b
                values[f"{prefix}member_batch_union_{b}_mean"] = float(
                    report[f"batch_union_{b}"].mean()
                )
        if self.per_member_logs:
            digits = max(3, len(str(len(report) - 1)))
            for k, row in enumerate(report.itertuples()):
                values[f"{prefix}error_m{k:0{digits}d}"] = float(row.error)
                values[f"{prefix}sparsity_m{k:0{digits}d}"] = float(row.sparsity)
        return values
