"""ReduceLROnPlateau: lower the learning rate when a metric stops improving."""

from __future__ import annotations

import warnings

from kerastorch.callbacks import monitor_utils
from kerastorch.callbacks.callback import Callback
from kerastorch.utils.warnings import KerasTorchWarning


class ReduceLROnPlateau(Callback):
    """Reduce the learning rate when a metric has stopped improving.

    After `patience` epochs without an improvement larger than `min_delta`,
    the optimizer's learning rate becomes `max(lr * factor, min_lr)` (the
    torch optimizer's param groups change with it). Each epoch's logs get a
    `learning_rate` entry: the rate the epoch trained with.

    Args:
        monitor: quantity to watch. Defaults to `"val_loss"`.
        factor: the learning rate is multiplied by it, in `[0, 1)`.
            Defaults to `0.1`.
        patience: number of epochs with no improvement after which the
            learning rate is reduced. Defaults to `10`.
        verbose: 0 is silent, 1 prints a message at each reduction.
            Defaults to `0`.
        mode: `"min"`, `"max"` or `"auto"` (a loss is minimized; a metric is
            maximized or minimized as its kind says; an unknown name is
            minimized unless it contains `"acc"`). Defaults to `"auto"`.
        min_delta: minimum change that counts as an improvement.
            Defaults to `1e-4`.
        cooldown: number of epochs to wait after a reduction before counting
            epochs without improvement again. Defaults to `0`.
        min_lr: lower bound on the learning rate. Defaults to `0.0`.

    Example:

    ```python
    reduce_lr = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.2, patience=5, min_lr=0.001
    )
    model.fit(x_train, y_train, validation_split=0.2, callbacks=[reduce_lr])
    ```
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs,
    ):
        monitor_utils.check_monitor(monitor, "ReduceLROnPlateau")
        monitor_utils.check_number("factor", factor, 0)
        if factor >= 1.0:
            raise ValueError(
                "ReduceLROnPlateau does not support a factor >= 1.0. "
                f"Received: factor={factor}"
            )
        monitor_utils.check_number("patience", patience, 0, integer=True)
        monitor_utils.check_mode(mode, "ReduceLROnPlateau")
        monitor_utils.check_number("min_delta", min_delta)
        monitor_utils.check_number("cooldown", cooldown, 0, integer=True)
        monitor_utils.check_number("min_lr", min_lr, 0)
        if kwargs:
            # Keras 3 accepts and ignores extra keyword arguments (Keras 2 names).
            warnings.warn(
                f"ReduceLROnPlateau ignores the arguments {sorted(kwargs)}.",
                KerasTorchWarning,
                stacklevel=2,
            )
        super().__init__()
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.cooldown = cooldown
        self.min_lr = float(min_lr)
        self.direction: str | None = (
            None  # "min" or "max", fixed at the first epoch end
        )
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self) -> bool:
        """Whether the callback is waiting out `cooldown` after a reduction."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            logs = {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        if self.direction is None:
            self.direction = monitor_utils.resolve_mode(
                self.mode, self.monitor, self.model, "ReduceLROnPlateau", default="min"
            )
        current = monitor_utils.get_monitor_value(
            logs, self.monitor, "Learning rate reduction"
        )
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if monitor_utils.is_improvement(
            current, self.best, self.direction, self.min_delta
        ):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old_lr = float(optimizer.learning_rate)
        if old_lr > self.min_lr:
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning "
                    f"rate to {new_lr}.",
                    flush=True,
                )
            self.cooldown_counter = self.cooldown
            self.wait = 0
