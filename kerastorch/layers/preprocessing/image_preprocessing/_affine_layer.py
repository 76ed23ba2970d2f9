"""The shared base of RandomRotation, RandomZoom and RandomTranslation."""

from __future__ import annotations

import torch

from kerastorch.layers.preprocessing.image_preprocessing import _affine
from kerastorch.layers.preprocessing.image_preprocessing._base import BaseRandomLayer
from kerastorch.layers.preprocessing.image_preprocessing._base import check_choice


class BaseAffineLayer(BaseRandomLayer):
    """A random layer that warps each image by its own affine transform.

    Subclasses implement `_matrices(batch, height, width, device)`, returning
    `(batch, 2, 3)` output-to-input pixel transforms.
    """

    def __init__(
        self,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        check_choice(fill_mode, _affine.FILL_MODES, "fill_mode")
        check_choice(interpolation, _affine.INTERPOLATIONS, "interpolation")
        if isinstance(fill_value, bool) or not isinstance(fill_value, (int, float)):
            raise ValueError(
                f"`fill_value` must be a number. Received: fill_value={fill_value!r}"
            )
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = float(fill_value)

    def _matrices(self, batch: int, height: int, width: int, device) -> torch.Tensor:
        raise NotImplementedError

    def call(self, inputs, training=True):
        images = self._cast(inputs)
        if not self._active(training):
            return images
        images, unbatched = self._to_nchw(images)
        batch, _, height, width = images.shape
        matrices = self._matrices(batch, height, width, images.device)  # (batch, 2, 3)
        out = _affine.affine_transform(
            images,
            matrices,
            interpolation=self.interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
        )  # (batch, channels, height, width)
        return self._from_nchw(out, unbatched)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "fill_mode": self.fill_mode,
                "interpolation": self.interpolation,
                "fill_value": self.fill_value,
            }
        )
        return config
