"""Tensor helpers shared by the metrics: rank alignment, masks, threshold counts.

Everything here runs on the device without reading tensor values on the host.
"""

from __future__ import annotations

import numpy as np
import torch

# Predictions outside the top-k are set to this, and a `Precision(top_k=...)`
# without thresholds compares against it (strictly), as Keras does.
NEG_INF = -1e10


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Squeeze or expand the last axis of one input when ranks differ by one.

    `(n,)` and `(n, 1)` become the same rank: the rank-1 input gets a trailing
    axis when `expand_rank_1`, otherwise the other one loses it.
    """
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def divide_no_nan(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """`x / y`, with 0 where `y == 0`."""
    return torch.where(y == 0, torch.zeros_like(x), x / torch.where(y == 0, 1, y))


def apply_mask(sample_weight, mask: torch.Tensor | None, dtype: torch.dtype):
    """Fold a Keras mask (bool, True = keep) into `sample_weight`."""
    if mask is None:
        return sample_weight
    mask = mask.to(dtype)
    if sample_weight is None:
        return mask
    sample_weight = sample_weight.to(dtype)
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
    # A per-sample weight (batch,) applies to every masked timestep (batch, time).
    if sample_weight.ndim < mask.ndim:
        sample_weight = sample_weight.reshape(
            sample_weight.shape + (1,) * (mask.ndim - sample_weight.ndim)
        )
    return sample_weight * mask


def get_mask(x) -> torch.Tensor | None:
    """The `_keras_mask` a masking layer attached to `x`, if any."""
    return getattr(x, "_keras_mask", None)


# Thresholds -----------------------------------------------------------------


def parse_thresholds(thresholds, default: float) -> list[float]:
    """`thresholds` (a number, a sequence or an array, or `None`) as a checked list."""
    if thresholds is None:
        return [default]
    try:
        values = np.asarray(thresholds, dtype=np.float64).reshape(-1).tolist()
    except (TypeError, ValueError):
        values = []
    if not values or not all(0.0 <= t <= 1.0 for t in values):
        raise ValueError(
            f"Threshold values must be in [0, 1]. Received: thresholds={thresholds}"
        )
    return values


def sorted_thresholds(
    thresholds: list[float], dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Sorted threshold tensor, and the index that puts results back in order.

    The index is `None` when `thresholds` is already sorted.
    """
    values = torch.tensor(thresholds, dtype=torch.float64)
    order = torch.argsort(values, stable=True)
    restore = None
    if not torch.equal(order, torch.arange(len(thresholds))):
        restore = torch.argsort(order)
    return values[order].to(dtype), restore


def confusion_inputs(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    sample_weight: torch.Tensor | None,
    top_k: int | None = None,
    class_id: int | None = None,
):
    """Align labels, predictions and weights for `threshold_counts`.

    Returns `y_true`, `y_pred` and weights broadcast to `y_pred`'s shape (or
    `None`), with `top_k` filtering and `class_id` selection applied.
    """
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        # A per-sample weight of shape (batch,) applies across the last axis.
        _, sample_weight = squeeze_or_expand_to_same_rank(
            y_true, sample_weight.unsqueeze(-1), expand_rank_1=False
        )
        sample_weight = torch.broadcast_to(sample_weight, y_pred.shape)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When `class_id` is given, `y_pred` must have shape "
                f"(num_samples, num_classes). Received: y_pred.shape={tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id]
        y_pred = y_pred[..., class_id]
        if sample_weight is not None:
            sample_weight = sample_weight[..., class_id]
    return y_true, y_pred, sample_weight


def filter_top_k(x: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the `k` largest values of the last axis; set the others to NEG_INF.

    Ties are broken towards the lower index (a stable sort), as Keras does.
    """
    idx = torch.sort(x, dim=-1, descending=True, stable=True).indices[..., :k]
    keep = torch.zeros_like(x, dtype=torch.bool).scatter_(-1, idx, True)
    return torch.where(keep, x, torch.full_like(x, NEG_INF))


def threshold_counts(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    thresholds: torch.Tensor,
    weights: torch.Tensor | None = None,
    multi_label: bool = False,
):
    """Weighted true and false positives at each of `thresholds`.

    A prediction `p` counts as positive at threshold `t` when `p > t`, as in
    Keras. Each prediction is bucketed once by the number of thresholds below
    it (`bucketize`), so the cost is O(N log T + T), and the counts at each
    threshold are suffix sums over the buckets.

    Args:
        y_true: labels; any non-zero value is a positive.
        y_pred: predictions, same shape as `y_true`.
        thresholds: sorted 1-D tensor, the same dtype as `y_pred`.
        weights: per-prediction weights broadcastable to `y_pred`, or `None`.
        multi_label: count each label (last axis) separately.

    Returns:
        `(tp, fp, positives, negatives)`: tp/fp of shape `(T,)`, or `(T, L)`
        when `multi_label`; total positive/negative weight of shape `()` or `(L,)`.
    """
    num_thresholds = thresholds.shape[0]
    labels = (y_true != 0).long()
    buckets = torch.bucketize(y_pred.contiguous(), thresholds)  # in [0, T]
    if weights is None:
        weights = torch.ones_like(y_pred)
    else:
        weights = torch.broadcast_to(weights.to(y_pred.dtype), y_pred.shape)
    if multi_label:
        num_labels = y_pred.shape[-1]
        column = torch.arange(num_labels, device=y_pred.device)
        index = (buckets * num_labels + column) * 2 + labels  # (batch, L)
        shape = (num_thresholds + 1, num_labels, 2)
    else:
        index = buckets * 2 + labels
        shape = (num_thresholds + 1, 2)
    counts = torch.zeros(shape, dtype=y_pred.dtype, device=y_pred.device)
    counts.view(-1).index_add_(0, index.reshape(-1), weights.reshape(-1))
    # at_least[i] = weight of predictions with at least i thresholds below them.
    at_least = counts.flip(0).cumsum(0).flip(0)  # (T + 1, [L,] 2)
    tp = at_least[1:, ..., 1]
    fp = at_least[1:, ..., 0]
    return tp, fp, at_least[0, ..., 1], at_least[0, ..., 0]


def reorder(x: torch.Tensor, restore: torch.Tensor | None) -> torch.Tensor:
    """Undo the threshold sort on the first axis of `x`."""
    return x if restore is None else x.index_select(0, restore)
