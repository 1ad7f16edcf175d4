"""Tests of sparserect.ensembles.losses: the summed loss, the penalty and the member error."""

import keras
import numpy as np
import pytest

from sparserect.ensembles import EnsembleSparseCategoricalCrossentropy
from sparserect.ensembles import MemberError
from sparserect.ensembles import member_seeds

from _members import HIDDEN
from _members import members_network
from _members import numpy_of
from _members import single_network

pytestmark = pytest.mark.backend


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


def test_predictions_without_the_member_axis_are_an_error():
    labels = np.zeros(4, "int32")
    flat = np.full((4, 3), 1 / 3, "float32")
    with pytest.raises(ValueError, match=r"\(batch, ensemble_size, classes\). Received: shape="):
        EnsembleSparseCategoricalCrossentropy()(labels, flat)
    with pytest.raises(ValueError, match=r"\(batch, 2, classes\). Received: shape=\(4, 3\)"):
        MemberError(2).update_state(labels, flat)
    with pytest.raises(ValueError, match=r"\(batch, 2, classes\). Received: shape=\(4, 5, 3\)"):
        MemberError(2).update_state(labels, np.full((4, 5, 3), 1 / 3, "float32"))
