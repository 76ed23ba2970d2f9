"""UpSampling2D: enlarge images by integer factors (nearest or interpolated)."""

from __future__ import annotations

import difflib

import torch.nn.functional as F

from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")
_UNSUPPORTED = ("lanczos3", "lanczos5")


class UpSampling2D(Layer):
    """Upsampling layer for 2D inputs.

    `"nearest"` repeats rows and columns; `"bilinear"` and `"bicubic"` resize
    with torch's `F.interpolate` (half-pixel centers, no antialiasing, as
    `keras.ops.image.resize`; `"bicubic"` uses torch's cubic coefficient
    -0.75, as Keras's torch backend does, not TensorFlow's -0.5).

    Args:
        size: int or tuple of 2 ints, the factors for rows and columns.
            Defaults to `(2, 2)`.
        data_format: `"channels_last"` (`(batch, h, w, channels)`) or
            `"channels_first"` (`(batch, channels, h, w)`). Defaults to
            `image_data_format()`.
        interpolation: `"nearest"`, `"bilinear"` or `"bicubic"`. Defaults to
            `"nearest"`.

    Example:

    >>> layer = kerastorch.layers.UpSampling2D(size=(1, 2))
    >>> layer(torch.ones(2, 2, 1, 3)).shape
    torch.Size([2, 2, 2, 3])
    """

    def __init__(
        self,
        size=(2, 2),
        data_format: str | None = None,
        interpolation: str = "nearest",
        **kwargs,
    ):
        size = conv_utils.standardize_tuple(size, 2, "size")
        if interpolation in _UNSUPPORTED:
            raise ValueError(
                f"interpolation={interpolation!r} is not supported by kerastorch "
                f"(torch has no Lanczos resize). Use one of {_INTERPOLATIONS}."
            )
        if interpolation not in _INTERPOLATIONS:
            close = difflib.get_close_matches(str(interpolation), _INTERPOLATIONS)
            hint = f" Did you mean: {close[0]!r}?" if close else ""
            raise ValueError(
                f"`interpolation` must be one of {_INTERPOLATIONS}. "
                f"Received: interpolation={interpolation!r}.{hint}"
            )
        super().__init__(**kwargs)
        self.size = size
        self.data_format = standardize_data_format(data_format)
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        if self.interpolation == "nearest":
            axes = conv_utils.spatial_axes(4, self.data_format)
            return conv_utils.repeat_spatial(inputs, self.size, axes)
        x = conv_utils.to_channels_first(inputs, self.data_format)  # (N, C, H, W)
        out_size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        y = F.interpolate(
            x, size=out_size, mode=self.interpolation, align_corners=False
        )  # (N, C, H * sh, W * sw)
        return conv_utils.from_channels_first(y, self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "size": self.size,
                "data_format": self.data_format,
                "interpolation": self.interpolation,
            }
        )
        return config
