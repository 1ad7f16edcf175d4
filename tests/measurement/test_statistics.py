import numpy as np
import pytest

from sparserect.measurement import ActivationStatistics, batch_reductions, count_dead_units

pytestmark = pytest.mark.backend


def test_sums_of_a_padded_batch_of_members_match_numpy(rng):
    h = np.maximum(rng.normal(size=(32, 3, 4, 5)), 0).astype("float32")  # (batch, E, positions, units)
    h[:, 1, :, 0] = 0  # unit 0 of member 1 dead
    valid = (np.arange(32) < 20).astype("float32")
    statistics = ActivationStatistics(5, members=3)
    statistics.add(batch_reductions(h, valid, members=True), examples=20, positions=4)
    real = h[:20]
    for k in range(3):
        summary = statistics.summary(k)
        np.testing.assert_allclose(summary["sparsity"], np.mean(real[:, k] == 0), rtol=1e-6)
        np.testing.assert_allclose(summary["mean_activation"], real[:, k].mean(), rtol=1e-5)
        np.testing.assert_allclose(summary["max_activation"], real[:, k].max())
        assert summary["dead_units"] == count_dead_units(real[:, k])
        for b in (1, 8):
            groups = 20 // b
            used = (real[: groups * b, k].reshape(groups, b, -1) != 0).any(axis=1)
            np.testing.assert_allclose(summary[f"batch_union_{b}"], used.mean(), rtol=1e-6)
        assert np.isnan(summary["batch_union_32"])  # no complete group of real rows
    assert statistics.summary(1)["dead_units"] == 1
    np.testing.assert_allclose(statistics.summary()["sparsity"], np.mean(real == 0), rtol=1e-6)


def test_dead_units_count_units_zero_on_every_row():
    activations = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    assert count_dead_units(activations) == 2


def test_old_import_paths_give_the_moved_names():
    from sparserect import ensembles, layers, measurement
    from sparserect.ensembles import metrics
    from sparserect.layers import sparsity, sparsity_callback

    assert layers.sparsity_report is measurement.sparsity_report is sparsity.sparsity_report
    assert layers.SparsityCallback is sparsity_callback.SparsityCallback
    assert layers.ExpectedRatingRMSE is measurement.ExpectedRatingRMSE
    assert layers.hidden_layers is measurement.hidden_layers
    assert ensembles.member_report is metrics.member_report is measurement.member_report
    assert ensembles.MemberMetrics is measurement.MemberMetrics
