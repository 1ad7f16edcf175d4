"""Training one configuration the paper's way: SGD, batch 10, learning rate by validation error.

`train(dataset, config, seed=...)` trains the network a
`sparserect.config.Config` describes; `train_configuration`, its keyword
form, is the one seam of every experiment: it builds a
network, optionally pre-trains it, fine-tunes it for each candidate learning
rate with early stopping on the validation error (restoring the best
weights), keeps the learning rate with the lowest validation error, and
measures test error and exact sparsity. It returns a plain dict (one per
seed, with several seeds trained as members), which the experiments store
as JSON.
"""

import dataclasses
import logging
import math
import time
import types

import keras
import numpy as np

from sparserect import datasets
from sparserect import ensembles
from sparserect import layers
from sparserect import measurement
from sparserect import pretraining as pretraining_lib
from sparserect.measurement import members as member_measures
from sparserect._checks import check_non_negative_int
from sparserect._checks import check_non_negative_number
from sparserect._checks import check_positive_int
from sparserect._checks import is_seed
from sparserect._checks import is_sequence
from sparserect._checks import per_member_seeds
from sparserect._sampling import epoch_order
from sparserect._selection import check_learning_rates
from sparserect._selection import choose_learning_rates
from sparserect.compiled_fit import compiled_fit
from sparserect.compiled_fit import needs_batch_hooks
from sparserect.config import PAPER_BATCH_SIZE
from sparserect.config import PAPER_LEARNING_RATES
from sparserect.optimizers import MemberSGD
from sparserect.optimizers import plain_sgd

logger = logging.getLogger(__name__)

# The per-member numbers of an early-stopping state (`EarlyStoppingOnError.state()`).
_NUMBERS = ("best_error", "best_epoch", "stopped_epoch", "diverged")
# The most bytes of training batches that one compiled call of `compiled_fit` takes.
_CHUNK_BYTES = 2**30


class EarlyStoppingOnError(keras.callbacks.Callback):
    """Stops when the validation error has not improved for `patience` epochs.

    One network, or each member of a model of members on its own. It never
    stops before epoch `min_epochs`: a warm-up for networks that stay at
    chance level for a while before they learn (as Keras's
    `EarlyStopping(start_from_epoch=...)`, but the best weights of the
    warm-up count).

    The validation error of one network is `1 - val_accuracy`, or the log
    entry named by `monitor` (lower is better, e.g. `"val_rmse"`); each
    member's is measured on `validation_data` (`member_report`'s error).
    The weights of each one's best epoch are kept in memory and restored at
    the end of training. A network (a member) whose loss is no longer finite
    has diverged (a too large learning rate): it stops at once. A member
    that stopped trains on with the others, but its best epoch, weights and
    epoch count stay those of its stop, so its result is that of the network
    trained alone; training ends when every one has stopped. Unlike
    `keras.callbacks.EarlyStopping`, it can start from the state of an
    earlier `fit` (`start`), so that training continued in a second call
    still restores the best weights of both.

    Attributes, each with one entry per member (one for a network alone):
    `best_error`, `best_epoch`, `stopped_epoch` (0 while training),
    `diverged`, and `validation_errors` (a list per member of the errors of
    the epochs it trained).

    Args:
        patience: Int > 0, epochs without improvement before stopping.
        start: Optional `state()` of an earlier fit to continue from (its
            `validation_errors` go on).
        monitor: `None` for `1 - val_accuracy`, or the name of a log entry
            to minimise (one network only).
        min_epochs: Int >= 0, the epochs (counted from the first of the
            whole training, `initial_epoch` included) before which it does
            not stop.
        validation_data: `(x, y)` arrays on which members are measured;
            needed for a model of members, unused otherwise.
        batch_size: Examples per forward pass of the members' measurement.
    """

    def __init__(self, patience, *, start=None, monitor=None, min_epochs=0,
                 validation_data=None, batch_size=1000):
        super().__init__()
        self.patience = patience
        self.min_epochs = min_epochs
        self.monitor = monitor
        self.start = start
        self.validation_data = validation_data
        self.batch_size = batch_size

    def on_train_begin(self, logs=None):
        self.members = _members_of(self.model)
        if self.members is not None and self.validation_data is None:
            raise ValueError(
                "EarlyStoppingOnError measures each member of a model of members on "
                "`validation_data`. Received: validation_data=None"
            )
        for weight in self.model.weights if self.members is not None else ():
            if not weight.shape or weight.shape[0] != self.members:
                raise ValueError(
                    "Every weight of a model of members has the members on its first "
                    f"axis. Received: {weight.path} of shape {weight.shape}"
                )
        size = self.members or 1
        start = self.start or {
            "best_error": np.full(size, math.inf), "best_epoch": np.zeros(size, int),
            "stopped_epoch": np.zeros(size, int), "diverged": np.zeros(size, bool),
            "best_weights": None,
        }
        self.best_error = np.array(start["best_error"], dtype=float)
        self.best_epoch = np.array(start["best_epoch"], dtype=int)
        self.stopped_epoch = np.array(start["stopped_epoch"], dtype=int)
        self.diverged = np.array(start["diverged"], dtype=bool)
        self.best_weights = (
            None if start["best_weights"] is None else [np.array(w) for w in start["best_weights"]]
        )
        self.validation_errors = [
            list(errors) for errors in start.get("validation_errors", [[]] * size)
        ]
        if self.members is not None:
            self._measurer = member_measures.member_measurer(self.model)

    @property
    def stopped(self):
        """Whether each member (the network) has stopped, by patience or divergence."""
        return self.stopped_epoch > 0

    def state(self):
        """Returns what a continuing fit needs to go on where this one ended (`start`)."""
        return {
            **{name: getattr(self, name) for name in _NUMBERS},
            "best_weights": self.best_weights, "validation_errors": self.validation_errors,
        }

    def _measure(self, logs):
        """Returns `(errors, finite)`: each member's validation error and whether its loss is finite."""
        if self.members is None:
            finite = np.array([math.isfinite(logs.get("loss", math.nan))])
            if not finite[0]:
                return np.array([math.nan]), finite
            error = 1.0 - logs["val_accuracy"] if self.monitor is None else logs[self.monitor]
            return np.array([float(error)]), finite
        x, y = self.validation_data
        report = member_measures.measure_members(
            self._measurer, x, y, batch_size=self.batch_size
        )
        return report["error"].to_numpy(), np.isfinite(report["loss"].to_numpy())

    def on_epoch_end(self, epoch, logs=None):
        errors, finite = self._measure(logs or {})
        running = ~self.stopped
        diverged = running & ~finite
        self.diverged |= diverged
        self.stopped_epoch[diverged] = epoch + 1
        running &= finite
        for k in np.flatnonzero(running):
            self.validation_errors[k].append(float(errors[k]))
        improved = running & (errors < self.best_error)
        if improved.any():
            current = _member_weights(self.model, self.members)
            if self.best_weights is None:
                self.best_weights = [w.copy() for w in current]
            for best, weight in zip(self.best_weights, current):
                best[improved] = weight[improved]
            self.best_error[improved] = errors[improved]
            self.best_epoch[improved] = epoch + 1
        if epoch + 1 >= self.min_epochs:
            stops = running & ~improved & (epoch + 1 - self.best_epoch >= self.patience)
            self.stopped_epoch[stops] = epoch + 1
        if self.stopped.all():
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            _set_member_weights(self.model, self.members, self.best_weights)


