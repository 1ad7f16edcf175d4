"""Tests of sparserect.ensembles.network: extracting, compiling and training a model of members."""

import keras
import numpy as np
import pytest

from sparserect.ensembles import EnsembleSparseCategoricalCrossentropy
from sparserect.ensembles import MemberError
from sparserect.ensembles import compile_ensemble
from sparserect.ensembles import extract_member
from sparserect.ensembles import member_seeds
from sparserect.layers import HiddenBlock
from sparserect.layers import build_network

from _members import HIDDEN
from _members import members_network
from _members import numpy_of
from _members import single_network

pytestmark = pytest.mark.backend


@pytest.mark.parametrize(
    "activation, sharpness, sign_trick",
    [
        ("rectifier", None, True),
        ("softplus", [1.0, 6.0, 3.0], False),
        ("tanh", None, False),
        ("prelu", None, False),
    ],
)
def test_extracted_member_computes_the_ensembles_member(activation, sharpness, sign_trick, data, tmp_path):
    x, _ = data
    model = members_network(
        3, activation, sharpness, activation_l1=[0.0, 0.001, 0.01], sign_trick=sign_trick, seed=1
    )
    if activation == "prelu":  # give each member's slopes their own values
        for block in ("hidden_1", "hidden_2"):
            alpha = model.get_layer(block).activation.weights[0]
            alpha.assign(np.random.default_rng(0).uniform(0, 1, alpha.shape).astype("float32"))
    outputs = numpy_of(model(x))
    assert outputs.shape == (40, 3, 3)
    for k in range(3):
        member = extract_member(model, k)
        assert member.name == f"{model.name}_member_{k}"
        np.testing.assert_allclose(numpy_of(member(x)), outputs[:, k], rtol=1e-5, atol=1e-6)
    path = tmp_path / "member.keras"
    member.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(numpy_of(loaded(x)), numpy_of(member(x)))


@pytest.mark.parametrize(
    "activation, sharpness, sign_trick",
    [("rectifier", None, True), ("softplus", [1.0, 6.0, 2.0], False)],
)
def test_sgd_training_matches_independent_networks(activation, sharpness, sign_trick, data):
    x, y = data
    l1 = [0.0, 0.001, 0.02]
    seeds = member_seeds(7, 3, HIDDEN)
    model = members_network(
        3, activation, sharpness, activation_l1=l1, sign_trick=sign_trick, seed=seeds
    )
    compile_ensemble(model, keras.optimizers.SGD(0.1))
    model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    outputs = numpy_of(model(x))
    for k in range(3):
        single = single_network(k, seeds, l1, sign_trick, activation, sharpness)
        single.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        single.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
        trained = extract_member(model, k)
        for ours, theirs in zip(trained.weights, single.weights):
            np.testing.assert_allclose(
                numpy_of(ours), numpy_of(theirs), rtol=1e-5, atol=1e-6, err_msg=ours.path
            )
        np.testing.assert_allclose(outputs[:, k], numpy_of(single(x)), rtol=1e-5, atol=1e-6)
    # The members really moved (and apart).
    assert not np.allclose(outputs[:, 0], outputs[:, 1])


def test_keras_file_round_trip_of_a_compiled_ensemble(data, tmp_path):
    x, y = data
    model = members_network(2, "softplus", [1.0, 2.0], sign_trick=True, seed=0)
    compile_ensemble(model, keras.optimizers.SGD(0.05))
    model.fit(x, y, batch_size=10, epochs=1, verbose=0)
    path = tmp_path / "ensemble.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for restored, original in zip(loaded.weights, model.weights, strict=True):
        np.testing.assert_array_equal(numpy_of(restored), numpy_of(original))
    # Outputs of separately compiled functions may differ in the last bit.
    np.testing.assert_allclose(numpy_of(loaded(x)), numpy_of(model(x)), rtol=1e-6, atol=1e-7)
    assert loaded.get_layer("hidden_1").activation.sharpness == [1.0, 2.0]
    assert loaded.get_layer("hidden_2").seed == model.get_layer("hidden_2").seed
    assert isinstance(loaded.loss, EnsembleSparseCategoricalCrossentropy)
    np.testing.assert_allclose(
        loaded.evaluate(x, y, verbose=0, return_dict=True)["loss"],
        model.evaluate(x, y, verbose=0, return_dict=True)["loss"],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        numpy_of(extract_member(loaded, 1)(x)), numpy_of(extract_member(model, 1)(x)),
        rtol=1e-6, atol=1e-7,
    )


def test_a_single_member_ensemble_trains_as_build_network(data):
    x, y = data
    model = members_network(1, sign_trick=True, seed=[4])
    single = build_network((8,), 3, hidden_units=HIDDEN, sign_trick=True, seed=4)
    compile_ensemble(model, keras.optimizers.SGD(0.1))
    single.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    single.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(numpy_of(model(x))[:, 0], numpy_of(single(x)), rtol=1e-5, atol=1e-6)


def test_bad_member_and_shapes_raise_clear_errors(rng):
    model = members_network(2, seed=0)
    with pytest.raises(ValueError, match="k=2"):
        extract_member(model, 2)
    with pytest.raises(ValueError, match="members=E"):
        extract_member(build_network((8,), 3, hidden_units=HIDDEN), 0)
    layer = HiddenBlock(4, members=3)
    with pytest.raises(ValueError, match="\\(batch, 3, features\\)"):
        layer.build((None, 2, 5))
    with pytest.raises(ValueError, match="k=2"):
        model.get_layer("hidden_1").member(2)
    with pytest.raises(ValueError, match="no members"):
        build_network((8,), 3, hidden_units=HIDDEN).get_layer("hidden_1").member(0)
    with pytest.raises(ValueError, match="shape"):
        MemberError(3).update_state(np.zeros(4), np.zeros((4, 2, 3)))
