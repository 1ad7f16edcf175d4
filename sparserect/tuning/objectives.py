"""Tuning objectives: validation accuracy, validation sparsity, the sparsest model near the best.

keras-tuner objectives are names of metrics in the epoch logs, so each one
here is a `keras_tuner.Objective` over a logged value and works with every
tuner (RandomSearch, Hyperband, BayesianOptimization, GridSearch):

- `VAL_ACCURACY`: `val_accuracy`, maximised.
- `VAL_SPARSITY`: `val_sparsity`, the fraction of exact zeros of the hidden
  layers on the validation data, written by `sparserect.layers.SparsityCallback`
  (which `SparseNetworkHyperModel.fit` adds), maximised.
- `VAL_CONSTRAINED_SPARSITY`: `val_constrained_sparsity`, written by the
  `ConstrainedSparsity` callback: the sparsest model within `points`
  percentage points of the best validation accuracy seen, maximised.
"""

import math

import keras
import keras_tuner

from sparserect._checks import check_non_negative_number
from sparserect.tuning import _trials

CONSTRAINED_SPARSITY = "val_constrained_sparsity"

VAL_ACCURACY = keras_tuner.Objective("val_accuracy", direction="max")
VAL_SPARSITY = keras_tuner.Objective("val_sparsity", direction="max")
VAL_CONSTRAINED_SPARSITY = keras_tuner.Objective(CONSTRAINED_SPARSITY, direction="max")

OBJECTIVES = {
    "accuracy": VAL_ACCURACY,
    "sparsity": VAL_SPARSITY,
    "constrained": VAL_CONSTRAINED_SPARSITY,
}

# Accuracies are fractions of examples; float noise must not flip a tie.
_TOLERANCE = 1e-9


def get(name):
    """Returns the objective called `name`: accuracy, sparsity or constrained.

    A `keras_tuner.Objective` is returned as it is.
    """
    if isinstance(name, keras_tuner.Objective):
        return name
    if name not in OBJECTIVES:
        raise ValueError(
            f"Unknown objective: expected one of {sorted(OBJECTIVES)}. "
            f"Received: name={name!r}"
        )
    return OBJECTIVES[name]


def constrained_sparsity(accuracy, sparsity, reference_accuracy, points):
    """Scores a model for "the sparsest within `points` of the best accuracy".

    Formula, with `threshold = reference_accuracy - points / 100`:

    ``` python
    score = sparsity                 if accuracy >= threshold  # in [0, 1]
    score = accuracy - threshold     otherwise                 # in [-1, 0)
    ```

    Every model within the tolerance scores at least 0 and is ranked by its
    sparsity; every model outside scores below 0 and is ranked by how close
    its accuracy comes to the threshold, so that a search (Bayesian
    optimisation in particular) is led back towards feasible models instead
    of being rewarded for sparse but inaccurate ones.

    Args:
        accuracy: The model's validation accuracy, a fraction.
        sparsity: The model's validation sparsity, a fraction.
        reference_accuracy: The best validation accuracy seen, a fraction.
        points: Float >= 0, the tolerance in percentage points of accuracy.

    Returns:
        A float.
    """
    threshold = reference_accuracy - points / 100.0
    if accuracy >= threshold - _TOLERANCE:
        return float(sparsity)
    return float(accuracy - threshold)


def best_recorded_accuracy(project_dir, metric="val_accuracy"):
    """Returns the best `metric` of the finished trials in a search folder.

    Reads `project_dir/trial_*/trial.json`; only trials with status
    `COMPLETED` count. Returns `-inf` when there are none (or no folder yet).
    """
    try:
        return _trials.best_value(_trials.trial_states(project_dir), metric)
    except FileNotFoundError:
        return -math.inf


class ConstrainedSparsity(keras.callbacks.Callback):
    """Writes `val_constrained_sparsity` into the epoch logs, for `VAL_CONSTRAINED_SPARSITY`.

    At the end of every epoch it scores the model with `constrained_sparsity`
    against a reference accuracy: the best validation accuracy *seen so far*,
    that is the largest of

    - the best `val_accuracy` recorded by the search's finished trials
      (read from `project_dir/trial_*/trial.json` at each epoch end, so that
      in a distributed search on a shared folder it includes other workers'
      trials), and
    - the best `val_accuracy` of this training run up to this epoch.

    The reference only grows during a search, so a trial's score depends on
    when it ran: an early trial may count as "within the tolerance" of a
    best accuracy that a later trial beats. Keras-tuner ranks trials by these
    online scores; for the final choice, `sparserect.tuning.sparsest_within`
    applies the rule after the fact against the best accuracy of the whole
    search (this is what `sparserect tune` saves as the best model).

    Place it after the `SparsityCallback` (which `SparseNetworkHyperModel.fit`
    puts first): pass it in `tuner.search(..., callbacks=[...])`.

    Example:

    ``` python
    tuner = keras_tuner.RandomSearch(
        SparseNetworkHyperModel((28, 28, 1), 10),
        objective=VAL_CONSTRAINED_SPARSITY, max_trials=20,
        directory="tuning", project_name="mnist",
    )
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=3,
                 callbacks=[ConstrainedSparsity(points=1.0,
                                                project_dir=tuner.project_dir)])
    ```

    Args:
        points: Float >= 0, the accuracy tolerance in percentage points.
            Defaults to `1.0`.
        project_dir: The search's project folder (`tuner.project_dir`), or
            `None` to compare with this training run only.
        accuracy: The logged accuracy to compare. Defaults to `"val_accuracy"`.
        sparsity: The logged sparsity to reward. Defaults to `"val_sparsity"`.
    """

    def __init__(
        self, points=1.0, project_dir=None, accuracy="val_accuracy", sparsity="val_sparsity"
    ):
        super().__init__()
        check_non_negative_number("points", points)
        self.points = float(points)
        self.project_dir = None if project_dir is None else str(project_dir)
        self.accuracy = accuracy
        self.sparsity = sparsity
        self._best_accuracy = -math.inf

    def on_train_begin(self, logs=None):
        self._best_accuracy = -math.inf

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        missing = [key for key in (self.accuracy, self.sparsity) if key not in logs]
        if missing:
            raise ValueError(
                f"ConstrainedSparsity needs {missing} in the epoch logs: train "
                "with validation data, and put a SparsityCallback before it. "
                f"Received: logs keys={sorted(logs)}"
            )
        accuracy = float(logs[self.accuracy])
        self._best_accuracy = max(self._best_accuracy, accuracy)
        reference = self._best_accuracy
        if self.project_dir is not None:
            reference = max(reference, best_recorded_accuracy(self.project_dir, self.accuracy))
        logs[CONSTRAINED_SPARSITY] = constrained_sparsity(
            accuracy, float(logs[self.sparsity]), reference, self.points
        )
