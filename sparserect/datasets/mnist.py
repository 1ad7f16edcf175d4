"""MNIST (LeCun, Bottou, Bengio & Haffner, 1998), in the paper's split.

Training 50,000, validation 10,000 (the last 10,000 of the official training
set, as in the paper), test 10,000; 28x28 grey images, 10 classes.
"""

import numpy as np

from sparserect.datasets import _files
from sparserect.datasets._images import convert_images
from sparserect.datasets._split import split_last
from sparserect.datasets.dataset import Dataset
from sparserect.datasets.dataset import Split
from sparserect.datasets.idx import read_idx

# The Keras mirror of LeCun & Cortes's files (yann.lecun.com is often down).
BASE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
SUBDIR = "mnist"
FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
LAYOUTS = (
    _files.Layout(
        "idx", tuple(_files.RemoteFile(f"{name}.gz", f"{BASE_URL}{name}.gz") for name in FILES)
    ),
    # The same files gunzipped, as many copies keep them.
    _files.Layout("idx-uncompressed", tuple(_files.RemoteFile(name) for name in FILES)),
)
# Published md5 of the uncompressed image files; the gzip bytes of copies
# may differ (compression level, time stamp), the content may not.
IMAGES_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
}
VALIDATION_SIZE = 10_000
CLASS_NAMES = tuple(str(digit) for digit in range(10))


def _read(located):
    paths = {name.removesuffix(".gz"): path for name, path in located.paths.items()}
    arrays = {}
    for split, prefix, count in (("train", "train", 60_000), ("test", "t10k", 10_000)):
        images_name = f"{prefix}-images-idx3-ubyte"
        labels_path = paths[f"{prefix}-labels-idx1-ubyte"]
        arrays[f"x_{split}"] = read_idx(
            paths[images_name],
            expected_shape=(count, 28, 28),
            expected_md5=IMAGES_MD5[images_name],
        )
        labels = read_idx(labels_path, expected_shape=(count,))
        _files.check_labels(labels, len(CLASS_NAMES), labels_path)
        arrays[f"y_{split}"] = labels.astype(np.int64)
    return arrays


def load_mnist(data_dir=None, download=True, dtype="float32"):
    """Loads MNIST in the paper's split: 50,000 / 10,000 / 10,000.

    Reads the four official IDX files (gzipped, or gunzipped under the same
    names without `.gz`), checks their headers, sizes,
    label range and the published md5 of the uncompressed images. The parsed
    arrays are cached, so later loads take a fraction of a second.

    Args:
        data_dir: a folder holding the files (or an `mnist/` sub-folder with
            them), searched before `$SPARSERECT_DATA` and the cache.
        download: whether to download missing files from the Keras mirror.
        dtype: `"float32"` for pixels in [0, 1], or `"uint8"` for 0..255.

    Returns:
        A `Dataset` named `"mnist"`; images `(n, 28, 28, 1)`, labels 0..9.
    """
    located = _files.fetch("MNIST", LAYOUTS, SUBDIR, data_dir, download)
    arrays = _files.cached_arrays("mnist", located.paths.values(), lambda: _read(located))
    x_train = convert_images(arrays["x_train"][..., None], dtype)
    train, validation = split_last(x_train, arrays["y_train"], VALIDATION_SIZE)
    test = Split(convert_images(arrays["x_test"][..., None], dtype), arrays["y_test"])
    return Dataset("mnist", train, validation, test, CLASS_NAMES)
