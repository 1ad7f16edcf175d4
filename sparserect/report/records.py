"""Finding and reading the result files: experiment runs and benchmark results.

An experiment writes one JSON per finished network to
`<out>/<experiment>/runs/<key>.json`; a benchmark writes JSON files under
`<results>/benchmarks/`. A run belongs to the experiment that its recorded
configuration names (`record["config"]["name"]`) or, in files written
before results recorded their configuration, to the folder above `runs/`.
"""

import dataclasses
import json
import logging
import pathlib

logger = logging.getLogger(__name__)

# Configuration names that are not Table 1 cells, and their experiment.
CONFIG_EXPERIMENTS = {
    "figure3": "sparsity",
    "softplus-sharpness": "softplus-sharpness",
    "sentiment-ratings": "sentiment",
    "sentiment-amazon": "sentiment",
    "sentiment-polarity": "sentiment",
}
EXPERIMENTS = ("table1", "sparsity", "softplus-sharpness", "sentiment")


@dataclasses.dataclass(frozen=True)
class Run:
    """One result file: its experiment, its key (the file name) and its record."""

    experiment: str
    key: str
    record: dict
    path: pathlib.Path


def experiment_of(record, folder):
    """The experiment of a result record, from its configuration or else its folder name."""
    name = (record.get("config") or {}).get("name")
    if name is not None:
        if name in CONFIG_EXPERIMENTS:
            return CONFIG_EXPERIMENTS[name]
        if name.startswith("sentiment"):
            return "sentiment"
        return "table1"
    if folder in EXPERIMENTS:
        return folder
    return "table1" if "activation" in record and "dataset" in record else None


def load_runs(results_dir):
    """Reads every `runs/*.json` under `results_dir`; returns `Run`s sorted by path.

    Files that are not a JSON object, or whose experiment cannot be told, are
    skipped with a warning.
    """
    runs = []
    for path, record in _json_objects(pathlib.Path(results_dir).rglob("runs/*.json")):
        experiment = experiment_of(record, path.parent.parent.name)
        if experiment is None:
            logger.warning("Skipping %s: not the result of a known experiment", path)
            continue
        runs.append(Run(experiment, path.stem, record, path))
    return runs


def load_benchmarks(results_dir):
    """Reads every JSON object under `results_dir/benchmarks/` (outside `runs/`): `{stem: data}`."""
    folder = pathlib.Path(results_dir) / "benchmarks"
    paths = [p for p in folder.rglob("*.json") if "runs" not in p.relative_to(folder).parts]
    return {
        path.relative_to(folder).with_suffix("").as_posix().replace("/", "-"): data
        for path, data in _json_objects(paths)
    }


def load_json_records(folder):
    """`[(path, record)]` of the JSON objects in `folder` (not its sub-folders), sorted by name.

    Files that cannot be read or are not a JSON object are skipped with a warning.
    """
    return _json_objects(pathlib.Path(folder).glob("*.json"))


def _json_objects(paths):
    """`[(path, object)]` of the `paths` (sorted) holding a JSON object; others warn why."""
    found = []
    for path in sorted(paths):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            logger.warning("Skipping %s: %s", path, error)
            continue
        if isinstance(record, dict):
            found.append((path, record))
        else:
            logger.warning("Skipping %s: not a JSON object", path)
    return found
