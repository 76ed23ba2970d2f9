"""RandomCrop: crop a random `(height, width)` window of images during training."""

from __future__ import annotations

import torch

from kerastorch.layers.preprocessing.image_preprocessing._base import BaseRandomLayer
from kerastorch.layers.preprocessing.image_preprocessing._base import check_size
from kerastorch.utils import image_utils


class RandomCrop(BaseRandomLayer):
    """Randomly crops images to `(height, width)` during training.

    In training, one random window position is drawn per batch (as Keras:
    every image of the batch is cropped at the same place). At inference
    (`training=False`), and in training when the image is not larger than the
    target on both sides, the largest centred window with the target aspect
    ratio is cropped and resized to `(height, width)` (bilinear; resizing
    needs torchvision), so the output shape never changes. Outputs are in the
    compute dtype (floats).

    Args:
        height: integer, the output height.
        width: integer, the output width.
        seed: integer seed. Defaults to `None` (torch's global RNG).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.RandomCrop(24, 24, seed=1)
    >>> layer(torch.rand(8, 32, 32, 3)).shape
    torch.Size([8, 24, 24, 3])
    """

    def __init__(
        self,
        height: int,
        width: int,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs,
    ):
        height = check_size(height, "height")
        width = check_size(width, "width")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def call(self, inputs, training=True):
        images, unbatched = self._to_nchw(self._cast(inputs))
        in_height, in_width = images.shape[-2], images.shape[-1]
        if self._active(training) and in_height > self.height and in_width > self.width:
            # Slice offsets are host integers: drawn on the CPU, no device sync.
            generator = self._generator(torch.device("cpu"))
            top = int(
                torch.randint(0, in_height - self.height + 1, (), generator=generator)
            )
            left = int(
                torch.randint(0, in_width - self.width + 1, (), generator=generator)
            )
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
