"""Regression metrics: MSE, RMSE, MAE, MAPE, MSLE, cosine similarity, log-cosh, R2.

The per-sample functions below reduce over the last axis, as Keras's loss
functions do; the metric classes average them over samples.
"""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F

from kerastorch.backend import config
from kerastorch.metrics import metrics_utils
from kerastorch.metrics.metric import Metric
from kerastorch.metrics.reduction_metrics import Mean
from kerastorch.metrics.reduction_metrics import MeanMetricWrapper
from kerastorch.utils.warnings import KerasTorchWarning


def _aligned(y_true, y_pred) -> tuple[torch.Tensor, torch.Tensor]:
    y_pred = torch.as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    y_true = torch.as_tensor(y_true, device=y_pred.device).to(y_pred.dtype)
    return metrics_utils.squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred) -> torch.Tensor:
    """`mean((y_true - y_pred) ** 2, axis=-1)`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return (y_true - y_pred).square().mean(dim=-1)


def mean_absolute_error(y_true, y_pred) -> torch.Tensor:
    """`mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return (y_true - y_pred).abs().mean(dim=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> torch.Tensor:
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    ratio = (y_true - y_pred).abs() / y_true.abs().clamp_min(config.epsilon())
    return 100.0 * ratio.mean(dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred) -> torch.Tensor:
    """`mean((log(y_pred + 1) - log(y_true + 1)) ** 2, axis=-1)`, inputs >= epsilon."""
    y_true, y_pred = _aligned(y_true, y_pred)
    eps = config.epsilon()
    diff = torch.log1p(y_pred.clamp_min(eps)) - torch.log1p(y_true.clamp_min(eps))
    return diff.square().mean(dim=-1)


def log_cosh(y_true, y_pred) -> torch.Tensor:
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed stably."""
    y_true, y_pred = _aligned(y_true, y_pred)
    x = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), without overflow for large |x|.
    return (x + F.softplus(-2.0 * x) - math.log(2.0)).mean(dim=-1)


def cosine_similarity(y_true, y_pred, axis: int = -1) -> torch.Tensor:
    """Cosine of the angle between `y_true` and `y_pred` along `axis`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    eps = config.epsilon()
    y_true = F.normalize(y_true, p=2.0, dim=axis, eps=eps)
    y_pred = F.normalize(y_pred, p=2.0, dim=axis, eps=eps)
    return (y_true * y_pred).sum(dim=axis)


class MeanSquaredError(MeanMetricWrapper):
    """Computes the mean squared error: `mean((y_true - y_pred) ** 2)`.

    Args:
        name: string name of the metric instance.
            Defaults to `"mean_squared_error"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.MeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name: str = "mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """Computes the mean absolute error: `mean(abs(y_true - y_pred))`.

    Args:
        name: string name of the metric instance.
            Defaults to `"mean_absolute_error"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.MeanAbsoluteError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name: str = "mean_absolute_error", dtype=None):
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Computes the mean absolute percentage error:
    `100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)))`.

    Args:
        name: string name of the metric instance.
            Defaults to `"mean_absolute_percentage_error"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.MeanAbsolutePercentageError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    250000000.0
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=mean_absolute_percentage_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Computes the mean squared logarithmic error:
    `mean((log(y_true + 1) - log(y_pred + 1)) ** 2)`.

    Args:
        name: string name of the metric instance.
            Defaults to `"mean_squared_logarithmic_error"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.MeanSquaredLogarithmicError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(float(m.result()), 4)
    0.1201
    """

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=mean_squared_logarithmic_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class LogCoshError(MeanMetricWrapper):
    """Computes the logarithm of the hyperbolic cosine of the error:
    `mean(log(cosh(y_pred - y_true)))`.

    Args:
        name: string name of the metric instance.
            Defaults to `"logcosh"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.LogCoshError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(float(m.result()), 4)
    0.1084
    """

    def __init__(self, name: str = "logcosh", dtype=None):
        super().__init__(fn=log_cosh, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """Computes the root mean squared error: `sqrt(mean((y_pred - y_true) ** 2))`.

    Args:
        name: string name of the metric instance.
            Defaults to `"root_mean_squared_error"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate squared errors.

        Args:
            y_true: ground truth values.
            y_pred: predicted values.
            sample_weight: weights, broadcastable to the errors. Defaults to 1.
        """
        mask = metrics_utils.get_mask(y_pred)
        y_true = self._tensor(y_true, self._torch_dtype)
        y_pred = self._tensor(y_pred, self._torch_dtype)
        y_true, y_pred = metrics_utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
        if sample_weight is not None:
            sample_weight = self._tensor(sample_weight, self._torch_dtype)
        sample_weight = metrics_utils.apply_mask(sample_weight, mask, self._torch_dtype)
        self._update_samplewise((y_pred - y_true).square(), sample_weight)

    def result(self) -> torch.Tensor:
        return torch.sqrt(super().result())


class CosineSimilarity(MeanMetricWrapper):
    """Computes the mean cosine similarity between labels and predictions.

    Args:
        name: string name of the metric instance.
            Defaults to `"cosine_similarity"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        axis: the axis along which the similarity is computed. Defaults to `-1`.

    Example:

    >>> m = keras.metrics.CosineSimilarity(axis=1)
    >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    >>> round(float(m.result()), 4)
    0.5
    """

    def __init__(self, name: str = "cosine_similarity", dtype=None, axis: int = -1):
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"`axis` must be an integer. Received: axis={axis!r}")
        super().__init__(fn=cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """Computes the R2 score (coefficient of determination).

    `1 - sum((y_true - y_pred) ** 2) / sum((y_true - mean(y_true)) ** 2)` per
    output (last axis), then aggregated. The state is per-output weighted
    sums of `y_true`, `y_true ** 2`, squared residuals and weights, so it
    sums across replicas. With `num_regressors > 0` the adjusted R2 is returned.

    Args:
        class_aggregation: how to combine the per-output scores: `None` (no
            aggregation), `"uniform_average"` or `"variance_weighted_average"`,
            like scikit-learn's `multioutput`. Defaults to `"uniform_average"`.
        num_regressors: number of independent regressors, for the adjusted R2.
            Defaults to `0` (the standard R2).
        name: string name of the metric instance. Defaults to `"r2_score"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.R2Score()
    >>> m.update_state(np.array([[1.0], [4.0], [3.0]]), np.array([[2.0], [4.0], [4.0]]))
    >>> round(float(m.result()), 4)
    0.5714
    """

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype=None,
    ):
        if class_aggregation not in _CLASS_AGGREGATIONS:
            raise ValueError(
                "Invalid value for argument `class_aggregation`. Expected one of "
                f"{_CLASS_AGGREGATIONS}. Received: class_aggregation={class_aggregation!r}"
            )
        if (
            isinstance(num_regressors, bool)
            or not isinstance(num_regressors, int)
            or num_regressors < 0
        ):
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected an integer "
                f">= 0. Received: num_regressors={num_regressors!r}"
            )
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), name="num_samples")
        self._built = False

    def _build(self, num_outputs: int) -> None:
        shape = (num_outputs,)
        self.squared_sum = self.add_variable(shape=shape, name="squared_sum")
        self.sum = self.add_variable(shape=shape, name="sum")
        self.total_mse = self.add_variable(shape=shape, name="residual")
        self.count = self.add_variable(shape=shape, name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate the sums.

        Args:
            y_true: ground truth, shape `(batch, num_outputs)` (or `(batch,)`).
            y_pred: predictions, the same shape.
            sample_weight: weights of shape `(batch,)` or `(batch, num_outputs)`.
                Defaults to 1.
        """
        y_true = self._tensor(y_true, self._torch_dtype)
        y_pred = self._tensor(y_pred, self._torch_dtype)
        y_true, y_pred = metrics_utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
        if y_true.ndim == 1 and y_pred.ndim == 1:
            y_true, y_pred = y_true.unsqueeze(-1), y_pred.unsqueeze(-1)
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={tuple(y_pred.shape)} and "
                f"y_true.shape={tuple(y_true.shape)}."
            )
        if not self._built:
            self._build(y_pred.shape[-1])
        if sample_weight is None:
            weight = torch.ones_like(y_true)
        else:
            weight = self._tensor(sample_weight, self._torch_dtype)
            if weight.ndim == 1:
                weight = weight.unsqueeze(-1)  # one weight per sample
            weight = torch.broadcast_to(weight, y_true.shape)
        weighted_y_true = y_true * weight
        self.sum.add_(weighted_y_true.sum(dim=0))
        self.squared_sum.add_((y_true * weighted_y_true).sum(dim=0))
        self.total_mse.add_(((y_true - y_pred).square() * weight).sum(dim=0))
        self.count.add_(weight.sum(dim=0))
        self.num_samples.add_(y_true.numel())

    def result(self) -> torch.Tensor:
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype, device=self._device)
        total_sum = self.sum.detach()
        mean = total_sum / self.count.detach()
        total = self.squared_sum.detach() - total_sum * mean  # (outputs,)
        raw_scores = 1 - self.total_mse.detach() / total
        raw_scores = torch.where(torch.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            score = raw_scores.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * raw_scores).sum() / total.sum()
        else:
            score = raw_scores
        if self.num_regressors == 0:
            return score
        # The adjusted score needs the sample count on the host (once per result).
        n = float(self.num_samples)
        p = self.num_regressors
        if p > n - 1:
            warnings.warn(
                "More independent predictors than datapoints in adjusted R2 score. "
                "Falling back to standard R2 score.",
                KerasTorchWarning,
                stacklevel=2,
            )
            return score
        if p == n - 1:
            warnings.warn(
                "Division by zero in adjusted R2 score. Falling back to standard "
                "R2 score.",
                KerasTorchWarning,
                stacklevel=2,
            )
            return score
        return 1 - (1 - score) * (n - 1) / (n - p - 1)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
