"""Reductions, sorting and scans (part of `keras.ops.numpy`).

`axis` is `None` (all axes), an int, or a tuple of ints; `keepdims=True`
keeps reduced axes with size 1. As in Keras, the mean/std/var of integers
are floats, sums of small integer types are int32, and index results
(argmax, argsort) are int64, torch's index type.
"""

from __future__ import annotations

import torch

from kerastorch.backend.config import floatx
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _axes
from kerastorch.ops.core import _tensor
from kerastorch.ops.core import convert_to_tensor

_SMALL_INTS = (torch.bool, torch.int8, torch.int16, torch.int32, torch.uint8)


def _float(x: torch.Tensor) -> torch.Tensor:
    if x.is_floating_point() or x.is_complex():
        return x
    return x.to(to_torch_dtype(floatx()))


def _sum_dtype(d: torch.dtype) -> torch.dtype | None:
    """Keras keeps small integer sums int32 where torch would widen them to int64."""
    return torch.int32 if d in _SMALL_INTS else None


def _keep_all(x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """Reshape a full reduction to `x.ndim` axes of size 1 (`keepdims=True`)."""
    return out.reshape((1,) * x.ndim)


@keras_op
def sum(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Sum of the elements over `axis`. Defaults to all axes."""
    x = convert_to_tensor(x)
    dims = _axes(axis, x.ndim)
    dtype = _sum_dtype(x.dtype)
    if dims == ():
        return x if dtype is None else x.to(dtype)
    return torch.sum(x, dim=dims, keepdim=keepdims, dtype=dtype)


@keras_op
def prod(x, axis=None, keepdims: bool = False, dtype=None) -> torch.Tensor:
    """Product of the elements over `axis`. Defaults to all axes.

    Args:
        dtype: the result dtype. Defaults to the input's (int32 for small ints).
    """
    x = convert_to_tensor(x)
    dims = _axes(axis, x.ndim)
    dtype = to_torch_dtype(dtype) if dtype is not None else _sum_dtype(x.dtype)
    if dtype is not None:
        x = x.to(dtype)
    if dims is None:
        out = torch.prod(x)
        return _keep_all(x, out) if keepdims else out
    # torch.prod reduces one axis at a time: go from the last so indices stay valid.
    for d in sorted(dims, reverse=True):
        x = torch.prod(x, dim=d, keepdim=keepdims)
    return x


@keras_op
def mean(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Arithmetic mean over `axis` (integer inputs give `floatx()`)."""
    x = _float(convert_to_tensor(x))
    dims = _axes(axis, x.ndim)
    if dims == ():
        return x
    return torch.mean(x, dim=dims, keepdim=keepdims)


@keras_op
def var(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Population variance (divides by N) over `axis`."""
    x = _float(convert_to_tensor(x))
    return torch.var(x, dim=_axes(axis, x.ndim), correction=0, keepdim=keepdims)


@keras_op
def std(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Population standard deviation (divides by N) over `axis`."""
    x = _float(convert_to_tensor(x))
    return torch.std(x, dim=_axes(axis, x.ndim), correction=0, keepdim=keepdims)


def _extreme(fn, name: str, x, axis, keepdims: bool, initial):
    x = convert_to_tensor(x)
    dims = _axes(axis, x.ndim)
    if dims == ():
        return x
    if x.numel() == 0:
        if initial is None:
            raise ValueError(
                f"Cannot compute the {name} of an empty tensor without `initial`. "
                f"Received: x.shape={tuple(x.shape)}"
            )
        shape = [1 if dims is None or i in dims else s for i, s in enumerate(x.shape)]
        out = torch.full(shape, initial, dtype=x.dtype, device=x.device)
        return (
            out
            if keepdims
            else out.reshape(
                [s for i, s in enumerate(x.shape) if dims is not None and i not in dims]
            )
        )
    out = fn(x, dim=() if dims is None else dims, keepdim=keepdims)
    if initial is not None:
        bound = torch.as_tensor(initial, dtype=out.dtype, device=out.device)
        out = torch.maximum(out, bound) if name == "max" else torch.minimum(out, bound)
    return out


@keras_op
def max(x, axis=None, keepdims: bool = False, initial=None) -> torch.Tensor:
    """Maximum over `axis`; `initial` is a lower bound (and the result for empty input)."""
    return _extreme(torch.amax, "max", x, axis, keepdims, initial)


@keras_op
def min(x, axis=None, keepdims: bool = False, initial=None) -> torch.Tensor:
    """Minimum over `axis`; `initial` is an upper bound (and the result for empty input)."""
    return _extreme(torch.amin, "min", x, axis, keepdims, initial)


amax = max
amin = min


@keras_op
def all(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Whether all elements over `axis` are true (non-zero)."""
    x = convert_to_tensor(x)
    dims = _axes(axis, x.ndim)
    if dims == ():
        return x.bool()
    return torch.all(x, dim=dims, keepdim=keepdims)


@keras_op
def any(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Whether any element over `axis` is true (non-zero)."""
    x = convert_to_tensor(x)
    dims = _axes(axis, x.ndim)
    if dims == ():
        return x.bool()
    return torch.any(x, dim=dims, keepdim=keepdims)


@keras_op
def count_nonzero(x, axis=None) -> torch.Tensor:
    """Number of non-zero elements over `axis` (int64)."""
    x = convert_to_tensor(x)
    return torch.count_nonzero(x, dim=_axes(axis, x.ndim))


def _arg_extreme(fn, x, axis, keepdims: bool) -> torch.Tensor:
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        out = fn(x.reshape(-1))
        return _keep_all(x, out) if keepdims else out
    return fn(x, dim=int(axis), keepdim=keepdims)


@keras_op
def argmax(x, axis: int | None = None, keepdims: bool = False) -> torch.Tensor:
    """Index of the (first) maximum along `axis`, or in the flattened tensor (int64)."""
    return _arg_extreme(torch.argmax, x, axis, keepdims)


@keras_op
def argmin(x, axis: int | None = None, keepdims: bool = False) -> torch.Tensor:
    """Index of the (first) minimum along `axis`, or in the flattened tensor (int64)."""
    return _arg_extreme(torch.argmin, x, axis, keepdims)


@keras_op
def argsort(x, axis: int | None = -1) -> torch.Tensor:
    """Indices that sort `x` along `axis` (stable; `None` sorts the flattened tensor)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.argsort(x, dim=axis, stable=True)


@keras_op
def sort(x, axis: int | None = -1) -> torch.Tensor:
    """`x` sorted in ascending order along `axis` (`None`: the flattened tensor)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.sort(x, dim=axis, stable=True).values


def _scan(fn, x, axis, dtype):
    x = convert_to_tensor(x)
    dtype = to_torch_dtype(dtype) if dtype is not None else _sum_dtype(x.dtype)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return fn(x, dim=axis, dtype=dtype)


@keras_op
def cumsum(x, axis: int | None = None, dtype=None) -> torch.Tensor:
    """Cumulative sum along `axis` (`None`: over the flattened tensor)."""
    return _scan(torch.cumsum, x, axis, dtype)


@keras_op
def cumprod(x, axis: int | None = None, dtype=None) -> torch.Tensor:
    """Cumulative product along `axis` (`None`: over the flattened tensor)."""
    return _scan(torch.cumprod, x, axis, dtype)


@keras_op
def average(x, axis=None, weights=None) -> torch.Tensor:
    """Weighted mean over `axis`; 1-D `weights` apply along a single `axis`, as in numpy."""
    x = _float(convert_to_tensor(x))
    if weights is None:
        return mean(x, axis=axis)
    weights = _tensor(weights, x).to(x.dtype)
    if weights.shape != x.shape:
        if axis is None or weights.ndim != 1 or isinstance(axis, (list, tuple)):
            raise ValueError(
                "`weights` must have the shape of `x`, or be 1-D along a single "
                f"`axis`. Received: x.shape={tuple(x.shape)}, "
                f"weights.shape={tuple(weights.shape)}, axis={axis}"
            )
        axis = int(axis) % x.ndim
        weights = weights.reshape([-1 if i == axis else 1 for i in range(x.ndim)])
    dims = _axes(axis, x.ndim)
    return torch.sum(x * weights, dim=dims) / torch.sum(
        torch.broadcast_to(weights, x.shape), dim=dims
    )


@keras_op
def quantile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """The `q`-th quantile(s) over `axis`, `q` in [0, 1] (a number or 1-D tensor).

    Args:
        method: "linear", "lower", "higher", "midpoint" or "nearest", as in
            numpy. Defaults to "linear".
    """
    methods = ("linear", "lower", "higher", "midpoint", "nearest")
    if method not in methods:
        raise ValueError(
            f"`method` must be one of {methods}. Received: method={method!r}"
        )
    x = _float(convert_to_tensor(x))
    q = _tensor(q, x).to(x.dtype)
    dims = _axes(axis, x.ndim)
    if dims is None:
        dims = tuple(range(x.ndim))
    kept = [d for d in range(x.ndim) if d not in dims]
    # Move the reduced axes last and merge them: torch.quantile takes one axis.
    moved = x.permute(*kept, *dims).reshape(*[x.shape[d] for d in kept], -1)
    out = torch.quantile(moved, q, dim=-1, interpolation=method)
    if keepdims:
        q_shape = tuple(q.shape)
        shape = [1 if d in dims else x.shape[d] for d in range(x.ndim)]
        out = out.reshape(*q_shape, *shape)
    return out


@keras_op
def median(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Median over `axis` (the mean of the two middle values for even counts)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "argsort",
    "average",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "max",
    "mean",
    "median",
    "min",
    "prod",
    "quantile",
    "sort",
    "std",
    "sum",
    "var",
]
