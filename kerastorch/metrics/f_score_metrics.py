"""`FBetaScore` and `F1Score` for multi-class and multi-label outputs."""

from __future__ import annotations

import torch

from kerastorch.backend import config
from kerastorch.metrics.metric import Metric

_AVERAGES = (None, "micro", "macro", "weighted")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class FBetaScore(Metric):
    """Computes the F-Beta score.

    `(1 + beta**2) * precision * recall / (beta**2 * precision + recall)`, the
    weighted harmonic mean of precision and recall, per class (last axis of
    `y_pred`) or averaged. The state is per-class weighted TP, FP, FN and
    support, so it sums across replicas.

    Args:
        average: `None` (one score per class), `"micro"` (global counts),
            `"macro"` (unweighted mean of the class scores) or `"weighted"`
            (mean weighted by each class's support). Defaults to `None`.
        beta: weight of recall in the harmonic mean, > 0. Defaults to `1.0`.
        threshold: predictions above it count as positive. With `None`, the
            largest prediction of each sample is the positive one.
            Defaults to `None`.
        name: string name of the metric instance. Defaults to `"fbeta_score"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ...                np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
    >>> m.result()  # one score per class
    tensor([0.3846, 0.9091, 0.8333])
    """

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype=None,
    ):
        if average not in _AVERAGES:
            raise ValueError(
                "Invalid `average` argument value. Expected one of: "
                f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average!r}"
            )
        if not _is_number(beta) or beta <= 0:
            raise ValueError(
                "Invalid `beta` argument value. It should be a number > 0. "
                f"Received: beta={beta!r}"
            )
        if threshold is not None and (
            not _is_number(threshold) or not 0 < threshold <= 1
        ):
            raise ValueError(
                "Invalid `threshold` argument value. It should verify "
                f"0 < threshold <= 1. Received: threshold={threshold!r}"
            )
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.average = average
        self.beta = float(beta)
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape "
                "(batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, name="false_positives")
        self.false_negatives = self.add_variable(shape=shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(
            shape=shape, name="intermediate_weights"
        )
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate per-class counts.

        Args:
            y_true: one-hot or multi-hot labels, shape `(batch, num_classes)`.
            y_pred: scores, shape `(batch, num_classes)`.
            sample_weight: per-sample weights of shape `(batch,)`. Defaults to 1.
        """
        y_true = self._tensor(y_true, self._torch_dtype)
        y_pred = self._tensor(y_pred, self._torch_dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            # The row maximum is positive; an all-zero row stays all negative.
            row_max = y_pred.max(dim=-1, keepdim=True).values
            positive = (y_pred >= row_max) & (y_pred.abs() > 1e-9)
        else:
            positive = y_pred > self.threshold
        y_pred = positive.to(self._torch_dtype)
        if sample_weight is not None:
            weight = self._tensor(sample_weight, self._torch_dtype)
            weight = weight.reshape(-1, 1) if weight.ndim == 1 else weight
        else:
            weight = None

        def weighted_sum(values: torch.Tensor) -> torch.Tensor:
            if weight is not None:
                values = values * weight
            return values.sum() if self.axis is None else values.sum(dim=0)

        self.true_positives.add_(weighted_sum(y_pred * y_true))
        self.false_positives.add_(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.add_(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.add_(weighted_sum(y_true))

    def result(self) -> torch.Tensor:
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype, device=self._device)
        eps = config.epsilon()
        tp = self.true_positives.detach()
        precision = tp / (tp + self.false_positives.detach() + eps)
        recall = tp / (tp + self.false_negatives.detach() + eps)
        beta2 = self.beta**2
        score = (1 + beta2) * precision * recall / (beta2 * precision + recall + eps)
        if self.average == "weighted":
            support = self.intermediate_weights.detach()
            return (score * support / (support.sum() + eps)).sum()
        if self.average is not None:  # micro (already a scalar) or macro
            return score.mean()
        return score

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """Computes the F-1 score: `2 * precision * recall / (precision + recall)`.

    Args:
        average: `None` (one score per class), `"micro"`, `"macro"` or
            `"weighted"`; see `FBetaScore`. Defaults to `None`.
        threshold: predictions above it count as positive. With `None`, the
            largest prediction of each sample is the positive one.
            Defaults to `None`.
        name: string name of the metric instance. Defaults to `"f1_score"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.F1Score(threshold=0.5)
    >>> m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ...                np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
    >>> m.result()
    tensor([0.5000, 0.8000, 0.6667])
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str = "f1_score",
        dtype=None,
    ):
        super().__init__(
            average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
