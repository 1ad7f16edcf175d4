"""sparserect.reproduce: the paper's experiments, as functions and commands.

- `run_table1`: Table 1, test error of rectifier, tanh and softplus networks
  with and without pre-training, exact sparsity, dead units;
- `run_sparsity`: Figure 3, test error against exact sparsity;
- `run_softplus_sharpness`: the rescaled softplus against the rectifier;
- `run_sentiment` (`run_ratings`, `run_amazon`, `run_polarity`): the
  bag-of-words sentiment experiments, rating RMSE and polarity accuracy,
  each task from a configuration (`task_config`) from which every model
  (`TextModel`) derives its network's;
- `train`: trains and measures the network of a `sparserect.config.Config`
  (`CONFIGS` holds the named ones), `train_configuration` its keyword form;
  `fine_tune`, its fine-tuning loop, for one network or a model of members;
  `RunResult`, the record that both give.

Each experiment writes `results/<experiment>/`: one JSON file per finished
network in `runs/` (an interrupted run continues with `resume=True`), CSV
files, a Markdown table with the paper's numbers beside ours, and PNG plots.

The names are loaded on first use, so that `sparserect --help`, which
imports `sparserect.reproduce._cli`, does not import Keras.
"""

from sparserect._lazy import lazy_exports

_EXPORTS = {
    "CONFIGS": "configs",
    "EarlyStoppingOnError": "training",
    "RunResult": "training",
    "fine_tune": "training",
    "train": "training",
    "train_configuration": "training",
    "run_table1": "table1",
    "run_sparsity": "sparsity",
    "run_softplus_sharpness": "softplus_sharpness",
    "run_sentiment": "sentiment",
    "run_ratings": "sentiment",
    "run_amazon": "sentiment",
    "run_polarity": "sentiment",
    "SentimentSettings": "sentiment",  # deprecated: returns a Config
    "TextModel": "sentiment",
    "task_config": "sentiment",
    "paper": "paper",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
