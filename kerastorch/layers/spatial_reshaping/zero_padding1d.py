"""ZeroPadding1D: zeros at the start and end of the time axis."""

from __future__ import annotations

from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class ZeroPadding1D(Layer):
    """Zero-padding layer for 1D input (e.g. a temporal sequence).

    Args:
        padding: int (the same amount at both ends) or tuple of 2 ints
            `(left_pad, right_pad)`. Defaults to `1`.
        data_format: `"channels_last"` (`(batch, steps, channels)`) or
            `"channels_first"` (`(batch, channels, steps)`). Defaults to
            `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.ZeroPadding1D(padding=2)
    >>> layer(torch.ones(2, 3, 4)).shape
    torch.Size([2, 7, 4])
    """

    def __init__(self, padding=1, data_format: str | None = None, **kwargs):
        padding = conv_utils.standardize_tuple(padding, 2, "padding", allow_zero=True)
        super().__init__(**kwargs)
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return conv_utils.pad_spatial(inputs, (self.padding,), self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
