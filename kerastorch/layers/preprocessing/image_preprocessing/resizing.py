"""Resizing: resize images to a fixed height and width."""

from __future__ import annotations

from kerastorch.layers.preprocessing.image_preprocessing._base import (
    BaseImagePreprocessingLayer,
)
from kerastorch.layers.preprocessing.image_preprocessing._base import check_choice
from kerastorch.layers.preprocessing.image_preprocessing._base import check_size
from kerastorch.utils import image_utils


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to `(height, width)`.

    Takes batched `(batch, height, width, channels)` or single
    `(height, width, channels)` images (channels first with
    `data_format="channels_first"`), of any value range and dtype; integer
    images come back rounded, in their own dtype. Runs on
    `torchvision.transforms.v2.functional.resize` (install
    `kerastorch[vision]`): bilinear and bicubic use half-pixel centres and
    "nearest" is torch's "nearest-exact", as TensorFlow computes them.

    Args:
        height: integer, the output height.
        width: integer, the output width.
        interpolation: one of `"bilinear"`, `"nearest"`, `"bicubic"`,
            `"area"`. Defaults to `"bilinear"`.
        crop_to_aspect_ratio: if `True`, first crop the largest centred
            window with the target aspect ratio, so the image is not
            distorted. Defaults to `False`.
        pad_to_aspect_ratio: if `True`, first pad the short side evenly with
            `fill_value` up to the target aspect ratio. Defaults to `False`.
        fill_mode: how padded areas are filled; only `"constant"`.
            Defaults to `"constant"`.
        fill_value: the padding value with `pad_to_aspect_ratio=True`.
            Defaults to `0.0`.
        antialias: whether to low-pass filter when downsampling (bilinear and
            bicubic only). Defaults to `False`, as Keras.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.Resizing(16, 16)
    >>> layer(torch.rand(2, 32, 24, 3)).shape
    torch.Size([2, 16, 16, 3])
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs,
    ):
        height = check_size(height, "height")
        width = check_size(width, "width")
        interpolation = image_utils.check_interpolation(interpolation)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                f"`True`. Received: crop_to_aspect_ratio={crop_to_aspect_ratio}, "
                f"pad_to_aspect_ratio={pad_to_aspect_ratio}"
            )
        check_choice(fill_mode, ("constant",), "fill_mode")
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def build(self, input_shape):
        if self.interpolation != "area":
            image_utils.torchvision_functional("The Resizing layer")

    def call(self, inputs):
        images, unbatched = self._to_nchw(inputs)
        resized = image_utils.resize_images(
            images,
            (self.height, self.width),
            interpolation=self.interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_value=self.fill_value,
        )  # (batch, channels, height, width)
        return self._from_nchw(resized, unbatched)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self._height_axis] = self.height
        shape[self._width_axis] = self.width
        return tuple(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "height": self.height,
                "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
                "antialias": self.antialias,
            }
        )
        return config
