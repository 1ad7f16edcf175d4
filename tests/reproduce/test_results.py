"""Tests of the result files: atomic writes, run store, Markdown."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from sparserect.reproduce import results


def test_write_json_is_atomic_and_plain(tmp_path):
    path = tmp_path / "a" / "b.json"
    results.write_json(path, {"x": np.float32(0.5), "y": [np.int64(2)], "z": math.nan})
    assert json.loads(path.read_text()) == {"x": 0.5, "y": [2], "z": None}
    assert [p.name for p in path.parent.iterdir()] == ["b.json"]  # no temporary left


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "b.json"
    results.write_json(path, {"old": 1})
    with pytest.raises(TypeError):
        results.write_json(path, {"new": object()})
    assert json.loads(path.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]


def test_run_store_round_trip(tmp_path):
    store = results.RunStore(tmp_path)
    assert store.load("k") is None
    store.save("k", {"test_error": 0.1})
    assert store.load("k") == {"test_error": 0.1}
    assert store.path("k") == tmp_path / "runs" / "k.json"


def test_run_key_and_markdown():
    assert results.run_key(**{"": "rectifier"}, pre="none", seed=0) == "rectifier-prenone-seed0"
    table = results.markdown_table(pd.DataFrame({"a": ["x", "y"], "b": [1.234, math.nan]}))
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x | 1.23 |", "| y |  |"]


def test_mean_std():
    assert results.mean_std([0.01, 0.03], 100) == "2.00 ± 1.00"
    assert results.mean_std([0.0123], 100) == "1.23"
    assert results.mean_std([]) == ""
