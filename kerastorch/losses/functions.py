"""Loss functions: `keras.losses.mean_squared_error(y_true, y_pred)` and friends.

Each returns the per-sample losses (the last axis, or `axis`, reduced away),
computed exactly as Keras 3 defines them. The `*_mean` helpers at the bottom
compute the default `"sum_over_batch_size"` reduction of the same losses with
one fused torch kernel; the `Loss` classes use them on the training fast path.
The crossentropies live in `crossentropy_functions.py`.
"""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F

from kerastorch.backend import config
from kerastorch.losses.loss import squeeze_or_expand_to_same_rank

_LOG2 = math.log(2.0)


# ---------------------------------------------------------------- conversion


def _pred_tensor(y_pred) -> torch.Tensor:
    if not isinstance(y_pred, torch.Tensor):
        y_pred = torch.as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(_floatx())
    return y_pred


def _floatx() -> torch.dtype:
    return getattr(torch, config.floatx())


def _true_like(y_true, y_pred: torch.Tensor) -> torch.Tensor:
    """`y_true` as a tensor with `y_pred`'s dtype and device."""
    if isinstance(y_true, torch.Tensor):
        if y_true.dtype == y_pred.dtype and y_true.device == y_pred.device:
            return y_true
        return y_true.to(device=y_pred.device, dtype=y_pred.dtype)
    return torch.as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)


def _prepare(y_true, y_pred, name: str):
    """Tensors of one dtype, ranks matched as Keras does, shapes checked."""
    y_pred = _pred_tensor(y_pred)
    y_true = _true_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_broadcastable(y_true, y_pred, name)
    return y_true, y_pred


def _check_broadcastable(y_true, y_pred, name: str) -> None:
    if y_true.shape == y_pred.shape:
        return
    try:
        torch.broadcast_shapes(y_true.shape, y_pred.shape)
    except RuntimeError:
        raise ValueError(
            f"In loss {name}, `y_true` and `y_pred` have incompatible shapes. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        ) from None


def _check_same_shape(y_true, y_pred, name: str) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"In loss {name}, `y_true` and `y_pred` must have the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    if y_pred.dim() < 1:
        raise ValueError(
            f"In loss {name}, `y_true` and `y_pred` must be at least rank 1. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )


def _check_axis(axis, name: str) -> None:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(
            f"In loss {name}, `axis` must be of type `int`. "
            f"Received: axis={axis!r} of type {type(axis)}"
        )


def _warn_single_class(y_pred: torch.Tensor, name: str) -> None:
    if y_pred.dim() >= 1 and y_pred.shape[-1] == 1:
        from kerastorch.utils.warnings import KerasTorchWarning

        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) "
            f"with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.",
            KerasTorchWarning,
            stacklevel=3,
        )


# ---------------------------------------------------------------- regression


def mean_squared_error(y_true, y_pred) -> torch.Tensor:
    """Mean squared error: `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, shape `(batch_size, d0, .. dN)`.

    Returns:
        Mean squared error values, shape `(batch_size, d0, .. dN-1)`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


def mean_absolute_error(y_true, y_pred) -> torch.Tensor:
    """Mean absolute error: `mean(abs(y_true - y_pred), axis=-1)`.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, shape `(batch_size, d0, .. dN)`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_error")
    return torch.mean(torch.abs(y_true - y_pred), dim=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> torch.Tensor:
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, shape `(batch_size, d0, .. dN)`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_percentage_error")
    diff = torch.abs(
        (y_true - y_pred) / torch.clamp(torch.abs(y_true), min=config.epsilon())
    )
    return 100.0 * torch.mean(diff, dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred) -> torch.Tensor:
    """`mean(square(log(y_true + 1) - log(y_pred + 1)), axis=-1)`.

    Values below `epsilon` are raised to `epsilon` first.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, shape `(batch_size, d0, .. dN)`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    eps = config.epsilon()
    first_log = torch.log(torch.clamp(y_pred, min=eps) + 1.0)
    second_log = torch.log(torch.clamp(y_true, min=eps) + 1.0)
    return torch.mean(torch.square(first_log - second_log), dim=-1)


def cosine_similarity(y_true, y_pred, axis: int = -1) -> torch.Tensor:
    """Negative cosine similarity: `-sum(l2_norm(y_true) * l2_norm(y_pred), axis)`.

    Values are in [-1, 1]; -1 means the vectors point the same way. A zero
    vector gives 0.

    Args:
        y_true: Tensor of true targets.
        y_pred: Tensor of predicted targets.
        axis: Axis along which to compute the similarity. Defaults to `-1`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "cosine_similarity")
    eps = config.epsilon()
    y_pred = F.normalize(y_pred, p=2.0, dim=axis, eps=eps)
    y_true = F.normalize(y_true, p=2.0, dim=axis, eps=eps)
    return -torch.sum(y_true * y_pred, dim=axis)


