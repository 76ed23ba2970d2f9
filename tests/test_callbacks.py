"""The Keras callback set, on real (tiny) training runs.

Monitored values are driven deterministically by an `Inject` callback placed
before the callback under test: it overwrites `logs[key]` at each epoch end,
and the callbacks after it see the new value (the logs dict is shared).
"""

# The keras.io guide code at the end is kept as written there (str.format).
# ruff: noqa: UP032

import csv
import http.server
import json
import math
import socket
import threading
import urllib.parse

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import callbacks
from kerastorch import layers
from kerastorch.callbacks import monitor_utils
from kerastorch.utils.warnings import KerasTorchWarning


def _data(n=16, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, 1))).astype("float32")
    return x, y


def _model(lr=0.01, optimizer=None, metrics=None):
    model = kerastorch.Sequential([layers.Dense(1)])
    model.compile(
        optimizer=optimizer or kerastorch.optimizers.SGD(learning_rate=lr),
        loss="mse",
        metrics=metrics,
    )
    return model


class Inject(callbacks.Callback):
    """Sets `logs[key] = values[epoch]` at each epoch end."""

    def __init__(self, key, values):
        super().__init__()
        self.key = key
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class RecordLR(callbacks.Callback):
    """The torch optimizer's learning rate seen at each epoch's begin and end.

    (Before the first batch of an unbuilt model, the optimizer is not built yet
    and has no torch param groups: then its `learning_rate` is recorded.)
    """

    def on_train_begin(self, logs=None):
        self.begin, self.end = [], []

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        groups = optimizer.param_groups
        self.begin.append(groups[0]["lr"] if groups else float(optimizer.learning_rate))

    def on_epoch_end(self, epoch, logs=None):
        self.end.append(self.model.optimizer.param_groups[0]["lr"])


def _fit(model, cbs, epochs, **kwargs):
    x, y = _data()
    return model.fit(
        x,
        y,
        batch_size=8,
        epochs=epochs,
        callbacks=cbs,
        verbose=0,
        shuffle=False,
        **kwargs,
    )


# --- monitor_utils ----------------------------------------------------------------


def test_monitor_utils_infer_and_compare():
    model = _model(metrics=["accuracy", "mae"])
    _fit(model, [], 1)  # builds the compiled metrics
    assert monitor_utils.infer_mode("val_loss") == "min"
    assert monitor_utils.infer_mode("val_accuracy", model) == "max"
    assert monitor_utils.infer_mode("mae", model) == "min"
    assert monitor_utils.infer_mode("val_auc") == "max"
    assert monitor_utils.infer_mode("val_foo", model) is None
    assert monitor_utils.resolve_mode("auto", "val_foo", model, default="min") == "min"
    assert monitor_utils.resolve_mode("max", "val_loss") == "max"
    with pytest.raises(ValueError, match="maximized or minimized"):
        monitor_utils.resolve_mode("auto", "val_foo", model, "EarlyStopping")
    assert monitor_utils.is_improvement(0.5, None, "min")
    assert monitor_utils.is_improvement(0.5, 0.7, "min", 0.1)
    assert not monitor_utils.is_improvement(0.65, 0.7, "min", 0.1)
    assert monitor_utils.is_improvement(0.9, 0.7, "max", -0.1)  # |min_delta|
    assert not monitor_utils.is_improvement(0.75, 0.7, "max", 0.1)
    assert not monitor_utils.is_improvement(float("nan"), 0.7, "min")
    with pytest.raises(ValueError, match="Received: mode='maxx'"):
        monitor_utils.check_mode("maxx", "EarlyStopping")


# --- EarlyStopping ----------------------------------------------------------------


@pytest.mark.parametrize(
    "values, kwargs, epochs_run, stopped_epoch",
    [
        # Best at epoch 1; patience 2 runs out at epoch 3.
        ([1.0, 0.5, 0.6, 0.7, 0.8, 0.9], {"patience": 2}, 4, 3),
        # patience 0: the first non-improving epoch (>0) stops.
        ([1.0, 0.9, 0.95, 0.1, 0.1, 0.1], {}, 3, 2),
        # Improvements smaller than min_delta do not count.
        ([1.0, 0.95, 0.92, 0.91, 0.9, 0.5], {"min_delta": 0.1, "patience": 1}, 2, 1),
        ([1.0, 0.95, 0.92, 0.91, 0.9, 0.5], {"patience": 1}, 6, 0),
        # Warm-up epochs are not watched.
        ([5.0, 6.0, 7.0, 1.0, 1.5, 2.0], {"start_from_epoch": 3}, 5, 4),
        ([5.0, 6.0, 7.0, 1.0, 1.5, 2.0], {}, 2, 1),
        # Never beating the baseline: the wait never resets.
        ([0.9, 0.95, 0.97, 0.99, 1.0, 1.0], {"baseline": 0.5, "patience": 2}, 2, 1),
        ([0.9, 0.95, 0.97, 0.99, 1.0, 1.0], {"patience": 2}, 3, 2),
        # Beating the baseline resets it as usual.
        ([0.4, 0.45, 0.46, 0.3, 0.5, 0.5], {"baseline": 0.5, "patience": 2}, 3, 2),
    ],
)
def test_early_stopping_stops_at_the_right_epoch(
    values, kwargs, epochs_run, stopped_epoch
):
    stopper = callbacks.EarlyStopping(monitor="val_loss", **kwargs)
    history = _fit(_model(), [Inject("val_loss", values), stopper], epochs=len(values))
    assert len(history.history["loss"]) == epochs_run
    assert history.history["val_loss"] == values[:epochs_run]
    assert stopper.stopped_epoch == stopped_epoch


