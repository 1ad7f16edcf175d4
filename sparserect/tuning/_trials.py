"""Reading keras-tuner trials, from a live tuner or from a search's folder on disk."""

import json
import math
import os
import pathlib


def trial_states(source, project_name=None):
    """Returns the state dict of every trial of a search, sorted by trial id.

    The dicts are what `keras_tuner` writes to `trial_<id>/trial.json`
    (`Trial.get_state()`): `trial_id`, `status`, `score`, `best_step`,
    `hyperparameters` and `metrics`.

    Args:
        source: A keras-tuner tuner (its oracle's trials are read), or a path:
            a project folder holding `trial_*/trial.json`, or with
            `project_name` the tuner's `directory`.
        project_name: The project's sub-folder of `source` when `source` is a
            tuner's `directory`.

    Returns:
        A list of dicts.
    """
    oracle = getattr(source, "oracle", None)
    if oracle is not None:
        states = [trial.get_state() for trial in oracle.trials.values()]
    elif isinstance(source, (str, os.PathLike)):
        folder = pathlib.Path(source)
        if project_name is not None:
            folder = folder / project_name
        if not folder.is_dir():
            raise FileNotFoundError(
                f"No search folder at {folder}. Received: source={str(source)!r}, "
                f"project_name={project_name!r}"
            )
        states = []
        for path in folder.glob("trial_*/trial.json"):
            with open(path, encoding="utf-8") as handle:
                states.append(json.load(handle))
    else:
        raise TypeError(
            "Expected a keras-tuner tuner or the path of a search folder. "
            f"Received: source={source!r}"
        )
    return sorted(states, key=lambda state: str(state["trial_id"]))


def metric_value(state, name):
    """Returns a trial's value of metric `name` at its best step, or NaN.

    keras-tuner records, for each trial, the metrics of the epoch that was
    best for the objective (`best_step`); they belong to the model that the
    trial's checkpoint holds. When no observation has that step, the last
    one is used.
    """
    metric = state.get("metrics", {}).get("metrics", {}).get(name)
    observations = metric.get("observations", []) if metric else []
    if not observations:
        return math.nan
    best = [o for o in observations if o.get("step") == state.get("best_step")]
    values = (best or observations)[-1]["value"]
    values = values if isinstance(values, list) else [values]
    return float(sum(values) / len(values)) if values else math.nan


def best_value(states, name):
    """Returns the largest `metric_value` of `name` over the `COMPLETED` states, or `-inf`."""
    values = [metric_value(s, name) for s in states if s.get("status") == "COMPLETED"]
    return max((v for v in values if not math.isnan(v)), default=-math.inf)
