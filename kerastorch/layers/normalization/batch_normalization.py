"""BatchNormalization: normalise with batch statistics in training, moving ones in inference."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch import backend
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.layers.normalization._utils import check_axis_argument
from kerastorch.layers.normalization._utils import check_number
from kerastorch.layers.normalization._utils import resolve_axes
from kerastorch.layers.normalization._utils import upcast


class BatchNormalization(Layer):
    """Layer that normalizes its inputs with batch statistics (Ioffe & Szegedy, 2015).

    **In training** (`fit()`, or `training=True`) each channel is normalised
    with the mean and (biased) variance of the current batch,
    `gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta`, and the moving
    statistics are updated in place:

    - `moving_mean = moving_mean * momentum + mean(batch) * (1 - momentum)`
    - `moving_variance = moving_variance * momentum + var(batch) * (1 - momentum)`

    where `var(batch)` is the biased variance, as in Keras 3.

    **In inference** (`predict()`, `evaluate()`, `training=False` or `None`)
    the moving statistics are used instead.

    **Frozen layer**: with `layer.trainable = False` the layer always runs in
    inference mode, even when called with `training=True`, and its moving
    statistics are not updated (Keras's fine-tuning behaviour).

    Args:
        axis: the features axis to normalise, e.g. `1` after a
            `channels_first` convolution. Defaults to `-1`.
        momentum: momentum of the moving averages, in `[0, 1]`.
            Defaults to `0.99`.
        epsilon: small float added to the variance. Defaults to `1e-3`.
        center: whether to add the learned offset `beta`. Defaults to `True`.
        scale: whether to multiply by the learned `gamma`. Defaults to `True`.
        beta_initializer: Defaults to `"zeros"`.
        gamma_initializer: Defaults to `"ones"`.
        moving_mean_initializer: Defaults to `"zeros"`.
        moving_variance_initializer: Defaults to `"ones"`.
        beta_regularizer, gamma_regularizer: Defaults to `None`.
        beta_constraint, gamma_constraint: Defaults to `None`.
        synchronized: when `True` and a `torch.distributed` process group
            with more than one process is running, the batch statistics are
            computed over the global batch (all ranks), with gradients flowing
            through the all-reduce. Defaults to `False`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a tensor of any rank >= 2.
        training: whether to normalise with the batch statistics.
        mask: optional boolean tensor shaped like `inputs` without the
            features axis; masked-out positions do not count in the batch
            statistics (training only).

    Example:

    >>> bn = kerastorch.layers.BatchNormalization()
    >>> y = bn(torch.randn(8, 4), training=True)
    >>> [w.name for w in bn.weights]
    ['gamma', 'beta', 'moving_mean', 'moving_variance']
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        synchronized: bool = False,
        **kwargs,
    ):
        axis = check_axis_argument(axis, allow_list=False)
        momentum = check_number(momentum, "momentum", 0.0, 1.0)
        epsilon = check_number(epsilon, "epsilon")
        if not isinstance(synchronized, bool):
            raise ValueError(
                f"`synchronized` must be a bool. Received: synchronized={synchronized!r}"
            )
        super().__init__(**kwargs)
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = bool(center)
        self.scale = bool(scale)
        self.synchronized = synchronized
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                f"Layer '{self.name}' expects an input of rank >= 2 (batch, ..., "
                f"features). Received: input_shape={tuple(input_shape)}"
            )
        (self._axis,) = resolve_axes(self.axis, input_shape, self.name)
        dim = input_shape[self._axis]
        shape = (dim,)
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
                autocast=False,
            )
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
                autocast=False,
            )
        else:
            self.beta = None
        self.moving_mean = self.add_weight(
            name="moving_mean",
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            name="moving_variance",
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,
        )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self._reduction_axes = [a for a in range(len(input_shape)) if a != self._axis]

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                f"Layer '{self.name}': the mask must have one dimension less than "
                f"the inputs. Received: mask.shape={tuple(mask.shape)}, "
                f"inputs.shape={tuple(inputs.shape)}"
            )
        x = upcast(inputs)  # statistics overflow in float16/bfloat16
        if training and self.trainable:
            weights = None if mask is None else mask.to(x.dtype).unsqueeze(self._axis)
            if weights is None and not self._synchronizing() and self._can_fuse(x):
                outputs = self._fused_training(x)
            else:
                mean, variance = self._moments(x, weights)  # (channels,) each
                with torch.no_grad():
                    m = self.momentum
                    self.moving_mean.mul_(m).add_(
                        mean.to(self.moving_mean.dtype), alpha=1 - m
                    )
                    self.moving_variance.mul_(m).add_(
                        variance.to(self.moving_variance.dtype), alpha=1 - m
                    )
                outputs = self._normalize(x, mean, variance)
        else:
            outputs = self._normalize(x, self.moving_mean, self.moving_variance)
        return outputs.to(inputs.dtype)

    # --- training-mode statistics -------------------------------------------------

    def _can_fuse(self, x: torch.Tensor) -> bool:
        same_dtype = all(
            v is None or v.dtype == x.dtype
            for v in (self.gamma, self.beta, self.moving_mean, self.moving_variance)
        )
        # torch's kernel refuses a single value per channel; Keras gives variance 0.
        return same_dtype and x.numel() > x.shape[self._axis]

    def _fused_training(self, x: torch.Tensor) -> torch.Tensor:
        """One fused kernel: batch-stat normalisation plus the moving-stat update.

        torch updates a running mean exactly as Keras does (with momentum
        `1 - self.momentum`) but a running variance with the *unbiased* batch
        variance; an O(channels) fix-up turns that into Keras's biased update.
        torch works on scratch copies: autograd saves the running-stat
        arguments, so the variables themselves must stay unmodified between
        this call and the backward pass of an earlier one.
        """
        xc, restore = _channels_at_dim1(x, self._axis)
        n = xc.numel() // xc.shape[1]  # values per channel
        with torch.no_grad():
            running_mean = self.moving_mean.clone()
            running_variance = self.moving_variance.clone()
        outputs = F.batch_norm(
            xc,
            running_mean,
            running_variance,
            self.gamma,
            self.beta,
            training=True,
            momentum=1.0 - self.momentum,
            eps=self.epsilon,
        )
        with torch.no_grad():
            self.moving_mean.copy_(running_mean)
            # torch: v' = m v + (1 - m) s n / (n - 1); Keras: m v + (1 - m) s.
            self.moving_variance.mul_(self.momentum / n).add_(
                running_variance, alpha=(n - 1) / n
            )
        return restore(outputs)

    def _synchronizing(self) -> bool:
        if not self.synchronized:
            return False
        import torch.distributed as dist

        return (
            dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1
        )

    def _moments(self, x: torch.Tensor, weights: torch.Tensor | None):
        """Batch mean and biased variance per channel, optionally masked / all ranks."""
        axes = self._reduction_axes
        if self._synchronizing():
            return _global_moments(x, weights, self._axis, axes)
        if weights is None:
            variance, mean = torch.var_mean(x, dim=axes, correction=0)
            return mean, variance
        # Keras's masked moments: weighted sums over the unmasked positions.
        eps = backend.epsilon()
        weighted = weights * x
        total = weights.sum(dim=axes, keepdim=True) + eps
        mean = weighted.sum(dim=axes, keepdim=True) / total
        variance = (weights * (weighted - mean).square()).sum(
            dim=axes, keepdim=True
        ) / total
        return mean.flatten(), variance.flatten()

    # --- normalisation -------------------------------------------------------------

    def _normalize(self, x, mean, variance):
        gamma = None if self.gamma is None else self.gamma.to(x.dtype)
        beta = None if self.beta is None else self.beta.to(x.dtype)
        mean = mean.to(x.dtype)
        variance = variance.to(x.dtype)
        if not (mean.requires_grad or variance.requires_grad):
            # Fixed statistics: torch's fused inference kernel.
            xc, restore = _channels_at_dim1(x, self._axis)
            out = F.batch_norm(
                xc, mean, variance, gamma, beta, training=False, eps=self.epsilon
            )
            return restore(out)
        # Batch statistics carry gradients, which F.batch_norm's running-stat
        # arguments do not propagate: use the formula.
        shape = [1] * x.dim()
        shape[self._axis] = x.shape[self._axis]
        inv = torch.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        out = (x - mean.view(shape)) * inv.view(shape)
        if beta is not None:
            out = out + beta.view(shape)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(
                    self.moving_mean_initializer
                ),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer
                ),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
                "synchronized": self.synchronized,
            }
        )
        return config


