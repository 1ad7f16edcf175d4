import keras
import numpy as np
import pandas as pd
import pytest

from sparserect.ensembles import extract_member
from sparserect.layers import HiddenBlock, build_network
from sparserect.measurement import activation_extractor, hidden_layers, sparsity_report

from _members import members_network

pytestmark = pytest.mark.backend


def numpy_report(hidden):
    """The report's columns computed directly from an (examples, units) array."""
    zeros = hidden == 0
    return {
        "sparsity": zeros.mean(),
        "dead_units": int(zeros.all(axis=0).sum()),
        "dead_fraction": zeros.all(axis=0).mean(),
        "always_active_fraction": (~zeros).all(axis=0).mean(),
        "mean_activation": hidden.mean(),
        "max_activation": hidden.max(),
    }


def plain_keras_model():
    inputs = keras.Input((6,))
    x = keras.layers.Dense(8, activation="relu", name="dense_relu")(inputs)
    x = keras.layers.Dense(5, name="linear")(x)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.Dense(4, activation="tanh", name="dense_tanh")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs)


def test_report_matches_numpy_on_a_plain_keras_model(rng):
    model = plain_keras_model()
    kernel = model.get_layer("dense_relu").kernel
    # Make units 0 and 1 dead and unit 2 always active for x >= 0.
    weights = keras.ops.convert_to_numpy(kernel).copy()
    weights[:, 0] = weights[:, 1] = -1.0
    weights[:, 2] = 1.0
    kernel.assign(weights)
    x = rng.uniform(0, 1, size=(37, 6)).astype("float32")

    report = sparsity_report(model, x, batch_size=8)

    assert list(report["layer"]) == ["dense_relu", "relu", "dense_tanh"]
    extractor = keras.Model(model.inputs, [model.get_layer(n).output for n in report["layer"]])
    for row, hidden in zip(report.to_dict("records"), extractor.predict(x, verbose=0)):
        expected = numpy_report(hidden)
        for column, value in expected.items():
            # atol: a mean near 0 (tanh) differs in float32 by the order of summation.
            np.testing.assert_allclose(row[column], value, rtol=1e-5, atol=1e-6, err_msg=column)
    assert report.loc[0, "dead_units"] >= 2
    assert report.loc[0, "always_active_fraction"] >= 1 / 8
    assert report.attrs["examples"] == 37
    zeros = sum(r["sparsity"] * r["units"] for r in report.to_dict("records"))
    np.testing.assert_allclose(report.attrs["average_sparsity"], zeros / 17)


def test_report_undoes_the_sign_trick(rng):
    model = build_network((10,), 2, hidden_units=(50, 50), sign_trick=True, seed=0)
    x = rng.normal(size=(64, 10)).astype("float32")
    report = sparsity_report(model, x)
    assert list(report["layer"]) == ["hidden_1", "hidden_2"]
    assert (report["mean_activation"] > 0).all()
    block = model.get_layer("hidden_1")
    h = np.maximum(
        x @ keras.ops.convert_to_numpy(block.dense.kernel), 0
    )
    np.testing.assert_allclose(report.loc[0, "mean_activation"], h.mean(), rtol=1e-4)
    np.testing.assert_allclose(report.loc[0, "sparsity"], (h == 0).mean())


def test_report_accepts_tuples_batches_and_a_limit(rng):
    model = build_network((4,), 2, hidden_units=(16,), seed=0)
    x = rng.normal(size=(100, 4)).astype("float32")
    y = np.zeros(100, dtype="int32")
    reference = sparsity_report(model, x[:30])
    batches = ((x[i : min(i + 7, 30)], y[i : min(i + 7, 30)]) for i in range(0, 30, 7))
    for data in [(x[:30], y[:30]), batches]:
        report = sparsity_report(model, data)
        assert report.attrs["examples"] == 30
        np.testing.assert_allclose(report["sparsity"], reference["sparsity"])
    limited = sparsity_report(model, x, max_examples=30)
    np.testing.assert_allclose(limited["sparsity"], reference["sparsity"])


@pytest.mark.tensorflow_only
def test_report_accepts_a_tf_dataset(rng):
    import tensorflow as tf

    model = build_network((4,), 2, hidden_units=(16,), seed=0)
    x = rng.normal(size=(50, 4)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, np.zeros(50))).batch(16)
    np.testing.assert_allclose(
        sparsity_report(model, dataset)["sparsity"], sparsity_report(model, x)["sparsity"]
    )


