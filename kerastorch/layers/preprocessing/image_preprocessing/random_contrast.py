"""RandomContrast: scale each channel's deviation from its mean during training."""

from __future__ import annotations

import numbers

from kerastorch.layers.preprocessing.image_preprocessing._base import BaseRandomLayer
from kerastorch.layers.preprocessing.image_preprocessing._base import check_pair
from kerastorch.layers.preprocessing.image_preprocessing._base import config_value


def _contrast_bounds(factor) -> tuple[float, float]:
    """`(lower, upper)`, each in [0, 1], from a number or a pair."""
    values = list(factor) if isinstance(factor, (list, tuple)) else [factor, factor]
    if len(values) != 2 or not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and 0 <= v <= 1
        for v in values
    ):
        raise ValueError(
            "The `factor` argument should be a number (or a list of two numbers) "
            f"in the range [0, 1]. Received: factor={factor!r}"
        )
    return float(values[0]), float(values[1])


class RandomContrast(BaseRandomLayer):
    """Randomly adjusts contrast during training; the identity with `training=False`.

    Each image gets its own contrast factor `c`, drawn uniformly from
    `[1 - lower, 1 + upper]`; each channel becomes
    `(x - mean) * c + mean` (`mean` over that image's channel), clipped to
    `value_range`. Outputs are in the compute dtype (floats).

    Args:
        factor: a float `f` in [0, 1] (`lower = upper = f`), or a pair
            `(lower, upper)` in [0, 1].
        value_range: the `[low, high]` range of the input values, e.g.
            `(0, 255)` or `(0, 1)`; outputs are clipped to it. Defaults to
            `(0, 255)`.
        seed: integer seed. Defaults to `None` (torch's global RNG).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.RandomContrast(0.2, seed=1)
    >>> layer(torch.rand(4, 8, 8, 3) * 255).shape
    torch.Size([4, 8, 8, 3])
    """

    def __init__(
        self,
        factor,
        value_range=(0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs,
    ):
        lower, upper = _contrast_bounds(factor)
        low, high = check_pair(value_range, "value_range")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = config_value(factor)
        self.value_range = config_value(value_range)
        self._contrast_range = (1.0 - lower, 1.0 + upper)
        self._clip = (low, high)

    def call(self, inputs, training=True):
        images = self._cast(inputs)
        if not self._active(training):
            return images
        batched = images.unsqueeze(0) if images.dim() == 3 else images
        spatial = (self._height_axis, self._width_axis)
        mean = batched.mean(dim=spatial, keepdim=True)  # per image and channel
        factor = self._uniform(
            (batched.shape[0], 1, 1, 1), *self._contrast_range, batched.device
        ).to(batched.dtype)  # (batch, 1, 1, 1)
        out = ((batched - mean) * factor + mean).clamp(*self._clip)
        return out.squeeze(0) if images.dim() == 3 else out

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range})
        return config
