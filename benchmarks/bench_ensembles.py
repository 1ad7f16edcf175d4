"""Training speed of many networks in one fit (`sparserect.ensembles`), honestly measured.

For the paper's MNIST network (784-1000-1000-1000-10, rectifiers, SGD,
cross-entropy) at mini-batch 10 (the paper's) and 100, it prints, from one
run on one machine:

(a) a plain Keras model of `Dense(1000, activation="relu")` layers;
(b) `sparserect.layers.build_network` (HiddenBlocks: activation L1 0.001 and
    the sign trick);
(c) `sparserect.layers.build_network(..., members=E)` at E in {1, 8, 32, 200} (L1 from 0
    to 0.01 across the members, as in Figure 3, and the sign trick);
(d) a plain PyTorch training loop of (a) on the same data (if torch is
    installed; its CPU build: `pip install torch==2.13.0`; torch is not a
    dependency of sparserect);
(e) the matrix-multiply FLOP/s that each reaches, as a fraction of this
    machine's single-precision matmul peak, measured in this run by timing
    large float32 matrix products (the best of the Keras backend, NumPy and
    torch).

Each configuration trains a bounded number of steps on the first examples of
MNIST, after an untimed warm-up that traces and compiles; steps are timed
over one `fit` call (or loop) and extrapolated to epochs of 60,000 examples.
The step count adapts so that each measurement takes about `--seconds`
seconds (at least `--min-steps` steps, after 2 warm-up and 2 probe steps), so the E = 200 rows on a CPU rest on
a few steps only; their step count is printed. "network-epochs/s" counts
every member: E networks that each see 60,000 examples make E
network-epochs. The ratios compare with (b) and with E = 1: running 32
networks as 32 separate fits gives the network-epochs/s of one fit.

Run it from the project's root (KERAS_BACKEND picks the backend):

    KERAS_BACKEND=jax python benchmarks/bench_ensembles.py --data-dir ../shared/data/mnist

Flags: `--batch-sizes 10 100`, `--ensemble-sizes 1 8 32 200`, `--seconds 8`,
`--skip-torch`, `--synthetic` (random data of MNIST's shape, no files needed),
`--steps-per-execution 1` (Keras runs that many steps per compiled call: another
way to cut per-step overhead, for single networks too).
"""

import argparse
import os
import platform
import time

import keras
import numpy as np

from sparserect.ensembles import compile_ensemble
from sparserect.layers import build_network

EPOCH_EXAMPLES = 60_000
SIZES = (784, 1000, 1000, 1000, 10)


def train_flops_per_example(sizes=SIZES):
    """Matrix-multiply FLOPs of one training example of one network.

    Forward `2 W`, backward `4 W` (input and weight gradients), minus the
    input gradient of the first layer, which nothing needs; `W` is the
    number of kernel weights. Bias, activation, penalty and update costs are
    left out (they are O(units), not O(weights)).
    """
    weights = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 6 * sum(weights) - 2 * weights[0]


def load_data(data_dir, synthetic):
    if synthetic:
        rng = np.random.default_rng(0)
        x = rng.random((EPOCH_EXAMPLES, 28, 28, 1), dtype=np.float32)
        y = rng.integers(0, 10, EPOCH_EXAMPLES)
        return x, y, "synthetic data of MNIST's shape"
    from sparserect.datasets import load_mnist

    mnist = load_mnist(data_dir, download=False)
    x = np.concatenate([mnist.train.x, mnist.validation.x])
    y = np.concatenate([mnist.train.y, mnist.validation.y])
    return x, y, "MNIST training images (train + validation, 60,000)"


# (e) the machine's matmul peak ------------------------------------------------


