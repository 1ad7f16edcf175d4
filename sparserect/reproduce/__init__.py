"""sparserect.reproduce: the paper's image experiments, as functions and commands.

- `run_table1`: Table 1, test error of rectifier, tanh and softplus networks
  with and without pre-training, exact sparsity, dead units;
- `run_sparsity`: Figure 3, test error against exact sparsity;
- `run_softplus_sharpness`: the rescaled softplus against the rectifier;
- `train_configuration`: trains and measures one network (the shared seam).

Each experiment writes `results/<experiment>/`: one JSON file per finished
network in `runs/` (an interrupted run continues with `resume=True`), CSV
files, a Markdown table with the paper's numbers beside ours, and PNG plots.
"""

from sparserect.reproduce import paper
from sparserect.reproduce.runner import PRESETS
from sparserect.reproduce.runner import Preset
from sparserect.reproduce.softplus_sharpness import run_softplus_sharpness
from sparserect.reproduce.sparsity import run_sparsity
from sparserect.reproduce.table1 import run_table1
from sparserect.reproduce.training import EarlyStoppingOnError
from sparserect.reproduce.training import train_configuration

__all__ = [
    "PRESETS",
    "EarlyStoppingOnError",
    "Preset",
    "paper",
    "run_softplus_sharpness",
    "run_sparsity",
    "run_table1",
    "train_configuration",
]
