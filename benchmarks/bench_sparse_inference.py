"""Inference latency at batch 1, 8, 32 and 256: dense SavedModels against reading only active rows.

Two trained rectifier networks, each served two ways from the same weights:

- `mnist`: the paper's 784-1000-1000-1000-10 network, trained here on MNIST
  for `--epochs` epochs (SGD at 0.01, batch 10) with the activation L1
  penalty steered by `SparsityTarget` to the exact sparsity that the paper
  measured for it (83.4%, `paper.RECTIFIER_SPARSITY`);
- `text`: the 5000-1000-1000-1000-2 network on the Amazon reviews' bag of
  words, trained the same way for `--text-epochs` epochs to the sparsity
  that the paper measured for its 3-layer OpenTable rectifier (53.9%).

`dense` is Keras's `model.export` (every layer a dense product). `active_rows`
is a `tf.Module` saved with `tf.saved_model.save`: each layer keeps only the
columns of its input that are non-zero for some example of the batch (the
batch union), and multiplies them by the matching rows of its kernel
(`tf.gather`), so that it reads `union x units` weights instead of
`inputs x units`; the text network's first layer sums the kernel rows of the
reviews' term ids. Both are loaded back and called on the same test batches,
in turn (`--calls` calls one batch at a time, in 10 rounds that alternate
the paths; the best round's median latency); their outputs must agree. Beside each batch size: the batch-union active fraction of every
layer's input (the measured fraction of inputs that the active-row path
reads; `sparsity_report`'s `batch_union_<b>` for the hidden layers). And, for
one 1000 x 1000 layer in a graph, the break-even: the largest active fraction
at which gathering the rows is no slower than the dense product (the layer's
input built with exactly that fraction of columns active).

The tokenizer is left out of both text paths: the dense path is given the
0/1 features and the active-row path the term ids. TensorFlow backend only
(SavedModels). From the project's root:

    python benchmarks/bench_sparse_inference.py --data-dir ../shared/data

Writes `results/benchmarks/sparse_inference.json` with the machine, its load
and the library versions; `sparserect report` draws its plot.
"""

import argparse
import json
import os
import pathlib
import statistics
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from sparserect.datasets import load_amazon  # noqa: E402
from sparserect.datasets import load_mnist  # noqa: E402
from sparserect.layers import HiddenBlock  # noqa: E402
from sparserect.layers import build_network  # noqa: E402
from sparserect.measurement import sparsity_report  # noqa: E402
from sparserect.reproduce import paper  # noqa: E402
from sparserect.reproduce.runner import environment  # noqa: E402
from sparserect.steering import SparsityTarget  # noqa: E402

BATCH_SIZES = (1, 8, 32, 256)
ACTIVE_FRACTIONS = (1.0, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02)
# Rounds in which the two served paths take turns.
ROUNDS = 10
RESULTS = pathlib.Path("results/benchmarks/sparse_inference.json")


def train(x, y, num_classes, *, epochs, sparsity, seed=0):
    """The paper's rectifier network trained by SGD at batch 10 to an exact sparsity."""
    keras.utils.set_random_seed(seed)
    model = build_network(x.shape[1:], num_classes, activation_l1=0.001, seed=seed)
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    target = SparsityTarget(sparsity, x, update_every=200, tolerance=0.005)
    model.fit(x, y, batch_size=10, epochs=epochs, verbose=0, callbacks=[target])
    return model


def dense_weights(model):
    """`[(kernel, bias)]` of each hidden block and of the softmax layer (no sign trick).

    `ActiveRows` applies rectifiers: its outputs are compared with the model's.
    """
    weights = []
    for layer in model.layers:
        if isinstance(layer, HiddenBlock):
            if layer.sign_trick:
                raise ValueError(f"expects blocks without the sign trick: {layer.name}")
            weights.append((layer.dense.kernel.numpy(), layer.dense.bias.numpy()))
        elif isinstance(layer, keras.layers.Dense):
            weights.append((layer.kernel.numpy(), layer.bias.numpy()))
    return weights


