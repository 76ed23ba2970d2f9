"""Accuracy functions and metrics: exact, binary, categorical, sparse, top-k.

The functions return one value per sample. Unlike Keras, a rank-1 `y_true`
and `y_pred` are compared element by element (one sample each) rather than
averaged into one number, so sample weights of shape `(batch,)` apply.
"""

from __future__ import annotations

import torch

from kerastorch.backend import config
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from kerastorch.metrics.reduction_metrics import MeanMetricWrapper


def _as_tensor(x, like: torch.Tensor | None = None) -> torch.Tensor:
    device = None if like is None else like.device
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x, device=device)


def _matches(equal: torch.Tensor) -> torch.Tensor:
    """Per-sample fraction of matches: mean over the last axis when rank > 1."""
    equal = equal.to(to_torch_dtype(config.floatx()))
    return equal.mean(dim=-1) if equal.ndim > 1 else equal


def accuracy(y_true, y_pred) -> torch.Tensor:
    """How often `y_pred` equals `y_true` exactly, per sample."""
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, y_pred).to(device=y_pred.device, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true == y_pred)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> torch.Tensor:
    """How often `y_pred > threshold` matches the binary `y_true`, per sample."""
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, y_pred).to(y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = (y_pred > threshold).to(y_true.dtype)
    return _matches(y_true == y_pred)


def categorical_accuracy(y_true, y_pred) -> torch.Tensor:
    """How often the argmax of `y_pred` is the argmax of one-hot `y_true`."""
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, y_pred).to(y_pred.device)
    matches = y_true.argmax(dim=-1) == y_pred.argmax(dim=-1)
    return matches.to(to_torch_dtype(config.floatx()))


def sparse_categorical_accuracy(y_true, y_pred) -> torch.Tensor:
    """How often the argmax of `y_pred` equals the integer label `y_true`."""
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, y_pred).to(y_pred.device)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)  # (batch, 1) labels -> (batch,)
    predicted = y_pred.argmax(dim=-1).to(y_true.dtype)
    return (y_true == predicted).to(to_torch_dtype(config.floatx()))


def _in_top_k(targets: torch.Tensor, predictions: torch.Tensor, k: int) -> torch.Tensor:
    """Whether each target's score is among the `k` largest (ties count in)."""
    k = min(k, predictions.shape[-1])
    kth_largest = torch.topk(predictions, k, dim=-1).values[..., -1:]  # (batch, 1)
    target_score = predictions.gather(-1, targets.long().unsqueeze(-1))  # (batch, 1)
    return (target_score >= kth_largest).squeeze(-1)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> torch.Tensor:
    """How often the one-hot target is among the `k` highest predictions."""
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, y_pred).to(y_pred.device)
    labels = y_true.argmax(dim=-1)
    matches = _in_top_k(labels.reshape(-1), y_pred.reshape(-1, y_pred.shape[-1]), k)
    return matches.reshape(labels.shape).to(to_torch_dtype(config.floatx()))


def sparse_top_k_categorical_accuracy(
    y_true, y_pred, k: int = 5, from_sorted_ids: bool = False
) -> torch.Tensor:
    """How often the integer target is among the `k` highest predictions.

    With `from_sorted_ids=True`, `y_pred` holds class ids sorted by decreasing
    score (e.g. the indices from `torch.topk`) instead of scores.
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, y_pred).to(y_pred.device)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    labels = y_true.reshape(-1)
    y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if from_sorted_ids:
        matches = (y_pred[:, :k] == labels.to(y_pred.dtype).unsqueeze(-1)).any(dim=-1)
    else:
        matches = _in_top_k(labels, y_pred, k)
    return matches.reshape(y_true.shape).to(to_torch_dtype(config.floatx()))


class Accuracy(MeanMetricWrapper):
    """Calculates how often predictions equal labels.

    Args:
        name: string name of the metric instance. Defaults to `"accuracy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """Calculates how often predictions match binary labels.

    Args:
        name: string name of the metric instance. Defaults to `"binary_accuracy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        threshold: predictions above it count as 1, in `(0, 1)`.
            Defaults to `0.5`.

    Example:

    >>> m = keras.metrics.BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(m.result())
    0.75
    """

    def __init__(
        self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5
    ):
        if threshold is not None and not 0 < threshold < 1:
            raise ValueError(
                "Invalid value for argument `threshold`. Expected a value in "
                f"interval (0, 1). Received: threshold={threshold}"
            )
        super().__init__(
            fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold
        )
        self.threshold = threshold
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """Calculates how often predictions match one-hot labels (argmax of both).

    Args:
        name: string name of the metric instance.
            Defaults to `"categorical_accuracy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Calculates how often predictions match integer labels.

    Args:
        name: string name of the metric instance.
            Defaults to `"sparse_categorical_accuracy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


def _check_k(k) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"`k` must be a positive integer. Received: k={k!r}")


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Computes how often one-hot targets are in the top `k` predictions.

    Args:
        k: number of top elements to look at. Defaults to `5`.
        name: string name of the metric instance.
            Defaults to `"top_k_categorical_accuracy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(
        self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None
    ):
        _check_k(k)
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Computes how often integer targets are in the top `k` predictions.

    Args:
        k: number of top elements to look at. Defaults to `5`.
        name: string name of the metric instance.
            Defaults to `"sparse_top_k_categorical_accuracy"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        from_sorted_ids: whether `y_pred` holds class ids sorted by decreasing
            score rather than scores. Defaults to `False`.

    Example:

    >>> m = keras.metrics.SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype=None,
        from_sorted_ids: bool = False,
    ):
        _check_k(k)
        super().__init__(
            fn=sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "k": self.k,
            "from_sorted_ids": self.from_sorted_ids,
        }
