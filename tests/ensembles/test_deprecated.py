"""Tests of sparserect.ensembles.deprecated: the old names warn and build the member layers."""

import numpy as np
import pytest

from sparserect import ensembles
from sparserect.layers import HiddenBlock

from _members import HIDDEN
from _members import members_network
from _members import numpy_of

pytestmark = pytest.mark.backend


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
