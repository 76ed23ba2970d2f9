"""Callbacks a trial's `fit` runs with: pruning, the best-epoch checkpoint."""

from __future__ import annotations

import math
import os

from kerastorch.callbacks.callback import Callback


class PruningCallback(Callback):
    """Report a monitored value to an Optuna trial each epoch; stop if it should be pruned.

    The tuners add it for you (`Hyperband`, or a `pruner=` given to
    `Tuner`). On its own, with a plain Optuna objective: training stops
    gracefully at the end of the epoch the pruner rejects, and `pruned` says so.

    Args:
        trial: the `optuna.trial.Trial` to report to.
        monitor: the logged quantity to report, e.g. `"val_loss"`.

    Example:

    ```python
    def objective(trial):
        model = build(trial)
        pruning = keras.tuners.PruningCallback(trial, "val_loss")
        history = model.fit(x, y, validation_split=0.2, epochs=20, callbacks=[pruning])
        if pruning.pruned:
            raise optuna.TrialPruned()
        return min(history.history["val_loss"])
    ```
    """

    def __init__(self, trial, monitor: str):
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(
                f"`monitor` must be a logged metric name. Received: monitor={monitor!r}"
            )
        super().__init__()
        self.trial = trial
        self.monitor = monitor
        self.pruned = False
        self.pruned_epoch: int | None = None

    def on_train_begin(self, logs=None):
        self.pruned = False
        self.pruned_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or math.isnan(float(value)):
            return
        self.trial.report(float(value), step=epoch)
        if self.trial.should_prune():
            self.pruned = True
            self.pruned_epoch = epoch
            self.model.stop_training = True


class BestEpochCheckpoint(Callback):
    """Save the weights at the best epoch of `objective` (kept across several `fit`s).

    Also stops training at the first NaN or infinite epoch loss and records
    the epoch in `nan_epoch`, so the tuner can fail the trial.

    Args:
        objective: the `Objective` to watch.
        filepath: a `.weights.safetensors` path.
    """

    def __init__(self, objective, filepath: str):
        super().__init__()
        self.objective = objective
        self.filepath = os.fspath(filepath)
        self.best: float | None = None
        self.best_logs: dict = {}
        self.epochs_run = 0
        self.nan_epoch: int | None = None

    def on_train_begin(self, logs=None):
        self.nan_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_run += 1
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.nan_epoch = epoch
            self.model.stop_training = True
            return
        value = logs.get(self.objective.name)
        if value is None or math.isnan(float(value)):
            return  # a missing objective is reported after `fit`, with what was logged
        if self.objective.better(float(value), self.best):
            self.best = float(value)
            self.best_logs = {k: float(v) for k, v in logs.items()}
            self.model.save_weights(self.filepath, overwrite=True)
