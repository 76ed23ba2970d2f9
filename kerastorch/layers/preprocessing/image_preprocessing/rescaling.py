"""Rescaling: `inputs * scale + offset`."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from kerastorch.backend.config import image_data_format
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.layer import Layer


def _check_number_or_list(value, arg: str):
    """A float, or a list of floats (one per channel) for array-like values."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value)
        if arr.dtype.kind in "iuf" and arr.ndim <= 1:
            return float(arr) if arr.ndim == 0 else [float(v) for v in arr]
    raise ValueError(
        f"`{arg}` must be a number or a list of numbers (one per channel). "
        f"Received: {arg}={value!r}"
    )


class Rescaling(Layer):
    """Rescales inputs: `output = inputs * scale + offset`, in the compute dtype.

    To map `[0, 255]` images to `[0, 1]`, use `scale=1./255`; to `[-1, 1]`,
    use `scale=1./127.5, offset=-1`. `scale` and `offset` may be lists with one
    value per channel (channels last, or first when
    `keras.config.image_data_format()` is `"channels_first"`).

    Args:
        scale: float, or list of floats, the scale.
        offset: float, or list of floats, the offset. Defaults to `0.0`.

    Example:

    >>> layer = kerastorch.layers.Rescaling(1.0 / 255)
    >>> layer(torch.full((1, 2, 2, 3), 255.0)).max()
    tensor(1.)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        scale = _check_number_or_list(scale, "scale")
        offset = _check_number_or_list(offset, "offset")
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def _broadcastable(self, value, like: torch.Tensor):
        if isinstance(value, float):
            return value
        channels_first = image_data_format() == "channels_first"
        key = (id(value), like.device, like.dtype, channels_first)
        cache = self.__dict__.setdefault("_per_channel", {})
        if key not in cache:
            t = torch.tensor(value, dtype=like.dtype, device=like.device)  # (channels,)
            if channels_first:
                t = t.reshape(-1, 1, 1)  # (channels, 1, 1)
            cache[key] = t
        return cache[key]

    def call(self, inputs):
        x = inputs.to(to_torch_dtype(self.compute_dtype))
        return x * self._broadcastable(self.scale, x) + self._broadcastable(
            self.offset, x
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config
