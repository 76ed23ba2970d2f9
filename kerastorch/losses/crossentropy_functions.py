"""Crossentropy loss functions (categorical, sparse, binary, focal), Keras 3 semantics.

Probabilities are clipped to `[epsilon, 1 - epsilon]`; logits go through the
numerically stable torch kernels. The `*_mean` helpers at the bottom compute
the default `"sum_over_batch_size"` reduction with one fused kernel.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch.backend import config
from kerastorch.losses.functions import _check_axis
from kerastorch.losses.functions import _check_same_shape
from kerastorch.losses.functions import _pred_tensor
from kerastorch.losses.functions import _true_like
from kerastorch.losses.functions import _warn_single_class
from kerastorch.losses.loss import squeeze_or_expand_to_same_rank

# torch ignores label -100 by default; Keras ignores nothing unless asked.
_NO_IGNORE = -(2**62)


def _log_probs(y_pred: torch.Tensor, from_logits: bool, axis: int) -> torch.Tensor:
    """Log-probabilities: log_softmax of logits, or log of renormalised, clipped probs."""
    if from_logits:
        return F.log_softmax(y_pred, dim=axis)
    eps = config.epsilon()
    probs = y_pred / torch.sum(y_pred, dim=axis, keepdim=True)
    return torch.log(torch.clamp(probs, eps, 1.0 - eps))


def _bce_from_probs(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Elementwise binary crossentropy of clipped probabilities."""
    eps = config.epsilon()
    y_pred = torch.clamp(y_pred, eps, 1.0 - eps)
    if torch.is_autocast_enabled(y_pred.device.type):
        # F.binary_cross_entropy refuses to run under CUDA autocast.
        return -(y_true * torch.log(y_pred) + (1.0 - y_true) * torch.log(1.0 - y_pred))
    return F.binary_cross_entropy(y_pred, y_true, reduction="none")


def categorical_crossentropy(
    y_true,
    y_pred,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Categorical crossentropy between one-hot (or soft) labels and predictions.

    Probabilities are renormalised to sum to 1 and clipped to
    `[epsilon, 1 - epsilon]`; logits go through `log_softmax`.

    Args:
        y_true: One-hot (or soft) labels, shape `(batch_size, num_classes)`.
        y_pred: Probabilities or logits, same shape.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]: labels become
            `y_true * (1 - label_smoothing) + label_smoothing / num_classes`.
            Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.

    Returns:
        The crossentropy per sample, shape `(batch_size,)`.
    """
    _check_axis(axis, "categorical_crossentropy")
    y_pred = _pred_tensor(y_pred)
    y_true = _true_like(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "categorical_crossentropy")
    _warn_single_class(y_pred, "categorical_crossentropy")
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return -torch.sum(y_true * _log_probs(y_pred, from_logits, axis), dim=axis)


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Focal categorical crossentropy: `sum(alpha * (1 - p)**gamma * -y_true * log(p))`.

    Args:
        y_true: One-hot labels, shape `(batch_size, num_classes)`.
        y_pred: Probabilities or logits, same shape.
        alpha: Weight balancing factor: a float, or one float per class.
            Defaults to `0.25`.
        gamma: Focusing parameter; 0 gives plain crossentropy. Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]. Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.
    """
    _check_axis(axis, "categorical_focal_crossentropy")
    y_pred = _pred_tensor(y_pred)
    y_true = _true_like(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "categorical_focal_crossentropy")
    _warn_single_class(y_pred, "categorical_focal_crossentropy")
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    eps = config.epsilon()
    output = torch.clamp(
        y_pred / torch.sum(y_pred, dim=axis, keepdim=True), eps, 1.0 - eps
    )
    cce = -y_true * torch.log(output)
    if isinstance(alpha, (list, tuple)):
        alpha = torch.as_tensor(alpha, dtype=y_pred.dtype, device=y_pred.device)
    focal = torch.pow(1.0 - output, gamma) * alpha * cce
    return torch.sum(focal, dim=axis)


