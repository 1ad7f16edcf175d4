"""keras-tuner's distributed mode with `sparserect tune`: a chief and two workers on 127.0.0.1.

One test per oracle (keras-tuner's random search, and the `ParetoOracle`,
which also predicts the outcome of the trials that workers are running),
because every process starts Keras (seconds each): the chief and
two workers run a tiny search; worker `tuner1` is killed (SIGKILL) in the
middle of a trial. The search goes on: the other worker finishes trials
while the killed one stays `RUNNING` in the chief's records (keras-tuner has
no heartbeat; the chief would wait for it forever). A worker restarted with
the same `KERASTUNER_TUNER_ID` is handed its unfinished trial again, runs
it, and the chief ends and writes the results. Every trial is recorded
exactly once. Every wait is bounded, and every process is killed at the end.
"""

import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest

# Runs once, on the default backend: it tests keras-tuner's process
# orchestration, which is the same on every backend, and takes a minute.
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals")

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
MAX_TRIALS = 4
TIMEOUT = 240  # seconds for the whole test; it takes about a minute


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_json(path):
    """Reads a JSON file that another process may be rewriting; `None` if not ready."""
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def wait_for(condition, deadline, what, processes):
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        for name, process in processes.items():
            if process.poll() not in (None, 0):
                pytest.fail(f"{name} exited with {process.returncode} while waiting for {what}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def finished_trials(log_path):
    """Trial ids that a process's log reports as completed."""
    return re.findall(r"\] trial (\d+) COMPLETED", log_path.read_text())


@pytest.mark.parametrize("tuner", ["random", "pareto"])
def test_chief_and_two_workers_with_one_killed_mid_trial(tuner, tmp_path):
    deadline = time.monotonic() + TIMEOUT
    project = tmp_path / "dist"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
        "KERASTUNER_ORACLE_IP": "127.0.0.1",
        "KERASTUNER_ORACLE_PORT": str(free_port()),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    command = [
        sys.executable, "-m", "sparserect", "tune", "--dataset", "digits",
        "--train-examples", "200", "--max-trials", str(MAX_TRIALS), "--epochs", "2",
        "--batch-size", "20", "--directory", str(tmp_path), "--project-name", "dist",
        "--units", "8", "16", "--depth", "1", "2", "--activation", "rectifier", "tanh",
        "--tuner", tuner,
    ]  # fmt: skip
    processes = {}
    logs = {}

    def start(tuner_id, log_name):
        logs[log_name] = tmp_path / f"{log_name}.log"
        with open(logs[log_name], "w") as log:
            processes[log_name] = subprocess.Popen(
                command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                env={**env, "KERASTUNER_TUNER_ID": tuner_id},
            )  # fmt: skip

    def ongoing():
        state = read_json(project / "oracle.json")
        return None if state is None else state["ongoing_trials"]

    def statuses():
        states = [read_json(p) for p in project.glob("trial_*/trial.json")]
        return {s["trial_id"]: s["status"] for s in states if s is not None}

    try:
        start("chief", "chief")
        start("tuner0", "tuner0")
        start("tuner1", "tuner1")

        # Kill tuner1 while the chief has a trial of its own on record.
        wait_for(lambda: "tuner1" in (ongoing() or {}), deadline, "a trial of tuner1", processes)
        processes["tuner1"].send_signal(signal.SIGKILL)
        processes["tuner1"].wait(timeout=30)
        killed = wait_for(lambda: (ongoing() or {}).get("tuner1"), deadline, "the lost trial", {})

        # The search goes on: tuner0 finishes another trial; the lost one stays RUNNING.
        completed_at_kill = sum(v == "COMPLETED" for v in statuses().values())
        wait_for(
            lambda: sum(v == "COMPLETED" for v in statuses().values()) > completed_at_kill,
            deadline, "tuner0 to finish a trial after the kill",
            {"chief": processes["chief"], "tuner0": processes["tuner0"]},
        )  # fmt: skip
        assert statuses()[killed] == "RUNNING"
        assert processes["chief"].poll() is None

        # A worker with the same id takes the lost trial up again.
        start("tuner1", "tuner1-restarted")
        for name in ("tuner0", "tuner1-restarted", "chief"):
            wait_for(
                lambda name=name: processes[name].poll() is not None, deadline,
                f"{name} to end", {},
            )  # fmt: skip
            assert processes[name].returncode == 0, logs[name].read_text()[-3000:]
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)

    # Every trial is recorded exactly once, and ran to the end exactly once.
    trial_ids = [f"{i}" for i in range(MAX_TRIALS)]
    assert statuses() == {trial_id: "COMPLETED" for trial_id in trial_ids}
    oracle = read_json(project / "oracle.json")
    assert sorted(oracle["end_order"]) == trial_ids and oracle["ongoing_trials"] == {}
    runs = finished_trials(logs["tuner0"]) + finished_trials(logs["tuner1-restarted"])
    assert sorted(runs) == trial_ids
    assert killed in finished_trials(logs["tuner1-restarted"])
    assert killed not in finished_trials(logs["tuner1"])
    frame = pd.read_csv(project / "pareto_front.csv", dtype={"trial_id": str})
    assert frame["trial_id"].tolist() == trial_ids and frame["on_front"].any()
    assert (project / "best_model.keras").exists()
