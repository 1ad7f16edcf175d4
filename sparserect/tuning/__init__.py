"""sparserect.tuning: hyperparameter search over the paper's networks with keras-tuner.

- `SparseNetworkHyperModel`: the search space (activation, activation L1
  coefficient including exactly 0, learning rate, depth, width, sign trick);
  every trial logs `val_sparsity`.
- `objectives`: `VAL_ACCURACY`, `VAL_SPARSITY` and `VAL_CONSTRAINED_SPARSITY`
  (with the `ConstrainedSparsity` callback) for every keras-tuner tuner.
- `pareto_front`, `plot_pareto_front`, `sparsest_within`: accuracy against
  sparsity over all trials of a search, from a tuner or a folder on disk.
- `run_search`: what `sparserect tune` runs (resumable, distributable).
"""

from sparserect.tuning import objectives
from sparserect.tuning.hypermodel import SparseNetworkHyperModel
from sparserect.tuning.objectives import ConstrainedSparsity
from sparserect.tuning.pareto import pareto_front
from sparserect.tuning.pareto import pareto_mask
from sparserect.tuning.pareto import plot_pareto_front
from sparserect.tuning.pareto import sparsest_within
from sparserect.tuning.search import SearchResult
from sparserect.tuning.search import make_tuner
from sparserect.tuning.search import run_search

__all__ = [
    "ConstrainedSparsity",
    "SearchResult",
    "SparseNetworkHyperModel",
    "make_tuner",
    "objectives",
    "pareto_front",
    "pareto_mask",
    "plot_pareto_front",
    "run_search",
    "sparsest_within",
]