def test_early_stopping_mode_max_and_auto_for_accuracy():
    values = [0.1, 0.5, 0.4, 0.3, 0.2, 0.9]
    for mode in ("max", "auto"):
        stopper = callbacks.EarlyStopping(monitor="val_accuracy", mode=mode, patience=2)
        model = _model(metrics=["accuracy"])
        history = _fit(model, [Inject("val_accuracy", values), stopper], epochs=6)
        assert len(history.history["loss"]) == 4, mode
        assert stopper.best == 0.5 and stopper.best_epoch == 1
    # The same values minimized stop at once.
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", mode="min")
    history = _fit(_model(), [Inject("val_accuracy", values), stopper], epochs=6)
    assert len(history.history["loss"]) == 2


def test_early_stopping_auto_mode_unknown_metric_raises():
    stopper = callbacks.EarlyStopping(monitor="val_foo")
    with pytest.raises(ValueError, match="monitor='val_foo'.*mode='max'"):
        _fit(_model(), [Inject("val_foo", [1.0, 2.0]), stopper], epochs=2)


def test_early_stopping_restores_best_weights():
    class Snapshots(callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append([w.detach().clone() for w in self.model.weights])

    values = [1.0, 0.2, 0.5, 0.6, 0.7, 0.8]
    snaps = Snapshots()
    stopper = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    model = _model(lr=0.05)
    history = _fit(model, [Inject("val_loss", values), snaps, stopper], epochs=6)
    assert len(history.history["loss"]) == 4
    assert stopper.best_epoch == 1
    # Training moved the weights after the best epoch, and they are back now.
    assert not torch.equal(snaps.weights[1][0], snaps.weights[3][0])
    for restored, best in zip(model.weights, snaps.weights[1]):
        torch.testing.assert_close(restored.detach(), best, rtol=0, atol=0)
    assert all(
        saved.device == w.device
        for saved, w in zip(stopper.best_weights, model.weights)
    )


def test_early_stopping_and_reduce_lr_on_a_functional_model():
    inputs = kerastorch.Input((3,))
    outputs = layers.Dense(1)(layers.Dense(4, activation="relu")(inputs))
    model = kerastorch.Model(inputs, outputs)
    model.compile(optimizer=kerastorch.optimizers.SGD(0.05), loss="mse")
    snaps = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snaps.append(_values(model))
    )
    stopper = callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    reducer = callbacks.ReduceLROnPlateau(factor=0.5, patience=1)
    values = [1.0, 0.5, 0.9, 0.8, 0.1]
    history = _fit(model, [Inject("val_loss", values), record, stopper, reducer], 5)
    assert len(history.history["loss"]) == 3
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.05, 0.05])
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(0.025)
    for restored, best in zip(model.weights, snaps[1]):
        assert torch.equal(restored, best)


def test_early_stopping_without_restore_keeps_last_weights():
    model = _model(lr=0.05)
    stopper = callbacks.EarlyStopping(patience=1)
    _fit(model, [Inject("val_loss", [1.0, 2.0, 3.0]), stopper], epochs=3)
    last = [w.detach().clone() for w in model.weights]
    assert stopper.best_weights is None
    for a, b in zip(model.weights, last):
        assert torch.equal(a, b)


def test_early_stopping_reused_across_fits_resets_state():
    stopper = callbacks.EarlyStopping(patience=1)
    model = _model()
    _fit(model, [Inject("val_loss", [1.0, 2.0, 3.0]), stopper], epochs=3)
    assert stopper.stopped_epoch == 1
    history = _fit(model, [Inject("val_loss", [3.0, 2.0, 1.0]), stopper], epochs=3)
    assert len(history.history["loss"]) == 3
    assert stopper.stopped_epoch == 0 and stopper.best == 1.0


def test_early_stopping_real_validation_loss_and_missing_monitor_warns(capsys):
    x, y = _data(32)
    model = _model(lr=0.1)
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=1, verbose=1)
    history = model.fit(
        x, y, epochs=3, validation_split=0.25, callbacks=[stopper], verbose=0
    )
    assert stopper.best == min(history.history["val_loss"])

    stopper = callbacks.EarlyStopping(monitor="val_loss")
    with pytest.warns(
        KerasTorchWarning,
        match="`val_loss` which is not available. Available metrics are: loss",
    ):
        history = model.fit(x, y, epochs=2, callbacks=[stopper], verbose=0)
    assert len(history.history["loss"]) == 2


