"""Training many configurations of an experiment in one fit, as a vectorised ensemble.

`train_ensemble` is the counterpart of `train_configuration` for networks
that differ only in their seed and activation L1 coefficient (Figure 3's
sweep, the seeds of a Table 1 row): they become the members of one
`sparserect.ensembles.build_ensemble` model, trained by one `model.fit` per
candidate learning rate. Each member keeps its own early stopping
(`MemberEarlyStopping`), its own learning rate choice and its own result
dict, with the keys of `train_configuration`'s, so that the experiments
store and tabulate them alike. With SGD, member `k` follows exactly the
trajectory of the network `build_network(..., seed=seeds[k])` trained alone
on the same mini-batches.
"""

import logging
import math
import time

import keras
import numpy as np

from sparserect import ensembles
from sparserect._checks import check_non_negative_int
from sparserect._checks import check_non_negative_number
from sparserect._checks import check_positive_int
from sparserect.reproduce.training import plain_sgd

logger = logging.getLogger(__name__)


class MemberEarlyStopping(ensembles.MemberMetrics):
    """Early stopping on the validation error of every ensemble member separately.

    At each epoch's end it measures the members on `validation_data` (as
    `MemberMetrics` does, adding `val_member_error_mean` and the like to the
    logs); a member whose error improves gets its weights copied. A member
    stops when it has not improved for `patience` epochs (and not before
    epoch `min_epochs`, as `EarlyStoppingOnError`): from then on it trains
    with the others, but its best epoch, best weights and epoch count stay
    those of its stop, so its result is that of the network trained alone.
    Training ends when every member has stopped; at the end each member's
    best weights are put back.

    Args:
        validation_data: `(x, y)` arrays.
        patience: Int > 0, epochs without improvement before a member stops.
        batch_size: Examples per forward pass of the measurement.
        min_epochs: Int >= 0, the epochs (counted from the first of the
            whole training, `initial_epoch` included) before which no
            member stops.
        start: Optional state of an earlier fit to continue from, a dict
            with `best_error`, `best_epoch` and `stopped_epoch` (arrays of
            one value per member; `stopped_epoch` 0 for a member still
            training) and `best_weights` (one array per model weight).
    """

    def __init__(self, validation_data, patience, batch_size=1000, min_epochs=0, start=None):
        super().__init__(
            validation_data=validation_data, validation_max_examples=None,
            batch_size=batch_size, per_member_logs=False,
        )
        self.patience = patience
        self.min_epochs = min_epochs
        self.start = start

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        size = ensembles.ensemble_size(self.model)
        for weight in self.model.weights:
            if not weight.shape or weight.shape[0] != size:
                raise ValueError(
                    "Every weight of an ensemble has the members on its first axis. "
                    f"Received: {weight.path} of shape {weight.shape}"
                )
        self.errors = []
        self.last_epoch = 0
        if self.start is None:
            self.best_error = np.full(size, math.inf)
            self.best_epoch = np.zeros(size, dtype=int)
            self.stopped_epoch = np.zeros(size, dtype=int)
            # `np.asarray`: NumPy 2's `np.array` warns on a Keras variable.
            self.best_weights = [np.asarray(w).copy() for w in self.model.weights]
        else:
            self.best_error = np.array(self.start["best_error"], dtype=float)
            self.best_epoch = np.array(self.start["best_epoch"], dtype=int)
            self.stopped_epoch = np.array(self.start["stopped_epoch"], dtype=int)
            self.best_weights = [np.array(w) for w in self.start["best_weights"]]

    @property
    def stopped(self):
        """Whether each member has stopped, an array of booleans."""
        return self.stopped_epoch > 0

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        errors = self._frames[-1]["error"].to_numpy()
        self.errors.append(errors)
        self.last_epoch = epoch + 1
        running = ~self.stopped
        improved = running & (errors < self.best_error)
        if improved.any():
            for best, weight in zip(self.best_weights, self.model.weights):
                best[improved] = np.asarray(weight)[improved]
            self.best_error[improved] = errors[improved]
            self.best_epoch[improved] = epoch + 1
        if epoch + 1 >= self.min_epochs:
            stops = running & ~improved & (epoch + 1 - self.best_epoch >= self.patience)
            self.stopped_epoch[stops] = epoch + 1
        if self.stopped.all():
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        for best, weight in zip(self.best_weights, self.model.weights):
            weight.assign(best)


