"""The `Loss` base class and the reductions every loss shares (Keras 3 semantics)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from kerastorch import dtype_policies
from kerastorch.backend import config
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.backend.naming import auto_name
from kerastorch.backend.naming import to_snake_case

REDUCTIONS = (
    "sum_over_batch_size",
    "sum",
    "mean",
    "mean_with_sample_weight",
    "none",
    None,
)
# Reductions that divide by the number of loss entries: the fused path covers them.
_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean")


class Loss:
    """Loss base class.

    Subclasses implement `call(y_true, y_pred)`, returning one loss value per
    sample (or per entry); `__call__` then applies `sample_weight`, any Keras
    mask carried by `y_pred` (its `_keras_mask` attribute) and the reduction.

    Args:
        name: Optional name for the loss instance. Defaults to the snake-case
            class name, made unique (`"my_loss"`, `"my_loss_1"`, ...).
        reduction: Type of reduction to apply to the loss. One of
            `"sum_over_batch_size"` (sum of the weighted losses divided by the
            number of loss entries), `"sum"`, `"mean"` (same as
            `"sum_over_batch_size"`), `"mean_with_sample_weight"` (sum divided
            by the sum of the sample weights), `"none"` or `None` (no
            reduction). Defaults to `"sum_over_batch_size"`.
        dtype: The dtype of the loss's computations: a dtype name or a
            `DTypePolicy` (its `compute_dtype` is used). Defaults to `None`,
            which means `keras.backend.floatx()`.

    Example:

    ```python
    class MeanSquaredError(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return torch.mean(torch.square(y_pred - y_true), dim=-1)

    loss = MeanSquaredError()
    loss(torch.ones(4, 2), torch.zeros(4, 2))  # tensor(1.)
    ```
    """

    # A loss that can compute the "sum_over_batch_size" of its own per-sample
    # losses in fewer torch calls sets this to `fn(y_true, y_pred) -> scalar`
    # (or None when the inputs do not fit the fused kernel).
    _fused_mean = None
    # Integer labels (sparse crossentropy) are kept as they are instead of
    # being cast to the loss dtype and back.
    _keep_integer_labels = False

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype=None,
    ):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string or None. Received: name={name!r}")
        self.name = name or auto_name(to_snake_case(self.__class__.__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype_arg = dtype
        self._dtype_policy = dtype_policies.get(dtype or config.floatx())
        self._dtype = self._dtype_policy.compute_dtype
        self._torch_dtype = to_torch_dtype(self._dtype)

    @property
    def dtype(self) -> str:
        """The compute dtype of the loss, e.g. `"float32"`."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None) -> torch.Tensor:
        """Compute the reduced (weighted, masked) loss.

        Args:
            y_true: Ground truth values: a tensor, a numpy array or a list.
            y_pred: The predicted values, same kinds. A `_keras_mask` boolean
                tensor attribute on `y_pred` masks out entries.
            sample_weight: Optional weights, of shape `(batch,)`,
                `(batch, 1)` or the shape of the per-sample losses.

        Returns:
            The loss: a scalar tensor, or the per-sample losses when
            `reduction` is `"none"`/`None`.
        """
        in_mask = getattr(y_pred, "_keras_mask", None)
        if isinstance(y_pred, torch.Tensor):
            if y_pred.dtype != self._torch_dtype:
                y_pred = y_pred.to(self._torch_dtype)
            y_true = self._convert_y_true(y_true, y_pred.device)
        elif _is_array_like(y_pred):
            y_pred = self._convert_y_pred(y_pred)
            y_true = self._convert_y_true(y_true, y_pred.device)
        else:  # nested outputs (lists/dicts of tensors) for custom losses
            from kerastorch.utils import tree

            y_pred = tree.map_structure(self._convert_y_pred, y_pred)
            device = _first_device(y_pred)
            y_true = tree.map_structure(
                lambda t: self._convert_y_true(t, device), y_true
            )

        # Fast path: the common training case takes a few fused torch calls.
        if (
            self._fused_mean is not None
            and sample_weight is None
            and in_mask is None
            and self.reduction in _MEAN_REDUCTIONS
        ):
            loss = self._fused_mean(y_true, y_pred)
            if loss is not None:
                return loss

        losses = self.call(y_true, y_pred)
        out_mask = getattr(losses, "_keras_mask", None)
        if in_mask is not None and out_mask is not None:
            mask = torch.logical_and(in_mask.to(out_mask.device), out_mask)
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(
            losses,
            sample_weight=sample_weight,
            mask=mask,
            reduction=self.reduction,
            dtype=self._torch_dtype,
        )

    def call(self, y_true, y_pred) -> torch.Tensor:
        """Return the per-sample losses. Subclasses implement this."""
        raise NotImplementedError(
            f"Loss '{self.name}' ({self.__class__.__name__}) must implement "
            "`call(y_true, y_pred)` returning the per-sample losses."
        )

    def get_config(self) -> dict:
        config_ = {"name": self.name, "reduction": self.reduction}
        if self._dtype_arg is not None:
            policy = self._dtype_arg
            config_["dtype"] = policy.name if hasattr(policy, "name") else policy
        return config_

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def _convert_y_pred(self, x) -> torch.Tensor:
        if isinstance(x, torch.Tensor):
            return x if x.dtype == self._torch_dtype else x.to(self._torch_dtype)
        return torch.as_tensor(x, dtype=self._torch_dtype)

    def _convert_y_true(self, x, device) -> torch.Tensor:
        if isinstance(x, torch.Tensor):
            if self._keep_integer_labels and not x.is_floating_point():
                return x if x.device == device else x.to(device)
            if x.dtype == self._torch_dtype and x.device == device:
                return x
            return x.to(device=device, dtype=self._torch_dtype)
        if x is None:
            return None
        if self._keep_integer_labels:
            x = torch.as_tensor(x, device=device)
            return x if not x.is_floating_point() else x.to(self._torch_dtype)
        return torch.as_tensor(x, dtype=self._torch_dtype, device=device)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} name={self.name!r} reduction={self.reduction!r}>"


