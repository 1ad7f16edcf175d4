"""What every experiment shares: data set presets, loading, and the resumable loop.

An experiment is a list of configurations, each a key and the keyword
arguments of `train_configuration`. `run_configurations` trains them in
order, writes each result to `runs/<key>.json` as soon as it is finished and,
with `resume=True`, skips the keys whose file is already there, provided the
stored network was trained with the same settings, and continues an
unfinished one from its last epoch (`runs/<key>.checkpoint.npz`). `run_jobs`
is that loop for any list of keyed training functions.
"""

import dataclasses
import hashlib
import json
import logging
import time

import keras

from sparserect import _checks
from sparserect import datasets
from sparserect._sampling import fixed_subset
from sparserect.reproduce import ensemble_training
from sparserect.reproduce import results as results_lib
from sparserect.reproduce.checkpoints import Checkpoint
from sparserect.reproduce.training import PAPER_LEARNING_RATES
from sparserect.reproduce.training import train_configuration

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Preset:
    """Training choices for one data set; every field is a `train_configuration` argument.

    The paper states neither the number of epochs nor early stopping; ours:
    at most `epochs` epochs, stopping after `patience` epochs without a
    better validation error but not before `min_epochs`, restoring the best
    epoch's weights.
    """

    hidden_units: tuple = (1000, 1000, 1000)
    learning_rates: tuple = PAPER_LEARNING_RATES
    epochs: int = 50
    patience: int = 5
    min_epochs: int = 0
    selection_epochs: int | None = None
    pretraining_epochs: int = 10
    pretraining_learning_rate: float | tuple = 0.01
    weight_decay: float = 0.0
    train_size: int | None = None

    def training_arguments(self):
        arguments = dataclasses.asdict(self)
        arguments.pop("train_size")
        return arguments


PRESETS = {
    # The embedded digits (1,197 training images of 64 pixels): 3 hidden
    # layers of 500 units (the paper's 1000 do not fit the main job's budget
    # of 5 minutes on 2 cores); rates 0.1 and 0.01 compared after 2 epochs,
    # the winner trained up to 40 (patience 5, but not before epoch 15: the
    # softplus networks stay at chance level for about 7 epochs before they
    # learn); 1 pre-training epoch per layer at 0.001 (at 0.01 the softplus
    # stack's third layer ends with a reconstruction cost of about 400 and
    # dozens of dead units).
    "digits": Preset(
        hidden_units=(500, 500, 500), learning_rates=(0.1, 0.01), epochs=40,
        patience=5, min_epochs=15, selection_epochs=2, pretraining_epochs=1,
        pretraining_learning_rate=0.001,
    ),
    "mnist": Preset(),
    "mnist-p": Preset(),
    "cifar10": Preset(),
    "nistp": Preset(),
    "norb": Preset(hidden_units=(4000, 2000)),
}

# `--quick`: a smoke run of any data set in minutes.
QUICK = dict(
    learning_rates=(0.1,), epochs=3, patience=2, min_epochs=0, selection_epochs=None,
    pretraining_epochs=1, train_size=5000,
)


def preset(dataset, quick=False, **overrides):
    """Returns the `Preset` of a data set, with `--quick` and explicit overrides.

    Args:
        dataset: A registered data set name.
        quick: Whether to apply `QUICK`.
        **overrides: Fields to replace; `None` values are ignored.
    """
    if dataset not in PRESETS:
        raise ValueError(
            f"No experiment preset for this data set; choose among {sorted(PRESETS)}. "
            f"Received: dataset={dataset!r}"
        )
    chosen = PRESETS[dataset]
    if quick:
        chosen = dataclasses.replace(chosen, **QUICK)
    overrides = {name: value for name, value in overrides.items() if value is not None}
    chosen = dataclasses.replace(chosen, **overrides)
    for name in ("epochs", "patience", "pretraining_epochs"):
        _checks.check_positive_int(name, getattr(chosen, name))
    _checks.check_non_negative_int("min_epochs", chosen.min_epochs)
    _checks.check_positive_int("selection_epochs", chosen.selection_epochs, allow_none=True)
    _checks.check_positive_int("train_size", chosen.train_size, allow_none=True)
    return chosen


def check_seeds(seeds):
    """Returns `seeds` as a tuple; a `ValueError` unless it holds ints >= 0, at least one."""
    valid = isinstance(seeds, (list, tuple, range)) and len(seeds) > 0
    if not valid or not all(_checks.is_seed(seed) for seed in seeds):
        raise ValueError(
            "`seeds` must be a sequence of one or more ints >= 0, e.g. `range(3)`. "
            f"Received: seeds={seeds!r}"
        )
    return tuple(seeds)