def test_early_stopping_verbose_messages(capsys):
    stopper = callbacks.EarlyStopping(patience=0, verbose=1, restore_best_weights=True)
    _fit(_model(), [Inject("val_loss", [1.0, 2.0, 3.0]), stopper], epochs=3)
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 1." in out


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"patience": -1}, "Received: patience=-1"),
        ({"patience": 1.5}, "Received: patience=1.5"),
        ({"mode": "maximum"}, "Received: mode='maximum'"),
        ({"min_delta": "0.1"}, "Received: min_delta='0.1'"),
        ({"baseline": "high"}, "Received: baseline='high'"),
        ({"start_from_epoch": -2}, "Received: start_from_epoch=-2"),
        ({"monitor": 3}, "Received: monitor=3"),
    ],
)
def test_early_stopping_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        callbacks.EarlyStopping(**kwargs)


# --- ReduceLROnPlateau --------------------------------------------------------------


def test_reduce_lr_on_plateau_reduces_at_the_right_epoch():
    rec = RecordLR()
    reducer = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2)
    values = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    history = _fit(_model(lr=0.1), [Inject("val_loss", values), reducer, rec], epochs=7)
    # Plateau of 2 epochs after epochs 0 and 3: reductions at the ends of epochs 2 and 5.
    expected = [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]
    np.testing.assert_allclose(rec.end, expected)
    # `learning_rate` in the logs is the rate each epoch trained with.
    np.testing.assert_allclose(
        history.history["learning_rate"], [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    )
    np.testing.assert_allclose(rec.begin, history.history["learning_rate"])


def test_reduce_lr_on_plateau_cooldown_and_min_lr():
    values = [1.0] * 6
    rec = RecordLR()
    reducer = callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2)
    _fit(_model(lr=0.1), [Inject("val_loss", values), reducer, rec], epochs=6)
    # Reduce at epoch 1; epoch 2 is in cooldown; the counter runs out at epoch 3,
    # which counts as a plateau epoch again: reduce at 3, and likewise at 5.
    np.testing.assert_allclose(rec.end, [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])

    rec = RecordLR()
    reducer = callbacks.ReduceLROnPlateau(factor=0.5, patience=1)
    _fit(_model(lr=0.1), [Inject("val_loss", values), reducer, rec], epochs=6)
    np.testing.assert_allclose(rec.end, [0.1, 0.05, 0.025, 0.0125, 0.00625, 0.003125])

    rec = RecordLR()
    reducer = callbacks.ReduceLROnPlateau(factor=0.1, patience=0, min_lr=0.005)
    _fit(_model(lr=0.1), [Inject("val_loss", values), reducer, rec], epochs=6)
    np.testing.assert_allclose(rec.end, [0.1, 0.01, 0.005, 0.005, 0.005, 0.005])


def test_reduce_lr_on_plateau_max_mode_and_min_delta():
    rec = RecordLR()
    reducer = callbacks.ReduceLROnPlateau(
        monitor="val_accuracy", factor=0.5, patience=1, min_delta=0.05
    )
    values = [0.5, 0.52, 0.6, 0.61, 0.9, 0.91]
    _fit(
        _model(lr=0.1, metrics=["accuracy"]),
        [Inject("val_accuracy", values), reducer, rec],
        epochs=6,
    )
    # +0.02 and +0.01 are under min_delta: reductions at epochs 1, 3 and 5.
    np.testing.assert_allclose(rec.end, [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])


def test_reduce_lr_on_plateau_missing_monitor_warns_but_logs_lr():
    reducer = callbacks.ReduceLROnPlateau(monitor="val_loss")
    with pytest.warns(
        KerasTorchWarning,
        match="Learning rate reduction is conditioned on metric `val_loss`",
    ):
        history = _fit(_model(lr=0.1), [reducer], epochs=1)
    assert history.history["learning_rate"] == [pytest.approx(0.1)]


def test_reduce_lr_on_plateau_verbose(capsys):
    reducer = callbacks.ReduceLROnPlateau(factor=0.5, patience=0, verbose=1)
    _fit(_model(lr=0.1), [Inject("val_loss", [1.0, 1.0]), reducer], epochs=2)
    assert (
        "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05."
        in capsys.readouterr().out
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"factor": 1.0}, "factor >= 1.0. Received: factor=1.0"),
        ({"factor": -0.5}, "Received: factor=-0.5"),
        ({"patience": -1}, "Received: patience=-1"),
        ({"cooldown": 0.5}, "Received: cooldown=0.5"),
        ({"min_lr": -1.0}, "Received: min_lr=-1.0"),
        ({"mode": "up"}, "Received: mode='up'"),
    ],
)
def test_reduce_lr_on_plateau_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        callbacks.ReduceLROnPlateau(**kwargs)


def test_reduce_lr_on_plateau_ignored_kwargs_warn():
    with pytest.warns(KerasTorchWarning, match="ignores the arguments"):
        callbacks.ReduceLROnPlateau(epsilon=1e-3)


# --- LearningRateScheduler -----------------------------------------------------------


