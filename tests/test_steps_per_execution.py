"""steps_per_execution: N steps per call, batch callbacks once per execution."""

import math

import numpy as np
import pytest
import torch

import kerastorch as keras
from kerastorch import layers


@pytest.fixture(autouse=True, params=["fetched ahead", "drawn as they run"])
def fetch_mode(request, monkeypatch):
    """Every test runs with an execution's batches fetched before it and drawn lazily
    (what larger CPU batches get)."""
    from kerastorch.trainers import trainer

    if request.param == "drawn as they run":
        monkeypatch.setattr(trainer, "_CPU_FETCH_AHEAD_BYTES", 0)
    return request.param


def make_model(spe):
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=spe,
    )
    return model


def data(n=100):
    rng = np.random.default_rng(0)
    x = rng.random((n, 6), dtype=np.float32)
    return x, (x[:, 0] * 3).astype("int64")


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = {}

    def _record(self, hook, batch, logs=None):
        self.calls.setdefault(hook, []).append((batch, dict(logs or {})))

    def on_train_batch_begin(self, batch, logs=None):
        self._record("train_begin", batch)

    def on_train_batch_end(self, batch, logs=None):
        self._record("train_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._record("test_begin", batch)

    def on_test_batch_end(self, batch, logs=None):
        self._record("test_end", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._record("predict_end", batch, logs)


@pytest.mark.parametrize("spe", [3, 4, 32])
def test_same_weights_and_logs_as_one_step_per_execution(spe):
    x, y = data()
    reference = make_model(1)
    h1 = reference.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    fused = make_model(spe)
    h2 = fused.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(reference.weights, fused.weights):
        torch.testing.assert_close(a, b)
    for key in h1.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-6)


@pytest.mark.parametrize("spe", [1, 3, 10])
def test_batch_callbacks_once_per_execution(spe):
    x, y = data()
    model = make_model(spe)
    recorder = Recorder()
    steps = 10  # 100 samples, batch 10
    model.fit(x, y, batch_size=10, epochs=2, validation_data=(x[:40], y[:40]), callbacks=[recorder], verbose=0)
    executions = math.ceil(steps / spe)
    assert len(recorder.calls["train_begin"]) == 2 * executions
    assert len(recorder.calls["train_end"]) == 2 * executions
    ends = [b for b, _ in recorder.calls["train_end"][:executions]]
    begins = [b for b, _ in recorder.calls["train_begin"][:executions]]
    assert begins == list(range(0, steps, spe))
    assert ends == [min(b + spe, steps) - 1 for b in begins]
    assert all("loss" in logs and "accuracy" in logs for _, logs in recorder.calls["train_end"])
    val_steps = 4
    assert len(recorder.calls["test_end"]) == 2 * math.ceil(val_steps / spe)


def test_evaluate_and_predict_with_steps_per_execution():
    x, y = data()
    model = make_model(4)
    recorder = Recorder()
    logs = model.evaluate(x, y, batch_size=10, callbacks=[recorder], verbose=0, return_dict=True)
    assert [b for b, _ in recorder.calls["test_end"]] == [3, 7, 9]
    model.steps_per_execution = 1
    assert model.evaluate(x, y, batch_size=10, verbose=0, return_dict=True) == pytest.approx(logs)
    model.steps_per_execution = 4
    preds = model.predict(x, batch_size=10, callbacks=[recorder], verbose=0)
    assert preds.shape == (100, 3)
    ends = recorder.calls["predict_end"]
    assert [b for b, _ in ends] == [3, 7, 9]
    assert [tuple(logs["outputs"].shape) for _, logs in ends] == [(40, 3), (40, 3), (20, 3)]


def test_stop_training_inside_an_execution_stops_after_it():
    x, y = data()
    model = make_model(4)

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    recorder = Recorder()
    history = model.fit(x, y, batch_size=10, epochs=3, callbacks=[Stop(), recorder], verbose=0)
    assert len(history.history["loss"]) == 1
    assert [b for b, _ in recorder.calls["train_end"]] == [3]


def test_an_execution_left_unfinished_is_drawn_to_its_end():
    """A loop that breaks inside a run: the next run still starts at its own first step."""
    from kerastorch.trainers.trainer import _executions

    class Iterator:
        _needs_copy = False

        def enumerate_epoch(self, skip=0):
            for step in range(10):
                yield step, torch.zeros(1)

    runs = []
    for execution in _executions(Iterator(), 4):
        for i, _ in enumerate(execution):
            if i == 1:
                break
        runs.append(execution.begin)
    assert runs == [0, 4, 8]
