"""The only epoch loops: `fit`, `evaluate`, `predict` and the `*_on_batch` calls.

`Model` binds these functions as methods. Everything that can be decided
once (device, data adapter, step function, which callbacks listen to batch
hooks) is decided before the loop, so each step is: fetch, step, dispatch.
"""

from __future__ import annotations

import contextlib
import itertools

import numpy as np
import torch

from kerastorch.callbacks.callback_list import CallbackList
from kerastorch.callbacks.callback_list import _overrides
from kerastorch.callbacks.callback_list import to_python_logs
from kerastorch.callbacks.history import History
from kerastorch.callbacks.progbar_logger import ProgbarLogger
from kerastorch.distribution import runtime
from kerastorch.distribution import trainer_support
from kerastorch.trainers.data_adapters import data_adapter_utils
from kerastorch.trainers.data_adapters import get_data_adapter
from kerastorch.trainers.data_adapters import is_array_data
from kerastorch.trainers.epoch_iterator import EpochIterator
from kerastorch.utils import tree


def _model_device(model) -> torch.device:
    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return torch.device("cpu")


def _resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return int(verbose)


def _check_batch_size(batch_size, x) -> None:
    if batch_size is None:
        return
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}")
    if isinstance(x, torch.utils.data.DataLoader):
        raise ValueError(
            "Do not specify `batch_size` when `x` is a DataLoader: it batches "
            f"itself. Received: batch_size={batch_size}"
        )


def _prepare_for_training(model, device) -> None:
    """Move state that lives outside parameters (metrics, trackers) to `device`."""
    for metric in model.metrics:
        if hasattr(metric, "to") and not hasattr(metric, "metrics"):
            metric.to(device)
    if model._policy_is_mixed and model._dtype_policy.compute_dtype == "float16":
        if model._grad_scaler is None:
            model._grad_scaler = torch.amp.GradScaler(device.type)
    else:
        model._grad_scaler = None


def _build_optimizer(model) -> None:
    optimizer = model.optimizer
    weights = [w for w in model.trainable_weights]
    if not optimizer.built:
        if weights:
            optimizer.build(weights)
        return
    # Weights unfrozen since the last fit join the optimizer (as a new param group).
    known = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if any(id(w) not in known for w in weights):
        optimizer.build(weights)


def _logs_or_metrics(model, logs, dist=None) -> dict:
    """Epoch logs: the metrics' results, unless a custom step returned other keys.

    Distributed (`dist`), they are global: metric states summed over ranks,
    a custom step's own numbers averaged, so every rank's callbacks decide alike.
    """
    metric_logs = (
        dist.global_metrics_result(model) if dist is not None else model.get_metrics_result()
    )
    if isinstance(logs, dict) and set(logs) != set(metric_logs):
        custom = to_python_logs(logs)
        return dist.mean_logs(custom) if dist is not None else custom
    return to_python_logs(metric_logs)


def _stop_everywhere(model, dist) -> None:
    """A stop decided from one rank's batch logs stops every rank (no one waits alone)."""
    flag = torch.tensor([1.0 if model.stop_training else 0.0])
    model.stop_training = bool(runtime.all_reduce_sum(flag).item() > 0)


def _unpack_validation_data(validation_data):
    if isinstance(validation_data, (list, tuple)) and not isinstance(validation_data, dict):
        if len(validation_data) in (2, 3) and is_array_data(validation_data[0]):
            return tuple(validation_data) + (None,) * (3 - len(validation_data))
        raise ValueError(
            "`validation_data` must be a tuple `(x_val, y_val)` or `(x_val, "
            "y_val, val_sample_weight)`, or a dataset/DataLoader/generator. "
            f"Received a {type(validation_data).__name__} of length {len(validation_data)}."
        )
    return validation_data, None, None


