"""RandomBrightness: add a random offset to images during training."""

from __future__ import annotations

from kerastorch.layers.preprocessing.image_preprocessing._base import BaseRandomLayer
from kerastorch.layers.preprocessing.image_preprocessing._base import check_pair
from kerastorch.layers.preprocessing.image_preprocessing._base import config_value
from kerastorch.layers.preprocessing.image_preprocessing._base import parse_factor


class RandomBrightness(BaseRandomLayer):
    """Randomly adjusts brightness during training; the identity with `training=False`.

    Each image gets its own offset `delta * (high - low)`, `delta` drawn
    uniformly from the factor's range, added to every pixel and channel; the
    result is clipped to `value_range = (low, high)`. Outputs are in the
    compute dtype (floats).

    Args:
        factor: a float `f` in [-1, 1] (`delta` in `[-|f|, |f|]`), or a pair
            `(lower, upper)` in [-1, 1]. `factor=(0.1, 0.3)` only brightens.
        value_range: the `[low, high]` range of the input values. Defaults to
            `(0, 255)`.
        seed: integer seed. Defaults to `None` (torch's global RNG).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.RandomBrightness(0.2, value_range=(0, 1), seed=1)
    >>> out = layer(torch.rand(4, 8, 8, 3))
    >>> bool(out.min() >= 0 and out.max() <= 1)
    True
    """

    def __init__(
        self,
        factor,
        value_range=(0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs,
    ):
        lower, upper = parse_factor(factor, "factor", -1.0, 1.0)
        low, high = check_pair(value_range, "value_range")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = config_value(factor)
        self.value_range = config_value(value_range)
        self._delta_range = (lower, upper)
        self._clip = (low, high)

    def call(self, inputs, training=True):
        images = self._cast(inputs)
        if not self._active(training):
            return images
        batched = images.unsqueeze(0) if images.dim() == 3 else images
        low, high = self._clip
        delta = self._uniform(
            (batched.shape[0], 1, 1, 1), *self._delta_range, batched.device
        ).to(batched.dtype) * (high - low)  # (batch, 1, 1, 1)
        out = (batched + delta).clamp(low, high)
        return out.squeeze(0) if images.dim() == 3 else out

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range})
        return config
