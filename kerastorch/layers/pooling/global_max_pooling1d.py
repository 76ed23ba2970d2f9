"""GlobalMaxPooling1D: global max pooling for temporal data."""

from __future__ import annotations

import torch

from kerastorch.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Global max pooling for temporal data: the largest value per channel.

    Args:
        data_format: `"channels_last"` (`(batch, steps, channels)`) or `"channels_first"`
            (`(batch, channels, steps)`). Defaults to `image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1. Defaults to
            `False` (output `(batch, channels)`).

    Example:

    >>> layer = kerastorch.layers.GlobalMaxPooling1D()
    >>> layer(torch.ones(4, 10, 8)).shape
    torch.Size([4, 8])
    """

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs
    ):
        super().__init__(
            pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs
        )

    def call(self, inputs):
        return torch.amax(inputs, dim=self._spatial_axes, keepdim=self.keepdims)