def _best_rate(function, n, repeats=5):
    function()  # warm up (and compile)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def matmul_peaks(n):
    """Returns `{library: FLOP/s}` of an `n x n` float32 matrix product."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    peaks = {"numpy": _best_rate(lambda: a @ b, n)}
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        ja, jb = jax.device_put(a), jax.device_put(b)
        product = jax.jit(lambda u, v: u @ v)
        peaks["jax"] = _best_rate(lambda: product(ja, jb).block_until_ready(), n)
    elif backend == "tensorflow":
        import tensorflow as tf

        ta, tb = tf.constant(a), tf.constant(b)
        product = tf.function(lambda u, v: tf.matmul(u, v), jit_compile=True)
        peaks["tensorflow"] = _best_rate(lambda: product(ta, tb).numpy(), n)
    try:
        import torch
    except ImportError:
        return peaks
    device = "cuda" if torch.cuda.is_available() else "cpu"
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    ta, tb = torch.from_numpy(a).to(device), torch.from_numpy(b).to(device)
    peaks["torch"] = _best_rate(lambda: (ta @ tb, sync()), n)
    return peaks


# (a)-(c) Keras models ----------------------------------------------------------------


def plain_keras_network():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    for units in SIZES[1:-1]:
        x = keras.layers.Dense(units, activation="relu")(x)
    outputs = keras.layers.Dense(SIZES[-1], activation="softmax")(x)
    return keras.Model(inputs, outputs)


def time_keras(model, x, y, batch_size, seconds, min_steps, max_steps, multiple=1):
    """Returns `(seconds per step, steps timed)` of `model.fit`.

    Step counts are multiples of `multiple` (the `steps_per_execution`).
    """

    def fit(steps):
        n = steps * batch_size
        start = time.perf_counter()
        model.fit(x[:n], y[:n], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        return time.perf_counter() - start

    def rounded(steps):
        return max(multiple, int(steps) // multiple * multiple)

    fit(rounded(2))  # trace and compile
    probe = rounded(2)
    estimate = fit(probe) / probe
    steps = rounded(min(max_steps, max(min_steps, seconds / estimate), len(x) // batch_size))
    return fit(steps) / steps, steps


def keras_configurations(ensemble_sizes, steps_per_execution=1):
    compile_options = {"steps_per_execution": steps_per_execution}
    yield "(a) plain Keras Dense", 1, lambda: _compiled(plain_keras_network(), compile_options)
    yield "(b) sparserect blocks", 1, lambda: _compiled(
        build_network((28, 28, 1), 10, sign_trick=True, seed=0), compile_options
    )
    for size in ensemble_sizes:
        def make(size=size):
            coefficients = np.linspace(0.0, 0.01, size) if size > 1 else 0.001
            model = build_network(
                (28, 28, 1), 10, sign_trick=True, seed=0, members=size,
                activation_l1=[coefficients] * 3,
            )
            return compile_ensemble(
                model, keras.optimizers.SGD(0.01), metrics=False, **compile_options
            )

        yield f"(c) ensemble E={size}", size, make


def _compiled(model, compile_options):
    model.compile(
        keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy", **compile_options
    )
    return model


# (d) PyTorch --------------------------------------------------------------------------


def time_torch(x, y, batch_size, seconds, min_steps, max_steps, threads=None):
    import torch

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    layers = []
    for a, b in zip(SIZES[:-2], SIZES[1:-1]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(torch.nn.Flatten(), *layers, torch.nn.Linear(*SIZES[-2:])).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_function = torch.nn.CrossEntropyLoss()
    tx = torch.from_numpy(x).to(device)
    ty = torch.from_numpy(y.astype(np.int64)).to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def run(steps):
        order = torch.randperm(steps * batch_size, device=device)
        sync()
        start = time.perf_counter()
        for i in range(steps):
            rows = order[i * batch_size : (i + 1) * batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(tx[rows]), ty[rows])
            loss.backward()
            optimizer.step()
        sync()
        return time.perf_counter() - start

    run(3)
    probe = max(min_steps, 20)
    estimate = run(probe) / probe
    steps = int(min(max_steps, max(min_steps, seconds / estimate), len(x) // batch_size))
    return run(steps) / steps, steps, torch.__version__, torch.get_num_threads()


# Report -------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=None, help="folder with the MNIST IDX files")
    parser.add_argument("--synthetic", action="store_true", help="random data, no files")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--ensemble-sizes", type=int, nargs="+", default=[1, 8, 32, 200])
    parser.add_argument("--seconds", type=float, default=8.0, help="target time per measurement")
    parser.add_argument("--min-steps", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=2000)
    parser.add_argument("--matmul-size", type=int, default=None, help="default 4096 (CPU), 8192 (GPU)")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument(
        "--torch-threads", type=int, nargs="+", default=None,
        help="torch.set_num_threads values, one row each (default: 1 and the CPU count; "
        "on a CPU shared with other processes, OpenMP threads that spin-wait make "
        "more threads much slower)",
    )
    parser.add_argument(
        "--steps-per-execution", type=int, default=1,
        help="Keras compile option: training steps per compiled call (fewer dispatches)",
    )
    args = parser.parse_args()

    x, y, data_name = load_data(args.data_dir, args.synthetic)
    keras.utils.set_random_seed(0)
    devices = _devices()
    on_gpu = any("gpu" in d.lower() or "cuda" in d.lower() for d in devices)
    n = args.matmul_size or (8192 if on_gpu else 4096)
    peaks = matmul_peaks(n)
    peak = max(peaks.values())
    flops = train_flops_per_example()

    print(f"sparserect ensembles benchmark: Keras {keras.__version__} on {keras.backend.backend()}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, devices: {', '.join(devices)}")
    if hasattr(os, "getloadavg"):
        print("load average before: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"data: {data_name}; epochs of {EPOCH_EXAMPLES:,} examples extrapolated from the timed steps")
    print(
        f"float32 matmul peak ({n}x{n} product, best of 5): "
        + ", ".join(f"{k} {v / 1e9:.1f} GFLOP/s" for k, v in peaks.items())
        + f" -> peak {peak / 1e9:.1f} GFLOP/s"
    )
    print(f"training matmul FLOPs per example per network: {flops / 1e6:.2f} MFLOP")
    print(f"Keras steps_per_execution: {args.steps_per_execution}")

    for batch_size in args.batch_sizes:
        rows = []
        configurations = keras_configurations(args.ensemble_sizes, args.steps_per_execution)
        for label, members, make in configurations:
            model = make()
            step, steps = time_keras(
                model, x, y, batch_size, args.seconds, args.min_steps, args.max_steps,
                multiple=args.steps_per_execution,
            )
            rows.append((label, members, step, steps))
            del model
            keras.backend.clear_session()
        torch_threads = args.torch_threads or sorted({1, os.cpu_count() or 1})
        for threads in [] if args.skip_torch else torch_threads:
            try:
                step, steps, version, threads = time_torch(
                    x, y, batch_size, args.seconds, args.min_steps, args.max_steps, threads
                )
            except ImportError:
                print("(d) skipped: torch is not installed (pip install torch==2.13.0)")
                break
            rows.append((f"(d) PyTorch {version} {threads}t", 1, step, steps))
        _print_table(batch_size, rows, flops, peak)
    if hasattr(os, "getloadavg"):
        print("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))


def _print_table(batch_size, rows, flops, peak):
    by_label = {label: (members, step) for label, members, step, _ in rows}
    single = by_label.get("(b) sparserect blocks")
    ensemble_one = next((v for k, v in by_label.items() if k.endswith("E=1")), None)
    print()
    print(f"batch {batch_size}:")
    header = (
        f"{'configuration':28s} {'steps':>6s} {'ms/step':>9s} {'s/epoch':>9s} "
        f"{'net-ex/s':>10s} {'net-ep/s':>9s} {'vs (b)':>7s} {'vs E=1':>7s} {'GFLOP/s':>8s} {'of peak':>8s}"
    )
    print(header)
    print("-" * len(header))
    for label, members, step, steps in rows:
        examples = members * batch_size / step  # network-examples per second
        network_epochs = examples / EPOCH_EXAMPLES
        epoch_seconds = EPOCH_EXAMPLES / batch_size * step
        rate = examples * flops

        def ratio(reference):
            if reference is None:
                return "-"
            ref_members, ref_step = reference
            return f"{network_epochs / (ref_members * batch_size / ref_step / EPOCH_EXAMPLES):.1f}x"

        print(
            f"{label:28s} {steps:6d} {step * 1e3:9.2f} {epoch_seconds:9.1f} {examples:10.0f} "
            f"{network_epochs:9.3f} {ratio(single):>7s} {ratio(ensemble_one):>7s} "
            f"{rate / 1e9:8.2f} {rate / peak:8.1%}"
        )


def _devices():
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return [str(d) for d in jax.devices()]
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_logical_devices()]
    return [backend]


if __name__ == "__main__":
    main()
