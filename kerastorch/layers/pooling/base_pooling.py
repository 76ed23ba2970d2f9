"""BasePooling: N-D max and average pooling with Keras's "valid"/"same" padding."""

from __future__ import annotations

import math

import torch

from kerastorch.backend import standardize_data_format
from kerastorch.layers.convolutional import conv_utils
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


def _torch_pool_length(size: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """Output length of torch's pooling with symmetric padding `p` (its own rule)."""
    if not ceil_mode:
        return (size + 2 * p - k) // s + 1
    out = math.ceil((size + 2 * p - k) / s) + 1
    if (out - 1) * s >= size + p:  # the last window must start inside
        out -= 1
    return out


class BasePooling(Layer):
    """Abstract N-D pooling: max or mean over sliding windows.

    "same" padding follows TensorFlow: the output size is `ceil(size /
    stride)`, the padding is split with the odd element at the end, and
    padded positions never count (they are `-inf` for max pooling and are left
    out of the mean's divisor for average pooling). torch's kernels are given
    the symmetric part; the odd element is covered by `ceil_mode` when the
    stride allows it, else added explicitly.

    Args:
        pool_size: int or tuple of `pool_dimensions` ints, the window size.
        strides: int or tuple of `pool_dimensions` ints. Defaults to `None`
            (`pool_size`).
        pool_dimensions: number of spatial dimensions (1, 2 or 3).
        pool_mode: `"max"` or `"average"`. Defaults to `"max"`.
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `image_data_format()`.
    """

    def __init__(
        self,
        pool_size,
        strides,
        pool_dimensions: int,
        pool_mode: str = "max",
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs,
    ):
        if pool_mode not in ("max", "average"):
            raise ValueError(
                f"`pool_mode` must be 'max' or 'average'. Received: pool_mode={pool_mode!r}"
            )
        pool_size = conv_utils.standardize_tuple(
            pool_size, pool_dimensions, "pool_size"
        )
        strides = pool_size if strides is None else strides
        strides = conv_utils.standardize_tuple(strides, pool_dimensions, "strides")
        padding = conv_utils.standardize_padding(padding)
        super().__init__(**kwargs)
        self.pool_size = pool_size
        self.strides = strides
        self.pool_dimensions = pool_dimensions
        self.pool_mode = pool_mode
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)

    def call(self, inputs):
        x = conv_utils.to_channels_first(inputs, self.data_format)  # (N, C, *spatial)
        spatial = tuple(x.shape[2:])
        pads = conv_utils.spatial_padding(
            spatial, self.padding, self.pool_size, self.strides
        )
        symmetric = tuple(min(b, a) for b, a in pads)
        wanted = [
            (n + b + a - k) // s + 1
            for n, (b, a), k, s in zip(spatial, pads, self.pool_size, self.strides)
        ]
        for ceil_mode in (False, True):
            got = [
                _torch_pool_length(n, k, s, p, ceil_mode)
                for n, k, s, p in zip(spatial, self.pool_size, self.strides, symmetric)
            ]
            if got == wanted:
                # Same windows as TF; the clipped last window holds only real values.
                y = self._pool(x, symmetric, ceil_mode)
                break
        else:
            y = self._pool_padded(x, pads)
        return conv_utils.from_channels_first(y, self.data_format)

    def _pool(self, x: torch.Tensor, padding, ceil_mode: bool) -> torch.Tensor:
        return conv_utils.pool_nd(
            x, self.pool_mode, self.pool_size, self.strides, padding, ceil_mode
        )

    def _pool_padded(self, x: torch.Tensor, pads) -> torch.Tensor:
        """The odd padding element that `ceil_mode` cannot express (stride 1): pad it."""
        if self.pool_mode == "max":
            x, symmetric = conv_utils.split_padding(x, pads, value=float("-inf"))
            return self._pool(x, symmetric, False)
        # Mean = window sum / number of real elements, both over the padded input.
        ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
        x, symmetric = conv_utils.split_padding(x, pads)
        ones, _ = conv_utils.split_padding(ones, pads)
        args = ("average", self.pool_size, self.strides, symmetric, False, True)
        sums = conv_utils.pool_nd(x, *args)
        counts = conv_utils.pool_nd(ones, *args)
        return sums / counts  # the window volume cancels

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "padding": self.padding,
                "strides": self.strides,
                "data_format": self.data_format,
            }
        )
        return config
