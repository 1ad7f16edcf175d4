import keras
import numpy as np
import pandas as pd
import pytest

from sparserect.ensembles import compile_ensemble, extract_member
from sparserect.measurement import MemberMetrics, member_report, sparsity_report

from _members import members_network
from _members import numpy_of

pytestmark = pytest.mark.backend


def test_member_report_matches_each_extracted_network(data):
    x, y = data
    model = members_network(3, activation_l1=[0.0, 0.5, 5.0], sign_trick=True, seed=4)
    report = member_report(model, x, y, batch_size=16)
    assert list(report["member"]) == [0, 1, 2]
    assert report.attrs["examples"] == 40
    np.testing.assert_allclose(report["activation_l1"], [0.0, 0.5, 5.0])
    assert report["sharpness"].isna().all()
    for k in range(3):
        member = extract_member(model, k)
        probabilities = numpy_of(member(x))
        assert report.loc[k, "error"] == np.mean(probabilities.argmax(-1) != y)
        np.testing.assert_allclose(
            report.loc[k, "loss"], -np.log(probabilities[np.arange(40), y]).mean(), rtol=1e-5
        )
        single = sparsity_report(member, x)
        np.testing.assert_allclose(report.loc[k, "sparsity"], single.attrs["average_sparsity"])
        np.testing.assert_allclose(report.loc[k, "dead_fraction"], single.attrs["dead_fraction"])
        np.testing.assert_allclose(
            report.loc[k, "sparsity_hidden_2"], single.set_index("layer").loc["hidden_2", "sparsity"]
        )


def test_a_model_with_per_member_inputs_measures_every_member_on_the_same_examples(data):
    x, y = data
    per_member = members_network(3, sign_trick=True, seed=[4, 5, 6], per_member_inputs=True)
    shared = members_network(3, sign_trick=True, seed=[4, 5, 6])
    shared.set_weights(per_member.get_weights())
    pd.testing.assert_frame_equal(
        member_report(per_member, x, y, batch_size=16), member_report(shared, x, y, batch_size=16)
    )


def test_member_metrics_callback_writes_logs_and_history(data):
    x, y = data
    model = members_network(2, seed=0)
    compile_ensemble(model, keras.optimizers.SGD(0.05))
    callback = MemberMetrics((x, y), validation_data=(x[:20], y[:20]), max_examples=30)
    history = model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[callback])
    logs = history.history
    for key in (
        "error", "member_error_mean", "member_sparsity_max", "member_dead_fraction_mean",
        "error_m000", "sparsity_m001", "val_error_m001", "val_member_error_min",
    ):
        assert len(logs[key]) == 2, key
    frame = callback.history
    assert len(frame) == 2 * 2 * 2  # epochs x splits x members
    last = frame.query("epoch == 1 and split == 'validation'").set_index("member")
    report = member_report(model, x[:20], y[:20])
    np.testing.assert_allclose(last["error"], report["error"])
    np.testing.assert_allclose(logs["val_sparsity_m001"][-1], report.loc[1, "sparsity"])
    quiet = MemberMetrics(validation_data=(x, y), per_member_logs=False)
    logs = model.fit(x, y, epochs=1, verbose=0, callbacks=[quiet]).history
    assert "val_member_error_mean" in logs and "val_error_m000" not in logs


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: MemberMetrics(), "data=None"),
        (lambda: MemberMetrics([1, 2]), "`data` must be"),
    ],
)
def test_bad_arguments_raise_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.parametrize("members", [0, -1, 1.5])
def test_a_measurer_of_no_members_is_an_error(members):
    from sparserect.layers.network import member_layers
    from sparserect.measurement import Measurer

    model = members_network(2, activation_l1=[0.0, 0.5])
    blocks, _ = member_layers(model)
    with pytest.raises(ValueError, match=f"Received: members={members}"):
        Measurer.of(model, blocks, members=members)