def fit(
    self,
    x=None,
    y=None,
    batch_size: int | None = None,
    epochs: int = 1,
    verbose="auto",
    callbacks=None,
    validation_split: float = 0.0,
    validation_data=None,
    shuffle: bool = True,
    class_weight=None,
    sample_weight=None,
    initial_epoch: int = 0,
    steps_per_epoch: int | None = None,
    validation_steps: int | None = None,
    validation_batch_size: int | None = None,
    validation_freq: int = 1,
):
    """Train the model for `epochs` epochs; return a `History`.

    Args mirror Keras's `Model.fit`. `batch_size` defaults to 32 for array
    data; `validation_split` takes the last fraction of the arrays before
    shuffling; `shuffle` reshuffles the samples every epoch.
    """
    self._assert_compiled()
    verbose = _resolve_verbose(verbose)
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"`epochs` must be a non-negative integer. Received: epochs={epochs!r}")
    if not isinstance(initial_epoch, int) or initial_epoch < 0:
        raise ValueError(f"`initial_epoch` must be a non-negative integer. Received: initial_epoch={initial_epoch!r}")
    if not isinstance(validation_freq, int) or validation_freq < 1:
        raise ValueError(f"`validation_freq` must be a positive integer. Received: validation_freq={validation_freq!r}")
    _check_batch_size(batch_size, x)
    dist = trainer_support.setup(self)
    if dist is not None and not dist.is_main:
        verbose = 0  # one progress bar per job
    if validation_split and validation_data is None:
        if not is_array_data(x):
            raise ValueError(
                "`validation_split` is only supported for Tensors or NumPy "
                f"arrays. Received: x of type {type(x).__name__}"
            )
        arrays = (
            data_adapter_utils.to_tensor_structure(x),
            data_adapter_utils.to_tensor_structure(y),
            data_adapter_utils.to_tensor_structure(sample_weight),
        )
        (x, y, sample_weight), validation_data = data_adapter_utils.train_validation_split(
            arrays, validation_split
        )
        if validation_data[1] is None:
            validation_data = (validation_data[0],)
    adapter = get_data_adapter(
        x, y, sample_weight=sample_weight, batch_size=batch_size, shuffle=shuffle, class_weight=class_weight
    )
    if dist is not None:
        adapter = dist.shard(adapter)
    device = dist.place(self) if dist is not None else _model_device(self)
    iterator = EpochIterator(adapter, steps_per_epoch=steps_per_epoch, device=device)

    val_iterator = None
    if validation_data is not None:
        vx, vy, vsw = _unpack_validation_data(validation_data)
        val_adapter = get_data_adapter(
            vx, vy, sample_weight=vsw, batch_size=validation_batch_size or batch_size, shuffle=False
        )
        if dist is not None:
            val_adapter = dist.shard(val_adapter)
        val_iterator = EpochIterator(val_adapter, steps_per_epoch=validation_steps, device=device)

    callbacks = CallbackList(
        callbacks,
        add_history=True,
        add_progbar=verbose != 0,
        model=self,
        verbose=verbose,
        epochs=epochs,
        steps=iterator.num_batches,
    )
    self.stop_training = False
    train_function = self.make_train_function()
    _prepare_for_training(self, device)
    if dist is not None and self.built:
        dist.prepare(self)
    if self.built and self.optimizer is not None:
        _build_optimizer(self)

    _give_callbacks_their_list(callbacks)
    callbacks.on_train_begin()
    # A callback restoring a backup (BackupAndRestore) says where training resumes.
    initial_epoch, initial_step = _resume_point(callbacks, initial_epoch)
    # Decided once per fit, not per step.
    batch_begin = callbacks.wants_batch_logs("on_train_batch_begin")
    batch_end = callbacks.wants_batch_logs("on_train_batch_end")
    # Distributed, a batch callback may stop training (TerminateOnNaN) on one
    # rank's logs: then the flag is agreed on after every step.
    stop_sync = dist is not None and any(
        _overrides(cb, "on_train_batch_end") for cb in callbacks.callbacks if not isinstance(cb, (ProgbarLogger, History))
    )
    optimizer = self.optimizer
    steps_per_execution = self.steps_per_execution
    training_logs = None
    logs = None
    self.train()
    distributed_steps = dist.training(self) if dist is not None else contextlib.nullcontext()
    try:
        with distributed_steps:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                skip = initial_step if epoch == initial_epoch else 0
                if steps_per_execution == 1:
                    for step, batch in iterator.enumerate_epoch(skip=skip):
                        if not optimizer.built:
                            _build_lazily(self, batch)
                        if batch_begin:
                            callbacks.on_train_batch_begin(step)
                        logs = train_function(batch)
                        if batch_end:
                            callbacks.on_train_batch_end(step, logs)
                        if stop_sync:
                            _stop_everywhere(self, dist)
                        if self.stop_training:
                            break
                else:
                    # Fused steps: the batches of an execution are fetched first, then
                    # run back to back with no host sync; callbacks see the last step.
                    for execution in _executions(iterator, steps_per_execution, skip):
                        if not optimizer.built:
                            _build_lazily(self, execution.first)
                        if batch_begin:
                            callbacks.on_train_batch_begin(execution.begin)
                        for batch in execution:
                            logs = train_function(batch)
                        if batch_end:
                            callbacks.on_train_batch_end(execution.end, logs)
                        if stop_sync:
                            _stop_everywhere(self, dist)
                        if self.stop_training:
                            break
                epoch_logs = _logs_or_metrics(self, logs, dist)
                if val_iterator is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = _evaluate_loop(self, val_iterator, callbacks, dist)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                    self.train()
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training or iterator.exhausted:
                    break
    finally:
        self.eval()
    if optimizer is not None and optimizer.built and getattr(optimizer, "use_ema", False):
        # As Keras: with `use_ema=True` the model ends `fit` with the averaged weights.
        optimizer.finalize_variable_values(self.trainable_weights)
    callbacks.on_train_end(logs=training_logs)
    self.history = callbacks._history  # also when no epoch ran (a finished backup)
    return self.history


