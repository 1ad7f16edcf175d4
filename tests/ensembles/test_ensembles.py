import keras
import numpy as np
import pytest

from sparserect import ensembles
from sparserect.ensembles import (
    EnsembleSparseCategoricalCrossentropy,
    MemberError,
    compile_ensemble,
    extract_member,
    member_seeds,
)
from sparserect.layers import (
    ActivationL1,
    HiddenBlock,
    ScaledSoftplus,
    build_network,
)

pytestmark = pytest.mark.backend

HIDDEN = (12, 10)


def numpy_of(tensor):
    return keras.ops.convert_to_numpy(tensor)


@pytest.fixture
def data(rng):
    x = rng.normal(size=(40, 8)).astype("float32")
    y = rng.integers(0, 3, size=40)
    return x, y


def members_network(members, activation="rectifier", sharpness=None, activation_l1=0.001,
                    input_shape=(8,), **kwargs):
    """`build_network` of `members` networks, one coefficient (or one per member) for all blocks."""
    if sharpness is not None:
        activation = ScaledSoftplus(sharpness)
    return build_network(
        input_shape, 3, HIDDEN, activation, activation_l1=[activation_l1] * len(HIDDEN),
        members=members, **kwargs,
    )


def single_network(k, seeds, l1, sign_trick, activation, sharpness):
    member_activation = activation
    if sharpness is not None:
        member_activation = ScaledSoftplus(sharpness[k])
    return build_network(
        (8,),
        3,
        hidden_units=HIDDEN,
        activation=member_activation,
        activation_l1=l1[k],
        sign_trick=sign_trick,
        seed=seeds[k],
    )


# Initialisation ------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 32])
def test_every_member_has_a_single_networks_glorot_statistics(size):
    fan_in, fan_out = 100, 200
    layer = HiddenBlock(fan_out, members=size, seed=list(range(size)))
    layer.build((None, fan_in))
    kernel = numpy_of(layer.dense.kernel)
    assert kernel.shape == (size, fan_in, fan_out)
    limit = np.sqrt(6 / (fan_in + fan_out))  # glorot_uniform of a 2-D kernel
    single = keras.layers.Dense(fan_out, kernel_initializer="glorot_uniform")
    single.build((None, fan_in))
    single_std = numpy_of(single.kernel).std()
    for member in kernel:
        assert np.abs(member).max() <= limit
        assert np.abs(member).max() > 0.99 * limit  # not shrunk by sqrt(E)
        np.testing.assert_allclose(member.std(), limit / np.sqrt(3), rtol=0.03)
        np.testing.assert_allclose(member.std(), single_std, rtol=0.04)
        assert abs(member.mean()) < 0.01
    assert np.count_nonzero(numpy_of(layer.dense.bias)) == 0
    # Members are independent draws, not copies.
    if size > 1:
        assert not np.array_equal(kernel[0], kernel[1])


def test_member_weights_are_bit_identical_to_build_network():
    seeds = member_seeds(5, 3, HIDDEN)
    assert seeds == [5, 8, 11]
    model = members_network(3, activation_l1=[0.0, 0.001, 0.01], sign_trick=True, seed=5)
    for k in range(3):
        reference = single_network(k, seeds, [0.0, 0.001, 0.01], True, "rectifier", None)
        extracted = extract_member(model, k)
        assert len(extracted.weights) == len(reference.weights)
        for ours, theirs in zip(extracted.weights, reference.weights):
            assert ours.path == theirs.path
            np.testing.assert_array_equal(numpy_of(ours), numpy_of(theirs))
        for index, name in enumerate(("hidden_1", "hidden_2")):
            block = model.get_layer(name)
            np.testing.assert_array_equal(
                numpy_of(block.dense.kernel[k]),
                numpy_of(reference.get_layer(name).dense.kernel),
            )
            np.testing.assert_array_equal(
                numpy_of(block.sign_mask[k]), numpy_of(reference.get_layer(name).sign_mask)
            )
            assert block.seed[k] == seeds[k] + index


