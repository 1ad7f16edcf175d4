"""NORB and small NORB, on small files written in NORB's binary format."""

import numpy as np
import pytest

from sparserect.datasets import DataFormatError
from sparserect.datasets import DataNotFoundError
from sparserect.datasets import load_norb
from sparserect.datasets import load_small_norb
from sparserect.datasets.norb import JITTERED_TEST
from sparserect.datasets.norb import JITTERED_TRAIN
from sparserect.datasets.norb import SMALL_TEST
from sparserect.datasets.norb import SMALL_TRAIN
from sparserect.datasets.norb import read_norb_matrix
from sparserect.datasets.norb import write_norb_matrix


def _write_parts(folder, prefixes, count, size, num_classes, suffix, first_pixel=0):
    """Writes dat/cat files: pair k of a part has constant left/right images."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = []
    for part, prefix in enumerate(prefixes):
        pairs = np.empty((count, 2, size, size), np.uint8)
        for k in range(count):
            pairs[k, 0] = (first_pixel + 10 * part + k) % 256
            pairs[k, 1] = 255 - pairs[k, 0]
        cats = (np.arange(count) + part) % num_classes
        write_norb_matrix(folder / f"{prefix}-dat.mat{suffix}", pairs)
        write_norb_matrix(folder / f"{prefix}-cat.mat{suffix}", cats.astype(np.int32))
        labels.append(cats)
    return np.concatenate(labels)


def test_header_is_the_published_one(tmp_path):
    write_norb_matrix(tmp_path / "cat.mat", np.array([4, 2], np.int32))
    data = (tmp_path / "cat.mat").read_bytes()
    # Magic 0x1E3D4C54 little-endian, ndim 1, dims (2, 1, 1), then the values.
    assert data[:4] == bytes.fromhex("544c3d1e")
    np.testing.assert_array_equal(np.frombuffer(data, "<i4"), [0x1E3D4C54, 1, 2, 1, 1, 4, 2])
    np.testing.assert_array_equal(read_norb_matrix(tmp_path / "cat.mat"), [4, 2])


def test_jittered_cluttered_norb_subsampled_and_scaled(tmp_path):
    folder = tmp_path / "norb"
    y_train = _write_parts(folder, JITTERED_TRAIN, 3, 108, 6, ".gz")
    y_test = _write_parts(folder, JITTERED_TEST, 3, 108, 6, ".gz", first_pixel=200)
    data = load_norb(tmp_path, download=False, validation_size=5)
    assert (len(data.train), len(data.validation), len(data.test)) == (25, 5, 6)
    assert data.input_shape == (32, 32, 2) and data.num_classes == 6
    assert data.class_names[-1] == "none"
    np.testing.assert_array_equal(np.concatenate([data.train.y, data.validation.y]), y_train)
    np.testing.assert_array_equal(data.test.y, y_test)
    # Constant images stay constant when area-averaged; 0 -> -1, 255 -> 1.
    x = data.train.x
    assert x.dtype == np.float32 and x.min() >= -1 and x.max() <= 1
    np.testing.assert_allclose(x[4, :, :, 0], 2 * 11 / 255 - 1, rtol=1e-6)  # part 1, k=1
    np.testing.assert_allclose(x[4, :, :, 1], 2 * (255 - 11) / 255 - 1, rtol=1e-6)
    raw = load_norb(tmp_path, download=False, dtype="uint8", validation_size=5)
    assert raw.test.x[0, 0, 0, 0] == 200 and raw.test.x.dtype == np.uint8


def test_area_averaging_of_a_pattern(tmp_path):
    folder = tmp_path / "norb"
    _write_parts(folder, SMALL_TRAIN + SMALL_TEST, 2, 96, 5, "")
    pairs = np.zeros((1, 2, 96, 96), np.uint8)
    pairs[0, 0, :3, :3] = 90  # The top-left 3x3 block averages to one output pixel.
    pairs[0, 0, :, 3] = 255  # Column 3 is a third of output column 1.
    write_norb_matrix(folder / f"{SMALL_TEST[0]}-dat.mat", pairs)
    write_norb_matrix(folder / f"{SMALL_TEST[0]}-cat.mat", np.array([4], np.int32))
    data = load_small_norb(tmp_path, download=False, dtype="uint8")
    assert data.num_classes == 5 and len(data.validation) == 0
    image = data.test.x[0, :, :, 0]
    assert image[0, 0] == 90 and image[5, 1] == 85 and image[5, 2] == 0


def test_small_norb_sizes(tmp_path):
    _write_parts(tmp_path, SMALL_TRAIN + SMALL_TEST, 4, 96, 5, ".gz")
    data = load_small_norb(tmp_path, download=False, validation_size=1)
    assert (len(data.train), len(data.validation), len(data.test)) == (3, 1, 4)
    assert data.train.y.max() <= 4


def test_wrong_magic_number(tmp_path):
    _write_parts(tmp_path, SMALL_TRAIN + SMALL_TEST, 2, 96, 5, "")
    path = tmp_path / f"{SMALL_TRAIN[0]}-cat.mat"
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DataFormatError, match=r"training-cat\.mat is not a NORB binary matrix"):
        load_small_norb(tmp_path, download=False)


def test_truncated_file_and_mismatched_labels(tmp_path):
    _write_parts(tmp_path, SMALL_TRAIN + SMALL_TEST, 2, 96, 5, "")
    dat = tmp_path / f"{SMALL_TEST[0]}-dat.mat"
    dat.write_bytes(dat.read_bytes()[:-100])
    with pytest.raises(DataFormatError, match=r"testing-dat\.mat holds .* truncated"):
        load_small_norb(tmp_path, download=False)
    _write_parts(tmp_path, SMALL_TEST, 2, 96, 5, "")
    write_norb_matrix(tmp_path / f"{SMALL_TEST[0]}-cat.mat", np.array([0, 7], np.int32))
    with pytest.raises(DataFormatError, match="labels from 0 to 7; expected 0 to 4"):
        load_small_norb(tmp_path, download=False)


def test_missing_norb_lists_files_and_url(tmp_path):
    with pytest.raises(DataNotFoundError, match="(?s)training-10-cat.mat.gz.*cs.nyu.edu"):
        load_norb(tmp_path, download=False)
