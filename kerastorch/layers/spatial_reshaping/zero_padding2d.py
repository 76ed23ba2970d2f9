"""ZeroPadding2D: rows and columns of zeros around an image."""

from __future__ import annotations

from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class ZeroPadding2D(Layer):
    """Zero-padding layer for 2D input (e.g. a picture).

    Args:
        padding: int (the same amount on all sides), tuple of 2 ints
            `(symmetric_height_pad, symmetric_width_pad)`, or tuple of 2
            tuples of 2 ints `((top_pad, bottom_pad), (left_pad, right_pad))`.
            Defaults to `(1, 1)`.
        data_format: `"channels_last"` (`(batch, h, w, channels)`) or
            `"channels_first"` (`(batch, channels, h, w)`). Defaults to
            `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.ZeroPadding2D(padding=((1, 0), (2, 2)))
    >>> layer(torch.ones(2, 3, 3, 4)).shape
    torch.Size([2, 4, 7, 4])
    """

    def __init__(self, padding=(1, 1), data_format: str | None = None, **kwargs):
        padding = conv_utils.standardize_pairs(padding, 2, "padding")
        super().__init__(**kwargs)
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        return conv_utils.pad_spatial(inputs, self.padding, self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
