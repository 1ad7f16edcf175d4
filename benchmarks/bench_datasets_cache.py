"""Times loading all of MNIST twice: parsing the IDX files, then the cache.

Usage:
    SPARSERECT_DATA=../shared/data python benchmarks/bench_datasets_cache.py

The cache goes to a fresh temporary folder (or `--cache DIR`), so the first
load always parses; the goal for the second load is under 2 s.
"""

import argparse
import os
import sys
import tempfile
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder with mnist/ (default: $SPARSERECT_DATA)")
    parser.add_argument("--cache", help="cache folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        os.environ["SPARSERECT_CACHE"] = args.cache or temporary
        from sparserect.datasets import load_mnist

        times = []
        for label in ("first load (parse IDX, check md5, write cache)", "second load (cache)"):
            start = time.perf_counter()
            data = load_mnist(args.data_dir, download=False)
            times.append(time.perf_counter() - start)
            sys.stdout.write(f"{label}: {times[-1]:.2f} s\n")
        sys.stdout.write(f"{data!r}\n")
    return 0 if times[1] < 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
