"""AveragePooling3D: average pooling for volumetric data."""

from __future__ import annotations

from kerastorch.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """Average pooling for volumetric data: the mean of each window.

    With `padding="valid"` the output size is `(size - pool_size) // strides
    + 1`; with `"same"` it is `ceil(size / strides)`, padded as TensorFlow
    does (extra at the end); padded positions are not counted in the mean.

    Args:
        pool_size: int or tuple of 3 ints, the window size. Defaults to `(2, 2, 2)`.
        strides: int or tuple of 3 ints. Defaults to `None` (`pool_size`).
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        data_format: `"channels_last"` (`(batch, d, h, w, channels)`) or `"channels_first"`
            (`(batch, channels, d, h, w)`). Defaults to `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.AveragePooling3D()
    >>> layer(torch.ones(2, 4, 4, 4, 8)).shape
    torch.Size([2, 2, 2, 2, 8])
    """

    def __init__(
        self,
        pool_size=(2, 2, 2),
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=3,
            pool_mode="average",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
