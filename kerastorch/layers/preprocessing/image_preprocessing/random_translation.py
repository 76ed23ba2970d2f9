"""RandomTranslation: shift images by random amounts during training."""

from __future__ import annotations

from kerastorch.layers.preprocessing.image_preprocessing import _affine
from kerastorch.layers.preprocessing.image_preprocessing._affine_layer import (
    BaseAffineLayer,
)
from kerastorch.layers.preprocessing.image_preprocessing._base import config_value
from kerastorch.layers.preprocessing.image_preprocessing._base import parse_factor


class RandomTranslation(BaseAffineLayer):
    """Randomly translates images during training; the identity with `training=False`.

    Each image gets its own shift, a uniformly drawn fraction of its height
    and width; the uncovered area is filled according to `fill_mode`.
    Outputs are in the compute dtype (floats).

    Args:
        height_factor: a float `f` (a vertical shift in `[-f, f]` of the
            height) or a pair `(lower, upper)` in [-1, 1]. Negative values
            shift the image up, positive values down.
        width_factor: the same for the horizontal shift: negative values
            shift left, positive values right.
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"` (see
            `RandomRotation`). Defaults to `"reflect"`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to `"bilinear"`.
        seed: integer seed. Defaults to `None` (torch's global RNG).
        fill_value: the value outside the image with `fill_mode="constant"`.
            Defaults to `0.0`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.RandomTranslation(0.1, 0.1, seed=1)
    >>> layer(torch.rand(4, 16, 16, 3)).shape
    torch.Size([4, 16, 16, 3])
    """

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        height_range = parse_factor(height_factor, "height_factor")
        width_range = parse_factor(width_factor, "width_factor")
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
        (h_low, h_high), (w_low, w_high) = self._height_range, self._width_range
        dy = (h_low + u[0] * (h_high - h_low)) * height  # (batch,) pixels down
        dx = (w_low + u[1] * (w_high - w_low)) * width  # (batch,) pixels right
        return _affine.translation_matrices(dy, dx)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"height_factor": self.height_factor, "width_factor": self.width_factor}
        )
        return config
