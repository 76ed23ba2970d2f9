"""`OpLayer`: the layer a `kerastorch.ops` function becomes inside a functional graph."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from kerastorch.backend import naming
from kerastorch.layers.layer import Layer

_OPS_PACKAGE = "kerastorch."


class OpLayer(Layer):
    """Runs one `kerastorch.ops` (or `kerastorch.random`) function on its inputs.

    Made by `keras_op` when an op is called on `KerasTensor`s; the op's
    non-tensor arguments (`axis=...`) are part of the recorded call, not of
    the layer.

    Args:
        op: the op function, or its import path such as
            `"kerastorch.ops.numpy_math.add"` (only kerastorch functions load
            from a path, so a saved config cannot import arbitrary code).
    """

    def __init__(self, op: Callable | str, **kwargs):
        if isinstance(op, str):
            op = _op_from_path(op)
        if not callable(op):
            raise TypeError(f"`op` must be a function or its path. Received: op={op!r}")
        name = kwargs.pop("name", None) or naming.auto_name(op.__name__)
        # An op computes in its inputs' dtype, never under the policy's autocast.
        kwargs.setdefault("autocast", False)
        super().__init__(name=name, **kwargs)
        self.op = getattr(op, "__wrapped__", op)

    def call(self, *args, **kwargs):
        # The layer call protocol may pass `training` along; ops take no such argument.
        kwargs.pop("training", None)
        return self.op(*args, **kwargs)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "trainable": self.trainable,
            "op": f"{self.op.__module__}.{self.op.__qualname__}",
        }


def _op_from_path(path: str) -> Callable:
    module_name, _, fn_name = path.rpartition(".")
    if not module_name.startswith(_OPS_PACKAGE):
        raise ValueError(
            f"Only kerastorch ops can be loaded by path. Received: op={path!r}"
        )
    fn = getattr(importlib.import_module(module_name), fn_name, None)
    if fn is None:
        raise ValueError(f"Unknown op: {path!r}.")
    return fn
