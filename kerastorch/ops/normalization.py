"""Normalisation ops (part of `keras.ops.nn`): moments, batch/layer/RMS normalisation."""

from __future__ import annotations

import math

import torch

from kerastorch.backend.config import epsilon as _epsilon
from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _axes
from kerastorch.ops.core import _tensor
from kerastorch.ops.elementwise import _float

# --- ---------------------------------------------------------------------


@keras_op
def moments(x, axes, keepdims: bool = False, synchronized: bool = False):
    """Mean and (population) variance of `x` over `axes`.

    Args:
        axes: the axes to reduce (int or tuple).
        keepdims: keep reduced axes with size 1. Defaults to `False`.
        synchronized: when a `torch.distributed` process group is running,
            compute the statistics over the whole global batch (all-reduced
            across processes). Defaults to `False`.

    Returns:
        `(mean, variance)`. float16/bfloat16 inputs are reduced in float32 and
        the results cast back.
    """
    x = _float(x)
    dims = _axes(axes, x.ndim)
    dims = tuple(range(x.ndim)) if dims is None else dims
    compute = torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype
    xc = x.to(compute)
    if synchronized and _distributed_world_size() > 1:
        mean, variance = _synchronized_moments(xc, dims)
        if not keepdims:
            mean, variance = mean.squeeze(dims), variance.squeeze(dims)
    else:
        variance, mean = torch.var_mean(xc, dim=dims, correction=0, keepdim=keepdims)
    return mean.to(x.dtype), variance.to(x.dtype)


def _distributed_world_size() -> int:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


class _AllReduceSum(torch.autograd.Function):
    """Sum across processes, differentiably: the gradient is summed back the same way."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        import torch.distributed as dist

        out = x.clone()
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        import torch.distributed as dist

        grad = grad.clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad


def _synchronized_moments(x: torch.Tensor, dims: tuple[int, ...]):
    """Global mean and variance: all-reduce the count, sum and sum of squares."""
    count = float(math.prod(x.shape[d] for d in dims))
    sums = torch.sum(x, dim=dims, keepdim=True)  # size 1 on reduced axes
    squares = torch.sum(torch.square(x), dim=dims, keepdim=True)
    local = torch.cat(
        [
            sums.reshape(-1),
            squares.reshape(-1),
            torch.full((1,), count, dtype=x.dtype, device=x.device),
        ]
    )
    total = _AllReduceSum.apply(local)
    k = sums.numel()
    n = total[-1]
    mean = (total[:k] / n).reshape(sums.shape)
    variance = torch.clamp(
        (total[k : 2 * k] / n).reshape(sums.shape) - torch.square(mean), min=0
    )
    return mean, variance


@keras_op
def batch_normalization(
    x, mean, variance, axis: int, offset=None, scale=None, epsilon=1e-3
):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, with 1-D statistics on `axis`.

    Args:
        mean, variance: the statistics, 1-D of size `x.shape[axis]`.
        axis: the feature axis of `x`.
        offset, scale: optional 1-D shift and scale. Default to `None`.
        epsilon: added to the variance. Defaults to 1e-3.
    """
    x = _float(x)
    axis = axis % x.ndim
    shape = [-1 if d == axis else 1 for d in range(x.ndim)]

    def vec(t):
        t = _tensor(t, x).to(x.dtype)
        return t.reshape(shape) if t.ndim == 1 else t

    inv = torch.rsqrt(vec(variance) + epsilon)
    if scale is not None:
        inv = inv * vec(scale)
    out = (x - vec(mean)) * inv
    return out + vec(offset) if offset is not None else out


@keras_op
def normalize(x, axis: int = -1, order: int = 2, epsilon: float | None = None):
    """`x` divided by its `order`-norm along `axis` (norms below `epsilon` are clamped).

    Args:
        axis: the axis to normalise. Defaults to -1.
        order: the norm order (>= 1). Defaults to 2.
        epsilon: the smallest norm (for order 2: squared norm) used. Defaults
            to `backend.epsilon()`.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"`order` must be an int >= 1. Received: order={order!r}")
    x = _float(x)
    eps = _epsilon() if epsilon is None else epsilon
    if order == 2:
        square_sum = torch.sum(torch.square(x), dim=axis, keepdim=True)
        return x * torch.rsqrt(torch.clamp(square_sum, min=eps))
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=eps)


@keras_op
def rms_normalization(x, scale=1, axis: int = -1, epsilon: float | None = None):
    """`x * rsqrt(mean(x**2, axis) + epsilon) * scale`."""
    x = _float(x)
    eps = _epsilon() if epsilon is None else epsilon
    out = x * torch.rsqrt(torch.mean(torch.square(x), dim=axis, keepdim=True) + eps)
    return out * (_tensor(scale, x) if not isinstance(scale, (int, float)) else scale)


@keras_op
def layer_normalization(
    x, gamma=None, beta=None, axis: int = -1, epsilon: float | None = None
):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta`, statistics over `axis`."""
    x = _float(x)
    eps = _epsilon() if epsilon is None else epsilon
    variance, mean = torch.var_mean(x, dim=axis, correction=0, keepdim=True)
    out = (x - mean) * torch.rsqrt(variance + eps)
    if gamma is not None:
        out = out * _tensor(gamma, x)
    if beta is not None:
        out = out + _tensor(beta, x)
    return out


__all__ = [
    "batch_normalization",
    "layer_normalization",
    "moments",
    "normalize",
    "rms_normalization",
]