def _is_array_like(x) -> bool:
    """True for arrays and for (nested) lists of plain numbers such as `[[0.1, 0.9]]`."""
    if isinstance(x, Mapping):
        return False
    if not isinstance(x, (list, tuple)):
        return True
    return _is_number_nest(x)


def _is_number_nest(x) -> bool:
    if isinstance(x, (list, tuple)):
        return all(_is_number_nest(item) for item in x)
    return isinstance(x, (int, float, bool, np.number))


def _first_device(structure):
    from kerastorch.utils import tree

    for leaf in tree.flatten(structure):
        if isinstance(leaf, torch.Tensor):
            return leaf.device
    return None


def standardize_reduction(reduction):
    """Check `reduction` is one Keras knows, and return it."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{list(REDUCTIONS)}. Received: reduction={reduction!r}"
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Make ranks equal when they differ by one and the longer has a last dim of 1.

    `(batch,)` against `(batch, 1)` becomes `(batch, 1)` twice (rank 1 is
    expanded); higher ranks are squeezed instead, as Keras does.
    """
    r1 = x1.dim()
    r2 = x2.dim()
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def reduce_values(
    values: torch.Tensor, sample_weight=None, reduction="sum_over_batch_size"
):
    """Reduce (already weighted) loss values as Keras does."""
    if (
        reduction is None
        or reduction == "none"
        or values.dim() == 0
        or tuple(values.shape) == (0,)
    ):
        return values
    loss = torch.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            loss = divide_no_nan(loss, torch.sum(sample_weight).to(loss.dtype))
        else:
            num_elements = values.numel()
            loss = loss / num_elements if num_elements > 0 else torch.zeros_like(loss)
    return loss


def reduce_weighted_values(
    values: torch.Tensor,
    sample_weight=None,
    mask=None,
    reduction="sum_over_batch_size",
    dtype=None,
):
    """Apply `mask` and `sample_weight` to per-sample `values`, then reduce."""
    reduction = standardize_reduction(reduction)
    if not isinstance(values, torch.Tensor):
        values = torch.as_tensor(values, dtype=dtype)
    elif dtype is not None and values.dtype != dtype:
        values = values.to(dtype)
    if sample_weight is not None:
        sample_weight = _to_tensor(sample_weight, values.dtype, values.device)
    if mask is not None:
        mask = _to_tensor(mask, values.dtype, values.device)

    sample_weight = apply_mask(
        sample_weight, mask, dtype=values.dtype, reduction=reduction
    )
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        _check_broadcastable(values, sample_weight, "sample_weight")
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a mask into the sample weights.

    For the averaging reductions the valid entries get weight
    `total / valid`, so the reduced loss is the mean over valid entries only.
    """
    if mask is None:
        return sample_weight
    mask = mask.to(dtype)
    if reduction in _MEAN_REDUCTIONS:
        total = mask.numel()
        valid = torch.sum(mask)  # may be 0
        mask = mask * divide_no_nan(torch.full_like(valid, total), valid)
    if sample_weight is None:
        return mask
    sample_weight = sample_weight.to(dtype)
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
    _check_broadcastable(mask, sample_weight, "sample_weight")
    return sample_weight * mask


def divide_no_nan(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """`x / y`, and 0 where `y == 0` (with finite gradients there too)."""
    zero = y == 0
    safe_y = torch.where(zero, torch.ones_like(y), y)
    return torch.where(zero, torch.zeros_like(x), x / safe_y)


def _to_tensor(x, dtype, device) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.to(device=device, dtype=dtype)
    return torch.as_tensor(x, dtype=dtype, device=device)


def _check_broadcastable(
    losses: torch.Tensor, weights: torch.Tensor, what: str
) -> None:
    if losses.shape == weights.shape:
        return
    try:
        torch.broadcast_shapes(losses.shape, weights.shape)
    except RuntimeError:
        raise ValueError(
            f"`{what}` cannot be broadcast to the per-sample losses. Received: "
            f"{what}.shape={tuple(weights.shape)}, losses.shape={tuple(losses.shape)}. "
            "Pass weights of shape (batch,), (batch, 1) or the losses' shape."
        ) from None
