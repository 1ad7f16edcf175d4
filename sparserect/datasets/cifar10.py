"""CIFAR-10 (Krizhevsky, 2009), in the paper's split.

Training 50,000; the official test set halved into validation 5,000 and test
5,000 (the paper does not say which half is which: here the first 500 test
images of each class, in file order, validate and the other 500 test, so both
halves are balanced). 32x32 RGB images, 10 classes.

Two layouts are read:

* the official pickled batches, `cifar-10-python.tar.gz` or its extracted
  folder `cifar-10-batches-py/` (`data_batch_1`..`5`, `test_batch`);
* an image folder, `<split>/<class name>/*.jpg|png` with `train` and `test`
  splits, either as a folder or as a tar archive of one
  (`cifar10-jpeg.tar.xz`, as in this project's shared data).

Image folders are ordered by file name within a class, with the classes
interleaved (the first image of each class, then the second, ...), so that a
prefix of a split holds every class.
"""

import contextlib
import io
import logging
import pathlib
import pickle

import numpy as np

from sparserect.datasets import _files
from sparserect.datasets._images import convert_images
from sparserect.datasets.dataset import Dataset
from sparserect.datasets.dataset import Split

logger = logging.getLogger(__name__)

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
SUBDIR = "cifar10"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
LAYOUTS = (
    _files.Layout("pickle", (_files.RemoteFile("cifar-10-python.tar.gz", URL, MD5),)),
    _files.Layout("pickle-folder", (_files.RemoteFile("cifar-10-batches-py"),)),
    _files.Layout("image-folder-archive", (_files.RemoteFile("cifar10-jpeg.tar.xz"),)),
    # That archive unpacked where it lies.
    _files.Layout("image-folder-extracted", (_files.RemoteFile("cifar10-jpeg"),)),
    _files.Layout("image-folder", (_files.RemoteFile("train"), _files.RemoteFile("test"))),
)
CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
SHAPE = (32, 32, 3)


def _parse_batch(data, name):
    """Parses one pickled batch into `(images (n, 32, 32, 3), labels (n,))`."""
    try:
        batch = pickle.loads(data, encoding="bytes")
        images = np.asarray(batch[b"data"], np.uint8)
        labels = np.asarray(batch[b"labels"], np.int64)
    except Exception as error:  # Unpickling fails in many ways.
        raise _files.DataFormatError(
            f"{name} is not a CIFAR-10 pickled batch ({error!r})."
        ) from error
    if images.ndim != 2 or images.shape[1] != 3072 or len(images) != len(labels):
        raise _files.DataFormatError(
            f"{name}: data has shape {images.shape} for {len(labels)} labels; "
            "a CIFAR-10 batch holds (n, 3072) pixels and n labels."
        )
    _files.check_labels(labels, len(CLASS_NAMES), name)
    return images.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _read_pickles(members, source):
    """Parses the six batches from `(path parts, read)` pairs."""
    reads = {parts[-1]: read for parts, read in members}
    arrays = {}
    for split, names in (("train", TRAIN_BATCHES), ("test", (TEST_BATCH,))):
        batches = []
        for name in names:
            if name not in reads:
                raise _files.DataFormatError(f"{source} has no member {name}.")
            batches.append(_parse_batch(reads[name](), f"{source}: {name}"))
        arrays[f"x_{split}"] = np.concatenate([images for images, _ in batches])
        arrays[f"y_{split}"] = np.concatenate([labels for _, labels in batches])
    return arrays


def _decode(data, name):
    from PIL import Image  # Pillow comes with matplotlib.

    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels = np.asarray(image.convert("RGB"))
    except Exception as error:  # Pillow raises several types.
        raise _files.DataFormatError(
            f"{name} is not a readable image ({error})."
        ) from error
    if pixels.shape != SHAPE:
        raise _files.DataFormatError(
            f"{name} is {pixels.shape[1]}x{pixels.shape[0]} pixels; CIFAR-10 "
            "images are 32x32."
        )
    return pixels


