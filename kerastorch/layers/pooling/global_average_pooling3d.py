"""GlobalAveragePooling3D: global average pooling for volumetric data."""

from __future__ import annotations

import torch

from kerastorch.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Global average pooling for volumetric data: the mean per channel.

    Args:
        data_format: `"channels_last"` (`(batch, d, h, w, channels)`) or `"channels_first"`
            (`(batch, channels, d, h, w)`). Defaults to `image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1. Defaults to
            `False` (output `(batch, channels)`).

    Example:

    >>> layer = kerastorch.layers.GlobalAveragePooling3D()
    >>> layer(torch.ones(2, 4, 4, 4, 8)).shape
    torch.Size([2, 8])
    """

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs
    ):
        super().__init__(
            pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs
        )

    def call(self, inputs):
        return torch.mean(inputs, dim=self._spatial_axes, keepdim=self.keepdims)