def _give_callbacks_their_list(callbacks: CallbackList) -> None:
    """Callbacks that save the others' state (BackupAndRestore) get the full list."""
    for cb in callbacks.callbacks:
        if hasattr(cb, "_set_callbacks"):
            cb._set_callbacks(callbacks.callbacks)


def _resume_point(callbacks: CallbackList, initial_epoch: int) -> tuple[int, int]:
    """`(epoch, step)` to start at: a callback's `_resume_point`, else `(initial_epoch, 0)`."""
    for cb in callbacks.callbacks:
        point = getattr(cb, "_resume_point", None)
        if point is not None:
            return point
    return initial_epoch, 0


def _build_lazily(model, batch) -> None:
    """First batch of an unbuilt model: build its layers, then the optimizer."""
    from kerastorch.trainers.step import unpack_x_y_sample_weight

    if not model.built or not model.trainable_weights:
        x, _, _ = unpack_x_y_sample_weight(batch)
        with torch.no_grad():
            model(x, training=False)
    dist = model.__dict__.get("_distributed")
    if dist is not None:  # DDP/FSDP once the weights exist, before the optimizer sees them
        dist.prepare(model)
    _build_optimizer(model)
    if not model.optimizer.built:
        raise ValueError(
            f"Model '{model.name}' has no trainable weights to optimize."
        )


# Batches of an execution fetched before it runs, at most this many bytes on
# the CPU: a burst of batch slicing then steps is faster for small batches
# (9% on bench_fit's tiny MLP), but 32 MLP batches of 400 KB evict each
# other from the cache (lazy fetching is 6% faster there).
_CPU_FETCH_AHEAD_BYTES = 2**21


def _executions(iterator: EpochIterator, size: int, skip: int = 0):
    """The epoch's steps in runs of `size` (the last may be shorter): `_Execution`s.

    Batches copied to a device are fetched for the whole run before it
    starts, so their copies are queued ahead of the steps; so are small
    batches already in place (CPU training). Larger ones are drawn as the
    run goes (see `_CPU_FETCH_AHEAD_BYTES`).
    """
    pairs = iterator.enumerate_epoch(skip=skip)
    ahead = None
    for first in pairs:
        if ahead is None:
            ahead = iterator._needs_copy or (
                _nbytes(first[1]) * size <= _CPU_FETCH_AHEAD_BYTES
            )
        execution = _Execution(first, pairs, size)
        if ahead:
            execution.fetch_all()
        yield execution
        for _ in execution:  # the rest of a run left unfinished (a `break`)
            pass


