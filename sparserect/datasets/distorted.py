"""Distorted data sets: NISTP (NIST + distortions) and MNIST-P.

The paper's NISTP training set streams 81,920,000 freshly distorted NIST
characters; that cannot be stored, so these loaders distort each image once,
with a seed, and cache the result. For fresh distortions at every epoch,
apply `NISTPDistortion` to the batches of `load_emnist` (or `load_mnist`)
during training instead.
"""

import dataclasses
import hashlib
import logging

import numpy as np

from sparserect.datasets import _files
from sparserect.datasets._images import convert_images
from sparserect.datasets.emnist import load_emnist
from sparserect.datasets.mnist import load_mnist
from sparserect.datasets.nistp import NISTPDistortion

logger = logging.getLogger(__name__)

DEFAULT_STRENGTH = 0.5


def _distort(dataset, name, *, strength, seed, dtype):
    """Distorts every split's uint8 pixels once (then cached), and converts them to `dtype`."""
    distortion = NISTPDistortion(strength)
    splits = {key: getattr(dataset, key) for key in ("train", "validation", "test")}
    digest = hashlib.sha256()
    for split in splits.values():
        digest.update(np.ascontiguousarray(split.x[:: max(1, len(split.x) // 64)]).tobytes())
        digest.update(str(split.x.shape).encode())

    def build():
        logger.info("%s: distorting %d images (done once, then cached)", name,
                    sum(len(s) for s in splits.values()))  # fmt: skip
        return {
            key: distortion(split.x, seed=[seed, index])
            for index, (key, split) in enumerate(splits.items())
        }

    arrays = _files.cached_arrays(
        name, [], build, data=digest.hexdigest(), seed=seed,
        distortion=repr(sorted(distortion.get_config().items())),
    )  # fmt: skip
    return dataclasses.replace(dataset, name=name, **{
        key: dataclasses.replace(split, x=convert_images(arrays[key], dtype))
        for key, split in splits.items()
    })  # fmt: skip


def load_nistp(data_dir=None, *, download=True, dtype="float32", strength=DEFAULT_STRENGTH,
               seed=0, validation_size=80_000, test_size=20_000):  # fmt: skip
    """Loads NIST characters (EMNIST byclass, 32x32) with NISTP distortions.

    The paper's sizes, except training: 697,932 - 80,000 distorted training
    images, 80,000 validation, 20,000 test, all distorted. Distorting takes
    roughly 10 minutes on one core, once; the result is cached.

    Args:
        data_dir: as for `load_emnist`.
        download: as for `load_emnist`.
        dtype: `"float32"` for pixels in [0, 1], or `"uint8"`.
        strength: the strength of every distortion, in [0, 1].
        seed: the distortions' seed.
        validation_size: as for `load_emnist`.
        test_size: as for `load_emnist`.

    Returns:
        A `Dataset` named `"nistp"`.
    """
    dataset = load_emnist(data_dir, download, "uint8", validation_size, test_size)
    return _distort(dataset, "nistp", strength=strength, seed=seed, dtype=dtype)


def load_mnist_p(data_dir=None, download=True, dtype="float32",
                 strength=DEFAULT_STRENGTH, seed=0):  # fmt: skip
    """Loads MNIST with NISTP distortions, in the paper's MNIST split.

    Every image of every split is distorted once (about a minute, then
    cached): the offline stand-in for NISTP.

    Args:
        data_dir: as for `load_mnist`.
        download: as for `load_mnist`.
        dtype: `"float32"` for pixels in [0, 1], or `"uint8"`.
        strength: the strength of every distortion, in [0, 1].
        seed: the distortions' seed.

    Returns:
        A `Dataset` named `"mnist-p"`.
    """
    dataset = load_mnist(data_dir, download, "uint8")
    return _distort(dataset, "mnist-p", strength=strength, seed=seed, dtype=dtype)

