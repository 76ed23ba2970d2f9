"""BackupAndRestore: resume a killed `fit` exactly where its last backup left it."""

from __future__ import annotations

import contextlib
import json
import os
import random

import numpy as np
import torch

from kerastorch.callbacks.callback import Callback
from kerastorch.callbacks.early_stopping import EarlyStopping
from kerastorch.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from kerastorch.distribution import is_main_process

BACKUP_FILENAME = "training_state.safetensors"
BACKUP_FORMAT = "kerastorch.backup"

# Callbacks of this package whose counters matter for resuming, read by attribute.
# Any other callback takes part by defining `get_state()` / `set_state(state)`.
_STATE_ATTRIBUTES = {
    EarlyStopping: ("wait", "stopped_epoch", "best", "best_epoch", "best_weights", "direction"),
    ReduceLROnPlateau: ("wait", "cooldown_counter", "best", "direction"),
}


class BackupAndRestore(Callback):
    """Back up the training state, so that a killed `fit` resumes where it was.

    Rerunning the same script with the same callback after a crash restores
    the model weights, the optimizer state (with `iterations`, hence the
    learning-rate schedule position), the metric states of the partial
    epoch, the state of the other callbacks and the random number generators
    (torch, numpy, Python `random`), and `fit` resumes at the saved epoch and
    step. With in-memory arrays, the interrupted epoch's shuffling is replayed
    and the batches already done are skipped, so on CPU the resumed run ends
    with the same weights as an uninterrupted one.

    The backup is one file, `backup_dir/training_state.safetensors`, replaced
    atomically at each save; only the main process writes. A backup made at
    the end of an epoch is written when the next epoch begins, once every
    callback has seen the epoch's end.

    Other callbacks' state is saved when they define `get_state()` (returning
    a nest of tensors and plain values) and `set_state(state)`;
    `EarlyStopping` and `ReduceLROnPlateau` are handled by their attributes.
    Batch-level state of other callbacks is saved as of the backup's batch.

    Args:
        backup_dir: folder for the backup, on storage that survives the crash.
        save_freq: `"epoch"` to back up at each epoch, or an integer `N` to
            back up every `N` training batches. Defaults to `"epoch"`.
        delete_checkpoint: whether to delete the backup when `fit` ends
            normally. Defaults to `True`.

    Example:

    ```python
    callback = kerastorch.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    model.fit(x, y, epochs=10, callbacks=[callback])  # killed during epoch 4
    model.fit(x, y, epochs=10, callbacks=[callback])  # resumes in epoch 4
    ```
    """

    def __init__(self, backup_dir: str, save_freq="epoch", delete_checkpoint: bool = True):
        if isinstance(backup_dir, os.PathLike):
            backup_dir = os.fspath(backup_dir)
        if not isinstance(backup_dir, str) or not backup_dir:
            raise ValueError(
                "`backup_dir` must be a non-empty string (a folder path). "
                f"Received: backup_dir={backup_dir!r}"
            )
        if save_freq != "epoch" and (
            not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq <= 0
        ):
            raise ValueError(
                "`save_freq` must be 'epoch' or a positive integer (a number of "
                f"batches). Received: save_freq={save_freq!r}"
            )
        super().__init__()
        self.backup_dir = backup_dir
        self.save_freq = save_freq
        self.delete_checkpoint = bool(delete_checkpoint)
        self._file = os.path.join(backup_dir, BACKUP_FILENAME)
        self._callbacks: list[Callback] = []
        self._resume_point: tuple[int, int] | None = None  # read by the trainer
        self._pending: dict | None = None  # a loaded backup not applied yet
        self._epoch = 0
        self._start_epoch = 0
        self._epoch_rng: dict | None = None
        self._batches_since_save = 0

    # --- hooks ------------------------------------------------------------------------

    def _set_callbacks(self, callbacks: list[Callback]) -> None:
        """The fit's callbacks (whose state is backed up); set by the trainer."""
        self._callbacks = [cb for cb in callbacks if cb is not self]

    def _wants_batch_hooks(self, hook: str) -> bool:
        if hook == "on_train_batch_begin":  # only to apply a backup being resumed
            return os.path.exists(self._file)
        if hook == "on_train_batch_end":
            return self.save_freq != "epoch"
        return False

    def on_train_begin(self, logs=None):
        self._resume_point = None
        self._pending = None
        self._batches_since_save = 0
        if os.path.exists(self._file):
            self._pending = _read_backup(self._file)
            self._resume_point = (self._pending["epoch"], self._pending["step"])
        self._start_epoch = self._resume_point[0] if self._resume_point else None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if self._pending is not None and epoch == self._pending["epoch"]:
            # Replay the epoch's shuffling: back to the generators' state at its start.
            _set_rng_state(self._pending["epoch_rng"])
            self._epoch_rng = self._pending["epoch_rng"]
            return
        self._epoch_rng = _get_rng_state()
        if self._start_epoch is None:
            self._start_epoch = epoch  # a fresh run: nothing to back up yet
        elif epoch > self._start_epoch:
            self._save(epoch, 0)

    def on_train_batch_begin(self, batch, logs=None):
        if self._pending is not None:
            self._restore(self._pending)
            self._pending = None

    def on_train_batch_end(self, batch, logs=None):
        self._batches_since_save += 1
        if self._batches_since_save < self.save_freq:
            return
        steps = self.params.get("steps")
        if steps is not None and batch + 1 >= steps:
            return  # the epoch's last batch: backed up when the next epoch begins
        self._save(self._epoch, batch + 1)

    def on_train_end(self, logs=None):
        self._resume_point = None
        finished_backup = self._pending is not None
        if finished_backup:  # no batch left to run: the model still gets the backup's state
            self._restore(self._pending)
            self._pending = None
        if self.delete_checkpoint:
            if is_main_process():
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self._file)
        elif not finished_backup:
            self._save(self._epoch + 1, 0)

    # --- saving and restoring -----------------------------------------------------------

    def _save(self, epoch: int, step: int) -> None:
        from kerastorch.saving.weights_io import model_state

        self._batches_since_save = 0
        model = self.model
        optimizer = model.optimizer
        rng = _get_rng_state()
        state = {
            "weights": model_state(model)[0],
            "optimizer": optimizer.state_dict() if optimizer is not None else None,
            "metrics": [[v.detach() for v in _variables(m)] for m in model.metrics],
            "callbacks": [_callback_state(cb) for cb in self._callbacks],
            # At an epoch's start both are the same; mid-epoch, the first replays
            # the epoch's shuffling, the second continues from the backup's batch.
            "epoch_rng": rng if step == 0 else self._epoch_rng,
            "rng": rng,
        }
        _write_backup(self._file, state, epoch, step)

    def _restore(self, state: dict) -> None:
        from kerastorch.saving.optimizer_state import restore_optimizer_state
        from kerastorch.saving.weights_io import load_state
        from kerastorch.saving.weights_io import weights_metadata

        model = self.model
        saved = state["weights"]  # by key, else by position (auto-named layers differ)
        load_state(model, saved, weights_metadata(saved, {}), False, f"'{self._file}'")
        if state["optimizer"] is not None and model.optimizer is not None:
            restore_optimizer_state(
                model.optimizer, state["optimizer"], model.trainable_weights, self._file
            )
        for metric, saved in zip(model.metrics, state["metrics"]):
            _restore_metric(metric, saved)
        for cb, saved in zip(self._callbacks, state["callbacks"]):
            _set_callback_state(cb, saved)
        if state["step"] > 0:  # (at step 0, on_epoch_begin set them before the shuffle)
            _set_rng_state(state["rng"])


