"""MaxPooling2D: max pooling for spatial data."""

from __future__ import annotations

from kerastorch.layers.pooling.base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """Max pooling for spatial data: the largest value of each window.

    With `padding="valid"` the output size is `(size - pool_size) // strides
    + 1`; with `"same"` it is `ceil(size / strides)`, padded as TensorFlow
    does (extra at the end) with `-inf`, so padding never wins.

    Args:
        pool_size: int or tuple of 2 ints, the window size. Defaults to `(2, 2)`.
        strides: int or tuple of 2 ints. Defaults to `None` (`pool_size`).
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        data_format: `"channels_last"` (`(batch, h, w, channels)`) or `"channels_first"`
            (`(batch, channels, h, w)`). Defaults to `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.MaxPooling2D()
    >>> layer(torch.ones(4, 10, 10, 8)).shape
    torch.Size([4, 5, 5, 8])
    """

    def __init__(
        self,
        pool_size=(2, 2),
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=2,
            pool_mode="max",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
