"""Training one configuration the paper's way: SGD, batch 10, learning rate by validation error.

`train_configuration` is the one seam of every experiment: it builds a
network, optionally pre-trains it, fine-tunes it for each candidate learning
rate with early stopping on the validation error (restoring the best
weights), keeps the learning rate with the lowest validation error, and
measures test error and exact sparsity. It returns a plain dict, which the
experiments store as JSON.
"""

import logging
import math
import time

import keras
import numpy as np

from sparserect import layers
from sparserect import pretraining as pretraining_lib
from sparserect._checks import check_non_negative_int
from sparserect._checks import check_non_negative_number

logger = logging.getLogger(__name__)

PAPER_LEARNING_RATES = (0.1, 0.01, 0.001, 0.0001)
PAPER_BATCH_SIZE = 10


class EarlyStoppingOnError(keras.callbacks.Callback):
    """Stops when the validation error has not improved for `patience` epochs.

    It never stops before epoch `min_epochs`: a warm-up for networks that
    stay at chance level for a while before they learn (as Keras's
    `EarlyStopping(start_from_epoch=...)`, but the best weights of the
    warm-up count).

    The validation error is `1 - val_accuracy`, or the log entry named by
    `monitor` (lower is better, e.g. `"val_rmse"`). The weights of the best epoch
    are kept in memory and restored at the end of training, also when the
    loss becomes NaN (which stops training at once: a too large learning
    rate). Unlike `keras.callbacks.EarlyStopping`, it can start from a best
    result of an earlier `fit` (`best`), so that training continued in a
    second call still restores the best weights of both.

    Args:
        patience: Int > 0, epochs without improvement before stopping.
        best: Optional `(error, weights, epoch)` to start from.
        monitor: `None` for `1 - val_accuracy`, or the name of a log entry
            to minimise.
        min_epochs: Int >= 0, the epochs (counted from the first of the
            whole training, `initial_epoch` included) before which it does
            not stop.
    """

    def __init__(self, patience, best=None, monitor=None, min_epochs=0):
        super().__init__()
        self.patience = patience
        self.min_epochs = min_epochs
        self.monitor = monitor
        self.best_error, self.best_weights, self.best_epoch = best or (math.inf, None, 0)
        self.diverged = False
        self.stopped = False
        self.errors = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not math.isfinite(logs.get("loss", math.nan)):
            self.diverged = True
            self.model.stop_training = True
            return
        error = 1.0 - logs["val_accuracy"] if self.monitor is None else float(logs[self.monitor])
        self.errors.append(error)
        if error < self.best_error:
            self.best_error, self.best_epoch = error, epoch + 1
            self.best_weights = self.model.get_weights()
        # Epochs since the best one, counted over both fits when `best` continues an earlier one.
        elif epoch + 1 - self.best_epoch >= self.patience and epoch + 1 >= self.min_epochs:
            self.stopped = True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class ProgressLog(keras.callbacks.Callback):
    """Logs one line per epoch: configuration, epoch, validation error, time left.

    The time left is an upper bound: the remaining epochs up to `epochs` at the
    mean epoch time so far (early stopping usually ends sooner).
    """

    def __init__(self, label, epochs):
        super().__init__()
        self.label = label
        self.epochs = epochs

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        self.first_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        if self.first_epoch is None:
            self.first_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        done = epoch + 1 - self.first_epoch
        per_epoch = (time.perf_counter() - self.start) / done
        error = (
            f", validation error {100 * (1 - logs['val_accuracy']):.2f}%"
            if "val_accuracy" in logs else ""
        )
        rmse = f", validation RMSE {logs['val_rmse']:.4f}" if "val_rmse" in logs else ""
        logger.info(
            "%s: epoch %d/%d, loss %.4f%s%s, %.1f s/epoch, at most %.0f s left",
            self.label, epoch + 1, self.epochs, logs.get("loss", math.nan), error, rmse,
            per_epoch, per_epoch * (self.epochs - epoch - 1),
        )


def plain_sgd(model, learning_rate, weight_decay=0.0):
    """The paper's optimizer: SGD at a constant learning rate, no momentum.

    With `weight_decay > 0`, each step also shrinks the model's weight
    matrices (variables named `kernel`; not biases, sign masks or activation
    parameters) by `learning_rate * weight_decay`, which for plain SGD is an
    L2 penalty of `weight_decay / 2 * sum(W ** 2)` on the loss. The paper
    uses none; the authors' code has such a penalty as an option.
    """
    optimizer = keras.optimizers.SGD(learning_rate, weight_decay=weight_decay or None)
    if weight_decay:
        optimizer.exclude_from_weight_decay(
            var_list=[v for v in model.trainable_variables if v.name != "kernel"]
        )
    return optimizer