# --- the backup file --------------------------------------------------------------------


def _write_backup(filepath: str, state: dict, epoch: int, step: int) -> None:
    from kerastorch.saving.atomic_io import write_from_main_process
    from kerastorch.saving.optimizer_state import encode_nested
    from kerastorch.saving.weights_io import tensors_to_bytes

    tensors: dict[str, torch.Tensor] = {}
    structure = encode_nested(state, "", tensors)
    metadata = {
        "format": BACKUP_FORMAT,
        "epoch": str(epoch),
        "step": str(step),
        "structure": json.dumps(structure),
    }
    # Every rank waits: no rank reads a backup rank 0 is still writing.
    write_from_main_process(filepath, tensors_to_bytes(tensors, metadata))


def _read_backup(filepath: str) -> dict:
    from kerastorch.saving.optimizer_state import decode_nested
    from kerastorch.saving.weights_io import read_file_bytes
    from kerastorch.saving.weights_io import read_safetensors

    source = f"'{filepath}'"
    tensors, metadata = read_safetensors(read_file_bytes(filepath, "backup"), source)
    if metadata.get("format") != BACKUP_FORMAT or "structure" not in metadata:
        raise ValueError(f"{source} is not a kerastorch BackupAndRestore backup.")
    state = decode_nested(json.loads(metadata["structure"]), tensors)
    state["epoch"] = int(metadata["epoch"])
    state["step"] = int(metadata["step"])
    return state


# --- metrics and callbacks --------------------------------------------------------------


def _variables(metric) -> list[torch.Tensor]:
    return list(getattr(metric, "variables", []))


def _assign(variables, saved) -> None:
    with torch.no_grad():
        for v, s in zip(variables, saved):
            v.copy_(s)


def _restore_metric(metric, saved: list) -> None:
    variables = _variables(metric)
    if len(variables) == len(saved):
        _assign(variables, saved)
        return
    if not saved or not hasattr(metric, "build"):
        return
    # A metric container built at its first update (compiled metrics): the saved
    # state goes in right after that build, before the update adds the batch.
    build = metric.build

    def build_then_restore(*args, **kwargs):
        del metric.build
        build(*args, **kwargs)
        _assign(_variables(metric), saved)

    metric.build = build_then_restore


def _callback_state(cb: Callback):
    if hasattr(cb, "get_state"):
        return cb.get_state()
    for cls, names in _STATE_ATTRIBUTES.items():
        if isinstance(cb, cls):
            return {name: getattr(cb, name) for name in names}
    return None


def _set_callback_state(cb: Callback, state) -> None:
    if state is None:
        return
    if hasattr(cb, "set_state"):
        cb.set_state(state)
        return
    for name, value in state.items():
        if name == "best_weights" and value is not None:
            value = [t.to(w.device) for t, w in zip(value, cb.model.weights)]
        setattr(cb, name, value)


# --- random number generators -------------------------------------------------------------


def _get_rng_state() -> dict:
    _, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state(("MT19937", keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
