"""Callback: hooks called by `fit`, `evaluate` and `predict`."""

from __future__ import annotations

import torch


class Callback:
    """Base class for callbacks. Override the hooks you need.

    `fit`, `evaluate` and `predict` call the hooks at each stage. Inside a
    hook, `self.model` is the model (change `self.model.stop_training` or
    `self.model.optimizer.learning_rate` to steer training) and `self.params`
    holds `epochs`, `steps` and `verbose`. Logs are dicts of Python floats:
    epoch logs hold the epoch's metrics (validation ones prefixed `val_`),
    batch-end logs the running metrics of the epoch so far.

    With `compile(steps_per_execution=N)`, batch hooks see every Nth batch.

    Example:

    ```python
    class CountBatches(kerastorch.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            if logs["loss"] < 0.01:
                self.model.stop_training = True
    ```
    """

    def __init__(self):
        self.params: dict = {}
        self._model = None

    def set_params(self, params: dict) -> None:
        """Set `self.params` (`epochs`, `steps`, `verbose`); called by the trainer."""
        self.params = params

    def set_model(self, model) -> None:
        """Set the model the hooks see as `self.model`; called by the trainer."""
        self._model = model

    @property
    def model(self):
        """The model. A `DistributedDataParallel` wrapper is looked through."""
        if isinstance(self._model, torch.nn.parallel.DistributedDataParallel):
            return self._model.module
        return self._model

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Alias of `on_train_batch_begin` kept for older code."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Alias of `on_train_batch_end` kept for older code."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of each training epoch (`epoch` counts from 0)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of each training epoch, after validation.

        `logs` holds the epoch's metrics and, when validation ran, the
        validation metrics prefixed with `val_`. Callbacks may add keys
        (e.g. `learning_rate`); callbacks later in the list see them.
        """

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each training batch of `fit` (calls `on_batch_begin`)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each training batch with the running metrics (calls `on_batch_end`)."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each batch of `evaluate`, and of validation in `fit`."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each batch of `evaluate` or validation, with running metrics."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each batch of `predict`."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each batch of `predict`; `logs["outputs"]` holds the batch outputs."""

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once at the start of `fit`. Reset per-run state here."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once at the end of `fit` with the last epoch's logs."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `evaluate` and of each validation run."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """Called at the end of `evaluate` or validation with its metrics."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `predict`."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called at the end of `predict`."""
