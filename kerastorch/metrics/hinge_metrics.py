"""Hinge metrics for "maximum-margin" classification."""

from __future__ import annotations

import torch

from kerastorch.metrics.reduction_metrics import MeanMetricWrapper


def _hinge_inputs(y_true, y_pred) -> tuple[torch.Tensor, torch.Tensor]:
    y_pred = torch.as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(y_pred.dtype)
    # Labels given as {0, 1} become {-1, 1}; decided on the device, no sync.
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true), y_pred


def hinge(y_true, y_pred) -> torch.Tensor:
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`, labels in {-1, 1} or {0, 1}."""
    y_true, y_pred = _hinge_inputs(y_true, y_pred)
    return (1.0 - y_true * y_pred).clamp_min(0.0).mean(dim=-1)


def squared_hinge(y_true, y_pred) -> torch.Tensor:
    """`mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1)`, labels in {-1, 1} or {0, 1}."""
    y_true, y_pred = _hinge_inputs(y_true, y_pred)
    return (1.0 - y_true * y_pred).clamp_min(0.0).square().mean(dim=-1)


def categorical_hinge(y_true, y_pred) -> torch.Tensor:
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` per sample."""
    y_pred = torch.as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(y_pred.dtype)
    positive = (y_true * y_pred).sum(dim=-1)
    negative = ((1.0 - y_true) * y_pred).amax(dim=-1)
    return (negative - positive + 1.0).clamp_min(0.0)


class Hinge(MeanMetricWrapper):
    """Computes the hinge metric between labels (-1/1 or 0/1) and predictions.

    Args:
        name: string name of the metric instance. Defaults to `"hinge"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.Hinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.3
    """

    def __init__(self, name: str = "hinge", dtype=None):
        super().__init__(fn=hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class SquaredHinge(MeanMetricWrapper):
    """Computes the squared hinge metric between labels and predictions.

    Args:
        name: string name of the metric instance. Defaults to `"squared_hinge"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.SquaredHinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.86
    """

    def __init__(self, name: str = "squared_hinge", dtype=None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class CategoricalHinge(MeanMetricWrapper):
    """Computes the categorical hinge metric between one-hot labels and predictions.

    Args:
        name: string name of the metric instance.
            Defaults to `"categorical_hinge"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.CategoricalHinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.4
    """

    def __init__(self, name: str = "categorical_hinge", dtype=None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}
