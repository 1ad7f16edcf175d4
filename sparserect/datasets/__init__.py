"""sparserect.datasets: the paper's data sets as numpy arrays.

Every loader is called `load_<name>(data_dir=None, download=True, ...)` and
returns a `Dataset` with `train`, `validation` and `test` `Split`s (the
paper's splits by default), `class_names`, `num_classes` and `input_shape`.
Files are looked for in `data_dir`, then `$SPARSERECT_DATA`, then the cache
(`$SPARSERECT_CACHE` or `~/.keras/datasets/sparserect`), and downloaded there
from their canonical source when missing. `load(name)` picks a loader by
name; `to_tf_dataset(split)` makes a `tf.data.Dataset` of a split.

Nothing here imports TensorFlow: the loaders work with any Keras backend.
"""

from sparserect.datasets._files import DataFormatError
from sparserect.datasets._files import DataNotFoundError
from sparserect.datasets.bag_of_words import BinaryBagOfWords
from sparserect.datasets.bag_of_words import nonzero_fraction
from sparserect.datasets.bag_of_words import tokenize
from sparserect.datasets.cifar10 import load_cifar10
from sparserect.datasets.dataset import Dataset
from sparserect.datasets.dataset import Split
from sparserect.datasets.dataset import to_tf_dataset
from sparserect.datasets.digits import load_digits
from sparserect.datasets.distorted import load_mnist_p
from sparserect.datasets.distorted import load_nistp
from sparserect.datasets.emnist import load_emnist
from sparserect.datasets.mnist import load_mnist
from sparserect.datasets.nistp import DISTORTIONS
from sparserect.datasets.nistp import NISTPDistortion
from sparserect.datasets.nistp import plot_distortions
from sparserect.datasets.norb import load_norb
from sparserect.datasets.norb import load_small_norb
from sparserect.datasets.registry import REGISTRY
from sparserect.datasets.registry import load
from sparserect.datasets.reviews import load_amazon
from sparserect.datasets.reviews import load_rated_reviews
from sparserect.datasets.reviews import load_rt_polarity
from sparserect.datasets.reviews import read_amazon_reviews