def test_tanh_and_softplus_layers_are_never_exactly_sparse(rng):
    x = rng.normal(size=(40, 10)).astype("float32")
    for activation in ("tanh", "softplus"):
        model = build_network((10,), 2, hidden_units=(20,), activation=activation, seed=0)
        report = sparsity_report(model, x)
        assert report.loc[0, "sparsity"] == 0.0
        assert report.loc[0, "dead_units"] == 0


def test_hidden_layers_skip_the_output_and_linear_layers():
    names = [layer.name for layer in hidden_layers(plain_keras_model())]
    assert names == ["dense_relu", "relu", "dense_tanh"]


def test_hidden_layers_find_an_activation_given_as_a_layer():
    inputs = keras.Input((3,))
    x = keras.layers.Dense(4, activation=keras.layers.ReLU(), name="relu_layer")(inputs)
    x = keras.layers.Dense(4, activation=keras.layers.Activation("tanh"), name="tanh_layer")(x)
    x = keras.layers.Dense(4, activation=keras.layers.Activation("linear"), name="linear")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    assert [layer.name for layer in hidden_layers(model)] == ["relu_layer", "tanh_layer"]


def test_a_convolution_counts_each_activation_once(rng):
    # Sparsity and dead channels over every position; the average over all
    # activations, so a channel of a 5x5 map weighs 25 times a dense unit.
    inputs = keras.Input((5, 5, 2))
    conv = keras.layers.Conv2D(3, 1, activation="relu", name="conv")(inputs)
    dense = keras.layers.Dense(4, activation="relu", name="dense")(keras.layers.Flatten()(conv))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(dense))
    kernel = model.get_layer("conv").kernel
    weights = keras.ops.convert_to_numpy(kernel).copy()
    weights[..., 0] = -1.0  # channel 0 dead for x >= 0
    kernel.assign(weights)
    x = rng.uniform(0, 1, size=(9, 5, 5, 2)).astype("float32")

    report = sparsity_report(model, x)

    conv_out, dense_out = keras.Model(
        model.inputs, [model.get_layer("conv").output, model.get_layer("dense").output]
    ).predict(x, verbose=0)
    expected = numpy_report(conv_out.reshape(-1, 3))
    for column, value in expected.items():
        np.testing.assert_allclose(report.loc[0, column], value, rtol=1e-5, err_msg=column)
    assert report.loc[0, "dead_units"] >= 1
    assert report.attrs["examples"] == 9
    zeros = np.count_nonzero(conv_out == 0) + np.count_nonzero(dense_out == 0)
    np.testing.assert_allclose(
        report.attrs["average_sparsity"], zeros / (conv_out.size + dense_out.size)
    )


def test_a_model_of_members_is_measured_with_its_members_pooled(data):
    x, _ = data
    model = members_network(3, sign_trick=True, seed=[4, 5, 6])
    report = sparsity_report(model, x, batch_size=16).set_index("layer")
    members = [sparsity_report(extract_member(model, k), x).set_index("layer") for k in range(3)]
    assert list(report.index) == ["hidden_1", "hidden_2"]
    assert report.attrs["examples"] == 40
    # Every member has as many units: the pooled fractions are the members' means.
    for column, pool in (("units", np.sum), ("dead_units", np.sum), ("max_activation", np.max)):
        np.testing.assert_array_equal(
            report[column], pool([m[column] for m in members], axis=0), err_msg=column
        )
    for column in ("sparsity", "dead_fraction", "rarely_active_fraction",
                   "always_active_fraction", "mean_activation", "batch_union_8",
                   "batch_union_32", "batch_union_256"):
        np.testing.assert_allclose(
            report[column], np.mean([m[column] for m in members], axis=0), rtol=1e-6,
            err_msg=column,
        )
    assert len({m.loc["hidden_1", "sparsity"] for m in members}) == 3  # the members differ
    for key in ("average_sparsity", "dead_fraction"):
        np.testing.assert_allclose(
            report.attrs[key], np.mean([m.attrs[key] for m in members]), rtol=1e-6
        )
    np.testing.assert_allclose(
        report.attrs["batch_union"][8], np.mean([m.attrs["batch_union"][8] for m in members])
    )
    # Per-member inputs: every member is measured on the same examples.
    per_member = members_network(3, sign_trick=True, seed=[4, 5, 6], per_member_inputs=True)
    per_member.set_weights(model.get_weights())
    pd.testing.assert_frame_equal(
        sparsity_report(per_member, x, batch_size=16).set_index("layer"), report
    )