def load_dataset(name, data_dir=None, train_size=None, seed=0):
    """Loads a data set in the paper's split, optionally a random subset of its training set.

    Args:
        name: A data set name of `sparserect.datasets.load`.
        data_dir: Folder of the data files, or `None` for the usual lookup.
        train_size: Int or `None`: keep this many training examples.
        seed: Seed of the subset.
    """
    kwargs = {} if data_dir is None else {"data_dir": data_dir}
    dataset = datasets.load(name, **kwargs)
    if train_size is not None and train_size < len(dataset.train):
        rows = fixed_subset(len(dataset.train), train_size, seed)
        dataset = dataclasses.replace(dataset, train=dataset.train.take(rows))
    return dataset


# The arguments that the members of one ensemble share (they differ in seed
# and activation L1 coefficient only).
ENSEMBLE_SHARED_ARGUMENTS = (
    "activation", "hidden_units", "sign_trick", "weight_decay", "learning_rates", "epochs",
    "patience", "min_epochs", "selection_epochs", "batch_size", "steps_per_execution",
)


def _ensemble_groups(configurations):
    """Groups the configurations that one ensemble can train: no pre-training, an activation name.

    Networks that differ only in `seed` and `activation_l1` share a group.
    """
    groups = {}
    for key, kwargs in configurations:
        if kwargs.get("pretraining") or not isinstance(kwargs.get("activation", "rectifier"), str):
            continue
        shared = {
            name: kwargs[name] for name in ENSEMBLE_SHARED_ARGUMENTS if name in kwargs
        }
        group = repr(sorted(shared.items()))
        groups.setdefault(group, (shared, []))[1].append((key, kwargs))
    return list(groups.values())


def _group_key(keys):
    """A file-name key for the networks trained as one ensemble: `ensemble-<hash of their keys>`."""
    digest = hashlib.sha1("\n".join(keys).encode("utf-8")).hexdigest()[:12]
    return f"ensemble-{digest}"


def resume_settings(dataset, kwargs):
    """The settings that decide a configuration's result, as JSON values.

    The data set's name and training-set size and the `train_configuration`
    arguments, less those that cannot change the result: the speed-only
    `steps_per_execution`, and the `pretraining_*` ones of a network
    without pre-training.
    """
    settings = {"dataset": dataset.name, "train_size": len(dataset.train), **kwargs}
    settings.pop("steps_per_execution", None)
    if not settings.get("pretraining"):
        settings = {
            name: value for name, value in settings.items() if not name.startswith("pretraining_")
        }
    text = json.dumps(results_lib.plain(settings), default=keras.saving.serialize_keras_object)
    return json.loads(text)


def settings_differences(stored, settings):
    """The settings in which a stored result differs from `settings`: `{name: (stored, now)}`.

    A result stored before results recorded their settings has none to
    compare. A different `epochs` does not count when it cannot change the
    result: one learning rate, and early stopping ended the stored run
    before both caps (training is deterministic for a seed).
    """
    recorded = stored.get("settings")
    if recorded is None:
        return {}
    differences = {
        name: (recorded.get(name), settings.get(name))
        for name in sorted(set(recorded) | set(settings))
        if recorded.get(name) != settings.get(name)
    }
    if "epochs" in differences:
        before, now = differences["epochs"]
        ran = stored.get("epochs_run")
        single_rate = len(stored.get("candidates") or {}) == 1
        if single_rate and None not in (ran, before, now) and ran < before and ran <= now:
            del differences["epochs"]
    return differences


def check_resumable(store, settings):
    """Raises a `ValueError` if a stored result of these keys was trained with other settings.

    Args:
        store: A `results.RunStore`.
        settings: `{key: resume_settings(...)}` of the configurations to run.
    """
    conflicts = []
    for key, wanted in settings.items():
        stored = store.load(key)
        differences = {} if stored is None else settings_differences(stored, wanted)
        if differences:
            described = ", ".join(
                f"{name}={before!r} there, {now!r} now" for name, (before, now) in differences.items()
            )
            conflicts.append(f"{store.path(key)} ({described})")
    if conflicts:
        raise ValueError(
            "`resume=True` continues a run with the same settings, but these stored networks "
            "were trained with other ones; write to another folder (`out`, `--out`), or delete "
            f"their files to train them again. Received: {'; '.join(conflicts)}"
        )