class ActiveRows(tf.Module):
    """The rectifier network reading, in each layer, only the kernel rows of active inputs."""

    def __init__(self, weights, term_ids):
        super().__init__()
        self.kernels = [tf.Variable(k, trainable=False) for k, _ in weights]
        self.biases = [tf.Variable(b, trainable=False) for _, b in weights]
        self.term_ids = term_ids
        spec = (
            tf.TensorSpec([None, None], tf.int32) if term_ids
            else tf.TensorSpec([None, weights[0][0].shape[0]], tf.float32)
        )
        self.serve = tf.function(self._forward, input_signature=[spec])

    def _forward(self, inputs):
        layers = list(zip(self.kernels, self.biases))
        if self.term_ids:  # Each review's first-layer input is the sum of its terms' rows.
            kernel, bias = layers.pop(0)
            valid = tf.cast(inputs >= 0, tf.float32)[..., None]
            rows = tf.gather(kernel, tf.maximum(inputs, 0)) * valid
            hidden = tf.nn.relu(tf.reduce_sum(rows, axis=1) + bias)
        else:
            hidden = inputs
        for index, (kernel, bias) in enumerate(layers):
            active = tf.where(tf.reduce_any(hidden != 0.0, axis=0))[:, 0]
            product = tf.matmul(tf.gather(hidden, active, axis=1), tf.gather(kernel, active))
            hidden = product + bias
            hidden = tf.nn.softmax(hidden) if index == len(layers) - 1 else tf.nn.relu(hidden)
        return hidden


def median_microseconds(function, batches, calls):
    """Median microseconds of `function(batch)` over `calls` calls, cycling through `batches`."""
    for batch in batches[:5]:
        np.asarray(function(batch))
    times = []
    for index in range(calls):
        batch = batches[index % len(batches)]
        start = time.perf_counter()
        np.asarray(function(batch))
        times.append(time.perf_counter() - start)
    return 1e6 * statistics.median(times)


def union_fraction(x, batch_size):
    """The fraction of columns of `x` non-zero for some example of each group of `batch_size`."""
    groups = len(x) // batch_size
    active = (x[: groups * batch_size] != 0).reshape(groups, batch_size, -1).any(axis=1)
    return float(active.mean())


def cut_ids(ids):
    """Term ids without the padding columns that no row of the batch uses."""
    width = max(1, int((ids >= 0).sum(axis=1).max()))
    return ids[:, :width]