def train_ensemble(
    dataset,
    seeds,
    activation_l1,
    activation="rectifier",
    hidden_units=(1000, 1000, 1000),
    sign_trick=False,
    weight_decay=0.0,
    learning_rates=(0.01,),
    epochs=50,
    patience=5,
    min_epochs=0,
    selection_epochs=None,
    batch_size=10,
    steps_per_execution=50,
    label="ensemble",
):
    """Trains one network per `(seed, activation_l1)` as one ensemble; returns a result dict per network.

    For each learning rate, one ensemble of all the networks is trained with
    plain SGD from the same initial weights, each member early-stopped on
    its own validation error; each member then keeps the learning rate of
    its lowest validation error. With `selection_epochs`, as in
    `train_configuration`, the candidates train that many epochs only, and
    one more fit continues every member from its best weights at the rate
    it chose (`MemberSGD`) up to `epochs`. Each member's test error and
    exact sparsity are those of its best epoch. No pre-training (it trains
    `HiddenBlock`s; see `sparserect.pretraining`).

    Args:
        dataset: A `sparserect.datasets.Dataset`.
        seeds: One `build_network` seed per network.
        activation_l1: One L1 coefficient per network (or one for all).
        activation, hidden_units, sign_trick, weight_decay: As
            `train_configuration`.
        learning_rates, epochs, patience, min_epochs, selection_epochs,
            batch_size, steps_per_execution: As `train_configuration`.
        label: Name of the ensemble in the progress log.

    Returns:
        A list of dicts, one per network in the order of `seeds`, with the
        keys of `train_configuration`'s result (`wall_time` is the whole
        ensemble's, and `ensemble_size` says how many networks shared it).
    """
    check_non_negative_int("min_epochs", min_epochs)
    check_positive_int("selection_epochs", selection_epochs, allow_none=True)
    check_non_negative_number("weight_decay", weight_decay)
    if not learning_rates:
        raise ValueError(
            f"Give at least one learning rate. Received: learning_rates={learning_rates!r}"
        )
    size = len(seeds)
    coefficients = np.broadcast_to(np.asarray(activation_l1, dtype=float), (size,))
    first_epochs = min(selection_epochs or epochs, epochs)
    start = time.perf_counter()
    fits = {}
    for learning_rate in learning_rates:
        keras.utils.set_random_seed(int(seeds[0]))
        model = ensembles.build_ensemble(
            dataset.input_shape, dataset.num_classes, hidden_units=tuple(hidden_units),
            activation=activation, activation_l1=[float(c) for c in coefficients],
            sign_trick=sign_trick, seeds=[int(s) for s in seeds],
        )
        stopping = _fit_members(
            model, dataset, plain_sgd(model, learning_rate, weight_decay), first_epochs,
            patience, min_epochs, batch_size, steps_per_execution,
            f"{label}, learning rate {learning_rate:g}",
        )
        fits[learning_rate] = stopping
    chosen = [min(fits, key=lambda rate: fits[rate].best_error[k]) for k in range(size)]
    candidates = [{f"{rate:g}": _candidate(fits[rate], k) for rate in fits} for k in range(size)]
    state = {
        name: np.array([getattr(fits[chosen[k]], name)[k] for k in range(size)])
        for name in ("best_error", "best_epoch", "stopped_epoch")
    }
    state["best_weights"] = [
        np.stack([fits[chosen[k]].best_weights[i][k] for k in range(size)])
        for i in range(len(model.weights))
    ]
    # Each member's best weights at the rate it chose, in the last fit's model (a
    # continuation then draws its mini-batches as the network alone would).
    model.set_weights(state["best_weights"])
    if first_epochs < epochs and not state["stopped_epoch"].all():
        continued = _fit_members(
            model, dataset, ensembles.MemberSGD(chosen, weight_decay=weight_decay), epochs,
            patience, min_epochs, batch_size, steps_per_execution,
            f"{label}, each member at its learning rate", initial_epoch=first_epochs, start=state,
        )
        for k in range(size):
            entry = candidates[k][f"{chosen[k]:g}"]
            epochs_run = _epochs_run(continued, k)
            ran = max(0, epochs_run - first_epochs)
            entry["validation_errors"] += [float(e[k]) for e in continued.errors[:ran]]
            entry.update(
                validation_error=float(continued.best_error[k]),
                best_epoch=int(continued.best_epoch[k]), epochs_run=epochs_run,
            )
    report = ensembles.member_report(model, dataset.test.x, dataset.test.y)
    wall_time = time.perf_counter() - start
    block_names = [f"hidden_{i + 1}" for i in range(len(hidden_units))]
    outcomes = []
    for k in range(size):
        row = report.iloc[k]
        entry = candidates[k][f"{chosen[k]:g}"]
        outcomes.append({
            "dataset": dataset.name, "activation": activation, "pretraining": None,
            "seed": int(seeds[k]), "hidden_units": list(hidden_units),
            "activation_l1": float(coefficients[k]), "sign_trick": sign_trick,
            "weight_decay": weight_decay, "batch_size": batch_size, "max_epochs": epochs,
            "patience": patience, "min_epochs": min_epochs, "selection_epochs": selection_epochs,
            "learning_rate": chosen[k],
            "candidates": candidates[k],
            "validation_error": entry["validation_error"],
            "test_error": float(row["error"]),
            "average_sparsity": float(row["sparsity"]),
            "layer_sparsity": [float(row[f"sparsity_{name}"]) for name in block_names],
            "dead_units": [int(row[f"dead_units_{name}"]) for name in block_names],
            "dead_fraction": float(row["dead_fraction"]),
            "best_epoch": entry["best_epoch"],
            "epochs_run": entry["epochs_run"],
            "pretraining_loss": None,
            "wall_time": wall_time,
            "ensemble_size": size,
            "backend": keras.backend.backend(),
        })
    return outcomes