def _nbytes(batch) -> int:
    return sum(t.nbytes for t in tree.flatten(batch) if isinstance(t, torch.Tensor))


class _Execution:
    """Up to `size` consecutive batches of an epoch.

    `begin` and `first` (the first batch) are known from the start; `end`
    and `count` once the run has been iterated.
    """

    def __init__(self, first, pairs, size: int):
        self.begin, self.first = first
        self.end = self.begin
        self._pairs = pairs
        self._size = size
        self._batches = None
        self._iterator = None
        self.count = 0

    def fetch_all(self) -> None:
        self._batches = [self.first]
        for step, batch in itertools.islice(self._pairs, self._size - 1):
            self._batches.append(batch)
            self.end = step

    def __iter__(self):
        """One iterator per run: iterating again goes on where the last loop stopped."""
        if self._iterator is None:
            self._iterator = self._run()
        return self._iterator

    def _run(self):
        if self._batches is not None:
            self.count = len(self._batches)
            yield from self._batches
            return
        self.count = 1
        yield self.first
        for step, batch in itertools.islice(self._pairs, self._size - 1):
            self.end = step
            self.count += 1
            yield batch


def _evaluate_loop(model, iterator: EpochIterator, callbacks: CallbackList, dist=None) -> dict:
    test_function = model.make_test_function()
    model.eval()
    model.reset_metrics()
    callbacks.on_test_begin()
    logs = None
    for execution in _executions(iterator, model.steps_per_execution):
        callbacks.on_test_batch_begin(execution.begin)
        for batch in execution:
            logs = test_function(batch)
        callbacks.on_test_batch_end(execution.end, logs)
    logs = _logs_or_metrics(model, logs, dist)
    callbacks.on_test_end(logs)
    return logs


def evaluate(
    self,
    x=None,
    y=None,
    batch_size: int | None = None,
    verbose="auto",
    sample_weight=None,
    steps: int | None = None,
    callbacks=None,
    return_dict: bool = False,
    **kwargs,
):
    """Loss and metrics on the data; a scalar, a list (`metrics_names` order) or a dict."""
    self._assert_compiled()
    if kwargs:
        raise ValueError(f"Arguments not recognized by `evaluate`: {sorted(kwargs)}")
    verbose = _resolve_verbose(verbose)
    _check_batch_size(batch_size, x)
    dist = trainer_support.setup(self)
    if dist is not None and not dist.is_main:
        verbose = 0
    adapter = get_data_adapter(x, y, sample_weight=sample_weight, batch_size=batch_size, shuffle=False)
    if dist is not None:
        adapter = dist.shard(adapter)
    device = dist.place(self) if dist is not None else _model_device(self)
    iterator = EpochIterator(adapter, steps_per_epoch=steps, device=device)
    callbacks = CallbackList(
        callbacks,
        add_progbar=verbose != 0,
        model=self,
        verbose=verbose,
        epochs=1,
        steps=iterator.num_batches,
    )
    _prepare_for_training(self, device)
    logs = _evaluate_loop(self, iterator, callbacks, dist)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(self, x, batch_size: int | None = None, verbose="auto", steps: int | None = None, callbacks=None):
    """The model's outputs on `x`, as numpy arrays concatenated over batches."""
    verbose = _resolve_verbose(verbose)
    _check_batch_size(batch_size, x)
    dist = trainer_support.setup(self)
    if dist is not None:
        if not dist.is_main:
            verbose = 0
        if is_array_data(x):
            # Each rank predicts a contiguous share; all ranks get the whole result.
            x = data_adapter_utils.to_tensor_structure(x)
            rows = dist.local_slice(data_adapter_utils.check_data_cardinality((x, None, None)))
            local = tree.map_structure(lambda t: t[rows], x)
            result = None
            if rows.stop > rows.start:
                result = _predict(self, local, batch_size, verbose, steps, callbacks, dist.place(self))
            return dist.gather(result)
    return _predict(self, x, batch_size, verbose, steps, callbacks, _model_device(self))


