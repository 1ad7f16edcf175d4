import keras
import numpy as np
import pytest

from sparserect.layers import build_network
from sparserect.measurement import ActivationHistograms, measured_layers

pytestmark = pytest.mark.backend


def read_events(log_dir):
    """Returns `{(tag, step): value}` from the event files under `log_dir/train`."""
    import tensorflow as tf

    values = {}
    for path in sorted((log_dir / "train").glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                values[value.tag, event.step] = tf.make_ndarray(value.tensor)
    return values


@pytest.fixture
def problem(rng):
    x = rng.normal(size=(300, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    return x, y


def fit(model, x, y, log_dir, learning_rate=0.05, **kwargs):
    model.compile(keras.optimizers.SGD(learning_rate), "sparse_categorical_crossentropy")
    callback = ActivationHistograms(log_dir, (x, y), **kwargs)
    model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[callback])
    return callback, read_events(log_dir)


def check_layer(events, name, pre, post, step, members=False):
    """The summaries of one layer at `step` against numpy on the same sample."""
    for tag, values in (("preactivation", pre), ("activation", post)):
        histogram = events[f"{name}/{tag}", step]
        assert histogram.shape[1] == 3 and histogram[:, 2].sum() == values.size
        np.testing.assert_allclose(histogram[0, 0], values.min(), rtol=1e-5)
        np.testing.assert_allclose(histogram[-1, 1], values.max(), rtol=1e-5)
    units = post.reshape(-1, post.shape[-1]) if not members else (
        post.transpose(1, 0, 2).reshape(post.shape[1], -1, post.shape[2])
    )
    active = np.count_nonzero(units, axis=-2)  # per unit (and member)
    per_unit = units.shape[-2]
    expected = {
        "zero_fraction": np.mean(post == 0),
        "dead_fraction": np.mean(active == 0),
        "rarely_active_fraction": np.mean(active < max(0.001 * per_unit, 1)),
        "mean_activation": post.mean(),
    }
    for b in (1, 8, 32, 256):
        groups = len(post) // b
        if groups:
            grouped = post[: groups * b].reshape(groups, b, -1)
            expected[f"batch_union_{b}"] = np.mean((grouped != 0).any(axis=1))
    for scalar, value in expected.items():
        np.testing.assert_allclose(events[f"{name}/{scalar}", step], value, rtol=1e-5, atol=1e-7,
                                   err_msg=scalar)


def test_a_functional_network_gets_histograms_and_scalars_matching_numpy(problem, tmp_path):
    x, y = problem
    model = build_network((6,), 2, hidden_units=(16, 8), sign_trick=True, seed=0)
    callback, events = fit(model, x, y, tmp_path, max_examples=280)
    assert callback.data.shape == (280, 6)
    for name in ("hidden_1", "hidden_2"):
        block = model.get_layer(name)
        inner = keras.Model(model.inputs[0], block.output)
        post = keras.ops.convert_to_numpy(inner(callback.data)) * np.asarray(block.sign_mask)
        below = keras.Model(model.inputs[0], block.input)
        kernel = keras.ops.convert_to_numpy(block.dense.kernel)
        bias = keras.ops.convert_to_numpy(block.dense.bias)
        pre = keras.ops.convert_to_numpy(below(callback.data)) @ kernel + bias
        check_layer(events, name, pre, post, step=1)
        assert (name + "/activation", 0) in events
    assert not any(tag.startswith("softmax") for tag, _ in events)


def test_every_kind_of_model_is_measured(problem, tmp_path):
    x, y = problem

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(8, activation="relu", name="inner_relu")
            self.head = keras.layers.Dense(2, activation="softmax", name="head")

        def call(self, inputs):
            return self.head(self.hidden(inputs))

    images = x[:, :4].reshape(-1, 2, 2, 1)
    conv_input = keras.Input((2, 2, 1))
    conv = keras.layers.Conv2D(3, 1, activation="relu", name="conv")(conv_input)
    conv_model = keras.Model(
        conv_input, keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(conv))
    )
    sequential = keras.Sequential([
        keras.layers.Dense(8, name="dense"),
        keras.layers.ReLU(name="relu"),
        keras.layers.Dense(2, activation="softmax", name="head"),
    ])
    for model, inputs, name in (
        (Subclassed(), x, "inner_relu"),
        (sequential, x, "relu"),
        (conv_model, images, "conv"),
    ):
        log_dir = tmp_path / name
        # No learning: the weights of the summaries at step 0 are the final ones.
        callback, events = fit(model, inputs, y, log_dir, learning_rate=0.0, histogram_freq=2)
        assert [layer.name for layer in measured_layers(model)] == [name]
        assert {step for _, step in events} == {0}  # every second epoch: the first only
        assert len(events) == 2 + 8  # two histograms, eight scalars
        layer = measured_layers(model)[0]
        if name == "relu":
            pre = keras.ops.convert_to_numpy(model.get_layer("dense")(callback.data))
        else:
            kernel = keras.ops.convert_to_numpy(layer.kernel)
            bias = keras.ops.convert_to_numpy(layer.bias)
            pre = callback.data @ kernel.reshape(-1, kernel.shape[-1]) + bias
        check_layer(events, name, pre, np.maximum(pre, 0), step=0)


def test_a_model_of_members_pools_its_members(problem, tmp_path):
    from sparserect.ensembles import compile_ensemble

    x, y = problem
    model = build_network((6,), 2, hidden_units=(8,), members=3, seed=[0, 1, 2])
    compile_ensemble(model, keras.optimizers.SGD(0.0))  # no learning: weights stay
    callback = ActivationHistograms(tmp_path, x, max_examples=260)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, callbacks=[callback])
    events = read_events(tmp_path)
    block = model.get_layer("hidden_1")
    post = keras.ops.convert_to_numpy(keras.Model(model.inputs[0], block.output)(callback.data))
    kernel = keras.ops.convert_to_numpy(block.dense.kernel)  # (E, in, units)
    pre = np.einsum("bi,eiu->beu", callback.data, kernel)
    check_layer(events, "hidden_1", pre, post, step=0, members=True)


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="Received: histogram_freq=0"):
        ActivationHistograms(tmp_path, np.zeros((4, 2)), histogram_freq=0)
    with pytest.raises(ValueError, match="Received: max_examples=-1"):
        ActivationHistograms(tmp_path, np.zeros((4, 2)), max_examples=-1)


@pytest.mark.tensorflow_only
def test_a_tf_dataset_is_read_once_into_the_sample(problem, tmp_path):
    import tensorflow as tf

    x, y = problem
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)
    callback = ActivationHistograms(tmp_path, dataset, max_examples=100)
    np.testing.assert_array_equal(callback.data, x[:100])
