"""RMSNormalization: divide by the root mean square over `axis` (Zhang & Sennrich, 2019)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.layers.normalization._utils import check_axis_argument
from kerastorch.layers.normalization._utils import check_number
from kerastorch.layers.normalization._utils import is_trailing
from kerastorch.layers.normalization._utils import resolve_axes
from kerastorch.layers.normalization._utils import upcast


class RMSNormalization(Layer):
    """Root Mean Square normalization with a learned per-feature `scale`.

    `output = x * rsqrt(mean(square(x)) + epsilon) * scale`, the mean taken
    over `axis` for each sample. Unlike `LayerNormalization(rms_scaling=True)`
    the mean is not subtracted. Computed in at least float32.

    Args:
        axis: int or list/tuple of ints, the axes to normalise over.
            Defaults to `-1`.
        epsilon: small float added to the mean square. Defaults to `1e-6`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`, ...).

    Example:

    >>> rms = kerastorch.layers.RMSNormalization()
    >>> rms.build((5, 20, 30, 10))
    >>> tuple(rms.scale.shape)
    (10,)
    """

    def __init__(self, axis=-1, epsilon: float = 1e-6, **kwargs):
        axis = check_axis_argument(axis)
        epsilon = check_number(epsilon, "epsilon")
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        self.supports_masking = True

    def build(self, input_shape):
        resolve_axes(self.axis, input_shape, self.name)
        given = [self.axis] if isinstance(self.axis, int) else self.axis
        self.scale = self.add_weight(
            name="scale",
            shape=tuple(input_shape[a] for a in given),
            initializer="ones",
        )
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
        scale = self.scale.to(x.dtype)
        if is_trailing(axes, ndim):
            outputs = F.rms_norm(
                x, normalized_shape, scale.reshape(normalized_shape), self.epsilon
            )
        else:
            broadcast = [1] * ndim
            for a in axes:
                broadcast[a] = x.shape[a]
            mean_square = x.square().mean(dim=axes, keepdim=True)
            outputs = (
                x * torch.rsqrt(mean_square + self.epsilon) * scale.reshape(broadcast)
            )
        return outputs.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        resolve_axes(self.axis, input_shape, self.name, need_known=False)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
