"""Tensor creation (part of `keras.ops.numpy`): zeros, full, arange, linspace, eye, ...

`dtype=None` means `floatx()` for float-valued results; `arange` and `full`
infer it from their arguments as Keras does (Python ints give int32).
Results are created on torch's default device.
"""

from __future__ import annotations

import numbers

import torch

from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _is_python_number
from kerastorch.ops.core import _python_scalar_dtype
from kerastorch.ops.core import _tensor
from kerastorch.ops.core import convert_to_tensor


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    if isinstance(shape, torch.Tensor):
        return tuple(int(d) for d in shape.reshape(-1).tolist())
    return tuple(int(d) for d in shape)


def zeros(shape, dtype=None) -> torch.Tensor:
    """A tensor of zeros. `dtype` defaults to `floatx()`."""
    return torch.zeros(_shape(shape), dtype=to_torch_dtype(dtype))


def ones(shape, dtype=None) -> torch.Tensor:
    """A tensor of ones. `dtype` defaults to `floatx()`."""
    return torch.ones(_shape(shape), dtype=to_torch_dtype(dtype))


def empty(shape, dtype=None) -> torch.Tensor:
    """An uninitialised tensor. `dtype` defaults to `floatx()`."""
    return torch.empty(_shape(shape), dtype=to_torch_dtype(dtype))


def full(shape, fill_value, dtype=None) -> torch.Tensor:
    """A tensor filled with `fill_value` (a number, or a tensor broadcast to `shape`).

    Args:
        dtype: defaults to the dtype of `fill_value` (int32 for Python ints,
            `floatx()` for Python floats).
    """
    shape = _shape(shape)
    if _is_python_number(fill_value):
        torch_dtype = (
            to_torch_dtype(dtype)
            if dtype is not None
            else _python_scalar_dtype(fill_value)
        )
        return torch.full(shape, fill_value, dtype=torch_dtype)
    fill = convert_to_tensor(fill_value, dtype)
    return torch.broadcast_to(fill, shape).clone()


@keras_op
def zeros_like(x, dtype=None) -> torch.Tensor:
    """Zeros with the shape (and, by default, the dtype) of `x`."""
    x = convert_to_tensor(x)
    return torch.zeros_like(x, dtype=None if dtype is None else to_torch_dtype(dtype))


@keras_op
def ones_like(x, dtype=None) -> torch.Tensor:
    """Ones with the shape (and, by default, the dtype) of `x`."""
    x = convert_to_tensor(x)
    return torch.ones_like(x, dtype=None if dtype is None else to_torch_dtype(dtype))


@keras_op
def full_like(x, fill_value, dtype=None) -> torch.Tensor:
    """`fill_value` with the shape (and, by default, the dtype) of `x`."""
    x = convert_to_tensor(x)
    torch_dtype = x.dtype if dtype is None else to_torch_dtype(dtype)
    if isinstance(fill_value, numbers.Number):
        return torch.full_like(x, fill_value, dtype=torch_dtype)
    fill = _tensor(fill_value, x).to(torch_dtype)
    return torch.broadcast_to(fill, x.shape).clone()


def arange(start, stop=None, step=1, dtype=None) -> torch.Tensor:
    """Evenly spaced values in `[start, stop)` (`arange(n)` is `0 .. n-1`).

    Args:
        dtype: defaults to int32 for integer arguments, `floatx()` if any is a float.
    """
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    values = [
        v.item() if isinstance(v, torch.Tensor) else v for v in (start, stop, step)
    ]
    if dtype is None:
        dtype = (
            "int32" if all(isinstance(v, numbers.Integral) for v in values) else None
        )
    return torch.arange(*values, dtype=to_torch_dtype(dtype))


def linspace(
    start,
    stop,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype=None,
    axis: int = 0,
):
    """`num` evenly spaced values from `start` to `stop` (numbers or tensors).

    Args:
        num: how many values. Defaults to 50.
        endpoint: whether `stop` is the last value. Defaults to `True`.
        retstep: also return the spacing. Defaults to `False`.
        dtype: the result dtype. Defaults to `floatx()`.
        axis: where the new axis goes when `start`/`stop` are tensors. Defaults to 0.
    """
    if num < 0:
        raise ValueError(f"`num` must be non-negative. Received: num={num}")
    start = convert_to_tensor(start)
    stop = _tensor(stop, start)
    compute = to_torch_dtype(None)
    if start.dtype == torch.float64 or stop.dtype == torch.float64:
        compute = torch.float64
    start, stop = torch.broadcast_tensors(start.to(compute), stop.to(compute))
    div = (num - 1) if endpoint else num
    step = (stop - start) / max(div, 1)
    steps = torch.arange(num, dtype=compute, device=start.device)
    steps = steps.reshape(-1, *([1] * start.ndim))  # (num, *start.shape)
    out = start + steps * step
    if endpoint and num > 1:
        out[-1] = stop  # exact end point, as numpy guarantees
    out = torch.movedim(out, 0, axis)
    if dtype is not None:
        out = out.to(to_torch_dtype(dtype))
    return (out, step) if retstep else out


