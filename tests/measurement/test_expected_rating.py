"""The expected rating under the softmax and its RMSE metric."""

import keras
import numpy as np
import pytest

from sparserect import layers, measurement

pytestmark = pytest.mark.backend

RATINGS = (1, 2, 4, 5)


def test_expected_rating_is_the_probability_weighted_mean(rng):
    probabilities = rng.dirichlet(np.ones(4), size=6).astype("float32")
    expected = probabilities @ np.array(RATINGS, "float32")
    result = keras.ops.convert_to_numpy(measurement.expected_rating(probabilities, RATINGS))
    np.testing.assert_allclose(result, expected, rtol=1e-6)


def test_rmse_metric_matches_numpy_over_batches(rng):
    probabilities = rng.dirichlet(np.ones(4), size=10).astype("float32")
    labels = rng.integers(0, 4, size=10)
    metric = measurement.ExpectedRatingRMSE(RATINGS)
    metric.update_state(labels[:4], probabilities[:4])
    metric.update_state(labels[4:], probabilities[4:])
    errors = probabilities @ np.array(RATINGS, "float32") - np.array(RATINGS)[labels]
    np.testing.assert_allclose(float(metric.result()), np.sqrt(np.mean(errors**2)), rtol=1e-5)


def test_rmse_metric_in_fit_logs_and_round_trip(rng, tmp_path):
    x = rng.normal(size=(30, 5)).astype("float32")
    y = rng.integers(0, 4, size=30)
    model = layers.build_network((5,), 4, hidden_units=(8,), seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy",
                  metrics=[measurement.ExpectedRatingRMSE(RATINGS)])
    history = model.fit(x, y, batch_size=30, epochs=1, verbose=0)
    errors = keras.ops.convert_to_numpy(model(x)) @ np.array(RATINGS, "float32") - np.array(RATINGS)[y]
    assert history.history["rmse"][0] > 0
    rmse = model.evaluate(x, y, verbose=0, return_dict=True)["rmse"]
    assert rmse == pytest.approx(np.sqrt(np.mean(errors**2)), rel=1e-5)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert reloaded.evaluate(x, y, verbose=0, return_dict=True)["rmse"] == pytest.approx(rmse)
    metric = keras.metrics.deserialize(keras.metrics.serialize(measurement.ExpectedRatingRMSE(RATINGS)))
    assert metric.rating_values == [1.0, 2.0, 4.0, 5.0] and metric.name == "rmse"


@pytest.mark.parametrize("values", [None, (3,), ("a", "b"), (True, False)])
def test_bad_rating_values_are_an_error(values):
    with pytest.raises(ValueError, match="Received: rating_values="):
        measurement.ExpectedRatingRMSE(values)


def test_integer_probabilities_are_not_truncated():
    # One-hot labels as integers give the class's rating, and halves stay halves.
    result = measurement.expected_rating(np.array([[0, 0, 1, 0]]), RATINGS)
    assert keras.ops.convert_to_numpy(result).tolist() == [4.0]
    assert keras.ops.convert_to_numpy(measurement.expected_rating([[1, 1]], (0.5, 2))) == [2.5]


def test_a_rating_per_class_is_checked():
    with pytest.raises(ValueError, match="3 classes and `rating_values` has 4 ratings"):
        measurement.expected_rating(np.full((2, 3), 1 / 3, "float32"), RATINGS)
    with pytest.raises(ValueError, match="3 classes and `rating_values` has 4 ratings"):
        measurement.ExpectedRatingRMSE(RATINGS).update_state([0, 1], np.full((2, 3), 1 / 3, "float32"))
