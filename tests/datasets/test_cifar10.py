"""CIFAR-10: official pickles and image folders written here, and the real copy."""

import io
import pickle
import tarfile

import numpy as np
import pytest
from PIL import Image

from sparserect.datasets import DataFormatError
from sparserect.datasets import load_cifar10
from sparserect.datasets.cifar10 import CLASS_NAMES


def _batches(per_class=2):
    """Random images and labels: 5 training batches and a test batch."""
    rng = np.random.default_rng(0)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = np.tile(np.arange(10), per_class)
        images = rng.integers(0, 256, (len(labels), 32, 32, 3), dtype=np.uint8)
        batches[name] = (images, labels)
    return batches


def _write_pickle_archive(path, batches, corrupt=None):
    with tarfile.open(path, "w:gz") as archive:
        for name, (images, labels) in batches.items():
            data = {b"data": images.transpose(0, 3, 1, 2).reshape(len(images), -1),
                    b"labels": labels.tolist(), b"batch_label": name.encode()}  # fmt: skip
            payload = pickle.dumps(data) if name != corrupt else b"not a pickle"
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))


def test_official_pickles_read_back_exactly(tmp_path):
    batches = _batches()
    _write_pickle_archive(tmp_path / "cifar-10-python.tar.gz", batches)
    data = load_cifar10(tmp_path, download=False, dtype="uint8")
    train = np.concatenate([batches[f"data_batch_{i}"][0] for i in range(1, 6)])
    np.testing.assert_array_equal(data.train.x, train)
    test_images, test_labels = batches["test_batch"]
    # The first half of each class validates, the second half tests.
    np.testing.assert_array_equal(data.validation.x, test_images[:10])
    np.testing.assert_array_equal(data.test.x, test_images[10:])
    np.testing.assert_array_equal(data.test.y, test_labels[10:])
    assert data.class_names == CLASS_NAMES and data.input_shape == (32, 32, 3)
    floats = load_cifar10(tmp_path, download=False)
    assert floats.train.x.dtype == np.float32
    np.testing.assert_allclose(floats.train.x, train / 255.0, rtol=1e-6)


def test_corrupt_pickle_names_the_member(tmp_path):
    _write_pickle_archive(tmp_path / "cifar-10-python.tar.gz", _batches(), corrupt="data_batch_3")
    with pytest.raises(DataFormatError, match="data_batch_3 is not a CIFAR-10 pickled batch"):
        load_cifar10(tmp_path, download=False)


def test_truncated_archive_is_reported(tmp_path):
    path = tmp_path / "cifar-10-python.tar.gz"
    _write_pickle_archive(path, _batches())
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(DataFormatError, match="cifar-10-python.tar.gz is a truncated or corrupt"):
        load_cifar10(tmp_path, download=False)


def test_png_image_folder_reads_back_exactly_with_interleaved_classes(tmp_path):
    rng = np.random.default_rng(1)
    expected = {}
    for split in ("train", "test"):
        for label, name in enumerate(CLASS_NAMES[:3]):
            (tmp_path / "cifar10" / split / name).mkdir(parents=True)
            for index in range(4):
                pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(tmp_path / "cifar10" / split / name / f"{index:04d}.png")
                expected[split, label, index] = pixels
    data = load_cifar10(tmp_path, download=False, dtype="uint8")
    np.testing.assert_array_equal(data.train.y, [0, 1, 2] * 4)
    np.testing.assert_array_equal(data.train.x[4], expected["train", 1, 1])
    np.testing.assert_array_equal(data.validation.y, [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(data.test.x[0], expected["test", 0, 2])


def test_the_unpacked_jpeg_archive_is_found_where_it_lies(tmp_path):
    # `tar -xf cifar10-jpeg.tar.xz` beside the archive gives cifar10/cifar10-jpeg/.
    for split in ("train", "test"):
        for name in CLASS_NAMES[:2]:
            folder = tmp_path / "cifar10" / "cifar10-jpeg" / split / name
            folder.mkdir(parents=True)
            for index in range(2):
                Image.new("RGB", (32, 32), (index, 0, 0)).save(folder / f"{index:04d}.png")
    data = load_cifar10(tmp_path, download=False, dtype="uint8")
    np.testing.assert_array_equal(data.train.y, [0, 1, 0, 1])
    assert data.train.x[2, 0, 0, 0] == 1


def test_image_folder_with_unknown_class_or_wrong_size(tmp_path):
    folder = tmp_path / "cifar10" / "train" / "unicorn"
    folder.mkdir(parents=True)
    (tmp_path / "cifar10" / "test").mkdir()
    Image.new("RGB", (32, 32)).save(folder / "0.png")
    with pytest.raises(DataFormatError, match="unknown class folder 'unicorn'"):
        load_cifar10(tmp_path, download=False)
    folder.rename(folder.parent / "cat")
    Image.new("RGB", (28, 28)).save(folder.parent / "cat" / "1.png")
    with pytest.raises(DataFormatError, match=r"cat/1.png is 28x28 pixels"):
        load_cifar10(tmp_path, download=False)


def test_real_cifar10_jpeg_folder(shared_data_dir, monkeypatch):
    monkeypatch.setenv("SPARSERECT_DATA", str(shared_data_dir))
    data = load_cifar10(download=False)
    assert (len(data.train), len(data.validation), len(data.test)) == (50_000, 5_000, 5_000)
    assert data.input_shape == (32, 32, 3) and data.train.x.dtype == np.float32
    assert 0.0 <= data.train.x.min() and data.train.x.max() <= 1.0
    assert 0.4 < data.train.x.mean() < 0.55
    np.testing.assert_array_equal(np.bincount(data.train.y), [5_000] * 10)
    np.testing.assert_array_equal(np.bincount(data.validation.y), [500] * 10)
    np.testing.assert_array_equal(data.train.y[:10], np.arange(10))
