"""Tests of sparserect.optimizers: MemberSGD."""

import keras
import numpy as np
import pytest

from sparserect.ensembles import compile_ensemble

from _members import members_network
from _members import numpy_of

pytestmark = pytest.mark.backend


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