def test_learning_rate_scheduler_sets_torch_lr_each_epoch(capsys):
    rec = RecordLR()
    seen = []

    def schedule(epoch, lr):
        seen.append((epoch, lr))
        return lr if epoch < 2 else lr * 0.5

    sched = callbacks.LearningRateScheduler(schedule, verbose=1)
    history = _fit(_model(lr=0.1), [sched, rec], epochs=4)
    np.testing.assert_allclose(rec.begin, [0.1, 0.1, 0.05, 0.025])
    np.testing.assert_allclose(
        history.history["learning_rate"], [0.1, 0.1, 0.05, 0.025]
    )
    assert [e for e, _ in seen] == [0, 1, 2, 3]
    assert isinstance(seen[0][1], float) and seen[0][1] == pytest.approx(0.1)
    assert (
        "Epoch 3: LearningRateScheduler setting learning rate to 0.05."
        in capsys.readouterr().out
    )


def test_learning_rate_scheduler_one_argument_schedule_and_tensor_result():
    rec = RecordLR()
    sched = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    _fit(_model(), [sched, rec], epochs=3)
    np.testing.assert_allclose(rec.begin, [0.1, 0.05, 0.1 / 3])

    # Keras's own docstring multiplies by `ops.exp(-0.1)`: a 0-d tensor is a number too.
    rec = RecordLR()
    sched = callbacks.LearningRateScheduler(
        lambda epoch, lr: lr * kerastorch.ops.exp(-0.1)
    )
    _fit(_model(lr=0.1), [sched, rec], epochs=2)
    np.testing.assert_allclose(
        rec.begin, [0.1 * math.exp(-0.1), 0.1 * math.exp(-0.2)], rtol=1e-6
    )


@pytest.mark.parametrize("bad", ["0.1", None, [0.1], True])
def test_learning_rate_scheduler_non_number_raises(bad):
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: bad)
    with pytest.raises(ValueError, match="should be a float. Received:"):
        _fit(_model(), [sched], epochs=1)


def test_learning_rate_scheduler_bad_schedule():
    with pytest.raises(TypeError, match="Received: schedule=0.1"):
        callbacks.LearningRateScheduler(0.1)


# --- CSVLogger ----------------------------------------------------------------------------


def _read_csv(path, delimiter=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


def test_csv_logger_rows_equal_history(tmp_path):
    path = tmp_path / "log.csv"
    x, y = _data(32)
    model = _model(metrics=["mae"])
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        validation_split=0.25,
        verbose=0,
        callbacks=[callbacks.CSVLogger(path)],
    )
    rows = _read_csv(path)
    keys = sorted(history.history)
    assert rows[0] == ["epoch"] + keys
    assert len(rows) == 4
    for epoch, row in enumerate(rows[1:]):
        assert int(row[0]) == epoch
        assert [float(v) for v in row[1:]] == [history.history[k][epoch] for k in keys]


def test_csv_logger_append_and_overwrite(tmp_path):
    path = tmp_path / "log.csv"
    model = _model()
    _fit(
        model,
        [Inject("val_loss", [1.0, 2.0]), callbacks.CSVLogger(str(path))],
        epochs=2,
    )
    _fit(
        model,
        [Inject("val_loss", [3.0, 4.0]), callbacks.CSVLogger(str(path), append=True)],
        epochs=2,
    )
    rows = _read_csv(path)
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "0", "1"]
    assert [float(r[2]) for r in rows[1:]] == [1.0, 2.0, 3.0, 4.0]
    assert sum(r[0] == "epoch" for r in rows) == 1

    _fit(model, [Inject("val_loss", [5.0]), callbacks.CSVLogger(str(path))], epochs=1)
    rows = _read_csv(path)
    assert len(rows) == 2 and float(rows[1][2]) == 5.0


def test_csv_logger_separator_and_no_validation_columns(tmp_path):
    path = tmp_path / "log.tsv"
    history = _fit(
        _model(metrics=["mae"]), [callbacks.CSVLogger(path, separator="\t")], epochs=2
    )
    rows = _read_csv(path, delimiter="\t")
    # As in Keras: without validation keys, `val_` columns are added and filled with NA.
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert rows[1][3:] == ["NA", "NA"]
    assert float(rows[2][1]) == history.history["loss"][1]


def test_csv_logger_bad_arguments():
    with pytest.raises(ValueError, match="Received: separator=', '"):
        callbacks.CSVLogger("x.csv", separator=", ")
    with pytest.raises(TypeError, match="Received: filename=3"):
        callbacks.CSVLogger(3)


# --- TerminateOnNaN ---------------------------------------------------------------------


def test_terminate_on_nan_stops_training(capsys):
    x, y = _data(32)
    x[20] = np.nan  # third batch of 8
    seen = []
    counter = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch)
    )
    model = _model()
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=5,
        shuffle=False,
        verbose=0,
        callbacks=[callbacks.TerminateOnNaN(), counter],
    )
    assert len(history.history["loss"]) == 1
    assert math.isnan(history.history["loss"][0])
    assert seen == [0, 1, 2]  # the epoch ended right after the NaN batch
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_raise_error():
    x, y = _data(16)
    x[0] = np.inf
    ended = []
    model = _model()
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        model.fit(
            x,
            y,
            epochs=2,
            verbose=0,
            callbacks=[
                callbacks.TerminateOnNaN(raise_error=True),
                callbacks.LambdaCallback(on_train_end=lambda logs: ended.append(1)),
            ],
        )
    assert ended == []
    with pytest.raises(TypeError, match="Received: raise_error='yes'"):
        callbacks.TerminateOnNaN(raise_error="yes")


