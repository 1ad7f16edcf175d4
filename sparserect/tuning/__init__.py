"""sparserect.tuning: hyperparameter search over the paper's networks with keras-tuner.

- `SparseNetworkHyperModel`: the search space (activation, activation L1
  coefficient including exactly 0, learning rate, depth, width, sign trick);
  every trial logs `val_sparsity`.
- `objectives`: `VAL_ACCURACY`, `VAL_SPARSITY` and `VAL_CONSTRAINED_SPARSITY`
  (with the `ConstrainedSparsity` callback) for every keras-tuner tuner.
- `pareto_front`, `plot_pareto_front`, `sparsest_within`: accuracy against
  sparsity over all trials of a search, from a tuner or a folder on disk.
- `run_search`: what `sparserect tune` runs (resumable, distributable).

The names load on first use (PEP 562), so that importing the command-line
module `sparserect.tuning._cli` does not import keras-tuner and TensorFlow.
"""

import importlib

_EXPORTS = {
    "ConstrainedSparsity": "sparserect.tuning.objectives",
    "SearchResult": "sparserect.tuning.search",
    "SparseNetworkHyperModel": "sparserect.tuning.hypermodel",
    "make_tuner": "sparserect.tuning.search",
    "objectives": "sparserect.tuning.objectives",
    "pareto_front": "sparserect.tuning.pareto",
    "pareto_mask": "sparserect.tuning.pareto",
    "plot_pareto_front": "sparserect.tuning.pareto",
    "run_search": "sparserect.tuning.search",
    "sparsest_within": "sparserect.tuning.pareto",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    return module if module.__name__.endswith(f".{name}") else getattr(module, name)


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