def time_network(name, model, dense_inputs, served_inputs, *, term_ids, calls, folder):
    """Rows of latency, speed-up and batch-union active fractions per batch size."""
    dense_path, sparse_path = pathlib.Path(folder) / f"{name}-dense", pathlib.Path(folder) / f"{name}-rows"
    model.export(str(dense_path), verbose=False)
    tf.saved_model.save(ActiveRows(dense_weights(model), term_ids), str(sparse_path))
    dense, sparse = tf.saved_model.load(str(dense_path)), tf.saved_model.load(str(sparse_path))
    report = sparsity_report(model, dense_inputs)
    rows = []
    for batch_size in BATCH_SIZES:
        count = max(1, min(50, len(dense_inputs) // batch_size))
        starts = [i * batch_size for i in range(count)]
        dense_batches = [tf.constant(dense_inputs[s : s + batch_size]) for s in starts]
        served = [served_inputs[s : s + batch_size] for s in starts]
        sparse_batches = [tf.constant(cut_ids(b) if term_ids else b) for b in served]
        difference = max(
            float(np.abs(np.asarray(dense.serve(d)) - np.asarray(sparse.serve(s))).max())
            for d, s in zip(dense_batches[:5], sparse_batches[:5])
        )
        if difference > 1e-4:
            raise AssertionError(f"{name}: the two paths differ by {difference} at batch {batch_size}")
        # The two paths take turns, so that a change of load touches both
        # alike; the best round's median is the least disturbed by other work.
        dense_times, sparse_times = [], []
        for _ in range(ROUNDS):
            dense_times.append(median_microseconds(dense.serve, dense_batches, calls // ROUNDS))
            sparse_times.append(median_microseconds(sparse.serve, sparse_batches, calls // ROUNDS))
        dense_us, sparse_us = min(dense_times), min(sparse_times)
        hidden = [float(value) for value in report[f"batch_union_{batch_size}"]]
        first = None if term_ids else union_fraction(dense_inputs, batch_size)
        rows.append({
            "network": name,
            "batch_size": batch_size,
            "dense_us": dense_us,
            "active_rows_us": sparse_us,
            "speedup": dense_us / sparse_us,
            "input_union_active": first,
            "hidden_union_active": hidden,
            "max_output_difference": difference,
        })
        print(json.dumps(rows[-1]), flush=True)
    return rows, float(report.attrs["average_sparsity"])


def break_even(calls, units=1000, seed=0):
    """Per batch size: dense and gathered times of one layer at each active fraction, and the break-even."""
    rng = np.random.default_rng(seed)
    kernel = tf.constant(rng.normal(size=(units, units)).astype("float32"))
    bias = tf.zeros([units])

    @tf.function
    def dense(hidden):
        return tf.nn.relu(tf.matmul(hidden, kernel) + bias)

    @tf.function
    def gathered(hidden):
        active = tf.where(tf.reduce_any(hidden != 0.0, axis=0))[:, 0]
        return tf.nn.relu(tf.matmul(tf.gather(hidden, active, axis=1), tf.gather(kernel, active)) + bias)

    rows = []
    for batch_size in BATCH_SIZES:
        times = {}
        for fraction in ACTIVE_FRACTIONS:
            columns = rng.choice(units, size=max(1, round(fraction * units)), replace=False)
            values = np.zeros((batch_size, units), "float32")
            values[:, columns] = rng.uniform(0.1, 1.0, size=(batch_size, len(columns)))
            batch = [tf.constant(values)]
            times[fraction] = (median_microseconds(dense, batch, calls), median_microseconds(gathered, batch, calls))
        dense_us = statistics.median(d for d, _ in times.values())
        # From the sparsest input up: the last fraction before gathering loses.
        winning = []
        for fraction in sorted(times):
            if times[fraction][1] > dense_us:
                break
            winning.append(fraction)
        rows.append({
            "batch_size": batch_size,
            "dense_us": dense_us,
            "gathered_us": {str(f): g for f, (_, g) in times.items()},
            "break_even_active_fraction": max(winning) if winning else None,
        })
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--epochs", type=int, default=3, help="MNIST training epochs")
    parser.add_argument("--text-epochs", type=int, default=3, help="text training epochs")
    parser.add_argument("--calls", type=int, default=1000, help="timed calls per batch size")
    parser.add_argument("--test-examples", type=int, default=2560)
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()
    if keras.backend.backend() != "tensorflow":
        raise SystemExit("SavedModels need the TensorFlow backend: unset KERAS_BACKEND.")
    load_before = list(os.getloadavg())
    data_dir = args.data_dir
    mnist = load_mnist(data_dir, download=False)
    flat = lambda split: split.x.reshape(len(split.x), -1)  # noqa: E731
    x_test = flat(mnist.test)[: args.test_examples]
    mnist_model = train(flat(mnist.train), mnist.train.y, 10, epochs=args.epochs,
                        sparsity=paper.RECTIFIER_SPARSITY["mnist"])
    amazon = load_amazon(data_dir, download=False)
    text_model = train(amazon.train.x, amazon.train.y, 2, epochs=args.text_epochs,
                       sparsity=paper.OPENTABLE_RMSE["rectifier-3"][2])
    test_texts = amazon.test.texts[: args.test_examples]
    text_x, text_ids = amazon.test.x[: args.test_examples], amazon.vectorizer.transform_ids(test_texts)
    networks = {}
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, model, dense_inputs, served, term_ids in (
            ("mnist 784-1000-1000-1000-10", mnist_model, x_test, x_test, False),
            ("text 5000-1000-1000-1000-2", text_model, text_x, text_ids, True),
        ):
            network_rows, sparsity = time_network(
                name, model, dense_inputs, served, term_ids=term_ids, calls=args.calls, folder=folder
            )
            rows += network_rows
            networks[name] = {"average_sparsity": sparsity}
    result = {
        "script": "benchmarks/bench_sparse_inference.py",
        "mnist_epochs": args.epochs,
        "text_epochs": args.text_epochs,
        "calls": args.calls,
        "networks": networks,
        "rows": rows,
        "break_even": break_even(args.calls),
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "environment": {**environment(), "tensorflow": tf.__version__},
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path = pathlib.Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