def _fit(model, dataset, learning_rate, epochs, patience, batch_size,
         steps_per_execution, label, initial_epoch=0, best=None, callbacks=(),
         rating_values=None, min_epochs=0, weight_decay=0.0):
    metrics = ["accuracy"]
    if rating_values is not None:
        metrics.append(layers.ExpectedRatingRMSE(rating_values))
    model.compile(
        plain_sgd(model, learning_rate, weight_decay),
        "sparse_categorical_crossentropy",
        metrics=metrics,
        steps_per_execution=steps_per_execution,
    )
    stopping = EarlyStoppingOnError(
        patience, best=best, monitor=None if rating_values is None else "val_rmse",
        min_epochs=min_epochs,
    )
    model.fit(
        dataset.train.x,
        dataset.train.y,
        batch_size=batch_size,
        epochs=epochs,
        initial_epoch=initial_epoch,
        validation_data=(dataset.validation.x, dataset.validation.y),
        validation_batch_size=1000,
        shuffle=True,
        callbacks=[stopping, ProgressLog(label, epochs), *callbacks],
        verbose=0,
    )
    return stopping


def _plain(learning_rate):
    """A learning rate, or a list of candidates, as JSON writes it: a float or a list."""
    if isinstance(learning_rate, (list, tuple)):
        return learning_rate[0] if len(learning_rate) == 1 else list(learning_rate)
    return learning_rate


def activation_label(activation):
    """Returns a short name for an activation given by name or as a layer."""
    if isinstance(activation, str):
        return activation
    if isinstance(activation, layers.ScaledSoftplus):
        return f"softplus_a{activation.sharpness:g}"
    return activation.name


