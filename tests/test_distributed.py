"""Distributed training with real `torchrun` processes (gloo on CPU).

Each test runs tests/distributed_worker.py, an ordinary training script,
once as a single process and once under torchrun, and compares what the
processes wrote: weights, History, predictions, files.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kerastorch as keras

pytestmark = pytest.mark.slow

WORKER = str(Path(__file__).with_name("distributed_worker.py"))
TORCHRUN = [sys.executable, "-m", "torch.distributed.run"]


def _env():
    env = dict(os.environ)
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    env["OMP_NUM_THREADS"] = "1"
    return env


def _run(cmd, timeout=240):
    result = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result


def _single(case, out):
    _run([sys.executable, WORKER, case, str(out)])


def _torchrun(case, out, *extra):
    _run([*TORCHRUN, "--standalone", "--nproc_per_node=2", *extra, WORKER, case, str(out)])


def _weights(out, rank, name):
    with np.load(out / f"rank{rank}" / f"{name}_weights.npz") as f:
        return {k: f[k] for k in f.files}


def _history(out, rank, name):
    return json.loads((out / f"rank{rank}" / f"{name}_history.json").read_text())


def _max_diff(a, b):
    assert a.keys() == b.keys()
    return max(float(np.abs(a[k] - b[k]).max()) for k in a)


@pytest.fixture(scope="module")
def train_runs(tmp_path_factory):
    single = tmp_path_factory.mktemp("single")
    dist = tmp_path_factory.mktemp("dist")
    _single("train", single)
    _torchrun("train", dist)
    return single, dist


@pytest.mark.parametrize("name", ["mlp", "bn", "loader", "early"])
def test_two_processes_train_like_one_with_the_same_global_batch(train_runs, name):
    single, dist = train_runs
    # Global batch 64: each of 2 ranks trains on 32 rows of every batch.
    assert _max_diff(_weights(single, 0, name), _weights(dist, 0, name)) <= 1e-5
    # DDP keeps the replicas identical; logs are all-reduced, so equal on both ranks.
    assert _max_diff(_weights(dist, 0, name), _weights(dist, 1, name)) == 0.0
    assert _history(dist, 0, name) == _history(dist, 1, name)
    np.testing.assert_allclose(
        _history(dist, 0, name)["loss"], _history(single, 0, name)["loss"], rtol=1e-5
    )


def test_validation_metrics_predict_and_evaluate_are_global(train_runs):
    single, dist = train_runs
    h_single, h_dist = _history(single, 0, "mlp"), _history(dist, 0, "mlp")
    for key in ("val_loss", "val_accuracy", "accuracy"):
        np.testing.assert_allclose(h_dist[key], h_single[key], rtol=1e-5)
    for rank in (0, 1):  # predict gathers every rank's share, in input order, on all ranks
        w = _weights(dist, rank, "mlp")
        np.testing.assert_allclose(w["predict"], _weights(single, 0, "mlp")["predict"], atol=1e-5)
        np.testing.assert_allclose(w["evaluate"], _weights(single, 0, "mlp")["evaluate"], rtol=1e-5)


def test_early_stopping_stops_every_rank_at_the_same_epoch(train_runs):
    single, dist = train_runs
    epochs = [len(_history(dist, r, "early")["loss"]) for r in (0, 1)]
    assert epochs == [2, 2]
    assert len(_history(single, 0, "early")["loss"]) == 2


def test_only_rank_0_writes_files(train_runs):
    _, dist = train_runs
    rank0 = {p.name for p in (dist / "rank0").iterdir()}
    rank1 = {p.name for p in (dist / "rank1").iterdir()}
    assert {"log.csv", "best.keras", "tb"} <= rank0
    assert not rank1 & {"log.csv", "best.keras", "tb"}
    # The checkpoint rank 0 wrote (last epoch) loads in one process with the final weights.
    model = keras.models.load_model(dist / "rank0" / "best.keras")
    final = _weights(dist, 0, "mlp")
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_array_equal(w, final[f"arr_{i}"])


def test_fsdp_trains_like_one_process_and_its_checkpoint_loads_in_one(tmp_path):
    single, dist = tmp_path / "single", tmp_path / "dist"
    _single("fsdp", single)
    _torchrun("fsdp", dist)
    # The archive saved under FSDP (full weights gathered on rank 0) loads here.
    model = keras.models.load_model(dist / "fsdp.keras")
    reference = _weights(single, 0, "fsdp")
    loaded = {f"arr_{i}": w for i, w in enumerate(model.get_weights())}
    reference.pop("predict")
    assert _max_diff(reference, loaded) <= 1e-5
    assert _history(dist, 0, "fsdp") == _history(dist, 1, "fsdp")
    # save_weights gathered, load_weights re-sharded, predict ran sharded: same outputs.
    for rank in (0, 1):
        np.testing.assert_allclose(
            _weights(dist, rank, "fsdp")["predict"], _weights(single, 0, "fsdp")["predict"], atol=1e-5
        )


def test_a_killed_rank_restarts_the_group_and_training_resumes_from_the_backup(tmp_path):
    single, dist = tmp_path / "single", tmp_path / "dist"
    _single("restart", single)
    # Restarts beyond the first only absorb gloo's occasional reconnect failure
    # on a loaded machine; the worker crashes on the first attempt only.
    _torchrun("restart", dist, "--max-restarts=3")
    # The first attempt died in epoch 3 (index 2); the restarted group ran only epochs 3-4.
    for rank in (0, 1):
        finished = sorted((dist / f"rank{rank}").glob("attempt*.json"))
        assert [p.name for p in finished] != ["attempt0.json"] and len(finished) == 1
        assert json.loads(finished[0].read_text()) == {"epochs_run": 2}
    assert _max_diff(_weights(single, 0, "restart"), _weights(dist, 0, "restart")) <= 1e-5
    assert _history(dist, 0, "restart")["loss"] == pytest.approx(_history(single, 0, "restart")["loss"][2:], rel=1e-5)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_nodes_use_rank_for_identity_and_local_rank_for_the_device(tmp_path):
    single, dist = tmp_path / "single", tmp_path / "dist"
    _single("nodes", single)
    port = _free_port()
    nodes = [
        subprocess.Popen(
            [*TORCHRUN, "--nnodes=2", f"--node_rank={node}", "--nproc_per_node=1",
             "--rdzv_backend=c10d", f"--rdzv_endpoint=127.0.0.1:{port}", "--rdzv_id=kt-test",
             WORKER, "nodes", str(dist)],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for node in (0, 1)
    ]
    for proc in nodes:
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode == 0, out[-4000:]
    ids = sorted(json.loads((dist / f"rank{r}" / "ids.json").read_text())["rank"] for r in (0, 1))
    assert ids == [0, 1]
    for r in (0, 1):
        info = json.loads((dist / f"rank{r}" / "ids.json").read_text())
        assert info == {"rank": r, "local_rank": 0, "world": 2}
    assert _max_diff(_weights(single, 0, "nodes"), _weights(dist, 0, "nodes")) <= 1e-5


def test_jit_compile_under_ddp_trains_like_one_process(tmp_path):
    single, dist = tmp_path / "single", tmp_path / "dist"
    _single("jit", single)
    _torchrun("jit", dist)
    assert _max_diff(_weights(single, 0, "jit"), _weights(dist, 0, "jit")) <= 1e-5
    assert _max_diff(_weights(dist, 0, "jit"), _weights(dist, 1, "jit")) == 0.0


def test_the_distributed_example_runs_under_torchrun(tmp_path):
    example = Path(__file__).parents[1] / "examples" / "distributed_training.py"
    result = _run([*TORCHRUN, "--standalone", "--nproc_per_node=2", str(example),
                   "--epochs", "2", "--out", str(tmp_path)])
    assert "2 process(es): test accuracy" in result.stdout
    assert result.stdout.count("Epoch 1/2") == 1  # one progress log, from rank 0
    assert (tmp_path / "digits.keras").exists()
    assert list((tmp_path / "tensorboard" / "train").iterdir())
