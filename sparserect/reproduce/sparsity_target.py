"""Figure 3 by steering: a sparsity target during training, and calibrated thresholds after it."""

import dataclasses
import logging
import os
import pathlib
import time

import keras
import numpy as np

from sparserect import datasets
from sparserect.layers import build_network
from sparserect.layers.network import PAPER_HIDDEN_UNITS
from sparserect.measurement.hidden import activation_extractor
from sparserect.reproduce.plots import plot_error_against_sparsity
from sparserect.reproduce.runner import environment
from sparserect.steering import SparsityTarget
from sparserect.steering import calibrate_thresholds
from sparserect.steering.zeros import exact_sparsity
from sparserect._atomic import write_json
from sparserect._checks import check_positive_int
from sparserect._checks import check_positive_number

logger = logging.getLogger(__name__)

TARGETS = (0.85, 0.90, 0.95)


def _evaluate(model, x, y, batch_size=1000):
    """Returns `(test_error, sparsity of each hidden block)` on `(x, y)`."""
    probabilities = model.predict(x, batch_size=batch_size, verbose=0)
    error = float(np.mean(np.argmax(probabilities, axis=-1) != y))
    extractor, layers = activation_extractor(model)
    sparsities = exact_sparsity(extractor, x, batch_size)
    return error, {layer.name: s for layer, s in zip(layers, sparsities)}


def _train(data, *, hidden_units, activation_l1, callbacks, epochs, batch_size, learning_rate,
           seed):
    """Trains a network; returns it, each epoch's logs, test error and sparsity, and seconds."""
    keras.utils.set_random_seed(seed)
    model = build_network(data.train.x.shape[1:], 10, hidden_units,
                          activation_l1=activation_l1, seed=seed)
    model.compile(keras.optimizers.SGD(learning_rate), "sparse_categorical_crossentropy")
    curve, start = [], time.perf_counter()

    def record(epoch, logs):
        error, sparsity = _evaluate(model, data.test.x, data.test.y)
        curve.append({
            "epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()},
            "test_error": error, "test_sparsity": sparsity,
            "seconds": time.perf_counter() - start,
        })
        logger.info("epoch %d: test error %.4f, sparsity %s", epoch + 1, error, sparsity)

    model.fit(
        data.train.x, data.train.y, batch_size=batch_size, epochs=epochs, verbose=0,
        callbacks=[*callbacks, keras.callbacks.LambdaCallback(on_epoch_end=record)],
    )
    return model, curve, time.perf_counter() - start


def _result(method, target, model, data, curve, seconds, **extra):
    error, sparsity = _evaluate(model, data.test.x, data.test.y)
    return {
        "method": method,
        "target": target,
        "test_error": error,
        "sparsity": float(np.mean(list(sparsity.values()))),
        "sparsity_per_layer": sparsity,
        "curve": curve,
        "wall_seconds": seconds,
        **extra,
        "environment": {**environment(), "load_average": list(os.getloadavg())},
    }


def run_sparsity_target(
    out="results/sparsity-target",
    *,
    targets=TARGETS,
    epochs=15,
    batch_size=10,
    learning_rate=0.01,
    initial_activation_l1=0.001,
    update_every=1000,
    tolerance=0.005,
    calibration_examples=10000,
    hidden_units=PAPER_HIDDEN_UNITS,
    train_examples=None,
    data_dir=None,
    seed=0,
):
    """Trains MNIST networks to sparsity targets, and thresholds an unpenalized one to them.

    For each target: the paper's 784-1000-1000-1000-10 rectifier network,
    trained with plain SGD at batch `batch_size` for `epochs` epochs with a
    `SparsityTarget` (per-layer control, starting from the paper's
    coefficient), and the same network trained without the penalty, then
    given thresholds by `calibrate_thresholds` on `calibration_examples`
    training inputs. Sparsity and error are measured on the test set.
    Writes `<out>/target_<t>.json`, `<out>/unpenalized.json`,
    `<out>/threshold_<t>.json` (test error, exact sparsity, final
    coefficients or thresholds, per-epoch curve, wall time, machine) and
    `<out>/error_vs_sparsity.png`.

    Args:
        out: Folder of the results.
        targets: Sparsity targets, each in (0, 1).
        epochs: Int > 0, epochs of each training run.
        batch_size: Int > 0 (the paper: 10).
        learning_rate: Float > 0, the SGD learning rate.
        initial_activation_l1: Float > 0, the coefficient each steered run starts at.
        update_every: Int > 0 (batches between updates of the coefficients)
            or `None` (once per epoch).
        tolerance: Float, the `SparsityTarget` band: half a point by default,
            so that the sparsity of the test set, which differs from the
            training sample's by some tenths of a point, ends within one.
        calibration_examples: Int > 0, training inputs the thresholds are set on.
        hidden_units: Widths of the hidden blocks (the paper: 1000, 1000, 1000).
        train_examples: Int > 0 or `None` (all 50,000): train on the first ones.
        data_dir: Folder of the MNIST files.
        seed: Int, seeds the networks.

    Returns:
        The list of result dicts, as written.
    """
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_positive_number("learning_rate", learning_rate)
    check_positive_number("initial_activation_l1", initial_activation_l1)
    check_positive_int("calibration_examples", calibration_examples)
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    check_positive_int("train_examples", train_examples, allow_none=True)
    data = datasets.load_mnist(data_dir=data_dir, download=False)
    if train_examples is not None:
        data = dataclasses.replace(data, train=data.train.take(np.arange(
            min(train_examples, len(data.train)))))
    settings = {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
                "seed": seed, "update_every": update_every, "tolerance": tolerance,
                "hidden_units": list(hidden_units), "train_examples": len(data.train)}
    results = []

    def keep(name, result):
        write_json(out / name, result)
        results.append(result)

    model, curve, seconds = _train(
        data, hidden_units=hidden_units, activation_l1=0.0, callbacks=[], epochs=epochs,
        batch_size=batch_size, learning_rate=learning_rate, seed=seed,
    )
    keep("unpenalized.json", _result("unpenalized", None, model, data, curve, seconds, **settings))
    calibration = data.train.x[:calibration_examples]
    for target in targets:
        start = time.perf_counter()
        try:
            calibrated = calibrate_thresholds(model, calibration, target)
        except ValueError as error:  # a block already sparser than the target
            logger.warning("no thresholds for %.2f: %s", target, error)
            write_json(out / f"threshold_{target:.2f}.json",
                       {"method": "threshold", "target": target, "error": str(error)})
            continue
        seconds = time.perf_counter() - start
        thresholds = {
            block.name: block.activation.threshold
            for block in calibrated.layers
            if hasattr(getattr(block, "activation", None), "threshold")
        }
        keep(f"threshold_{target:.2f}.json", _result(
            "threshold", target, calibrated, data, [], seconds, thresholds=thresholds,
            calibration_examples=len(calibration), **settings,
        ))
    for target in targets:
        steering = SparsityTarget(target, data.train.x, update_every=update_every,
                                  tolerance=tolerance)
        model, curve, seconds = _train(
            data, hidden_units=hidden_units, activation_l1=initial_activation_l1,
            callbacks=[steering], epochs=epochs, batch_size=batch_size,
            learning_rate=learning_rate, seed=seed,
        )
        coefficients = {
            layer.name: layer.activity_regularizer.coefficient for layer in steering.layers
        }
        keep(f"target_{target:.2f}.json", _result(
            "target", target, model, data, curve, seconds, coefficients=coefficients, **settings
        ))
    plot_error_against_sparsity(results, out / "error_vs_sparsity.png")
    return results
