"""Tests of sparserect.ensembles.data: per-member batches."""

import keras
import numpy as np
import pytest

from sparserect.ensembles import compile_ensemble
from sparserect.ensembles import extract_member
from sparserect.layers import build_network

from _members import HIDDEN
from _members import members_network
from _members import numpy_of

pytestmark = pytest.mark.backend


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


def test_ordered_batches_serve_the_rows_of_the_order(data):
    from sparserect.ensembles import OrderedBatches

    x, y = data
    order = np.stack([np.arange(40)[::-1], np.random.default_rng(0).permutation(40)], 1)
    batches = OrderedBatches(x, y, order, batch_size=16)
    assert len(batches) == 3
    served = [batches[i] for i in range(3)]
    assert [len(yb) for _, yb in served] == [16, 16, 8]
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in served]), x[order])
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in served]), y[order])
    xb, yb = OrderedBatches(x, y, order[:, 1], batch_size=16)[2]
    np.testing.assert_array_equal(xb, x[order[32:, 1]])
    assert xb.shape == (8, 8) and yb.shape == (8,)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(batch_size=0), r"`batch_size` must be an int > 0\. Received: batch_size=0"),
        (dict(batch_size=10, y=np.zeros(39)), r"Received: len\(x\)=40, len\(y\)=39"),
    ],
)
def test_ordered_batches_reject_bad_arguments(data, arguments, message):
    from sparserect.ensembles import OrderedBatches

    x, y = data
    arguments = {"y": y, **arguments}
    with pytest.raises(ValueError, match=message):
        OrderedBatches(x, order=np.arange(40), **arguments)


def test_ordered_batches_reject_an_order_outside_the_examples(data):
    from sparserect.ensembles import OrderedBatches

    x, y = data
    for order in ([-1, 0], [0, 40], [], np.zeros((4, 2, 2), int)):
        with pytest.raises(ValueError, match=r"`order` must give .* in \[0, 40\)\. Received"):
            OrderedBatches(x, y, order, batch_size=10)


def test_member_batches_keep_one_column_per_member_and_refuse_worker_processes(data):
    from sparserect.ensembles import MemberBatches

    x, y = data
    batches = MemberBatches(x, y, batch_size=10, ensemble_size=3, seed=1)
    assert batches.order.shape == (40, 3)
    np.testing.assert_array_equal(batches.order[:, 2], batches.member_order(2, 0))
    with pytest.raises(ValueError, match="Received: use_multiprocessing=True"):
        MemberBatches(x, y, batch_size=10, ensemble_size=3, workers=2, use_multiprocessing=True)


@pytest.mark.parametrize("batch_size", [10, 4])
def test_ordered_batches_train_each_epoch_on_its_own_order(data, batch_size):
    from sparserect.ensembles import OrderedBatches

    x, y = data[0][:20], data[1][:20]

    def order(epoch):
        return np.random.default_rng(epoch).permutation(20)

    def network():
        model = build_network((8,), 3, hidden_units=(5,), seed=0)
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        return model

    model, reference = network(), network()
    batches = OrderedBatches(x, y, order, batch_size, initial_epoch=1)
    model.fit(batches, initial_epoch=1, epochs=4, shuffle=False, verbose=0,
              callbacks=[batches.epoch_callback()])
    for epoch in range(1, 4):
        reference.fit(x[order(epoch)], y[order(epoch)], batch_size=batch_size, shuffle=False,
                      verbose=0)
    for trained, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(trained, expected, rtol=1e-5, atol=1e-6)
