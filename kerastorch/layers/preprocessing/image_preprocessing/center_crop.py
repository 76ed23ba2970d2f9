"""CenterCrop: crop the central `(height, width)` window of images."""

from __future__ import annotations

from kerastorch.layers.preprocessing.image_preprocessing._base import (
    BaseImagePreprocessingLayer,
)
from kerastorch.layers.preprocessing.image_preprocessing._base import check_size
from kerastorch.utils import image_utils


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the central `(height, width)` portion of images.

    The crop starts at `((in_height - height) // 2, (in_width - width) // 2)`.
    An image smaller than the target on either side is instead cropped to the
    target aspect ratio and resized (bilinear; needs torchvision). Outputs are
    in the compute dtype (floats).

    Args:
        height: integer, the output height.
        width: integer, the output width.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.CenterCrop(4, 4)
    >>> layer(torch.rand(2, 8, 8, 3)).shape
    torch.Size([2, 4, 4, 3])
    """

    def __init__(
        self, height: int, width: int, data_format: str | None = None, **kwargs
    ):
        height = check_size(height, "height")
        width = check_size(width, "width")
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def call(self, inputs):
        images, unbatched = self._to_nchw(self._cast(inputs))
        in_height, in_width = images.shape[-2], images.shape[-1]
        h_diff, w_diff = in_height - self.height, in_width - self.width
        if h_diff >= 0 and w_diff >= 0:
            top, left = h_diff // 2, w_diff // 2
            out = images[
                ..., top : top + self.height, left : left + self.width
            ]  # a view
        else:
            out = image_utils.resize_images(
                images, (self.height, self.width), crop_to_aspect_ratio=True
            )
        return self._from_nchw(out, unbatched)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self._height_axis] = self.height
        shape[self._width_axis] = self.width
        return tuple(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
