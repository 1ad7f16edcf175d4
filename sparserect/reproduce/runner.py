"""What every experiment shares: its configuration, loading, and the resumable loop.

An experiment is a list of networks, each a key, a `sparserect.config.Config`
and a seed. `run_configurations` trains them in order, writes each result to
`runs/<key>.json` as soon as it is finished (with its whole configuration,
its seed and the software and machine it ran on) and, with `resume=True`,
skips the keys whose file is already there, provided the stored network was
trained with the same configuration, and continues an unfinished one from
its last epoch (`runs/<key>.checkpoint.npz`). `run_jobs` is that loop for
any list of keyed training functions.
"""

import dataclasses
import hashlib
import json
import logging
import os
import platform
import time

import keras
import numpy as np

from sparserect import _checks
from sparserect import datasets
from sparserect._sampling import fixed_subset
from sparserect.reproduce import configs
from sparserect.reproduce import results as results_lib
from sparserect.reproduce import training
from sparserect.reproduce.checkpoints import Checkpoint
from sparserect.reproduce.training import train as train_network

logger = logging.getLogger(__name__)

# The rule of the examples' orders, in every checkpoint's settings: progress saved under
# another rule (Keras's shuffling in pre-training, or one order shared by members) is not
# resumed, so that a resumed run ends with the numbers of an uninterrupted one.
_ORDERS = "epoch_order of each network's seed, pre-training included"


def experiment_config(dataset=None, *, config=None, quick=False, **overrides):
    """The base configuration of an experiment: a named one or a data set's, then changes.

    Args:
        dataset: A data set name, or `None` for the named configuration's
            (or `"digits"`).
        config: A name of `configs.CONFIGS`, or `None` for the data set's
            (`configs.base_config`).
        quick: Whether to make it a smoke run (`configs.quick`).
        **overrides: Fields by their `sparserect.config.flat_names()`
            (`epochs`, `hidden_units`, `pretraining_epochs`, ...); `None`
            values are ignored.
    """
    if config is None:
        chosen = configs.base_config(dataset or "digits")
    else:
        chosen = configs.get(config).config.replace(dataset=dataset)
    if quick:
        chosen = configs.quick(chosen)
    return chosen.replace(**overrides)


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


def _ensemble_groups(configurations):
    """Groups the networks that differ only in seed and L1 coefficient, for one ensemble each."""
    groups = {}
    for key, config, seed in configurations:
        shared = config.replace(activation_l1=0.0)
        groups.setdefault(shared, []).append((key, config, seed))
    return list(groups.items())


def _group_key(keys):
    """A file-name key for the networks trained as one ensemble: `ensemble-<hash of their keys>`."""
    digest = hashlib.sha1("\n".join(keys).encode("utf-8")).hexdigest()[:12]
    return f"ensemble-{digest}"


def environment():
    """The machine and software a result was computed with, as JSON values."""
    import sparserect

    return {
        "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "sparserect": getattr(sparserect, "__version__", None), "keras": keras.__version__,
        "backend": keras.backend.backend(), "numpy": np.__version__,
    }


def _flat(values, prefix=""):
    """Nested dicts as `{dotted name: value}`."""
    flat = {}
    for name, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def record_differences(stored, record):
    """The fields in which a stored result's record differs from `record`: `{name: (stored, now)}`.

    A record is `{"config": ..., "seed": ...}`; names are dotted
    (`config.fine_tuning.epochs`). A different `epochs` does not count when
    it cannot change the result: one learning rate, and early stopping
    ended the stored run before both caps (training is deterministic for a
    seed).
    """
    before = _flat({name: stored.get(name) for name in record})
    now = _flat(json.loads(json.dumps(results_lib.plain(record))))
    differences = {
        name: (before.get(name), now.get(name))
        for name in sorted(set(before) | set(now))
        if before.get(name) != now.get(name)
    }
    epochs = "config.fine_tuning.epochs"
    if epochs in differences:
        was, wanted = differences[epochs]
        ran = stored.get("epochs_run")
        single_rate = len(stored.get("candidates") or {}) == 1
        if single_rate and None not in (ran, was, wanted) and ran < was and ran <= wanted:
            del differences[epochs]
    return differences


