"""MNIST: the real files, the paper's split, checksums and the cache."""

import shutil

import numpy as np
import pytest

from sparserect.datasets import DataFormatError
from sparserect.datasets import DataNotFoundError
from sparserect.datasets import load_mnist
from sparserect.datasets.idx import read_idx
from sparserect.datasets.idx import write_idx


def test_real_mnist_paper_split(shared_data_dir, monkeypatch):
    monkeypatch.setenv("SPARSERECT_DATA", str(shared_data_dir))
    data = load_mnist(download=False)
    assert (len(data.train), len(data.validation), len(data.test)) == (50_000, 10_000, 10_000)
    assert data.input_shape == (28, 28, 1) and data.num_classes == 10
    assert data.train.x.dtype == np.float32 and data.train.y.dtype == np.int64
    assert data.train.x.min() == 0.0 and data.train.x.max() == 1.0
    assert set(np.unique(data.test.y)) == set(range(10))
    # The last 10,000 training images validate.
    labels = read_idx(shared_data_dir / "mnist" / "train-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(data.validation.y, labels[50_000:])
    np.testing.assert_array_equal(data.train.y[:5], [5, 0, 4, 1, 9])


def test_real_mnist_uint8_matches_float(shared_data_dir):
    floats = load_mnist(shared_data_dir, download=False)
    raw = load_mnist(shared_data_dir, download=False, dtype="uint8")
    assert raw.test.x.dtype == np.uint8
    np.testing.assert_allclose(raw.test.x[:100] / 255.0, floats.test.x[:100], rtol=1e-6)


def _copy_mnist(shared_data_dir, target):
    target.mkdir()
    for path in (shared_data_dir / "mnist").iterdir():
        shutil.copy(path, target / path.name)
    return target


def test_altered_images_fail_the_published_md5(shared_data_dir, tmp_path):
    folder = _copy_mnist(shared_data_dir, tmp_path / "mnist")
    images = read_idx(folder / "t10k-images-idx3-ubyte.gz").copy()
    images[0, 0, 0] = 1
    # Uncompressed bytes under the .gz name are read too (and are quick to write).
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images, compress=False)
    with pytest.raises(DataFormatError, match=r"t10k-images-idx3-ubyte\.gz: the md5"):
        load_mnist(tmp_path, download=False)


def test_wrong_file_sizes_are_reported(shared_data_dir, tmp_path):
    folder = _copy_mnist(shared_data_dir, tmp_path / "mnist")
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(9_999, np.uint8))
    with pytest.raises(DataFormatError, match=r"t10k-labels.*shape \(9999,\), expected \(10000,\)"):
        load_mnist(tmp_path, download=False)


def test_missing_file_is_named(tmp_path):
    (tmp_path / "mnist").mkdir()
    write_idx(tmp_path / "mnist" / "train-images-idx3-ubyte.gz", np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DataNotFoundError, match="(?s)MNIST.*t10k-labels-idx1-ubyte.gz.*cvdf-datasets"):
        load_mnist(tmp_path, download=False)


def test_gunzipped_files_are_read_and_checked(shared_data_dir, tmp_path):
    import gzip

    folder = tmp_path / "mnist"
    folder.mkdir()
    for path in (shared_data_dir / "mnist").glob("*.gz"):
        (folder / path.name.removesuffix(".gz")).write_bytes(gzip.decompress(path.read_bytes()))
    data = load_mnist(tmp_path, download=False, dtype="uint8")
    reference = load_mnist(shared_data_dir, download=False, dtype="uint8")
    np.testing.assert_array_equal(data.test.x, reference.test.x)
    np.testing.assert_array_equal(data.validation.y, reference.validation.y)
    images = read_idx(folder / "t10k-images-idx3-ubyte").copy()
    images[0, 0, 0] = 1
    write_idx(folder / "t10k-images-idx3-ubyte", images, compress=False)
    with pytest.raises(DataFormatError, match=r"t10k-images-idx3-ubyte: the md5"):
        load_mnist(tmp_path, download=False)