def _members_of(model):
    """The number of members of a model of members, or `None` for one network."""
    try:
        return layers.count_members(model)
    except ValueError:
        return None


def _member_weights(model, members):
    """The model's weights as arrays with the members first (one network: a member axis of 1)."""
    weights = [keras.ops.convert_to_numpy(w) for w in model.weights]
    return weights if members is not None else [w[None] for w in weights]


def _set_member_weights(model, members, weights):
    """Assigns weights that `_member_weights` laid out (members first)."""
    for value, weight in zip(weights, model.weights):
        weight.assign(value if members is not None else value[0])


class ProgressLog(keras.callbacks.Callback):
    """Logs one line per epoch: configuration, epoch, validation error, time left.

    The time left is an upper bound: the remaining epochs up to `epochs` at the
    mean epoch time so far (early stopping usually ends sooner). With
    `monitor`, that log entry is shown too (e.g. `"val_rmse"`).
    """

    def __init__(self, label, epochs, monitor=None):
        super().__init__()
        self.label = label
        self.epochs = epochs
        self.monitor = monitor

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
        monitored = (
            f", {self.monitor} {logs[self.monitor]:.4f}" if self.monitor in logs else ""
        )
        logger.info(
            "%s: epoch %d/%d, loss %.4f%s%s, %.1f s/epoch, at most %.0f s left",
            self.label, epoch + 1, self.epochs, logs.get("loss", math.nan), error, monitored,
            per_epoch, per_epoch * (self.epochs - epoch - 1),
        )


