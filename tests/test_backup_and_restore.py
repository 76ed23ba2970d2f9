"""BackupAndRestore: a killed fit, rerun, ends exactly where an uninterrupted one does."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import kerastorch as keras

# Trains a seeded model (shuffle, Dropout, Adam on a decaying schedule, a metric,
# EarlyStopping); with KILL set it SIGKILLs itself in the middle of epoch 2.
SCRIPT = textwrap.dedent(
    """
    import json, os, random, signal, sys
    import numpy as np
    import torch
    import kerastorch as keras

    out, backup, kill, save_freq = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
    torch.manual_seed(0); np.random.seed(0); random.seed(0)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]
    model = keras.Sequential([
        keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(0.3), keras.layers.Dense(1),
    ])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=7, decay_rate=0.9)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse", metrics=["mae"])

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if kill and self.epoch == 1 and batch == 4:
                os.kill(os.getpid(), signal.SIGKILL)

    callbacks = [keras.callbacks.EarlyStopping(monitor="loss", patience=100), Kill()]
    if backup != "-":
        freq = save_freq if save_freq == "epoch" else int(save_freq)
        callbacks.insert(0, keras.callbacks.BackupAndRestore(backup, save_freq=freq))
    history = model.fit(x, y, batch_size=8, epochs=4, shuffle=True, verbose=0, callbacks=callbacks)
    np.save(out + ".npy", np.concatenate([w.numpy().ravel() for w in model.weights]))
    with open(out + ".json", "w") as f:
        json.dump({"epoch": history.epoch, "history": history.history}, f)
    """
)


def _run(tmp_path, name, backup, kill=False, save_freq="3"):
    """Run SCRIPT in a fresh interpreter; its final weights and History."""
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    out = str(tmp_path / name)
    proc = subprocess.run(
        [sys.executable, str(script), out, backup, "1" if kill else "0", save_freq],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if kill:
        assert proc.returncode == -9, proc.stderr
        return None, None
    assert proc.returncode == 0, proc.stderr
    with open(out + ".json") as f:
        return np.load(out + ".npy"), json.load(f)


def test_killed_run_resumes_bit_identical(tmp_path):
    ref_weights, ref_logs = _run(tmp_path, "ref", "-")  # uninterrupted, no BackupAndRestore
    backup = str(tmp_path / "backup")
    _run(tmp_path, "first", backup, kill=True)
    assert os.path.exists(os.path.join(backup, "training_state.safetensors"))
    weights, logs = _run(tmp_path, "resumed", backup)
    assert np.array_equal(weights, ref_weights)
    # The History covers the epochs run after the crash, with the same metrics
    # (the partial epoch's metric states were restored too).
    assert logs["epoch"] == [1, 2, 3]
    for key in ("loss", "mae"):
        assert logs["history"][key] == ref_logs["history"][key][1:]
    # Success deletes the backup.
    assert not os.path.exists(os.path.join(backup, "training_state.safetensors"))


# --- in-process: an exception stands in for the crash --------------------------------


class _Crash(Exception):
    pass


class _CrashAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise _Crash()


def _data():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(48, 3)).astype("float32")
    return x, (x.sum(1, keepdims=True) > 0).astype("float32")


def _model(seed=0):
    torch.manual_seed(seed)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _weights(model):
    return [w.numpy().copy() for w in model.weights]


@pytest.mark.parametrize("save_freq", [2, "epoch"])
def test_resume_restores_callback_states(tmp_path, save_freq):
    x, y = _data()
    torch.manual_seed(5)
    ref = _model()
    ref_plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5, min_delta=1.0)
    ref.fit(x, y, batch_size=8, epochs=4, verbose=0, callbacks=[ref_plateau])

    backup = keras.callbacks.BackupAndRestore(str(tmp_path), save_freq=save_freq)
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5, min_delta=1.0)
    torch.manual_seed(5)
    model = _model()
    with pytest.raises(_Crash):
        model.fit(x, y, batch_size=8, epochs=4, verbose=0, callbacks=[backup, plateau, _CrashAt(2, 3)])
    torch.manual_seed(123)  # another process: other generator states, other initial weights
    model = _model(seed=1)
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5, min_delta=1.0)
    history = model.fit(x, y, batch_size=8, epochs=4, verbose=0, callbacks=[backup, plateau])
    assert history.epoch == [2, 3]
    for a, b in zip(_weights(model), _weights(ref)):
        np.testing.assert_array_equal(a, b)
    assert float(model.optimizer.learning_rate) == float(ref.optimizer.learning_rate) < 0.001
    assert (plateau.wait, plateau.cooldown_counter, plateau.best) == (
        ref_plateau.wait, ref_plateau.cooldown_counter, ref_plateau.best,
    )
    assert model.optimizer.iterations == ref.optimizer.iterations == 24


def test_delete_checkpoint_and_rerun_from_scratch(tmp_path):
    x, y = _data()
    backup_file = tmp_path / "training_state.safetensors"
    model = _model()
    history = model.fit(
        x, y, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path))]
    )
    assert history.epoch == [0, 1, 2]
    assert not backup_file.exists()
    # A finished run leaves nothing behind: the rerun starts from epoch 0.
    history = model.fit(
        x, y, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path))]
    )
    assert history.epoch == [0, 1, 2]

    keep = keras.callbacks.BackupAndRestore(str(tmp_path), delete_checkpoint=False)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keep])
    assert backup_file.exists()
    # The kept backup says training is done: nothing left to run, but a new model
    # gets the backed-up weights, and the backup stays as it was.
    before = _weights(model)
    saved = backup_file.read_bytes()
    fresh = _model(seed=3)
    history = fresh.fit(x, y, epochs=2, verbose=0, callbacks=[keep])
    assert history.epoch == []
    for a, b in zip(_weights(fresh), before):
        np.testing.assert_array_equal(a, b)
    assert backup_file.read_bytes() == saved
    model.fit(x, y, epochs=3, verbose=0, callbacks=[keep])  # one more epoch than before
    assert model.history.epoch == [2]
    assert not all(np.array_equal(a, b) for a, b in zip(before, _weights(model)))


def test_not_a_backup_file(tmp_path):
    (tmp_path / "training_state.safetensors").write_bytes(b"garbage!" * 4)
    with pytest.raises(ValueError, match="not a valid safetensors"):
        _model().fit(*_data(), verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path))])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"backup_dir": 3}, "Received: backup_dir=3"),
        ({"backup_dir": ""}, "Received: backup_dir=''"),
        ({"backup_dir": "b", "save_freq": 0}, "Received: save_freq=0"),
        ({"backup_dir": "b", "save_freq": "batch"}, "Received: save_freq='batch'"),
        ({"backup_dir": "b", "save_freq": True}, "Received: save_freq=True"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.callbacks.BackupAndRestore(**kwargs)


def test_exported():
    assert keras.callbacks.BackupAndRestore.__module__ == "kerastorch.callbacks.backup_and_restore"


def test_resume_unbuilt_model_with_fused_steps(tmp_path):
    """A model built by its first batch, `steps_per_execution=2`, shuffled batches."""
    x, y = _data()

    def model():
        m = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
        m.compile(optimizer="adam", loss="mse", metrics=["mae"], steps_per_execution=2)
        return m

    torch.manual_seed(7)
    ref = model()
    ref_history = ref.fit(x, y, batch_size=4, epochs=3, verbose=0)

    torch.manual_seed(7)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path), save_freq=1)
    with pytest.raises(_Crash):
        model().fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[backup, _CrashAt(1, 7)])
    torch.manual_seed(99)
    resumed = model()
    history = resumed.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[backup])
    assert history.epoch == [1, 2]
    assert history.history["mae"] == ref_history.history["mae"][1:]
    for a, b in zip(_weights(resumed), _weights(ref)):
        np.testing.assert_array_equal(a, b)