def check_resumable(store, records):
    """Raises a `ValueError` if a stored result of these keys was trained otherwise.

    Args:
        store: A `results.RunStore`.
        records: `{key: {"config": ..., "seed": ...}}` of the networks to run.
    """
    conflicts = []
    for key, record in records.items():
        stored = store.load(key)
        if stored is None:
            continue
        if "config" not in stored:
            raise ValueError(
                f"{store.path(key)} was written before results stored their configuration, so "
                "`resume` cannot tell whether it fits: run again without `resume` (--resume) "
                f"into a new folder (`out`, --out). Received: resume=True"
            )
        differences = record_differences(stored, record)
        if differences:
            described = ", ".join(
                f"{name}={before!r} there, {now!r} now" for name, (before, now) in differences.items()
            )
            conflicts.append(f"{store.path(key)} ({described})")
    if conflicts:
        raise ValueError(
            "`resume=True` continues a run with the same configuration, but these stored "
            "networks were trained with another one; write to another folder (`out`, --out), "
            f"or delete their files to train them again. Received: {'; '.join(conflicts)}"
        )


def run_configurations(
    directory, dataset, configurations, resume=False, train=train_network, ensemble=False
):
    """Trains each network and stores its result as soon as it is finished.

    Every stored result records its `config`, `seed` and `environment()`.

    Args:
        directory: The experiment's output folder (`runs/` goes inside).
        dataset: The `Dataset` to train on.
        configurations: List of `(key, config, seed)`.
        resume: Whether to skip the keys already stored (from an interrupted
            run); otherwise they are trained again and overwritten. A `ValueError`
            (before any training) if a stored one has another configuration.
        train: The function training one network,
            `train(dataset, config, seed=..., checkpoint=...) -> dict`
            (`training.train`); `checkpoint` (a `checkpoints.Checkpoint`, in
            `runs/<key>.checkpoint.npz`) keeps its progress epoch by epoch,
            so that with `resume=True` a network interrupted midway continues
            where it stopped.
        ensemble: Whether to train the networks that differ only in seed
            and L1 coefficient as one vectorised ensemble per group
            (`training.train_configuration` with their seeds, pre-training
            included); `train` is then not called.

    Returns:
        The list of result dicts, in the order of `configurations`, each with
        its `key`.
    """
    store = results_lib.RunStore(directory)
    records = {
        key: {"config": config.to_dict(), "seed": seed} for key, config, seed in configurations
    }
    if resume:
        check_resumable(store, records)
    finished = set()
    if ensemble:
        pending = [entry for entry in configurations if not (resume and store.load(entry[0]))]
        for shared, members in _ensemble_groups(pending):
            keys = [key for key, _, _ in members]
            checkpoint = Checkpoint(
                store.checkpoint_path(_group_key(keys)),
                {"networks": [records[key] for key in keys], "orders": _ORDERS},
            )
            if not resume:
                checkpoint.clear()
            arguments = training.configuration_arguments(
                dataset, shared, seed=[seed for _, _, seed in members]
            )
            arguments["activation_l1"] = [config.network.activation_l1 for _, config, _ in members]
            results = training.train_configuration(dataset, checkpoint=checkpoint, **arguments)
            for key, result in zip(keys, results):
                store.save(key, _stored(key, result, records[key]))
                store.checkpoint_path(key).unlink(missing_ok=True)  # from a run alone, if any
                finished.add(key)
            checkpoint.clear()
    jobs = []
    for key, config, seed in configurations:
        checkpoint = Checkpoint(
            store.checkpoint_path(key), {"network": records[key], "orders": _ORDERS}
        )
        if not resume:
            checkpoint.clear()
        jobs.append((key, lambda config=config, seed=seed, checkpoint=checkpoint: train(
            dataset, config, seed=seed, checkpoint=checkpoint
        )))
    return run_jobs(store, jobs, resume=resume, finished=finished, records=records)


def _stored(key, result, record):
    return {"key": key, **result, **record, "environment": environment()}


def run_jobs(store, jobs, resume=False, finished=(), records=None):
    """Runs `(key, train)` jobs in order, storing each result as soon as it is finished.

    Args:
        store: A `results.RunStore` (or the experiment's folder).
        jobs: List of `(key, train)`, `train()` returning a result dict.
        resume: Whether to keep the results already stored instead of
            training them again.
        finished: Keys stored by this run already (kept, whatever `resume`).
        records: Optional `{key: {"config": ..., "seed": ...}}` stored with
            each result, beside `"environment"`.

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
        result = _stored(key, train(), {} if records is None else records[key])
        store.save(key, result)
        store.checkpoint_path(key).unlink(missing_ok=True)  # finished: no progress to keep
        trained += 1
        outcomes.append(result)
    return outcomes
