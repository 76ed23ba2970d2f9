"""Threshold-based metrics: TP/FP/TN/FN counts, Precision, Recall, AUC.

The state is a weighted count per threshold, so it sums across replicas.
The "X at Y" metrics (`SensitivityAtSpecificity`, ...) are in
`sensitivity_metrics.py`.
"""

from __future__ import annotations

import torch

from kerastorch.backend import config
from kerastorch.metrics import metrics_utils
from kerastorch.metrics.metric import Metric


def _is_int(value, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


class _ThresholdMetric(Metric):
    """Shared plumbing: thresholds, input alignment and per-threshold counts."""

    def _init_thresholds(self, thresholds: list[float]) -> None:
        self.thresholds = thresholds
        self._sorted, self._restore = metrics_utils.sorted_thresholds(
            thresholds, self._torch_dtype
        )

    def _counts(self, y_true, y_pred, sample_weight, top_k=None, class_id=None):
        """`(tp, fp, positives, negatives)` for this batch, in threshold order."""
        y_pred = self._tensor(y_pred, self._torch_dtype)
        y_true = self._tensor(y_true)
        if sample_weight is not None:
            sample_weight = self._tensor(sample_weight, self._torch_dtype)
        y_true, y_pred, weights = metrics_utils.confusion_inputs(
            y_true, y_pred, sample_weight, top_k=top_k, class_id=class_id
        )
        tp, fp, pos, neg = metrics_utils.threshold_counts(
            y_true, y_pred, self._sorted, weights
        )
        restore = self._restore
        return (
            metrics_utils.reorder(tp, restore),
            metrics_utils.reorder(fp, restore),
            pos,
            neg,
        )

    def _squeeze(self, value: torch.Tensor) -> torch.Tensor:
        """One threshold gives a scalar result, several a vector."""
        return value[0] if len(self.thresholds) == 1 else value


class _ConfusionMatrixConditionCount(_ThresholdMetric):
    """Weighted count of one confusion-matrix cell at each threshold."""

    _condition = ""

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        parsed = metrics_utils.parse_thresholds(thresholds, default=0.5)
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self._init_thresholds(parsed)
        self.accumulator = self.add_variable(shape=(len(parsed),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate the count.

        Args:
            y_true: ground truth; non-zero values are positives.
            y_pred: predictions; positive when above a threshold.
            sample_weight: weights, broadcastable to `y_true`. Defaults to 1.
        """
        tp, fp, pos, neg = self._counts(y_true, y_pred, sample_weight)
        if self._condition == "tp":
            self.accumulator.add_(tp)
        elif self._condition == "fp":
            self.accumulator.add_(fp)
        elif self._condition == "fn":
            self.accumulator.add_(pos - tp)
        else:
            self.accumulator.add_(neg - fp)

    def result(self) -> torch.Tensor:
        return self._squeeze(self.accumulator.detach().clone())

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


_COUNT_DOC = """Calculates the number of {what}.

    With `sample_weight`, the sum of the weights of the {what} instead.

    Args:
        thresholds: a float, or a list/tuple of floats in `[0, 1]`. A
            prediction above a threshold is a positive; one result per
            threshold. Use `0` with logits. Defaults to `0.5`.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.{cls}()
    >>> m.update_state({y_true}, {y_pred})
    >>> float(m.result())
    {value}
    """


class TruePositives(_ConfusionMatrixConditionCount):
    __doc__ = _COUNT_DOC.format(
        what="true positives",
        cls="TruePositives",
        y_true="[0, 1, 1, 1]",
        y_pred="[1, 0, 1, 1]",
        value="2.0",
    )
    _condition = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    __doc__ = _COUNT_DOC.format(
        what="false positives",
        cls="FalsePositives",
        y_true="[0, 1, 0, 0]",
        y_pred="[0, 0, 1, 1]",
        value="2.0",
    )
    _condition = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    __doc__ = _COUNT_DOC.format(
        what="true negatives",
        cls="TrueNegatives",
        y_true="[0, 1, 0, 0]",
        y_pred="[1, 1, 0, 0]",
        value="2.0",
    )
    _condition = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    __doc__ = _COUNT_DOC.format(
        what="false negatives",
        cls="FalseNegatives",
        y_true="[0, 1, 1, 1]",
        y_pred="[0, 1, 0, 0]",
        value="2.0",
    )
    _condition = "fn"


class _PrecisionRecallBase(_ThresholdMetric):
    """Two counts per threshold: true positives and `_other` (fp or fn)."""

    _other = ""

    def __init__(
        self,
        thresholds=None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        if top_k is not None and not _is_int(top_k, minimum=1):
            raise ValueError(
                f"`top_k` must be a positive integer. Received: top_k={top_k!r}"
            )
        if class_id is not None and not _is_int(class_id, minimum=0):
            raise ValueError(
                f"`class_id` must be a non-negative integer. Received: class_id={class_id!r}"
            )
        default = 0.5 if top_k is None else metrics_utils.NEG_INF
        if thresholds is None:
            parsed = [default]
        else:
            parsed = metrics_utils.parse_thresholds(thresholds, default=default)
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self._init_thresholds(parsed)
        shape = (len(parsed),)
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        other_name = "false_positives" if self._other == "fp" else "false_negatives"
        # Keras names the second count `false_positives` / `false_negatives`.
        self._second = self.add_variable(shape=shape, name=other_name)
        setattr(self, other_name, self._second)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate the counts.

        Args:
            y_true: ground truth, the same shape as `y_pred`; non-zero is positive.
            y_pred: predictions, positive when above a threshold (or in the
                top `top_k`).
            sample_weight: weights, broadcastable to `y_true`. Defaults to 1.
        """
        tp, fp, pos, _ = self._counts(
            y_true, y_pred, sample_weight, top_k=self.top_k, class_id=self.class_id
        )
        self.true_positives.add_(tp)
        self._second.add_(fp if self._other == "fp" else pos - tp)

    def result(self) -> torch.Tensor:
        tp = self.true_positives.detach()
        other = self._second.detach()
        return self._squeeze(metrics_utils.divide_no_nan(tp, tp + other))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecallBase):
    """Computes the precision of the predictions with respect to the labels.

    `true_positives / (true_positives + false_positives)`. With `top_k`, only
    the `k` highest predictions of each sample count as positive; with
    `class_id`, only that column of a multi-class output is used.

    Args:
        thresholds: a float, or a list/tuple of floats in `[0, 1]`; one result
            per threshold. Use `0` with logits. Defaults to `0.5` (or, with
            `top_k`, no threshold).
        top_k: count only the top-k predictions as positive. Defaults to `None`.
        class_id: the class (last-axis index) to compute precision for.
            Defaults to `None`.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _other = "fp"


class Recall(_PrecisionRecallBase):
    """Computes the recall of the predictions with respect to the labels.

    `true_positives / (true_positives + false_negatives)`. With `top_k`, only
    the `k` highest predictions of each sample count as positive; with
    `class_id`, only that column of a multi-class output is used.

    Args:
        thresholds: a float, or a list/tuple of floats in `[0, 1]`; one result
            per threshold. Use `0` with logits. Defaults to `0.5` (or, with
            `top_k`, no threshold).
        top_k: count only the top-k predictions as positive. Defaults to `None`.
        class_id: the class (last-axis index) to compute recall for.
            Defaults to `None`.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _other = "fn"


_CURVES = {"roc": "ROC", "pr": "PR"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Approximates the area under the ROC or precision-recall curve.

    Predictions are counted into `num_thresholds` buckets (weighted TP, FP,
    TN, FN per threshold, so the state sums across replicas) and the area is
    a Riemann sum over the resulting curve. For `curve="PR"` with
    `summation_method="interpolation"`, true and false positives are
    interpolated linearly between thresholds (Davis & Goadrich, 2006) rather
    than the precision itself.

    Args:
        num_thresholds: number of thresholds, > 1. Defaults to `200`.
        curve: `"ROC"` or `"PR"`. Defaults to `"ROC"`.
        summation_method: `"interpolation"` (mid-point for ROC, Davis &
            Goadrich for PR), `"minoring"` (lower bound) or `"majoring"` (upper
            bound). Defaults to `"interpolation"`.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        thresholds: explicit thresholds in `[0, 1]`; `num_thresholds` is then
            ignored. `-epsilon` and `1 + epsilon` are always added so that
            predictions of exactly 0 or 1 are handled. Defaults to `None`.
        multi_label: compute one AUC per label (last axis) and average them,
            instead of flattening all labels into one. Defaults to `False`.
        num_labels: number of labels when `multi_label=True`; without it the
            state is created on the first `update_state`. Defaults to `None`.
        label_weights: non-negative weight per label: the weights of the
            per-label AUCs when `multi_label`, otherwise weights of the
            flattened predictions. Defaults to `None`.
        from_logits: whether `y_pred` are logits (a sigmoid is applied).
            Defaults to `False`.

    Example:

    >>> m = keras.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype=None,
        thresholds=None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights=None,
        from_logits: bool = False,
    ):
        if str(curve).lower() not in _CURVES:
            raise ValueError(
                f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC"]'
            )
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". '
                'Expected values are ["interpolation", "majoring", "minoring"]'
            )
        if thresholds is not None:
            inner = sorted(metrics_utils.parse_thresholds(thresholds, default=0.5))
            num_thresholds = len(inner) + 2
        else:
            if (
                isinstance(num_thresholds, bool)
                or not isinstance(num_thresholds, int)
                or num_thresholds <= 1
            ):
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        if num_labels is not None and not multi_label:
            raise ValueError(
                "`num_labels` is needed only when `multi_label` is True. "
                f"Received: num_labels={num_labels}, multi_label={multi_label}"
            )
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.num_thresholds = num_thresholds
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self._init_from_thresholds = thresholds is not None
        eps = config.epsilon()
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self._sorted = torch.tensor(self._thresholds, dtype=self._torch_dtype)
        self.label_weights = None
        if label_weights is not None:
            self.label_weights = torch.as_tensor(
                label_weights, dtype=self._torch_dtype
            ).reshape(-1)
        self._from_logits = bool(from_logits)
        self._built = False
        if not self.multi_label:
            self._build(None)
        elif num_labels:
            self._build(num_labels)

    @property
    def thresholds(self) -> list[float]:
        """The thresholds used, including the two end points."""
        return list(self._thresholds)

    def _build(self, num_labels: int | None) -> None:
        shape = (self.num_thresholds,)
        if num_labels is not None:
            shape = (self.num_thresholds, num_labels)
        self._num_labels = num_labels
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate the confusion counts at every threshold.

        Args:
            y_true: ground truth; non-zero values are positives.
            y_pred: predictions (probabilities, or logits with `from_logits`).
                Rank 2 `(batch, num_labels)` when `multi_label`.
            sample_weight: weights, broadcastable to `y_true`. Defaults to 1.
        """
        y_pred = self._tensor(y_pred, self._torch_dtype)
        y_true = self._tensor(y_true)
        if self.multi_label:
            if y_pred.ndim != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{y_pred.ndim}. Full shape received for `y_pred`: {tuple(y_pred.shape)}"
                )
            if not self._built:
                self._build(y_pred.shape[-1])
            elif y_pred.shape[-1] != self._num_labels:
                raise ValueError(
                    f"AUC '{self.name}' was built for {self._num_labels} labels, but "
                    f"received y_pred.shape={tuple(y_pred.shape)}."
                )
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        y_pred = y_pred.clamp(0.0, 1.0)
        if sample_weight is not None:
            sample_weight = self._tensor(sample_weight, self._torch_dtype)
        y_true, y_pred, weights = metrics_utils.confusion_inputs(
            y_true, y_pred, sample_weight
        )
        if self.label_weights is not None and not self.multi_label:
            # Weights each flattened prediction by the weight of its label.
            weights = (
                self.label_weights if weights is None else weights * self.label_weights
            )
        tp, fp, pos, neg = metrics_utils.threshold_counts(
            y_true, y_pred, self._sorted, weights, multi_label=self.multi_label
        )
        self.true_positives.add_(tp)
        self.false_positives.add_(fp)
        self.true_negatives.add_(neg - fp)
        self.false_negatives.add_(pos - tp)

    def _average_over_labels(self, by_label: torch.Tensor) -> torch.Tensor:
        if not self.multi_label:
            return by_label.sum()
        by_label = by_label.sum(dim=0)  # (num_labels,)
        if self.label_weights is None:
            return by_label.mean()
        return metrics_utils.divide_no_nan(
            (by_label * self.label_weights).sum(), self.label_weights.sum()
        )

    def _interpolate_pr_auc(self, tp, fp, fn) -> torch.Tensor:
        """PR-AUC with TP and P = TP + FP linear between successive thresholds.

        On an interval [A, B] precision is (TP_A + slope * (P - P_A)) / P with
        slope = dTP / dP; integrating over P gives
        slope * (dTP + intercept * log(P_A / P_B)), intercept = TP_B - slope * P_B,
        divided by the total positive weight.
        """
        p = tp + fp
        dtp = tp[:-1] - tp[1:]
        dp = p[:-1] - p[1:]
        slope = metrics_utils.divide_no_nan(dtp, dp.clamp_min(0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        p_ratio = torch.where(
            both_positive,
            metrics_utils.divide_no_nan(p[:-1], p[1:].clamp_min(0)),
            torch.ones_like(p[1:]),
        )
        increments = metrics_utils.divide_no_nan(
            slope * (dtp + intercept * torch.log(p_ratio)),
            (tp[1:] + fn[1:]).clamp_min(0),
        )
        return self._average_over_labels(increments)

    def result(self) -> torch.Tensor:
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype, device=self._device)
        tp = self.true_positives.detach()
        fp = self.false_positives.detach()
        tn = self.true_negatives.detach()
        fn = self.false_negatives.detach()
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc(tp, fp, fn)
        recall = metrics_utils.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = metrics_utils.divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, metrics_utils.divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return self._average_over_labels((x[:-1] - x[1:]) * heights)

    def get_config(self) -> dict:
        label_weights = self.label_weights
        if label_weights is not None:
            label_weights = label_weights.tolist()
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config
