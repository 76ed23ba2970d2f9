"""Best value of one rate subject to a floor on another, over thresholds.

`SensitivityAtSpecificity`, `SpecificityAtSensitivity`, `PrecisionAtRecall`
and `RecallAtPrecision` keep weighted TP/FP/TN/FN counts at
`num_thresholds` evenly spaced thresholds (sum-reducible state) and search
them in `result()`.
"""

from __future__ import annotations

import torch

from kerastorch.metrics import metrics_utils
from kerastorch.metrics.metric import Metric


class _SensitivitySpecificityBase(Metric):
    """Counts at evenly spaced thresholds in [0, 1], searched by `result()`."""

    _value_name = ""

    def __init__(
        self,
        value: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not 0 <= value <= 1
        ):
            raise ValueError(
                f"Argument `{self._value_name}` must be in the range [0, 1]. "
                f"Received: {self._value_name}={value}"
            )
        if (
            isinstance(num_thresholds, bool)
            or not isinstance(num_thresholds, int)
            or num_thresholds <= 0
        ):
            raise ValueError(
                "Argument `num_thresholds` must be an integer > 0. "
                f"Received: num_thresholds={num_thresholds}"
            )
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
        self._sorted = torch.tensor(self.thresholds, dtype=self._torch_dtype)
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=shape, name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate the confusion counts at every threshold.

        Args:
            y_true: ground truth; non-zero values are positives.
            y_pred: predictions in `[0, 1]`.
            sample_weight: weights, broadcastable to `y_true`. Defaults to 1.
        """
        y_pred = self._tensor(y_pred, self._torch_dtype)
        y_true = self._tensor(y_true)
        if sample_weight is not None:
            sample_weight = self._tensor(sample_weight, self._torch_dtype)
        y_true, y_pred, weights = metrics_utils.confusion_inputs(
            y_true, y_pred, sample_weight, class_id=self.class_id
        )
        tp, fp, pos, neg = metrics_utils.threshold_counts(
            y_true, y_pred, self._sorted, weights
        )
        self.true_positives.add_(tp)
        self.false_positives.add_(fp)
        self.true_negatives.add_(neg - fp)
        self.false_negatives.add_(pos - tp)

    def _rates(self) -> dict[str, torch.Tensor]:
        tp = self.true_positives.detach()
        fp = self.false_positives.detach()
        tn = self.true_negatives.detach()
        fn = self.false_negatives.detach()
        return {
            "sensitivity": metrics_utils.divide_no_nan(tp, tp + fn),  # = recall
            "specificity": metrics_utils.divide_no_nan(tn, tn + fp),
            "precision": metrics_utils.divide_no_nan(tp, tp + fp),
        }

    def _max_under_constraint(
        self, constrained: torch.Tensor, dependent: torch.Tensor
    ) -> torch.Tensor:
        """Largest `dependent` where `constrained >= value`; 0 if there is none."""
        feasible = constrained >= self.value
        return torch.where(feasible, dependent, torch.zeros_like(dependent)).max()

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            self._value_name: self.value,
            "class_id": self.class_id,
        }


_DOC = """Computes the best {best} where {floor} is >= the given value.

    If no threshold reaches the required {floor}, the result is 0.

    Args:
        {floor}: the required value, in `[0, 1]`.
        num_thresholds: number of evenly spaced thresholds searched.
            Defaults to `200`.
        class_id: the class (last-axis index) to compute the metric for.
            Defaults to `None`.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.{cls}({example_value})
    >>> m.update_state({data})
    >>> round(float(m.result()), 4)
    {result}
    """


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    __doc__ = _DOC.format(
        best="sensitivity",
        floor="specificity",
        cls="SensitivityAtSpecificity",
        data="[0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]",
        example_value=0.5,
        result=0.5,
    )
    _value_name = "specificity"

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)
        self.specificity = specificity

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._max_under_constraint(rates["specificity"], rates["sensitivity"])


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    __doc__ = _DOC.format(
        best="specificity",
        floor="sensitivity",
        cls="SpecificityAtSensitivity",
        data="[0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]",
        example_value=0.5,
        result=0.6667,
    )
    _value_name = "sensitivity"

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)
        self.sensitivity = sensitivity

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._max_under_constraint(rates["sensitivity"], rates["specificity"])


class PrecisionAtRecall(_SensitivitySpecificityBase):
    __doc__ = _DOC.format(
        best="precision",
        floor="recall",
        cls="PrecisionAtRecall",
        data="[0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]",
        example_value=0.5,
        result=0.5,
    )
    _value_name = "recall"

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(recall, num_thresholds, class_id, name, dtype)
        self.recall = recall

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._max_under_constraint(rates["sensitivity"], rates["precision"])


class RecallAtPrecision(_SensitivitySpecificityBase):
    __doc__ = _DOC.format(
        best="recall",
        floor="precision",
        cls="RecallAtPrecision",
        data="[0, 0, 1, 1], [0, 0.5, 0.3, 0.9]",
        example_value=0.8,
        result=0.5,
    )
    _value_name = "precision"

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
        self.precision = precision

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._max_under_constraint(rates["precision"], rates["sensitivity"])