def logspace(
    start,
    stop,
    num: int = 50,
    endpoint: bool = True,
    base=10,
    dtype=None,
    axis: int = 0,
) -> torch.Tensor:
    """`base ** linspace(start, stop, num)`: values spaced evenly on a log scale."""
    out = torch.pow(base, linspace(start, stop, num, endpoint=endpoint, axis=axis))
    return out if dtype is None else out.to(to_torch_dtype(dtype))


def eye(N: int, M: int | None = None, k: int = 0, dtype=None) -> torch.Tensor:
    """An `N x M` matrix with ones on diagonal `k`. `dtype` defaults to `floatx()`."""
    M = N if M is None else M
    rows = torch.arange(int(N)).unsqueeze(1)
    cols = torch.arange(int(M)).unsqueeze(0)
    return (cols - rows == k).to(to_torch_dtype(dtype))


def identity(n: int, dtype=None) -> torch.Tensor:
    """The `n x n` identity matrix. `dtype` defaults to `floatx()`."""
    return torch.eye(int(n), dtype=to_torch_dtype(dtype))


def tri(N: int, M: int | None = None, k: int = 0, dtype=None) -> torch.Tensor:
    """An `N x M` matrix with ones at and below diagonal `k`, zeros above."""
    M = N if M is None else M
    rows = torch.arange(int(N)).unsqueeze(1)
    cols = torch.arange(int(M)).unsqueeze(0)
    return (cols - rows <= k).to(to_torch_dtype(dtype))


@keras_op
def tril(x, k: int = 0) -> torch.Tensor:
    """`x` with the entries above diagonal `k` of its last two axes set to zero."""
    return torch.tril(convert_to_tensor(x), diagonal=k)


@keras_op
def triu(x, k: int = 0) -> torch.Tensor:
    """`x` with the entries below diagonal `k` of its last two axes set to zero."""
    return torch.triu(convert_to_tensor(x), diagonal=k)


@keras_op
def diag(x, k: int = 0) -> torch.Tensor:
    """A matrix with the 1-D `x` on diagonal `k`, or diagonal `k` of the 2-D `x`."""
    x = convert_to_tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(
            f"`diag` needs a 1-D or 2-D input. Received: x.shape={tuple(x.shape)}"
        )
    return torch.diag(x, diagonal=k)


@keras_op
def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1) -> torch.Tensor:
    """Diagonal `offset` of the 2-D sub-arrays on `axis1`, `axis2`, as a last axis."""
    return torch.diagonal(convert_to_tensor(x), offset=offset, dim1=axis1, dim2=axis2)


@keras_op
def meshgrid(*x, indexing: str = "xy") -> list[torch.Tensor]:
    """Coordinate grids from 1-D coordinate vectors.

    Args:
        indexing: "xy" (Cartesian, numpy's default) or "ij" (matrix). Defaults to "xy".
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(
            f"`indexing` must be 'xy' or 'ij'. Received: indexing={indexing!r}"
        )
    tensors = [convert_to_tensor(t) for t in x]
    return list(torch.meshgrid(*tensors, indexing=indexing))


def array(x, dtype=None) -> torch.Tensor:
    """Create a tensor from `x` (alias of `convert_to_tensor`)."""
    return convert_to_tensor(x, dtype)


@keras_op
def copy(x) -> torch.Tensor:
    """A copy of `x` that shares no memory with it."""
    return convert_to_tensor(x).clone()


__all__ = [
    "arange",
    "array",
    "copy",
    "diag",
    "diagonal",
    "empty",
    "eye",
    "full",
    "full_like",
    "identity",
    "linspace",
    "logspace",
    "meshgrid",
    "ones",
    "ones_like",
    "tri",
    "tril",
    "triu",
    "zeros",
    "zeros_like",
]
