"""LayerNormalization: normalise each sample over its feature axes (Ba et al., 2016)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.layers.normalization._utils import check_axis_argument
from kerastorch.layers.normalization._utils import check_number
from kerastorch.layers.normalization._utils import is_trailing
from kerastorch.layers.normalization._utils import resolve_axes
from kerastorch.layers.normalization._utils import upcast


class LayerNormalization(Layer):
    """Layer normalization: each sample is normalised over `axis` independently.

    `output = (x - mean(x)) / sqrt(var(x) + epsilon) * gamma + beta`, with the
    mean and (biased) variance taken over `axis` for each sample. `gamma` and
    `beta` span the axes in `axis` (shape `input_shape[axis]`, in the order
    given). With `rms_scaling=True`, `center` and `scale` are ignored and the
    output is `x / sqrt(var(x) + epsilon) * gamma` (Keras's definition: the
    variance, not the mean square, is used; see `RMSNormalization` for the
    latter).

    Args:
        axis: int or list/tuple of ints, the axes to normalise over.
            Defaults to `-1`.
        epsilon: small float added to the variance. Defaults to `1e-3`.
        center: whether to add the learned offset `beta`. Defaults to `True`.
        scale: whether to multiply by the learned `gamma`. Defaults to `True`.
        rms_scaling: scale by `gamma / sqrt(var + epsilon)` only (no mean
            subtraction, no `beta`). Defaults to `False`.
        beta_initializer: Defaults to `"zeros"`.
        gamma_initializer: Defaults to `"ones"`.
        beta_regularizer, gamma_regularizer: Defaults to `None`.
        beta_constraint, gamma_constraint: Defaults to `None`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`, ...).

    Example:

    >>> ln = kerastorch.layers.LayerNormalization(axis=[1, 2, 3])
    >>> ln.build((5, 20, 30, 40))
    >>> tuple(ln.gamma.shape)
    (20, 30, 40)
    """

    def __init__(
        self,
        axis=-1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        rms_scaling: bool = False,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        axis = check_axis_argument(axis)
        epsilon = check_number(epsilon, "epsilon")
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        # Statistics are computed in at least float32; no autocast region.
        self.autocast = False

    def build(self, input_shape):
        resolve_axes(self.axis, input_shape, self.name)
        given = [self.axis] if isinstance(self.axis, int) else self.axis
        shape = tuple(input_shape[a] for a in given)  # Keras: in the order given
        if self.scale or self.rms_scaling:
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
        if self.center and not self.rms_scaling:
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
        # Keyed by the axis as given, so negative axes accept any higher rank.
        self.input_spec = InputSpec(
            min_ndim=max(a + 1 if a >= 0 else -a for a in given),
            axes={a: input_shape[a] for a in given},
        )

    def call(self, inputs):
        x = upcast(inputs)  # (..., features)
        ndim = x.dim()
        axes = resolve_axes(self.axis, x.shape, self.name)
        normalized_shape = tuple(x.shape[a] for a in axes)
        broadcast = [1] * ndim
        for a in axes:
            broadcast[a] = x.shape[a]
        gamma = None if self.gamma is None else self.gamma.to(x.dtype)
        beta = None if self.beta is None else self.beta.to(x.dtype)
        if self.rms_scaling:
            variance = torch.var(x, dim=axes, correction=0, keepdim=True)
            outputs = x * torch.rsqrt(variance + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma.reshape(broadcast)
        elif is_trailing(axes, ndim):
            # Fused kernel; gamma/beta reshaped as Keras does (no transpose).
            outputs = F.layer_norm(
                x,
                normalized_shape,
                None if gamma is None else gamma.reshape(normalized_shape),
                None if beta is None else beta.reshape(normalized_shape),
                self.epsilon,
            )
        else:
            variance, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=True)
            outputs = (x - mean) * torch.rsqrt(variance + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma.reshape(broadcast)
            if beta is not None:
                outputs = outputs + beta.reshape(broadcast)
        return outputs.to(to_torch_dtype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        resolve_axes(self.axis, input_shape, self.name, need_known=False)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
