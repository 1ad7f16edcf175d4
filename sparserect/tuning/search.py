"""Running a whole search: data, tuner, progress, resumption, the front and the best model.

`run_search` is what `sparserect tune` runs. A search lives in
`directory/project_name/`, keras-tuner's layout (`oracle.json`,
`trial_<id>/trial.json`, each trial's best checkpoint), and is resumed by
running it again: keras-tuner reloads its oracle (`overwrite=False`), keeps
every finished trial and sends the trial that was running when the search
stopped back to be run again under the same id.

Distributed searches use keras-tuner's own mode: a chief process serves the
oracle over gRPC and worker processes run trials, set up by the
environment variables `KERASTUNER_TUNER_ID` (`chief`, or a worker's own id),
`KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`. Every process runs the
same `run_search`; the chief writes the outputs when all trials are done.
See `docs/tuning.md`.
"""

import dataclasses
import logging
import math
import os
import pathlib
import shutil
import time

import keras
import keras_tuner

from sparserect.tuning import objectives as objectives_module
from sparserect.tuning import pareto
from sparserect.tuning import pareto_search
from sparserect.tuning.hypermodel import SparseNetworkHyperModel
from sparserect._checks import check_non_negative_number, check_positive_int
from sparserect._atomic import write_csv
from sparserect._sampling import fixed_subset

logger = logging.getLogger(__name__)

HYPERBAND_FACTOR = 3


class TrialLogging:
    """Tuner mixin that logs one line per finished trial: status, time, metrics, values."""

    def on_trial_begin(self, trial):
        super().on_trial_begin(trial)
        self._trial_started = time.monotonic()

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        seconds = time.monotonic() - getattr(self, "_trial_started", time.monotonic())
        recorded = self.oracle.get_trial(trial.trial_id)
        metrics = recorded.metrics
        values = [
            f"{name} {metrics.get_last_value(name):.4f}"
            for name in ("val_accuracy", "val_sparsity", objectives_module.CONSTRAINED_SPARSITY)
            if metrics.exists(name)
        ]
        settings = " ".join(
            f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"
            for name, value in recorded.hyperparameters.values.items()
            if not name.startswith("tuner/")
        )
        logger.info(
            "[%s] trial %s %s in %.1f s: %s | %s",
            self.tuner_id, recorded.trial_id, recorded.status, seconds,
            ", ".join(values) or "no metrics", settings,
        )  # fmt: skip


class RandomSearch(TrialLogging, keras_tuner.RandomSearch):
    """`keras_tuner.RandomSearch` that logs a line per trial."""


class Hyperband(TrialLogging, keras_tuner.Hyperband):
    """`keras_tuner.Hyperband` that logs a line per trial."""


class BayesianOptimization(TrialLogging, keras_tuner.BayesianOptimization):
    """`keras_tuner.BayesianOptimization` that logs a line per trial."""


class GridSearch(TrialLogging, keras_tuner.GridSearch):
    """`keras_tuner.GridSearch` that logs a line per trial."""


class ParetoSearch(TrialLogging, pareto_search.ParetoSearch):
    """`sparserect.tuning.ParetoSearch` that logs a line per trial."""


TUNERS = {
    "random": RandomSearch,
    "hyperband": Hyperband,
    "bayesian": BayesianOptimization,
    "grid": GridSearch,
    "pareto": ParetoSearch,
}

# What the `pareto` tuner aims at: the whole front, or the front within
# `points` of the best accuracy.
PARETO_OBJECTIVES = ("front", "constrained")


def make_tuner(
    hypermodel,
    tuner="random",
    objective=None,
    *,
    max_trials=20,
    max_epochs=3,
    directory="tuning",
    project_name="search",
    seed=1,
    overwrite=False,
    points=1.0,
):
    """Builds a tuner of the named kind, resuming the search found in its folder.

    Args:
        hypermodel: A `keras_tuner.HyperModel`, e.g. `SparseNetworkHyperModel`.
        tuner: `"random"`, `"hyperband"`, `"bayesian"`, `"grid"` or
            `"pareto"` (`ParetoSearch`: the front of validation accuracy and
            sparsity).
        objective: For the single-objective tuners, `"accuracy"` (the
            default), `"sparsity"`, `"constrained"` or a
            `keras_tuner.Objective`. For `"pareto"`, `"front"` (the default:
            the whole front) or `"constrained"` (the front within `points`
            of the best validation accuracy, a `Constraint`).
        max_trials: Int > 0, the number of trials (not used by Hyperband,
            whose budget is `max_epochs` and its factor of 3, one iteration).
        max_epochs: Hyperband only: the most epochs a model is trained.
        directory: The folder of searches.
        project_name: The search's sub-folder.
        seed: The oracle's random seed; keras-tuner draws a random one for
            `0` or `None`. Defaults to `1`.
        overwrite: Whether to delete the search found in the folder instead
            of resuming it.
        points: The `"constrained"` tolerance, in percentage points of
            validation accuracy, for `"pareto"` (the single-objective tuners
            take it from the `ConstrainedSparsity` callback). Defaults to `1.0`.

    Returns:
        A tuner (a subclass of the keras-tuner class that logs every trial).
    """
    if tuner not in TUNERS:
        raise ValueError(
            f"Unknown tuner: expected one of {sorted(TUNERS)}. Received: tuner={tuner!r}"
        )
    check_positive_int("max_trials", max_trials)
    common = dict(
        hypermodel=hypermodel,
        seed=seed,
        directory=str(directory),
        project_name=project_name,
        overwrite=overwrite,
    )
    if tuner == "pareto":
        if objective not in (None, *PARETO_OBJECTIVES):
            raise ValueError(
                f"The pareto tuner searches accuracy and sparsity together: expected an "
                f"objective in {PARETO_OBJECTIVES}. Received: objective={objective!r}"
            )
        constraints = []
        if objective == "constrained":
            check_non_negative_number("points", points)
            constraints.append(
                pareto_search.Constraint("val_accuracy", points_below_best=points)
            )
        return ParetoSearch(max_trials=max_trials, constraints=constraints, **common)
    common["objective"] = objectives_module.get("accuracy" if objective is None else objective)
    if tuner == "hyperband":
        return Hyperband(
            max_epochs=max_epochs, factor=HYPERBAND_FACTOR, hyperband_iterations=1, **common
        )
    return TUNERS[tuner](max_trials=max_trials, **common)


