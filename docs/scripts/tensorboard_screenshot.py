"""Makes the TensorBoard screenshots of docs/measurement.md from a short run of the paper's network.

Trains the 784-1000-1000-1000-10 rectifier network on 10,000 MNIST images
for 3 epochs with Keras's `TensorBoard` callback (weight histograms) and
`ActivationHistograms` in one log dir, starts TensorBoard on 127.0.0.1, and photographs its
histograms and scalars pages with headless Chromium (Debian's `chromium`
package). From the project's root:

    python docs/scripts/tensorboard_screenshot.py --data-dir ../shared/data

Writes docs/images/tensorboard-histograms.png and docs/images/tensorboard-scalars.png.
"""

import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import keras

from sparserect.datasets import load_mnist
from sparserect.layers import build_network
from sparserect.measurement import ActivationHistograms

IMAGES = pathlib.Path("docs/images")
PAGES = {
    "histograms": "#histograms&tagFilter=hidden_2|kernel",
    "scalars": "#scalars&tagFilter=zero_fraction|dead_fraction|batch_union_8|epoch_loss",
}


def train(log_dir, data_dir, examples, epochs):
    """The paper's network with Keras's TensorBoard callback and ActivationHistograms."""
    mnist = load_mnist(data_dir, download=False)
    x, y = mnist.train.x[:examples], mnist.train.y[:examples]
    keras.utils.set_random_seed(0)
    model = build_network(x.shape[1:], 10, seed=0)
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=10, epochs=epochs, validation_data=(mnist.test.x, mnist.test.y),
              verbose=2, callbacks=[keras.callbacks.TensorBoard(log_dir, histogram_freq=1),
                                    ActivationHistograms(log_dir, x)])


def serve(log_dir, port):
    """Starts TensorBoard on 127.0.0.1:`port`; returns the process once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(log_dir),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=2)
            return process
        except OSError:
            time.sleep(1)
    process.kill()
    raise RuntimeError("TensorBoard did not answer within two minutes")


def photograph(url, path, chromium):
    """A headless Chromium screenshot of `url`, after its scripts ran."""
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--window-size=1400,1000", "--virtual-time-budget=20000",
         f"--screenshot={path.resolve()}", url],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--examples", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--port", type=int, default=6006)
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Needs Debian's chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory() as log_dir:
        train(log_dir, args.data_dir, args.examples, args.epochs)
        process = serve(log_dir, args.port)
        try:
            IMAGES.mkdir(parents=True, exist_ok=True)
            for name, fragment in PAGES.items():
                photograph(f"http://127.0.0.1:{args.port}/{fragment}",
                           IMAGES / f"tensorboard-{name}.png", chromium)
        finally:
            process.kill()


if __name__ == "__main__":
    main()