def test_layers_of_members_and_of_one_network_are_not_measured_together():
    inputs = keras.Input((4,))
    stacked = HiddenBlock(5, members=2, seed=[0, 1], name="stacked")(inputs)
    plain = HiddenBlock(3, seed=0, name="plain")(stacked)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(plain))
    with pytest.raises(ValueError, match=r"same number of members.*Received: layers=\{'stacked': 2, 'plain': 1\}"):
        sparsity_report(model, np.zeros((2, 4), "float32"))


def test_the_activation_extractor_refuses_a_model_of_members():
    model = members_network(2, seed=[0, 1])
    with pytest.raises(
        ValueError, match=r"extract_member\(model, k\).*Received: layers=\['hidden_1', 'hidden_2'\]"
    ):
        activation_extractor(model)


def test_report_errors_are_clear(rng):
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = HiddenBlock(4)

        def call(self, x):
            return self.hidden(x)

    model = Subclassed()
    model(np.zeros((1, 3), dtype="float32"))
    for layers in (None, [model.hidden]):
        with pytest.raises(ValueError, match=r"subclassed model \(Subclassed\).*`keras.Input`"):
            sparsity_report(model, np.zeros((2, 3), dtype="float32"), layers=layers)
    unbuilt = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"not built yet.*model.build"):
        sparsity_report(unbuilt, np.zeros((2, 3), dtype="float32"))

    inputs = keras.Input((3,))
    linear = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(4)(inputs)))
    with pytest.raises(ValueError, match="no hidden activation layer"):
        sparsity_report(linear, np.zeros((2, 3), dtype="float32"))
    network = build_network((3,), 2, hidden_units=(4,))
    with pytest.raises(ValueError, match="`data` is empty"):
        sparsity_report(network, np.zeros((0, 3), "float32"))
    with pytest.raises(ValueError, match="Received: batch_size=0"):
        sparsity_report(network, np.zeros((2, 3), "float32"), batch_size=0)
    with pytest.raises(ValueError, match="Received: max_examples=-1"):
        sparsity_report(network, np.zeros((2, 3), "float32"), max_examples=-1)



def test_repeated_reports_compile_the_forward_pass_once(rng):
    # Python runs a layer's `call` only when a forward pass is traced; on
    # TensorFlow each new trace of a report logged a retracing warning.
    traces = []

    class CountTraces(keras.layers.Layer):
        def call(self, inputs):
            traces.append(1)
            return inputs

    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(CountTraces()(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    x = rng.normal(size=(40, 6)).astype("float32")
    first = sparsity_report(model, x)
    traced = len(traces)
    reports = [sparsity_report(model, x) for _ in range(5)]
    assert len(traces) == traced
    assert all(report.equals(first) for report in reports)


@pytest.mark.filterwarnings("error:__array__ implementation:DeprecationWarning")
def test_the_sign_trick_is_undone_without_numpy_copy_warnings(rng):
    network = build_network((6,), 3, hidden_units=(8,), sign_trick=True, seed=0)
    report = sparsity_report(network, rng.normal(size=(40, 6)).astype("float32"))
    assert report.loc[0, "mean_activation"] >= 0


def numpy_batch_union(hidden, b):
    """Fraction of activations non-zero for some example of each complete group of b in a row."""
    groups = len(hidden) // b
    return np.mean((hidden[: groups * b].reshape(groups, b, -1) != 0).any(axis=1))


def test_batch_union_is_measured_over_consecutive_examples(rng):
    model = plain_keras_model()
    x = rng.normal(size=(700, 6)).astype("float32")
    report = sparsity_report(model, x, batch_size=100)
    extractor = keras.Model(model.inputs[0], [model.get_layer(n).output for n in report["layer"]])
    outputs = [keras.ops.convert_to_numpy(out) for out in extractor(x)]
    for row, hidden in zip(report.to_dict("records"), outputs):
        for b in (1, 8, 32, 256):
            np.testing.assert_allclose(row[f"batch_union_{b}"], numpy_batch_union(hidden, b),
                                       rtol=1e-6, err_msg=f"{row['layer']} b={b}")
        np.testing.assert_allclose(row["batch_union_1"], 1 - row["sparsity"], rtol=1e-6)
    for b in (8, 256):
        pooled = np.concatenate([h.reshape(len(x), -1) for h in outputs], axis=1)
        np.testing.assert_allclose(report.attrs["batch_union"][b], numpy_batch_union(pooled, b),
                                   rtol=1e-6)
    # Batches of an iterable are cut again into consecutive examples.
    batches = (x[i : i + 7] for i in range(0, len(x), 7))
    again = sparsity_report(model, batches)
    np.testing.assert_allclose(again["batch_union_32"], report["batch_union_32"])
    assert np.isnan(sparsity_report(model, x[:200])["batch_union_256"]).all()
