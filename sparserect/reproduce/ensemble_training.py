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
from sparserect.reproduce.training import plain_sgd

logger = logging.getLogger(__name__)


class MemberEarlyStopping(ensembles.MemberMetrics):
    """Early stopping on the validation error of every ensemble member separately.

    At each epoch's end it measures the members on `validation_data` (as
    `MemberMetrics` does, adding `val_member_error_mean` and the like to the
    logs); a member whose error improves gets its weights copied; training
    stops when no member has improved for `patience` epochs (and not before
    epoch `min_epochs`, as `EarlyStoppingOnError`); at the end each
    member's best weights are put back. A member that has stopped improving
    keeps training with the others, but its result is its best epoch, as
    with `EarlyStoppingOnError` for a single network.

    Args:
        validation_data: `(x, y)` arrays.
        patience: Int > 0, epochs without improvement before a member stops.
        batch_size: Examples per forward pass of the measurement.
        min_epochs: Int >= 0, the epochs before which training does not stop.
    """

    def __init__(self, validation_data, patience, batch_size=1000, min_epochs=0):
        super().__init__(
            validation_data=validation_data, validation_max_examples=None,
            batch_size=batch_size, per_member_logs=False,
        )
        self.patience = patience
        self.min_epochs = min_epochs

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        size = ensembles.ensemble_size(self.model)
        for weight in self.model.weights:
            if not weight.shape or weight.shape[0] != size:
                raise ValueError(
                    "Every weight of an ensemble has the members on its first axis. "
                    f"Received: {weight.path} of shape {weight.shape}"
                )
        self.best_error = np.full(size, math.inf)
        self.best_epoch = np.zeros(size, dtype=int)
        self.wait = np.zeros(size, dtype=int)
        self.errors = []
        self.best_weights = [keras.ops.convert_to_numpy(w).copy() for w in self.model.weights]

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        errors = self._frames[-1]["error"].to_numpy()
        self.errors.append(errors)
        improved = errors < self.best_error
        if improved.any():
            for best, weight in zip(self.best_weights, self.model.weights):
                best[improved] = keras.ops.convert_to_numpy(weight)[improved]
            self.best_error[improved] = errors[improved]
            self.best_epoch[improved] = epoch + 1
        self.wait = np.where(improved, 0, self.wait + 1)
        if (self.wait >= self.patience).all() and epoch + 1 >= self.min_epochs:
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
    batch_size=10,
    steps_per_execution=50,
    label="ensemble",
):
    """Trains one network per `(seed, activation_l1)` as one ensemble; returns a result dict per network.

    For each learning rate, one ensemble of all the networks is trained with
    plain SGD from the same initial weights, each member early-stopped on
    its own validation error; each member then keeps the learning rate of
    its lowest validation error, and its test error and exact sparsity are
    those of that fit's best epoch. No pre-training (it trains
    `HiddenBlock`s; see `sparserect.pretraining`).

    Args:
        dataset: A `sparserect.datasets.Dataset`.
        seeds: One `build_network` seed per network.
        activation_l1: One L1 coefficient per network (or one for all).
        activation, hidden_units, sign_trick, weight_decay: As
            `train_configuration`.
        learning_rates, epochs, patience, min_epochs, batch_size,
            steps_per_execution: As `train_configuration`.
        label: Name of the ensemble in the progress log.

    Returns:
        A list of dicts, one per network in the order of `seeds`, with the
        keys of `train_configuration`'s result (`wall_time` is the whole
        ensemble's, and `ensemble_size` says how many networks shared it).
    """
    check_non_negative_int("min_epochs", min_epochs)
    check_non_negative_number("weight_decay", weight_decay)
    size = len(seeds)
    coefficients = np.broadcast_to(np.asarray(activation_l1, dtype=float), (size,))
    start = time.perf_counter()
    fits = {}
    for learning_rate in learning_rates:
        keras.utils.set_random_seed(int(seeds[0]))
        model = ensembles.build_ensemble(
            dataset.input_shape, dataset.num_classes, hidden_units=tuple(hidden_units),
            activation=activation, activation_l1=[float(c) for c in coefficients],
            sign_trick=sign_trick, seeds=[int(s) for s in seeds],
        )
        ensembles.compile_ensemble(
            model, plain_sgd(model, learning_rate, weight_decay),
            steps_per_execution=steps_per_execution,
        )
        stopping = MemberEarlyStopping(
            (dataset.validation.x, dataset.validation.y), patience, min_epochs=min_epochs
        )
        logger.info("%s: %d networks in one fit, learning rate %g", label, size, learning_rate)
        history = model.fit(
            dataset.train.x, dataset.train.y, batch_size=batch_size, epochs=epochs,
            shuffle=True, callbacks=[stopping], verbose=0,
        )
        logger.info(
            "%s, lr %g: %d epochs, validation error per member %.2f%% to %.2f%%",
            label, learning_rate, len(history.history["loss"]),
            100 * stopping.best_error.min(), 100 * stopping.best_error.max(),
        )
        fits[learning_rate] = (stopping, ensembles.member_report(model, dataset.test.x, dataset.test.y))
    wall_time = time.perf_counter() - start
    block_names = [f"hidden_{i + 1}" for i in range(len(hidden_units))]
    outcomes = []
    for k in range(size):
        learning_rate = min(fits, key=lambda rate: fits[rate][0].best_error[k])
        stopping, report = fits[learning_rate]
        row = report.iloc[k]
        outcomes.append({
            "dataset": dataset.name, "activation": activation, "pretraining": None,
            "seed": int(seeds[k]), "hidden_units": list(hidden_units),
            "activation_l1": float(coefficients[k]), "sign_trick": sign_trick,
            "weight_decay": weight_decay, "batch_size": batch_size, "max_epochs": epochs,
            "patience": patience,
            "min_epochs": min_epochs, "selection_epochs": None, "learning_rate": learning_rate,
            "candidates": {
                f"{rate:g}": {
                    "validation_error": float(fits[rate][0].best_error[k]),
                    "best_epoch": int(fits[rate][0].best_epoch[k]),
                    "epochs_run": len(fits[rate][0].errors),
                    "validation_errors": [float(e[k]) for e in fits[rate][0].errors],
                }
                for rate in fits
            },
            "validation_error": float(stopping.best_error[k]),
            "test_error": float(row["error"]),
            "average_sparsity": float(row["sparsity"]),
            "layer_sparsity": [float(row[f"sparsity_{name}"]) for name in block_names],
            "dead_units": [int(row[f"dead_units_{name}"]) for name in block_names],
            "dead_fraction": float(row["dead_fraction"]),
            "best_epoch": int(stopping.best_epoch[k]),
            "epochs_run": len(stopping.errors),
            "pretraining_loss": None,
            "wall_time": wall_time,
            "ensemble_size": size,
            "backend": keras.backend.backend(),
        })
    return outcomes
