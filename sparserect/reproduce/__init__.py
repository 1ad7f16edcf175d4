"""sparserect.reproduce: the paper's image experiments, as functions and commands.

- `run_table1`: Table 1, test error of rectifier, tanh and softplus networks
  with and without pre-training, exact sparsity, dead units;
- `run_sparsity`: Figure 3, test error against exact sparsity;
- `run_softplus_sharpness`: the rescaled softplus against the rectifier;
- `train_configuration`: trains and measures one network (the shared seam).

Each experiment writes `results/<experiment>/`: one JSON file per finished
network in `runs/` (an interrupted run continues with `resume=True`), CSV
files, a Markdown table with the paper's numbers beside ours, and PNG plots.

The names are loaded on first use, so that `sparserect --help`, which
imports `sparserect.reproduce._cli`, does not import Keras.
"""

import importlib

_EXPORTS = {
    "PRESETS": "sparserect.reproduce.runner",
    "Preset": "sparserect.reproduce.runner",
    "EarlyStoppingOnError": "sparserect.reproduce.training",
    "train_configuration": "sparserect.reproduce.training",
    "run_table1": "sparserect.reproduce.table1",
    "run_sparsity": "sparserect.reproduce.sparsity",
    "run_softplus_sharpness": "sparserect.reproduce.softplus_sharpness",
}

__all__ = sorted([*_EXPORTS, "paper"])


def __getattr__(name):
    if name == "paper":
        return importlib.import_module("sparserect.reproduce.paper")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sparserect.reproduce' has no attribute {name!r}")


def __dir__():
    return __all__
