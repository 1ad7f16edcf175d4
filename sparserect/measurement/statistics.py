"""Per-unit counts of a layer's activations: exact zeros, dead units, batch-union sparsity.

A unit's activation is *exactly* zero or it is not: the rectifier gives hard
zeros, tanh and softplus almost never do. A unit that is zero for every
measured example is *dead* (it gets no gradient). The *batch union* of size
`b` is the fraction of activations that are non-zero for at least one example
of a batch of `b` consecutive examples: the part of a layer that a mini-batch
of `b` actually uses (with `b = 1`, one minus the sparsity).
"""

import keras
import numpy as np
from keras import ops

UNION_BATCH_SIZES = (1, 8, 32, 256)
RARELY_ACTIVE = 0.001


def batch_reductions(activations, valid, *, members=False):
    """Returns the sums of one batch of a layer's activations, per member (`keras.ops`).

    With `h` the activations reshaped to `(batch, E, positions, units)` (one
    member, `E = 1`, without members; a convolution's positions) and `v` the
    0/1 weight of each row:

    ``` python
    zeros = sum(v * (h == 0), axis=(batch, positions))        # (E, units)
    total = sum(v * h, axis=(batch, positions, units))        # (E,)
    maximum = max(h[v == 1], axis=(batch, positions, units))  # (E,)
    union_b = sum(all_valid(g) * any(h[g] != 0, axis=batch)) # (E,), g: b rows
    ```

    Example:

    ``` python
    sums = batch_reductions(np.eye(8, dtype="float32"), np.ones(8))
    sums["union_8"]  # [8.]: every unit is active once in the 8 rows
    ```

    Args:
        activations: `(batch, ..., units)`, or `(batch, E, ..., units)` with
            `members`; the batch a multiple of every union size it measures
            (`UNION_BATCH_SIZES` that divide it).
        valid: `(batch,)`, 1 for a measured row and 0 for padding.
        members: Whether the second axis holds the members.

    Returns:
        A dict of tensors: `zeros`, `total`, `maximum` and `union_<b>` for
        each `b` of `UNION_BATCH_SIZES` that divides a static batch size
        (every one when the batch size is not known yet).
    """
    h = ops.convert_to_tensor(activations)
    shape = h.shape
    size = shape[1] if members else 1
    h = ops.reshape(h, (-1, size, int(np.prod(shape[2 if members else 1 : -1])), shape[-1]))
    weight = ops.cast(ops.convert_to_tensor(valid), h.dtype)
    rows = ops.reshape(weight, (-1, 1, 1, 1))
    sums = {
        "zeros": ops.sum(ops.cast(ops.equal(h, 0), "float32") * rows, axis=(0, 2)),
        "total": ops.sum(ops.cast(h * rows, "float32"), axis=(0, 2, 3)),
        "maximum": ops.cast(
            ops.max(ops.where(rows > 0, h, ops.cast(-np.inf, h.dtype)), axis=(0, 2, 3)),
            "float32",
        ),
    }
    active = ops.reshape(ops.not_equal(h, 0), (-1, size, h.shape[2] * h.shape[3]))
    for b in UNION_BATCH_SIZES:
        if shape[0] is not None and shape[0] % b:
            continue
        used = ops.any(ops.reshape(active, (-1, b, size, active.shape[-1])), axis=1)
        complete = ops.min(ops.reshape(weight, (-1, b)), axis=1)
        counts = ops.sum(ops.cast(used, "float32"), axis=2)  # (groups, E)
        sums[f"union_{b}"] = ops.sum(counts * ops.expand_dims(complete, -1), axis=0)
    return sums


def inactive_units(zero_counts, values_per_unit, *, active_below=0.0):
    """Returns which units are dead: active (non-zero) on fewer than a fraction of their values.

    `active_below=0.0` marks the units that are 0 on every measured value;
    `active_below=RARELY_ACTIVE` those active on fewer than 0.1% of them.

    Args:
        zero_counts: Array of zero counts, one per unit (any shape).
        values_per_unit: Values measured per unit (examples times positions).
        active_below: Fraction in [0, 1).
    """
    active = values_per_unit - np.asarray(zero_counts)
    return active < max(active_below * values_per_unit, 1)


def count_dead_units(activations):
    """Returns the number of units (last axis) that are 0 for every row of `activations`."""
    activations = np.asarray(activations)
    zeros = np.count_nonzero(activations.reshape(-1, activations.shape[-1]) == 0, axis=0)
    return int(inactive_units(zeros, activations.size // activations.shape[-1]).sum())


class ActivationStatistics:
    """Running sums of `batch_reductions` for one hidden layer, kept per member and unit.

    A unit of a convolution or sequence layer (a channel, the last axis) has
    one value per position: `values_per_unit` counts them over all examples.

    Args:
        units: Units of the layer (its last axis).
        members: Networks side by side in the layer; 1 for one network.
    """

    def __init__(self, units, members=1):
        self.units = units
        self.members = members
        self.examples = 0
        self.values_per_unit = 0
        self.zero_counts = np.zeros((members, units), dtype=np.int64)
        self.activation_sum = np.zeros(members)
        self.activation_max = np.full(members, -np.inf)
        self.union_counts = {b: np.zeros(members) for b in UNION_BATCH_SIZES}
        self.union_groups = dict.fromkeys(UNION_BATCH_SIZES, 0)

    def add(self, sums, examples, positions=1):
        """Adds the `batch_reductions` of `examples` measured rows (NumPy or tensors)."""
        sums = {key: keras.ops.convert_to_numpy(value) for key, value in sums.items()}
        self.examples += examples
        self.values_per_unit += examples * positions
        self.zero_counts += np.rint(sums["zeros"]).astype(np.int64)
        self.activation_sum += sums["total"]
        self.activation_max = np.maximum(self.activation_max, sums["maximum"])
        for b in UNION_BATCH_SIZES:
            if f"union_{b}" in sums:
                self.union_counts[b] += sums[f"union_{b}"]
                self.union_groups[b] += examples // b

    @property
    def values(self):
        """The activations measured per member, over all units."""
        return self.values_per_unit * self.units

    def summary(self, member=None):
        """Returns the report's measures of one member (`None`: all members pooled) as a dict."""
        pick = slice(None) if member is None else slice(member, member + 1)
        zeros = self.zero_counts[pick]
        values = self.values * zeros.shape[0]
        dead = inactive_units(zeros, self.values_per_unit)
        positions = self.values_per_unit // max(self.examples, 1)
        summary = {
            "units": zeros.size,  # every member's units when members are pooled
            "sparsity": float(zeros.sum() / values) if values else np.nan,
            "dead_units": int(dead.sum()),
            "dead_fraction": float(dead.mean()),
            "rarely_active_fraction": float(
                inactive_units(zeros, self.values_per_unit, active_below=RARELY_ACTIVE).mean()
            ),
            "always_active_fraction": float((zeros == 0).mean()),
            "mean_activation": float(self.activation_sum[pick].sum() / values) if values else np.nan,
            "max_activation": float(self.activation_max[pick].max()) if values else np.nan,
        }
        for b in UNION_BATCH_SIZES:
            measured = self.union_groups[b] * positions * zeros.size
            summary[f"batch_union_{b}"] = (
                float(self.union_counts[b][pick].sum() / measured) if measured else np.nan
            )
        return summary
