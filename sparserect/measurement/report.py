"""Exact sparsity and dead units of a network's hidden layers, one row per layer."""

import pandas as pd

from sparserect._checks import check_positive_int
from sparserect.measurement.measurer import Measurer
from sparserect.measurement.statistics import UNION_BATCH_SIZES

REPORT_COLUMNS = (
    "layer",
    "units",
    "sparsity",
    "dead_units",
    "dead_fraction",
    "rarely_active_fraction",
    "always_active_fraction",
    "mean_activation",
    "max_activation",
    *(f"batch_union_{b}" for b in UNION_BATCH_SIZES),
)


def sparsity_report(model, data, layers=None, batch_size=1024, max_examples=None):
    """Measures the hidden layers of `model` on `data`, one row per layer.

    A model of members (`build_network(..., members=E)`) is measured as one
    model: each layer's row pools its E members (`units` and `dead_units`
    are the sums of the members' own reports, the fractions their means);
    `member_report` gives one row per member.

    Example:

    ``` python
    report = sparsity_report(model, x_test)
    report.attrs["average_sparsity"]  # fraction of all hidden activations == 0
    report["batch_union_32"]  # units active for some example of 32 in a row
    ```

    Args:
        model: A functional or built Sequential Keras model.
        data: Model inputs (an array, a list or dict of arrays), an
            `(x, y)` tuple, or an iterable of batches such as a
            `tf.data.Dataset` (labels are ignored).
        layers: Layers or layer names to measure; defaults to
            `hidden_layers(model)`. The sign trick of a `HiddenBlock` is undone.
        batch_size: Examples per forward pass (rounded up to a multiple of 256).
        max_examples: Measure on at most this many examples (the first ones).

    Returns:
        A `pandas.DataFrame` with the columns `layer`, `units` (the units
        measured), `sparsity` (fraction of activations exactly 0.0),
        `dead_units` and `dead_fraction` (units that are 0 for every
        example), `rarely_active_fraction` (units non-zero for fewer than
        0.1% of the examples), `always_active_fraction` (units that are
        non-zero for every example), `mean_activation`, `max_activation` and
        `batch_union_<b>` for b in 1, 8, 32, 256 (the fraction of
        activations non-zero for at least one example of `b` consecutive
        examples, over the complete groups of `b`; NaN with fewer than `b`
        examples). `report.attrs` holds `average_sparsity`, `dead_fraction`
        and `batch_union` (a dict by `b`) over all hidden units, and
        `examples`.
    """
    check_positive_int("batch_size", batch_size)
    check_positive_int("max_examples", max_examples, allow_none=True)
    measurer = Measurer.of(model, layers)
    return measurement_report(
        measurer.measure(data, batch_size=batch_size, max_examples=max_examples)
    )


def measurement_report(measurement):
    """Returns the `sparsity_report` DataFrame of a `Measurement` (members pooled per layer)."""
    rows = [
        {"layer": layer.name, **stats.summary()}
        for layer, stats in zip(measurement.layers, measurement.statistics)
    ]
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    pooled = measurement.pooled()
    report.attrs["average_sparsity"] = pooled["sparsity"]
    report.attrs["dead_fraction"] = pooled["dead_fraction"]
    report.attrs["batch_union"] = {b: pooled[f"batch_union_{b}"] for b in UNION_BATCH_SIZES}
    report.attrs["examples"] = measurement.examples
    return report
