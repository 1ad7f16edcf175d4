"""`sparserect data list` and `sparserect data check`."""

import argparse
import shutil

import numpy as np
import pytest

from sparserect.datasets import _cli
from sparserect.datasets.idx import write_idx


def run(capsys, *argv):
    parser = argparse.ArgumentParser(prog="sparserect")
    _cli.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    status = args.func(args)
    return status, capsys.readouterr().out


def test_list_shows_files_urls_and_presence(capsys, shared_data_dir):
    status, out = run(capsys, "data", "list", "--data-dir", str(shared_data_dir))
    assert status == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line and not line[0].isspace()}
    assert "present (bundled)" in lines["digits"]
    assert "present (idx)" in lines["mnist"] and "present" in lines["amazon"]
    assert "missing" in lines["norb"] and "missing" in lines["emnist"]
    assert "norb-5x46789x9x18x6x2x108x108-training-01-dat.mat.gz" in out
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in out


def test_check_reports_ok_and_errors(capsys, shared_data_dir, tmp_path):
    shutil.copytree(shared_data_dir / "rt-polarity", tmp_path / "rt-polarity")
    status, out = run(capsys, "data", "check", "--data-dir", str(tmp_path))
    assert status == 0
    assert "rt-polarity    OK" in out and "digits         OK" in out
    assert "norb           missing (skipped)" in out
    # A corrupt MNIST: the check names the file and fails.
    (tmp_path / "mnist").mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):  # fmt: skip
        write_idx(tmp_path / "mnist" / name, np.zeros((3, 28, 28), np.uint8))
    status, out = run(capsys, "data", "check", "--data-dir", str(tmp_path))
    assert status == 1
    assert "mnist          ERROR" in out and "train-images-idx3-ubyte.gz has shape (3, 28, 28)" in out


def test_data_without_subcommand_prints_usage(capsys):
    with pytest.raises(SystemExit):
        run(capsys, "data", "--help")
    assert run(capsys, "data")[0] == 2
