"""Seconds per epoch of SGD on the paper's 784-1000-1000-1000-10 network, five ways.

In one run, at mini-batches of 10 and 100 examples, on random data:

- `fit_dense`: `model.fit` of plain Keras `Dense(relu)` layers;
- `fit_blocks`: `model.fit` of sparserect's blocks (`build_network` with the
  activation L1 penalty 0.001 and the sign trick);
- `compiled_dense`, `compiled_blocks`: the same two models with
  `sparserect.compiled_fit.compiled_fit` (on TensorFlow also with XLA,
  `compiled_blocks_xla`);
- `reference`: a bare JAX loop written here, `jax.lax.scan` of a jitted SGD
  step of a Dense(relu) network (softmax cross-entropy, parameters donated),
  which the others are compared with (`ratio`).

Every way trains `STEPS` steps per measurement after a warm-up call of the
same size (compilation), `REPEATS` times, the ways taking turns; the best
time is extrapolated to one epoch of MNIST's 50,000 training examples. The
fits use `steps_per_execution=50`, as `sparserect.reproduce` did. The
float32 matmul peak of the machine (`jax.numpy.dot` of 2048 x 2048
matrices) and the load average before and after are measured in the same
run. The results go to
`results/benchmarks/training.json`, under the backend's name:

    python benchmarks/bench_training.py
    KERAS_BACKEND=tensorflow python benchmarks/bench_training.py
"""

import json
import os
import pathlib
import platform
import time

import jax
import jax.numpy as jnp
import keras
import numpy as np

from sparserect import layers
from sparserect.compiled_fit import compiled_fit

WIDTHS = (784, 1000, 1000, 1000, 10)
STEPS = {10: 500, 100: 100}
REPEATS = 3
EPOCH_EXAMPLES = 50_000
RESULTS = pathlib.Path(__file__).resolve().parents[1] / "results" / "benchmarks" / "training.json"


def dense_network():
    model = keras.Sequential(
        [keras.Input((WIDTHS[0],))]
        + [keras.layers.Dense(units, activation="relu") for units in WIDTHS[1:-1]]
        + [keras.layers.Dense(WIDTHS[-1], activation="softmax")]
    )
    return model


def blocks_network():
    return layers.build_network((WIDTHS[0],), WIDTHS[-1], WIDTHS[1:-1], activation_l1=0.001,
                                sign_trick=True, seed=0)


def compiled(model):
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"], steps_per_execution=50)
    return model


def keras_way(build, compiled_path, **options):
    """`train(x, y, batch_size)`: one epoch of `fit` or `compiled_fit` on a fresh model."""
    model = compiled(build())

    def train(x, y, batch_size):
        if compiled_path:
            compiled_fit(model, x, y, batch_size=batch_size, **options)
        else:
            model.fit(x, y, batch_size=batch_size, shuffle=False, verbose=0)
        # JAX dispatches steps ahead: wait for the last one before the clock stops.
        keras.ops.convert_to_numpy(model.trainable_weights[-1])

    return train


def reference_way():
    """`train(x, y, batch_size)`: the bare JAX loop, `lax.scan` of a donated SGD step."""
    key = jax.random.PRNGKey(0)
    params = []
    for fan_in, fan_out in zip(WIDTHS[:-1], WIDTHS[1:]):
        key, sub = jax.random.split(key)
        limit = np.sqrt(6 / (fan_in + fan_out))
        params.append((jax.random.uniform(sub, (fan_in, fan_out), minval=-limit, maxval=limit),
                       jnp.zeros(fan_out)))

    def loss(params, x, y):
        for kernel, bias in params[:-1]:
            x = jax.nn.relu(x @ kernel + bias)
        kernel, bias = params[-1]
        logits = x @ kernel + bias
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))

    def step(params, batch):
        grads = jax.grad(loss)(params, *batch)
        return jax.tree.map(lambda p, g: p - 0.01 * g, params, grads), None

    def epoch(params, x, y):
        return jax.lax.scan(step, params, (x, y))[0]

    epoch = jax.jit(epoch, donate_argnums=0)
    state = {"params": params}

    def train(x, y, batch_size):
        steps = len(x) // batch_size
        state["params"] = epoch(state["params"], x.reshape(steps, batch_size, -1),
                                y.reshape(steps, batch_size))
        jax.block_until_ready(state["params"])

    return train


