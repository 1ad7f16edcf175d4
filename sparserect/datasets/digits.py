"""scikit-learn's bundled digits: the embedded default data set.

1,797 grey 8x8 images of the digits 0-9 (the UCI "optical recognition of
handwritten digits" test set) ship inside scikit-learn, so this data set
needs no download: it is what the commands that must run anywhere, in
seconds, train on.
"""

import numpy as np
from sklearn import datasets as sklearn_datasets

from sparserect.datasets._images import convert_images
from sparserect.datasets._split import stratified_split
from sparserect.datasets.dataset import Dataset
from sparserect.datasets.dataset import Split

VALIDATION_SIZE = 300
TEST_SIZE = 300
SEED = 0
CLASS_NAMES = tuple(str(digit) for digit in range(10))


def load_digits(data_dir=None, download=True, dtype="float32"):
    """Loads the 8x8 digits in a fixed split: 1,197 / 300 / 300.

    The split is stratified by class and seeded (seed 0): it is the same on
    every machine and with every scikit-learn version that ships the data.
    Pixels (0..16 in the source) are divided by 16.

    Args:
        data_dir: unused (the data is bundled); accepted so that every
            loader can be called alike.
        download: unused, likewise.
        dtype: `"float32"` for pixels in [0, 1], or `"uint8"` for the
            source's values 0..16.

    Returns:
        A `Dataset` named `"digits"`; images `(n, 8, 8, 1)`, labels 0..9.
    """
    del data_dir, download  # Bundled with scikit-learn.
    bunch = sklearn_datasets.load_digits()
    images = bunch.images.astype(np.uint8)[..., None]
    labels = bunch.target.astype(np.int64)
    x = convert_images(images, dtype, value_range=(0.0, 255 / 16))  # 16 maps to 1.
    train, validation, test = stratified_split(labels, VALIDATION_SIZE, TEST_SIZE, SEED)
    return Dataset(
        name="digits",
        train=Split(x[train], labels[train]),
        validation=Split(x[validation], labels[validation]),
        test=Split(x[test], labels[test]),
        class_names=CLASS_NAMES,
    )
