"""UnitNormalization: scale each sample to unit L2 norm over `axis`."""

from __future__ import annotations

import torch.nn.functional as F

from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.layer import Layer
from kerastorch.layers.normalization._utils import check_axis_argument
from kerastorch.layers.normalization._utils import resolve_axes

# Keras computes `x * rsqrt(max(sum(x**2), 1e-12))`, i.e. `x / max(||x||, 1e-6)`.
_NORM_FLOOR = 1e-6


class UnitNormalization(Layer):
    """Unit normalization: each sample gets an L2 norm of 1 across `axis`.

    `output = x / max(||x||_2, 1e-6)`, the norm taken over `axis` (a zero
    vector stays zero).

    Args:
        axis: int or list/tuple of ints, the axes to normalise across.
            Defaults to `-1`.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Example:

    >>> y = kerastorch.layers.UnitNormalization()(torch.tensor([[3.0, 4.0]]))
    >>> y
    tensor([[0.6000, 0.8000]])
    """

    def __init__(self, axis=-1, **kwargs):
        axis = check_axis_argument(axis)
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def build(self, input_shape):
        resolve_axes(self.axis, input_shape, self.name, need_known=False)

    def call(self, inputs):
        x = inputs.to(to_torch_dtype(self.compute_dtype))
        dim = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        return F.normalize(x, p=2.0, dim=dim, eps=_NORM_FLOOR)

    def compute_output_shape(self, input_shape):
        resolve_axes(self.axis, input_shape, self.name, need_known=False)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": self.axis})
        return config
