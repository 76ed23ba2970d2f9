"""MaxPooling1D: max pooling for temporal data."""

from __future__ import annotations

from kerastorch.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling for temporal data: the largest value of each window.

    With `padding="valid"` the output size is `(size - pool_size) // strides
    + 1`; with `"same"` it is `ceil(size / strides)`, padded as TensorFlow
    does (extra at the end) with `-inf`, so padding never wins.

    Args:
        pool_size: int or tuple of 1 int, the window size. Defaults to `2`.
        strides: int or tuple of 1 int. Defaults to `None` (`pool_size`).
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        data_format: `"channels_last"` (`(batch, steps, channels)`) or `"channels_first"`
            (`(batch, channels, steps)`). Defaults to `image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.MaxPooling1D()
    >>> layer(torch.ones(4, 10, 8)).shape
    torch.Size([4, 5, 8])
    """

    def __init__(
        self,
        pool_size=2,
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=1,
            pool_mode="max",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
