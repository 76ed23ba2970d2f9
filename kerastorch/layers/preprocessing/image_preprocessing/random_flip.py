"""RandomFlip: flip images horizontally and/or vertically during training."""

from __future__ import annotations

import torch

from kerastorch.layers.preprocessing.image_preprocessing._base import BaseRandomLayer
from kerastorch.layers.preprocessing.image_preprocessing._base import check_choice

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(BaseRandomLayer):
    """Randomly flips images during training; the identity with `training=False`.

    Each image is flipped with probability 1/2, drawn per image (and, in
    `"horizontal_and_vertical"` mode, per axis). Outputs are in the compute
    dtype (floats).

    Args:
        mode: `"horizontal"` (left-right), `"vertical"` (upside down) or
            `"horizontal_and_vertical"`. Defaults to
            `"horizontal_and_vertical"`.
        seed: integer seed. Defaults to `None` (torch's global RNG).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> layer = kerastorch.layers.RandomFlip("horizontal", seed=1)
    >>> layer(torch.rand(4, 8, 8, 3), training=True).shape
    torch.Size([4, 8, 8, 3])
    """

    def __init__(
        self,
        mode: str = HORIZONTAL_AND_VERTICAL,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs,
    ):
        check_choice(mode, (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL), "mode")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = mode

    def call(self, inputs, training=True):
        images = self._cast(inputs)
        if not self._active(training):
            return images
        unbatched = images.dim() == 3
        batched = images.unsqueeze(0) if unbatched else images
        axes = []
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            axes.append(self._width_axis)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            axes.append(self._height_axis)
        flips = (
            self._uniform((len(axes), batched.shape[0]), 0.0, 1.0, batched.device) < 0.5
        )
        out = batched
        for flip, axis in zip(flips, axes):
            out = torch.where(flip[:, None, None, None], out.flip(axis), out)
        return out.squeeze(0) if unbatched else out

    def get_config(self) -> dict:
        config = super().get_config()
        config["mode"] = self.mode
        return config
