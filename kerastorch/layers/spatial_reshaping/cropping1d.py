"""Cropping1D: drop steps from the start and end of a sequence."""

from __future__ import annotations

from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class Cropping1D(Layer):
    """Cropping layer for 1D input (e.g. a temporal sequence), axis 1.

    The result is a view of the input (no copy).

    Args:
        cropping: int (the same amount at both ends) or tuple of 2 ints
            `(crop_start, crop_end)`. Defaults to `(1, 1)`.

    Example:

    >>> layer = kerastorch.layers.Cropping1D(cropping=(1, 2))
    >>> layer(torch.ones(2, 6, 4)).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        cropping = conv_utils.standardize_tuple(
            cropping, 2, "cropping", allow_zero=True
        )
        super().__init__(**kwargs)
        self.cropping = cropping
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return conv_utils.crop_spatial(
            inputs, (self.cropping,), "channels_last", self.name
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"cropping": self.cropping})
        return config