def _predict(self, x, batch_size, verbose, steps, callbacks, device):
    adapter = get_data_adapter(x, batch_size=batch_size, shuffle=False)
    iterator = EpochIterator(adapter, steps_per_epoch=steps, device=device)
    callbacks = CallbackList(
        callbacks,
        add_progbar=verbose != 0,
        model=self,
        verbose=verbose,
        epochs=1,
        steps=iterator.num_batches,
    )
    predict_function = self.make_predict_function()
    self.eval()
    callbacks.on_predict_begin()
    outputs = []
    wants_outputs = callbacks.wants_batch_logs("on_predict_batch_end")
    for execution in _executions(iterator, self.steps_per_execution):
        callbacks.on_predict_batch_begin(execution.begin)
        for batch in execution:
            outputs.append(predict_function(batch))
        if wants_outputs:
            # The outputs of the execution's steps, concatenated, as Keras passes them.
            chunk = outputs[-execution.count :]
            batch_outputs = chunk[0] if len(chunk) == 1 else _concatenate_tensors(chunk)
            callbacks.on_predict_batch_end(execution.end, {"outputs": batch_outputs})
    callbacks.on_predict_end()
    return _concatenate_outputs(outputs)


def _concatenate_tensors(outputs: list):
    flat = [tree.flatten(o) for o in outputs]
    merged = [torch.cat([batch[i] for batch in flat]) for i in range(len(flat[0]))]
    return tree.pack_sequence_as(outputs[0], merged)


def _concatenate_outputs(outputs: list):
    if not outputs:
        raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs).")
    flat = [tree.flatten(o) for o in outputs]
    merged = [
        torch.cat([batch[i] for batch in flat]).detach().cpu().numpy()
        if isinstance(flat[0][i], torch.Tensor)
        else np.concatenate([np.asarray(batch[i]) for batch in flat])
        for i in range(len(flat[0]))
    ]
    return tree.pack_sequence_as(outputs[0], merged)


def _single_batch(model, x, y=None, sample_weight=None, class_weight=None):
    device = _model_device(model)
    x = data_adapter_utils.to_tensor_structure(x)
    y = data_adapter_utils.to_tensor_structure(y)
    sample_weight = data_adapter_utils.to_tensor_structure(sample_weight)
    if class_weight is not None:
        if sample_weight is not None:
            raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
        sample_weight = data_adapter_utils.class_weight_to_sample_weight(y, class_weight)
    data_adapter_utils.check_data_cardinality((x, y, sample_weight))
    data = tuple(part for part in (x, y, sample_weight) if part is not None)
    if y is None and sample_weight is not None:
        data = (x, None, sample_weight)
    if device.type != "cpu":
        data = tree.map_structure(lambda t: t.to(device) if isinstance(t, torch.Tensor) else t, data)
    return data


def _format_logs(model, logs, return_dict: bool):
    logs = _logs_or_metrics(model, logs)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
    """One optimizer step on one batch; returns the (running) metrics."""
    self._assert_compiled()
    data = _single_batch(self, x, y, sample_weight, class_weight)
    train_function = self.make_train_function()
    _prepare_for_training(self, _model_device(self))
    if not self.optimizer.built:
        _build_lazily(self, data)
    self.train()
    try:
        logs = train_function(data)
    finally:
        self.eval()
    return _format_logs(self, logs, return_dict)


def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
    """Loss and metrics on one batch, without updating the weights."""
    self._assert_compiled()
    data = _single_batch(self, x, y, sample_weight)
    _prepare_for_training(self, _model_device(self))
    self.eval()
    logs = self.make_test_function()(data)
    return _format_logs(self, logs, return_dict)


def predict_on_batch(self, x):
    """The model's outputs on one batch, as numpy arrays."""
    data = _single_batch(self, x)
    self.eval()
    outputs = self.make_predict_function()(data)
    return tree.map_structure(
        lambda t: t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t, outputs
    )
