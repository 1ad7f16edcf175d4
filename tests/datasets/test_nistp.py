"""The NISTP distortions, and the distorted data sets."""

import numpy as np
import pytest

from sparserect.datasets import DISTORTIONS
from sparserect.datasets import NISTPDistortion
from sparserect.datasets import distorted
from sparserect.datasets import load_digits
from sparserect.datasets import load_mnist_p
from sparserect.datasets import plot_distortions


@pytest.fixture(scope="module")
def images():
    return load_digits(dtype="uint8").test.x[:40].astype(np.float32) / 16


def test_zero_strength_is_the_identity(images):
    np.testing.assert_array_equal(NISTPDistortion(0.0)(images, seed=3), images)
    # exactly, in any range (not rescaled there and back in float32)
    signed = (images * 2 - 1) * np.float32(0.7)
    out = NISTPDistortion(0.0, value_range=(-1, 1))(signed, seed=3)
    np.testing.assert_array_equal(out, signed)
    assert out.shape == signed.shape and out is not signed


@pytest.mark.parametrize("name", DISTORTIONS)
def test_each_distortion_changes_images_and_keeps_shape_type_range(images, name):
    out = NISTPDistortion(0.0, {name: 1.0})(images, seed=0)
    assert out.shape == images.shape and out.dtype == images.dtype
    assert out.min() >= 0 and out.max() <= 1
    assert np.abs(out - images).mean() > 1e-3


@pytest.mark.parametrize("name", DISTORTIONS)
def test_strength_grows_the_change(images, name):
    def change(strength):
        out = NISTPDistortion(0.0, {name: strength})(images, seed=1)
        return np.abs(out - images).mean()

    assert change(0.2) < change(1.0)


def test_seeded_and_independent_per_distortion(images):
    distort = NISTPDistortion(0.6)
    np.testing.assert_array_equal(distort(images, seed=7), distort(images, seed=7))
    assert not np.array_equal(distort(images, seed=7), distort(images, seed=8))
    # A distortion's draws do not depend on the others' strengths.
    alone = NISTPDistortion(0.0, {"gaussian_noise": 0.5})(np.zeros_like(images), seed=2)
    with_other = NISTPDistortion(0.0, {"gaussian_noise": 0.5, "contrast": 1e-9})(
        np.zeros_like(images), seed=2
    )
    np.testing.assert_allclose(alone, with_other, atol=1e-6)


def test_uint8_grey_images_without_channel_axis():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    out = NISTPDistortion(0.5, chunk_size=2)(images, seed=0)
    assert out.shape == (5, 28, 28) and out.dtype == np.uint8
    assert not np.array_equal(out, images)


def test_other_value_range():
    images = np.full((3, 16, 16), -1.0, np.float32)
    out = NISTPDistortion(0.0, {"salt_and_pepper": 1.0}, value_range=(-1, 1))(images, 0)
    assert set(np.unique(out)) <= {-1.0, 1.0} and out.max() == 1.0


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"Unknown distortions \['blur'\]"):
        NISTPDistortion(strengths={"blur": 0.5})
    with pytest.raises(ValueError, match="strength of pinch must be in"):
        NISTPDistortion(strengths={"pinch": 2})
    with pytest.raises(ValueError, match="grey images"):
        NISTPDistortion()(np.zeros((2, 8, 8, 3)), seed=0)
    with pytest.raises(ValueError, match="strength of pinch must be in"):
        NISTPDistortion(strengths={"pinch": "0.5"})
    for value_range in [(1, 0), (0,), (0, float("inf")), "01"]:
        with pytest.raises(ValueError, match="Received: value_range="):
            NISTPDistortion(value_range=value_range)
    with pytest.raises(ValueError, match="Received: chunk_size=0"):
        NISTPDistortion(chunk_size=0)


def test_plot_distortions_writes_a_png(images, tmp_path):
    path = tmp_path / "grid.png"
    plot_distortions(images[:4], path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_mnist_p_distorts_every_split_once_and_caches(monkeypatch, private_cache):
    calls = []

    def small_mnist(data_dir, download, dtype):
        calls.append(dtype)
        return load_digits(dtype="uint8")

    monkeypatch.setattr(distorted, "load_mnist", small_mnist)
    data = load_mnist_p(strength=0.5, seed=0)
    clean = load_digits()
    assert data.name == "mnist-p" and data.train.x.dtype == np.float32
    assert (len(data.train), len(data.validation), len(data.test)) == (1_197, 300, 300)
    np.testing.assert_array_equal(data.test.y, clean.test.y)
    assert not np.allclose(data.test.x, clean.test.x)
    again = load_mnist_p(strength=0.5, seed=0, dtype="uint8")
    np.testing.assert_allclose(again.test.x / 255.0, data.test.x, rtol=1e-6)
    assert calls == ["uint8", "uint8"]
    assert len(list((private_cache / "parsed").glob("mnist-p-*.npz"))) == 1
