"""CallbackList: dispatches each hook to every callback, cheaply when nobody listens."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from kerastorch.callbacks.callback import Callback
from kerastorch.callbacks.history import History
from kerastorch.callbacks.progbar_logger import ProgbarLogger

_BATCH_HOOKS = (
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


def to_python_logs(logs) -> dict:
    """`{name: tensor}` → `{name: float}` (one host sync per value)."""
    if logs is None:
        return {}
    out = {}
    for k, v in logs.items():
        if isinstance(v, torch.Tensor):
            out[k] = float(v) if v.numel() == 1 else v.detach().cpu().numpy()
        else:
            out[k] = v
    return out


def _overrides(cb: Callback, hook: str) -> bool:
    """Whether `cb` overrides batch `hook` (or its `on_batch_*` alias).

    Either its class defines the hook, or the instance holds it as an
    attribute (as `LambdaCallback` does, like Keras's).
    """

    def defines(name: str) -> bool:
        return name in vars(cb) or getattr(type(cb), name) is not getattr(Callback, name)

    if defines(hook):
        return True
    alias = _BATCH_ALIASES.get(hook)
    return alias is not None and defines(alias)


_BATCH_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class CallbackList(Callback):
    """A container calling every hook on each of its callbacks, in order.

    Args:
        callbacks: list of `Callback`s.
        add_history: append a `History` if none is given.
        add_progbar: append a `ProgbarLogger` if none is given.
        model: the model the callbacks see.
        **params: `epochs`, `steps`, `verbose`, ... for `set_params`.
    """

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False, model=None, **params):
        super().__init__()
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback) or not isinstance(callbacks, (list, tuple)):
            raise TypeError(
                "`callbacks` must be a list of Callback instances. "
                f"Received: callbacks={callbacks!r}"
            )
        callbacks = list(callbacks)
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    "Every callback must be a `kerastorch.callbacks.Callback` "
                    f"instance. Received: {cb!r} (of type {type(cb).__name__})"
                )
        self.callbacks = callbacks
        self._history = next((cb for cb in callbacks if isinstance(cb, History)), None)
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in callbacks):
            self.callbacks.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._refresh_listeners()

    def _refresh_listeners(self) -> None:
        # For each batch hook: callbacks that override it. Those that want Python
        # floats get converted logs; ProgbarLogger reads lazily itself.
        # A callback whose need for a hook depends on its settings (TensorBoard
        # with update_freq="epoch") may define `_wants_batch_hooks(hook) -> bool`;
        # it is asked once here, so declining costs nothing per batch. One with
        # `_raw_batch_logs = True` gets batch logs unconverted (see `_batch`).
        self._listeners = {}
        for hook in _BATCH_HOOKS:
            listeners = [
                cb
                for cb in self.callbacks
                if _overrides(cb, hook)
                and (not hasattr(cb, "_wants_batch_hooks") or cb._wants_batch_hooks(hook))
            ]
            self._listeners[hook] = listeners

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)
        self._refresh_listeners()

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def wants_batch_logs(self, hook: str) -> bool:
        return bool(self._listeners[hook])

    def _batch(self, hook: str, batch: int, logs) -> None:
        listeners = self._listeners[hook]
        if not listeners:
            return
        python_logs = None
        for cb in listeners:
            # Callbacks that read logs only on some batches take them unconverted
            # (tensors, or a lazy mapping) and convert when they do.
            if isinstance(cb, ProgbarLogger) or getattr(cb, "_raw_batch_logs", False):
                getattr(cb, hook)(batch, logs)
            else:
                if python_logs is None:
                    python_logs = to_python_logs(logs)
                getattr(cb, hook)(batch, python_logs)

    def _all(self, hook: str, *args, logs=None) -> None:
        logs = to_python_logs(logs) if isinstance(logs, Mapping) else (logs or {})
        for cb in self.callbacks:
            getattr(cb, hook)(*args, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch("on_predict_batch_end", batch, logs)

    def on_batch_begin(self, batch, logs=None):
        self.on_train_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.on_train_batch_end(batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._all("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._all("on_epoch_end", epoch, logs=logs)

    def on_train_begin(self, logs=None):
        self._all("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._all("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        self._all("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._all("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        self._all("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._all("on_predict_end", logs=logs)