def test_terminate_on_nan_finite_loss_runs_all_epochs():
    history = _fit(_model(), [callbacks.TerminateOnNaN()], epochs=3)
    assert len(history.history["loss"]) == 3


# --- LambdaCallback -----------------------------------------------------------------------


def test_lambda_callback_counts_every_hook():
    counts = {}

    def count(name):
        def hook(*args):
            counts[name] = counts.get(name, 0) + 1

        return hook

    names = [
        "on_epoch_begin",
        "on_epoch_end",
        "on_train_begin",
        "on_train_end",
        "on_train_batch_begin",
        "on_train_batch_end",
    ]
    extra = [
        "on_test_begin",
        "on_test_end",
        "on_test_batch_begin",
        "on_test_batch_end",
        "on_predict_begin",
        "on_predict_end",
        "on_predict_batch_begin",
        "on_predict_batch_end",
    ]
    cb = callbacks.LambdaCallback(**{n: count(n) for n in names + extra})
    assert isinstance(cb, callbacks.LambdaCallback)
    x, y = _data(32)
    model = _model()
    # 24 training samples: 3 batches; 8 validation samples: 1 batch.
    model.fit(
        x, y, batch_size=8, epochs=2, validation_split=0.25, callbacks=[cb], verbose=0
    )
    model.evaluate(x, y, batch_size=16, callbacks=[cb], verbose=0)
    model.predict(x, batch_size=32, callbacks=[cb], verbose=0)
    assert counts == {
        "on_train_begin": 1,
        "on_train_end": 1,
        "on_epoch_begin": 2,
        "on_epoch_end": 2,
        "on_train_batch_begin": 6,
        "on_train_batch_end": 6,
        "on_test_begin": 3,
        "on_test_end": 3,
        "on_test_batch_begin": 2 + 2,
        "on_test_batch_end": 2 + 2,
        "on_predict_begin": 1,
        "on_predict_end": 1,
        "on_predict_batch_begin": 1,
        "on_predict_batch_end": 1,
    }


def test_lambda_callback_legacy_batch_alias_and_logs():
    losses = []
    cb = callbacks.LambdaCallback(
        on_batch_end=lambda batch, logs: losses.append(logs["loss"])
    )
    _fit(_model(), [cb], epochs=2)
    assert len(losses) == 4 and all(isinstance(v, float) for v in losses)


def test_lambda_callback_bad_arguments():
    with pytest.raises(
        ValueError, match="unknown hook: 'on_epoch_ends'. Did you mean: 'on_epoch_end'"
    ):
        callbacks.LambdaCallback(on_epoch_ends=print)
    with pytest.raises(TypeError, match="Received: on_epoch_end=3"):
        callbacks.LambdaCallback(on_epoch_end=3)


# --- custom callbacks ---------------------------------------------------------------------


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _record(name):
        def hook(self, *args, logs=None):
            if len(args) == 2:  # (index, logs) passed positionally
                args, logs = args[:1], args[1]
            elif len(args) == 1 and not isinstance(args[0], int):
                args, logs = (), args[0]
            self.calls.append((name, *args, tuple(sorted(logs or {}))))

        return hook

    for _name in [
        n
        for n in vars(callbacks.Callback)
        if n.startswith("on_") and n not in ("on_batch_begin", "on_batch_end")
    ]:
        locals()[_name] = _record(_name)
    del _name


def test_custom_callback_hook_order_for_fit_evaluate_predict():
    x, y = _data(24)
    model = _model(metrics=["mae"])
    rec = Recorder()
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        validation_data=(x[:8], y[:8]),
        validation_freq=2,
        callbacks=[rec],
        verbose=0,
    )
    metrics = ("loss", "mae")
    val = ("loss", "mae", "val_loss", "val_mae")
    epoch = lambda e, logs: (  # noqa: E731
        [("on_epoch_begin", e, ())]
        + [
            c
            for b in range(3)
            for c in (
                ("on_train_batch_begin", b, ()),
                ("on_train_batch_end", b, metrics),
            )
        ]
        + (
            [
                ("on_test_begin", ()),
                ("on_test_batch_begin", 0, ()),
                ("on_test_batch_end", 0, metrics),
                ("on_test_end", metrics),
            ]
            if logs == val
            else []
        )
        + [("on_epoch_end", e, logs)]
    )
    expected = (
        [("on_train_begin", ())]
        + epoch(0, metrics)
        + epoch(1, val)
        + [("on_train_end", val)]
    )
    assert rec.calls == expected
    assert rec.params["epochs"] == 2 and rec.params["steps"] == 3

    rec.calls = []
    model.evaluate(x, y, batch_size=12, callbacks=[rec], verbose=0)
    assert rec.calls == [
        ("on_test_begin", ()),
        ("on_test_batch_begin", 0, ()),
        ("on_test_batch_end", 0, metrics),
        ("on_test_batch_begin", 1, ()),
        ("on_test_batch_end", 1, metrics),
        ("on_test_end", metrics),
    ]
    rec.calls = []
    model.predict(x, batch_size=24, callbacks=[rec], verbose=0)
    assert rec.calls == [
        ("on_predict_begin", ()),
        ("on_predict_batch_begin", 0, ()),
        ("on_predict_batch_end", 0, ("outputs",)),
        ("on_predict_end", ()),
    ]