def _sparse_labels(y_true, y_pred: torch.Tensor, axis: int) -> torch.Tensor:
    """Integer labels of shape `y_pred.shape` without the class axis."""
    if not isinstance(y_true, torch.Tensor):
        y_true = torch.as_tensor(y_true, device=y_pred.device)
    elif y_true.device != y_pred.device:
        y_true = y_true.to(y_pred.device)
    if y_true.dim() == y_pred.dim() and y_true.dim() > 0 and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    if y_pred.dim() < 1:
        raise ValueError(
            "In loss sparse_categorical_crossentropy, `y_pred` must be at least "
            f"rank 1. Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    expected = list(y_pred.shape)
    del expected[axis]
    if list(y_true.shape) != expected:
        raise ValueError(
            "In loss sparse_categorical_crossentropy, `y_true` must have the shape "
            "of `y_pred` without its class axis. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    return y_true if y_true.dtype == torch.int64 else y_true.long()


def sparse_categorical_crossentropy(
    y_true,
    y_pred,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> torch.Tensor:
    """Crossentropy between integer labels and predictions.

    Args:
        y_true: Integer class ids, shape `(batch_size,)` or `(batch_size, 1)`
            (any int or float dtype).
        y_pred: Probabilities or logits, shape `(batch_size, num_classes)`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: Optional class id whose entries get no loss (and are
            left out of the average when used through the `Loss` class), e.g.
            a "void" class -1 or 255 in segmentation maps. Defaults to `None`.
        axis: The class axis. Defaults to `-1`.

    Returns:
        The crossentropy per sample, shape `(batch_size,)`.
    """
    _check_axis(axis, "sparse_categorical_crossentropy")
    y_pred = _pred_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred, axis)
    valid = None
    if ignore_class is not None:
        valid = labels != int(ignore_class)
        labels = torch.where(valid, labels, torch.zeros_like(labels))
    log_probs = _log_probs(y_pred, from_logits, axis)
    axis = axis % y_pred.dim()
    res = -torch.gather(log_probs, axis, labels.unsqueeze(axis)).squeeze(axis)
    if valid is not None:
        res = torch.where(valid, res, torch.zeros_like(res))
        res._keras_mask = valid
    return res


def binary_crossentropy(
    y_true,
    y_pred,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Binary crossentropy, averaged over `axis`.

    Probabilities are clipped to `[epsilon, 1 - epsilon]`; logits use the
    stable `binary_cross_entropy_with_logits`.

    Args:
        y_true: Labels in [0, 1], shape `(batch_size, d0, .. dN)`.
        y_pred: Probabilities or logits, same shape.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]: labels are squeezed towards 0.5,
            `y_true * (1 - label_smoothing) + 0.5 * label_smoothing`.
            Defaults to `0.0`.
        axis: The axis along which the mean is computed. Defaults to `-1`.
    """
    y_pred = _pred_tensor(y_pred)
    y_true = _true_like(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        bce = _bce_from_probs(y_true, y_pred)
    return torch.mean(bce, dim=axis)


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Binary focal crossentropy: `(1 - p_t)**gamma * bce`, averaged over `axis`.

    Args:
        y_true: Labels in [0, 1].
        y_pred: Probabilities or logits, same shape.
        apply_class_balancing: Whether to weight class 1 by `alpha` and
            class 0 by `1 - alpha`. Defaults to `False`.
        alpha: Weight of class 1 when balancing. Defaults to `0.25`.
        gamma: Focusing parameter; 0 gives plain binary crossentropy.
            Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]. Defaults to `0.0`.
        axis: The axis along which the mean is computed. Defaults to `-1`.
    """
    y_pred = _pred_tensor(y_pred)
    y_true = _true_like(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    bce = _bce_from_probs(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return torch.mean(focal_bce, dim=axis)


# ------------------------------------------------- fused "sum_over_batch_size"


def binary_crossentropy_mean(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape or y_pred.dim() < 1 or y_pred.numel() == 0:
        return None
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return F.binary_cross_entropy_with_logits(y_pred, y_true)
    if torch.is_autocast_enabled(y_pred.device.type):
        return None  # F.binary_cross_entropy refuses CUDA autocast
    eps = config.epsilon()
    return F.binary_cross_entropy(torch.clamp(y_pred, eps, 1.0 - eps), y_true)


def categorical_crossentropy_mean(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if (
        y_true.shape != y_pred.shape
        or y_pred.dim() < 2
        or axis not in (-1, y_pred.dim() - 1)
        or y_pred.shape[-1] == 1
        or y_pred.numel() == 0
    ):
        return None
    num_classes = y_pred.shape[-1]
    if from_logits:
        if y_pred.dim() > 2:  # (batch, ..., classes) -> (samples, classes)
            y_pred = y_pred.reshape(-1, num_classes)
            y_true = y_true.reshape(-1, num_classes)
        return F.cross_entropy(y_pred, y_true, label_smoothing=float(label_smoothing))
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    log_probs = _log_probs(y_pred, False, -1)
    return torch.sum(y_true * log_probs) / -(y_pred.numel() // num_classes)


def sparse_categorical_crossentropy_mean(
    y_true, y_pred, from_logits=False, ignore_class=None, axis=-1
):
    if (
        ignore_class is not None
        or y_pred.dim() < 2
        or axis not in (-1, y_pred.dim() - 1)
    ):
        return None
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    if y_true.shape != y_pred.shape[:-1] or y_pred.numel() == 0:
        return None
    labels = y_true if y_true.dtype == torch.int64 else y_true.long()
    if y_pred.dim() > 2:  # (batch, ..., classes) -> (samples, classes)
        labels = labels.reshape(-1)
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if from_logits:
        return F.cross_entropy(y_pred, labels, ignore_index=_NO_IGNORE)
    return F.nll_loss(_log_probs(y_pred, False, -1), labels, ignore_index=_NO_IGNORE)
