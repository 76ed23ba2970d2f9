"""RandomRotation: rotate images by random angles during training."""

from __future__ import annotations

from kerastorch.layers.preprocessing.image_preprocessing import _affine
from kerastorch.layers.preprocessing.image_preprocessing._affine_layer import (
    BaseAffineLayer,
)
from kerastorch.layers.preprocessing.image_preprocessing._base import config_value
from kerastorch.layers.preprocessing.image_preprocessing._base import parse_factor


class RandomRotation(BaseAffineLayer):
    """Randomly rotates images during training; the identity with `training=False`.

    Each image gets its own angle, drawn uniformly from
    `[lower * 2pi, upper * 2pi]` and applied counter-clockwise about the image
    centre. Empty space is filled according to `fill_mode`. Outputs are in
    the compute dtype (floats).

    Args:
        factor: a float, fraction of a full turn: angles in
            `[-factor, factor] * 2pi`; or a pair `(lower, upper)` in [-1, 1].
            Positive values rotate counter-clockwise.
        fill_mode: `"reflect"` `(d c b a | a b c d | d c b a)`, `"wrap"`
            `(a b c d | a b c d | a b c d)`, `"constant"`
            `(k k k k | a b c d | k k k k)` with k = `fill_value`, or
            `"nearest"` `(a a a a | a b c d | d d d d)`. Defaults to
            `"reflect"`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to `"bilinear"`.
        seed: integer seed. Defaults to `None` (torch's global RNG).
        fill_value: the value outside the image with `fill_mode="constant"`.
            Defaults to `0.0`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.RandomRotation(0.1, seed=1)
    >>> layer(torch.rand(4, 16, 16, 3)).shape
    torch.Size([4, 16, 16, 3])
    """

    def __init__(
        self,
        factor,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        lower, upper = parse_factor(factor, "factor")
        super().__init__(
            fill_mode=fill_mode,
            interpolation=interpolation,
            seed=seed,
            fill_value=fill_value,
            data_format=data_format,
            **kwargs,
        )
        self.factor = config_value(factor)
        self._lower, self._upper = lower, upper

    def _matrices(self, batch, height, width, device):
        angles = self._uniform(
            (batch,), self._lower * _affine.TWO_PI, self._upper * _affine.TWO_PI, device
        )  # (batch,) radians
        return _affine.rotation_matrices(angles, height, width)

    def get_config(self) -> dict:
        config = super().get_config()
        config["factor"] = self.factor
        return config