def _candidate(stopping, k):
    """Member `k`'s entry of a result's `candidates`, from the fit at one learning rate."""
    ran = _epochs_run(stopping, k)
    return {
        "validation_error": float(stopping.best_error[k]),
        "best_epoch": int(stopping.best_epoch[k]),
        "epochs_run": ran,
        "validation_errors": [float(e[k]) for e in stopping.errors[:ran]],
    }


def _epochs_run(stopping, k):
    """The epochs that member `k` trained before it stopped (all of the fit's if it did not)."""
    return int(stopping.stopped_epoch[k]) or stopping.last_epoch


def _fit_members(model, dataset, optimizer, epochs, patience, min_epochs, batch_size,
                 steps_per_execution, label, initial_epoch=0, start=None):
    """Fits an ensemble with per-member early stopping; returns the `MemberEarlyStopping`."""
    ensembles.compile_ensemble(model, optimizer, steps_per_execution=steps_per_execution)
    stopping = MemberEarlyStopping(
        (dataset.validation.x, dataset.validation.y), patience, min_epochs=min_epochs,
        start=start,
    )
    logger.info("%s: %d networks in one fit", label, ensembles.ensemble_size(model))
    model.fit(
        dataset.train.x, dataset.train.y, batch_size=batch_size, epochs=epochs,
        initial_epoch=initial_epoch, shuffle=True, callbacks=[stopping], verbose=0,
    )
    logger.info(
        "%s: %d epochs, validation error per member %.2f%% to %.2f%%", label,
        stopping.last_epoch, 100 * stopping.best_error.min(),
        100 * stopping.best_error.max(),
    )
    return stopping