def matmul_peak(size=2048, repeats=10):
    """The float32 GFLOP/s of the best of `repeats` jitted `size x size` matrix products."""
    a = jnp.ones((size, size), jnp.float32)
    product = jax.jit(jnp.dot)
    product(a, a).block_until_ready()
    best = min(_timed(lambda: product(a, a).block_until_ready()) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main():
    backend = keras.backend.backend()
    ways = {
        "reference": reference_way,
        "fit_dense": lambda: keras_way(dense_network, False),
        "fit_blocks": lambda: keras_way(blocks_network, False),
        "compiled_dense": lambda: keras_way(dense_network, True),
        "compiled_blocks": lambda: keras_way(blocks_network, True),
    }
    if backend == "tensorflow":
        ways["compiled_blocks_xla"] = lambda: keras_way(blocks_network, True, jit_compile=True)
    load_before = os.getloadavg()
    peak = matmul_peak()
    parameters = sum(a * b + b for a, b in zip(WIDTHS[:-1], WIDTHS[1:]))
    rng = np.random.default_rng(0)
    results = {}
    for batch_size, steps in STEPS.items():
        x = rng.uniform(size=(steps * batch_size, WIDTHS[0])).astype("float32")
        y = rng.integers(0, WIDTHS[-1], steps * batch_size).astype("int32")
        trainers = {name: make() for name, make in ways.items()}
        for train in trainers.values():
            train(x, y, batch_size)  # compiles
        # The repeats go round the ways, so that a change of load touches each alike.
        times = {name: [] for name in trainers}
        for _ in range(REPEATS):
            for name, train in trainers.items():
                times[name].append(_timed(lambda: train(x, y, batch_size)))
        row = {}
        for name in trainers:
            seconds = min(times[name])
            row[name] = {
                "seconds_per_epoch": seconds * EPOCH_EXAMPLES / len(x),
                "ms_per_step": 1000 * seconds / steps,
                # A step's forward and backward passes: about 6 FLOPs per weight and example.
                "gflops": 6 * parameters * batch_size * steps / seconds / 1e9,
            }
        reference = row["reference"]["seconds_per_epoch"]
        for name in row:
            row[name]["ratio"] = row[name]["seconds_per_epoch"] / reference
        row["blocks_over_dense_compiled"] = (
            row["compiled_blocks"]["seconds_per_epoch"] / row["compiled_dense"]["seconds_per_epoch"]
        )
        row["compiled_over_fit_blocks"] = (
            row["compiled_blocks"]["seconds_per_epoch"] / row["fit_blocks"]["seconds_per_epoch"]
        )
        results[f"batch_{batch_size}"] = {"steps_measured": steps, **row}
    record = {
        "network": "-".join(map(str, WIDTHS)),
        "optimizer": "SGD(0.01)",
        "extrapolated_to_examples": EPOCH_EXAMPLES,
        "repeats": REPEATS,
        "matmul_peak_gflops": peak,
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
        "machine": {
            "platform": platform.platform(),
            "processor": _cpu_model(),
            "cpus": os.cpu_count(),
        },
        "versions": {
            "python": platform.python_version(), "keras": keras.__version__,
            "jax": jax.__version__, "numpy": np.__version__,
            **({"tensorflow": _tensorflow_version()} if backend == "tensorflow" else {}),
        },
        "results": results,
    }
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved[backend] = record
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    print(json.dumps(record, indent=2))


def _cpu_model():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _tensorflow_version():
    import tensorflow as tf

    return tf.__version__


if __name__ == "__main__":
    main()
