"""Intersection-over-Union metrics, from an accumulated confusion matrix.

The state is one `(num_classes, num_classes)` weighted confusion matrix
(rows: true class, columns: predicted class), so it sums across replicas.
"""

from __future__ import annotations

import torch

from kerastorch.backend import config
from kerastorch.metrics.metric import Metric


def _check_num_classes(num_classes) -> None:
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, int)
        or num_classes < 1
    ):
        raise ValueError(
            "`num_classes` must be a positive integer. "
            f"Received: num_classes={num_classes!r}"
        )


class IoU(Metric):
    """Computes the Intersection-over-Union for specific target classes.

    `iou = true_positives / (true_positives + false_positives + false_negatives)`
    per class, averaged over `target_class_ids` (classes that never appear in
    labels or predictions are left out of the average).

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes whose IoU is averaged, e.g. `[0]`.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        ignore_class: a label value to leave out (e.g. a "void" class, `255`).
            Defaults to `None`.
        sparse_y_true: whether labels are integers (otherwise their argmax
            along `axis` is taken). Defaults to `True`.
        sparse_y_pred: whether predictions are integers (otherwise their
            argmax along `axis` is taken). Defaults to `True`.
        axis: the class axis for the argmax. Defaults to `-1`.

    Example:

    >>> m = keras.metrics.IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        _check_num_classes(num_classes)
        target_class_ids = [int(i) for i in target_class_ids]
        if not target_class_ids or not all(
            0 <= i < num_classes for i in target_class_ids
        ):
            raise ValueError(
                f"`target_class_ids` must be non-empty ids in [0, {num_classes}). "
                f"Received: target_class_ids={target_class_ids}"
            )
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.num_classes = num_classes
        self.target_class_ids = target_class_ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self._targets = torch.tensor(target_class_ids)
        self.total_cm = self.add_variable(
            shape=(num_classes, num_classes), name="total_confusion_matrix"
        )

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate the confusion matrix.

        Args:
            y_true: class ids (or one-hot when `sparse_y_true=False`).
            y_pred: class ids (or scores when `sparse_y_pred=False`).
            sample_weight: weights broadcastable to the labels. Defaults to 1.
        """
        y_true = self._tensor(y_true)
        y_pred = self._tensor(y_pred)
        if not self.sparse_y_true:
            y_true = y_true.argmax(dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = y_pred.argmax(dim=self.axis)
        y_true = y_true.reshape(-1).long()
        y_pred = y_pred.reshape(-1).long()
        if sample_weight is None:
            weight = torch.ones(
                y_true.shape, dtype=self._torch_dtype, device=y_true.device
            )
        else:
            weight = self._tensor(sample_weight, self._torch_dtype).reshape(-1)
            weight = torch.broadcast_to(weight, y_true.shape)
        if self.ignore_class is not None:
            valid = y_true != self.ignore_class
            y_true = torch.where(valid, y_true, 0)
            y_pred = torch.where(valid, y_pred, 0)
            weight = weight * valid
        index = y_true * self.num_classes + y_pred  # cell of the flat (C, C) matrix
        self.total_cm.view(-1).index_add_(0, index, weight)

    def _per_class(self) -> tuple[torch.Tensor, torch.Tensor]:
        cm = self.total_cm.detach()
        true_positives = cm.diagonal()
        # row sum + column sum = 2 * TP + FP + FN
        denominator = cm.sum(dim=0) + cm.sum(dim=1) - true_positives
        return true_positives, denominator

    def result(self) -> torch.Tensor:
        true_positives, denominator = self._per_class()
        true_positives = true_positives[self._targets]
        denominator = denominator[self._targets]
        num_valid = (denominator > 1e-9).to(self._torch_dtype).sum()
        eps = config.epsilon()
        iou = true_positives / (denominator + eps)
        return iou.sum() / (num_valid + eps)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """Computes the Intersection-over-Union for class 0 and/or 1 of a binary task.

    Predictions `>= threshold` are class 1, the others class 0.

    Args:
        target_class_ids: `[0]`, `[1]` or `[0, 1]` (their mean).
            Defaults to `(0, 1)`.
        threshold: the cut between the two classes. Defaults to `0.5`.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(
        self,
        target_class_ids=(0, 1),
        threshold: float = 0.5,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(
            num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype
        )
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = self._tensor(y_pred, self._torch_dtype)
        super().update_state(y_true, (y_pred >= self.threshold).long(), sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """Computes the mean Intersection-over-Union over all classes.

    Args:
        num_classes: the number of classes.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        ignore_class: a label value to leave out (e.g. a "void" class, `255`).
            Defaults to `None`.
        sparse_y_true: whether labels are integers (otherwise their argmax
            along `axis` is taken). Defaults to `True`.
        sparse_y_pred: whether predictions are integers (otherwise their
            argmax along `axis` is taken). Defaults to `True`.
        axis: the class axis for the argmax. Defaults to `-1`.

    Example:

    >>> m = keras.metrics.MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        _check_num_classes(num_classes)
        super().__init__(
            num_classes=num_classes,
            target_class_ids=list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """Computes the Intersection-over-Union for one-hot labels and class scores.

    Labels and (unless `sparse_y_pred`) predictions are turned into class ids
    with an argmax along `axis`.

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes whose IoU is averaged.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        ignore_class: a class id to leave out. Defaults to `None`.
        sparse_y_pred: whether predictions are already class ids.
            Defaults to `False`.
        axis: the class axis. Defaults to `-1`.

    Example:

    >>> m = keras.metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    >>> m.update_state(np.eye(3)[[2, 0, 1, 0]], np.eye(3)[[2, 2, 0, 2]])
    >>> round(float(m.result()), 4)
    0.1667
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """Computes the mean Intersection-over-Union for one-hot labels and class scores.

    Args:
        num_classes: the number of classes.
        name: string name of the metric instance.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        ignore_class: a class id to leave out. Defaults to `None`.
        sparse_y_pred: whether predictions are already class ids.
            Defaults to `False`.
        axis: the class axis. Defaults to `-1`.

    Example:

    >>> m = keras.metrics.OneHotMeanIoU(num_classes=3)
    >>> m.update_state(np.eye(3)[[2, 0, 1, 0]], np.eye(3)[[2, 2, 0, 2]])
    >>> round(float(m.result()), 4)
    0.1111
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
