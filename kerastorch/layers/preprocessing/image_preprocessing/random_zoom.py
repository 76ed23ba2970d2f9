"""RandomZoom: zoom images in or out by random amounts during training."""

from __future__ import annotations

from kerastorch.layers.preprocessing.image_preprocessing import _affine
from kerastorch.layers.preprocessing.image_preprocessing._affine_layer import (
    BaseAffineLayer,
)
from kerastorch.layers.preprocessing.image_preprocessing._base import config_value
from kerastorch.layers.preprocessing.image_preprocessing._base import parse_factor


class RandomZoom(BaseAffineLayer):
    """Randomly zooms images during training; the identity with `training=False`.

    Each image gets its own zoom, `1 + u` with `u` drawn uniformly from the
    factor's range, about the image centre: a positive factor zooms out
    (the image shrinks, its surroundings filled per `fill_mode`), a negative
    one zooms in. Without `width_factor` both axes use the same zoom (the
    aspect ratio is kept). Outputs are in the compute dtype (floats).

    Args:
        height_factor: a float `f` (zoom in `[-f, f]`), or a pair
            `(lower, upper)`, fractions in [-1, 1]. `(0.2, 0.3)` zooms out by
            20% to 30%; `(-0.3, -0.2)` zooms in by 20% to 30%.
        width_factor: like `height_factor`, for the width. Defaults to `None`
            (the height zoom, preserving the aspect ratio).
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"` (see
            `RandomRotation`). Defaults to `"reflect"`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to `"bilinear"`.
        seed: integer seed. Defaults to `None` (torch's global RNG).
        fill_value: the value outside the image with `fill_mode="constant"`.
            Defaults to `0.0`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.RandomZoom(0.2, seed=1)
    >>> layer(torch.rand(4, 16, 16, 3)).shape
    torch.Size([4, 16, 16, 3])
    """

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        height_range = parse_factor(height_factor, "height_factor")
        width_range = (
            None if width_factor is None else parse_factor(width_factor, "width_factor")
        )
        super().__init__(
            fill_mode=fill_mode,
            interpolation=interpolation,
            seed=seed,
            fill_value=fill_value,
            data_format=data_format,
            **kwargs,
        )
        self.height_factor = config_value(height_factor)
        self.width_factor = config_value(width_factor)
        self._height_range = height_range
        self._width_range = width_range

    def _matrices(self, batch, height, width, device):
        u = self._uniform((2, batch), 0.0, 1.0, device)  # one draw for both axes
        low, high = self._height_range
        zoom_y = 1.0 + low + u[0] * (high - low)  # (batch,)
        if self._width_range is None:
            zoom_x = zoom_y
        else:
            low, high = self._width_range
            zoom_x = 1.0 + low + u[1] * (high - low)
        return _affine.zoom_matrices(zoom_y, zoom_x, height, width)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"height_factor": self.height_factor, "width_factor": self.width_factor}
        )
        return config