def _fit(model, dataset, optimizer, *, epochs, patience, batch_size, steps_per_execution,
         label, seed, initial_epoch=0, start=None, callbacks=(), metrics=(), monitor=None,
         min_epochs=0, on_epoch=None, compiled=True):
    """Fits one network or a model of members with early stopping; returns the stopper.

    `on_epoch(stopping, epochs_done)` is called after every epoch (to save a checkpoint).
    With `compiled`, each epoch runs in one compiled loop (`compiled_fit`, the
    maths of `fit`) unless a callback acts on batches. `seed` is `_example_seeds`'s.
    """
    members = _members_of(model)
    # A fresh copy of each metric per compile: a metric's state belongs to one model.
    metrics = [metric.__class__.from_config(metric.get_config()) for metric in metrics]
    if members is None:
        model.compile(
            optimizer, "sparse_categorical_crossentropy", metrics=["accuracy", *metrics],
            steps_per_execution=steps_per_execution,
        )
    else:
        ensembles.compile_ensemble(
            model, optimizer, metrics=list(metrics), steps_per_execution=steps_per_execution
        )
    validation = (dataset.validation.x, dataset.validation.y)
    stopping = EarlyStoppingOnError(
        patience, start=start, monitor=monitor, min_epochs=min_epochs,
        validation_data=validation if members is not None else None,
    )
    hooks = keras.callbacks.CallbackList(
        [stopping, ProgressLog(label, epochs, monitor), *callbacks], model=model
    )
    # One `fit` per epoch, on that epoch's order of the examples (`epoch_order`),
    # so that an epoch's mini-batches do not depend on the epochs before it:
    # a run resumed from a checkpoint trains as one never interrupted.
    hooks.on_train_begin()
    # Passes each one-epoch `fit`'s epoch hooks on to the callbacks of the whole training.
    epoch_hooks = keras.callbacks.LambdaCallback(
        on_epoch_begin=hooks.on_epoch_begin, on_epoch_end=hooks.on_epoch_end
    )
    x, y = dataset.train.x, dataset.train.y
    compiled = compiled and keras.backend.backend() in ("jax", "tensorflow") and not any(
        needs_batch_hooks(callback) for callback in callbacks
    )
    for epoch in range(initial_epoch, epochs):
        if stopping.stopped.all():  # a fit resumed after its last epoch
            break
        order = epoch_order(seed, epoch, len(x))
        arguments = dict(
            batch_size=batch_size, epochs=epoch + 1, initial_epoch=epoch,
            validation_data=validation if members is None else None,
            validation_batch_size=1000, callbacks=[epoch_hooks],
        )
        if compiled:
            step_bytes = batch_size * x[order[:1]].nbytes  # one row, or one per member
            chunk = max(1, _CHUNK_BYTES // step_bytes)
            compiled_fit(model, x, y, order=order, steps_per_chunk=chunk, **arguments)
        else:
            batches = ensembles.OrderedBatches(x, y, order, arguments.pop("batch_size"))
            model.fit(batches, shuffle=False, verbose=0, **arguments)
        if on_epoch is not None:
            on_epoch(stopping, epoch + 1)
        if model.stop_training:
            break
    hooks.on_train_end()
    return stopping


def fine_tune(model, dataset, *, learning_rates, epochs, patience, min_epochs=0,
              selection_epochs=None, batch_size=PAPER_BATCH_SIZE, steps_per_execution=50,
              weight_decay=0.0, seed=0, label="network", callbacks=(), metrics=(),
              monitor=None, checkpoint=None, compiled=True):
    """Trains one network, or each member of a model of members, the paper's way.

    For each candidate learning rate, the model is trained from the same
    initial weights with plain SGD and early stopping on the validation
    error (`EarlyStoppingOnError`), each member on its own; each member then
    keeps the candidate of its lowest validation error
    (`choose_learning_rates`: a member whose every candidate diverged is a
    `FloatingPointError`). With `selection_epochs`, the candidates are
    compared after that many epochs only, and one more fit continues each
    member from its best weights at the rate it chose (`MemberSGD` for
    members) up to `epochs`. The model ends with each member's best weights.

    Args:
        model: A network or a model of members from `build_network`.
        dataset: A `sparserect.datasets.Dataset`.
        learning_rates: Candidate constant learning rates.
        epochs: As `train_configuration`.
        patience: As `train_configuration`.
        min_epochs: As `train_configuration`.
        selection_epochs: As `train_configuration`.
        batch_size: As `train_configuration`.
        steps_per_execution: As `train_configuration`.
        weight_decay: As `train_configuration`.
        seed: Int, seeds the order of the examples in every epoch
            (`epoch_order`), the same for every candidate. A model with
            per-member inputs (`build_network(..., per_member_inputs=True)`)
            takes one per member (or one for all): member `k` then sees the
            mini-batches of its network trained alone with `seed[k]`.
        label: Name of the model in the progress log.
        callbacks: Extra Keras callbacks for every `fit`.
        metrics: Extra Keras metrics of a network alone (e.g.
            `layers.ExpectedRatingRMSE`).
        monitor: `None` (the validation error), or the log entry that early
            stopping and the choice minimise (e.g. `"val_rmse"`).
        checkpoint: Optional `checkpoints.Checkpoint`: the progress is saved
            there after every epoch, and training continues from the saved
            progress, if any.
        compiled: Whether each epoch runs in one compiled loop
            (`sparserect.compiled_fit`, the maths of `fit` with fewer calls
            from Python); `False` for one `model.fit` per epoch.

    Returns:
        One dict per member (one for a network alone): `learning_rate`,
        `candidates` (per learning rate: `validation_error`, `best_epoch`,
        `epochs_run`, `diverged`, `validation_errors`), `validation_error`,
        `best_epoch` and `epochs_run`.
    """
    check_learning_rates(learning_rates)
    members = _members_of(model)
    size = members or 1
    seed = _example_seeds(model, members, seed)
    options = dict(patience=patience, batch_size=batch_size, callbacks=callbacks,
                   steps_per_execution=steps_per_execution, metrics=metrics, monitor=monitor,
                   min_epochs=min_epochs, seed=seed, compiled=compiled)
    progress = _Progress.load(checkpoint, model)
    progress.initial_weights = progress.initial_weights or model.get_weights()
    first_epochs = min(selection_epochs or epochs, epochs)
    fits = list(progress.finished)
    for index, learning_rate in enumerate(learning_rates[len(fits):], len(fits)):
        start, initial_epoch = progress.resume(candidate=index)
        if start is None:
            model.set_weights(progress.initial_weights)
        keras.utils.set_random_seed(seed[0] if isinstance(seed, list) else seed)
        fits.append(_fit(
            model, dataset, plain_sgd(model, learning_rate, weight_decay), epochs=first_epochs,
            label=f"{label}, lr {learning_rate:g}", start=start, initial_epoch=initial_epoch,
            on_epoch=progress.saver(fits, candidate=index), **options,
        ))
    chosen = choose_learning_rates([fit.best_error for fit in fits], learning_rates, label)
    candidates = [
        {f"{rate:g}": _candidate(fit, k) for rate, fit in zip(learning_rates, fits)}
        for k in range(size)
    ]
    winners = [fits[chosen[k]] for k in range(size)]
    state = {name: np.array([getattr(winners[k], name)[k] for k in range(size)])
             for name in _NUMBERS}
    state["best_weights"] = [
        np.stack([winners[k].best_weights[i][k] for k in range(size)])
        for i in range(len(model.weights))
    ]
    state["validation_errors"] = [winners[k].validation_errors[k] for k in range(size)]
    rates = [learning_rates[index] for index in chosen]
    # Each member's best weights at the rate it chose (a continuation then
    # draws its mini-batches as the network alone would).
    _set_member_weights(model, members, state["best_weights"])
    if first_epochs < epochs and not (state["stopped_epoch"] > 0).all():
        optimizer = (
            MemberSGD(rates, weight_decay=weight_decay)
            if members is not None
            else plain_sgd(model, rates[0], weight_decay)
        )
        label = label if members is not None else f"{label}, lr {rates[0]:g}"
        start, initial_epoch = progress.resume(candidate=None)
        continued = _fit(
            model, dataset, optimizer, epochs=epochs, label=label,
            initial_epoch=initial_epoch if start is not None else first_epochs,
            start=start if start is not None else state,
            on_epoch=progress.saver(fits, candidate=None), **options,
        )
        for k in range(size):
            candidates[k][f"{rates[k]:g}"].update(_candidate(continued, k))
    return [
        {
            "learning_rate": rates[k],
            "candidates": candidates[k],
            **{name: candidates[k][f"{rates[k]:g}"][name]
               for name in ("validation_error", "best_epoch", "epochs_run")},
        }
        for k in range(size)
    ]


def _example_seeds(model, members, seed):
    """The seed(s) of `epoch_order`: `seed`, or for per-member inputs one per member."""
    if not layers.has_member_inputs(model):
        if not is_seed(seed):
            raise ValueError(
                "`seed` must be an int >= 0; one per member needs a model with per-member "
                f"inputs (`build_network(..., per_member_inputs=True)`). Received: seed={seed!r}"
            )
        return seed
    return per_member_seeds("seed", seed, members, allow_none=False, one_for_all=True)


@dataclasses.dataclass
class _Progress:
    """`fine_tune`'s progress in a checkpoint, saved after every epoch.

    The weights the candidates start from, each finished candidate's
    early-stopping state, and the running fit's (`candidate` `None` for the
    continuation after `selection_epochs`); `pretraining` is kept as given.
    """

    checkpoint: object
    model: object
    initial_weights: list = None
    pretraining: object = None
    finished: list = dataclasses.field(default_factory=list)
    running: dict = None

    @classmethod
    def load(cls, checkpoint, model):
        """The progress saved in `checkpoint` (nothing to resume without one)."""
        saved = None if checkpoint is None else checkpoint.load()
        if saved is None:
            return cls(checkpoint, model)
        state, arrays = saved["state"], saved["arrays"]
        tuning = state.get("tuning") or {"finished": [], "running": None}
        finished = [
            types.SimpleNamespace(**cls._state_from(entry, arrays, f"finished{j}"))
            for j, entry in enumerate(tuning["finished"])
        ]
        running = tuning["running"]
        if running is not None:
            running = {
                **running,
                "state": cls._state_from(running["state"], arrays, "running"),
                "weights": _weights_from(arrays, "model"),
            }
        return cls(
            checkpoint, model, _weights_from(arrays, "initial") or None,
            state.get("pretraining"), finished, running,
        )

    def resume(self, candidate):
        """`(start, initial_epoch)` of the fit of `candidate` saved while running, or `(None, 0)`."""
        if self.running is None or self.running["candidate"] != candidate:
            return None, 0
        self.model.set_weights(self.running["weights"])
        return self.running["state"], self.running["epochs_done"]

    def saver(self, fits, candidate):
        """Returns the `on_epoch` of a fit that saves the progress, or `None` without a checkpoint."""
        if self.checkpoint is None:
            return None
        finished = list(fits)

        def save(stopping, epochs_done):
            state = {"pretraining": self.pretraining, "tuning": {"finished": [], "running": None}}
            arrays = _weights_to(self.initial_weights, "initial")
            for j, fit in enumerate(finished):
                fit_state = fit.state() if isinstance(fit, EarlyStoppingOnError) else vars(fit)
                entry, more = self._state_to(fit_state, f"finished{j}")
                state["tuning"]["finished"].append(entry)
                arrays.update(more)
            entry, more = self._state_to(stopping.state(), "running")
            arrays.update(more)
            arrays.update(_weights_to(self.model.get_weights(), "model"))
            state["tuning"]["running"] = {
                "candidate": candidate, "epochs_done": epochs_done, "state": entry,
            }
            self.checkpoint.save(state, arrays)

        return save

    @staticmethod
    def _state_to(state, prefix):
        arrays = {f"{prefix}_{name}": np.asarray(state[name]) for name in _NUMBERS}
        arrays.update(_weights_to(state["best_weights"], f"{prefix}_weights"))
        return {"validation_errors": state["validation_errors"]}, arrays

    @staticmethod
    def _state_from(entry, arrays, prefix):
        state = {name: arrays[f"{prefix}_{name}"] for name in _NUMBERS}
        state["best_weights"] = _weights_from(arrays, f"{prefix}_weights") or None
        state["validation_errors"] = entry["validation_errors"]
        return state


def _weights_to(weights, prefix):
    """Named arrays `<prefix>_<i>` of a list of weights, for a checkpoint."""
    return {f"{prefix}_{i}": np.asarray(w) for i, w in enumerate(weights or [])}


def _weights_from(arrays, prefix):
    """The list of weights that `_weights_to` named with `prefix` (empty if none)."""
    count = sum(1 for name in arrays if name.startswith(f"{prefix}_"))
    return [arrays[f"{prefix}_{i}"] for i in range(count)]


def _candidate(stopping, k):
    """Member `k`'s entry of a result's `candidates`, from the fit at one learning rate."""
    validation_errors = stopping.validation_errors[k]
    return {
        "validation_error": float(stopping.best_error[k]),
        "best_epoch": int(stopping.best_epoch[k]),
        "epochs_run": len(validation_errors),
        "diverged": bool(stopping.diverged[k]),
        "validation_errors": list(validation_errors),
    }


@dataclasses.dataclass
class RunResult:
    """One trained network's record: its settings, its training and its measurements.

    `train_configuration` makes it (one per member of an ensemble);
    `as_dict()` is what an experiment stores in `runs/<key>.json`. Error
    fields are fractions; the `pretraining_*` fields are `None` without
    pre-training.
    """

    dataset: str
    activation: str
    seed: int
    hidden_units: list
    activation_l1: object
    sign_trick: bool
    weight_decay: float
    batch_size: int
    max_epochs: int
    patience: int
    min_epochs: int
    selection_epochs: object
    learning_rate: float
    candidates: dict
    validation_error: float
    best_epoch: int
    epochs_run: int
    test_error: float
    average_sparsity: object
    layer_sparsity: list
    dead_units: list
    dead_fraction: object
    wall_time: float
    pretraining: object = None
    pretraining_epochs: object = None
    pretraining_activation_l1: object = None
    pretraining_learning_rate: object = None
    pretraining_learning_rates: object = None
    pretraining_selection: object = None
    pretraining_loss: object = None
    pretraining_scale: object = None
    pretraining_dead_units: object = None
    pretraining_noise: object = None
    ensemble_size: object = None
    measurements: dict = dataclasses.field(default_factory=dict)
    backend: str = dataclasses.field(default_factory=keras.backend.backend)

    def as_dict(self):
        """The record as the JSON object of a result file (measurements as top-level keys)."""
        record = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        measurements = record.pop("measurements")
        if record["ensemble_size"] is None:
            del record["ensemble_size"]
        return {**measurements, **record}


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


def pretrain(model, dataset, *, reconstruction, noise, epochs, learning_rate, batch_size, seed,
             steps_per_execution, selection_epochs, activation_l1, label, checkpoint):
    """Pre-trains `model` on the training inputs (`pretrain_stack`), or restores a checkpoint's.

    `seed` is the network's, or with members, one per member (the noise and
    the order of the examples of each). A checkpoint keeps the
    pre-training's record and the weights it left, so that a restarted run
    goes straight to fine-tuning. Returns `pretrain_stack`'s record.
    """
    saved = None if checkpoint is None else checkpoint.load()
    if saved is not None and saved["state"].get("pretraining") is not None:
        model.set_weights(_weights_from(saved["arrays"], "initial"))
        return saved["state"]["pretraining"]
    stack = pretraining_lib.pretrain_stack(
        model, dataset.train.x, reconstruction=reconstruction, noise=noise, epochs=epochs,
        learning_rate=learning_rate, batch_size=batch_size, seed=seed,
        steps_per_execution=steps_per_execution,
        callbacks=[ProgressLog(f"{label}, pre-training", epochs)],
        selection_epochs=selection_epochs, activation_l1=activation_l1,
    )
    if checkpoint is not None:
        checkpoint.save({"pretraining": stack}, _weights_to(model.get_weights(), "initial"))
    return stack


def pretraining_record(stack, *, epochs, learning_rate, activation_l1, noise):
    """The `pretraining_*` entries of a network's result, from its `pretrain_stack` record.

    Args:
        stack: `pretrain_stack`'s list for one network (for a member,
            `pretraining.member_record(stack, k)`).
        epochs: The pre-training epochs per layer, as given to `pretrain_stack`.
        learning_rate: Its learning rate (or candidates), as given to `pretrain_stack`.
        activation_l1: The coefficient that pre-training used.
        noise: Its noise, as given to `pretrain_stack`.
    """
    return dict(
        pretraining=stack[0]["reconstruction"],
        pretraining_epochs=epochs,
        pretraining_activation_l1=activation_l1,
        pretraining_learning_rate=_plain(learning_rate),
        pretraining_learning_rates={entry["layer"]: entry["learning_rate"] for entry in stack},
        pretraining_selection={entry["layer"]: entry["selection"] for entry in stack}
        if "selection" in stack[0] else None,
        pretraining_loss={entry["layer"]: entry["loss"] for entry in stack},
        pretraining_scale={entry["layer"]: entry["scale"] for entry in stack if "scale" in entry},
        pretraining_dead_units={entry["layer"]: entry["dead_units"] for entry in stack},
        pretraining_noise=[
            pretraining_lib.describe_noise(block_noise)
            for block_noise in pretraining_lib.per_block_noise(noise, len(stack))
        ],
    )


def train_configuration(
    dataset,
    activation="rectifier",
    pretraining=False,
    *,
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
    metrics=(),
    monitor=None,
    measure=None,
    checkpoint=None,
):
    """Trains and measures one network of the paper's experiments, or one per seed in one fit.

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

    With a sequence of seeds, the networks are the members of one
    `build_network(..., members=E, per_member_inputs=True)` model trained by
    the same steps, each with its own early stopping and learning rate, and
    on its own seed's mini-batches: member `k` is pre-trained and trains as
    the network of `seeds[k]` alone would (`train_ensemble`).

    Args:
        dataset: A `sparserect.datasets.Dataset` (train, validation, test).
        activation: An activation name of `sparserect.layers` or a layer
            (e.g. `layers.ScaledSoftplus(3.0)`).
        pretraining: `False`; `True` for the paper's reconstruction of the
            activation; or a reconstruction name of
            `sparserect.pretraining.RECONSTRUCTIONS`.
        hidden_units: Widths of the hidden layers.
        activation_l1: The activation L1 coefficient (paper: 0.001), or one
            per hidden layer. With several seeds, a sequence holds one such
            entry per seed (or a single one for all): `(0.001, 0.0)` is then
            one coefficient per network, not per layer.
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
        seed: Int, seeds the weights, sign masks, noise and the order of
            the examples; or a sequence of ints, one network each.
        steps_per_execution: SGD steps per compiled call.
        label: Name of the configuration in the progress log.
        callbacks: Extra Keras callbacks for every fine-tuning `fit`.
        metrics: Extra Keras metrics (e.g. `layers.ExpectedRatingRMSE`),
            measured on the test set too (`test_<name>` in the result); one
            network only, as `monitor` and `measure`.
        monitor: `None` (the validation error), or the log entry that early
            stopping and the choice of the learning rate minimise (e.g.
            `"val_rmse"`; `validation_error` is then that value).
        measure: Optional `measure(model) -> dict` called on the trained
            network; its entries are added to the result (e.g. accuracies
            on other test sets).
        checkpoint: Optional `checkpoints.Checkpoint` that keeps the
            progress after pre-training and after every epoch of
            fine-tuning; training continues from it (see `fine_tune`).

    Returns:
        A dict (`RunResult.as_dict()`): the configuration (`activation`, `pretraining`, `seed`,
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
        training set, right after pre-training), `wall_time` (seconds), and
        `test_<name>` for each of `metrics`. With several seeds, a list of
        such dicts in their order, each with `ensemble_size` (the number of
        networks) and the whole fit's `wall_time`.
    """
    check_learning_rates(learning_rates)
    check_non_negative_int("min_epochs", min_epochs)
    check_positive_int("selection_epochs", selection_epochs, allow_none=True)
    check_non_negative_number("weight_decay", weight_decay)
    metrics = tuple(metrics)
    members = len(seed) if is_sequence(seed) else None
    if members is not None and (members == 0 or not all(is_seed(s) for s in seed)):
        raise ValueError(
            "`seed` must be an int >= 0, or a non-empty sequence of them (one network each). "
            f"Received: seed={seed!r}"
        )
    seeds = [seed] if members is None else [int(s) for s in seed]
    network_seed = seed if members is None else seeds  # `build_network`'s and `pretrain`'s
    if members is not None and (metrics or monitor is not None or measure is not None):
        raise ValueError(
            "`metrics`, `monitor` and `measure` apply to one network, not to several seeds "
            f"trained as members. Received: seed={seed!r}"
        )
    if members is not None and not hidden_units:
        raise ValueError(
            "Several seeds train members of hidden layers; without hidden layers, train one "
            f"seed at a time. Received: seed={seed!r}, hidden_units={hidden_units!r}"
        )
    coefficients, block_coefficients = _member_coefficients(activation_l1, members, hidden_units)
    reconstruction = None if pretraining is True else pretraining
    if reconstruction:
        pretraining_lib.autoencoder.check_reconstruction(reconstruction)
    start = time.perf_counter()
    name = activation_label(activation)
    if not label:
        label = (f"{name}, {'pre-trained' if pretraining else 'no pre-training'}, seed {seed}"
                 if members is None else f"{members} networks ({name})")
    keras.utils.set_random_seed(seeds[0])
    # Members take one example each, so that each trains on its own seed's mini-batches.
    model = layers.build_network(
        dataset.input_shape, dataset.num_classes, hidden_units=tuple(hidden_units),
        activation=activation, activation_l1=block_coefficients, sign_trick=sign_trick,
        seed=network_seed, members=members, per_member_inputs=members is not None,
    )
    if members is not None:
        logger.info("%s: %d networks in one fit", label, members)
    if pretraining:
        stack = pretrain(
            model, dataset, reconstruction=reconstruction, noise=noise,
            epochs=pretraining_epochs, learning_rate=pretraining_learning_rate,
            batch_size=batch_size, seed=network_seed,
            steps_per_execution=steps_per_execution, selection_epochs=selection_epochs,
            activation_l1=pretraining_activation_l1, label=label, checkpoint=checkpoint,
        )
    tuned = fine_tune(
        model, dataset, learning_rates=learning_rates, epochs=epochs, patience=patience,
        min_epochs=min_epochs, selection_epochs=selection_epochs, batch_size=batch_size,
        steps_per_execution=steps_per_execution, weight_decay=weight_decay, seed=network_seed,
        label=label, callbacks=callbacks, metrics=metrics, monitor=monitor,
        checkpoint=checkpoint,
    )
    tested = _test_measurements(model, dataset, members, len(hidden_units), metrics, measure)
    wall_time = time.perf_counter() - start
    results = []
    for k, coefficient in enumerate(coefficients):
        pretrained = pretraining_record(
            stack if members is None else pretraining_lib.member_record(stack, k),
            epochs=pretraining_epochs, learning_rate=pretraining_learning_rate, noise=noise,
            activation_l1=coefficient if pretraining_activation_l1 is None
            else pretraining_activation_l1,
        ) if pretraining else {}
        results.append(RunResult(
            dataset=dataset.name, activation=name, seed=seeds[k], hidden_units=list(hidden_units),
            activation_l1=coefficient, sign_trick=sign_trick, weight_decay=weight_decay,
            batch_size=batch_size, max_epochs=epochs, patience=patience, min_epochs=min_epochs,
            selection_epochs=selection_epochs, **tuned[k], **tested[k], wall_time=wall_time,
            ensemble_size=members, **pretrained,
        ).as_dict())
    return results[0] if members is None else results


def _member_coefficients(activation_l1, members, hidden_units):
    """Each network's activation L1 coefficient(s), and `build_network`'s `activation_l1` for them.

    A network alone keeps `activation_l1` as given (a number, or one per
    hidden layer); members take one entry (a number or one per hidden layer)
    each, or one for all.
    """
    if members is None:
        return [activation_l1], activation_l1
    values = list(activation_l1) if is_sequence(activation_l1) else [activation_l1]
    values = values * members if len(values) == 1 else values
    if len(values) != members or any(
        is_sequence(value) and len(value) != len(hidden_units) for value in values
    ):
        raise ValueError(
            f"With {members} seeds, `activation_l1` needs one coefficient per seed (or one for "
            "all), each a number or one per hidden layer. "
            f"Received: activation_l1={activation_l1!r}"
        )
    values = [tuple(float(c) for c in v) if is_sequence(v) else float(v) for v in values]
    per_layer = [
        [value[i] if is_sequence(value) else value for value in values]
        for i in range(len(hidden_units))
    ]
    return values, per_layer


def _test_measurements(model, dataset, members, blocks, metrics, measure):
    """Each network's test error and exact sparsity on the test set, and `metrics` and `measure`."""
    if members is not None:
        report = member_measures.member_report(model, dataset.test.x, dataset.test.y)
        names = [f"hidden_{i + 1}" for i in range(blocks)]
        return [
            dict(
                test_error=float(row["error"]), average_sparsity=float(row["sparsity"]),
                layer_sparsity=[float(row[f"sparsity_{name}"]) for name in names],
                dead_units=[int(row[f"dead_units_{name}"]) for name in names],
                dead_fraction=float(row["dead_fraction"]),
            )
            for _, row in report.iterrows()
        ]
    test = model.evaluate(
        dataset.test.x, dataset.test.y, batch_size=1000, verbose=0, return_dict=True
    )
    if blocks:
        report = measurement.sparsity_report(model, dataset.test.x)
        sparsity = dict(
            average_sparsity=report.attrs["average_sparsity"],
            layer_sparsity=[float(v) for v in report["sparsity"]],
            dead_units=[int(v) for v in report["dead_units"]],
            dead_fraction=report.attrs["dead_fraction"],
        )
    else:
        sparsity = dict(average_sparsity=None, layer_sparsity=[], dead_units=[], dead_fraction=None)
    measurements = {f"test_{metric.name}": float(test[metric.name]) for metric in metrics}
    if measure is not None:
        measurements.update(measure(model))
    return [dict(test_error=1.0 - float(test["accuracy"]), **sparsity, measurements=measurements)]


def pretraining_arguments(pretraining):
    """The pre-training keywords of `train_configuration` for a `config.Pretraining`.

    `None` gives `{}` (no pre-training); the noise is the configuration's
    masking rate(s), also for `salt_and_pepper` (whose first layer
    `configuration_arguments` builds with the network's seed, or each member's).

    Args:
        pretraining: A `sparserect.config.Pretraining` or `None`.
    """
    if pretraining is None:
        return {}
    return dict(
        pretraining=pretraining.reconstruction or True, noise=pretraining.noise,
        pretraining_epochs=pretraining.epochs,
        pretraining_learning_rate=pretraining.learning_rate,
        pretraining_activation_l1=pretraining.activation_l1,
    )


def configuration_arguments(dataset, config, *, seed):
    """The `train_configuration` keywords of a `sparserect.config.Config`, for `dataset`.

    With `pretraining_salt_and_pepper`, the first layer's corrupted entries
    become 1 with the probability of the training inputs' non-zero fraction.

    Args:
        dataset: A `sparserect.datasets.Dataset` (its training inputs set
            the salt probability).
        config: A `sparserect.config.Config`.
        seed: Int >= 0, seeds the weights, sign masks, noise and shuffling;
            or one per network, trained as members (see `train_configuration`).

    Returns:
        A dict of keywords for `train_configuration(dataset, **arguments)`.
    """
    network, tuning, pretrained = config.network, config.fine_tuning, config.pretraining
    activation = network.activation
    if network.sharpness is not None:
        activation = layers.ScaledSoftplus(sharpness=network.sharpness)
    arguments = pretraining_arguments(pretrained)
    if pretrained is not None and pretrained.salt_and_pepper:
        rates = pretrained.noise if isinstance(pretrained.noise, tuple) else (pretrained.noise,)
        first = pretraining_lib.SaltAndPepperNoise(
            rates[0], salt_probability=datasets.nonzero_fraction(dataset.train.x),
            seed=list(seed) if is_sequence(seed) else seed,
        )
        arguments["noise"] = (first, *rates[1:])
    return dict(
        activation=activation, hidden_units=network.hidden_units,
        activation_l1=network.activation_l1, sign_trick=network.sign_trick,
        weight_decay=network.weight_decay, learning_rates=tuning.learning_rates,
        epochs=tuning.epochs, patience=tuning.patience, min_epochs=tuning.min_epochs,
        selection_epochs=tuning.selection_epochs, batch_size=tuning.batch_size, seed=seed,
        **arguments,
    )


def train(dataset, config, *, seed, callbacks=(), checkpoint=None):
    """Trains and measures the network of a `sparserect.config.Config`.

    Optional pre-training (`config.pretraining`), then fine-tuning for each
    candidate learning rate, as `train_configuration` (the same trainer,
    `fine_tune`, with `configuration_arguments`). `config.dataset` and
    `config.train_size` name the data; `dataset` is that data, already loaded.

    Example:

    ```python
    from sparserect import datasets
    from sparserect.reproduce import configs
    result = train(datasets.load("digits"), configs.get("quick").config, seed=0)
    result["test_error"]
    ```

    Args:
        dataset: A `sparserect.datasets.Dataset`.
        config: A `sparserect.config.Config`.
        seed: Int >= 0, seeds the weights, sign masks, noise and shuffling;
            or one per network, trained together as members.
        callbacks: Extra Keras callbacks for every fine-tuning `fit`.
        checkpoint: Optional `checkpoints.Checkpoint` (see `train_configuration`).

    Returns:
        The result dict of `train_configuration` (a list of them for several seeds).
    """
    return train_configuration(
        dataset, **configuration_arguments(dataset, config, seed=seed),
        callbacks=callbacks, checkpoint=checkpoint,
    )
