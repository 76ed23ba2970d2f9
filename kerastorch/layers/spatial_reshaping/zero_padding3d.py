"""ZeroPadding3D: zeros around a volume."""

from __future__ import annotations

from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class ZeroPadding3D(Layer):
    """Zero-padding layer for 3D data (spatial or spatio-temporal).

    Args:
        padding: int (the same amount on all sides), tuple of 3 ints
            (symmetric per axis), or tuple of 3 tuples of 2 ints
            `((left_dim1_pad, right_dim1_pad), (left_dim2_pad, right_dim2_pad),
            (left_dim3_pad, right_dim3_pad))`. Defaults to
            `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or
            `"channels_first"` (`(batch, channels, d1, d2, d3)`). Defaults to
            `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.ZeroPadding3D(padding=2)
    >>> layer(torch.ones(1, 2, 2, 2, 3)).shape
    torch.Size([1, 6, 6, 6, 3])
    """

    def __init__(
        self,
        padding=((1, 1), (1, 1), (1, 1)),
        data_format: str | None = None,
        **kwargs,
    ):
        padding = conv_utils.standardize_pairs(padding, 3, "padding")
        super().__init__(**kwargs)
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        return conv_utils.pad_spatial(inputs, self.padding, self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