def run_configurations(
    directory, dataset, configurations, resume=False, train=train_configuration, ensemble=False
):
    """Trains each configuration and stores its result as soon as it is finished.

    Every stored result records its settings (`resume_settings`).

    Args:
        directory: The experiment's output folder (`runs/` goes inside).
        dataset: The `Dataset` to train on.
        configurations: List of `(key, kwargs)`; `kwargs` go to `train`.
        resume: Whether to skip the keys already stored (from an interrupted
            run); otherwise they are trained again and overwritten. A `ValueError`
            (before any training) if a stored one has other settings.
        train: The function training one configuration,
            `train(dataset, **kwargs, checkpoint=...) -> dict`; `checkpoint`
            (a `checkpoints.Checkpoint`, in `runs/<key>.checkpoint.npz`)
            keeps its progress epoch by epoch, so that with `resume=True` a
            configuration interrupted midway continues where it stopped.
        ensemble: Whether to train the configurations without pre-training
            that differ only in seed and L1 coefficient as one vectorised
            ensemble per group (`ensemble_training.train_ensemble`), first;
            the others are trained one by one.

    Returns:
        The list of result dicts, in the order of `configurations`, each with
        its `key`.
    """
    store = results_lib.RunStore(directory)
    settings = {key: resume_settings(dataset, kwargs) for key, kwargs in configurations}
    if resume:
        check_resumable(store, settings)
    finished = set()
    if ensemble:
        pending = [(key, kwargs) for key, kwargs in configurations if not (resume and store.load(key))]
        for shared, members in _ensemble_groups(pending):
            keys = [key for key, _ in members]
            checkpoint = Checkpoint(
                store.checkpoint_path(_group_key(keys)), [settings[key] for key in keys]
            )
            if not resume:
                checkpoint.clear()
            results = ensemble_training.train_ensemble(
                dataset,
                seeds=[kwargs["seed"] for _, kwargs in members],
                activation_l1=[kwargs.get("activation_l1", 0.0) for _, kwargs in members],
                label=f"{len(members)} networks ({shared.get('activation', 'rectifier')})",
                checkpoint=checkpoint,
                **shared,
            )
            for key, result in zip(keys, results):
                store.save(key, {"key": key, **result, "settings": settings[key]})
                finished.add(key)
            checkpoint.clear()
    jobs = []
    for key, kwargs in configurations:
        checkpoint = Checkpoint(store.checkpoint_path(key), settings[key])
        if not resume:
            checkpoint.clear()
        jobs.append((key, lambda kwargs=kwargs, checkpoint=checkpoint: train(
            dataset, **kwargs, checkpoint=checkpoint
        )))
    return run_jobs(store, jobs, resume=resume, finished=finished, settings=settings)


def run_jobs(store, jobs, resume=False, finished=(), settings=None):
    """Runs `(key, train)` jobs in order, storing each result as soon as it is finished.

    Args:
        store: A `results.RunStore` (or the experiment's folder).
        jobs: List of `(key, train)`, `train()` returning a result dict.
        resume: Whether to keep the results already stored instead of
            training them again.
        finished: Keys stored by this run already (kept, whatever `resume`).
        settings: Optional `{key: settings}` stored with each result under
            `"settings"`.

    Returns:
        The result dicts in the order of `jobs`, each with its `key`.
    """
    if not isinstance(store, results_lib.RunStore):
        store = results_lib.RunStore(store)
    start, trained, outcomes = time.perf_counter(), 0, []
    for index, (key, train) in enumerate(jobs, 1):
        stored = store.load(key) if resume or key in finished else None
        if stored is not None:
            how = "trained in an ensemble" if key in finished else "finished before, kept"
            logger.info("[%d/%d] %s: %s", index, len(jobs), key, how)
            outcomes.append(stored)
            continue
        elapsed = time.perf_counter() - start
        remaining = len(jobs) - index + 1
        eta = f", about {elapsed / trained * remaining / 60:.1f} min left" if trained else ""
        logger.info("[%d/%d] %s%s", index, len(jobs), key, eta)
        result = {"key": key, **train()}
        if settings is not None:
            result["settings"] = settings[key]
        store.save(key, result)
        store.checkpoint_path(key).unlink(missing_ok=True)  # finished: no progress to keep
        trained += 1
        outcomes.append(result)
    return outcomes
