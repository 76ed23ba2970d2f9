"""Cross-entropy, KL divergence and Poisson metrics (losses averaged as metrics).

The per-sample functions follow Keras's loss functions: probabilities are
clipped to `[epsilon, 1 - epsilon]`, logits go through (log-)softmax or a
sigmoid, and the result has one value per sample (the class axis reduced).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch.backend import config
from kerastorch.metrics import metrics_utils
from kerastorch.metrics.reduction_metrics import MeanMetricWrapper


def _float(x) -> torch.Tensor:
    x = torch.as_tensor(x)
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


def binary_crossentropy(
    y_true,
    y_pred,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Binary cross-entropy per sample, averaged over `axis`."""
    y_pred = _float(y_pred)
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    y_true, y_pred = metrics_utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        # Written out (not F.binary_cross_entropy) so it also runs under autocast.
        eps = config.epsilon()
        p = y_pred.clamp(eps, 1.0 - eps)
        bce = -(y_true * torch.log(p) + (1.0 - y_true) * torch.log1p(-p))
    return bce.mean(dim=axis)


def _log_probabilities(
    y_pred: torch.Tensor, from_logits: bool, axis: int
) -> torch.Tensor:
    if from_logits:
        return F.log_softmax(y_pred, dim=axis)
    eps = config.epsilon()
    y_pred = y_pred / y_pred.sum(dim=axis, keepdim=True)
    return torch.log(y_pred.clamp(eps, 1.0 - eps))


def categorical_crossentropy(
    y_true,
    y_pred,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Cross-entropy between one-hot `y_true` and `y_pred`, per sample."""
    y_pred = _float(y_pred)
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(y_pred.dtype)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "Arguments `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return -(y_true * _log_probabilities(y_pred, from_logits, axis)).sum(dim=axis)


def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits: bool = False, axis: int = -1
) -> torch.Tensor:
    """Cross-entropy between integer labels `y_true` and `y_pred`, per sample."""
    y_pred = _float(y_pred)
    y_true = torch.as_tensor(y_true, device=y_pred.device).long()
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)  # (batch, 1) labels -> (batch,)
    expected = list(y_pred.shape)
    del expected[axis]
    if list(y_true.shape) != expected:
        raise ValueError(
            "Arguments `y_true` and `y_pred` must have compatible shapes: `y_pred` "
            "has one more (class) axis. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    log_prob = _log_probabilities(y_pred, from_logits, axis)
    axis = axis % y_pred.ndim
    return -log_prob.gather(axis, y_true.unsqueeze(axis)).squeeze(axis)


def kl_divergence(y_true, y_pred) -> torch.Tensor:
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to [epsilon, 1]."""
    y_pred = _float(y_pred)
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(y_pred.dtype)
    eps = config.epsilon()
    y_true = y_true.clamp(eps, 1.0)
    y_pred = y_pred.clamp(eps, 1.0)
    return (y_true * torch.log(y_true / y_pred)).sum(dim=-1)


def poisson(y_true, y_pred) -> torch.Tensor:
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`."""
    y_pred = _float(y_pred)
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(y_pred.dtype)
    return (y_pred - y_true * torch.log(y_pred + config.epsilon())).mean(dim=-1)


class BinaryCrossentropy(MeanMetricWrapper):
    """Computes the cross-entropy between binary labels and predictions.

    Args:
        name: string name of the metric instance.
            Defaults to `"binary_crossentropy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        from_logits: whether `y_pred` are logits. Defaults to `False`.
        label_smoothing: in `[0, 1]`; labels move towards 0.5 by this much.
            Defaults to `0`.

    Example:

    >>> m = keras.metrics.BinaryCrossentropy()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    0.8149
    """

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype=None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ):
        _check_smoothing(label_smoothing)
        super().__init__(
            binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class CategoricalCrossentropy(MeanMetricWrapper):
    """Computes the cross-entropy between one-hot labels and predictions.

    Args:
        name: string name of the metric instance.
            Defaults to `"categorical_crossentropy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        from_logits: whether `y_pred` are logits. Defaults to `False`.
        label_smoothing: in `[0, 1]`; labels move towards `1 / num_classes`
            by this much. Defaults to `0`.
        axis: the class axis. Defaults to `-1`.

    Example:

    >>> m = keras.metrics.CategoricalCrossentropy()
    >>> m.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(float(m.result()), 4)
    1.1769
    """

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype=None,
        from_logits: bool = False,
        label_smoothing: float = 0,
        axis: int = -1,
    ):
        _check_smoothing(label_smoothing)
        super().__init__(
            categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Computes the cross-entropy between integer labels and predictions.

    Args:
        name: string name of the metric instance.
            Defaults to `"sparse_categorical_crossentropy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        from_logits: whether `y_pred` are logits. Defaults to `False`.
        axis: the class axis. Defaults to `-1`.

    Example:

    >>> m = keras.metrics.SparseCategoricalCrossentropy()
    >>> m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(float(m.result()), 4)
    1.1769
    """

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype=None,
        from_logits: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            axis=axis,
        )
        self.from_logits = from_logits
        self.axis = axis
        self._direction = "down"

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "axis": self.axis,
        }


class KLDivergence(MeanMetricWrapper):
    """Computes the Kullback-Leibler divergence between labels and predictions.

    `sum(y_true * log(y_true / y_pred), axis=-1)`, averaged over samples.

    Args:
        name: string name of the metric instance. Defaults to `"kl_divergence"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.KLDivergence()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    0.4581
    """

    def __init__(self, name: str = "kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class Poisson(MeanMetricWrapper):
    """Computes the Poisson metric: `mean(y_pred - y_true * log(y_pred))`.

    Args:
        name: string name of the metric instance. Defaults to `"poisson"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.Poisson()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(float(m.result()), 4)
    0.5
    """

    def __init__(self, name: str = "poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


def _check_smoothing(label_smoothing) -> None:
    if not isinstance(label_smoothing, (int, float)) or not 0 <= label_smoothing <= 1:
        raise ValueError(
            "`label_smoothing` must be a number in [0, 1]. "
            f"Received: label_smoothing={label_smoothing!r}"
        )
