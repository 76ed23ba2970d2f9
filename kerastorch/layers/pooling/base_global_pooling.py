"""BaseGlobalPooling: reduce every spatial axis to one value per channel."""

from __future__ import annotations

from kerastorch.backend import standardize_data_format
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Abstract global pooling over all spatial axes (max or mean).

    Args:
        pool_dimensions: number of spatial dimensions (1, 2 or 3).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1. Defaults to
            `False` (output `(batch, channels)`).
    """

    def __init__(
        self,
        pool_dimensions: int,
        data_format: str | None = None,
        keepdims: bool = False,
        **kwargs,
    ):
        if not isinstance(keepdims, bool):
            raise TypeError(
                f"`keepdims` must be a bool. Received: keepdims={keepdims!r}"
            )
        super().__init__(**kwargs)
        self.pool_dimensions = pool_dimensions
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)

    @property
    def _spatial_axes(self) -> tuple[int, ...]:
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.pool_dimensions))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config