def huber(y_true, y_pred, delta: float = 1.0) -> torch.Tensor:
    """Huber loss: `0.5 * x**2` if `|x| <= delta` else `delta * |x| - 0.5 * delta**2`.

    Averaged over the last axis, with `x = y_pred - y_true`.

    Args:
        y_true: Tensor of true targets.
        y_pred: Tensor of predicted targets.
        delta: The point where the loss changes from quadratic to linear.
            Defaults to `1.0`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "huber")
    y_true, y_pred = torch.broadcast_tensors(y_true, y_pred)
    return torch.mean(
        F.huber_loss(y_pred, y_true, reduction="none", delta=float(delta)), dim=-1
    )


def log_cosh(y_true, y_pred) -> torch.Tensor:
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed without overflow.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, shape `(batch_size, d0, .. dN)`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return torch.mean(x + F.softplus(-2.0 * x) - _LOG2, dim=-1)


# -------------------------------------------------------------------- hinge


def _hinge_labels(y_true: torch.Tensor) -> torch.Tensor:
    """{0, 1} labels become {-1, 1}; any other labels are left as they are."""
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred) -> torch.Tensor:
    """Hinge loss: `mean(maximum(1 - y_true * y_pred, 0), axis=-1)`.

    `y_true` is expected in {-1, 1}; {0, 1} labels are converted.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, shape `(batch_size, d0, .. dN)`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "hinge")
    y_true = _hinge_labels(y_true)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


def squared_hinge(y_true, y_pred) -> torch.Tensor:
    """Squared hinge loss: `mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`.

    Args:
        y_true: Ground truth values in {-1, 1} (or {0, 1}, converted).
        y_pred: The predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "squared_hinge")
    y_true = _hinge_labels(y_true)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


def categorical_hinge(y_true, y_pred) -> torch.Tensor:
    """`maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)`, `neg = max((1 - y_true) * y_pred)`.

    Args:
        y_true: One-hot ground truth values, shape `(batch_size, num_classes)`.
        y_pred: The predicted values, same shape.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "categorical_hinge")
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(neg - pos + 1.0, min=0.0)


# ------------------------------------------------------------ kl / poisson


def kl_divergence(y_true, y_pred) -> torch.Tensor:
    """Kullback-Leibler divergence: `sum(y_true * log(y_true / y_pred), axis=-1)`.

    Both inputs are clipped to `[epsilon, 1]` first.

    Args:
        y_true: Tensor of true probabilities.
        y_pred: Tensor of predicted probabilities.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "kl_divergence")
    eps = config.epsilon()
    y_true = torch.clamp(y_true, eps, 1.0)
    y_pred = torch.clamp(y_pred, eps, 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


def poisson(y_true, y_pred) -> torch.Tensor:
    """Poisson loss: `mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, shape `(batch_size, d0, .. dN)`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "poisson")
    return torch.mean(y_pred - y_true * torch.log(y_pred + config.epsilon()), dim=-1)


# ------------------------------------------------------------- segmentation


def dice(y_true, y_pred, axis=None) -> torch.Tensor:
    """Dice loss: `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`.

    Args:
        y_true: Tensor of true targets.
        y_pred: Tensor of predicted targets.
        axis: Axes the sums run over (an int or tuple). Defaults to `None`
            (all axes: one scalar loss).
    """
    y_true, y_pred = _prepare(y_true, y_pred, "dice")
    axis = _dims(axis, y_pred)
    intersection = torch.sum(y_true * y_pred, dim=axis)
    total = torch.sum(y_true, dim=axis) + torch.sum(y_pred, dim=axis) + config.epsilon()
    return 1.0 - 2.0 * intersection / total


def tversky(
    y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None
) -> torch.Tensor:
    """Tversky loss: `1 - tp / (tp + alpha * sum(y_true * (1 - y_pred)) + beta * sum((1 - y_true) * y_pred))`.

    With `alpha = beta = 0.5` it equals the Dice loss.

    Args:
        y_true: Tensor of true targets.
        y_pred: Tensor of predicted targets.
        alpha: Weight of the first error term. Defaults to `0.5`.
        beta: Weight of the second error term. Defaults to `0.5`.
        axis: Axes the sums run over. Defaults to `None` (all axes).
    """
    y_true, y_pred = _prepare(y_true, y_pred, "tversky")
    axis = _dims(axis, y_pred)
    tp = torch.sum(y_true * y_pred, dim=axis)
    missed = torch.sum((1.0 - y_pred) * y_true, dim=axis)
    extra = torch.sum(y_pred * (1.0 - y_true), dim=axis)
    return 1.0 - tp / (tp + missed * alpha + extra * beta + config.epsilon())


def _dims(axis, x: torch.Tensor):
    if axis is None:
        return tuple(range(x.dim()))
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


# ------------------------------------------------- fused "sum_over_batch_size"
# Each helper returns the mean of the per-sample losses above, or None when the
# inputs need the general path (broadcasting, empty, unusual axis, bad shapes:
# the general path raises the clear error).


def mean_squared_error_mean(y_true, y_pred):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape or y_pred.numel() == 0:
        return None
    return F.mse_loss(y_pred, y_true)


def mean_absolute_error_mean(y_true, y_pred):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape or y_pred.numel() == 0:
        return None
    return F.l1_loss(y_pred, y_true)


def huber_mean(y_true, y_pred, delta: float = 1.0):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape or y_pred.numel() == 0:
        return None
    return F.huber_loss(y_pred, y_true, delta=float(delta))