def keep_finished_trials(oracle):
    """Takes finished trials out of the queue of trials to run again; returns their ids.

    keras-tuner (1.4) writes `oracle.json` before it takes an ended trial off
    the ongoing ones, and a distributed chief writes nothing after its last
    `end_trial`; a reloaded search would run such a trial twice. Trials whose
    `trial.json` says `COMPLETED` or `FAILED` leave the queue; `INVALID` ones stay.
    """
    queue = oracle._retry_queue  # keras-tuner keeps no public handle on it
    finished = [i for i in queue if oracle.trials[i].status in ("COMPLETED", "FAILED")]
    queue[:] = [i for i in queue if i not in finished]
    return finished


def distributed_role():
    """Returns `"chief"`, `"worker"` or `None`, from keras-tuner's environment variables.

    As in keras-tuner, a process is part of a distributed search when
    `KERASTUNER_ORACLE_IP` is set, and is the chief when its
    `KERASTUNER_TUNER_ID` contains `"chief"`.
    """
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return None
    return "chief" if "chief" in os.environ.get("KERASTUNER_TUNER_ID", "") else "worker"


@dataclasses.dataclass
class SearchResult:
    """What `run_search` produced.

    Attributes:
        project_dir: The search's folder.
        frame: The `pareto_front` DataFrame of all trials (`None` on a
            distributed worker, which writes no outputs).
        best_trial_id: The trial whose model was saved, or `None`.
        best_model_path: The `.keras` file, or `None`.
        saved_model_path: The SavedModel folder, or `None` (not on the
            TensorFlow backend, or on a worker).
        test_accuracy: The best model's accuracy on the test split, or NaN.
        test_sparsity: The best model's exact sparsity on the test split, or NaN.
        seconds: Wall time of the call.
    """

    project_dir: pathlib.Path
    frame: object = None
    best_trial_id: str | None = None
    best_model_path: pathlib.Path | None = None
    saved_model_path: pathlib.Path | None = None
    test_accuracy: float = math.nan
    test_sparsity: float = math.nan
    seconds: float = 0.0