def test_seeds_are_drawn_and_kept_when_not_given():
    model = members_network(2)
    block = model.get_layer("hidden_1")
    assert len(set(block.seed)) == 2
    assert model.get_layer("hidden_2").seed == [s + 1 for s in block.seed]
    head_seeds = model.get_layer("softmax").kernel_initializer.seeds
    assert head_seeds == [s + 2 for s in block.seed]


# Forward pass, extraction, penalty ------------------------------------------


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


def test_penalty_is_the_sum_of_the_single_networks_penalties(data):
    x, _ = data
    l1 = [0.0, 0.001, 0.05]
    seeds = member_seeds(2, 3, HIDDEN)
    model = members_network(3, activation_l1=l1, sign_trick=True, seed=2)
    model(x)
    total = sum(float(numpy_of(loss)) for loss in model.losses)
    expected = 0.0
    for k in range(3):
        single = single_network(k, seeds, l1, True, "rectifier", None)
        single(x)
        expected += sum(float(numpy_of(loss)) for loss in single.losses)
    assert expected > 0
    np.testing.assert_allclose(total, expected, rtol=1e-5)


def test_loss_is_the_sum_of_the_members_mean_crossentropies(rng):
    logits = rng.normal(size=(6, 4, 3)).astype("float32")
    probabilities = numpy_of(keras.ops.softmax(logits))
    y = rng.integers(0, 3, size=6)
    loss = float(numpy_of(EnsembleSparseCategoricalCrossentropy()(y, probabilities)))
    expected = -np.log(probabilities[np.arange(6), :, y]).mean(axis=0).sum()
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    per_member_labels = np.repeat(y[:, None], 4, axis=1)
    same = float(numpy_of(EnsembleSparseCategoricalCrossentropy()(per_member_labels, probabilities)))
    np.testing.assert_allclose(same, expected, rtol=1e-5)


# Training equals independent trainings --------------------------------------


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


# Serialization ---------------------------------------------------------------


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


@pytest.mark.parametrize(
    "layer",
    [
        HiddenBlock(4, activation="prelu", activation_l1=[0.1, 0.0], sign_trick=True, members=2),
        HiddenBlock(4, activation="tanh", seed=[3, 4], members=2),
        ScaledSoftplus([1.0, 3.0]),
    ],
)
def test_layer_config_round_trip(layer):
    restored = layer.__class__.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()


# Per-member inputs -------------------------------------------------------------


def test_per_member_inputs_give_each_member_its_own_examples(rng):
    x = rng.normal(size=(5, 2, 4, 2)).astype("float32")
    model = members_network(2, input_shape=(4, 2), seed=3, per_member_inputs=True)
    outputs = numpy_of(model(x))
    for k in range(2):
        member = extract_member(model, k)
        np.testing.assert_allclose(numpy_of(member(x[:, k])), outputs[:, k], rtol=1e-5, atol=1e-6)


# Metrics --------------------------------------------------------------------------


def test_member_error_metric_is_the_mean_of_the_members_errors(rng):
    probabilities = numpy_of(keras.ops.softmax(rng.normal(size=(20, 3, 4)).astype("float32")))
    y = rng.integers(0, 4, size=20)
    metric = MemberError(3)
    metric.update_state(y, probabilities)
    errors = (probabilities.argmax(-1) != y[:, None]).mean(axis=0)
    np.testing.assert_allclose(numpy_of(metric.member_errors()), errors, rtol=1e-6)
    np.testing.assert_allclose(float(numpy_of(metric.result())), errors.mean(), rtol=1e-6)
    metric.reset_state()
    assert float(numpy_of(metric.result())) == 0.0


# Errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: HiddenBlock(4, members=0), "members=0"),
        (lambda: HiddenBlock(4, members=2, activation_l1=[0.1]), "activation_l1=\\[0.1\\]"),
        (lambda: HiddenBlock(4, members=2, activation_l1=[0.1, -1.0]), "finite number >= 0"),
        (lambda: ScaledSoftplus([1.0, 0.0]), "> 0.0"),
        (lambda: HiddenBlock(4, members=2, seed=[1]), "seed=\\[1\\]"),
        (lambda: HiddenBlock(4, members=2, seed=1), "one int >= 0 per member"),
        (lambda: HiddenBlock(4, members=2, activity_regularizer="l1"), "activity_regularizer"),
        (lambda: HiddenBlock(0, members=2), "units=0"),
        (
            lambda: HiddenBlock(
                3, members=2, kernel_initializer=keras.initializers.GlorotUniform(1)
            ).build((None, 4)),
            "same weights",
        ),
        (lambda: ActivationL1([]), "coefficient=\\[\\]"),
        (lambda: build_network((8,), 3, HIDDEN, per_member_inputs=True), "needs `members`"),
        (lambda: build_network((8,), 3, HIDDEN, activation_l1=[[0.1, 0.2], 0.0]), "members=None"),
        (lambda: members_network(2, seed=[0]), "seed=\\[0\\]"),
        (lambda: build_network((8,), 1, HIDDEN, members=2), "num_classes=1"),
    ],
)
def test_bad_arguments_raise_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


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


def test_a_single_member_ensemble_trains_as_build_network(data):
    x, y = data
    model = members_network(1, sign_trick=True, seed=[4])
    single = build_network((8,), 3, hidden_units=HIDDEN, sign_trick=True, seed=4)
    compile_ensemble(model, keras.optimizers.SGD(0.1))
    single.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    single.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(numpy_of(model(x))[:, 0], numpy_of(single(x)), rtol=1e-5, atol=1e-6)