def test_custom_callback_stops_training_changes_lr_and_reads_logs():
    class Steer(callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.losses = []

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.optimizer.learning_rate = 0.01
                self.lr = self.model.optimizer.param_groups[0]["lr"]

        def on_epoch_end(self, epoch, logs=None):
            self.losses.append(logs["loss"])
            if epoch == 2:
                self.model.stop_training = True

    steer = Steer()
    model = _model(lr=0.1)
    history = _fit(model, [steer], epochs=10)
    assert len(history.history["loss"]) == 3
    assert steer.losses == history.history["loss"]
    assert steer.lr == 0.01
    assert model.optimizer.torch_optimizer.param_groups[0]["lr"] == 0.01
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)


def test_callback_model_and_params_are_set():
    cb = callbacks.Callback()
    assert cb.model is None and cb.params == {}
    model = _model()
    cb.set_model(model)
    cb.set_params({"epochs": 3})
    assert cb.model is model and cb.params == {"epochs": 3}


# --- SwapEMAWeights -------------------------------------------------------------------------


def _ema_model(seed=0):
    torch.manual_seed(seed)
    model = kerastorch.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    model.compile(
        optimizer=kerastorch.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5),
        loss="mse",
    )
    return model


def _values(model):
    return [w.detach().clone() for w in model.weights]


def test_swap_ema_weights_for_evaluate_and_predict():
    x, y = _data(32)
    model = _ema_model()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    model.train_on_batch(x[:8], y[:8])  # fit ends on the averages; this steps off them
    raw = _values(model)
    swap = callbacks.SwapEMAWeights()
    swapped_loss = model.evaluate(x, y, verbose=0, callbacks=[swap])
    swapped_pred = model.predict(x, verbose=0, callbacks=[swap])
    raw_loss = model.evaluate(x, y, verbose=0)
    for a, b in zip(model.weights, raw):
        assert torch.equal(a, b)  # swapped back after each
    model.optimizer.finalize_variable_values(model.trainable_variables)
    ema = _values(model)
    assert not all(torch.equal(a, b) for a, b in zip(ema, raw))
    assert swapped_loss == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)
    assert swapped_loss != pytest.approx(raw_loss, rel=1e-6)
    np.testing.assert_allclose(swapped_pred, model.predict(x, verbose=0), rtol=1e-6)


def test_swap_ema_weights_validation_uses_ema_and_training_is_unchanged():
    x, y = _data(32)
    plain = _ema_model()
    plain.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)

    swapped = _ema_model()
    history = swapped.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        validation_data=(x, y),
        callbacks=[callbacks.SwapEMAWeights()],
    )
    # Swapping around validation does not change what training does.
    for a, b in zip(plain.weights, swapped.weights):
        torch.testing.assert_close(a, b)
    swapped.optimizer.finalize_variable_values(swapped.trainable_variables)
    assert history.history["val_loss"][-1] == pytest.approx(
        swapped.evaluate(x, y, verbose=0), rel=1e-5
    )


def test_swap_ema_weights_on_epoch_leaves_ema_weights():
    x, y = _data(32)
    plain = _ema_model()
    plain.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    plain.optimizer.finalize_variable_values(plain.trainable_variables)

    seen = []
    swapped = _ema_model()
    swapped.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[
            callbacks.SwapEMAWeights(swap_on_epoch=True),
            callbacks.LambdaCallback(
                on_epoch_end=lambda e, logs: seen.append(_values(swapped))
            ),
        ],
    )
    for a, b in zip(plain.weights, swapped.weights):
        torch.testing.assert_close(a, b)
    for a, b in zip(seen[-1], swapped.weights):
        assert torch.equal(a, b)  # callbacks after it saw the EMA weights
    # Averages and weights agree, so a later finalize keeps the EMA weights.
    before = _values(swapped)
    swapped.optimizer.finalize_variable_values(swapped.trainable_variables)
    for a, b in zip(before, swapped.weights):
        assert torch.equal(a, b)


def test_swap_ema_weights_requires_use_ema():
    model = _model()
    with pytest.raises(ValueError, match="`use_ema=True`.*Received: use_ema=False"):
        _fit(model, [callbacks.SwapEMAWeights()], epochs=1)
    with pytest.raises(TypeError, match="Received: swap_on_epoch=1"):
        callbacks.SwapEMAWeights(swap_on_epoch=1)


def test_optimizer_swap_ema_weights_twice_is_identity():
    x, y = _data(16)
    model = _ema_model()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    # As in Keras, `fit` ends with the weights set to their moving averages.
    after_fit = _values(model)
    model.optimizer.swap_ema_weights()
    for a, b in zip(model.weights, after_fit):
        assert torch.equal(a, b)
    model.train_on_batch(x[:4], y[:4])
    raw = _values(model)
    model.optimizer.swap_ema_weights()
    assert not all(torch.equal(a, b) for a, b in zip(model.weights, raw))
    model.optimizer.swap_ema_weights()
    for a, b in zip(model.weights, raw):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="not built yet"):
        kerastorch.optimizers.SGD(use_ema=True).swap_ema_weights()