def run_search(
    dataset,
    tuner="random",
    objective=None,
    *,
    max_trials=20,
    epochs=3,
    batch_size=100,
    directory="tuning",
    project_name=None,
    data_dir=None,
    train_examples=None,
    points=1.0,
    seed=1,
    overwrite=False,
    hypermodel=None,
    **hypermodel_kwargs,
):
    """Runs (or resumes) a search and writes its front and best model.

    Writes into `directory/project_name/`:

    - `pareto_front.csv`: `pareto_front(tuner)`, one row per trial;
    - `pareto_front.png`: `plot_pareto_front` of it;
    - `best_model.keras`: the best trial's model, from its checkpoint. The
      best trial is the tuner's best for the accuracy and sparsity
      objectives and for the front (`ParetoOracle.get_best_trials`: the
      trial on the front with the largest own hypervolume), and
      `sparsest_within(frame, points)` for the constrained one (the rule
      applied against the best accuracy of the whole search);
    - `best_model_savedmodel/`: the same model exported as a TensorFlow
      SavedModel (`model.export`), on the TensorFlow backend only.

    Args:
        dataset: A name for `sparserect.datasets.load` (e.g. `"mnist"`,
            `"digits"`, `"rt-polarity"`) or a `Dataset`.
        tuner: `"random"`, `"hyperband"`, `"bayesian"`, `"grid"` or `"pareto"`.
        objective: `"accuracy"` (the default), `"sparsity"` or
            `"constrained"`; for `"pareto"`, `"front"` (the default) or
            `"constrained"` (see `make_tuner`).
        max_trials: Number of trials (see `make_tuner` for Hyperband).
        epochs: Training epochs of every trial (Hyperband: the most).
        batch_size: SGD mini-batch size.
        directory: The folder of searches.
        project_name: The search's sub-folder; defaults to
            `"<dataset>-<tuner>-<objective>"`.
        data_dir: Passed to the data set loader.
        train_examples: Optional int: train on a fixed random subset of this
            many training examples (the validation split stays whole).
        points: The tolerance of the constrained objective, in percentage
            points of validation accuracy.
        seed: Seeds the subset, the oracle and every trial's initial weights.
            Defaults to `1`: keras-tuner draws a random oracle seed for `0`.
        overwrite: Start afresh instead of resuming.
        hypermodel: Optional `keras_tuner.HyperModel` to use instead of a
            `SparseNetworkHyperModel`.
        **hypermodel_kwargs: Arguments of `SparseNetworkHyperModel` that
            narrow the space (`activation`, `depth`, `units`, ...).

    Returns:
        A `SearchResult`.
    """
    from sparserect import datasets
    from sparserect.measurement import sparsity_report

    started = time.monotonic()
    data = datasets.load(dataset, data_dir=data_dir) if isinstance(dataset, str) else dataset
    if objective is None:
        objective = "front" if tuner == "pareto" else "accuracy"
    objective_name = objective if isinstance(objective, str) else objective.name
    project_name = project_name or f"{data.name}-{tuner}-{objective_name}"
    train = data.train
    if train_examples is not None and train_examples < len(train):
        train = train.take(fixed_subset(len(train), train_examples, seed))
    if hypermodel is None:
        hypermodel = SparseNetworkHyperModel(
            data.input_shape, data.num_classes, seed=seed, **hypermodel_kwargs
        )
    search_tuner = make_tuner(
        hypermodel, tuner, objective, max_trials=max_trials, max_epochs=epochs,
        directory=directory, project_name=project_name, seed=seed, overwrite=overwrite,
        points=points,
    )
    project_dir = pathlib.Path(search_tuner.project_dir)
    role = distributed_role()
    if role != "worker":
        kept = keep_finished_trials(search_tuner.oracle)
        if kept:
            logger.info("Trials %s had finished: they are not run again", ", ".join(kept))
        finished = sum(t.status == "COMPLETED" for t in search_tuner.oracle.trials.values())
        logger.info(
            "Search %s (%s, %s objective) on %s: %d train / %d validation examples, "
            "%d trials finished before this run",
            project_dir, tuner, objective_name, data.name, len(train),
            len(data.validation), finished,
        )  # fmt: skip
    if tuner == "pareto":
        constrained = objective == "constrained"
    else:
        constrained = objectives_module.get(objective) == objectives_module.VAL_CONSTRAINED_SPARSITY
    callbacks = []
    if constrained and tuner != "pareto":  # the oracle applies the constraint itself
        callbacks.append(objectives_module.ConstrainedSparsity(points, project_dir))
    search_tuner.search(
        train.x, train.y,
        validation_data=(data.validation.x, data.validation.y),
        epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=0,
    )  # fmt: skip
    if role == "worker":
        logger.info("[%s] no trials left; the chief writes the results", search_tuner.tuner_id)
        return SearchResult(project_dir, seconds=time.monotonic() - started)
    search_tuner.save()  # the chief's last `oracle.json` still lists a trial as ongoing

    frame = pareto.pareto_front(search_tuner)
    write_csv(project_dir / "pareto_front.csv", frame)
    pareto.plot_pareto_front(
        frame, project_dir / "pareto_front.png",
        title=f"{data.name}: {len(frame)} trials, {tuner} search",
    )  # fmt: skip
    result = SearchResult(project_dir, frame=frame)
    if not (frame["status"] == "COMPLETED").any():
        logger.warning("No trial completed; no best model to save")
        result.seconds = time.monotonic() - started
        return result
    if constrained:
        best_trial_id = pareto.sparsest_within(frame, points)["trial_id"]
        best_trial = search_tuner.oracle.get_trial(best_trial_id)
    else:
        best_trial = search_tuner.oracle.get_best_trials(1)[0]
    model = search_tuner.load_model(best_trial)
    result.best_trial_id = best_trial.trial_id
    result.best_model_path = project_dir / "best_model.keras"
    model.save(result.best_model_path)
    if keras.backend.backend() == "tensorflow":
        result.saved_model_path = project_dir / "best_model_savedmodel"
        shutil.rmtree(result.saved_model_path, ignore_errors=True)
        model.export(str(result.saved_model_path), verbose=False)
    else:
        logger.info(
            "SavedModel export skipped: it needs the TensorFlow backend (KERAS_BACKEND=%s)",
            keras.backend.backend(),
        )
    if len(data.test):
        _, result.test_accuracy = model.evaluate(
            data.test.x, data.test.y, batch_size=1000, verbose=0
        )
        result.test_sparsity = sparsity_report(model, data.test.x).attrs["average_sparsity"]
    result.seconds = time.monotonic() - started
    logger.info(
        "Best trial %s: test accuracy %.4f, test sparsity %.4f; wrote %s",
        result.best_trial_id, result.test_accuracy, result.test_sparsity, project_dir,
    )  # fmt: skip
    return result
