"""Cropping2D: drop rows and columns at the borders of an image."""

from __future__ import annotations

from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class Cropping2D(Layer):
    """Cropping layer for 2D input (e.g. a picture). The result is a view.

    Args:
        cropping: int (the same amount on all sides), tuple of 2 ints
            `(symmetric_height_crop, symmetric_width_crop)`, or tuple of 2
            tuples of 2 ints `((top_crop, bottom_crop), (left_crop,
            right_crop))`. Defaults to `((0, 0), (0, 0))`.
        data_format: `"channels_last"` (`(batch, h, w, channels)`) or
            `"channels_first"` (`(batch, channels, h, w)`). Defaults to
            `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.Cropping2D(cropping=((2, 2), (4, 4)))
    >>> layer(torch.ones(2, 28, 28, 3)).shape
    torch.Size([2, 24, 20, 3])
    """

    def __init__(
        self, cropping=((0, 0), (0, 0)), data_format: str | None = None, **kwargs
    ):
        cropping = conv_utils.standardize_pairs(cropping, 2, "cropping")
        super().__init__(**kwargs)
        self.cropping = cropping
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        return conv_utils.crop_spatial(
            inputs, self.cropping, self.data_format, self.name
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
