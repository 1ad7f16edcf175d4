"""NORB (LeCun, Huang & Bottou, 2004): jittered-cluttered and small NORB.

The paper uses jittered-cluttered NORB: 6 classes (animal, human, airplane,
truck, car, and "none" for background-only images), stereo pairs of 108x108
grey images subsampled to 2x32x32 and scaled linearly to [-1, 1]; training
233,172, validation 58,428 (Nair & Hinton's choice is not published: here the
last 58,428 examples of the ten training files), test 58,320. Small NORB (5
classes, 24,300 training and 24,300 test pairs of 96x96 images) is read the
same way.

The files are NORB's "binary matrix" format, gzipped as published or not: a
little-endian int32 magic number (0x1E3D4C55 for uint8 matrices, 0x1E3D4C54
for int32), the number of dimensions, max(3, ndim) dimensions, then the
values in C order, little-endian. Images are returned channels last,
`(n, 32, 32, 2)`: the two cameras are the two channels.
"""

import logging

import numpy as np

from sparserect.datasets import _files
from sparserect.datasets._images import area_resize
from sparserect.datasets._images import convert_images
from sparserect.datasets._split import split_last
from sparserect.datasets.dataset import Dataset
from sparserect.datasets.dataset import Split
from sparserect.datasets.idx import read_bytes
from sparserect.datasets.idx import values_after_header
from sparserect.datasets.idx import write_bytes

logger = logging.getLogger(__name__)

_MAGIC = {
    0x1E3D4C55: np.dtype("<u1"),
    0x1E3D4C54: np.dtype("<i4"),
    0x1E3D4C51: np.dtype("<f4"),
    0x1E3D4C53: np.dtype("<f8"),
    0x1E3D4C56: np.dtype("<i2"),
}
_MAGIC_OF = {dtype: magic for magic, dtype in _MAGIC.items()}

JITTERED_URL = "https://cs.nyu.edu/~ylclab/data/norb-v1.0/"
SMALL_URL = "https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/"
JITTERED_TRAIN = tuple(
    f"norb-5x46789x9x18x6x2x108x108-training-{i:02d}" for i in range(1, 11)
)
JITTERED_TEST = tuple(
    f"norb-5x01235x9x18x6x2x108x108-testing-{i:02d}" for i in range(1, 3)
)
SMALL_TRAIN = ("smallnorb-5x46789x9x18x6x2x96x96-training",)
SMALL_TEST = ("smallnorb-5x01235x9x18x6x2x96x96-testing",)
CLASS_NAMES = ("animal", "human", "airplane", "truck", "car", "none")
VALIDATION_SIZE = 58_428
IMAGE_SIZE = 32


def _layouts(prefixes, url):
    """Gzipped (as published, downloadable) and uncompressed layouts."""
    names = [f"{p}-{kind}.mat" for p in prefixes for kind in ("dat", "cat")]
    return (
        _files.Layout("gzip", tuple(_files.RemoteFile(n + ".gz", url + n + ".gz") for n in names)),
        _files.Layout("mat", tuple(_files.RemoteFile(n) for n in names)),
    )


JITTERED_LAYOUTS = _layouts(JITTERED_TRAIN + JITTERED_TEST, JITTERED_URL)
SMALL_LAYOUTS = _layouts(SMALL_TRAIN + SMALL_TEST, SMALL_URL)


def read_norb_matrix(source, name=None):
    """Reads a NORB binary matrix file (gzipped or not) into a numpy array.

    Raises:
        DataFormatError: unknown magic number, or a size that does not match
            the header; the message names the file.
    """
    name = name or str(source)
    data = read_bytes(source, name)
    if len(data) < 8:
        raise _files.DataFormatError(f"{name} is truncated: no NORB header.")
    magic, ndim = (int(v) for v in np.frombuffer(data, "<i4", 2))
    if magic not in _MAGIC:
        raise _files.DataFormatError(
            f"{name} is not a NORB binary matrix: magic number {magic:#010x}, "
            f"expected one of {', '.join(f'{m:#x}' for m in _MAGIC)}."
        )
    if not 0 < ndim <= 16:
        raise _files.DataFormatError(f"{name}: invalid number of dimensions {ndim}.")
    header = 8 + 4 * max(3, ndim)
    if len(data) < header:
        raise _files.DataFormatError(f"{name} is truncated: incomplete header.")
    shape = tuple(int(d) for d in np.frombuffer(data, "<i4", ndim, offset=8))
    return values_after_header(data, name, _MAGIC[magic], shape, header)


def write_norb_matrix(path, array):
    """Writes an array in NORB's binary matrix format (gzipped if `.gz`)."""
    array = np.asarray(array)
    dtype = array.dtype.newbyteorder("<")
    if dtype not in _MAGIC_OF:
        raise ValueError(f"The NORB format cannot store {array.dtype}.")
    dims = list(array.shape) + [1] * (3 - array.ndim)
    header = np.asarray([_MAGIC_OF[dtype], array.ndim] + dims, "<i4").tobytes()
    write_bytes(path, header + array.astype(dtype).tobytes())


