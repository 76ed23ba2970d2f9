"""Ops called on `KerasTensor`s (Functional API): record a layer call, infer the shape.

`x = ops.relu(inputs)` on a symbolic `Input` must give a symbolic result the
functional graph can replay. Each op is wrapped by `keras_op`: with real
tensors it runs directly; when a `KerasTensor` appears among its arguments
(top level, or inside a list/tuple argument such as `concatenate`'s), the
call goes through a small `Layer` holding the op, so the layer machinery
records `_keras_history` and infers the output spec on meta tensors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from kerastorch.backend.keras_tensor import KerasTensor


def _has_keras_tensor(values) -> bool:
    for v in values:
        if isinstance(v, KerasTensor):
            return True
        if isinstance(v, (list, tuple)):
            for u in v:
                if isinstance(u, KerasTensor):
                    return True
    return False


def keras_op(fn: Callable) -> Callable:
    """Make `fn` accept `KerasTensor`s as well as real tensors."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _has_keras_tensor(args) or (kwargs and _has_keras_tensor(kwargs.values())):
            # Imported here: the layer machinery is not needed for eager ops.
            from kerastorch.ops._op_layer import OpLayer

            return OpLayer(fn)(*args, **kwargs)
        return fn(*args, **kwargs)

    return wrapper