def test_member_batches_train_each_member_on_its_own_order(data):
    from sparserect.ensembles import MemberBatches

    x, y = data
    batches = MemberBatches(x, y, batch_size=10, ensemble_size=2, seed=3)
    assert len(batches) == 4
    xb, yb = batches[0]
    assert xb.shape == (10, 2, 8) and yb.shape == (10, 2)
    orders = [[batches.member_order(k, epoch) for epoch in range(2)] for k in range(2)]
    assert not np.array_equal(orders[0][0], orders[1][0])
    assert not np.array_equal(orders[0][0], orders[0][1])
    np.testing.assert_array_equal(xb[:, 1], x[orders[1][0][:10]])

    model = members_network(2, activation_l1=[0.0, 0.01], seed=[0, 10], per_member_inputs=True)
    compile_ensemble(model, keras.optimizers.SGD(0.1))
    model.fit(batches, epochs=2, shuffle=False, verbose=0)
    for k, l1 in enumerate([0.0, 0.01]):
        single = build_network((8,), 3, hidden_units=HIDDEN, activation_l1=l1, seed=[0, 10][k])
        single.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        for epoch in range(2):
            order = orders[k][epoch]
            single.fit(x[order], y[order], batch_size=10, epochs=1, shuffle=False, verbose=0)
        np.testing.assert_allclose(
            numpy_of(extract_member(model, k)(x)), numpy_of(single(x)), rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize("weight_decay", [0.0, 0.5])
def test_member_sgd_steps_each_member_at_its_own_learning_rate(data, weight_decay):
    # One step of MemberSGD([0.1, 0.01]) against one step of SGD at 0.1 and
    # at 0.01 (biases not decayed, as `plain_sgd`): member k of the first
    # equals member k of the ensemble stepped at its rate.
    from sparserect.ensembles import MemberSGD
    from sparserect.reproduce.training import plain_sgd

    x, y = data
    rates = [0.1, 0.01]

    def stepped(optimizer_of):
        model = members_network(2, seed=[0, 1], sign_trick=True)
        compile_ensemble(model, optimizer_of(model))
        model.train_on_batch(x[:10], y[:10])
        return [numpy_of(w) for w in model.weights], [w.name for w in model.weights]

    start, names = stepped(lambda model: keras.optimizers.SGD(0.0))
    together, _ = stepped(lambda model: MemberSGD(rates, weight_decay=weight_decay))
    alone = [stepped(lambda model, r=r: plain_sgd(model, r, weight_decay))[0] for r in rates]
    assert "kernel" in names and "bias" in names
    for i, name in enumerate(names):
        for k in range(2):
            np.testing.assert_allclose(together[i][k], alone[k][i][k], rtol=1e-6, atol=1e-7)
        assert not np.allclose(together[i], start[i]) or name == "sign_mask", name


def test_member_sgd_config_round_trip_and_clear_errors():
    from sparserect.ensembles import MemberSGD

    optimizer = MemberSGD([0.1, 0.01, 0.001], weight_decay=0.001)
    restored = MemberSGD.from_config(optimizer.get_config())
    assert restored.learning_rates == [0.1, 0.01, 0.001]
    assert restored.member_weight_decay == 0.001
    revived = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(revived, MemberSGD) and revived.learning_rates == optimizer.learning_rates
    with pytest.raises(ValueError, match="Received: learning_rates=\\[\\]"):
        MemberSGD([])
    with pytest.raises(ValueError, match="Received: learning_rates=\\[0.1, 0\\]"):
        MemberSGD([0.1, 0])
    with pytest.raises(ValueError, match="Received: weight_decay=-1"):
        MemberSGD([0.1], weight_decay=-1)
    with pytest.raises(ValueError, match="Received: global_clipnorm=1.0"):
        MemberSGD([0.1], global_clipnorm=1.0)
    model = members_network(2, seed=[0, 1])
    with pytest.raises(ValueError, match="3 learning rates.*Received: .*kernel of shape"):
        MemberSGD([0.1, 0.01, 0.001]).build(model.trainable_variables)


# Mixed precision and the deprecated names ----------------------------------------


def test_members_equal_build_network_under_mixed_precision(data):
    x, _ = data
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = members_network(2, "softplus", [1.0, 3.0], sign_trick=True, seed=[0, 7])
        outputs = numpy_of(model(x))
        assert model.get_layer("softmax").compute_dtype == "float32"
        assert outputs.dtype == np.float32
        for k, (seed, sharpness) in enumerate([(0, 1.0), (7, 3.0)]):
            single = build_network(
                (8,), 3, HIDDEN, ScaledSoftplus(sharpness), sign_trick=True, seed=seed
            )
            # float16 products: a batched einsum and a matmul round differently.
            np.testing.assert_allclose(numpy_of(single(x)), outputs[:, k], atol=2e-3)
    finally:
        keras.config.set_dtype_policy(previous)


def test_deprecated_ensemble_names_warn_and_build_the_member_layers(data):
    x, _ = data
    with pytest.warns(DeprecationWarning, match="members=E"):
        old = ensembles.build_ensemble(
            (8,), 3, hidden_units=HIDDEN, activation="softplus", sharpness=[1.0, 2.0],
            activation_l1=[0.0, 0.01], sign_trick=True, seeds=[3, 9],
        )
    new = members_network(2, "softplus", [1.0, 2.0], activation_l1=[0.0, 0.01],
                          sign_trick=True, seed=[3, 9])
    np.testing.assert_array_equal(numpy_of(old(x)), numpy_of(new(x)))
    with pytest.warns(DeprecationWarning, match="HiddenBlock\\(units, members=E"):
        block = ensembles.EnsembleHiddenBlock(4, 2, activation_l1=[0.1, 0.0], seeds=[1, 2])
    assert isinstance(block, HiddenBlock) and block.members == 2 and block.seed == [1, 2]
    with pytest.warns(DeprecationWarning):
        assert ensembles.EnsembleActivationL1([0.1, 0.2]).coefficient == [0.1, 0.2]
    with pytest.warns(DeprecationWarning):
        assert ensembles.EnsembleScaledSoftplus([1.0, 3.0]).sharpness == [1.0, 3.0]
    with pytest.warns(DeprecationWarning):
        head = ensembles.EnsembleDense(4, 2, activation="softmax", seeds=[0, 1])
    np.testing.assert_allclose(numpy_of(head(x)).sum(-1), 1.0, rtol=1e-6)
    for build, match in [
        (lambda: ensembles.build_ensemble((8,), 3, hidden_units=HIDDEN), "ensemble_size=None"),
        (lambda: ensembles.build_ensemble((8,), 3, 2, seeds=[0, 1], seed=0), "not both"),
        (lambda: ensembles.EnsembleHiddenBlock(4, 2, sharpness=2.0), "only for `activation="),
    ]:
        with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match=match):
            build()