def _sort_key(entry):
    """Orders by index within class, then class: classes interleave."""
    (split, class_index, file_name), _ = entry
    stem = pathlib.PurePosixPath(file_name).stem
    return split, (int(stem), "") if stem.isdigit() else (float("inf"), stem), class_index


def _image_entries(items, source):
    """Maps `(relative path parts, read callable)` to decoded, ordered splits."""
    entries = []
    for parts, read in items:
        if len(parts) < 3 or pathlib.PurePosixPath(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES:
            continue
        split, class_name, file_name = parts[-3:]
        if split not in ("train", "test"):
            continue
        if class_name not in CLASS_NAMES:
            raise _files.DataFormatError(
                f"{source}: unknown class folder '{class_name}' in '{split}/'; "
                f"expected the CIFAR-10 classes {', '.join(CLASS_NAMES)}."
            )
        name = f"{source}: {'/'.join(parts)}"
        entries.append(((split, CLASS_NAMES.index(class_name), file_name), _decode(read(), name)))
    arrays = {}
    for split in ("train", "test"):
        chosen = sorted((e for e in entries if e[0][0] == split), key=_sort_key)
        if not chosen:
            raise _files.DataFormatError(
                f"{source} has no images under '{split}/<class>/'."
            )
        arrays[f"x_{split}"] = np.stack([pixels for _, pixels in chosen])
        arrays[f"y_{split}"] = np.array([key[1] for key, _ in chosen], np.int64)
    return arrays


@contextlib.contextmanager
def _members(path, pattern):
    """Yields `(relative path parts, read)` of an archive's files, or of `pattern` in a folder."""
    if path.is_dir():
        files = sorted(f for f in path.glob(pattern) if f.is_file())
        yield ((f.relative_to(path).parts, f.read_bytes) for f in files)
        return
    with _files.open_archive(path) as archive:
        yield (
            (pathlib.PurePosixPath(m.name).parts, archive.extractfile(m).read)
            for m in archive
            if m.isfile()
        )


def _read(located):
    path = next(iter(located.paths.values()))
    pickled = located.layout.name.startswith("pickle")
    if located.layout.name == "image-folder":
        path = path.parent
    with _members(path, "*" if pickled else "*/*/*") as members:
        return (_read_pickles if pickled else _image_entries)(members, path)


def halve_per_class(labels):
    """Splits indices in two: the first half of each class, and the rest."""
    first = np.zeros(len(labels), bool)
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        first[where[: len(where) // 2]] = True
    return np.flatnonzero(first), np.flatnonzero(~first)


def load_cifar10(data_dir=None, download=True, dtype="float32"):
    """Loads CIFAR-10 in the paper's split: 50,000 / 5,000 / 5,000.

    Decoding the image-folder layout (60,000 JPEG files) takes about 15 s on
    one core; the arrays are cached afterwards.

    Args:
        data_dir: a folder holding one of the layouts (or a `cifar10/`
            sub-folder with it), searched before `$SPARSERECT_DATA` and the
            cache.
        download: whether to download `cifar-10-python.tar.gz` when no layout
            is found.
        dtype: `"float32"` for pixels in [0, 1], or `"uint8"` for 0..255.

    Returns:
        A `Dataset` named `"cifar10"`; images `(n, 32, 32, 3)`, labels 0..9.
    """
    located = _files.fetch("CIFAR-10", LAYOUTS, SUBDIR, data_dir, download)
    logger.info("CIFAR-10: reading the %s layout", located.layout.name)
    arrays = _files.cached_arrays(
        "cifar10", located.paths.values(), lambda: _read(located),
        layout=located.layout.name,
    )
    validation, test = halve_per_class(arrays["y_test"])
    x_test = convert_images(arrays["x_test"], dtype)
    return Dataset(
        name="cifar10",
        train=Split(convert_images(arrays["x_train"], dtype), arrays["y_train"]),
        validation=Split(x_test[validation], arrays["y_test"][validation]),
        test=Split(x_test[test], arrays["y_test"][test]),
        class_names=CLASS_NAMES,
    )