def train_configuration(
    dataset,
    activation="rectifier",
    pretraining=False,
    hidden_units=(1000, 1000, 1000),
    activation_l1=0.001,
    sign_trick=False,
    weight_decay=0.0,
    learning_rates=PAPER_LEARNING_RATES,
    epochs=50,
    patience=5,
    min_epochs=0,
    selection_epochs=None,
    batch_size=PAPER_BATCH_SIZE,
    pretraining_epochs=10,
    pretraining_learning_rate=0.01,
    pretraining_activation_l1=None,
    noise=0.25,
    seed=0,
    steps_per_execution=50,
    label=None,
    callbacks=(),
    rating_values=None,
    measure=None,
):
    """Trains and measures one network of the paper's experiments.

    Steps: build `build_network(...)` with `seed`; if `pretraining`, run
    `sparserect.pretraining.pretrain_stack` on the training inputs; then, for
    each learning rate, fine-tune the whole network from the same starting
    weights with plain SGD and early stopping on the validation error
    (restoring the best epoch's weights), and keep the learning rate with the
    lowest validation error. With `selection_epochs`, the candidates are
    compared after that many epochs only, and the winner alone goes on up to
    `epochs` (a cheaper selection, for long runs on small machines). Several
    pre-training learning rates are chosen the same way, per layer, by
    reconstruction cost (see `pretrain_stack`).

    Args:
        dataset: A `sparserect.datasets.Dataset` (train, validation, test).
        activation: An activation name of `sparserect.layers` or a layer
            (e.g. `layers.ScaledSoftplus(3.0)`).
        pretraining: `False`; `True` for the paper's reconstruction of the
            activation; or a reconstruction name of
            `sparserect.pretraining.RECONSTRUCTIONS`.
        hidden_units: Widths of the hidden layers.
        activation_l1: The activation L1 coefficient (paper: 0.001).
        sign_trick: Whether to flip the sign of half of the units.
        weight_decay: Float >= 0, weight decay of the weight matrices in
            fine-tuning (see `plain_sgd`; the paper: none).
        learning_rates: Candidate constant learning rates (paper:
            0.1, 0.01, 0.001, 0.0001).
        epochs: Int > 0, the most epochs of fine-tuning.
        patience: Int > 0, epochs without a better validation error before
            stopping.
        min_epochs: Int >= 0, the epochs of fine-tuning before which early
            stopping does not stop (a warm-up; see `EarlyStoppingOnError`).
        selection_epochs: Int or `None`; see above.
        batch_size: Examples per SGD step (paper: 10).
        pretraining_epochs: Epochs per layer of pre-training.
        pretraining_learning_rate: SGD learning rate of pre-training, or a
            sequence of candidates among which each layer takes the one
            with the lowest reconstruction cost.
        pretraining_activation_l1: `None` for `activation_l1` in
            pre-training too, as the paper does; or a float >= 0, the
            coefficient of pre-training alone.
        noise: Corruption of pre-training: a masking noise rate (paper:
            0.25), or per block (see `sparserect.pretraining.pretrain_stack`).
        seed: Int, seeds the weights, sign masks, noise and shuffling.
        steps_per_execution: SGD steps per compiled call.
        label: Name of the configuration in the progress log.
        callbacks: Extra Keras callbacks for every fine-tuning `fit`.
        rating_values: `None`, or the star rating of each class: the
            network is then also measured by the RMSE of its expected rating
            (`layers.ExpectedRatingRMSE`), and early stopping and the
            learning rate follow the validation RMSE instead of the error.
        measure: Optional `measure(model) -> dict` called on the trained
            network; its entries are added to the result (e.g. accuracies
            on other test sets).

    Returns:
        A dict: the configuration (`activation`, `pretraining`, `seed`,
        `hidden_units`, `weight_decay`, ...), `learning_rate` (chosen),
        `candidates` (per learning rate: `validation_error`, `best_epoch`,
        `epochs_run`, `diverged`), `validation_error` and `test_error` (fractions),
        `average_sparsity`, `layer_sparsity`, `dead_units`, `dead_fraction`
        (on the test set; `None` and empty without hidden layers),
        `best_epoch`, `epochs_run`, `pretraining_epochs`,
        `pretraining_activation_l1` (the coefficient pre-training used),
        `pretraining_learning_rate` (as given), `pretraining_learning_rates`
        (per layer, the one it trained with), `pretraining_selection` (per
        layer, each candidate's reconstruction cost, with several
        candidates), `pretraining_loss`, `pretraining_noise`,
        `pretraining_scale` (the divisors of strategy 2's rescaling, see
        `pretrain_stack`), `pretraining_dead_units` (per layer, on the
        training set, right after pre-training), `wall_time` (seconds); with
        `rating_values`, also `test_rmse`, and `validation_error` is the
        validation RMSE.
    """
    if not learning_rates:
        raise ValueError(
            f"Give at least one learning rate. Received: learning_rates={learning_rates!r}"
        )
    check_non_negative_int("min_epochs", min_epochs)
    check_non_negative_number("weight_decay", weight_decay)
    if pretraining is True:
        reconstruction = None
    elif pretraining:
        pretraining_lib.autoencoder.check_reconstruction(pretraining)
        reconstruction = pretraining
    start = time.perf_counter()
    name = activation_label(activation)
    label = label or f"{name}, {'pre-trained' if pretraining else 'no pre-training'}, seed {seed}"
    keras.utils.set_random_seed(seed)
    model = layers.build_network(
        dataset.input_shape, dataset.num_classes, hidden_units=tuple(hidden_units),
        activation=activation, activation_l1=activation_l1, sign_trick=sign_trick, seed=seed,
    )
    pretraining_loss = pretraining_scale = pretraining_dead_units = None
    pretraining_learning_rates = pretraining_selection = None
    if pretraining:
        stack = pretraining_lib.pretrain_stack(
            model, dataset.train.x, reconstruction=reconstruction, noise=noise,
            epochs=pretraining_epochs, learning_rate=pretraining_learning_rate,
            batch_size=batch_size, seed=seed, steps_per_execution=steps_per_execution,
            callbacks=[ProgressLog(f"{label}, pre-training", pretraining_epochs)],
            selection_epochs=selection_epochs, activation_l1=pretraining_activation_l1,
        )
        reconstruction = stack[0]["reconstruction"]
        pretraining_learning_rates = {entry["layer"]: entry["learning_rate"] for entry in stack}
        if "selection" in stack[0]:
            pretraining_selection = {entry["layer"]: entry["selection"] for entry in stack}
        pretraining_loss = {entry["layer"]: entry["loss"] for entry in stack}
        pretraining_scale = {entry["layer"]: entry["scale"] for entry in stack if "scale" in entry}
        pretraining_dead_units = {entry["layer"]: entry["dead_units"] for entry in stack}
    initial_weights = model.get_weights()
    first_epochs = min(selection_epochs or epochs, epochs)
    candidates, best = {}, None
    for learning_rate in learning_rates:
        model.set_weights(initial_weights)
        keras.utils.set_random_seed(seed)
        stopping = _fit(
            model, dataset, learning_rate, first_epochs, patience, batch_size,
            steps_per_execution, f"{label}, lr {learning_rate:g}", callbacks=callbacks,
            rating_values=rating_values, min_epochs=min_epochs, weight_decay=weight_decay,
        )
        candidates[f"{learning_rate:g}"] = {
            "validation_error": stopping.best_error, "best_epoch": stopping.best_epoch,
            "epochs_run": len(stopping.errors), "diverged": stopping.diverged,
            "validation_errors": stopping.errors,
        }
        if stopping.best_weights is None:  # diverged in its first epoch
            continue
        if best is None or stopping.best_error < best[1].best_error:
            best = (learning_rate, stopping)
    if best is None:
        raise FloatingPointError(
            f"Every learning rate diverged for {label}. Received: learning_rates={learning_rates!r}"
        )
    learning_rate, stopping = best
    model.set_weights(stopping.best_weights)
    epochs_run = len(stopping.errors)
    if first_epochs < epochs and not (stopping.stopped or stopping.diverged):
        continued = _fit(
            model, dataset, learning_rate, epochs, patience, batch_size, steps_per_execution,
            f"{label}, lr {learning_rate:g}", initial_epoch=first_epochs,
            best=(stopping.best_error, stopping.best_weights, stopping.best_epoch),
            callbacks=callbacks, rating_values=rating_values, min_epochs=min_epochs,
            weight_decay=weight_decay,
        )
        candidates[f"{learning_rate:g}"]["validation_errors"] += continued.errors
        epochs_run += len(continued.errors)
        stopping = continued
    candidates[f"{learning_rate:g}"].update(
        validation_error=stopping.best_error, best_epoch=stopping.best_epoch, epochs_run=epochs_run
    )
    test = model.evaluate(
        dataset.test.x, dataset.test.y, batch_size=1000, verbose=0, return_dict=True
    )
    if hidden_units:
        report = layers.sparsity_report(model, dataset.test.x)
        sparsity = dict(
            average_sparsity=report.attrs["average_sparsity"],
            layer_sparsity=[float(v) for v in report["sparsity"]],
            dead_units=[int(v) for v in report["dead_units"]],
            dead_fraction=report.attrs["dead_fraction"],
        )
    else:
        sparsity = dict(average_sparsity=None, layer_sparsity=[], dead_units=[], dead_fraction=None)
    return {
        **({} if measure is None else measure(model)),
        "dataset": dataset.name,
        "activation": name,
        "pretraining": reconstruction if pretraining else None,
        "seed": seed,
        "hidden_units": list(hidden_units),
        "activation_l1": activation_l1,
        "sign_trick": sign_trick,
        "weight_decay": weight_decay,
        "batch_size": batch_size,
        "max_epochs": epochs,
        "patience": patience,
        "min_epochs": min_epochs,
        "selection_epochs": selection_epochs,
        "learning_rate": learning_rate,
        "candidates": candidates,
        "validation_error": stopping.best_error,
        "test_error": 1.0 - float(test["accuracy"]),
        **({} if rating_values is None else {"test_rmse": float(test["rmse"])}),
        **sparsity,
        "best_epoch": stopping.best_epoch,
        "epochs_run": epochs_run,
        "pretraining_epochs": pretraining_epochs if pretraining else None,
        "pretraining_activation_l1": None if not pretraining else (
            activation_l1 if pretraining_activation_l1 is None else pretraining_activation_l1
        ),
        "pretraining_learning_rate": (
            _plain(pretraining_learning_rate) if pretraining else None
        ),
        "pretraining_learning_rates": pretraining_learning_rates,
        "pretraining_selection": pretraining_selection,
        "pretraining_loss": pretraining_loss,
        "pretraining_scale": pretraining_scale,
        "pretraining_dead_units": pretraining_dead_units,
        "pretraining_noise": [
            pretraining_lib.describe_noise(block_noise)
            for block_noise in pretraining_lib.per_block_noise(noise, len(hidden_units))
        ] if pretraining else None,
        "wall_time": time.perf_counter() - start,
        "backend": keras.backend.backend(),
    }
