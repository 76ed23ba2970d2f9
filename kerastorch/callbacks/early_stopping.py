"""EarlyStopping: stop `fit` when a monitored quantity has stopped improving."""

from __future__ import annotations

import torch

from kerastorch.callbacks import monitor_utils
from kerastorch.callbacks.callback import Callback


class EarlyStopping(Callback):
    """Stop training when a monitored metric has stopped improving.

    At the end of every epoch the callback reads `logs[monitor]`; after
    `patience` epochs without an improvement larger than `min_delta` it sets
    `model.stop_training = True`.

    Args:
        monitor: quantity to watch. Defaults to `"val_loss"`.
        min_delta: minimum change that counts as an improvement (its absolute
            value is used). Defaults to `0`.
        patience: number of epochs with no improvement after which training
            stops. Defaults to `0`.
        verbose: 0 is silent, 1 prints a message when the callback acts.
            Defaults to `0`.
        mode: `"min"`, `"max"` or `"auto"` (a loss is minimized; a metric is
            maximized or minimized as its kind says, e.g. accuracy goes up).
            Defaults to `"auto"`.
        baseline: a value to beat. While no epoch improves on it, the wait
            counter is not reset, so training stops after `patience` epochs.
            Defaults to `None`.
        restore_best_weights: at the end of training, put back the weights of
            the epoch with the best monitored value (kept as on-device copies).
            Defaults to `False`.
        start_from_epoch: number of warm-up epochs not monitored. Defaults
            to `0`.

    After training, `stopped_epoch` is the epoch at which it stopped (0 if
    it did not), `best` the best value seen, `best_epoch` its epoch and
    `best_weights` the saved tensors (with `restore_best_weights`).

    Example:

    ```python
    callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    history = model.fit(x, y, epochs=10, callbacks=[callback])
    ```
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        monitor_utils.check_monitor(monitor, "EarlyStopping")
        monitor_utils.check_number("min_delta", min_delta)
        monitor_utils.check_number("patience", patience, 0, integer=True)
        monitor_utils.check_mode(mode, "EarlyStopping")
        if baseline is not None:
            monitor_utils.check_number("baseline", baseline)
        monitor_utils.check_number(
            "start_from_epoch", start_from_epoch, 0, integer=True
        )
        super().__init__()
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.direction: str | None = (
            None  # "min" or "max", fixed at the first epoch end
        )
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float | None = None
        self.best_epoch = 0
        self.best_weights: list[torch.Tensor] | None = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.direction is None:
            # Decided here, once the model's metrics are built.
            self.direction = monitor_utils.resolve_mode(
                self.mode, self.monitor, self.model, "EarlyStopping"
            )
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        self.wait += 1
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self._save_weights()
            # The wait restarts only when both the best and the baseline are beaten.
            if self.baseline is None or self._improves(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}.",
                    flush=True,
                )
            with torch.no_grad():
                for weight, saved in zip(self.model.weights, self.best_weights):
                    weight.copy_(saved)

    def get_monitor_value(self, logs: dict | None) -> float | None:
        """`logs[monitor]`, or `None` (with a warning) when it is missing."""
        return monitor_utils.get_monitor_value(logs, self.monitor, "Early stopping")

    def _improves(self, current: float, reference: float | None) -> bool:
        return monitor_utils.is_improvement(
            current, reference, self.direction, self.min_delta
        )

    def _save_weights(self) -> None:
        # Copies stay on the weights' device: no host round trip per epoch.
        with torch.no_grad():
            self.best_weights = [w.detach().clone() for w in self.model.weights]
