"""UpSampling3D: repeat the voxels of a volume."""

from __future__ import annotations

from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class UpSampling3D(Layer):
    """Upsampling layer for 3D inputs: repeats each voxel `size[i]` times per axis.

    Args:
        size: int or tuple of 3 ints, the factors for dim1, dim2 and dim3.
            Defaults to `(2, 2, 2)`.
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or
            `"channels_first"` (`(batch, channels, d1, d2, d3)`). Defaults to
            `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.UpSampling3D(size=2)
    >>> layer(torch.ones(2, 1, 2, 1, 3)).shape
    torch.Size([2, 2, 4, 2, 3])
    """

    def __init__(self, size=(2, 2, 2), data_format: str | None = None, **kwargs):
        size = conv_utils.standardize_tuple(size, 3, "size")
        super().__init__(**kwargs)
        self.size = size
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        axes = conv_utils.spatial_axes(5, self.data_format)
        return conv_utils.repeat_spatial(inputs, self.size, axes)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
