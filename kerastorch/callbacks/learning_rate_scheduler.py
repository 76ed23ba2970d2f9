"""LearningRateScheduler: set the learning rate from a function of the epoch."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable

import numpy as np
import torch

from kerastorch.callbacks.callback import Callback


def _as_learning_rate(value) -> float | None:
    """`value` as a float if it is a real number (a one-element tensor or array counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value) if value.is_floating_point() else None
    if isinstance(value, np.ndarray) and value.size == 1:
        return float(value) if np.issubdtype(value.dtype, np.floating) else None
    return None


def _takes_learning_rate(schedule: Callable) -> bool:
    """Whether `schedule` can be called as `schedule(epoch, lr)` (else `schedule(epoch)`)."""
    try:
        inspect.signature(schedule).bind(0, 0.0)
    except TypeError:
        return False
    except ValueError:  # no signature available (some builtins): assume the new API
        return True
    return True


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch from `schedule(epoch, lr)`.

    Each epoch's logs get a `learning_rate` entry with the rate it trained with.

    Args:
        schedule: a function taking the epoch index (from 0) and the current
            learning rate (a float) and returning the new learning rate (a
            float). A function taking only the epoch is accepted too.
        verbose: 0 is silent, 1 prints the rate set at each epoch.
            Defaults to `0`.

    Example:

    ```python
    def scheduler(epoch, lr):
        return lr if epoch < 10 else lr * math.exp(-0.1)

    callback = keras.callbacks.LearningRateScheduler(scheduler)
    model.fit(x, y, epochs=15, callbacks=[callback])
    ```
    """

    def __init__(self, schedule: Callable, verbose: int = 0):
        if not callable(schedule):
            raise TypeError(
                "`schedule` must be a function `schedule(epoch, lr) -> new_lr`. "
                f"Received: schedule={schedule!r}"
            )
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose
        self._two_args = _takes_learning_rate(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        if self._two_args:
            value = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            value = self.schedule(epoch)
        learning_rate = _as_learning_rate(value)
        if learning_rate is None:
            raise ValueError(
                "The output of the `schedule` function should be a float. "
                f"Received: {value!r} (of type {type(value).__name__}) at epoch {epoch}"
            )
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning "
                f"rate to {learning_rate}.",
                flush=True,
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
