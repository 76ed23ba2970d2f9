"""Cropping3D: drop borders of a volume."""

from __future__ import annotations

from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class Cropping3D(Layer):
    """Cropping layer for 3D data (spatial or spatio-temporal). The result is a view.

    Args:
        cropping: int (the same amount on all sides), tuple of 3 ints
            (symmetric per axis), or tuple of 3 tuples of 2 ints
            `((left_dim1_crop, right_dim1_crop), (left_dim2_crop,
            right_dim2_crop), (left_dim3_crop, right_dim3_crop))`. Defaults to
            `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or
            `"channels_first"` (`(batch, channels, d1, d2, d3)`). Defaults to
            `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.Cropping3D(cropping=(2, 4, 2))
    >>> layer(torch.ones(1, 28, 28, 10, 3)).shape
    torch.Size([1, 24, 20, 6, 3])
    """

    def __init__(
        self,
        cropping=((1, 1), (1, 1), (1, 1)),
        data_format: str | None = None,
        **kwargs,
    ):
        cropping = conv_utils.standardize_pairs(cropping, 3, "cropping")
        super().__init__(**kwargs)
        self.cropping = cropping
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        return conv_utils.crop_spatial(
            inputs, self.cropping, self.data_format, self.name
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
