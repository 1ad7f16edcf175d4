"""NIST Special Database 19 characters, through EMNIST's "byclass" release.

EMNIST (Cohen, Afshar, Tapson & van Schaik, 2017) converts NIST SD19's
handwritten characters to MNIST's format: 28x28 grey IDX files. The "byclass"
split keeps SD19's 62 classes (digits, upper- and lower-case letters):
697,932 training and 116,323 test images. The paper uses NIST characters at
32x32: the 28x28 images are padded with 2 black pixels on each side (EMNIST
already centred and scaled them into a 20x20 box, as MNIST does), which keeps
every pixel exact.

EMNIST stores its images transposed (column-major); they are turned back
here, so that characters read upright.
"""

import pathlib
import string
import zipfile

import numpy as np

from sparserect.datasets import _files
from sparserect.datasets._images import convert_images
from sparserect.datasets._split import split_last
from sparserect.datasets.dataset import Dataset
from sparserect.datasets.dataset import Split
from sparserect.datasets.idx import read_idx

URL = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
SUBDIR = "emnist"
FILES = tuple(
    f"emnist-byclass-{split}-{kind}-ubyte.gz"
    for split in ("train", "test")
    for kind in ("images-idx3", "labels-idx1")
)
LAYOUTS = (
    _files.Layout("zip", (_files.RemoteFile("gzip.zip", URL),)),
    _files.Layout("idx", tuple(_files.RemoteFile(name) for name in FILES)),
    # The same files gunzipped.
    _files.Layout(
        "idx-uncompressed", tuple(_files.RemoteFile(name.removesuffix(".gz")) for name in FILES)
    ),
)
CLASS_NAMES = tuple(string.digits + string.ascii_uppercase + string.ascii_lowercase)
VALIDATION_SIZE = 80_000
PAD = 2


def _open_members(located):
    """Returns `{file name: (opener, display name)}` for the four IDX files."""
    if located.layout.name != "zip":  # the IDX files, gzipped or not, by their .gz names
        paths = {f"{name.removesuffix('.gz')}.gz": path for name, path in located.paths.items()}
        return {name: (paths[name], str(paths[name])) for name in FILES}
    path = located["gzip.zip"]
    try:
        archive = zipfile.ZipFile(path)
        members = {pathlib.PurePosixPath(n).name: n for n in archive.namelist()}
        missing = [name for name in FILES if name not in members]
        if missing:
            raise _files.DataFormatError(f"{path} has no member {', '.join(missing)}.")
        return {
            name: (archive.open(members[name]), f"{path}: {members[name]}") for name in FILES
        }
    except (zipfile.BadZipFile, OSError) as error:
        raise _files.DataFormatError(
            f"{path} is a truncated or corrupt zip file ({error})."
        ) from error


def _read(located):
    members = _open_members(located)
    arrays = {}
    for split in ("train", "test"):
        images_source, images_name = members[f"emnist-byclass-{split}-images-idx3-ubyte.gz"]
        labels_source, labels_name = members[f"emnist-byclass-{split}-labels-idx1-ubyte.gz"]
        images = read_idx(images_source, images_name, expected_shape=(None, 28, 28))
        labels = read_idx(labels_source, labels_name, expected_shape=(len(images),))
        _files.check_labels(labels, len(CLASS_NAMES), labels_name)
        upright = images.transpose(0, 2, 1)
        arrays[f"x_{split}"] = np.pad(upright, ((0, 0), (PAD, PAD), (PAD, PAD)))
        arrays[f"y_{split}"] = labels.astype(np.int64)
    return arrays


def load_emnist(data_dir=None, download=True, dtype="float32",
                validation_size=VALIDATION_SIZE, test_size=None):  # fmt: skip
    """Loads EMNIST byclass (NIST SD19, 62 classes) as 32x32 images.

    Training: the official training images but the last `validation_size`,
    which validate (80,000, the size of the paper's NISTP validation set);
    test: the first `test_size` official test images (all by default).
    As float32 the whole set takes 3.3 GB; `dtype="uint8"` takes a quarter.

    Args:
        data_dir: a folder holding `gzip.zip` or the four
            `emnist-byclass-*-ubyte.gz` files, gzipped or not (or an
            `emnist/` sub-folder with them).
        download: whether to download `gzip.zip` (562 MB) from NIST.
        dtype: `"float32"` for pixels in [0, 1], or `"uint8"`.
        validation_size: training images, at the end, kept for validation.
        test_size: how many test images to keep; `None` for all.

    Returns:
        A `Dataset` named `"emnist"`; images `(n, 32, 32, 1)`, labels 0..61
        (`class_names`: "0".."9", "A".."Z", "a".."z").
    """
    located = _files.fetch("EMNIST byclass", LAYOUTS, SUBDIR, data_dir, download)
    arrays = _files.cached_arrays("emnist", located.paths.values(), lambda: _read(located))
    x_train = convert_images(arrays["x_train"][..., None], dtype)
    train, validation = split_last(x_train, arrays["y_train"], validation_size)
    x_test = convert_images(arrays["x_test"][:test_size, ..., None], dtype)
    test = Split(x_test, arrays["y_test"][:test_size])
    return Dataset("emnist", train, validation, test, CLASS_NAMES)
