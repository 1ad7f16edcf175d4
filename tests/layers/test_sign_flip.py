import keras
import numpy as np
import pytest

from sparserect.layers import SignFlip

pytestmark = pytest.mark.backend


def mask_of(layer):
    return keras.ops.convert_to_numpy(layer.sign_mask)


@pytest.mark.parametrize("units", [1, 2, 7, 1000])
def test_exactly_half_of_the_units_are_flipped(units):
    layer = SignFlip(seed=3)
    layer.build((None, units))
    mask = mask_of(layer)
    assert set(np.unique(mask)) <= {-1.0, 1.0}
    assert (mask == -1).sum() == units // 2


def test_output_is_input_times_fixed_mask(rng):
    layer = SignFlip(seed=0)
    x = rng.normal(size=(5, 10)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x * mask_of(layer))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=True)), x * mask_of(layer))


def test_mask_is_seeded_and_not_trainable():
    first, second, other = SignFlip(seed=5), SignFlip(seed=5), SignFlip(seed=6)
    for layer in (first, second, other):
        layer.build((None, 100))
    np.testing.assert_array_equal(mask_of(first), mask_of(second))
    assert not np.array_equal(mask_of(first), mask_of(other))
    assert first.trainable_weights == []
    assert len(first.non_trainable_weights) == 1


def test_unseeded_layer_stores_its_drawn_seed():
    layer = SignFlip()
    restored = SignFlip.from_config(layer.get_config())
    layer.build((None, 64))
    restored.build((None, 64))
    np.testing.assert_array_equal(mask_of(layer), mask_of(restored))


def test_mask_is_identical_after_save_and_load(tmp_path, rng):
    inputs = keras.Input((50,))
    model = keras.Model(inputs, SignFlip(name="flip")(inputs))
    path = tmp_path / "flip.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_array_equal(mask_of(restored.get_layer("flip")), mask_of(model.get_layer("flip")))
    x = rng.normal(size=(3, 50)).astype("float32")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("seed", [-1, 1.5, "1"])
def test_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match=f"Received: seed={seed!r}"):
        SignFlip(seed=seed)
