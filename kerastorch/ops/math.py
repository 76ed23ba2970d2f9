"""Math ops (`keras.ops.math`): erf, logsumexp, top_k, segment reductions, ..."""

from __future__ import annotations

import numbers

import torch

from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _axes
from kerastorch.ops.core import _tensor
from kerastorch.ops.core import convert_to_tensor
from kerastorch.ops.elementwise import _float


@keras_op
def erf(x) -> torch.Tensor:
    """The Gauss error function, element-wise."""
    return torch.erf(_float(x))


@keras_op
def erfinv(x) -> torch.Tensor:
    """The inverse of `erf`, element-wise."""
    return torch.erfinv(_float(x))


@keras_op
def rsqrt(x) -> torch.Tensor:
    """`1 / sqrt(x)`, element-wise."""
    return torch.rsqrt(_float(x))


@keras_op
def logsumexp(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """`log(sum(exp(x)))` over `axis` (`None`: all axes), computed stably."""
    x = _float(x)
    dims = _axes(axis, x.ndim)
    return torch.logsumexp(
        x, dim=tuple(range(x.ndim)) if dims is None else dims, keepdim=keepdims
    )


@keras_op
def logdet(x) -> torch.Tensor:
    """Log-determinant of the (batched) square matrices `x`."""
    return torch.logdet(_float(x))


@keras_op
def top_k(x, k: int, sorted: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """The `k` largest entries along the last axis and their indices.

    Returns:
        `(values, indices)`, each of shape `x.shape[:-1] + (k,)`; indices are int64.

    Example:

    >>> values, indices = ops.top_k(np.array([1.0, 5.0, 3.0]), 2)   # [5, 3], [1, 2]
    """
    x = convert_to_tensor(x)
    if not isinstance(k, numbers.Integral) or k < 0 or (x.ndim and k > x.shape[-1]):
        raise ValueError(
            f"`k` must be an int in [0, {x.shape[-1] if x.ndim else 0}]. Received: k={k!r}"
        )
    values, indices = torch.topk(x, int(k), dim=-1, largest=True, sorted=sorted)
    return values, indices


@keras_op
def in_top_k(targets, predictions, k: int) -> torch.Tensor:
    """Whether each target's prediction is among the `k` largest (ties count as in).

    Args:
        targets: int class indices, shape `(batch,)`.
        predictions: scores, shape `(batch, classes)`.
        k: how many top entries to consider.
    """
    predictions = convert_to_tensor(predictions)
    targets = _tensor(targets, predictions).long()
    k = min(int(k), predictions.shape[-1])
    kth_largest = torch.topk(predictions, k, dim=-1).values[..., -1:]  # (batch, 1)
    target_values = torch.take_along_dim(predictions, targets.unsqueeze(-1), dim=-1)
    return (target_values >= kth_largest).squeeze(-1)


def _segments(data, segment_ids, num_segments):
    data = convert_to_tensor(data)
    ids = _tensor(segment_ids, data).long()
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.numel() else 0
    # Ids outside [0, num_segments) go to one extra bucket that is dropped.
    ids = torch.where((ids < 0) | (ids >= num_segments), num_segments, ids)
    return data, ids, int(num_segments)


@keras_op
def segment_sum(
    data, segment_ids, num_segments: int | None = None, sorted: bool = False
):
    """Sum the rows of `data` that share a segment id.

    Args:
        data: shape `(n, ...)`.
        segment_ids: int, shape `(n,)`; ids outside `[0, num_segments)` are dropped.
        num_segments: the number of segments. Defaults to `max(segment_ids) + 1`.
        sorted: accepted for Keras compatibility (sorting is not required).

    Returns:
        shape `(num_segments, ...)`.
    """
    data, ids, n = _segments(data, segment_ids, num_segments)
    out = torch.zeros((n + 1, *data.shape[1:]), dtype=data.dtype, device=data.device)
    return out.index_add(0, ids, data)[:n]


@keras_op
def segment_max(
    data, segment_ids, num_segments: int | None = None, sorted: bool = False
):
    """Maximum of the rows of `data` that share a segment id (empty segments: the
    dtype's lowest value, -inf for floats). Arguments as in `segment_sum`."""
    data, ids, n = _segments(data, segment_ids, num_segments)
    lowest = float("-inf") if data.is_floating_point() else torch.iinfo(data.dtype).min
    out = torch.full(
        (n + 1, *data.shape[1:]), lowest, dtype=data.dtype, device=data.device
    )
    index = ids.reshape(-1, *([1] * (data.ndim - 1))).expand_as(data)
    return out.scatter_reduce(0, index, data, reduce="amax", include_self=True)[:n]


@keras_op
def extract_sequences(x, sequence_length: int, sequence_stride: int) -> torch.Tensor:
    """Frames of `sequence_length` along the last axis, every `sequence_stride` steps.

    Returns:
        shape `x.shape[:-1] + (num_sequences, sequence_length)`.
    """
    return convert_to_tensor(x).unfold(-1, sequence_length, sequence_stride)


__all__ = [
    "erf",
    "erfinv",
    "extract_sequences",
    "in_top_k",
    "logdet",
    "logsumexp",
    "rsqrt",
    "segment_max",
    "segment_sum",
    "top_k",
]