# --- RemoteMonitor --------------------------------------------------------------------------


@pytest.fixture
def http_server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append(
                (
                    self.path,
                    self.headers["Content-Type"],
                    self.headers.get("X-Run"),
                    body,
                )
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()


def test_remote_monitor_posts_form_and_json(http_server):
    root, received = http_server
    history = _fit(
        _model(), [callbacks.RemoteMonitor(root=root, headers={"X-Run": "a"})], epochs=2
    )
    assert len(received) == 2
    path, content_type, run, body = received[1]
    assert (
        path == "/publish/epoch/end/"
        and content_type == "application/x-www-form-urlencoded"
    )
    assert run == "a"
    payload = json.loads(urllib.parse.parse_qs(body)["data"][0])
    assert payload == {"epoch": 1, "loss": history.history["loss"][1]}

    received.clear()
    _fit(
        _model(),
        [callbacks.RemoteMonitor(root=root, path="/p", send_as_json=True)],
        epochs=1,
    )
    path, content_type, _, body = received[0]
    assert path == "/p" and content_type == "application/json"
    assert set(json.loads(body)) == {"epoch", "loss"}


def test_remote_monitor_unreachable_warns():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monitor = callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.warns(
        KerasTorchWarning, match="Could not reach RemoteMonitor root server"
    ):
        _fit(_model(), [monitor], epochs=1)
    with pytest.raises(ValueError, match="Received: root='localhost:9000'"):
        callbacks.RemoteMonitor(root="localhost:9000")


# --- Keras guide ---------------------------------------------------------------------------------


def test_guide_writing_your_own_callbacks(capsys):
    # keras.io/guides/writing_your_own_callbacks (synthetic data instead of MNIST)
    import kerastorch as keras

    def get_model():
        model = keras.Sequential()
        model.add(keras.layers.Dense(1))
        model.compile(
            optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
            loss="mean_squared_error",
            metrics=["mean_absolute_error"],
        )
        return model

    rng = np.random.default_rng(0)
    # Enough samples for `steps_per_epoch=5` over 15 epochs of 64.
    x_train = rng.random((4800, 784)).astype("float32")
    y_train = rng.integers(0, 10, 4800).astype("float32")
    x_test, y_test = x_train[:1000], y_train[:1000]

    class CustomCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            keys = list(logs.keys())
            print("Starting training; got log keys: {}".format(keys))

        def on_train_end(self, logs=None):
            keys = list(logs.keys())
            print("Stop training; got log keys: {}".format(keys))

        def on_epoch_begin(self, epoch, logs=None):
            keys = list(logs.keys())
            print("Start epoch {} of training; got log keys: {}".format(epoch, keys))

        def on_epoch_end(self, epoch, logs=None):
            keys = list(logs.keys())
            print("End epoch {} of training; got log keys: {}".format(epoch, keys))

        def on_test_begin(self, logs=None):
            keys = list(logs.keys())
            print("Start testing; got log keys: {}".format(keys))

        def on_test_end(self, logs=None):
            keys = list(logs.keys())
            print("Stop testing; got log keys: {}".format(keys))

        def on_predict_begin(self, logs=None):
            keys = list(logs.keys())
            print("Start predicting; got log keys: {}".format(keys))

        def on_predict_end(self, logs=None):
            keys = list(logs.keys())
            print("Stop predicting; got log keys: {}".format(keys))

        def on_train_batch_begin(self, batch, logs=None):
            keys = list(logs.keys())
            print(
                "...Training: start of batch {}; got log keys: {}".format(batch, keys)
            )

        def on_train_batch_end(self, batch, logs=None):
            keys = list(logs.keys())
            print("...Training: end of batch {}; got log keys: {}".format(batch, keys))

        def on_test_batch_begin(self, batch, logs=None):
            keys = list(logs.keys())
            print(
                "...Evaluating: start of batch {}; got log keys: {}".format(batch, keys)
            )

        def on_test_batch_end(self, batch, logs=None):
            keys = list(logs.keys())
            print(
                "...Evaluating: end of batch {}; got log keys: {}".format(batch, keys)
            )

        def on_predict_batch_begin(self, batch, logs=None):
            keys = list(logs.keys())
            print(
                "...Predicting: start of batch {}; got log keys: {}".format(batch, keys)
            )

        def on_predict_batch_end(self, batch, logs=None):
            keys = list(logs.keys())
            print(
                "...Predicting: end of batch {}; got log keys: {}".format(batch, keys)
            )

    model = get_model()
    model.fit(
        x_train,
        y_train,
        batch_size=128,
        epochs=1,
        verbose=0,
        validation_split=0.5,
        callbacks=[CustomCallback()],
    )
    res = model.evaluate(
        x_test, y_test, batch_size=128, verbose=0, callbacks=[CustomCallback()]
    )
    res = model.predict(x_test, batch_size=128, callbacks=[CustomCallback()])
    out = capsys.readouterr().out
    assert "Starting training; got log keys: []" in out
    assert (
        "...Training: end of batch 3; got log keys: ['loss', 'mean_absolute_error']"
        in out
    )
    assert (
        "End epoch 0 of training; got log keys: "
        "['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']"
    ) in out
    assert "Stop testing; got log keys: ['loss', 'mean_absolute_error']" in out
    assert "...Predicting: end of batch 7; got log keys: ['outputs']" in out
    assert res.shape == (1000, 1)

    class LossAndErrorPrintingCallback(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print(
                "Up to batch {}, the average loss is {:7.2f}.".format(
                    batch, logs["loss"]
                )
            )

        def on_test_batch_end(self, batch, logs=None):
            print(
                "Up to batch {}, the average loss is {:7.2f}.".format(
                    batch, logs["loss"]
                )
            )

        def on_epoch_end(self, epoch, logs=None):
            print(
                "The average loss for epoch {} is {:7.2f} "
                "and mean absolute error is {:7.2f}.".format(
                    epoch, logs["loss"], logs["mean_absolute_error"]
                )
            )

    model = get_model()
    model.fit(
        x_train,
        y_train,
        batch_size=128,
        epochs=2,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback()],
    )
    res = model.evaluate(
        x_test,
        y_test,
        batch_size=128,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback()],
    )
    out = capsys.readouterr().out
    assert out.count("The average loss for epoch") == 2
    assert out.count("Up to batch 7, the average loss is") == 3

    class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
        """Stop training when the loss is at its min, i.e. the loss stops decreasing."""

        def __init__(self, patience=0):
            super().__init__()
            self.patience = patience
            # best_weights to store the weights at which the minimum loss occurs.
            self.best_weights = None

        def on_train_begin(self, logs=None):
            self.wait = 0
            self.stopped_epoch = 0
            self.best = np.inf

        def on_epoch_end(self, epoch, logs=None):
            current = logs.get("loss")
            if np.less(current, self.best):
                self.best = current
                self.wait = 0
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.stopped_epoch = epoch
                    self.model.stop_training = True
                    print("Restoring model weights from the end of the best epoch.")
                    self.model.set_weights(self.best_weights)

        def on_train_end(self, logs=None):
            if self.stopped_epoch > 0:
                print(f"Epoch {self.stopped_epoch + 1}: early stopping")

    model = get_model()
    stopper = EarlyStoppingAtMinLoss()
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        steps_per_epoch=5,
        epochs=30,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback(), stopper],
    )
    losses = history.history["loss"]
    assert len(losses) < 30 and len(losses) == stopper.stopped_epoch + 1
    assert losses[-1] >= min(losses[:-1])
    for w, best in zip(model.get_weights(), stopper.best_weights):
        np.testing.assert_array_equal(w, best)

    class CustomLearningRateScheduler(keras.callbacks.Callback):
        def __init__(self, schedule):
            super().__init__()
            self.schedule = schedule

        def on_epoch_begin(self, epoch, logs=None):
            if not hasattr(self.model.optimizer, "learning_rate"):
                raise ValueError('Optimizer must have a "learning_rate" attribute.')
            # Get the current learning rate from model's optimizer.
            lr = self.model.optimizer.learning_rate
            # Call schedule function to get the scheduled learning rate.
            scheduled_lr = self.schedule(epoch, lr)
            # Set the value back to the optimizer before this epoch starts
            self.model.optimizer.learning_rate = scheduled_lr
            print(f"\nEpoch {epoch}: Learning rate is {float(np.array(scheduled_lr))}.")

    LR_SCHEDULE = [
        # (epoch to start, learning rate) tuples
        (3, 0.05),
        (6, 0.01),
        (9, 0.005),
        (12, 0.001),
    ]

    def lr_schedule(epoch, lr):
        """Helper function to retrieve the scheduled learning rate based on epoch."""
        if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
            return lr
        for i in range(len(LR_SCHEDULE)):
            if epoch == LR_SCHEDULE[i][0]:
                return LR_SCHEDULE[i][1]
        return lr

    model = get_model()
    model.fit(
        x_train,
        y_train,
        batch_size=64,
        steps_per_epoch=5,
        epochs=15,
        verbose=0,
        callbacks=[
            LossAndErrorPrintingCallback(),
            CustomLearningRateScheduler(lr_schedule),
        ],
    )
    out = capsys.readouterr().out
    assert "Epoch 2: Learning rate is 0.1" in out
    assert "Epoch 3: Learning rate is 0.05." in out
    assert "Epoch 14: Learning rate is 0.001." in out
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(0.001)

    # The built-in callbacks the guide lists, passed the same way.
    model = get_model()
    history = model.fit(
        x_train[:1000],
        y_train[:1000],
        batch_size=128,
        epochs=5,
        verbose=0,
        validation_split=0.2,
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=2, restore_best_weights=True
            ),
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.5, patience=1
            ),
            keras.callbacks.TerminateOnNaN(),
        ],
    )
    assert "learning_rate" in history.history
    assert len(history.history["loss"]) <= 5