def _read_part(located, prefixes, num_classes, size):
    """Reads and subsamples the dat/cat files of one split."""
    suffix = ".gz" if located.layout.name == "gzip" else ""
    images, labels = [], []
    for prefix in prefixes:
        dat_path = located[f"{prefix}-dat.mat{suffix}"]
        cat_path = located[f"{prefix}-cat.mat{suffix}"]
        pairs = read_norb_matrix(dat_path)
        cats = read_norb_matrix(cat_path)
        if pairs.ndim != 4 or pairs.shape[1] != 2 or pairs.shape[2] != pairs.shape[3]:
            raise _files.DataFormatError(
                f"{dat_path} has shape {pairs.shape}; NORB images are stereo "
                "pairs (n, 2, size, size)."
            )
        if pairs.dtype != np.uint8 or cats.dtype != np.int32:
            raise _files.DataFormatError(
                f"{dat_path} / {cat_path}: expected uint8 images and int32 "
                f"labels, got {pairs.dtype} and {cats.dtype}."
            )
        if cats.shape != (len(pairs),):
            raise _files.DataFormatError(
                f"{cat_path} has shape {cats.shape}, expected ({len(pairs)},) "
                f"to match {dat_path}."
            )
        _files.check_labels(cats, num_classes, cat_path)
        logger.info("NORB: subsampling %s", dat_path.name)
        images.append(area_resize(pairs, size).transpose(0, 2, 3, 1))
        labels.append(cats.astype(np.int64))
    return np.concatenate(images), np.concatenate(labels)


def _load(name, layouts, parts, class_names, *, data_dir, download, dtype, size,
          validation_size):  # fmt: skip
    """Reads (once, then cached) the `(train, test)` prefixes in `parts` into a `Dataset`."""
    located = _files.fetch(name, layouts, "norb", data_dir, download)

    def build():
        arrays = {}
        for split, prefixes in zip(("train", "test"), parts):
            arrays[f"x_{split}"], arrays[f"y_{split}"] = _read_part(
                located, prefixes, len(class_names), size
            )
        return arrays

    arrays = _files.cached_arrays(name, located.paths.values(), build, size=size)
    x_train, x_test = (
        convert_images(arrays[key], dtype, value_range=(-1.0, 1.0)) for key in ("x_train", "x_test")
    )
    train, validation = split_last(x_train, arrays["y_train"], validation_size)
    return Dataset(name, train, validation, Split(x_test, arrays["y_test"]), class_names)


def load_norb(data_dir=None, download=True, dtype="float32", size=IMAGE_SIZE,
              validation_size=VALIDATION_SIZE):  # fmt: skip
    """Loads jittered-cluttered NORB in the paper's split.

    Reads the `dat` and `cat` files of the ten training and two testing parts
    (`norb-5x46789x9x18x6x2x108x108-training-01-dat.mat.gz`, ...; about 2 GB
    compressed), subsamples each camera's 108x108 image to `size x size` by
    area averaging, and caches the result.

    Args:
        data_dir: a folder holding the files (or a `norb/` sub-folder).
        download: whether to download missing files from NYU.
        dtype: `"float32"` for pixels scaled linearly to [-1, 1] (as in the
            paper), or `"uint8"` for the subsampled 0..255 values.
        size: the output image size.
        validation_size: the number of training examples, at the end, kept
            for validation (the paper: 58,428).

    Returns:
        A `Dataset` named `"norb"`; images `(n, size, size, 2)`, labels 0..5.
    """
    return _load(
        "norb", JITTERED_LAYOUTS, (JITTERED_TRAIN, JITTERED_TEST), CLASS_NAMES,
        data_dir=data_dir, download=download, dtype=dtype, size=size,
        validation_size=validation_size,
    )  # fmt: skip


def load_small_norb(data_dir=None, download=True, dtype="float32",
                    size=IMAGE_SIZE, validation_size=0):  # fmt: skip
    """Loads small NORB: 24,300 training and 24,300 test stereo pairs.

    Args:
        data_dir: a folder holding the files (or a `norb/` sub-folder).
        download: whether to download missing files from NYU.
        dtype: `"float32"` for pixels in [-1, 1], or `"uint8"`.
        size: the output image size (96x96 pairs are area-averaged to it).
        validation_size: training examples, at the end, kept for validation;
            0 (the default) gives an empty validation split.

    Returns:
        A `Dataset` named `"small-norb"`; images `(n, size, size, 2)`,
        labels 0..4.
    """
    return _load(
        "small-norb", SMALL_LAYOUTS, (SMALL_TRAIN, SMALL_TEST), CLASS_NAMES[:5],
        data_dir=data_dir, download=download, dtype=dtype, size=size,
        validation_size=validation_size,
    )  # fmt: skip
