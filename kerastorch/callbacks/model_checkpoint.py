"""ModelCheckpoint: save the model (or its weights) during training."""

from __future__ import annotations

import math
import os
import warnings

from kerastorch.callbacks import monitor_utils
from kerastorch.callbacks.callback import Callback
from kerastorch.utils.warnings import KerasTorchWarning


class ModelCheckpoint(Callback):
    """Save the model or its weights at some frequency during `fit`.

    `filepath` may hold `str.format` fields filled from the epoch number
    (1-based), the batch number (1-based, with an integer `save_freq`) and
    the logs, e.g. `"ckpt_{epoch:02d}_{val_loss:.2f}.keras"`. Every file is
    written to a temporary name and renamed into place, so an interrupted
    save never leaves a broken checkpoint. In a distributed run only the
    main process writes.

    Args:
        filepath: where to save. Ends in `.keras` for whole models, or in
            `.weights.safetensors` with `save_weights_only=True`.
        monitor: the logged quantity `save_best_only` compares. Defaults to
            `"val_loss"`.
        verbose: 0 is silent, 1 prints a line when the callback saves or
            skips. Defaults to `0`.
        save_best_only: save only when `monitor` improves on the best value
            so far (a `filepath` without fields then always holds the best
            model). Defaults to `False`.
        save_weights_only: save only the weights (`model.save_weights`),
            not the whole model (`model.save`). Defaults to `False`.
        mode: `"min"`, `"max"` or `"auto"` (a loss is minimized; a metric is
            maximized or minimized as its kind says, e.g. accuracy goes up).
            Defaults to `"auto"`.
        save_freq: `"epoch"` saves at the end of every epoch; an integer N
            saves every N batches (logs are then the running batch logs).
            Defaults to `"epoch"`.
        initial_value_threshold: with `save_best_only`, the value `monitor`
            must beat before the first save. Defaults to `None`.

    Example:

    ```python
    checkpoint = keras.callbacks.ModelCheckpoint(
        "best.keras", monitor="val_accuracy", save_best_only=True
    )
    model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[checkpoint])
    model = keras.models.load_model("best.keras")
    ```
    """

    def __init__(
        self,
        filepath,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        initial_value_threshold: float | None = None,
    ):
        filepath = os.fspath(filepath)
        monitor_utils.check_monitor(monitor, "ModelCheckpoint")
        monitor_utils.check_mode(mode, "ModelCheckpoint")
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ValueError(
                "Unrecognized save_freq: expected 'epoch' or a positive integer "
                f"(a number of batches). Received: save_freq={save_freq!r}"
            )
        if initial_value_threshold is not None:
            monitor_utils.check_number("initial_value_threshold", initial_value_threshold)
        _check_filepath(filepath, save_weights_only)
        super().__init__()
        self.filepath = filepath
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.save_freq = save_freq
        # As in Keras, the best value survives across `fit` calls on the same callback.
        self.best: float | None = initial_value_threshold
        self.direction: str | None = None  # "min" or "max", fixed at the first check
        self._current_epoch = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1

    # Batch logs are read only on the batches that save: take them unconverted.
    _raw_batch_logs = True

    def _wants_batch_hooks(self, hook: str) -> bool:
        return hook == "on_train_batch_end" and self.save_freq != "epoch"

    def on_train_begin(self, logs=None):
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            from kerastorch.callbacks.callback_list import to_python_logs

            self._save_model(self._current_epoch, batch, to_python_logs(logs))

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, dict(logs or {}))

    def _should_save_on_batch(self, batch: int) -> bool:
        """Count batches across epochs; True every `save_freq` batches."""
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch started
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: dict) -> None:
        filepath = self._get_file_path(epoch, batch, logs)
        if not self.save_best_only:
            self._print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            self._write(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available, skipping. "
                f"Available metrics are: {','.join(logs)}",
                KerasTorchWarning,
                stacklevel=2,
            )
            return
        current = float(current)
        if self.direction is None:
            # Decided at the first check, once the model's metrics are built.
            self.direction = monitor_utils.resolve_mode(
                self.mode, self.monitor, self.model, "ModelCheckpoint"
            )
        if not math.isnan(current) and monitor_utils.is_improvement(
            current, self.best, self.direction
        ):
            self._print(
                f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                f"{self._best_text()} to {current:.5f}, saving model to {filepath}"
            )
            self.best = current
            self._write(filepath)
        else:
            self._print(
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                f"{self._best_text()}"
            )

    def _write(self, filepath: str) -> None:
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        """`filepath` with its fields filled (epoch and batch 1-based, as in Keras)."""
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". '
                f"Reason: {e} is not a logged value (logged: {sorted(logs)}; "
                "`epoch` always, `batch` with an integer `save_freq`)."
            ) from None

    def _best_text(self) -> str:
        if self.best is not None:
            return f"{self.best:.5f}"
        return "inf" if self.direction == "min" else "-inf"

    def _print(self, message: str) -> None:
        if self.verbose > 0:
            print(message, flush=True)


def _check_filepath(filepath: str, save_weights_only: bool) -> None:
    if save_weights_only:
        if filepath.endswith(".weights.h5"):  # Keras 3's layout, needs h5py
            from kerastorch.saving.keras3 import require_h5py

            require_h5py()
        elif not filepath.endswith(".weights.safetensors"):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the "
                "filepath provided must end in `.weights.safetensors` (kerastorch's "
                "weights format) or `.weights.h5` (Keras 3's). "
                f"Received: filepath={filepath}"
            )
    elif not filepath.endswith(".keras"):
        raise ValueError(
            "The filepath provided must end in `.keras` (the model format). "
            "To save only the weights, pass `save_weights_only=True` and a "
            f"filepath ending in `.weights.safetensors`. Received: filepath={filepath}"
        )
