"""sparserect.tuning: hyperparameter search over the paper's networks with keras-tuner.

- `SparseNetworkHyperModel`: the search space (activation, activation L1
  coefficient including exactly 0, learning rate, depth, width, sign trick);
  every trial logs `val_sparsity`.
- `objectives`: `VAL_ACCURACY`, `VAL_SPARSITY` and `VAL_CONSTRAINED_SPARSITY`
  (with the `ConstrainedSparsity` callback) for every keras-tuner tuner.
- `pareto_front`, `plot_pareto_front`, `sparsest_within`: accuracy against
  sparsity over all trials of a search, from a tuner or a folder on disk.
- `hypervolume`: the one-number measure of a front.
- `ParetoOracle`, `ParetoSearch`, `Constraint`: a keras-tuner oracle (and
  tuner) that searches for the front itself, under optional constraints.
- `run_search`: what `sparserect tune` runs (resumable, distributable).

The names load on first use (PEP 562), so that importing the command-line
module `sparserect.tuning._cli` does not import keras-tuner and TensorFlow.
"""

from sparserect._lazy import lazy_exports

_EXPORTS = {
    "ConstrainedSparsity": "objectives",
    "Constraint": "pareto_search",
    "ParetoOracle": "pareto_search",
    "ParetoSearch": "pareto_search",
    "SearchResult": "search",
    "SparseNetworkHyperModel": "hypermodel",
    "hypervolume": "pareto",
    "hypervolume_improvements": "pareto",
    "make_tuner": "search",
    "objectives": "objectives",
    "pareto_front": "pareto",
    "pareto_mask": "pareto",
    "plot_pareto_front": "pareto",
    "run_search": "search",
    "sparsest_within": "pareto",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
