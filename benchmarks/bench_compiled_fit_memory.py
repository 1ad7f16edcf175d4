"""Host memory and seconds of a `compiled_fit` epoch: one network, and members two ways.

An epoch on random data of MNIST's shape (50,000 x 784 float32, batch 10)
of a small network (784-100-10, so that handling the data weighs beside
the arithmetic), in chunks of at most 1 GiB of batches as
`sparserect.reproduce` trains:

- `one_network`: one network on one permutation;
- `members_order`: E = 8 members with per-member inputs, each on its own
  permutation, given to `compiled_fit` as an `(examples, E)` order (the
  batches are gathered on the device from one copy of `x`);
- `members_host_copies`: the same members and permutations, their data
  made on the host every epoch (`x[order]`, E copies of `x`) and trained
  in order.

Each case runs in a process of its own, so that its peak resident memory
(`ru_maxrss`) is its own: `peak_over_data_mib` is that peak less the peak
before training (data, model and orders made). Seconds are the best of the
epochs after the first (which compiles). Run it alone on the machine:

    python benchmarks/bench_compiled_fit_memory.py
    KERAS_BACKEND=jax python benchmarks/bench_compiled_fit_memory.py

The results go to `results/benchmarks/compiled_fit_memory.json`, under the
backend's name.
"""

import json
import os
import pathlib
import platform
import resource
import subprocess
import sys
import time

import keras
import numpy as np

from sparserect.compiled_fit import compiled_fit
from sparserect.ensembles import compile_ensemble
from sparserect.layers import build_network

EXAMPLES = 50_000
FEATURES = 784
HIDDEN_UNITS = (100,)
BATCH_SIZE = 10
MEMBERS = 8
CASES = ("one_network", "members_order", "members_host_copies")
EPOCHS = 3
CHUNK_BYTES = 2**30  # the most bytes of batches per compiled call, as the trainer's
RESULTS = (
    pathlib.Path(__file__).resolve().parents[1] / "results" / "benchmarks"
    / "compiled_fit_memory.json"
)


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(case):
    """One case in this process: `{seconds_per_epoch, peak_rss_mib, peak_over_data_mib}`."""
    rng = np.random.default_rng(0)
    x = rng.random((EXAMPLES, FEATURES), dtype=np.float32)
    y = rng.integers(0, 10, EXAMPLES)
    if case == "one_network":
        model = build_network((FEATURES,), 10, HIDDEN_UNITS, seed=0)
        model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
        order = rng.permutation(EXAMPLES)
    else:
        model = build_network((FEATURES,), 10, HIDDEN_UNITS, members=MEMBERS,
                              per_member_inputs=True, seed=list(range(MEMBERS)))
        compile_ensemble(model, keras.optimizers.SGD(0.01))
        order = np.stack([rng.permutation(EXAMPLES) for _ in range(MEMBERS)], axis=1)
    chunk = max(1, CHUNK_BYTES // (BATCH_SIZE * x[order[:1]].nbytes))
    before = _peak_mib()
    seconds = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        if case == "members_host_copies":
            compiled_fit(model, x[order], y[order], batch_size=BATCH_SIZE, steps_per_chunk=chunk)
        else:
            compiled_fit(model, x, y, batch_size=BATCH_SIZE, order=order, steps_per_chunk=chunk)
        keras.ops.convert_to_numpy(model.trainable_weights[-1])  # JAX dispatches ahead
        seconds.append(time.perf_counter() - start)
    return {
        "seconds_per_epoch": min(seconds[1:]),
        "peak_rss_mib": _peak_mib(),
        "peak_over_data_mib": _peak_mib() - before,
    }


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(measure(sys.argv[2])))
        return
    backend = keras.backend.backend()
    load_before = os.getloadavg()
    cases = {}
    for case in CASES:
        output = subprocess.run(
            [sys.executable, __file__, "--case", case], check=True, capture_output=True, text=True,
        ).stdout
        cases[case] = json.loads(output.strip().splitlines()[-1])
        print(backend, case, cases[case], flush=True)
    record = {
        "network": "-".join(map(str, (FEATURES, *HIDDEN_UNITS, 10))),
        "examples": EXAMPLES,
        "batch_size": BATCH_SIZE,
        "members": MEMBERS,
        "chunk_bytes": CHUNK_BYTES,
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "versions": {"python": platform.python_version(), "keras": keras.__version__,
                     "backend": backend, "numpy": np.__version__},
        "results": cases,
    }
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored[backend] = record
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(stored, indent=2) + "\n")


if __name__ == "__main__":
    main()
