"""UpSampling1D: repeat each time step."""

from __future__ import annotations

from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class UpSampling1D(Layer):
    """Upsampling layer for 1D inputs: repeats each step `size` times along axis 1.

    Args:
        size: positive int, the upsampling factor. Defaults to `2`.

    Example:

    >>> x = torch.arange(6.0).reshape(1, 3, 2)
    >>> kerastorch.layers.UpSampling1D(size=2)(x)[0, :, 0]
    tensor([0., 0., 2., 2., 4., 4.])
    """

    def __init__(self, size: int = 2, **kwargs):
        (size,) = conv_utils.standardize_tuple(size, 1, "size")
        super().__init__(**kwargs)
        self.size = size
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        # (N, steps * size, C)
        return conv_utils.repeat_spatial(inputs, (self.size,), (1,))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"size": self.size})
        return config
