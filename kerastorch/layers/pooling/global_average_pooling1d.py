"""GlobalAveragePooling1D: global average pooling for temporal data."""

from __future__ import annotations

import torch

from kerastorch.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Global average pooling for temporal data: the mean per channel.

    With a mask (e.g. from `Embedding(mask_zero=True)` or `Masking`), the mean
    is over the unmasked steps only; the output carries no mask.

    Args:
        data_format: `"channels_last"` (`(batch, steps, channels)`) or `"channels_first"`
            (`(batch, channels, steps)`). Defaults to `image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1. Defaults to
            `False` (output `(batch, channels)`).

    Example:

    >>> layer = kerastorch.layers.GlobalAveragePooling1D()
    >>> layer(torch.ones(4, 10, 8)).shape
    torch.Size([4, 8])
    """

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs
    ):
        super().__init__(
            pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs
        )
        self.supports_masking = True

    def call(self, inputs, mask=None):
        steps_axis = self._spatial_axes[0]
        if mask is None:
            return torch.mean(inputs, dim=steps_axis, keepdim=self.keepdims)
        # mask: (batch, steps) → broadcast over the channel axis.
        mask = mask.to(inputs.dtype).unsqueeze(2 if steps_axis == 1 else 1)
        total = torch.sum(inputs * mask, dim=steps_axis, keepdim=self.keepdims)
        return total / torch.sum(mask, dim=steps_axis, keepdim=self.keepdims)

    def compute_mask(self, inputs, previous_mask):
        return None
