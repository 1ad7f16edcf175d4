"""sparserect.datasets: the paper's data sets as numpy arrays.

Every loader is called `load_<name>(data_dir=None, download=True, ...)` and
returns a `Dataset` with `train`, `validation` and `test` `Split`s (the
paper's splits by default), `class_names`, `num_classes` and `input_shape`.
Files are looked for in `data_dir`, then `$SPARSERECT_DATA`, then the cache
(`$SPARSERECT_CACHE` or `~/.keras/datasets/sparserect`), and downloaded there
from their canonical source when missing. `load(name)` picks a loader by
name; `to_tf_dataset(split)` makes a `tf.data.Dataset` of a split.

Nothing here imports TensorFlow: the loaders work with any Keras backend.
The names below are imported on first use, so that `import
sparserect.datasets` (and the command line's start-up) stays fast.
"""

from sparserect._lazy import lazy_exports

_EXPORTS = {
    "DataFormatError": "_files",
    "DataNotFoundError": "_files",
    "BinaryBagOfWords": "bag_of_words",
    "html_to_text": "bag_of_words",
    "nonzero_fraction": "bag_of_words",
    "tokenize": "bag_of_words",
    "load_cifar10": "cifar10",
    "Dataset": "dataset",
    "Split": "dataset",
    "to_tf_dataset": "dataset",
    "load_digits": "digits",
    "load_mnist_p": "distorted",
    "load_nistp": "distorted",
    "load_emnist": "emnist",
    "load_mnist": "mnist",
    "DISTORTIONS": "nistp",
    "NISTPDistortion": "nistp",
    "plot_distortions": "nistp",
    "load_norb": "norb",
    "load_small_norb": "norb",
    "REGISTRY": "registry",
    "load": "registry",
    "load_amazon": "reviews",
    "load_rated_reviews": "reviews",
    "load_rt_polarity": "reviews",
    "read_amazon_reviews": "reviews",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
