"""Products and contractions (part of `keras.ops.numpy`): matmul, dot, einsum, ...

Operands of different dtypes are promoted first (torch's matmul needs one
dtype), as numpy and Keras do.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _promoted
from kerastorch.ops.core import convert_to_tensor


def _int_on_accelerator(t: torch.Tensor) -> bool:
    return not (t.is_floating_point() or t.is_complex()) and t.device.type != "cpu"


@keras_op
def matmul(x1, x2) -> torch.Tensor:
    """Matrix product with numpy's broadcasting of leading (batch) axes.

    Example:

    >>> ops.matmul(np.ones((8, 2, 3)), np.ones((3, 4))).shape
    torch.Size([8, 2, 4])
    """
    x1, x2 = _promoted(x1, x2)
    if _int_on_accelerator(x1):
        # CUDA has no integer matmul kernels: compute in float32, as Keras does.
        return torch.matmul(x1.float(), x2.float()).to(x1.dtype)
    return torch.matmul(x1, x2)


@keras_op
def dot(x1, x2) -> torch.Tensor:
    """numpy's `dot`: inner product of vectors, matrix product, or a sum over
    the last axis of `x1` and the second-to-last of `x2`."""
    x1, x2 = _promoted(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    if x2.ndim == 1 or x1.ndim <= 2 and x2.ndim <= 2 or x1.ndim == 1:
        return matmul(x1, x2)
    return torch.tensordot(x1, x2, dims=([x1.ndim - 1], [x2.ndim - 2]))


@keras_op
def vdot(x1, x2) -> torch.Tensor:
    """Dot product of the flattened inputs, conjugating the first."""
    x1, x2 = _promoted(x1, x2)
    return torch.sum(x1.conj().reshape(-1) * x2.reshape(-1))


@keras_op
def inner(x1, x2) -> torch.Tensor:
    """Sum product over the last axes of `x1` and `x2` (numpy's `inner`)."""
    x1, x2 = _promoted(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    return torch.tensordot(x1, x2, dims=([x1.ndim - 1], [x2.ndim - 1]))


@keras_op
def outer(x1, x2) -> torch.Tensor:
    """Outer product of the flattened inputs: shape `(x1.size, x2.size)`."""
    x1, x2 = _promoted(x1, x2)
    return torch.outer(x1.reshape(-1), x2.reshape(-1))


@keras_op
def kron(x1, x2) -> torch.Tensor:
    """Kronecker product."""
    x1, x2 = _promoted(x1, x2)
    return torch.kron(x1, x2)


@keras_op
def einsum(subscripts: str, *operands, **kwargs) -> torch.Tensor:
    """Einstein summation, e.g. `einsum("bij,bjk->bik", a, b)`."""
    if kwargs:
        raise TypeError(f"Unexpected arguments to `einsum`: {sorted(kwargs)}")
    return torch.einsum(subscripts, *_promoted(*operands))


@keras_op
def tensordot(x1, x2, axes=2) -> torch.Tensor:
    """Sum products over `axes`: an int (last N of `x1`, first N of `x2`) or two lists."""
    x1, x2 = _promoted(x1, x2)
    if isinstance(axes, (list, tuple)):
        a, b = axes
        a = [int(i) % x1.ndim for i in (a if isinstance(a, (list, tuple)) else [a])]
        b = [int(i) % x2.ndim for i in (b if isinstance(b, (list, tuple)) else [b])]
        axes = (a, b)
    return torch.tensordot(x1, x2, dims=axes)


@keras_op
def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1) -> torch.Tensor:
    """Sum along a diagonal of `x` (the main one by default)."""
    x = convert_to_tensor(x)
    diag = torch.diagonal(x, offset=offset, dim1=axis1, dim2=axis2)
    dtype = (
        torch.int32
        if x.dtype in (torch.bool, torch.int8, torch.int16, torch.uint8)
        else None
    )
    return torch.sum(diag, dim=-1, dtype=dtype)


@keras_op
def cross(x1, x2, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis=None):
    """Cross product of 2- or 3-vectors along the given axes (numpy's `cross`).

    Args:
        axisa: the vector axis of `x1`. Defaults to -1.
        axisb: the vector axis of `x2`. Defaults to -1.
        axisc: the vector axis of the result. Defaults to -1.
        axis: if given, overrides all three.
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = _promoted(x1, x2)
    a = torch.movedim(x1, axisa, -1)
    b = torch.movedim(x2, axisb, -1)
    for name, t in (("x1", a), ("x2", b)):
        if t.shape[-1] not in (2, 3):
            raise ValueError(
                f"`cross` needs vectors of size 2 or 3 along the vector axis. "
                f"Received: {name} with {t.shape[-1]} elements there."
            )
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    a = F.pad(a, (0, 3 - a.shape[-1]))  # a 2-vector gets z = 0
    b = F.pad(b, (0, 3 - b.shape[-1]))
    a, b = torch.broadcast_tensors(a, b)
    return torch.movedim(torch.linalg.cross(a, b, dim=-1), -1, axisc)


__all__ = [
    "cross",
    "dot",
    "einsum",
    "inner",
    "kron",
    "matmul",
    "outer",
    "tensordot",
    "trace",
    "vdot",
]
