"""`Sum`, `Mean` and `MeanMetricWrapper`: weighted running reductions."""

from __future__ import annotations

from collections.abc import Callable

import torch

from kerastorch.metrics import metrics_utils
from kerastorch.metrics.metric import Metric


def reduce_to_samplewise_values(
    values: torch.Tensor, sample_weight: torch.Tensor | None, reduce_fn: Callable
):
    """Weight `values` and reduce them to one value per sample (axis 0).

    `sample_weight` is aligned with `values` (a trailing axis of size 1 is
    squeezed or added), the axes of `values` beyond the weight's rank are
    reduced with `reduce_fn`, then everything past axis 0.

    Returns:
        `(values, sample_weight)`, both reduced to per-sample shape.
    """
    if sample_weight is not None:
        values, sample_weight = metrics_utils.squeeze_or_expand_to_same_rank(
            values, sample_weight
        )
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, dim=tuple(range(weight_ndim, values_ndim)))
        # Broadcasting the weight changes how much it counts in `count`.
        sample_weight = torch.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, dim=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, dim=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """Compute the (weighted) sum of the given values.

    If `values` is `[1, 3, 5, 7]` the sum is 16; with `sample_weight=[1, 1, 0, 0]`
    it is 4.

    Args:
        name: string name of the metric instance. Defaults to `"sum"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.Sum()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    16.0
    """

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), name="total")

    def update_state(self, values, sample_weight=None) -> None:
        mask = metrics_utils.get_mask(values)
        values = self._tensor(values, self._torch_dtype)
        if sample_weight is not None:
            sample_weight = self._tensor(sample_weight, self._torch_dtype)
        sample_weight = metrics_utils.apply_mask(sample_weight, mask, self._torch_dtype)
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum)
        self.total.add_(values.sum())

    def result(self) -> torch.Tensor:
        return self.total.detach().clone()


class Mean(Metric):
    """Compute the (weighted) mean of the given values.

    If `values` is `[1, 3, 5, 7]` the mean is 4; with `sample_weight=[1, 1, 0, 0]`
    it is 2. The state is two sums, `total` and `count`.

    Args:
        name: string name of the metric instance. Defaults to `"mean"`.
        dtype: dtype of the metric result. Defaults to `floatx()`.

    Example:

    >>> m = keras.metrics.Mean()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), name="total")
        self.count = self.add_variable(shape=(), name="count")

    def update_state(self, values, sample_weight=None) -> None:
        # Fast path for the trainer's loss tracker: a scalar and a number.
        if (
            isinstance(values, torch.Tensor)
            and values.ndim == 0
            and (sample_weight is None or isinstance(sample_weight, (int, float)))
        ):
            weight = 1 if sample_weight is None else sample_weight
            self.total.add_(self._tensor(values, self._torch_dtype), alpha=weight)
            self.count.add_(weight)
            return
        mask = metrics_utils.get_mask(values)
        values = self._tensor(values, self._torch_dtype)
        if sample_weight is not None:
            sample_weight = self._tensor(sample_weight, self._torch_dtype)
        sample_weight = metrics_utils.apply_mask(sample_weight, mask, self._torch_dtype)
        self._update_samplewise(values, sample_weight)

    def _update_samplewise(
        self, values: torch.Tensor, sample_weight: torch.Tensor | None
    ) -> None:
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, torch.mean
        )
        self.total.add_(values.sum())
        if sample_weight is not None:
            self.count.add_(sample_weight.sum())
        else:
            self.count.add_(values.shape[0] if values.ndim else 1)

    def result(self) -> torch.Tensor:
        return metrics_utils.divide_no_nan(self.total.detach(), self.count.detach())


class MeanMetricWrapper(Mean):
    """Wrap a stateless function `fn(y_true, y_pred, **kwargs)` into a `Mean`.

    `fn` returns one value per sample; the metric reports their (weighted)
    mean over everything seen since the last reset. A `_keras_mask` on
    `y_pred` is folded into `sample_weight`.

    Args:
        fn: the function to wrap, with signature `fn(y_true, y_pred, **kwargs)`.
            It receives tensors on the metric's device; floating inputs are
            cast to `dtype`.
        name: string name of the metric instance. Defaults to an automatic
            name from the class.
        dtype: dtype of the metric result. Defaults to `floatx()`.
        **kwargs: keyword arguments passed on to `fn`.

    Example:

    >>> def squared_error(y_true, y_pred):
    ...     return ((y_true - y_pred) ** 2).mean(dim=-1)
    >>> m = keras.metrics.MeanMetricWrapper(fn=squared_error)
    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, fn: Callable, name: str | None = None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"`fn` must be callable. Received: fn={fn!r}")
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        mask = metrics_utils.get_mask(y_pred)
        y_pred = self._float_tensor(y_pred)
        y_true = self._float_tensor(y_true)
        values = self._tensor(self._fn(y_true, y_pred, **self._fn_kwargs))
        values = values.to(self._torch_dtype)
        if sample_weight is not None:
            sample_weight = self._tensor(sample_weight, self._torch_dtype)
        sample_weight = metrics_utils.apply_mask(sample_weight, mask, self._torch_dtype)
        self._update_samplewise(values, sample_weight)

    def get_config(self) -> dict:
        from kerastorch.metrics import serialize

        config = super().get_config()
        config["fn"] = serialize(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict):
        from kerastorch.metrics import deserialize

        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            config["fn"] = deserialize(config["fn"])
        return cls(**config)