def _channels_at_dim1(x: torch.Tensor, axis: int):
    """A view of `x` with the channel axis at dim 1 (torch's layout), and its inverse.

    NHWC/NDHWC inputs become torch's channels_last memory format (no copy);
    other last-axis inputs are flattened to `(positions, channels)` (a view).
    """
    ndim = x.dim()
    if axis == 1:
        return x, lambda y: y
    if axis == ndim - 1 and ndim not in (4, 5) and x.is_contiguous():
        shape = x.shape
        return x.reshape(-1, shape[-1]), lambda y: y.reshape(shape)  # (positions, C)
    return x.movedim(axis, 1), lambda y: y.movedim(1, axis)


def _global_moments(
    x: torch.Tensor, weights: torch.Tensor | None, axis: int, reduction_axes: list[int]
):
    """Mean and biased variance over every rank's batch, differentiable end to end.

    Two all-reduces (sums and count, then squared deviations from the global
    mean) avoid the cancellation of the one-pass `E[x^2] - E[x]^2` formula.
    `torch.distributed.nn.functional.all_reduce` sums the gradients back
    across ranks in the backward pass.
    """
    from torch.distributed.nn.functional import all_reduce

    if weights is None:
        weights = torch.ones((), dtype=x.dtype, device=x.device)
        count = torch.full(
            (1,), x.numel() // x.shape[axis], dtype=x.dtype, device=x.device
        )
    else:
        count = weights.sum().reshape(1)  # unmasked positions on this rank
    local_sum = (weights * x).sum(dim=reduction_axes)  # (C,)
    totals = all_reduce(torch.cat([local_sum, count]))  # (C + 1,)
    total_count = totals[-1].clamp_min(1.0)
    mean = totals[:-1] / total_count  # (C,)
    shape = [1] * x.dim()
    shape[axis] = -1
    deviations = (weights * (x - mean.view(shape)).square()).sum(dim=reduction_axes)
    variance = all_reduce(deviations) / total_count  # (C,)
    return mean, variance
