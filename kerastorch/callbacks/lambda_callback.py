"""LambdaCallback: a callback made of plain functions."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from kerastorch.callbacks.callback import Callback

HOOKS = tuple(
    name
    for name in vars(Callback)
    if name.startswith("on_") and callable(vars(Callback)[name])
)


class LambdaCallback(Callback):
    """A callback built from functions, for simple custom callbacks on the fly.

    The functions take positional arguments:

    - `on_epoch_begin`, `on_epoch_end`: `(epoch, logs)`
    - `on_train_begin`, `on_train_end`: `(logs)`
    - `on_train_batch_begin`, `on_train_batch_end`: `(batch, logs)`
    - any other hook of `Callback`, passed by name (e.g. `on_test_end`,
      `on_predict_batch_end`, `on_batch_end`): the same arguments as that hook.

    Args:
        on_epoch_begin: called at the start of every epoch. Defaults to `None`.
        on_epoch_end: called at the end of every epoch. Defaults to `None`.
        on_train_begin: called at the start of training. Defaults to `None`.
        on_train_end: called at the end of training. Defaults to `None`.
        on_train_batch_begin: called before every training batch.
            Defaults to `None`.
        on_train_batch_end: called after every training batch.
            Defaults to `None`.
        **kwargs: any other `Callback` hook, as `hook_name=function`.

    Example:

    ```python
    batch_print_callback = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: print(batch)
    )
    model.fit(x, y, callbacks=[batch_print_callback])
    ```
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **kwargs: Callable,
    ):
        functions = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, fn in kwargs.items():
            if name not in HOOKS:
                matches = difflib.get_close_matches(name, HOOKS)
                hint = (
                    f" Did you mean: {', '.join(repr(m) for m in matches)}?"
                    if matches
                    else ""
                )
                raise ValueError(
                    f"LambdaCallback got an unknown hook: {name!r}.{hint} "
                    f"Known hooks: {', '.join(HOOKS)}"
                )
            functions[name] = fn
        functions = {name: fn for name, fn in functions.items() if fn is not None}
        for name, fn in functions.items():
            if not callable(fn):
                raise TypeError(
                    f"LambdaCallback hooks must be functions. Received: {name}={fn!r}"
                )
        super().__init__()
        # Instance attributes shadow the class's hooks (CallbackList looks at
        # the instance too, so batch hooks given here are called).
        self.__dict__.update(functions)
